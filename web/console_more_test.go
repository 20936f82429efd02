package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/webhook"
)

// consoleSite is a site with webhooks (the test runs their deliverer:
// deliver).
type consoleSite struct{ *site }

// forEachKind runs f on a console site of each store kind, in parallel.
func forEachKind(t *testing.T, f func(t *testing.T, s *consoleSite)) {
	eachStore(t, true, func(t *testing.T, s *site) { f(t, &consoleSite{s}) }, withWebhooks())
}

// deliver runs the webhook deliverer once.
func (s *consoleSite) deliver() int {
	s.t.Helper()
	n, err := s.d.RunOnce(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// signIn signs a console in with a key.
func (s *consoleSite) signIn(key string) *browser {
	b := s.browser()
	b.get("/console/signin", 200)
	b.post("/console/signin", url.Values{"api_key": {key}}, 200)
	return b
}

// lacks fails when the last page has any of texts.
func (b *browser) lacks(texts ...string) {
	b.s.t.Helper()
	for _, x := range texts {
		if strings.Contains(b.page, x) {
			b.s.t.Fatalf("the page has %q:\n%s", x, b.page)
		}
	}
}

// hookReceiver is a webhook endpoint that answers 200 and keeps what it got.
type hookReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []http.Header
	raw [][]byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got, r.raw = append(r.got, req.Header.Clone()), append(r.raw, body)
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// TestOperatorConsoleMore: on both stores, an operator finds its wallets
// by id and by phone and never another operator's; upgrades a tier with
// evidence; sees the wallet's bank account and operations; freezes it;
// adds a webhook endpoint that receives a real delivery, shown with its
// state and sent again; changes, disables and deletes the endpoint; and
// filters security events.
func TestOperatorConsoleMore(t *testing.T) {
	forEachKind(t, func(t *testing.T, s *consoleSite) {
		opA := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank A", "code": "BKA"}, 201)
		opB := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank B", "code": "BKB"}, 201)
		keyA, keyB := opA["api_key"].(string), opB["api_key"].(string)
		for _, op := range []map[string]any{opA, opB} {
			s.api("POST", "/v1/issuance/mint", adminKey, map[string]any{"operator_id": op["id"], "amount": "10000.00", "currency": "CNY"}, 201)
		}
		open := func(key, name, phone string) string {
			return s.api("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": name, "phone": phone}, "currency": "CNY"}, 201)["id"].(string)
		}
		shared, onlyB := "13800138111", "13900139222"
		wA := open(keyA, "Zhang San", shared)
		wB := open(keyB, "Zhang San", shared) // the same person at the other operator
		wB2 := open(keyB, "Li Si", onlyB)

		b := s.signIn(keyA)
		b.has("Operator console: Bank A", `name="find"`)
		// By phone (any spelling): only A's wallet of that phone.
		b.get("/console/operator?find="+url.QueryEscape("+86 138 0013 8111"), 200)
		b.has(`<h3 id="w-h">`+wA+`</h3>`, `<dd id="wallet-tier">4</dd>`, "Balance cap", "CN¥10,000.00")
		b.lacks(wB)
		// Another operator's wallet, by id or by its holder's phone: nothing.
		b.get("/console/operator?find="+wB, 404)
		b.lacks(`<h3 id="w-h">`)
		b.get("/console/operator?find="+wB2, 404)
		b.get("/console/operator?find="+onlyB, 404)
		b.has("None of your wallets has this id or phone number.")
		b.lacks(wB2)
		// And the other way round.
		bB := s.signIn(keyB)
		bB.get("/console/operator?find="+wA, 404)
		bB.get("/console/operator?find="+shared, 200)
		bB.has(`<h3 id="w-h">` + wB + `</h3>`)
		bB.lacks(wA)
		// Two wallets of one phone: a list to pick from.
		wA2 := s.api("POST", "/v1/wallets", keyA, map[string]any{"holder": map[string]any{"name": "Zhang San", "phone": shared}, "currency": "CNY"}, 201)["id"].(string)
		b.get("/console/operator?find="+shared, 200)
		b.has("This phone number&#39;s wallets", `href="/console/operator?find=`+wA+`"`, `href="/console/operator?find=`+wA2+`"`)

		// Upgrade the tier: 3 with a verified ID; 2 needs a linked bank account.
		b.get("/console/operator?find="+wA, 200)
		f := hidden(t, b.page, "/console/operator/wallets/"+wA+"/upgrade")
		f.Set("tier", "2")
		f.Set("id_number", "110101199003077777")
		f.Set("id_verified", "1")
		b.post("/console/operator/wallets/"+wA+"/upgrade", f, 422)
		b.has(`role="alert"`)
		f = hidden(t, b.page, "/console/operator/wallets/"+wA+"/upgrade")
		f.Set("tier", "3")
		f.Set("id_number", "110101199003077777")
		f.Set("id_verified", "1")
		b.post("/console/operator/wallets/"+wA+"/upgrade", f, 200)
		b.has("Done.", `<dd id="wallet-tier">3</dd>`, "CN¥20,000.00", `<option value="3" selected>`)
		b.lacks("110101199003077777") // masked
		if w := s.api("GET", "/v1/wallets/"+wA, keyA, nil, 200); w["tier"] != 3.0 {
			t.Fatalf("tier after the console's upgrade: %v", w["tier"])
		}

		// A linked bank account and its operations, with their state.
		s.api("POST", "/v1/sandbox/bank/accounts", keyA, map[string]any{"bank_code": "ICBC", "account_number": "6222021234566789",
			"holder_name": "Zhang San", "currency": "CNY", "balance": "1000.00"}, 201)
		ba := s.api("POST", "/v1/wallets/"+wA+"/bank-accounts", keyA, map[string]any{"bank_code": "ICBC", "account_number": "6222021234566789", "holder_name": "Zhang San"}, 201)["id"].(string)
		s.api("POST", "/v1/wallets/"+wA+"/topups", keyA, map[string]any{"amount": "300.00", "bank_account_id": ba}, 201)
		s.api("POST", "/v1/sandbox/bank/faults", keyA, map[string]any{"mode": "fail", "count": 1}, 200)
		s.api("POST", "/v1/wallets/"+wA+"/withdrawals", keyA, map[string]any{"amount": "50.00", "bank_account_id": ba}, 201)
		b.get("/console/operator?find="+wA, 200)
		ops := regexp.MustCompile(`(?s)<table id="bank-ops">.*?</table>`).FindString(b.page)
		if !strings.Contains(ops, "<td>topup</td><td>CN¥300.00</td><td>completed</td>") || !strings.Contains(ops, "<td>withdrawal</td><td>CN¥50.00</td><td>failed</td>") {
			t.Fatalf("bank operations:\n%s", ops)
		}
		b.has("****6789", "<td>Z**** S**</td>")

		// A webhook endpoint made from the console receives a real delivery.
		rcv := newHookReceiver(t)
		b.get("/console/operator", 200)
		f = hidden(t, b.page, "/console/operator/webhooks")
		f.Set("url", rcv.URL+"/hooks")
		f["events"] = []string{"transfer.received"}
		f.Set("description", "till")
		b.post("/console/operator/webhooks", f, 200)
		secret := regexp.MustCompile(`<code id="new-secret">(whsec_[^<]+)</code>`).FindStringSubmatch(b.page)
		if secret == nil {
			t.Fatalf("no secret shown:\n%s", b.page)
		}
		shown := secret[1] // as the page writes it
		secret[1] = html.UnescapeString(secret[1])
		ep := regexp.MustCompile(`action="/console/operator/webhooks/([^/"]+)/events"`).FindStringSubmatch(b.page)[1]
		b.has(rcv.URL+"/hooks", `<strong class="ep-status">enabled</strong>`)
		b.get("/console/operator", 200)
		b.lacks(shown) // shown once

		s.api("POST", "/v1/wallets/"+wA2+"/topups", keyA, map[string]any{"amount": "20.00"}, 201)
		s.api("POST", "/v1/transfers", keyA, map[string]any{"from": wA2, "to": wA, "amount": "12.30", "currency": "CNY"}, 201)
		if n := s.deliver(); n != 1 || rcv.count() != 1 {
			t.Fatalf("delivered %d, received %d; want 1", n, rcv.count())
		}
		rcv.mu.Lock()
		h, body := rcv.got[0], rcv.raw[0]
		rcv.mu.Unlock()
		if err := webhook.Verify(secret[1], h, body, s.now(), 0); err != nil || !strings.Contains(string(body), `"to":"`+wA+`"`) {
			t.Fatalf("the delivery: %v\n%s", err, body)
		}
		b.get("/console/operator", 200)
		b.has("<td>transfer.received</td><td>succeeded</td><td>1</td><td>200</td>")
		retry := regexp.MustCompile(`action="(/console/operator/webhooks/` + ep + `/deliveries/[^/"]+/retry)"`).FindStringSubmatch(b.page)
		if retry == nil {
			t.Fatalf("no retry button:\n%s", b.page)
		}
		b.post(retry[1], url.Values{}, 200)
		b.has("<td>transfer.received</td><td>pending</td>")
		if n := s.deliver(); n != 1 || rcv.count() != 2 {
			t.Fatalf("after a retry: delivered %d, received %d", n, rcv.count())
		}
		b.get("/console/operator", 200)
		b.has("<td>transfer.received</td><td>succeeded</td><td>2</td><td>200</td>")

		// Change its events, disable and enable it, delete it.
		b.post("/console/operator/webhooks/"+ep+"/events", url.Values{"events": {"transfer.sent", "wallet.frozen"}}, 200)
		b.has(`value="transfer.sent" checked`, `value="wallet.frozen" checked`)
		b.lacks(`value="transfer.received" checked`)
		b.post("/console/operator/webhooks/"+ep+"/events", url.Values{}, 422)
		b.post("/console/operator/webhooks/"+ep+"/disable", url.Values{}, 200)
		b.has(`<strong class="ep-status">disabled</strong>`, `action="/console/operator/webhooks/`+ep+`/enable"`)
		b.post("/console/operator/webhooks/"+ep+"/enable", url.Values{}, 200)
		b.has(`<strong class="ep-status">enabled</strong>`)
		// Another operator cannot touch it.
		bB.get("/console/operator", 200)
		bB.post("/console/operator/webhooks/"+ep+"/disable", url.Values{}, 422)
		bB.lacks(rcv.URL)
		b.post("/console/operator/webhooks/"+ep+"/delete", url.Values{}, 200)
		b.lacks(rcv.URL + "/hooks")

		// Freeze from the found wallet.
		b.get("/console/operator?find="+wA, 200)
		b.post("/console/operator/wallets/"+wA+"/freeze", hidden(t, b.page, "/console/operator/wallets/"+wA+"/freeze"), 200)
		b.has(`<dd id="wallet-status">frozen</dd>`, "Unfreeze")

		// Security events, filtered by type.
		b.post("/console/operator/keys", url.Values{"name": {"reports"}, "scopes": {"wallets:read"}}, 200)
		b.get("/console/operator?event_type=api_key.created", 200)
		ev := regexp.MustCompile(`(?s)<caption>Security events</caption>.*?</table>`).FindString(b.page)
		if !strings.Contains(ev, "api_key.created") || strings.Contains(ev, "signin") {
			t.Fatalf("events of one type:\n%s", ev)
		}
		b.get("/console/operator?event_type=signin.locked&since="+s.now().In(s.zone).Format(time.DateOnly), 200)
		ev = regexp.MustCompile(`(?s)<caption>Security events</caption>.*?</table>`).FindString(b.page)
		if strings.Contains(ev, "api_key.created") || !strings.Contains(ev, "None yet.") {
			t.Fatalf("events of a type that did not happen:\n%s", ev)
		}
	})
}

// TestCentralBankConsoleMore: on both stores, the central bank sees every
// currency's supply, a chart whose points are the mints and burns of each
// day (with the same data as a table), each operator's reserves, mints and
// burns in another currency, and registers an operator whose key is shown
// once and works.
func TestCentralBankConsoleMore(t *testing.T) {
	forEachKind(t, func(t *testing.T, s *consoleSite) {
		opA := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank A", "code": "BKA"}, 201)
		opB := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank B", "code": "BKB"}, 201)
		day := func(off int) string { return s.now().In(s.zone).AddDate(0, 0, off).Format(time.DateOnly) }
		// Two days ago: 1,000.00 minted into A, 600.00 into B, 100.00 burned from B.
		s.api("POST", "/v1/issuance/mint", adminKey, map[string]any{"operator_id": opA["id"], "amount": "1000.00", "currency": "CNY"}, 201)
		s.api("POST", "/v1/issuance/mint", adminKey, map[string]any{"operator_id": opB["id"], "amount": "600.00", "currency": "CNY"}, 201)
		s.api("POST", "/v1/issuance/burn", adminKey, map[string]any{"operator_id": opB["id"], "amount": "100.00", "currency": "CNY"}, 201)
		s.advance(48 * time.Hour)

		// Today, from the console: 400.00 burned from A, 250.00 minted into A; 7,000 JPY into B.
		b := s.signIn(adminKey)
		b.has("Central bank console", `id="supply-chart"`)
		b.post("/console/central-bank/burn", url.Values{"operator_id": {opA["id"].(string)}, "amount": {"400.00"}, "currency": {"CNY"},
			"idem": {idemRe.FindAllStringSubmatch(b.page, -1)[1][1]}}, 200)
		b.post("/console/central-bank/mint", url.Values{"operator_id": {opA["id"].(string)}, "amount": {"250.00"}, "currency": {"CNY"}}, 200)
		b.post("/console/central-bank/mint", url.Values{"operator_id": {opB["id"].(string)}, "amount": {"7000"}, "currency": {"jpy"}}, 200)
		b.has("Done.", `<h2 id="history-h">Supply over time (JPY)</h2>`)

		// Every currency's supply.
		b.get("/console/central-bank", 200)
		sup := regexp.MustCompile(`(?s)<table id="supplies">.*?</table>`).FindString(b.page)
		if !strings.Contains(sup, `CNY</a></th><td>CN¥1,350.00</td>`) || !strings.Contains(sup, `JPY</a></th><td>¥7,000</td>`) {
			t.Fatalf("supplies:\n%s", sup)
		}
		// The chart of the last 30 days: accessible, its points the days' supply.
		b.has(`role="img" aria-labelledby="chart-title chart-desc"`, `<title id="chart-title">Supply of CNY, `+day(-29)+` to `+day(0)+`</title>`,
			`<desc id="chart-desc">Issued at the end of each day: CN¥0.00 on `+day(-29)+`, CN¥1,350.00 on `+day(0)+`; the highest CN¥1,500.00.</desc>`)
		dots := regexp.MustCompile(`<circle cx="([0-9.]+)" cy="([0-9.]+)" r="3"><title>([0-9-]+): ([^<]+)</title></circle>`).FindAllStringSubmatch(b.page, -1)
		if len(dots) != 30 {
			t.Fatalf("%d points, want 30", len(dots))
		}
		want := map[string]string{day(-2): "CN¥1,500.00", day(-1): "CN¥1,500.00", day(0): "CN¥1,350.00", day(-3): "CN¥0.00"}
		// The chart's top is 2,000.00 (the highest, 1,500.00, rounded up);
		// the plot spans y 280 (zero) to 20.
		ys := map[string]float64{"CN¥0.00": 280, "CN¥1,500.00": 280 - 1500.0/2000*260, "CN¥1,350.00": 280 - 1350.0/2000*260}
		for _, d := range dots {
			if w, ok := want[d[3]]; ok && d[4] != w {
				t.Fatalf("point of %s: %s, want %s", d[3], d[4], w)
			}
			y, _ := strconv.ParseFloat(d[2], 64)
			if y != ys[d[4]] && fmt.Sprintf("%.1f", ys[d[4]]) != d[2] {
				t.Fatalf("point of %s (%s) at y %s, want %.1f", d[3], d[4], d[2], ys[d[4]])
			}
		}
		data := regexp.MustCompile(`(?s)<table id="supply-data">.*?</table>`).FindString(b.page)
		for _, row := range []string{
			`<th scope="row">` + day(-2) + `</th><td>CN¥1,500.00</td><td>CN¥1,600.00</td><td>CN¥100.00</td>`,
			`<th scope="row">` + day(-1) + `</th><td>CN¥1,500.00</td><td>CN¥0.00</td><td>CN¥0.00</td>`,
			`<th scope="row">` + day(0) + `</th><td>CN¥1,350.00</td><td>CN¥250.00</td><td>CN¥400.00</td>`,
		} {
			if !strings.Contains(data, row) {
				t.Fatalf("the chart's data lacks %s:\n%s", row, data)
			}
		}
		// Another currency and period.
		b.get("/console/central-bank?currency=JPY&days=7", 200)
		if n := len(regexp.MustCompile(`<circle `).FindAllString(b.page, -1)); n != 7 {
			t.Fatalf("JPY over 7 days: %d points", n)
		}
		b.has(`<option value="7" selected>`, day(0)+`: ¥7,000`)

		// Reserves per operator, per currency.
		res := regexp.MustCompile(`(?s)<table id="reserves">.*?</table>`).FindString(b.page)
		if !strings.Contains(res, `<th scope="col">CNY</th><th scope="col">JPY</th>`) ||
			!strings.Contains(res, `Bank A (BKA)</th><td>CN¥850.00</td><td>—</td>`) || !strings.Contains(res, `Bank B (BKB)</th><td>CN¥500.00</td><td>¥7,000</td>`) {
			t.Fatalf("reserves:\n%s", res)
		}

		// Register an operator: its key shown once, and working.
		b.post("/console/central-bank/operators", hiddenWith(t, b.page, "/console/central-bank/operators", url.Values{"name": {"Bank C"}, "code": {"bkc"}}), 200)
		key := regexp.MustCompile(`<code id="new-operator-key">([^<]+)</code>`).FindStringSubmatch(b.page)
		if key == nil {
			t.Fatalf("no key shown:\n%s", b.page)
		}
		b.has("Operator registered.", "<td>Bank C</td><td>BKC</td>")
		if me := s.api("GET", "/v1/operators/me", key[1], nil, 200); me["code"] != "BKC" {
			t.Fatalf("the new operator's key: %v", me)
		}
		b.get("/console/central-bank", 200)
		b.lacks(key[1])
		b.post("/console/central-bank/operators", hiddenWith(t, b.page, "/console/central-bank/operators", url.Values{"name": {"Bank C again"}, "code": {"BKC"}}), 422)
	})
}

// hiddenWith is the hidden fields of the page's form to action, with more.
func hiddenWith(t *testing.T, page, action string, more url.Values) url.Values {
	v := hidden(t, page, action)
	for k, vs := range more {
		v[k] = vs
	}
	return v
}
