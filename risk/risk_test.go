package risk

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
)

var t0 = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

func TestVelocityWindows(t *testing.T) {
	var v Velocity
	v.Sent(t0, 20261128, 100, time.Time{}, false)
	v.Sent(t0.Add(30*time.Minute), 20261128, 200, time.Time{}, true)
	v.Received(t0.Add(40*time.Minute), 20261128, 50, time.Time{})
	now := t0.Add(59 * time.Minute)
	if h := v.Hour(now); h.Sent != 300 || h.SentCount != 2 || h.Received != 50 || h.Payees != 2 || h.Senders != 1 || h.Near != 1 {
		t.Errorf("the hour at +59 min: %+v", h)
	}
	now = t0.Add(61 * time.Minute)
	if h := v.Hour(now); h.Sent != 200 || h.SentCount != 1 {
		t.Errorf("the hour at +61 min: %+v; want only the second payment", h)
	}
	if d := v.Day24(now); d.Sent != 300 || d.Received != 50 {
		t.Errorf("the day: %+v", d)
	}
	// A day and a quarter hour later everything has left the day.
	now = t0.Add(24*time.Hour + 45*time.Minute)
	if d := v.Day24(now); d.Sent != 0 || d.Received != 0 {
		t.Errorf("the day after: %+v", d)
	}
	if s, r, n := v.DayTotals(20261128); s != 300 || r != 50 || n != 3 {
		t.Errorf("day totals %d %d %d", s, r, n)
	}
	if s, _, _ := v.DayTotals(20261129); s != 0 {
		t.Errorf("another day's totals %d", s)
	}
}

func TestVelocityDistinctCounterparties(t *testing.T) {
	var v Velocity
	// The same payee three times within the day counts once; its mark
	// moves to its latest payment.
	v.Sent(t0, 1, 10, time.Time{}, false)
	v.Sent(t0.Add(2*time.Hour), 1, 10, t0, false)
	v.Sent(t0.Add(3*time.Hour), 1, 10, t0.Add(2*time.Hour), false)
	v.Sent(t0.Add(3*time.Hour), 1, 10, time.Time{}, false) // another payee
	now := t0.Add(3*time.Hour + time.Minute)
	if d := v.Day24(now); d.Payees != 2 || d.SentCount != 4 {
		t.Errorf("day: %+v; want 2 distinct payees, 4 payments", d)
	}
	if h := v.Hour(now); h.Payees != 2 {
		t.Errorf("hour: %+v; want both payees' marks in the last hour", h)
	}
	// After the first payment leaves the window, the payee still counts
	// (its mark moved).
	now = t0.Add(24*time.Hour + 30*time.Minute)
	if d := v.Day24(now); d.Payees != 2 {
		t.Errorf("day later: %+v", d)
	}
}

func TestVelocityCompactsAndEncodes(t *testing.T) {
	var v Velocity
	for i := range 3000 {
		at := t0.Add(time.Duration(i) * time.Minute)
		v.Sent(at, 1, int64(i), time.Time{}, i%7 == 0)
		v.Received(at, 1, 1, at.Add(-time.Minute))
	}
	if len(v.Buckets) > maxBuckets {
		t.Fatalf("%d buckets, more than %d", len(v.Buckets), maxBuckets)
	}
	b, err := v.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var w Velocity
	if err := w.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v.Buckets, w.Buckets) || !v.LastActive.Equal(w.LastActive) || v.Day != w.Day || v.DaySent != w.DaySent {
		t.Fatal("a velocity does not survive encoding")
	}
	var empty Velocity
	if b, _ := empty.MarshalBinary(); b != nil {
		t.Errorf("an empty velocity encodes as %x", b)
	}
	for _, bad := range [][]byte{{2}, {1}, {1, 0, 0, 0, 0, 0, 200}, append(b, 0)} {
		if err := w.UnmarshalBinary(bad); err == nil {
			t.Errorf("%x decodes", bad)
		}
	}
}

func FuzzVelocity(f *testing.F) {
	var v Velocity
	v.Sent(t0, 1, 5, time.Time{}, true)
	b, _ := v.MarshalBinary()
	f.Add(b)
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var v Velocity
		if v.UnmarshalBinary(b) != nil {
			return
		}
		again, err := v.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var w Velocity
		if err := w.UnmarshalBinary(again); err != nil {
			t.Fatalf("re-encoded %x does not decode: %v", again, err)
		}
		v.Sent(t0, 1, 1, time.Time{}, false) // never panics on any decoded state
	})
}

func TestPatterns(t *testing.T) {
	th := DefaultThresholds(ingot.MustCurrency("CNY"))
	near := th.LargeValue * 95 / 100
	base := func() *Facts {
		return &Facts{Amount: 100_00, Currency: "CNY", Now: t0,
			Payer: Party{Wallet: "a", Kind: "personal", Balance: 1_000_000_00, AgeDays: 10, IdleDays: 1},
			Payee: Party{Wallet: "b", Kind: "personal", AgeDays: 10, IdleDays: 1}}
	}
	cases := []struct {
		name    string
		set     func(*Facts)
		newWin  bool
		pattern string // "" none
	}{
		{"structuring: the third near-threshold payment", func(f *Facts) { f.Amount, f.Payer.Near24h = near, 2 }, false, PatternStructuring},
		{"structuring: just under, the second", func(f *Facts) { f.Amount, f.Payer.Near24h = near, 1 }, false, ""},
		{"structuring: just under, 89 %", func(f *Facts) { f.Amount, f.Payer.Near24h = th.LargeValue*89/100, 5 }, false, ""},
		{"structuring: at the threshold is a large value, not structuring", func(f *Facts) { f.Amount, f.Payer.Near24h = th.LargeValue, 5 }, false, ""},
		{"pass-through", func(f *Facts) { f.Amount, f.Payer.Balance, f.Payer.Received1h = 60_000_00, 70_000_00, 60_000_00 }, false, PatternPassThrough},
		{"pass-through: just under, 79 % of the balance", func(f *Facts) { f.Amount, f.Payer.Balance, f.Payer.Received1h = 60_000_00, 76_000_00, 60_000_00 }, false, ""},
		{"pass-through: just under, received 79 %", func(f *Facts) { f.Amount, f.Payer.Balance, f.Payer.Received1h = 60_000_00, 70_000_00, 47_400_00 }, false, ""},
		{"fan-out: the 20th payee", func(f *Facts) { f.Payer.Payees24h = 19 }, true, PatternFanOut},
		{"fan-out: the 19th", func(f *Facts) { f.Payer.Payees24h = 18 }, true, ""},
		{"fan-out: a payee already counted", func(f *Facts) { f.Payer.Payees24h = 19 }, false, ""},
		{"fan-in: the 20th sender", func(f *Facts) { f.Payee.Senders24h = 19 }, true, PatternFanIn},
		{"fan-in: a merchant", func(f *Facts) { f.Payee.Senders24h, f.Payee.Kind = 19, "merchant" }, true, ""},
		{"dormant payer", func(f *Facts) { f.Amount, f.Payer.IdleDays = 50_000_00, 90 }, false, PatternDormant},
		{"dormant: 89 days", func(f *Facts) { f.Amount, f.Payer.IdleDays = 50_000_00, 89 }, false, ""},
		{"dormant: a small amount", func(f *Facts) { f.Amount, f.Payee.IdleDays = 49_999_99, 400 }, false, ""},
	}
	for _, c := range cases {
		f := base()
		c.set(f)
		got := th.Patterns(f, c.newWin)
		switch {
		case c.pattern == "" && len(got) > 0:
			t.Errorf("%s: found %+v", c.name, got)
		case c.pattern != "" && (len(got) != 1 || got[0].Pattern != c.pattern):
			t.Errorf("%s: found %+v; want %s", c.name, got, c.pattern)
		}
	}
}

func TestDecide(t *testing.T) {
	rule := func(op, name, expr string, a Action) *Compiled {
		c, err := CompileRule(Rule{ID: name, Version: 1, OperatorID: op, Name: name, Expression: expr, Action: a, Severity: SeverityHigh, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f := facts() // payer at op1, payee at op2
	rules := []*Compiled{
		rule("", "cb-alert", "amount > 1000", ActionAlert),
		rule("op1", "op1-review", "amount > 1000", ActionReview),
		rule("op3", "op3-deny", "true", ActionDeny), // another operator's: does not apply
		rule("op2", "op2-error", "amount / payee.received_1h > 0", ActionDeny),
	}
	d := Decide(rules, f)
	if d.Action != ActionReview || d.By.Name != "op1-review" || len(d.Hits) != 2 || len(d.Errors) != 1 {
		t.Fatalf("decision %+v", d)
	}
	// op1's allow rule silences op1's review, not the central bank's alert.
	d = Decide(append(rules, rule("op1", "op1-allow", "payee.kind == 'merchant'", ActionAllow)), f)
	if d.Action != ActionAlert || len(d.Hits) != 1 || d.Hits[0].Name != "cb-alert" {
		t.Fatalf("with op1's allow: %+v", d)
	}
	// Deny is the strongest; an inactive rule is not evaluated.
	deny := rule("", "cb-deny", "channel == 'holder'", ActionDeny)
	off := rule("", "off", "true", ActionDeny)
	off.Active = false
	d = Decide(append(rules, deny, off), f)
	if d.Action != ActionDeny || d.By.Name != "cb-deny" {
		t.Fatalf("with a deny: %+v", d)
	}
	if _, err := CompileRule(Rule{Name: "x", Expression: "true", Action: "block", Severity: SeverityLow}); ingot.ErrorCode(err) != ingot.CodeInvalidRequest {
		t.Errorf("an unknown action: %v", err)
	}
}

// TestDecideIssuerRules: an issuer's rules apply to payments in its
// currencies only, and its allow rule silences its own rules, not the
// administrator's.
func TestDecideIssuerRules(t *testing.T) {
	issuer := func(name, expr string, a Action) *Compiled {
		c, err := CompileRule(Rule{ID: name, Version: 1, IssuerID: "hkma", Currencies: []string{"HKD"}, Name: name, Expression: expr, Action: a, Severity: SeverityHigh, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	admin, err := CompileRule(Rule{ID: "cb", Version: 1, Name: "cb", Expression: "amount > 1000", Action: ActionAlert, Severity: SeverityHigh, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	deny := issuer("hk-deny", "amount > 1000", ActionDeny)
	f := facts() // CNY
	if d := Decide([]*Compiled{admin, deny}, f); d.Action != ActionAlert || len(d.Hits) != 1 || d.Hits[0].Name != "cb" {
		t.Fatalf("a CNY payment under an HKD issuer's deny: %+v", d)
	}
	f.Currency = "HKD"
	if d := Decide([]*Compiled{admin, deny}, f); d.Action != ActionDeny || d.By.Name != "hk-deny" || len(d.Hits) != 2 {
		t.Fatalf("an HKD payment: %+v", d)
	}
	d := Decide([]*Compiled{admin, deny, issuer("hk-allow", "true", ActionAllow)}, f)
	if d.Action != ActionAlert || len(d.Hits) != 1 || d.Hits[0].Name != "cb" {
		t.Fatalf("with the issuer's allow: %+v", d)
	}
	if admin.Owner() != "" || deny.Owner() != "issuer:hkma" || !admin.Applies("op1", "op2", "HKD") || deny.Applies("op1", "op2", "CNY") {
		t.Fatalf("owners and scope: %q %q", admin.Owner(), deny.Owner())
	}
}

func BenchmarkDecide10(b *testing.B) {
	var rules []*Compiled
	for _, e := range []string{
		"amount > 5000000", "payer.sent_24h + amount > 20000000", "payer.count_1h > 30", "new_payee && amount > 1000000",
		"payee.senders_24h > 50 && payee.kind != 'merchant'", "payer.age_days < 2 && amount > 100000", "channel == 'qr' && amount > 30000000",
		"payer.tier == 4 && payer.received_24h > 500000", "payee.mcc in ['7995', '6051']", "payer.operator != payee.operator && amount > 9000000",
	} {
		c, err := CompileRule(Rule{Name: e, Expression: e, Action: ActionAlert, Severity: SeverityLow, Active: true})
		if err != nil {
			b.Fatal(err)
		}
		rules = append(rules, c)
	}
	f := facts()
	for b.Loop() {
		Decide(rules, f)
	}
}

func TestParseThresholds(t *testing.T) {
	m, err := ParseThresholds(strings.NewReader(`{"CNY": {"large_value": "100000.00", "fan_in": 0}, "HKD": {}}`))
	if err != nil {
		t.Fatal(err)
	}
	cny := m["CNY"]
	if cny.LargeValue != 100000_00 || cny.FanIn != 0 || cny.FanOut != 20 || cny.LargeValueBusiness != 2_000_000_00 {
		t.Fatalf("CNY %+v", cny)
	}
	if m["HKD"] != DefaultThresholds(ingot.MustCurrency("HKD")) {
		t.Fatalf("HKD %+v", m["HKD"])
	}
	for _, bad := range []string{`{"XXQ": {}}`, `{"CNY": {"large_value": "1.001"}}`, `{"CNY": {"fan_out": -1}}`, `{"CNY": {"nope": 1}}`, `[`} {
		if _, err := ParseThresholds(strings.NewReader(bad)); err == nil {
			t.Errorf("%s parses", bad)
		}
	}
}
