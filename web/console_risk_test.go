package web_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/risk"
)

// withRisk gives the site's engine these built-in AML thresholds.
func withRisk(o ledger.RiskOptions) siteOption { return func(so *siteOptions) { so.risk = o } }

// lowLargeValue sets a person's large-value threshold in CNY to 1,000.00
// (the other thresholds as by default), so that a test's few payments
// make a line of the large-value report.
func lowLargeValue() siteOption {
	th := risk.DefaultThresholds(ingot.MustCurrency("CNY"))
	th.LargeValue = 100000
	return withRisk(ledger.RiskOptions{Thresholds: map[string]risk.Thresholds{"CNY": th}})
}

var alertRowRe = regexp.MustCompile(`<tr id="alert-([0-9a-f-]{36})">`)

// alertIDs are the alerts the page lists, in its order.
func alertIDs(page string) []string {
	var ids []string
	for _, m := range alertRowRe.FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// section is the page's element with id (its first such element, up to
// its closing tag of the same name).
func section(t *testing.T, page, tag, id string) string {
	t.Helper()
	s := regexp.MustCompile(`(?s)<` + tag + `\b[^>]* id="` + regexp.QuoteMeta(id) + `"[^>]*>.*?</` + tag + `>`).FindString(page)
	if s == "" {
		t.Fatalf("no <%s id=%q> on the page:\n%s", tag, id, page)
	}
	return s
}

// pay is a payment of the operator's back end.
func pay(from, to, amount string) map[string]any {
	return map[string]any{"from": from, "to": to, "amount": amount, "currency": "CNY"}
}

// TestRiskConsole: on both stores, an operator's risk page: a rule whose
// expression CEL refuses (its message beside the field), two rules added,
// the alerts real payments raise (pages, filters), an alert's evidence and
// its resolution (once), a held payment released (once, also when the form
// is sent twice) and another refused, a case opened from ticked alerts and
// decided (freeze: the wallet is frozen), a rule retired, the large-value
// report and its CSV; another operator sees none of it; the central bank
// sees it all, asks to reveal the case's identities, may not approve its
// own request (the API's 403, shown), and a second central-bank key
// approves and sees them once.
func TestRiskConsole(t *testing.T) {
	eachStore(t, true, func(t *testing.T, s *site) {
		cs := &consoleSite{s}
		opID, key := s.operator()
		payer := s.openWallet(key, "Zhang San", "13800138101")
		// Tier 3 (an identity document): a tier-4 wallet would stay anonymous even through a reveal.
		s.api("POST", "/v1/wallets/"+payer+"/upgrade", key, map[string]any{"tier": 3, "id_number": "110101199003071234", "id_verified": true}, 200)
		payee := s.openWallet(key, "Li Si", "13800138102")
		s.api("POST", "/v1/wallets/"+payer+"/topups", key, map[string]any{"amount": "2000.00"}, 201)
		today := s.now().In(s.zone).Format(time.DateOnly)

		b := cs.signIn(key)
		b.has(`<a href="/console/risk">Risk and AML</a>`)
		b.get("/console/risk", 200)
		b.has("Risk and AML: Bank of Ingot", "<caption>Alerts</caption>", "<caption>Waiting for a decision (0)</caption>")

		// A rule CEL does not compile: its message beside the expression,
		// the form keeping what was typed.
		b.post("/console/risk/rules", hiddenWith(t, b.page, "/console/risk/rules", url.Values{"name": {"broken"}, "expression": {"amount >"},
			"action": {"deny"}, "severity": {"low"}}), 422)
		msg := regexp.MustCompile(`<p id="rule-expr-error" class="error field-error" role="alert">([^<]+)</p>`).FindStringSubmatch(b.page)
		if msg == nil || !strings.Contains(msg[1], "Syntax error") {
			t.Fatalf("CEL's message beside the expression:\n%s", b.page)
		}
		b.has(`aria-describedby="rule-expr-help rule-expr-error" aria-invalid="true">amount &gt;</textarea>`, `value="broken"`,
			`<option value="deny" selected>`, `<option value="low" selected>`)
		if rs := s.api("GET", "/v1/risk-rules", key, nil, 200)["items"].([]any); len(rs) != 0 {
			t.Fatalf("a rule made of a refused expression: %v", rs)
		}

		// Two rules: 50.00 to 99.99 raises an alert; 100.00 and more is held for review.
		add := func(name, expr, action, severity string) {
			t.Helper()
			b.post("/console/risk/rules", hiddenWith(t, b.page, "/console/risk/rules", url.Values{"name": {name}, "expression": {expr},
				"action": {action}, "severity": {severity}}), 200)
			b.has("Rule added")
		}
		add("watch 50", "amount >= 5000 && amount < 10000", "alert", "medium")
		add("hold 100", "amount >= 10000", "review", "high")
		rules := section(t, b.page, "table", "rules")
		if !strings.Contains(rules, "<td>watch 50</td><td>Yours</td>") || !strings.Contains(rules, `<code class="expr">amount &gt;= 10000</code></td><td>hold for review</td><td>high</td>`) {
			t.Fatalf("the rules:\n%s", rules)
		}

		// Real payments matched by the real rules: 21 alerts, then a payment held.
		for range 21 {
			s.api("POST", "/v1/transfers", key, pay(payer, payee, "50.00"), 201)
		}
		reviewID := s.api("POST", "/v1/transfers", key, pay(payer, payee, "150.00"), 202)["review_id"].(string)

		// The alerts, newest first, 20 a page.
		b.get("/console/risk", 200)
		first := alertIDs(b.page)
		if len(first) != 20 {
			t.Fatalf("%d alerts on the first page, want 20", len(first))
		}
		row := section(t, b.page, "tr", "alert-"+first[0])
		if !strings.Contains(row, "<td>hold 100 (v1)</td>") || !strings.Contains(row, `<td class="sev-high">high</td>`) ||
			!strings.Contains(row, ">"+payer+"</a>") || !strings.Contains(row, `<td class="alert-status">open</td>`) {
			t.Fatalf("the held payment's alert:\n%s", row)
		}
		row = section(t, b.page, "tr", "alert-"+first[1])
		if !strings.Contains(row, "<td>watch 50 (v1)</td>") || !strings.Contains(row, "<code>") {
			t.Fatalf("a payment's alert (with its transfer):\n%s", row)
		}
		next := regexp.MustCompile(`<a id="alerts-next" href="([^"]+)">Next page</a>`).FindStringSubmatch(b.page)
		if next == nil {
			t.Fatalf("no next page:\n%s", b.page)
		}
		b.get(html.UnescapeString(next[1]), 200)
		second := alertIDs(b.page)
		if len(second) != 2 || slices.Contains(first, second[0]) || slices.Contains(first, second[1]) {
			t.Fatalf("the second page: %v (first: %v)", second, first)
		}
		b.lacks(`id="alerts-next"`)
		b.has("First page")
		// Filters: high severity is the review's alert; the payee's wallet has none.
		b.get("/console/risk?severity=high", 200)
		if ids := alertIDs(b.page); len(ids) != 1 || ids[0] != first[0] {
			t.Fatalf("high alerts: %v", ids)
		}
		b.has(`<option value="high" selected>high</option>`)
		b.get("/console/risk?status=open&wallet="+payee, 200)
		if ids := alertIDs(b.page); len(ids) != 0 {
			t.Fatalf("the payee's alerts: %v", ids)
		}

		// The held payment, waiting: amount, payer, payee, rule.
		b.get("/console/risk", 200)
		b.has("<caption>Waiting for a decision (1)</caption>")
		row = section(t, b.page, "tr", "review-"+reviewID)
		if !strings.Contains(row, "<td>CN¥150.00</td><td>"+payer+"</td><td>"+payee+"</td><td>hold 100</td>") {
			t.Fatalf("the pending review:\n%s", row)
		}

		// An alert's evidence, and its resolution, once.
		al := first[1]
		b.get("/console/risk/alerts/"+al, 200)
		ev := section(t, b.page, "table", "evidence")
		for _, want := range []string{`<th scope="row" title="amount">Amount</th><td>CN¥50.00</td>`, `title="channel">Channel</th><td>operator</td>`,
			`title="action">Action</th><td>alert</td>`, `title="payee">Payee</th><td>` + payee + `</td>`} {
			if !strings.Contains(ev, want) {
				t.Fatalf("the evidence lacks %s:\n%s", want, ev)
			}
		}
		b.has("Alert: watch 50 (v1)", `<dd id="alert-status">open</dd>`)
		resolve := hiddenWith(t, b.page, "/console/risk/alerts/"+al+"/resolve", url.Values{"resolution": {"false_positive"}, "note": {"a known customer"}})
		b.post("/console/risk/alerts/"+al+"/resolve", resolve, 200)
		b.has("Alert resolved.", `<dd id="alert-status">resolved (false positive)</dd>`, "a known customer")
		b.lacks(`action="/console/risk/alerts/` + al + `/resolve"`)
		if a := s.api("GET", "/v1/alerts/"+al, key, nil, 200); a["status"] != "resolved" || a["resolution"] != "false_positive" || a["note"] != "a known customer" {
			t.Fatalf("the alert after the console: %v", a)
		}
		resolve.Set("idem", "another-key")
		b.post("/console/risk/alerts/"+al+"/resolve", resolve, 409)
		b.has("was resolved already")

		// Release the held payment: the payee is paid, once, also when the
		// form is sent twice; a refusal after it is refused.
		b.get("/console/risk", 200)
		release := hidden(t, b.page, "/console/risk/reviews/"+reviewID+"/release")
		b.post("/console/risk/reviews/"+reviewID+"/release", release, 200)
		b.has("Released: the payee is paid.", "<caption>Waiting for a decision (0)</caption>")
		row = section(t, b.page, "tr", "review-"+reviewID)
		if !strings.Contains(row, `<td class="review-status">released</td>`) || !strings.Contains(row, "<code>") {
			t.Fatalf("the released review:\n%s", row)
		}
		b.post("/console/risk/reviews/"+reviewID+"/release", release, 200)
		if bal := s.api("GET", "/v1/wallets/"+payee, key, nil, 200)["balance"]; bal != "1200.00" {
			t.Fatalf("the payee's balance %v after 21 × 50.00 and a release of 150.00 (its form sent twice); want 1200.00", bal)
		}
		b.post("/console/risk/reviews/"+reviewID+"/refuse", url.Values{"idem": {"refuse-after-release"}}, 409)
		b.has(`role="alert"`, "review")

		// Another, refused: the money is the payer's again.
		refused := s.api("POST", "/v1/transfers", key, pay(payer, payee, "120.00"), 202)["review_id"].(string)
		if w := s.api("GET", "/v1/wallets/"+payer, key, nil, 200); w["held"] != "120.00" {
			t.Fatalf("the payer while held: %v", w)
		}
		b.get("/console/risk", 200)
		b.post("/console/risk/reviews/"+refused+"/refuse", hidden(t, b.page, "/console/risk/reviews/"+refused+"/refuse"), 200)
		b.has("Refused: the money is available to the payer again.")
		if row := section(t, b.page, "tr", "review-"+refused); !strings.Contains(row, `<td class="review-status">refused</td>`) {
			t.Fatalf("the refused review:\n%s", row)
		}
		if w := s.api("GET", "/v1/wallets/"+payer, key, nil, 200); w["held"] != "0.00" || w["balance"] != "800.00" {
			t.Fatalf("the payer after a refusal: %v", w)
		}

		// Retire a rule: a new version, inactive.
		watch := regexp.MustCompile(`<tr id="rule-([0-9a-f-]{36})">\s*<td>watch 50</td>`).FindStringSubmatch(b.page)
		if watch == nil {
			t.Fatalf("no rule row:\n%s", b.page)
		}
		b.post("/console/risk/rules/"+watch[1]+"/retire", hidden(t, b.page, "/console/risk/rules/"+watch[1]+"/retire"), 200)
		b.has("Rule retired")
		row = section(t, b.page, "tr", "rule-"+watch[1])
		if !strings.Contains(row, `<td class="rule-active">no</td><td>2</td>`) || strings.Contains(row, "/retire") {
			t.Fatalf("the retired rule:\n%s", row)
		}
		if r := s.api("GET", "/v1/risk-rules/"+watch[1], key, nil, 200); r["active"] != false || r["version"] != 2.0 {
			t.Fatalf("the rule after retiring: %v", r)
		}
		s.api("POST", "/v1/transfers", key, pay(payer, payee, "60.00"), 201)
		if as := s.api("GET", "/v1/alerts?wallet="+payer, key, nil, 200)["items"].([]any); len(as) != 23 {
			t.Fatalf("%d alerts after a payment the retired rule would have matched; want 23", len(as))
		}

		// A case over two ticked alerts, with a note; no alert ticked is refused.
		b.get("/console/risk", 200)
		b.post("/console/risk/cases", hidden(t, b.page, "/console/risk/cases"), 422)
		b.has("Select at least one alert for the case.")
		picked := alertIDs(b.page)[:2]
		b.post("/console/risk/cases", hiddenWith(t, b.page, "/console/risk/cases", url.Values{"alert_ids": picked, "note": {"many payments to one payee"}}), 200)
		b.has("Case opened.", `<dd id="case-status">open</dd>`, "many payments to one payee")
		caseID := regexp.MustCompile(`action="/console/risk/cases/([0-9a-f-]{36})/decision"`).FindStringSubmatch(b.page)
		if caseID == nil {
			t.Fatalf("no decision form:\n%s", b.page)
		}
		ca := section(t, b.page, "table", "case-alerts")
		for _, id := range picked {
			if !strings.Contains(ca, `href="/console/risk/alerts/`+id+`"`) {
				t.Fatalf("the case lacks alert %s:\n%s", id, ca)
			}
		}
		// Decided: freeze; the payer's wallet is frozen. Once only.
		decide := hiddenWith(t, b.page, "/console/risk/cases/"+caseID[1]+"/decision", url.Values{"decision": {"freeze"}, "note": {"frozen pending the FIU"}})
		b.post("/console/risk/cases/"+caseID[1]+"/decision", decide, 200)
		b.has(`<dd id="case-status">decided</dd>`, `<dd id="case-decision">freeze the wallets</dd>`, "frozen pending the FIU")
		b.lacks("/decision\"")
		if w := s.api("GET", "/v1/wallets/"+payer, key, nil, 200); w["status"] != "frozen" {
			t.Fatalf("the payer after a freeze decision: %v", w["status"])
		}
		decide.Set("idem", "decide-again")
		b.post("/console/risk/cases/"+caseID[1]+"/decision", decide, 409)
		b.get("/console/risk", 200)
		if row := section(t, b.page, "tr", "case-"+caseID[1]); !strings.Contains(row, "<td>2</td>") || !strings.Contains(row, "freeze the wallets") {
			t.Fatalf("the case in the list:\n%s", row)
		}

		// The large-value report of today: the payer sent and the payee
		// received 1,260.00 (21 × 50.00, the release of 150.00, 60.00),
		// over the threshold of 1,000.00; and its CSV.
		b.get("/console/risk?date="+today, 200)
		lv := section(t, b.page, "table", "large-value")
		for _, w := range []string{payer, payee} {
			if !strings.Contains(lv, "<td>"+w+"</td><td><code>"+opID+"</code></td>") {
				t.Fatalf("the large-value report lacks %s:\n%s", w, lv)
			}
		}
		if !strings.Contains(lv, "<td>CN¥1,260.00</td><td>CN¥0.00</td><td>23</td><td>CN¥1,000.00</td>") {
			t.Fatalf("the payer's line:\n%s", lv)
		}
		res, err := b.c.Get(s.url + "/console/risk/large-value.csv?date=" + today)
		if err != nil {
			t.Fatal(err)
		}
		csv, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(string(csv), "wallet,operator,date,currency,sent,received") ||
			!strings.Contains(string(csv), payer+","+opID+","+today+",CNY,1260.00,0.00,23,1000.00") ||
			res.Header.Get("Content-Disposition") != `attachment; filename="large-value-`+today+`.csv"` {
			t.Fatalf("the CSV: %d %v\n%s", res.StatusCode, res.Header, csv)
		}
		b.get("/console/risk?date=yesterday", 422)
		b.has("The day must be a date (YYYY-MM-DD).")

		// Another operator sees none of it.
		_, keyB := func() (string, string) {
			op := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank B", "code": "BKB"}, 201)
			return op["id"].(string), op["api_key"].(string)
		}()
		bb := cs.signIn(keyB)
		bb.get("/console/risk", 200)
		if ids := alertIDs(bb.page); len(ids) != 0 {
			t.Fatalf("another operator's alerts: %v", ids)
		}
		bb.lacks(payer, reviewID, caseID[1], "watch 50")
		bb.get("/console/risk/alerts/"+al, 404)
		bb.get("/console/risk/cases/"+caseID[1], 404)

		// The central bank sees every operator's; it asks to reveal the
		// case's identities, and may not approve its own request.
		cb := cs.signIn(adminKey)
		cb.has(`<a href="/console/risk">Risk and AML</a>`)
		cb.get("/console/risk", 200)
		if ids := alertIDs(cb.page); len(ids) != 20 || !slices.Contains(ids, picked[0]) {
			t.Fatalf("the central bank's alerts: %v", ids)
		}
		if row := section(t, cb.page, "tr", "case-"+caseID[1]); !strings.Contains(row, "<code>"+opID+"</code>") {
			t.Fatalf("the case's owner for the central bank:\n%s", row)
		}
		cb.get("/console/risk/cases/"+caseID[1], 200)
		cb.has("Ask to reveal identities")
		cb.post("/console/risk/cases/"+caseID[1]+"/reveal", hiddenWith(t, cb.page, "/console/risk/cases/"+caseID[1]+"/reveal",
			url.Values{"reason": {"FIU request 42"}}), 200)
		revealID := regexp.MustCompile(`<code id="reveal-id">([^<]+)</code>`).FindStringSubmatch(cb.page)
		if revealID == nil {
			t.Fatalf("the reveal asked for is not shown:\n%s", cb.page)
		}
		row = section(t, cb.page, "tr", "reveal-"+revealID[1])
		if !strings.Contains(row, "FIU request 42") || !strings.Contains(row, "<td>pending</td>") {
			t.Fatalf("the pending reveal:\n%s", row)
		}
		cb.post("/console/risk/reveals/"+revealID[1]+"/approve", hidden(t, cb.page, "/console/risk/reveals/"+revealID[1]+"/approve"), 403)
		cb.has("a reveal is approved by another central-bank key than the one that asked for it")
		cb.lacks("Zhang San", `id="identities"`)

		// A second central-bank key approves: the identities, once.
		k2 := s.api("POST", "/v1/api-keys", adminKey, map[string]any{"name": "second investigator",
			"scopes": []string{"issuance:write", "risk:read", "risk:write", "keys:write"}}, 201)["api_key"].(string)
		cb2 := cs.signIn(k2)
		cb2.get("/console/risk/cases/"+caseID[1], 200)
		cb2.post("/console/risk/reveals/"+revealID[1]+"/approve", hidden(t, cb2.page, "/console/risk/reveals/"+revealID[1]+"/approve"), 200)
		ids := section(t, cb2.page, "table", "identities")
		if !strings.Contains(ids, "<td>"+payer+"</td><td><code>"+opID+"</code></td><td>3</td><td>Zhang San</td>") || strings.Contains(ids, "Li Si") {
			t.Fatalf("the identities:\n%s", ids)
		}
		cb2.get("/console/risk/cases/"+caseID[1], 200)
		cb2.lacks("Zhang San", `id="identities"`)
		if row := section(t, cb2.page, "tr", "reveal-"+revealID[1]); !strings.Contains(row, "<td>approved</td>") || strings.Contains(row, "/approve") {
			t.Fatalf("the approved reveal:\n%s", row)
		}
		cb2.post("/console/risk/reveals/approve", hiddenWith(t, cb2.page, "/console/risk/reveals/approve", url.Values{"reveal": {revealID[1]}}), 409)
		cb2.lacks("Zhang San")
	}, lowLargeValue())
}

// untranslated are message keys of the risk pages left on a page.
var untranslated = regexp.MustCompile(`\b(risk|held|nav)\.[a-z_.]+`)

// TestRiskConsoleLanguages: the risk page, an alert's and a case's (the
// central bank's, with a reveal asked for and approved) in Chinese and in
// English, every text from the catalogue.
func TestRiskConsoleLanguages(t *testing.T) {
	s := &consoleSite{newSite(t)}
	_, key := s.operator()
	// A sanctions list naming Wang Wu: his wallet, opened, has a screening alert.
	req, _ := http.NewRequest("PUT", s.url+"/v1/screening-list", strings.NewReader("name,id,country,program\nWang Wu,T-7,CN,TEST\n"))
	req.Header.Set("Authorization", "Bearer "+adminKey)
	req.Header.Set("Content-Type", "text/csv")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("the screening list: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	s.openWallet(key, "Wang Wu", "13800138103")
	w := s.openWallet(key, "Zhang San", "13800138101")
	s.api("POST", "/v1/wallets/"+w+"/upgrade", key, map[string]any{"tier": 3, "id_number": "110101199003071234", "id_verified": true}, 200)
	to := s.openWallet(key, "Li Si", "13800138102")
	s.api("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": "500.00"}, 201)
	s.api("POST", "/v1/risk-rules", key, map[string]any{"name": "hold 100", "expression": "amount >= 10000", "action": "review", "severity": "high"}, 201)
	s.api("POST", "/v1/risk-rules", key, map[string]any{"name": "watch", "expression": "amount >= 2000", "action": "alert", "severity": "low"}, 201)
	s.api("POST", "/v1/transfers", key, pay(w, to, "150.00"), 202)
	s.api("POST", "/v1/transfers", key, pay(w, to, "30.00"), 201)
	alerts := s.api("GET", "/v1/alerts", key, nil, 200)["items"].([]any)
	var ids []string
	for _, a := range alerts {
		ids = append(ids, a.(map[string]any)["id"].(string))
	}
	c := s.api("POST", "/v1/cases", key, map[string]any{"alert_ids": ids, "note": "check"}, 201)["id"].(string)
	rv := s.api("POST", "/v1/cases/"+c+"/reveal", adminKey, map[string]any{"reason": "FIU"}, 202)["reveal_id"].(string)
	k2 := s.api("POST", "/v1/api-keys", adminKey, map[string]any{"name": "second", "scopes": []string{"issuance:write", "risk:read", "risk:write", "keys:write"}}, 201)["api_key"].(string)

	screened := s.api("GET", "/v1/alerts?severity=high", key, nil, 200)["items"].([]any)
	var hit string
	for _, a := range screened {
		if a := a.(map[string]any); a["pattern"] == "screening" {
			hit = a["id"].(string)
		}
	}
	if hit == "" {
		t.Fatalf("no screening alert: %v", screened)
	}
	pages := func(b *browser, approve bool) []string {
		t.Helper()
		var out []string
		for _, p := range []string{"/console/risk", "/console/risk/alerts/" + ids[0], "/console/risk/alerts/" + ids[1], "/console/risk/alerts/" + hit, "/console/risk/cases/" + c} {
			out = append(out, b.get(p, 200))
			if m := untranslated.FindString(b.page); m != "" {
				t.Fatalf("%s shows the key %s:\n%s", p, m, b.page)
			}
		}
		if approve {
			b.post("/console/risk/reveals/"+rv+"/approve", hidden(t, b.page, "/console/risk/reveals/"+rv+"/approve"), 200)
			if m := untranslated.FindString(b.page); m != "" {
				t.Fatalf("the approval shows the key %s:\n%s", m, b.page)
			}
			out = append(out, b.page)
		}
		return out
	}
	op := s.signIn(key)
	op.post("/lang", url.Values{"lang": {"zh"}, "back": {"/console/risk"}}, 200)
	op.has(`<html lang="zh-CN">`, "风险与反洗钱", "<caption>预警</caption>", "<caption>待决定 (1)</caption>", "放行", "拒绝", "暂停待审核", ">高<", "大额交易报告", "添加规则")
	for _, en := range []string{"Alerts", "Release", "Refuse", "hold for review", "Large-value report", "Add a rule"} {
		op.lacks(">" + en + "<")
	}
	pages(op, false)
	op.has("决定案件", "冻结钱包")
	cbZh := s.signIn(k2)
	cbZh.post("/lang", url.Values{"lang": {"zh"}, "back": {"/console/risk"}}, 200)
	got := pages(cbZh, true)
	if last := got[len(got)-1]; !strings.Contains(last, "案件涉及的身份") || !strings.Contains(last, "Zhang San") {
		t.Fatalf("the identities in Chinese:\n%s", last)
	}
	en := s.signIn(key)
	pages(en, false)
	en.get("/console/risk/alerts/"+hit, 200)
	en.has("Alert: sanctions screening", `title="entry_name">Name on the list</th><td>Wang Wu</td>`, `title="score_bp">Name match</th><td>100.00 %</td>`)
	pages(s.signIn(adminKey), false)
}

// TestWalletHeldForReview: a holder's payment a risk rule holds shows as
// held for review, with its review, not as paid; released from the
// operator's console, it is paid.
func TestWalletHeldForReview(t *testing.T) {
	eachStore(t, true, func(t *testing.T, s *site) {
		h := newHolder(s, "13800138456")
		s.api("POST", "/v1/risk-rules", h.key, map[string]any{"name": "hold 100", "expression": "amount >= 10000", "action": "review", "severity": "high"}, 201)
		b := s.signIn(h.phone)
		b.post("/wallet/pay", url.Values{"from": {h.wallet}, "to": {h.payee}, "amount": {"150.00"}}, 202)
		pending := s.api("GET", "/v1/reviews?status=pending", h.key, nil, 200)["items"].([]any)
		if len(pending) != 1 {
			t.Fatalf("pending reviews: %v", pending)
		}
		id := pending[0].(map[string]any)["id"].(string)
		held := section(t, b.page, "section", "held")
		if !strings.Contains(held, "Held for review") || !strings.Contains(held, `CN¥150.00 → <span class="wrap">`+h.payee+`</span>`) ||
			!strings.Contains(held, `<code id="held-review">`+id+`</code>`) || !strings.Contains(held, `role="status"`) {
			t.Fatalf("the held payment:\n%s", held)
		}
		b.lacks("Paid:", "CN¥0.00 →")
		if w := s.api("GET", "/v1/wallets/"+h.wallet, h.key, nil, 200); w["held"] != "150.00" || w["available"] != "850.00" {
			t.Fatalf("the payer while held: %v", w)
		}
		// The operator releases it from its console: the payee is paid.
		o := (&consoleSite{s}).signIn(h.key)
		o.get("/console/risk", 200)
		o.post("/console/risk/reviews/"+id+"/release", hidden(t, o.page, "/console/risk/reviews/"+id+"/release"), 200)
		if bal := s.api("GET", "/v1/wallets/"+h.payee, h.key, nil, 200)["balance"]; bal != "150.00" {
			t.Fatalf("the payee after the release: %v", bal)
		}
		b.get("/wallet", 200)
		b.lacks(`id="held"`)
		b.has("CN¥850.00")
	})
}
