package risk

import (
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
)

func facts() *Facts {
	return &Facts{
		Amount: 600_000_00, Currency: "CNY", Channel: ChannelHolder, NewPayee: true,
		Payer: Party{Wallet: "6200000000000001", Tier: 2, Kind: "personal", Operator: "op1", AgeDays: 3, Country: "CN",
			Sent1h: 100_00, Sent24h: 900_000_00, Count1h: 1, Count24h: 4, Balance: 1_000_000_00},
		Payee: Party{Wallet: "6200000000000002", Tier: 3, Kind: "merchant", Operator: "op2", MCC: "5812", Received24h: 5, Senders24h: 30},
		Now:   time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC),
	}
}

func TestCompileAndEval(t *testing.T) {
	for _, c := range []struct {
		expr string
		want bool
	}{

		{`amount >= 50000000`, true},
		{`amount > 60000000`, false},
		{`currency == "CNY" && channel == "holder"`, true},
		{`new_payee && payer.age_days < 7`, true},
		{`payer.sent_24h + amount > 100000000`, true},
		{`payer.count_1h >= 2`, false},
		{`payee.kind == "merchant" && payee.mcc in ["5812", "5813"]`, true},
		{`payee.senders_24h > 20 && payee.tier == 3`, true},
		{`payer.operator != payee.operator`, true},
		{`now.getHours() < 6`, true},
		{`payer.country == "CN" && payer.wallet.startsWith("62")`, true},
		{`payer.balance > 0 && amount * 100 / payer.balance >= 90`, false},
	} {
		p, err := Compile(c.expr)
		if err != nil {
			t.Fatalf("Compile(%q): %v", c.expr, err)
		}
		got, err := p.Eval(facts())
		if err != nil || got != c.want {
			t.Errorf("Eval(%q) = %v, %v; want %v", c.expr, got, err, c.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, c := range []struct{ expr, msg string }{
		{``, "1 to 2000 bytes"},
		{`amount >`, "Syntax error"},
		{`amount + 1`, "not bool"},
		{`payer.nickname == "x"`, "nickname"},
		{`amount == "100"`, "no matching overload"},
		{`unknown_var > 1`, "undeclared reference"},
		{strings.Repeat("payer.wallet.contains(payee.wallet) || ", 40) + "true", "cost"},
	} {
		_, err := Compile(c.expr)
		if ingot.ErrorCode(err) != ingot.CodeInvalidRule || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Compile(%q) = %v; want invalid_rule with %q", c.expr, err, c.msg)
		}
	}
}

func TestEvalError(t *testing.T) {
	p, err := Compile(`amount / payer.count_1h > 5`)
	if err != nil {
		t.Fatal(err)
	}
	f := facts()
	f.Payer.Count1h = 0
	if got, err := p.Eval(f); got || err == nil {
		t.Errorf("division by zero: got %v, %v; want no match and an error", got, err)
	}
}
