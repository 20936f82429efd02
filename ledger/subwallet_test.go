package ledger_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
)

func openSub(e *env, a ingot.Actor, parent string, r ledger.SubWalletRequest) (string, *ledger.WalletView) {
	e.t.Helper()
	res, err := e.svc.OpenSubWallet(e.ctx, a, parent, r, nil)
	if err != nil {
		e.t.Fatalf("open sub-wallet of %s: %v", parent, err)
	}
	return ingot.FormatWalletID(res.Account.ID), res
}

func limitsOf(e *env, a ingot.Actor, id string) ledger.WalletLimits {
	e.t.Helper()
	l, err := e.svc.Limits(e.ctx, []ingot.Account{mustWallet(e, a, id)})
	if err != nil {
		e.t.Fatal(err)
	}
	return l[0]
}

// TestSubWallets: a sub-wallet has its parent's holder and tier and its
// own, lower limits; allocations between parent and child are not outflow,
// the child's payments to others are; closing returns its balance.
func TestSubWallets(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		b, _ := e.operator("BANKB")
		e.mint(aID, "100000.00", "CNY")
		parent := e.wallet(a, "CNY", "9000.00")
		shop := e.wallet(a, "CNY", "")

		// Limits above the tier's are refused.
		_, err := e.svc.OpenSubWallet(e.ctx, a, parent, ledger.SubWalletRequest{SingleLimit: "2000.01"}, nil)
		wantLimit(t, err, "single payment limit")
		_, err = e.svc.OpenSubWallet(e.ctx, a, parent, ledger.SubWalletRequest{HoldingLimit: "10000.01"}, nil)
		wantLimit(t, err, "holding limit")

		child, res := openSub(e, a, parent, ledger.SubWalletRequest{Name: "pocket money",
			HoldingLimit: "500.00", SingleLimit: "100.00", DailyLimit: "300.00"})
		acc := mustWallet(e, a, child)
		p := mustWallet(e, a, parent)
		if acc.ParentID != p.ID || acc.Tier != ingot.Tier4 || acc.WalletKind != ingot.WalletPersonal || acc.OperatorID != p.OperatorID || acc.Currency != "CNY" || acc.Balance != 0 {
			t.Fatalf("sub-wallet %+v", acc)
		}
		// The holder is the parent's, sealed for the child's own id.
		if !strings.HasPrefix(acc.Holder.Name, "v1:") || acc.Holder.Name == p.Holder.Name || !strings.HasPrefix(acc.Label, "v1:") {
			t.Fatalf("holder not re-sealed: %q (parent %q), label %q", acc.Holder.Name, p.Holder.Name, acc.Label)
		}
		if err := e.svc.Reveal(&acc); err != nil || acc.Holder.Name != "Li Wei" || acc.Holder.Phone != "+8613812345678" || acc.Label != "pocket money" {
			t.Fatalf("revealed %+v, %q: %v", acc.Holder, acc.Label, err)
		}
		want := ingot.Limits{Balance: 1_000_000, Single: 10_000, Daily: 30_000, Yearly: 5_000_000}
		if res.Limits.Limits != want || res.Limits.Holding != 50_000 {
			t.Fatalf("opening answered limits %+v; want %+v, holding 500.00", res.Limits, want)
		}
		if l := limitsOf(e, a, child); l.Limits != want || l.Holding != 50_000 || l.Daily != 30_000 {
			t.Fatalf("sub-wallet limits %+v; want %+v", l, want)
		}
		// The parent's own limits are the tier's.
		if l := limitsOf(e, a, parent); l.Limits.Single != 200_000 || l.Daily != 500_000 {
			t.Fatalf("parent limits %+v", l)
		}

		// Parent -> child: an allocation, up to the child's holding limit.
		r, err := pay(e, a, parent, child, "500.00")
		if err != nil || r.Kind != ingot.KindAllocate {
			t.Fatalf("allocate to exactly the holding limit: %+v, %v", r, err)
		}
		_, err = pay(e, a, parent, child, "0.01")
		wantLimit(t, err, "holding limit")

		// The child's payments to others count against its own limits.
		_, err = pay(e, a, child, shop, "100.01")
		wantLimit(t, err, "single payment limit")
		for range 3 {
			if r, err := pay(e, a, child, shop, "100.00"); err != nil || r.Kind != ingot.KindPayment {
				t.Fatalf("child pays the shop: %+v, %v", r, err)
			}
		}
		_, err = pay(e, a, child, shop, "0.01")
		wantLimit(t, err, "daily limit")
		if l := limitsOf(e, a, child); l.Daily != 0 {
			t.Fatalf("child's daily remaining %d; want 0", l.Daily)
		}

		// Child -> parent: an allocation, above the child's single limit
		// and with its daily limit spent.
		if r, err := pay(e, a, child, parent, "150.00"); err != nil || r.Kind != ingot.KindAllocate {
			t.Fatalf("allocate back to the parent: %+v, %v", r, err)
		}
		// Allocations both ways are not the parent's outflow either; the
		// child's payments (300.00) are.
		if l := limitsOf(e, a, parent); l.Daily != 470_000 || l.Yearly != 4_970_000 {
			t.Fatalf("parent's remaining %+v after allocations; want its limits less the child's 300.00 of payments", l)
		}

		// Children of one parent are not linked: between them it is a
		// payment, counted against the payer's daily limit.
		sibling, _ := openSub(e, a, parent, ledger.SubWalletRequest{})
		_, err = pay(e, a, child, sibling, "0.01")
		wantLimit(t, err, "daily limit")

		// No grandchildren; another operator sees nothing.
		_, err = e.svc.OpenSubWallet(e.ctx, a, child, ledger.SubWalletRequest{}, nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
		_, err = e.svc.OpenSubWallet(e.ctx, b, parent, ledger.SubWalletRequest{}, nil)
		wantCode(t, err, ingot.CodeNotFound)
		_, err = e.svc.SubWallets(e.ctx, b, parent)
		wantCode(t, err, ingot.CodeNotFound)
		_, err = pay(e, b, child, parent, "1.00")
		wantCode(t, err, ingot.CodeNotFound)

		subs, err := e.svc.SubWallets(e.ctx, a, parent)
		if err != nil || len(subs) != 2 {
			t.Fatalf("sub-wallets %v, %v; want 2", subs, err)
		}
		for _, s := range subs {
			if id := ingot.FormatWalletID(s.ID); id != child && id != sibling {
				t.Fatalf("listed %s, not a sub-wallet of %s", id, parent)
			}
		}

		// A frozen parent opens nothing and allocates nothing, either way.
		if _, err := e.svc.SetWalletStatus(e.ctx, a, parent, ingot.StatusFrozen, nil); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.OpenSubWallet(e.ctx, a, parent, ledger.SubWalletRequest{}, nil)
		wantCode(t, err, ingot.CodeWalletFrozen)
		_, err = pay(e, a, child, parent, "1.00")
		wantCode(t, err, ingot.CodeWalletFrozen)
		if _, err := e.svc.SetWalletStatus(e.ctx, a, parent, ingot.StatusActive, nil); err != nil {
			t.Fatal(err)
		}

		// The parent stays open while its sub-wallets are.
		_, err = e.svc.SetWalletStatus(e.ctx, a, parent, ingot.StatusClosed, nil)
		wantCode(t, err, ingot.CodeWalletNotEmpty)
		if d := detailOf(t, err); !strings.Contains(d, child) || !strings.Contains(d, sibling) {
			t.Fatalf("refusal %q does not name the sub-wallets", d)
		}

		// A sub-wallet with an open hold stays open.
		h, err := e.svc.PlaceHold(e.ctx, a, child, "10.00", time.Now().Add(time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.SetWalletStatus(e.ctx, a, child, ingot.StatusClosed, nil)
		wantCode(t, err, ingot.CodeWalletNotEmpty)
		if _, err := e.svc.VoidHold(e.ctx, a, h.ID, nil); err != nil {
			t.Fatal(err)
		}

		// Closing returns the balance (50.00) to the parent in one command.
		before, _ := e.balance(a, parent)
		res, err = e.svc.SetWalletStatus(e.ctx, a, child, ingot.StatusClosed, nil)
		if err != nil || res.Account.Status != ingot.StatusClosed || res.Account.Balance != 0 {
			t.Fatalf("close sub-wallet: %+v, %v", res, err)
		}
		if hist, _, err := e.svc.History(e.ctx, a, child, "", 1); err != nil || len(hist) != 1 ||
			hist[0].Transfer.Kind != ingot.KindAllocate || hist[0].Amount != -5_000 || hist[0].Transfer.Credit != res.Account.ParentID {
			t.Fatalf("the close's last transfer: %+v, %v; want an allocation of 50.00 to the parent", hist, err)
		}
		if after, _ := e.balance(a, parent); after != before+5_000 {
			t.Fatalf("parent %d after the close; want %d", after, before+5_000)
		}
		if bal, _ := e.balance(a, child); bal != 0 {
			t.Fatalf("closed sub-wallet holds %d", bal)
		}
		_, err = pay(e, a, parent, child, "1.00")
		wantCode(t, err, ingot.CodeWalletClosed)

		// Once every sub-wallet is closed, the parent may close.
		if _, err := e.svc.SetWalletStatus(e.ctx, a, sibling, ingot.StatusClosed, nil); err != nil {
			t.Fatal(err)
		}
		bal, _ := e.balance(a, parent)
		if _, err := e.svc.Fund(e.ctx, a, parent, ingot.FormatAmount(bal, ingot.MustCurrency("CNY")), true, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SetWalletStatus(e.ctx, a, parent, ingot.StatusClosed, nil); err != nil {
			t.Fatalf("close the parent after its sub-wallets: %v", err)
		}
	})
}

// TestSubWalletCountAndTier: at most MaxSubWallets open sub-wallets (a
// closed one frees its place); a sub-wallet's tier never rises above its
// parent's.
func TestSubWalletCountAndTier(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, _ := e.operator("BANKA")
		parent := e.wallet(a, "CNY", "")
		var subs []string
		for range ledger.MaxSubWallets {
			id, _ := openSub(e, a, parent, ledger.SubWalletRequest{})
			subs = append(subs, id)
		}
		_, err := e.svc.OpenSubWallet(e.ctx, a, parent, ledger.SubWalletRequest{}, nil)
		wantLimit(t, err, "sub-wallets")
		if _, err := e.svc.SetWalletStatus(e.ctx, a, subs[0], ingot.StatusClosed, nil); err != nil {
			t.Fatal(err)
		}
		openSub(e, a, parent, ledger.SubWalletRequest{})

		up := ledger.UpgradeRequest{Tier: 3, IDNumber: "110101199003077777", IDVerified: true}
		_, err = e.svc.Upgrade(e.ctx, a, subs[1], up, nil)
		wantCode(t, err, ingot.CodeTierRequirements)
		if _, err := e.svc.Upgrade(e.ctx, a, parent, up, nil); err != nil {
			t.Fatal(err)
		}
		if res, err := e.svc.Upgrade(e.ctx, a, subs[1], up, nil); err != nil || res.Account.Tier != ingot.Tier3 {
			t.Fatalf("upgrade to the parent's tier: %+v, %v", res, err)
		}
		// A sub-wallet opened now has the parent's tier.
		_, err = e.svc.OpenSubWallet(e.ctx, a, parent, ledger.SubWalletRequest{}, nil)
		wantLimit(t, err, "sub-wallets")
		if _, err := e.svc.SetWalletStatus(e.ctx, a, subs[2], ingot.StatusClosed, nil); err != nil {
			t.Fatal(err)
		}
		if _, res := openSub(e, a, parent, ledger.SubWalletRequest{}); res.Account.Tier != ingot.Tier3 {
			t.Fatalf("new sub-wallet of a tier-3 parent is tier %d", res.Account.Tier)
		}
	})
}

// TestSubWalletFamilyLimits: a parent and its open sub-wallets are one
// holder for the parent's tier limits: their balances together stay within
// the tier's balance cap, their payments together within its daily limit;
// allocations count for neither, and a child's own lower limits still hold.
func TestSubWalletFamilyLimits(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		e.mint(aID, "100000.00", "CNY")
		stranger := e.wallet(a, "CNY", "100.00")
		mustPay := func(from, to, amount string, want ingot.TransferKind) {
			t.Helper()
			if r, err := pay(e, a, from, to, amount); err != nil || r.Kind != want {
				t.Fatalf("%s -> %s %s: %+v, %v; want a %s", from, to, amount, r, err, want)
			}
		}
		fund := func(w, amount string) error {
			_, err := e.svc.Fund(e.ctx, a, w, amount, false, nil)
			return err
		}

		// Balance: tier 4 holds at most 10,000.00, the family together.
		parent := e.wallet(a, "CNY", "6000.00")
		c1, _ := openSub(e, a, parent, ledger.SubWalletRequest{})
		c2, _ := openSub(e, a, parent, ledger.SubWalletRequest{})
		mustPay(parent, c1, "2000.00", ingot.KindAllocate)
		mustPay(parent, c2, "1000.00", ingot.KindAllocate)
		if err := fund(c1, "4000.00"); err != nil { // 3,000 + 6,000 + 1,000
			t.Fatalf("fund the family to exactly its cap: %v", err)
		}
		for _, w := range []string{parent, c1, c2} {
			wantLimit(t, fund(w, "0.01"), "balance limit")
		}
		_, err := pay(e, a, stranger, c2, "0.01")
		wantLimit(t, err, "balance limit")
		// Moves within the family leave its total alone.
		mustPay(parent, c2, "1000.00", ingot.KindAllocate)
		mustPay(c2, parent, "500.00", ingot.KindAllocate)
		mustPay(c1, c2, "100.00", ingot.KindPayment)
		bals := map[string]int64{}
		var total int64
		for _, w := range []string{parent, c1, c2} {
			bals[w], _ = e.balance(a, w)
			total += bals[w]
		}
		if total != 1_000_000 || bals[parent] != 250_000 || bals[c1] != 590_000 || bals[c2] != 160_000 {
			t.Fatalf("family balances %v (total %d); want 2,500.00, 5,900.00, 1,600.00 = 10,000.00", bals, total)
		}
		// Once the family holds less, a credit fits again.
		mustPay(c1, stranger, "0.01", ingot.KindPayment)
		if err := fund(c2, "0.01"); err != nil {
			t.Fatalf("fund the family back to its cap: %v", err)
		}

		// Outflow: tier 4 pays at most 5,000.00 a day, the family together;
		// a child's own lower daily limit still holds.
		p := e.wallet(a, "CNY", "9000.00")
		d1, _ := openSub(e, a, p, ledger.SubWalletRequest{})
		d2, _ := openSub(e, a, p, ledger.SubWalletRequest{DailyLimit: "1000.00"})
		shop := e.wallet(a, "CNY", "")
		mustPay(p, d1, "4000.00", ingot.KindAllocate)
		mustPay(p, d2, "2000.00", ingot.KindAllocate)
		_, err = pay(e, a, d2, shop, "1000.01")
		wantLimit(t, err, "daily limit")
		mustPay(d2, shop, "1000.00", ingot.KindPayment)
		mustPay(p, shop, "1000.00", ingot.KindPayment)
		mustPay(d1, shop, "2000.00", ingot.KindPayment)
		mustPay(d1, shop, "1000.00", ingot.KindPayment) // 5,000.00: exactly the limit
		_, err = pay(e, a, d1, shop, "0.01")
		wantLimit(t, err, "daily limit")
		_, err = pay(e, a, p, shop, "0.01")
		wantLimit(t, err, "daily limit")
		_, err = pay(e, a, d1, d2, "0.01") // between siblings: a payment
		wantLimit(t, err, "daily limit")
		if l := limitsOf(e, a, p); l.Daily != 0 || l.Yearly != 5_000_000-500_000 {
			t.Fatalf("parent's remaining %+v; want none today, 45,000.00 this year", l)
		}
		if l := limitsOf(e, a, d1); l.Daily != 200_000 {
			t.Fatalf("d1's own remaining today %d; want 2,000.00", l.Daily)
		}
		// Allocations stay free, both ways, above the single limit too.
		mustPay(p, d1, "1500.00", ingot.KindAllocate)
		mustPay(d1, p, "2500.00", ingot.KindAllocate)
		if b, _ := e.balance(a, shop); b != 500_000 {
			t.Fatalf("shop received %d; want 5,000.00", b)
		}
		e.checkBooks()
	})
}
