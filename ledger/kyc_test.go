package ledger_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
)

func wantLimit(t *testing.T, err error, name string) {
	t.Helper()
	wantCode(t, err, ingot.CodeLimitExceeded)
	if !strings.HasPrefix(detailOf(t, err), name) {
		t.Fatalf("limit_exceeded %q does not name the %s", detailOf(t, err), name)
	}
}

// TestTierLimitsAtTheBoundary: exactly at a limit passes, one minor unit
// more is refused with limit_exceeded naming the limit.
func TestTierLimitsAtTheBoundary(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		e.mint(aID, "1000000.00", "CNY")
		w := e.wallet(a, "CNY", "")
		other := e.wallet(a, "CNY", "")

		// A new wallet is tier 4 with the default limits.
		lim, err := e.svc.Limits(e.ctx, []ingot.Account{mustWallet(e, a, w)})
		if err != nil || lim[0].Limits != (ingot.Limits{Balance: 1_000_000, Single: 200_000, Daily: 500_000, Yearly: 5_000_000}) || lim[0].Daily != 500_000 {
			t.Fatalf("tier 4 limits = %+v, %v", lim, err)
		}
		// Balance cap 10,000.00.
		if _, err := e.svc.Fund(e.ctx, a, w, "10000.00", false, nil); err != nil {
			t.Fatalf("top up to exactly the balance limit: %v", err)
		}
		_, err = e.svc.Fund(e.ctx, a, w, "0.01", false, nil)
		wantLimit(t, err, "balance limit")
		// Single payment 2,000.00.
		if _, err := pay(e, a, w, other, "2000.00"); err != nil {
			t.Fatalf("exactly the single limit: %v", err)
		}
		_, err = pay(e, a, w, other, "2000.01")
		wantLimit(t, err, "single payment limit")
		// Daily 5,000.00: 2,000 paid, 3,000 left.
		if _, err := pay(e, a, w, other, "2000.00"); err != nil {
			t.Fatal(err)
		}
		_, err = pay(e, a, w, other, "1000.01")
		wantLimit(t, err, "daily limit")
		if _, err := pay(e, a, w, other, "1000.00"); err != nil {
			t.Fatalf("exactly the daily limit: %v", err)
		}
		_, err = pay(e, a, w, other, "0.01")
		wantLimit(t, err, "daily limit")
		// Withdrawals to the holder's bank are not outflow.
		if _, err := e.svc.Fund(e.ctx, a, w, "100.00", true, nil); err != nil {
			t.Fatalf("withdrawal after the daily limit: %v", err)
		}
		lim, _ = e.svc.Limits(e.ctx, []ingot.Account{mustWallet(e, a, w)})
		if lim[0].Daily != 0 || lim[0].Yearly != 4_500_000 {
			t.Fatalf("remaining %+v; want 0 today, 45,000.00 this year", lim[0])
		}
		// A payee at its cap refuses too.
		full := e.wallet(a, "CNY", "10000.00")
		_, err = e.svc.Fund(e.ctx, a, other, "4000.00", true, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = pay(e, a, other, full, "0.01")
		wantLimit(t, err, "balance limit")
	})
}

func mustWallet(e *env, a ingot.Actor, id string) ingot.Account {
	e.t.Helper()
	w, err := e.svc.Wallet(e.ctx, a, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// TestDailyLimitConcurrent spends against the daily limit from many
// goroutines: exactly as many payments pass as the limit allows.
func TestDailyLimitConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		e.mint(aID, "100000.00", "CNY")
		w := e.wallet(a, "CNY", "9000.00")
		to := e.wallet(a, "CNY", "")
		var ok, limited atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 60; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := pay(e, a, w, to, "300.00")
				switch {
				case err == nil:
					ok.Add(1)
				case ingot.ErrorCode(err) == ingot.CodeLimitExceeded:
					limited.Add(1)
				default:
					t.Errorf("pay: %v", err)
				}
			}()
		}
		wg.Wait()
		// 5,000.00 a day: 16 payments of 300.00 (4,800.00).
		if ok.Load() != 16 || limited.Load() != 44 {
			t.Fatalf("%d paid, %d refused; want 16 and 44", ok.Load(), limited.Load())
		}
	})
}

// TestDayRollsOverInZone: the daily limit starts again at midnight in the
// configured zone, not at midnight UTC; the yearly one carries on.
func TestDayRollsOverInZone(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		var mu sync.Mutex
		// 23:59:00 in Shanghai on 31 December 2026.
		now := time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		e := newEnvWith(t, testdb.Open(t, kind), ledger.Options{Now: clock})
		a, aID := e.operator("BANKA")
		e.mint(aID, "100000.00", "CNY")
		w := e.wallet(a, "CNY", "9000.00")
		to := e.wallet(a, "CNY", "")
		for range 2 {
			if _, err := pay(e, a, w, to, "2000.00"); err != nil {
				t.Fatal(err)
			}
		}
		_, err := pay(e, a, w, to, "1000.01")
		wantLimit(t, err, "daily limit")
		mu.Lock()
		now = now.Add(time.Minute) // 00:00 on 1 January in Shanghai, still 31 December in UTC
		mu.Unlock()
		if _, err := pay(e, a, w, to, "2000.00"); err != nil {
			t.Fatalf("after midnight in Shanghai: %v", err)
		}
		wt := mustWallet(e, a, w)
		if wt.Outflow.Day != 20270101 || wt.Outflow.DayTotal != 200_000 || wt.Outflow.Year != 2027 || wt.Outflow.YearTotal != 200_000 {
			t.Fatalf("outflow after the new year %+v", wt.Outflow)
		}
	})
}

func TestUpgradeAndDowngrade(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		b, _ := e.operator("BANKB")
		e.mint(aID, "100000.00", "CNY")
		w := e.wallet(a, "CNY", "9000.00")
		_, err := e.svc.Upgrade(e.ctx, a, w, ledger.UpgradeRequest{Tier: 3}, nil)
		wantCode(t, err, ingot.CodeTierRequirements)
		if !strings.Contains(err.Error(), "identity document") {
			t.Fatalf("missing evidence not named: %v", err)
		}
		_, err = e.svc.Upgrade(e.ctx, a, w, ledger.UpgradeRequest{Tier: 3, IDVerified: true}, nil)
		wantCode(t, err, ingot.CodeTierRequirements)
		if !strings.Contains(err.Error(), "id_number") {
			t.Fatalf("missing id number not named: %v", err)
		}
		_, err = e.svc.Upgrade(e.ctx, b, w, ledger.UpgradeRequest{Tier: 3, IDNumber: "110101199003071234", IDVerified: true}, nil)
		wantCode(t, err, ingot.CodeNotFound)
		res, err := e.svc.Upgrade(e.ctx, a, w, ledger.UpgradeRequest{Tier: 3, IDNumber: "110101199003071234", IDVerified: true}, nil)
		if err != nil || res.Account.Tier != ingot.Tier3 || !res.Account.Evidence.IDVerified || res.Limits.Limits.Balance != 2_000_000 {
			t.Fatalf("upgrade to 3: %v %+v", err, res)
		}
		// The ID number is stored sealed, never in clear.
		stored := mustWallet(e, a, w)
		if stored.Holder.IDNumber == "" || strings.Contains(stored.Holder.IDNumber, "1234") {
			t.Fatalf("stored id number %q", stored.Holder.IDNumber)
		}
		if _, err := e.svc.Fund(e.ctx, a, w, "11000.00", false, nil); err != nil {
			t.Fatalf("top up above tier 4's cap at tier 3: %v", err)
		}
		_, err = e.svc.Upgrade(e.ctx, a, w, ledger.UpgradeRequest{Tier: 2}, nil)
		wantCode(t, err, ingot.CodeTierRequirements)
		if !strings.Contains(err.Error(), "bank account") || strings.Contains(err.Error(), "identity") {
			t.Fatalf("tier 2 needs only a bank account now: %v", err)
		}
		// Down to 4 only when the balance fits.
		_, err = e.svc.Upgrade(e.ctx, a, w, ledger.UpgradeRequest{Tier: 4}, nil)
		wantLimit(t, err, "balance limit")
		if _, err := e.svc.Fund(e.ctx, a, w, "10000.00", true, nil); err != nil {
			t.Fatal(err)
		}
		res, err = e.svc.Upgrade(e.ctx, a, w, ledger.UpgradeRequest{Tier: 4}, nil)
		if err != nil || res.Account.Tier != ingot.Tier4 {
			t.Fatalf("downgrade: %v %+v", err, res)
		}
		_, err = e.svc.Upgrade(e.ctx, a, w, ledger.UpgradeRequest{Tier: 5}, nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
	})
}

func TestHoldingLimitAndOperatorLimits(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, 0)
		a, aID := e.operator("BANKA")
		b, bID := e.operator("BANKB")
		e.mint(aID, "100000.00", "CNY")
		e.mint(bID, "100000.00", "CNY")
		w := e.wallet(a, "CNY", "100.00")
		h := "500.00"
		if _, err := e.svc.UpdateSettings(e.ctx, a, w, ledger.Settings{HoldingLimit: &h}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Fund(e.ctx, a, w, "400.00", false, nil); err != nil {
			t.Fatalf("up to the holding limit: %v", err)
		}
		_, err := e.svc.Fund(e.ctx, a, w, "0.01", false, nil)
		wantLimit(t, err, "holding limit")
		tooHigh := "10000.01"
		_, err = e.svc.UpdateSettings(e.ctx, a, w, ledger.Settings{HoldingLimit: &tooHigh}, nil)
		wantLimit(t, err, "balance limit")
		zero := "0"
		if _, err := e.svc.UpdateSettings(e.ctx, a, w, ledger.Settings{HoldingLimit: &zero}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Fund(e.ctx, a, w, "0.01", false, nil); err != nil {
			t.Fatalf("after removing the holding limit: %v", err)
		}

		// An operator tightens its own tier-4 limits; the other operator's
		// wallets keep the central bank's.
		if _, err := e.svc.SetLimits(e.ctx, a, ledger.LimitRequest{Currency: "CNY", WalletKind: "personal", Tier: 4,
			Balance: "10000.00", Single: "100.00", Daily: "150.00", Yearly: "1000.00"}); err != nil {
			t.Fatal(err)
		}
		to := e.wallet(b, "CNY", "")
		_, err = pay(e, a, w, to, "100.01")
		wantLimit(t, err, "single payment limit")
		if _, err := pay(e, a, w, to, "100.00"); err != nil {
			t.Fatal(err)
		}
		_, err = pay(e, a, w, to, "50.01")
		wantLimit(t, err, "daily limit")
		wb := e.wallet(b, "CNY", "3000.00")
		if _, err := pay(e, b, wb, to, "2000.00"); err != nil {
			t.Fatalf("the other operator's wallets keep the central bank's limits: %v", err)
		}
		// Never above the central bank's.
		_, err = e.svc.SetLimits(e.ctx, a, ledger.LimitRequest{Currency: "CNY", WalletKind: "personal", Tier: 4, Balance: "10000.01", Single: "1", Daily: "1", Yearly: "1"})
		wantCode(t, err, ingot.CodeLimitExceeded)
		_, err = e.svc.SetLimits(e.ctx, a, ledger.LimitRequest{Currency: "CNY", WalletKind: "personal", Tier: 4})
		wantCode(t, err, ingot.CodeLimitExceeded) // "no limit" is above a limit
		// The central bank lowers the ceiling: it binds the operator's rule too.
		if _, err := e.svc.SetLimits(e.ctx, e.cb, ledger.LimitRequest{Currency: "CNY", WalletKind: "personal", Tier: 4,
			Balance: "10000.00", Single: "20.00", Daily: "5000.00", Yearly: "50000.00"}); err != nil {
			t.Fatal(err)
		}
		_, err = pay(e, b, wb, to, "20.01")
		wantLimit(t, err, "single payment limit")
		rules, err := e.svc.TierLimits(e.ctx, a, "CNY")
		if err != nil || len(rules) != 8 {
			t.Fatalf("TierLimits = %d rules, %v", len(rules), err)
		}
		for _, r := range rules {
			if r.Tier == ingot.Tier4 && r.WalletKind == ingot.WalletPersonal && (r.Limits.Single != 2000 || r.Limits.Daily != 15000) {
				t.Fatalf("effective tier 4 for the operator = %+v", r.Limits)
			}
		}
	})
}
