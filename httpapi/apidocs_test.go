package httpapi_test

// The examples in docs/api.md are this test's output: it sends each
// documented request to a real in-process server on SQLite, replaces what
// differs from run to run (ids, wallet numbers, keys, times, hashes,
// signatures, cursors) by stable stand-ins, and renders the curl command and
// the answer between the markers
//
//	<!-- example: NAME -->
//	...
//	<!-- /example -->
//
// With -update (`make docs`) it rewrites docs/api.md; without, it fails when
// the file differs from what the API answers now. It talks HTTP only (the
// server comes from newEnv), so that it documents the API, not the Go code
// behind it.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "TestAPIDocExamples: write the examples into docs/api.md")

const apiDocPath = "../docs/api.md"

// TestAPIDocExamples checks (with -update: writes) docs/api.md's examples.
func TestAPIDocExamples(t *testing.T) {
	t.Parallel()
	d := newAPIDoc(t, newEnv(t, openSQLite, 0))
	d.scenario()
	d.render()

	old, err := os.ReadFile(apiDocPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, changed, err := d.merge(string(old))
	if err != nil {
		t.Fatalf("%s: %v", apiDocPath, err)
	}
	switch {
	case len(changed) == 0:
	case *update:
		if err := os.WriteFile(apiDocPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: rewrote %s", apiDocPath, strings.Join(changed, ", "))
	default:
		t.Errorf("docs/api.md is out of date: the API now answers otherwise in the examples %s.\n"+
			"Run `make docs` (go test ./httpapi -run TestAPIDocExamples -update), review the diff and commit docs/api.md.\n%s",
			strings.Join(changed, ", "), firstDiff(string(old), doc))
	}
}

// scenario is the story the examples tell, in the order it runs: two
// operators, money minted, wallets opened and funded, payments, holds, bank
// accounts, the log. Each example's answer depends on what ran before it;
// the prose around the examples relies on some of the amounts.
func (d *apiDoc) scenario() {
	// Operators, issuance.
	boe := d.show("createOperator", docReq{who: "CB", method: "POST", path: "/v1/operators", idem: "op-boe",
		body: `{"name":"Bank of Example","code":"BOE"}`, status: 201, head: []string{"Content-Type"}})
	d.show("createOperator-replay", docReq{who: "CB", method: "POST", path: "/v1/operators", idem: "op-boe",
		body: `{"name":"Bank of Example","code":"BOE"}`, status: 201, head: []string{"Idempotent-Replayed"}, hideCmd: true})
	d.show("createOperator-conflict", docReq{who: "CB", method: "POST", path: "/v1/operators",
		body: `{"name":"Bank of Example","code":"BOE"}`, status: 409, hideCmd: true})
	sec := d.do(docReq{who: "CB", method: "POST", path: "/v1/operators", body: `{"name":"Second Bank","code":"SEC"}`, status: 201})
	boeID, secID := boe.str("id"), sec.str("id")
	d.keys["KEY"], d.keys["KEY2"] = boe.str("api_key"), sec.str("api_key")

	page := d.show("pagination", docReq{who: "CB", method: "GET", path: "/v1/operators?limit=1", status: 200})
	d.show("pagination", docReq{who: "CB", method: "GET", path: "/v1/operators?limit=1&cursor=" + page.str("next_cursor"), status: 200})
	d.show("listOperators", docReq{who: "CB", method: "GET", path: "/v1/operators", status: 200})

	d.show("mint", docReq{who: "CB", method: "POST", path: "/v1/issuance/mint", idem: "mint-2026-001",
		body: `{"operator_id":"` + boeID + `","amount":"1000000.00","currency":"CNY"}`, status: 201, head: []string{}})
	d.show("burn", docReq{who: "CB", method: "POST", path: "/v1/issuance/burn",
		body: `{"operator_id":"` + boeID + `","amount":"250000.00","currency":"CNY"}`, status: 201})
	d.do(docReq{who: "CB", method: "POST", path: "/v1/issuance/mint", body: `{"operator_id":"` + secID + `","amount":"1000.00","currency":"CNY"}`, status: 201})
	d.do(docReq{who: "CB", method: "POST", path: "/v1/issuance/mint", body: `{"operator_id":"` + secID + `","amount":"5000000","currency":"JPY"}`, status: 201})
	d.show("getSupply", docReq{who: "CB", method: "GET", path: "/v1/issuance/supply?currency=CNY", status: 200})
	d.show("getSupply", docReq{who: "CB", method: "GET", path: "/v1/issuance/supply?currency=JPY", status: 200})
	d.show("getMe", docReq{who: "KEY2", method: "GET", path: "/v1/operators/me", status: 200})

	// Wallets. The first four keep the ids the prose names.
	w1 := d.show("createWallet", docReq{who: "KEY", method: "POST", path: "/v1/wallets", idem: "open-liwei",
		body: `{"holder":{"name":"Li Wei","phone":"13812345678"},"currency":"CNY","kind":"personal"}`, status: 201, head: []string{}}).str("id")
	d.n.pin(w1, "8127995007240072")
	batch := d.show("createWalletBatch", docReq{who: "KEY", method: "POST", path: "/v1/wallets/batch", idem: "open-2026-11-27-a", body: `{"wallets":[
  {"holder":{"name":"Wang Fang","phone":"+8613987654321"},"currency":"CNY","kind":"merchant"},
  {"holder":{"name":"Chen Jie","phone":"136 0000 2222"},"currency":"CNY","kind":"personal"}]}`, status: 201, layout: layoutLines})
	items := batch.items()
	if len(items) != 2 {
		d.t.Fatalf("wallet batch: %s", batch.raw)
	}
	w2, wEmpty := items[0].(map[string]any)["id"].(string), items[1].(map[string]any)["id"].(string)
	d.n.pin(w2, "7101472519377158")
	d.n.pin(wEmpty, "2535752411967462")
	d.show("createWalletBatch-invalid", docReq{who: "KEY", method: "POST", path: "/v1/wallets/batch", body: `{"wallets":[
  {"holder":{"name":"Li Na","phone":"13812340001"},"currency":"CNY"},
  {"holder":{"name":"Li Jun","phone":"13812340002"},"currency":"CNY"},
  {"holder":{"name":"Li Ming","phone":"12345"},"currency":"CNY"}]}`, status: 422, hideCmd: true})
	d.show("errors-invalid-request", docReq{who: "KEY", method: "POST", path: "/v1/wallets",
		body: `{"holder":{"name":"Li Wei","phone":"13812345678"},"currency":"CNY","extra":1}`, status: 422, hideCmd: true})
	w3 := d.do(docReq{who: "KEY2", method: "POST", path: "/v1/wallets",
		body: `{"holder":{"name":"Zhang San","phone":"13712341111"},"currency":"CNY"}`, status: 201}).str("id")
	d.n.pin(w3, "3129258624429167")
	d.do(docReq{who: "KEY2", method: "POST", path: "/v1/wallets/" + w3 + "/topups", body: `{"amount":"200.00"}`, status: 201})
	d.show("listWallets", docReq{who: "KEY2", method: "GET", path: "/v1/wallets", status: 200})
	d.show("isolation", docReq{who: "KEY", method: "GET", path: "/v1/wallets/" + w3, status: 404})

	// Money into the first wallet, and back.
	d.show("topUp", docReq{who: "KEY", method: "POST", path: "/v1/wallets/" + w1 + "/topups", idem: "topup-1",
		body: `{"amount":"500.00"}`, status: 201, head: []string{}})
	d.show("topUp-replay", docReq{who: "KEY", method: "POST", path: "/v1/wallets/" + w1 + "/topups", idem: "topup-1",
		body: `{"amount":"500.00"}`, status: 201, head: []string{"Content-Type", "Idempotent-Replayed"}})
	d.show("withdraw", docReq{who: "KEY", method: "POST", path: "/v1/wallets/" + w1 + "/withdrawals", body: `{"amount":"50.00"}`, status: 201})
	d.show("withdraw-insufficient", docReq{who: "KEY", method: "POST", path: "/v1/wallets/" + w1 + "/withdrawals",
		body: `{"amount":"5000.00"}`, status: 422, hideCmd: true})

	// Freeze, close.
	d.show("freezeWallet", docReq{who: "KEY2", method: "POST", path: "/v1/wallets/" + w3 + "/freeze", status: 200})
	d.show("freezeWallet-pay", docReq{who: "KEY", method: "POST", path: "/v1/transfers",
		body: `{"from":"` + w1 + `","to":"` + w3 + `","amount":"10.00","currency":"CNY"}`, status: 422, hideCmd: true})
	d.show("freezeWallet-close", docReq{who: "KEY2", method: "POST", path: "/v1/wallets/" + w3 + "/close", status: 409, hideCmd: true})
	d.do(docReq{who: "KEY2", method: "POST", path: "/v1/wallets/" + w3 + "/unfreeze", status: 200})
	d.show("closeWallet", docReq{who: "KEY", method: "POST", path: "/v1/wallets/" + wEmpty + "/close", status: 200})

	// Payments: 500 - 50 - 12.30 - 87.70 = 350.00 before "pay-big".
	coffee := d.show("createTransfer", docReq{who: "KEY", method: "POST", path: "/v1/transfers", idem: "pay-1",
		body: `{"from":"` + w1 + `","to":"` + w2 + `","amount":"12.30","currency":"CNY","memo":"coffee"}`, status: 201, head: []string{}}).str("id")
	rent := d.do(docReq{who: "KEY", method: "POST", path: "/v1/transfers",
		body: `{"from":"` + w1 + `","to":"` + w3 + `","amount":"87.70","currency":"CNY","memo":"rent"}`, status: 201}).str("id")
	d.show("getTransfer", docReq{who: "KEY2", method: "GET", path: "/v1/transfers/" + rent, status: 200, comment: "the payee's operator"})
	d.show("getTransfer-centralBank", docReq{who: "CB", method: "GET", path: "/v1/transfers/" + rent, status: 200})
	payBig := `{"from":"` + w1 + `","to":"` + w2 + `","amount":"600.00","currency":"CNY"}`
	d.show("idempotency-refused", docReq{who: "KEY", method: "POST", path: "/v1/transfers", idem: "pay-big", body: payBig, status: 422})
	d.do(docReq{who: "KEY", method: "POST", path: "/v1/wallets/" + w1 + "/topups", body: `{"amount":"300.00"}`, status: 201})
	d.show("idempotency-retried", docReq{who: "KEY", method: "POST", path: "/v1/transfers", idem: "pay-big", body: payBig, status: 201, head: []string{}})
	tx := d.show("listTransactions", docReq{who: "KEY", method: "GET", path: "/v1/wallets/" + w1 + "/transactions?limit=3", status: 200, layout: layoutIndent})
	d.show("listTransactions-next", docReq{who: "KEY", method: "GET", path: "/v1/wallets/" + w1 + "/transactions?limit=3&cursor=" + tx.str("next_cursor"),
		status: 200, hideOut: true})
	d.show("listTransactions-centralBank", docReq{who: "CB", method: "GET", path: "/v1/wallets/" + w1 + "/transactions?limit=3", status: 200, layout: layoutLines})

	// Holds: 50.00 + 250.00 = 300.00, 80.00 of it held.
	d.do(docReq{who: "KEY", method: "POST", path: "/v1/wallets/" + w1 + "/topups", body: `{"amount":"250.00"}`, status: 201})
	hold := d.show("createHold", docReq{who: "KEY", method: "POST", path: "/v1/holds", idem: "hold-taxi-1",
		body: `{"wallet":"` + w1 + `","amount":"80.00","expires_at":"` + d.n.start.Add(15*time.Minute).Format(time.RFC3339) + `"}`, status: 201, head: []string{}}).str("id")
	d.show("getWallet", docReq{who: "KEY", method: "GET", path: "/v1/wallets/" + w1, status: 200})
	d.show("getWallet-centralBank", docReq{who: "CB", method: "GET", path: "/v1/wallets/" + w1, status: 200})
	d.show("errors-problem", docReq{who: "KEY", method: "POST", path: "/v1/transfers",
		body: `{"from":"` + w1 + `","to":"` + w2 + `","amount":"250.00","currency":"CNY"}`, status: 422, hideCmd: true, layout: layoutIndent})
	capt := d.show("captureHold", docReq{who: "KEY", method: "POST", path: "/v1/holds/" + hold + "/capture", idem: "cap-taxi-1",
		body: `{"to":"` + w2 + `","amount":"62.50"}`, status: 200, head: []string{}})
	d.show("captureHold-transfer", docReq{who: "KEY", method: "GET", path: "/v1/transfers/" + capt.str("transfer_id"), status: 200, hideCmd: true})
	small := d.do(docReq{who: "KEY", method: "POST", path: "/v1/holds",
		body: `{"wallet":"` + w1 + `","amount":"30.00","expires_at":"` + d.n.start.Add(15*time.Minute).Format(time.RFC3339) + `"}`, status: 201}).str("id")
	d.show("voidHold", docReq{who: "KEY", method: "POST", path: "/v1/holds/" + small + "/void", status: 200})
	soon := time.Now().UTC().Add(time.Second).Truncate(time.Millisecond)
	brief := d.do(docReq{who: "KEY", method: "POST", path: "/v1/holds",
		body: `{"wallet":"` + w1 + `","amount":"20.00","expires_at":"` + soon.Format(time.RFC3339Nano) + `"}`, status: 201}).str("id")
	time.Sleep(time.Until(soon) + 50*time.Millisecond)
	d.show("captureHold-expired", docReq{who: "KEY", method: "POST", path: "/v1/holds/" + brief + "/capture",
		body: `{"to":"` + w2 + `"}`, status: 409})

	// Batches: 237.50 - 10.00 - 7.00 = 220.50.
	items3 := `[
  {"from":"` + w1 + `","to":"` + w2 + `","amount":"10.00","currency":"CNY","memo":"order 1"},
  {"from":"` + w1 + `","to":"` + wEmpty + `","amount":"5.00","currency":"CNY","memo":"order 2"},
  {"from":"` + w1 + `","to":"` + w3 + `","amount":"7.00","currency":"CNY","memo":"order 3"}]`
	d.show("createTransferBatch", docReq{who: "KEY", method: "POST", path: "/v1/transfers/batch", idem: "payroll-2026-11",
		body: `{"transfers":` + items3 + `}`, status: 200, layout: layoutLines})
	d.show("createTransferBatch-atomic", docReq{who: "KEY", method: "POST", path: "/v1/transfers/batch",
		body: `{"atomic":true,"transfers":` + items3 + `}`, status: 200, layout: layoutLines})
	d.show("createTransferBatch-invalid", docReq{who: "KEY", method: "POST", path: "/v1/transfers/batch", body: `{"atomic":true,"transfers":[
  {"from":"` + w1 + `","to":"` + w2 + `","amount":"1.00","currency":"CNY"},
  {"from":"` + w1 + `","to":"` + w2 + `","amount":"-1","currency":"CNY"}]}`, status: 422, hideCmd: true})

	// Sub-wallets, bank accounts, the sandbox bank.
	d.show("createSubWallet", docReq{who: "KEY", method: "POST", path: "/v1/wallets/" + w1 + "/sub-wallets",
		body: `{"name":"pocket money","holding_limit":"200.00","single_limit":"50.00","daily_limit":"80.00"}`, status: 201})
	d.show("sandboxAccount", docReq{who: "KEY", method: "POST", path: "/v1/sandbox/bank/accounts",
		body: `{"bank_code":"ICBC","account_number":"6222021234566789","holder_name":"Li Wei","currency":"CNY","balance":"1000.00"}`, status: 201})
	ba := d.show("linkBankAccount", docReq{who: "KEY", method: "POST", path: "/v1/wallets/" + w1 + "/bank-accounts", idem: "link-1",
		body: `{"bank_code":"ICBC","account_number":"6222021234566789","holder_name":"Li Wei"}`, status: 201}).str("id")
	d.show("bankTopUp", docReq{who: "KEY", method: "POST", path: "/v1/wallets/" + w1 + "/topups", idem: "t-1",
		body: `{"amount":"300.00","bank_account_id":"` + ba + `"}`, status: 201})

	// The transparency log.
	d.keys["AUD"] = d.show("createAuditor", docReq{who: "CB", method: "POST", path: "/v1/auditors", status: 201}).str("api_key")
	d.show("getCheckpoint", docReq{who: "AUD", method: "GET", path: "/v1/log/checkpoint", status: 200})
	d.show("getLogKey", docReq{who: "AUD", method: "GET", path: "/v1/log/key", status: 200})
	d.show("getConsistency", docReq{who: "AUD", method: "GET", path: "/v1/log/consistency?from=1&to=3", status: 200})
	d.show("getTransferProof", docReq{who: "AUD", method: "GET", path: "/v1/transfers/" + coffee + "/proof", status: 200})

	// A holder signs in and approves a payment.
	d.holders()

	// An operator reveals its holder: a security event, which the central
	// bank reads too, as it reads holders' events: without their phone and
	// address.
	d.show("getWallet-reveal", docReq{who: "KEY", method: "GET", path: "/v1/wallets/" + w1 + "?reveal=true", status: 200})
	d.show("getWallet-reveal-refused", docReq{who: "CB", method: "GET", path: "/v1/wallets/" + w1 + "?reveal=true", status: 403})
	d.show("listSecurityEvents-revealed", docReq{who: "KEY", method: "GET", path: "/v1/security-events?type=pii.revealed", status: 200, layout: layoutLines})
	d.show("listSecurityEvents-centralBank", docReq{who: "CB", method: "GET", path: "/v1/security-events?type=signin.succeeded&limit=1", status: 200, layout: layoutLines})

	// Health, and problems from the router.
	d.show("health", docReq{method: "GET", path: "/healthz", status: 200})
	d.show("health", docReq{method: "GET", path: "/readyz", status: 200})
	d.show("router-problems", docReq{who: "KEY", method: "GET", path: "/v1/nope", status: 404, hideCmd: true})
	d.show("router-problems", docReq{who: "KEY", method: "DELETE", path: "/v1/wallets", status: 405, hideCmd: true})
}

// docReq is one request of the scenario and how its example shows it.
type docReq struct {
	who     string // the curl variable with the key: CB, KEY, KEY2, AUD; "" for none
	method  string
	path    string
	idem    string // Idempotency-Key
	body    string // JSON, sent and shown as written (it may span lines)
	status  int    // the status the scenario expects
	comment string // shown after the command

	hdr     []string // more request headers, in pairs
	head    []string // non-nil: show the status line and these headers (curl -si)
	hideCmd bool     // show only the answer
	hideOut bool     // show only the command
	layout  int
}

// Layouts of a JSON answer.
const (
	layoutCompact = iota // as the server sends it: one line
	layoutLines          // the one array of the top object: one element a line
	layoutIndent         // indented
)

type apiDoc struct {
	t      *testing.T
	e      *env
	n      *docNorm
	keys   map[string]string // curl variable -> API key
	steps  []docStep
	blocks map[string]*docBlock
	order  []string
}

// docStep is a request shown in the example name, and its answer.
type docStep struct {
	name string
	req  docReq
	res  *resp
}

// docBlock is one example's markdown: fenced blocks, in order.
type docBlock struct {
	fences []docFence
}

type docFence struct {
	lang    string
	lines   []string
	outOnly bool // an answer without its command: the next one may join it
}

func newAPIDoc(t *testing.T, e *env) *apiDoc {
	return &apiDoc{t: t, e: e, n: newDocNorm(), keys: map[string]string{"CB": adminKey}, blocks: map[string]*docBlock{}}
}

// do sends a request without showing it.
func (d *apiDoc) do(r docReq) *resp {
	d.t.Helper()
	var body any
	if r.body != "" {
		body = r.body
	}
	var hdr []string
	if r.idem != "" {
		hdr = append(hdr, "Idempotency-Key", r.idem)
	}
	hdr = append(hdr, r.hdr...)
	key := ""
	if r.who != "" {
		key = d.keys[r.who]
		if key == "" {
			d.t.Fatalf("no key for $%s", r.who)
		}
	}
	res := d.e.req(r.method, r.path, key, body, hdr...)
	if res.status != r.status {
		d.t.Fatalf("%s %s: status %d, want %d: %s", r.method, r.path, res.status, r.status, res.raw)
	}
	d.n.learn(string(res.raw))
	return res
}

// show sends a request and adds it to the example name. The examples are
// rendered at the end (render), once every stand-in is pinned.
func (d *apiDoc) show(name string, r docReq) *resp {
	d.t.Helper()
	res := d.do(r)
	d.steps = append(d.steps, docStep{name, r, res})
	return res
}

// render makes the examples' markdown, in the order the scenario ran.
func (d *apiDoc) render() {
	for _, s := range d.steps {
		d.renderStep(s.name, s.req, s.res)
	}
}

func (d *apiDoc) renderStep(name string, r docReq, res *resp) {
	d.t.Helper()
	b := d.blocks[name]
	if b == nil {
		b = &docBlock{}
		d.blocks[name] = b
		d.order = append(d.order, name)
	}
	if !r.hideCmd {
		b.add(docFence{lang: "sh", lines: []string{d.curl(r)}})
	}
	if r.hideOut {
		return
	}
	var out []string
	lang := "json"
	if r.head != nil {
		lang = ""
		out = append(out, fmt.Sprintf("HTTP/1.1 %d %s", res.status, http.StatusText(res.status)))
		for _, h := range r.head {
			if v := res.header.Get(h); v != "" {
				out = append(out, h+": "+v)
			}
		}
		out = append(out, "")
	}
	if strings.Contains(res.header.Get("Content-Type"), "json") {
		out = append(out, d.n.json(d.t, res.raw, r.layout))
	} else {
		lang = ""
		out = append(out, strings.TrimRight(d.n.text(string(res.raw)), "\n"))
	}
	b.add(docFence{lang: lang, lines: out, outOnly: r.hideCmd})
}

// add appends a fence; an answer shown without its command joins the
// answer before it when that one was shown alone too.
func (b *docBlock) add(f docFence) {
	if n := len(b.fences); n > 0 && f.outOnly && b.fences[n-1].outOnly && b.fences[n-1].lang == f.lang {
		b.fences[n-1].lines = append(b.fences[n-1].lines, f.lines...)
		return
	}
	b.fences = append(b.fences, f)
}

func (b *docBlock) markdown() string {
	var s []string
	for _, f := range b.fences {
		s = append(s, "```"+f.lang, strings.Join(f.lines, "\n"), "```")
	}
	return strings.Join(s, "\n")
}

// curl renders a request as the curl command that sends it ($B is the
// server, $CB, $KEY, ... the Authorization headers).
func (d *apiDoc) curl(r docReq) string {
	var b strings.Builder
	b.WriteString("curl -s")
	if r.head != nil {
		b.WriteString("i")
	}
	if r.body == "" && r.method != http.MethodGet {
		b.WriteString(" -X " + r.method)
	}
	u := "$B" + d.n.path(r.path)
	if strings.ContainsAny(u, "?&") {
		u = `"` + u + `"`
	}
	b.WriteString(" " + u)
	if r.who != "" {
		b.WriteString(` -H "$` + r.who + `"`)
	}
	if r.idem != "" {
		b.WriteString(" -H 'Idempotency-Key: " + r.idem + "'")
	}
	for i := 0; i+1 < len(r.hdr); i += 2 {
		b.WriteString(" -H '" + r.hdr[i] + ": " + d.n.text(r.hdr[i+1]) + "'")
	}
	if r.body != "" {
		body := d.n.text(r.body)
		if !strings.Contains(body, "\n") && b.Len()+len(body) > 100 {
			b.WriteString(" \\\n ")
		}
		b.WriteString(" --json '" + body + "'")
	}
	if r.comment != "" {
		b.WriteString("   # " + r.comment)
	}
	return b.String()
}

// merge puts the examples between their markers in doc. It returns the new
// document and the names of the examples that changed. Every example must
// have exactly one marker pair, and every marker pair an example.
var docMarkerRe = regexp.MustCompile(`(?ms)^([ \t]*)<!-- example: ([A-Za-z0-9_-]+) -->\n(.*?)^[ \t]*<!-- /example -->`)

func (d *apiDoc) merge(doc string) (string, []string, error) {
	seen := map[string]bool{}
	var changed, problems []string
	out := docMarkerRe.ReplaceAllStringFunc(doc, func(m string) string {
		sub := docMarkerRe.FindStringSubmatch(m)
		indent, name, old := sub[1], sub[2], sub[3]
		if seen[name] {
			problems = append(problems, "two markers for the example "+name)
			return m
		}
		seen[name] = true
		b := d.blocks[name]
		if b == nil {
			problems = append(problems, "a marker for "+name+", which the test does not make (remove the marker, or add the example to the scenario)")
			return m
		}
		var lines []string
		for _, l := range strings.Split(b.markdown(), "\n") {
			if l != "" {
				l = indent + l
			}
			lines = append(lines, l)
		}
		body := strings.Join(lines, "\n") + "\n"
		if body != old {
			changed = append(changed, name)
		}
		return indent + "<!-- example: " + name + " -->\n" + body + indent + "<!-- /example -->"
	})
	for _, name := range d.order {
		if !seen[name] {
			problems = append(problems, "no marker for the example "+name+" (add <!-- example: "+name+" --> and <!-- /example --> where it belongs)")
		}
	}
	if len(problems) > 0 {
		return "", nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return out, changed, nil
}

// firstDiff shows the first line where two texts differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("first difference, line %d:\n- %s\n+ %s", i+1, x, y)
		}
	}
	return ""
}

// docNorm replaces what varies between runs by stand-ins that do not: the
// n-th distinct id, key, time or hash of a run becomes the n-th stand-in of
// its kind. The scenario runs in one order, so the stand-ins are stable.
type docNorm struct {
	start   time.Time         // the run's start, whole seconds
	repl    map[string]string // a real value -> its stand-in
	codes   map[string]string // a one-time code -> its stand-in
	wallets map[string]bool   // wallet ids the server has answered
	count   map[string]int    // stand-ins made, by kind
}

// The documents' clock: stand-in times count from here.
var docEpoch = time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC)

var (
	// docVaryRe finds what varies; each alternative is one kind (see one).
	docVaryRe = regexp.MustCompile(`ingot_(?:live|test|at|rt)_[A-Za-z0-9_-]{20,}` + // API keys and tokens
		`|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}` + // UUIDs
		`|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z` + // times
		`|[A-Za-z0-9._/-]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{40,}={0,2}` + // a verifier key: name+hash+key
		`|[A-Za-z0-9+/]{40,}={0,2}` + // base64: hashes, signatures, leaves
		`|\b[1-9]\d{15}\b`) // wallet ids (those the server answered)
	docUUIDRe    = regexp.MustCompile(`^[0-9a-f]{8}-`)
	docTimeRe    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT`)
	docVKeyRe    = regexp.MustCompile(`^(.*)\+([0-9a-f]{8})\+(.*)$`)
	docWalletRe  = regexp.MustCompile(`^[1-9]\d{15}$`)
	docWalletIDs = regexp.MustCompile(`"id":"([1-9]\d{15})"`)
)

func newDocNorm() *docNorm {
	return &docNorm{start: time.Now().UTC().Truncate(time.Second), repl: map[string]string{}, wallets: map[string]bool{}, count: map[string]int{}}
}

// learn notes the wallet ids of an answer, shown or not, so that they are
// replaced wherever they appear later.
func (n *docNorm) learn(body string) {
	for _, m := range docWalletIDs.FindAllStringSubmatch(body, -1) {
		n.wallets[m[1]] = true
	}
}

// pin gives a wallet id the stand-in the prose uses.
func (n *docNorm) pin(real, standIn string) {
	if _, err := strconv.ParseInt(standIn, 10, 64); err != nil || luhn(standIn[:15]) != standIn[15] {
		panic("pin: " + standIn + " is not a wallet id")
	}
	n.wallets[real] = true
	if v, ok := n.repl[real]; ok && v != standIn {
		panic("pin: " + real + " is shown already as " + v)
	}
	n.repl[real] = standIn
}

// text replaces what varies in s: one-time codes (code), then what
// docVaryRe finds.
func (n *docNorm) text(s string) string {
	for real, standIn := range n.codes {
		s = regexp.MustCompile(`\b`+regexp.QuoteMeta(real)+`\b`).ReplaceAllLiteralString(s, standIn)
	}
	return docVaryRe.ReplaceAllStringFunc(s, n.one)
}

// code gives a one-time code (an SMS code) a stand-in.
func (n *docNorm) code(real, standIn string) {
	if n.codes == nil {
		n.codes = map[string]string{}
	}
	n.codes[real] = standIn
}

func (n *docNorm) one(m string) string {
	if v, ok := n.repl[m]; ok {
		return v
	}
	var v string
	switch {
	case strings.HasPrefix(m, "ingot_"):
		prefix := m[:strings.Index(m[len("ingot_"):], "_")+len("ingot_")+1]
		v = prefix + base64.RawURLEncoding.EncodeToString(n.bytes("key", 32))
	case docUUIDRe.MatchString(m):
		v = n.uuid()
	case docTimeRe.MatchString(m):
		v = n.time(m)
	case docVKeyRe.MatchString(m):
		// name+hash+base64(algorithm byte, key): keep the name and the
		// algorithm.
		p := docVKeyRe.FindStringSubmatch(m)
		key, err := base64.StdEncoding.DecodeString(p[3])
		if err != nil || len(key) == 0 {
			return m
		}
		v = p[1] + "+" + fmt.Sprintf("%x", n.bytes("hex", 4)) + "+" +
			base64.StdEncoding.EncodeToString(append(key[:1:1], n.bytes("vkey", len(key)-1)...))
	case docWalletRe.MatchString(m):
		if !n.wallets[m] {
			return m // some other number (a bank account's)
		}
		v = n.wallet()
	case strings.ToLower(m) == m:
		return m // not base64 of random bytes (say, a long lower-case path)
	default:
		v = n.base64(m)
	}
	n.repl[m] = v
	return v
}

// bytes are the next stand-in bytes of a kind.
func (n *docNorm) bytes(kind string, size int) []byte {
	n.count[kind]++
	r := rand.New(rand.NewPCG(uint64(n.count[kind]), uint64(len(kind))<<32|uint64(size)))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// uuid is a UUIDv7-shaped stand-in; later ones sort after earlier ones.
func (n *docNorm) uuid() string {
	b := n.bytes("uuid", 16)
	ms := uint64(docEpoch.UnixMilli()) + uint64(n.count["uuid"])*1789
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = 0x70 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// time maps a time of the run to the documents' clock: a time more than a
// minute after the start (an expiry the scenario chose) keeps its distance
// from it, in whole seconds; the others count up in order of appearance.
func (n *docNorm) time(m string) string {
	t, err := time.Parse(time.RFC3339Nano, m)
	if err != nil {
		return m
	}
	if d := t.Sub(n.start); d > time.Minute {
		// A time ahead (an expiry): to the minute, which the run's own
		// duration (seconds, more under -race) does not move.
		return docEpoch.Add(d.Round(time.Minute)).Format(time.RFC3339)
	}
	n.count["time"]++
	v := docEpoch.Add(time.Duration(n.count["time"]) * 1234567 * time.Microsecond)
	if !strings.Contains(m, ".") {
		return v.Truncate(time.Second).Format(time.RFC3339)
	}
	return v.Format(time.RFC3339Nano)
}

// wallet is a wallet-id stand-in: 15 digits and the Luhn check digit.
func (n *docNorm) wallet() string {
	b := n.bytes("wallet", 8)
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	s := strconv.FormatUint(100_000_000_000_000+v%900_000_000_000_000, 10)
	return s + string(luhn(s))
}

// base64 is a stand-in of the same length and encoding.
func (n *docNorm) base64(m string) string {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if raw, err := enc.DecodeString(m); err == nil {
			return enc.EncodeToString(n.bytes("base64", len(raw)))
		}
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := n.bytes("base64", len(m))
	for i := range b {
		b[i] = alphabet[int(b[i])%64]
	}
	return string(b)
}

// cursor replaces a pagination cursor: when it is readable text in
// base64url, by the same text with its ids replaced; otherwise by a
// stand-in of the same length.
func (n *docNorm) cursor(c string) string {
	if c == "" {
		return c
	}
	if v, ok := n.repl[c]; ok {
		return v
	}
	v := ""
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding} {
		raw, err := enc.DecodeString(c)
		if err == nil && printable(raw) {
			v = enc.EncodeToString([]byte(n.text(string(raw))))
			break
		}
	}
	if v == "" {
		v = strings.NewReplacer("+", "-", "/", "_", "=", "").Replace(n.base64(c))
	}
	n.repl[c] = v
	return v
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return len(b) > 0
}

// path replaces what varies in a request's path and query.
func (n *docNorm) path(p string) string {
	path, query, ok := strings.Cut(p, "?")
	segs := strings.Split(path, "/")
	for i := range segs {
		segs[i] = n.text(segs[i])
	}
	path = strings.Join(segs, "/")
	if !ok {
		return path
	}
	params := strings.Split(query, "&")
	for i, kv := range params {
		k, v, _ := strings.Cut(kv, "=")
		if k == "cursor" {
			v = n.cursor(v)
		} else {
			v = n.text(v)
		}
		params[i] = k + "=" + v
	}
	return path + "?" + strings.Join(params, "&")
}

// json replaces what varies in the strings of a JSON answer, keeping the
// order of its fields, and lays it out.
func (n *docNorm) json(t *testing.T, raw []byte, layout int) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := readJSON(dec)
	if err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, raw)
	}
	n.walk(v, "")
	var b strings.Builder
	switch layout {
	case layoutLines:
		if o, ok := v.(jsonObject); ok {
			b.WriteString("{")
			for i, f := range o {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(jsonString(f.key) + ":")
				if a, ok := f.val.([]any); ok && len(a) > 0 {
					b.WriteString("[")
					for j, x := range a {
						if j > 0 {
							b.WriteString(",")
						}
						b.WriteString("\n  ")
						writeJSON(&b, x)
					}
					b.WriteString("]")
				} else {
					writeJSON(&b, f.val)
				}
			}
			b.WriteString("}")
			return b.String()
		}
		writeJSON(&b, v)
	case layoutIndent:
		writeJSON(&b, v)
		var ind bytes.Buffer
		if err := json.Indent(&ind, []byte(b.String()), "", "  "); err != nil {
			t.Fatal(err)
		}
		return ind.String()
	default:
		writeJSON(&b, v)
	}
	return b.String()
}

// walk replaces the strings in v; key is the field v is the value of.
func (n *docNorm) walk(v any, key string) any {
	switch x := v.(type) {
	case jsonObject:
		for i := range x {
			x[i].val = n.walk(x[i].val, x[i].key)
		}
	case []any:
		for i := range x {
			x[i] = n.walk(x[i], key)
		}
		if key == "reserves" {
			// In the order of the reserve accounts' random ids: by currency
			// here, so that it does not vary.
			slices.SortStableFunc(x, func(a, b any) int { return strings.Compare(fieldOf(a, "currency"), fieldOf(b, "currency")) })
		}
	case string:
		if key == "next_cursor" {
			return n.cursor(x)
		}
		return n.text(x)
	}
	return v
}

// fieldOf is the string field key of a JSON object, or "".
func fieldOf(v any, key string) string {
	if o, ok := v.(jsonObject); ok {
		for _, f := range o {
			if s, ok := f.val.(string); ok && f.key == key {
				return s
			}
		}
	}
	return ""
}

// jsonObject is a JSON object with its fields in the order sent.
type jsonObject []jsonField

type jsonField struct {
	key string
	val any
}

// readJSON reads one value: jsonObject, []any, string, json.Number, bool or nil.
func readJSON(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		o := jsonObject{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := readJSON(dec)
			if err != nil {
				return nil, err
			}
			o = append(o, jsonField{k.(string), v})
		}
		_, err := dec.Token()
		return o, err
	case json.Delim('['):
		a := []any{}
		for dec.More() {
			v, err := readJSON(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.Token()
		return a, err
	}
	return tok, nil
}

// writeJSON writes v compactly.
func writeJSON(b *strings.Builder, v any) {
	switch x := v.(type) {
	case jsonObject:
		b.WriteString("{")
		for i, f := range x {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(jsonString(f.key) + ":")
			writeJSON(b, f.val)
		}
		b.WriteString("}")
	case []any:
		b.WriteString("[")
		for i, e := range x {
			if i > 0 {
				b.WriteString(",")
			}
			writeJSON(b, e)
		}
		b.WriteString("]")
	case string:
		b.WriteString(jsonString(x))
	case json.Number:
		b.WriteString(x.String())
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case nil:
		b.WriteString("null")
	}
}

// jsonString quotes s as encoding/json does, without escaping <, > and &.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// luhn is the Luhn check digit of payload.
func luhn(payload string) byte {
	sum := 0
	double := true
	for i := len(payload) - 1; i >= 0; i-- {
		d := int(payload[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}

// holders is the holder's part of the story: enrolment, login with an SMS
// code, a payment that needs approval, its approval; and the operator's
// keys and security events.
func (d *apiDoc) holders() {
	zl := d.do(docReq{who: "KEY", method: "POST", path: "/v1/wallets",
		body: `{"holder":{"name":"Zhao Lei","phone":"13512345678"},"currency":"CNY"}`, status: 201}).str("id")
	d.n.pin(zl, "6200000000000013")
	d.do(docReq{who: "KEY", method: "POST", path: "/v1/wallets/" + zl + "/topups", body: `{"amount":"1000.00"}`, status: 201})
	sms := func(name, standIn string) string {
		r := d.show(name, docReq{who: "CB", method: "GET", path: "/v1/sandbox/sms?phone=13512345678", status: 200})
		text := r.body["messages"].([]any)[0].(map[string]any)["text"].(string)
		code := regexp.MustCompile(`\b\d{6}\b`).FindString(text)
		d.n.code(code, standIn)
		return code
	}
	enr := d.show("enroll", docReq{method: "POST", path: "/v1/auth/enroll", body: `{"phone":"13512345678"}`, status: 202}).str("enrollment_id")
	code := sms("enroll-sms", "271828")
	tok := d.show("confirmEnrollment", docReq{method: "POST", path: "/v1/auth/enroll/" + enr + "/confirm",
		body: `{"code":"` + code + `","pin":"385912"}`, status: 201, layout: layoutIndent})
	d.keys["AT"] = tok.str("access_token")
	login := d.show("login", docReq{method: "POST", path: "/v1/auth/login", body: `{"phone":"13512345678","pin":"385912"}`, status: 200}).str("login_id")
	d.show("login-sms", docReq{method: "POST", path: "/v1/auth/login/" + login + "/sms", status: 202, hideOut: true})
	code = sms("login-sms-text", "314159")
	tok = d.show("verifyLogin", docReq{method: "POST", path: "/v1/auth/login/" + login + "/verify",
		body: `{"method":"sms","code":"` + code + `"}`, status: 200, layout: layoutIndent})
	d.keys["AT"] = tok.str("access_token")
	d.show("getHolder", docReq{who: "AT", method: "GET", path: "/v1/me", status: 200, layout: layoutIndent})

	pay := `{"from":"` + zl + `","to":"` + "8127995007240072" + `","amount":"250.00","currency":"CNY","memo":"dinner"}`
	pay = strings.ReplaceAll(pay, "8127995007240072", d.real("8127995007240072"))
	sca := d.show("sca-required", docReq{who: "AT", method: "POST", path: "/v1/transfers", idem: "dinner-1", body: pay, status: 403, layout: layoutIndent})
	id := sca.body["authorization"].(map[string]any)["id"].(string)
	d.show("authorization-sms", docReq{who: "AT", method: "POST", path: "/v1/authorizations/" + id + "/sms", status: 202, hideOut: true})
	to := d.real("8127995007240072")
	d.n.code(to[:4]+" **** **** "+to[12:], "8127 **** **** 0072")
	code = sms("authorization-sms-text", "161803")
	d.show("verifyAuthorization", docReq{who: "AT", method: "POST", path: "/v1/authorizations/" + id + "/verify",
		body: `{"method":"sms","code":"` + code + `"}`, status: 200})
	d.show("approved-payment", docReq{who: "AT", method: "POST", path: "/v1/transfers", idem: "dinner-1", body: pay,
		hdr: []string{"Ingot-Authorization", id}, status: 201})

	d.show("createAPIKey", docReq{who: "KEY", method: "POST", path: "/v1/api-keys", idem: "key-reports",
		body: `{"name":"reporting","scopes":["wallets:read","transfers:read"]}`, status: 201})
	d.show("listSecurityEvents", docReq{who: "KEY", method: "GET", path: "/v1/security-events?limit=3", status: 200, layout: layoutLines})
}

// real is the real wallet id a stand-in was pinned for.
func (d *apiDoc) real(standIn string) string {
	for r, s := range d.n.repl {
		if s == standIn {
			return r
		}
	}
	d.t.Fatalf("no wallet shown as %s", standIn)
	return ""
}
