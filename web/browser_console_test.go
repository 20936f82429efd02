package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserConsoles drives Chromium through the consoles' main paths,
// in a phone-sized and a wide window: an operator finds a wallet by its
// holder's phone, upgrades its tier with evidence and freezes it; the
// central bank reads its supply chart. With INGOT_SCREENSHOTS=dir it saves
// a screenshot of each page there.
func TestBrowserConsoles(t *testing.T) {
	inEachWindow(t, func(t *testing.T, c *chrome) {
		s := newSite(t, withWebhooks())
		op := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank of Ingot", "code": "BOI"}, 201)
		key := op["api_key"].(string)
		// A supply with a history: mints and a burn over a few days.
		for i, a := range []string{"40000.00", "25000.00", "-15000.00", "30000.00"} {
			path := "/v1/issuance/mint"
			if strings.HasPrefix(a, "-") {
				path, a = "/v1/issuance/burn", a[1:]
			}
			s.api("POST", path, adminKey, map[string]any{"operator_id": op["id"], "amount": a, "currency": "CNY"}, 201)
			s.advance(time.Duration(2+i) * 24 * time.Hour)
		}
		phone := "13800138123"
		w := s.openWallet(key, "Li Wei", phone)
		s.api("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": "1000.00"}, 201)

		// The operator: find by phone, upgrade to tier 3 with a verified ID, freeze.
		c.consoleSignIn(s, key, "#find")
		c.run("find", chromedp.SendKeys(chromedp.CSS("#find"), phone), chromedp.Submit(chromedp.CSS("#find")), chromedp.WaitVisible(chromedp.CSS("#w-h")))
		if got := c.textOf("#w-h"); got != w {
			t.Fatalf("found %q, want %s", got, w)
		}
		if got := c.textOf("#wallet-tier"); got != "4" {
			t.Fatalf("tier %q before the upgrade", got)
		}
		c.run("upgrade", chromedp.SetValue(chromedp.CSS("#tier"), "3"), chromedp.SendKeys(chromedp.CSS("#id_number"), "110101199003077777"),
			chromedp.Click(chromedp.CSS("#id_verified")), chromedp.Click(chromedp.CSS(`form[action$="/upgrade"] button`)),
			chromedp.WaitVisible(chromedp.CSS(".flash")))
		if got := c.textOf("#wallet-tier"); got != "3" {
			t.Fatalf("tier %q after the upgrade", got)
		}
		c.run("freeze", chromedp.Click(chromedp.CSS("#freeze")), chromedp.WaitVisible(chromedp.CSS("#unfreeze")))
		if got := c.textOf("#wallet-status"); got != "frozen" {
			t.Fatalf("status %q after freezing", got)
		}
		if _, err := chromedp.Run(c.ctx, chromedp.Evaluate[any](`window.scrollTo(0, 0)`)); err != nil {
			t.Fatal(err)
		}
		c.shot("operator-wallet")
		if w := s.api("GET", "/v1/wallets/"+w, key, nil, 200); w["tier"] != 3.0 || w["status"] != "frozen" {
			t.Fatalf("the wallet after the console: %v", w)
		}
		c.signOut()

		// The central bank: the supply chart, drawn by the server.
		c.consoleSignIn(s, adminKey, "#supply-chart")
		n, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#supply-chart circle").length`))
		if err != nil || n != 30 {
			t.Fatalf("%d points on the chart (%v), want 30", n, err)
		}
		role, err := chromedp.Run(c.ctx, chromedp.AttributeValue(chromedp.CSS("#supply-chart"), "role"))
		if err != nil || role.Value != "img" {
			t.Fatalf("the chart's role %q, %v", role.Value, err)
		}
		if got, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.getElementById("chart-desc").textContent`)); err != nil || !strings.Contains(got, "CN¥80,000.00") {
			t.Fatalf("the chart's description: %q", got)
		}
		// The chart is drawn: it has a size on the page.
		wd, err := chromedp.Run(c.ctx, chromedp.Evaluate[float64](`document.getElementById("supply-chart").getBoundingClientRect().width`))
		if err != nil || wd < 300 {
			t.Fatalf("the chart is %v px wide (%v)", wd, err)
		}
		c.run("to the chart", chromedp.ScrollIntoView(chromedp.CSS("#history-h")))
		c.shot("central-bank-supply")
	})
}
