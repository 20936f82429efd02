package risk

import (
	"strings"
	"testing"

	"github.com/ingot-cbdc/ingot"
)

// TestCompileAllow: a spending rule compiles as a risk rule does, over the
// same facts; an amount written as a decimal is refused with a hint.
func TestCompileAllow(t *testing.T) {
	f := facts()
	f.Amount, f.Payer.Sent24h = 20_00, 25_00
	for _, c := range []struct {
		expr string
		want bool
	}{
		{`payee.mcc in ['5411', '5812'] && payer.sent_24h + amount <= 5000`, true},
		{`payee.mcc in ['5411'] && payer.sent_24h + amount <= 5000`, false},
		{`payer.sent_24h + amount <= 4000`, false},
		{`payee.kind == "merchant" && now.getHours("Asia/Shanghai") >= 8`, true},
	} {
		p, err := CompileAllow(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if got, err := p.Eval(f); err != nil || got != c.want {
			t.Errorf("%s = %v, %v; want %v", c.expr, got, err, c.want)
		}
	}
	// The examples of docs/spending-rules.md.
	for _, doc := range []string{
		`payee.mcc in ['5411', '5812'] && payer.sent_24h + amount <= 5000`,
		`payee.kind == 'merchant' && !(payee.mcc in ['7995', '5993', '6051'])`,
		`amount <= 20000 && payer.count_24h < 10`,
		`payee.wallet in ['6217000000000017', '6217000000000025']`,
		`now.getDayOfWeek('Asia/Shanghai') in [1, 2, 3, 4, 5]`,
		`payee.mcc == "5411"`,
	} {
		if _, err := CompileAllow(doc); err != nil {
			t.Errorf("the example %s: %v", doc, err)
		}
	}
	for _, bad := range []string{`amount <= 50.00`, `50.00 >= payer.sent_24h + amount`} {
		_, err := CompileAllow(bad)
		if ingot.ErrorCode(err) != ingot.CodeInvalidRule || !strings.Contains(err.Error(), "minor units") {
			t.Errorf("%s: %v; want invalid_rule saying amounts are minor units", bad, err)
		}
	}
	for _, bad := range []string{``, `amount`, `payer.nickname == "x"`, strings.Repeat("x", MaxExpressionLen+1)} {
		if _, err := CompileAllow(bad); ingot.ErrorCode(err) != ingot.CodeInvalidRule {
			t.Errorf("%q: %v; want invalid_rule", bad, err)
		}
	}
}

// BenchmarkAllow is the evaluation of a typical spending rule: what a
// payment from a wallet with a rule costs more (docs/spending-rules.md).
func BenchmarkAllow(b *testing.B) {
	p, err := CompileAllow(`payee.mcc in ['5411', '5812'] && payer.sent_24h + amount <= 5000`)
	if err != nil {
		b.Fatal(err)
	}
	f := facts()
	f.Amount, f.Payer.Sent24h = 20_00, 25_00
	for b.Loop() {
		if ok, err := p.Eval(f); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
