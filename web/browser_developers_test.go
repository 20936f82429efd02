package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDevelopers drives Chromium through the developer sandbox, in
// a narrow (phone) and a wide window: a sandbox operator made without a
// key, test money minted, a test wallet with a fictional phone, a sandbox
// bank account linked and a top-up through it. With INGOT_SCREENSHOTS=dir
// it saves the page there.
func TestBrowserDevelopers(t *testing.T) {
	inEachWindow(t, func(t *testing.T, c *chrome) {
		s := newSite(t, asSandbox())

		c.run("start", chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.CSS(`a[href="/developers"]`)),
			chromedp.Click(chromedp.CSS(`a[href="/developers"]`)), chromedp.WaitVisible(chromedp.CSS("#dev-name")))
		c.run("operator", chromedp.SetValue(chromedp.CSS("#dev-name"), "Acme Pay"), chromedp.Submit(chromedp.CSS("#dev-name")), chromedp.WaitVisible(chromedp.CSS("#new-key")))
		key, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS("#new-key")))
		if err != nil {
			t.Fatal(err)
		}
		if me := s.api("GET", "/v1/operators/me", strings.TrimSpace(key), nil, 200); me["name"] != "Acme Pay" {
			t.Fatalf("the key's operator: %v", me)
		}
		c.run("mint", chromedp.SetValue(chromedp.CSS("#dev-mint"), "5000.00"), chromedp.Submit(chromedp.CSS("#dev-mint")),
			chromedp.WaitVisible(chromedp.CSS(".flash")), chromedp.WaitVisible(chromedp.CSS("#dev-phone")))
		if got := c.text(); !strings.Contains(got, "Minted into your reserve: CN¥5,000.00") {
			t.Fatalf("after minting: %s", got)
		}
		c.run("wallet", chromedp.SetValue(chromedp.CSS("#dev-hname"), "Li Wei"), chromedp.Submit(chromedp.CSS("#dev-hname")),
			chromedp.WaitVisible(chromedp.CSS(".dev-wallet")), chromedp.WaitVisible(chromedp.CSS("#dev-bbalance")))
		phone, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(".dev-wphone")))
		if err != nil {
			t.Fatal(err)
		}
		// The holder's app asks for an enrolment code: it shows on the page.
		s.api("POST", "/v1/auth/enroll", "", map[string]any{"phone": strings.TrimSpace(phone)}, 202)
		c.run("bank account", chromedp.Submit(chromedp.CSS("#dev-bbalance")), chromedp.WaitVisible(chromedp.CSS("#dev-tamount")))
		if got := c.text(); !strings.Contains(got, "is your code to set up sign-in") {
			t.Fatalf("the enrolment code is not shown: %s", got)
		}
		c.run("top-up", chromedp.SetValue(chromedp.CSS("#dev-tamount"), "300.00"), chromedp.Submit(chromedp.CSS("#dev-tamount")),
			chromedp.WaitVisible(chromedp.CSS(".dev-bankop")))
		if got := c.text(); !strings.Contains(got, "Top-up of CN¥300.00: completed") || !strings.Contains(got, "CN¥9,700.00") {
			t.Fatalf("after the top-up: %s", got)
		}
		c.shot("developers")
	})
}
