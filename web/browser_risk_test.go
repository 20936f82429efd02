package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRisk drives Chromium, in a phone-sized and a wide window,
// through a payment held for review and its release: the holder pays
// (after a first payment to the same payee that raised an alert),
// and the wallet says the payment is held for review (not paid); the
// operator opens the risk page from its console, sees the held payment
// and its alert, and releases it; the payee is paid; the first payment's
// alert shows its evidence. With
// INGOT_SCREENSHOTS=dir it saves a screenshot of each page there.
func TestBrowserRisk(t *testing.T) {
	inEachWindow(t, func(t *testing.T, c *chrome) {
		s := newSite(t)
		h := newHolder(s, "13800138123")
		s.api("POST", "/v1/risk-rules", h.key, map[string]any{"name": "hold 100", "expression": "amount >= 10000", "action": "review", "severity": "high"}, 201)
		s.api("POST", "/v1/risk-rules", h.key, map[string]any{"name": "new payee, 20 and more", "expression": "amount >= 2000 && new_payee",
			"action": "alert", "severity": "medium"}, 201)
		// A first payment to the payee (made, with an alert).
		s.api("POST", "/v1/transfers", h.key, map[string]any{"from": h.wallet, "to": h.payee, "amount": "25.00", "currency": "CNY"}, 201)

		// The holder pays 150.00: held for review.
		c.pin(s, h.phone, "#code")
		c.code(s, h.phone)
		c.run("pay", chromedp.SendKeys(chromedp.CSS("#to"), h.payee), chromedp.SendKeys(chromedp.CSS("#amount"), "150.00"),
			chromedp.Submit(chromedp.CSS("#to")), chromedp.WaitVisible(chromedp.CSS("#held")))
		review := c.textOf("#held-review")
		if got := c.textOf("#held"); !strings.Contains(got, "Held for review") || !strings.Contains(got, "CN¥150.00 → "+h.payee) || strings.Contains(c.text(), "Paid:") {
			t.Fatalf("the held payment: %s", got)
		}
		c.shot("wallet-held")
		c.signOut()

		// The operator: its console, then the risk page; release.
		c.consoleSignIn(s, h.key, "#find")
		c.run("risk page", chromedp.Click(chromedp.CSS(`header a[href="/console/risk"]`)), chromedp.WaitVisible(chromedp.CSS("#review-"+review)))
		if got := c.textOf("#review-" + review); !strings.Contains(got, "CN¥150.00") || !strings.Contains(got, "hold 100") {
			t.Fatalf("the pending review: %s", got)
		}
		if got := c.textOf("#alerts"); !strings.Contains(got, "hold 100 (v1)") || !strings.Contains(got, "new payee, 20 and more (v1)") {
			t.Fatalf("the alerts: %s", got)
		}
		c.shot("risk")
		c.run("release", chromedp.Click(chromedp.CSS("#review-"+review+` form[action$="/release"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash")),
			chromedp.WaitVisible(chromedp.CSS("#decided-reviews #review-"+review)))
		if got := c.textOf("#decided-reviews #review-" + review + " .review-status"); got != "released" {
			t.Fatalf("the review after release: %q", got)
		}
		if bal := s.api("GET", "/v1/wallets/"+h.payee, h.key, nil, 200)["balance"]; bal != "175.00" {
			t.Fatalf("the payee's balance %v after 25.00 and the release of 150.00; want 175.00", bal)
		}
		c.run("to the reviews", chromedp.ScrollIntoView(chromedp.CSS("#reviews-h")))
		c.shot("risk-released")

		// The first payment's alert: its evidence.
		c.run("an alert", chromedp.Click(chromedp.CSS(`#alerts tbody tr:nth-child(2) a[href^="/console/risk/alerts/"]`)), chromedp.WaitVisible(chromedp.CSS("#evidence")))
		if got := c.textOf("#evidence"); !strings.Contains(got, "CN¥25.00") || !strings.Contains(got, h.payee) {
			t.Fatalf("the alert's evidence: %s", got)
		}
		c.shot("risk-alert")
	})
}
