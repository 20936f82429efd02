package ingot

import (
	"reflect"
	"testing"
	"time"
)

func TestSpendingRuleEncoding(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 28, 9, 30, 1, 123456789, time.FixedZone("CST", 8*3600))
	r := &SpendingRule{Allow: "payee.mcc in ['5411', \"5812\"] && amount <= 5000 // 零用钱\n", Otherwise: OtherwiseApprove, SetBy: RoleHolder, CreatedAt: at}
	got, err := DecodeSpendingRule(EncodeSpendingRule(r))
	want := *r
	want.CreatedAt = at.UTC().Truncate(time.Microsecond)
	if err != nil || !reflect.DeepEqual(got, &want) {
		t.Fatalf("round trip = %+v, %v; want %+v", got, err, want)
	}
	if EncodeSpendingRule(nil) != "" {
		t.Fatal("no rule is not stored as the empty string")
	}
	if got, err := DecodeSpendingRule(""); got != nil || err != nil {
		t.Fatalf(`DecodeSpendingRule("") = %+v, %v; want none`, got, err)
	}
	for _, bad := range []string{"{", "null", "[]", `{"allow":"","otherwise":"deny"}`, `{"allow":"true","otherwise":"maybe"}`, `{"allow":"true"}`,
		`{"allow":"true","otherwise":"deny","created_at":"0000-01-01T00:00:00+08:00"}`} {
		if got, err := DecodeSpendingRule(bad); err == nil {
			t.Errorf("DecodeSpendingRule(%q) = %+v; want an error", bad, got)
		}
	}
	for o, valid := range map[SpendingOtherwise]bool{OtherwiseDeny: true, OtherwiseApprove: true, "": false, "review": false, "Deny": false} {
		if o.Valid() != valid {
			t.Errorf("%q.Valid() = %v", o, !valid)
		}
	}
}

// FuzzDecodeSpendingRule: decoding never panics, and whatever decodes
// encodes to a form that decodes to the same rule.
func FuzzDecodeSpendingRule(f *testing.F) {
	f.Add(EncodeSpendingRule(&SpendingRule{Allow: "amount <= 5000", Otherwise: OtherwiseDeny, SetBy: RoleOperator, CreatedAt: time.Unix(1, 0)}))
	f.Add(`{"allow":"true","otherwise":"approve","set_by":"holder","created_at":"2026-11-28T09:30:01.123456Z"}`)
	f.Add(`{"allow":"x","otherwise":"deny","created_at":"0001-01-01T00:00:00+08:00"}`)
	f.Add(`{"allow":"x","otherwise":"deny","created_at":"0000-01-01T00:00:00+08:00"}`) // before the year 1 in UTC
	f.Add("")
	f.Add("{")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := DecodeSpendingRule(s)
		if err != nil || r == nil {
			return
		}
		again, err := DecodeSpendingRule(EncodeSpendingRule(r))
		if err != nil {
			t.Fatalf("%q decodes, but its encoding %q does not: %v", s, EncodeSpendingRule(r), err)
		}
		r.CreatedAt = r.CreatedAt.Truncate(time.Microsecond)
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("%q: decoded %+v, re-encoded and decoded %+v", s, r, again)
		}
	})
}
