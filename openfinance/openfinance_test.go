package openfinance_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/openfinance"
)

func TestParseScope(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // "" : invalid_scope
	}{
		{"accounts:read", "accounts:read"},
		{"payments:write accounts:read", "accounts:read payments:write"},
		{"accounts:read  payments:write", ""},
		{"accounts:read accounts:read", ""},
		{"wallets:read", ""},
		{"", ""},
		{" accounts:read", ""},
	} {
		got, err := openfinance.ParseScope(tc.in)
		if tc.want == "" {
			if ingot.ErrorCode(err) != ingot.CodeInvalidScope {
				t.Errorf("ParseScope(%q) = %v, %v; want invalid_scope", tc.in, got, err)
			}
			continue
		}
		if err != nil || openfinance.FormatScope(got) != tc.want {
			t.Errorf("ParseScope(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if !openfinance.Allows([]string{"ais"}, []string{"accounts:read"}) || openfinance.Allows([]string{"ais"}, []string{"accounts:read", "payments:write"}) {
		t.Error("Allows")
	}
}

func TestPKCE(t *testing.T) {
	t.Parallel()
	// RFC 7636 Appendix B.
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if openfinance.Challenge(verifier) != challenge || !openfinance.ValidChallenge(challenge) {
		t.Fatal("RFC 7636 vector")
	}
	if !openfinance.VerifyS256(verifier, challenge) {
		t.Fatal("the right verifier is refused")
	}
	for _, v := range []string{verifier + "x", "short", strings.Repeat("a", 129), strings.Repeat("a", 42) + "!"} {
		if openfinance.VerifyS256(v, challenge) {
			t.Errorf("verifier %q accepted", v)
		}
	}
	if openfinance.ValidChallenge(challenge[:42]) || openfinance.ValidChallenge(challenge[:42]+"=") {
		t.Error("a malformed challenge is valid")
	}
}

func TestPeriodStart(t *testing.T) {
	t.Parallel()
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no time zone data")
	}
	at := time.Date(2026, 12, 31, 17, 30, 0, 0, time.UTC) // Friday 2027-01-01 01:30 in Shanghai
	for p, want := range map[openfinance.Period]time.Time{
		openfinance.PeriodDay:   time.Date(2027, 1, 1, 0, 0, 0, 0, sh),
		openfinance.PeriodWeek:  time.Date(2026, 12, 28, 0, 0, 0, 0, sh), // Monday
		openfinance.PeriodMonth: time.Date(2027, 1, 1, 0, 0, 0, 0, sh),
	} {
		if got := p.Start(at, sh); !got.Equal(want) {
			t.Errorf("%s: start %v, want %v", p, got, want)
		}
	}
	// A Sunday belongs to the week that started the Monday before.
	sun := time.Date(2027, 1, 3, 12, 0, 0, 0, sh)
	if got := openfinance.PeriodWeek.Start(sun, sh); !got.Equal(time.Date(2026, 12, 28, 0, 0, 0, 0, sh)) {
		t.Errorf("Sunday's week starts %v", got)
	}
}

func TestMandateCheck(t *testing.T) {
	t.Parallel()
	cny := ingot.MustCurrency("CNY")
	now := time.Date(2027, 3, 15, 10, 0, 0, 0, time.UTC)
	payee := ingot.FormatWalletID(ingot.NewWalletID())
	in := openfinance.MandateInput{Payee: &payee, MaxPerPayment: "100.00", MaxPerPeriod: "250.00", Period: "month", ValidUntil: "2027-06-01T00:00:00Z"}
	m, err := openfinance.ParseMandate(in, cny, now, now.Add(openfinance.MaxConsent))
	if err != nil {
		t.Fatal(err)
	}
	to, _ := ingot.ParseWalletID(payee)
	var start time.Time
	var total int64
	pay := func(at time.Time, amount int64, to int64) error {
		s, tot, err := m.Check(to, amount, "CNY", at, time.UTC, start, total)
		if err == nil {
			start, total = s, tot
		}
		return err
	}
	for _, a := range []int64{10000, 10000, 5000} {
		if err := pay(now, a, to); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		at     time.Time
		amount int64
		to     int64
		limit  string
	}{
		{now, 1, to, "max_per_period"},
		{now.AddDate(0, 1, 0), 10001, to, "max_per_payment"},
		{now.AddDate(0, 1, 0), 100, to + 1, "payee"},
		{time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), 100, to, "valid_until"},
	} {
		if got := openfinance.Limit(pay(tc.at, tc.amount, tc.to)); got != tc.limit {
			t.Errorf("%v %d: limit %q, want %q", tc.at, tc.amount, got, tc.limit)
		}
	}
	// April: the period starts again.
	if err := pay(time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC), 10000, to); err != nil || total != 10000 {
		t.Fatalf("a new month: %v, total %d", err, total)
	}
	for _, bad := range []openfinance.MandateInput{
		{MaxPerPayment: "300.00", MaxPerPeriod: "250.00", Period: "month", ValidUntil: "2027-06-01T00:00:00Z"},
		{MaxPerPayment: "1.00", MaxPerPeriod: "2.00", Period: "year", ValidUntil: "2027-06-01T00:00:00Z"},
		{MaxPerPayment: "1.00", MaxPerPeriod: "2.00", Period: "day", ValidUntil: "2020-06-01T00:00:00Z"},
		{MaxPerPayment: "1.00", MaxPerPeriod: "2.00", Period: "day", ValidUntil: "2030-06-01T00:00:00Z"},
		{MaxPerPayment: "1.001", MaxPerPeriod: "2.00", Period: "day", ValidUntil: "2027-06-01T00:00:00Z"},
	} {
		if _, err := openfinance.ParseMandate(bad, cny, now, now.Add(openfinance.MaxConsent)); ingot.ErrorCode(err) != ingot.CodeInvalidMandate {
			t.Errorf("%+v: %v, want invalid_mandate", bad, err)
		}
	}
}

func TestParseTokenForm(t *testing.T) {
	t.Parallel()
	ok := url.Values{"grant_type": {"authorization_code"}, "code": {"c"}, "redirect_uri": {"https://x/cb"}, "code_verifier": {"v"}}
	if _, err := openfinance.ParseTokenForm(ok); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{}, openfinance.ErrInvalidRequest},
		{url.Values{"grant_type": {"client_credentials"}}, openfinance.ErrUnsupportedGrantType},
		{url.Values{"grant_type": {"authorization_code"}, "code": {"c"}, "redirect_uri": {"r"}}, openfinance.ErrInvalidRequest},
		{url.Values{"grant_type": {"refresh_token", "refresh_token"}, "refresh_token": {"r"}}, openfinance.ErrInvalidRequest},
		{url.Values{"grant_type": {"refresh_token"}}, openfinance.ErrInvalidRequest},
	} {
		if _, err := openfinance.ParseTokenForm(tc.form); err == nil || err.Code != tc.want {
			t.Errorf("%v: %v, want %s", tc.form, err, tc.want)
		}
	}
}

func TestCheckRedirectURI(t *testing.T) {
	t.Parallel()
	for uri, ok := range map[string]bool{
		"https://lender.example/cb":     true,
		"http://localhost:8080/cb":      true,
		"http://lender.example/cb":      false,
		"https://lender.example/cb#x":   false,
		"/cb":                           false,
		"javascript:alert(1)":           false,
		"https://user@lender.example/":  false,
		"https://lender.example/cb?a=b": true,
	} {
		if err := openfinance.CheckRedirectURI(uri); (err == nil) != ok {
			t.Errorf("%q: %v", uri, err)
		}
	}
}
