package auth

import (
	"strings"
	"testing"

	"github.com/ingot-cbdc/ingot"
)

func TestCheckPIN(t *testing.T) {
	t.Parallel()
	for pin, code := range map[string]string{
		"385912": "", "102938": "", "000001": "", "123457": "", "975310": "",
		"111111": ingot.CodeWeakPIN, "999999": ingot.CodeWeakPIN, "123456": ingot.CodeWeakPIN, "234567": ingot.CodeWeakPIN,
		"456789": ingot.CodeWeakPIN, "987654": ingot.CodeWeakPIN, "654321": ingot.CodeWeakPIN, "012345": ingot.CodeWeakPIN,
		"12345": ingot.CodeInvalidRequest, "1234567": ingot.CodeInvalidRequest, "12a456": ingot.CodeInvalidRequest,
		"": ingot.CodeInvalidRequest, "１２３４５６": ingot.CodeInvalidRequest,
	} {
		err := CheckPIN(pin)
		if got := ""; err != nil {
			got = ingot.ErrorCode(err)
			if got != code {
				t.Errorf("CheckPIN(%q) = %v; want %q", pin, err, code)
			}
		} else if code != "" {
			t.Errorf("CheckPIN(%q) passed; want %s", pin, code)
		}
	}
}

func TestPINHash(t *testing.T) {
	t.Parallel()
	h, err := HashPIN("385912")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "385912") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := HashPIN("385912")
	if h == h2 {
		t.Fatal("two hashes of one PIN are equal: no salt")
	}
	if !VerifyPIN(h, "385912") || VerifyPIN(h, "385913") || VerifyPIN(h, "") {
		t.Fatal("VerifyPIN accepts the wrong PIN or refuses the right one")
	}
	for _, bad := range []string{"", "$argon2id$", strings.Replace(h, "argon2id", "argon2i", 1), strings.Replace(h, "m=19456", "m=0", 1),
		h[:len(h)-4], strings.Replace(h, "v=19", "v=16", 1)} {
		if VerifyPIN(bad, "385912") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func TestMaskPayee(t *testing.T) {
	t.Parallel()
	if got := MaskPayee("6214830000000009"); got != "wallet 6214 **** **** 0009" {
		t.Errorf("MaskPayee = %q", got)
	}
	if got := MaskPayee("bank:0190-abc"); strings.Contains(got, "0190") {
		t.Errorf("MaskPayee shows the bank account id: %q", got)
	}
}

func TestExemption(t *testing.T) {
	t.Parallel()
	l := ingot.DefaultSCALimits(ingot.MustCurrency("CNY"))
	if l.PerPayment != 20000 || l.Cumulative != 100000 || l.Count != 5 {
		t.Fatalf("CNY limits %+v", l)
	}
	if jpy := ingot.DefaultSCALimits(ingot.MustCurrency("JPY")); jpy.PerPayment != 200 {
		t.Fatalf("JPY limits %+v", jpy)
	}
	for _, tc := range []struct {
		sum    int64
		count  int
		amount int64
		want   bool
	}{
		{0, 0, 20000, true}, {0, 0, 20001, false}, {80000, 3, 20000, true}, {80001, 3, 20000, false},
		{0, 4, 1, true}, {0, 5, 1, false}, {100000, 0, 1, false},
	} {
		if got := l.Exempt(ingot.ExemptionCounter{Sum: tc.sum, Count: tc.count}, tc.amount); got != tc.want {
			t.Errorf("Exempt(sum %d, count %d, amount %d) = %v", tc.sum, tc.count, tc.amount, got)
		}
	}
}

func FuzzCheckPIN(f *testing.F) {
	for _, s := range []string{"385912", "111111", "123456", "12a456", "", "\x00\x00\x00\x00\x00\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pin string) {
		err := CheckPIN(pin)
		if err == nil && (len(pin) != PINLength || strings.Trim(pin, "0123456789") != "") {
			t.Fatalf("CheckPIN(%q) accepted a non-PIN", pin)
		}
		if err != nil && ingot.AsError(err) == nil {
			t.Fatalf("CheckPIN(%q): %v is not an *ingot.Error", pin, err)
		}
	})
}
