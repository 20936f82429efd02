package openfinance_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/openfinance"
)

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"accounts:read", "accounts:read payments:write", "payments:write payments:write", "", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scopes, err := openfinance.ParseScope(s)
		if err != nil {
			return
		}
		again, err := openfinance.ParseScope(openfinance.FormatScope(scopes))
		if err != nil || openfinance.FormatScope(again) != openfinance.FormatScope(scopes) {
			t.Fatalf("%q: not a fixed point: %v", s, err)
		}
	})
}

func FuzzParseTokenForm(f *testing.F) {
	f.Add("grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fx&code_verifier=v")
	f.Add("grant_type=refresh_token&refresh_token=r&refresh_token=s")
	f.Add("grant_type=&code=%00")
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		r, oerr := openfinance.ParseTokenForm(form)
		if oerr != nil {
			if oerr.Code == "" || oerr.Status != 400 {
				t.Fatalf("error %+v", oerr)
			}
			return
		}
		if r.GrantType != openfinance.GrantAuthorizationCode && r.GrantType != openfinance.GrantRefreshToken {
			t.Fatalf("grant type %q accepted", r.GrantType)
		}
	})
}

func FuzzParseMandate(f *testing.F) {
	f.Add("100.00", "250.00", "month", "2027-06-01T00:00:00Z", int64(5000))
	f.Add("1", "1", "week", "2027-04-01T00:00:00+08:00", int64(100))
	f.Fuzz(func(t *testing.T, per, period, span, until string, amount int64) {
		now := time.Date(2027, 3, 15, 10, 0, 0, 0, time.UTC)
		m, err := openfinance.ParseMandate(openfinance.MandateInput{MaxPerPayment: per, MaxPerPeriod: period, Period: span, ValidUntil: until},
			ingot.MustCurrency("CNY"), now, now.Add(openfinance.MaxConsent))
		if err != nil {
			if ingot.ErrorCode(err) != ingot.CodeInvalidMandate {
				t.Fatalf("error %v", err)
			}
			return
		}
		if m.MaxPerPayment <= 0 || m.MaxPerPayment > m.MaxPerPeriod || !m.ValidUntil.After(now) {
			t.Fatalf("accepted %+v", m)
		}
		_, total, err := m.Check(0, amount, "CNY", now, time.UTC, time.Time{}, 0)
		if err == nil && (amount > m.MaxPerPayment || total != amount) {
			t.Fatalf("paid %d within %+v", amount, m)
		}
		if err != nil && ingot.ErrorCode(err) != ingot.CodeMandateExceeded {
			t.Fatalf("error %v", err)
		}
	})
}
