package ledger_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/store"
)

// bankEnv is an env with the sandbox bank as its connector, an operator
// with a funded reserve, and helpers for the bank's side.
type bankEnv struct {
	*env
	sb *bank.Sandbox
	a  ingot.Actor
}

var bankOpts = ledger.BankOptions{Grace: -1, RetryBase: time.Millisecond, RetryMax: time.Millisecond}

func newBankEnv(t *testing.T, kind string) *bankEnv {
	t.Helper()
	return newBankEnvOn(t, testdb.Open(t, kind))
}

func newBankEnvOn(t *testing.T, st store.Store) *bankEnv {
	e := newEnvOn(t, st, 0)
	sb := bank.NewSandbox(e.st.(bank.SandboxStore), testPII())
	sb.Delay = 10 * time.Millisecond
	e.svc.WithBank(sb, bankOpts)
	a, aID := e.operator("BANKA")
	e.mint(aID, "100000.00", "CNY")
	return &bankEnv{env: e, sb: sb, a: a}
}

func (b *bankEnv) openDeposit(number, holder string, balance int64) bank.Account {
	b.t.Helper()
	acct := bank.Account{BankCode: "ICBC", Number: number}
	if err := b.sb.Open(b.ctx, acct, holder, "CNY", balance, time.Now()); err != nil {
		b.t.Fatalf("open sandbox account: %v", err)
	}
	return acct
}

func (b *bankEnv) deposit(acct bank.Account) int64 {
	b.t.Helper()
	d, err := b.sb.Lookup(b.ctx, acct)
	if err != nil {
		b.t.Fatalf("sandbox lookup: %v", err)
	}
	return d.Balance
}

func (b *bankEnv) link(w, number, holder string) string {
	b.t.Helper()
	res, err := b.svc.LinkBankAccount(b.ctx, b.a, w, ledger.LinkRequest{BankCode: "ICBC", AccountNumber: number, HolderName: holder}, nil)
	if err != nil {
		b.t.Fatalf("link: %v", err)
	}
	return res.ID
}

func (b *bankEnv) fund(w, amount, ba string, withdraw bool) ingot.BankOperation {
	b.t.Helper()
	res, err := b.svc.BankFund(b.ctx, b.a, w, amount, ba, withdraw, "", nil)
	if err != nil {
		b.t.Fatalf("bank fund %s: %v", amount, err)
	}
	return *res
}

func (b *bankEnv) bal(w string) int64 {
	b.t.Helper()
	v, _ := b.balance(b.a, w)
	return v
}

func wantOp(t *testing.T, op ingot.BankOperation, status ingot.BankOpStatus) {
	t.Helper()
	if op.Status != status {
		t.Fatalf("operation %s is %s (%s); want %s", op.ID, op.Status, op.LastError, status)
	}
}

func TestBankTopUpAndWithdrawal(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		b := newBankEnv(t, kind)
		w := b.wallet(b.a, "CNY", "")
		acct := b.openDeposit("6222021234566789", "Li Wei", 100000)
		ba := b.link(w, "6222 0212 3456 6789", "LI  WEI")

		op := b.fund(w, "300.00", ba, false)
		wantOp(t, op, ingot.BankCompleted)
		if op.Kind != ingot.BankTopUp || op.Amount != 30000 || op.TransferID == "" {
			t.Fatalf("top-up operation %+v", op)
		}
		if b.bal(w) != 30000 || b.deposit(acct) != 70000 {
			t.Fatalf("wallet %d, bank %d; want 30000 and 70000", b.bal(w), b.deposit(acct))
		}
		op = b.fund(w, "100.00", ba, true)
		wantOp(t, op, ingot.BankCompleted)
		if b.bal(w) != 20000 || b.deposit(acct) != 80000 {
			t.Fatalf("after withdrawal: wallet %d, bank %d; want 20000 and 80000", b.bal(w), b.deposit(acct))
		}
		got, err := b.svc.BankOperation(b.ctx, b.a, op.ID)
		if err != nil || got.Status != ingot.BankCompleted || got.Kind != ingot.BankWithdraw {
			t.Fatalf("read operation: %+v %v", got, err)
		}
		// Another operator does not see it.
		other, _ := b.operator("BANKB")
		_, err = b.svc.BankOperation(b.ctx, other, op.ID)
		wantCode(t, err, ingot.CodeNotFound)

		// The same Idempotency-Key twice: one debit, one credit.
		k := idem(b.a.KeyID, "topup-1", "same")
		r1, err := b.svc.BankFund(b.ctx, b.a, w, "50.00", ba, false, "", k)
		if err != nil || r1.Status != ingot.BankCompleted || k.Replayed {
			t.Fatalf("first: %+v %v", r1, err)
		}
		k = idem(b.a.KeyID, "topup-1", "same")
		r2, err := b.svc.BankFund(b.ctx, b.a, w, "50.00", ba, false, "", k)
		if err != nil || !k.Replayed || r2.ID != r1.ID || r2.Status != ingot.BankCompleted {
			t.Fatalf("second: %+v %v; want a replay of %s, completed", r2, err, r1.ID)
		}
		if b.bal(w) != 25000 || b.deposit(acct) != 75000 {
			t.Fatalf("after a replayed top-up: wallet %d, bank %d; want 25000 and 75000", b.bal(w), b.deposit(acct))
		}
	})
}

func TestBankRefuses(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		b := newBankEnv(t, kind)
		w := b.wallet(b.a, "CNY", "")
		acct := b.openDeposit("6222021234560001", "Li Wei", 10000)
		ba := b.link(w, "6222021234560001", "Li Wei")

		// The bank refuses: nothing moves, the operation failed.
		if err := b.sb.SetFault(bank.FaultFail, 1); err != nil {
			t.Fatal(err)
		}
		op := b.fund(w, "50.00", ba, false)
		wantOp(t, op, ingot.BankFailed)
		if b.bal(w) != 0 || b.deposit(acct) != 10000 {
			t.Fatalf("refused top-up moved money: wallet %d, bank %d", b.bal(w), b.deposit(acct))
		}
		// Insufficient funds at the bank.
		op = b.fund(w, "100.01", ba, false)
		wantOp(t, op, ingot.BankFailed)
		if op.LastError == "" || b.bal(w) != 0 || b.deposit(acct) != 10000 {
			t.Fatalf("insufficient: %+v wallet %d bank %d", op, b.bal(w), b.deposit(acct))
		}
		// A refused withdrawal is refunded in the same batch as it fails.
		b.fund(w, "60.00", ba, false)
		if err := b.sb.SetFault(bank.FaultFail, 1); err != nil {
			t.Fatal(err)
		}
		op = b.fund(w, "20.00", ba, true)
		wantOp(t, op, ingot.BankFailed)
		if op.RefundTransferID == "" || b.bal(w) != 6000 || b.deposit(acct) != 4000 {
			t.Fatalf("refused withdrawal: %+v wallet %d bank %d; want 6000 and 4000", op, b.bal(w), b.deposit(acct))
		}
		// A failed operation stays failed: the processor has nothing to do.
		if n, err := b.svc.ProcessBankOps(b.ctx); err != nil || n != 0 {
			t.Fatalf("processor claimed %d, %v", n, err)
		}
	})
}

func TestBankTimeoutCompletesOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		b := newBankEnv(t, kind)
		w := b.wallet(b.a, "CNY", "")
		acct := b.openDeposit("6222021234560002", "Li Wei", 100000)
		ba := b.link(w, "6222021234560002", "Li Wei")

		// The bank applies the debit but the answer times out.
		if err := b.sb.SetFault(bank.FaultTimeout, 1); err != nil {
			t.Fatal(err)
		}
		op := b.fund(w, "300.00", ba, false)
		wantOp(t, op, ingot.BankPending)
		if b.bal(w) != 0 || b.deposit(acct) != 70000 {
			t.Fatalf("after the timeout: wallet %d, bank %d; want 0 and 70000", b.bal(w), b.deposit(acct))
		}
		time.Sleep(5 * time.Millisecond) // past the retry delay
		if n, err := b.svc.ProcessBankOps(b.ctx); err != nil || n != 1 {
			t.Fatalf("processor claimed %d, %v; want 1", n, err)
		}
		got, _ := b.svc.BankOperation(b.ctx, b.a, op.ID)
		wantOp(t, got, ingot.BankCompleted)
		if got.Attempts != 1 || b.bal(w) != 30000 || b.deposit(acct) != 70000 {
			t.Fatalf("after processing: attempts %d, wallet %d, bank %d; want 1, 30000, 70000", got.Attempts, b.bal(w), b.deposit(acct))
		}
		// Withdrawal: the credit times out after being applied.
		if err := b.sb.SetFault(bank.FaultTimeout, 1); err != nil {
			t.Fatal(err)
		}
		op = b.fund(w, "100.00", ba, true)
		wantOp(t, op, ingot.BankPending)
		if b.bal(w) != 20000 || b.deposit(acct) != 80000 {
			t.Fatalf("withdrawal timeout: wallet %d, bank %d; want 20000 and 80000", b.bal(w), b.deposit(acct))
		}
		time.Sleep(5 * time.Millisecond)
		for range 2 {
			if _, err := b.svc.ProcessBankOps(b.ctx); err != nil {
				t.Fatal(err)
			}
		}
		got, _ = b.svc.BankOperation(b.ctx, b.a, op.ID)
		wantOp(t, got, ingot.BankCompleted)
		if b.bal(w) != 20000 || b.deposit(acct) != 80000 {
			t.Fatalf("withdrawal processed: wallet %d, bank %d; want 20000 and 80000", b.bal(w), b.deposit(acct))
		}
		// A slow bank answers late but right.
		if err := b.sb.SetFault(bank.FaultSlow, 1); err != nil {
			t.Fatal(err)
		}
		wantOp(t, b.fund(w, "1.00", ba, false), ingot.BankCompleted)
		if b.bal(w) != 20100 || b.deposit(acct) != 79900 {
			t.Fatalf("slow: wallet %d, bank %d", b.bal(w), b.deposit(acct))
		}
	})
}

// TestBankCrashBetweenSides: the bank was debited but the process died
// before the engine credited the wallet (its engine is gone). A new
// process on the same database completes the operation, exactly once.
func TestBankCrashBetweenSides(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		b := newBankEnv(t, kind)
		w := b.wallet(b.a, "CNY", "")
		acct := b.openDeposit("6222021234560003", "Li Wei", 100000)
		ba := b.link(w, "6222021234560003", "Li Wei")
		wd := b.fund(w, "100.00", ba, false) // 100.00 in the wallet
		wantOp(t, wd, ingot.BankCompleted)

		// Withdrawal: the wallet's side is committed, then the bank is
		// unreachable (nothing applied) and the process dies.
		down := &downBank{}
		b.svc.WithBank(down, bankOpts)
		op2 := b.fund(w, "40.00", ba, true)
		wantOp(t, op2, ingot.BankPending)

		// Top-up: the bank debits, then the engine is gone.
		b.svc.WithBank(b.sb, bankOpts)
		b.eng.Close()
		res, err := b.svc.BankFund(b.ctx, b.a, w, "300.00", ba, false, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		op := *res
		wantOp(t, op, ingot.BankPending)
		if b.deposit(acct) != 60000 {
			t.Fatalf("bank %d; want 60000 (debited 100.00 and 300.00)", b.deposit(acct))
		}

		// A new process: its processor reconciles at start.
		eng2 := ledger.NewEngine(b.st, ledger.Options{Signer: testSigner(t)})
		t.Cleanup(eng2.Close)
		svc2 := ledger.NewService(b.st, eng2, nil).WithPII(testPII()).WithBank(b.sb, bankOpts)
		for range 3 {
			if _, err := svc2.ProcessBankOps(b.ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range []string{op.ID, op2.ID} {
			got, err := svc2.BankOperation(b.ctx, b.a, id)
			if err != nil {
				t.Fatal(err)
			}
			wantOp(t, got, ingot.BankCompleted)
		}
		wl, err := svc2.Wallet(b.ctx, b.a, w)
		if err != nil {
			t.Fatal(err)
		}
		// 100 + 300 - 40 = 360 in the wallet; 1000 - 100 - 300 + 40 = 640 at the bank.
		if wl.Balance != 36000 || b.deposit(acct) != 64000 {
			t.Fatalf("after recovery: wallet %d, bank %d; want 36000 and 64000", wl.Balance, b.deposit(acct))
		}
	})
}

// downBank answers every call with an unknown outcome, applying nothing.
type downBank struct{}

func (downBank) Verify(_ context.Context, _ string, _ bank.Account, _, _ string) error {
	return bank.ErrUnknown
}
func (downBank) Debit(_ context.Context, _ string, _ bank.Account, _ int64, _ string) error {
	return bank.ErrUnknown
}
func (downBank) Credit(_ context.Context, _ string, _ bank.Account, _ int64, _ string) error {
	return bank.ErrUnknown
}

func TestWaterfall(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		b := newBankEnv(t, kind)
		payer := b.wallet(b.a, "CNY", "2000.00")
		w := b.wallet(b.a, "CNY", "")
		acct := b.openDeposit("6222021234560004", "Li Wei", 0)
		b.link(w, "6222021234560004", "Li Wei")
		limit := "500.00"
		if _, err := b.svc.UpdateSettings(b.ctx, b.a, w, ledger.Settings{HoldingLimit: &limit}, nil); err != nil {
			t.Fatal(err)
		}
		// 800.00 arrive: 500.00 stay, 300.00 go on to the bank.
		if _, err := pay(b.env, b.a, payer, w, "800.00"); err != nil {
			t.Fatalf("payment above the holding limit with a linked account: %v", err)
		}
		if b.bal(w) != 50000 || b.bal(payer) != 120000 {
			t.Fatalf("wallet %d, payer %d; want 50000 and 120000", b.bal(w), b.bal(payer))
		}
		h, _, err := b.svc.History(b.ctx, b.a, w, "", 10)
		if err != nil || len(h) != 2 || h[0].Transfer.Kind != ingot.KindSweep || h[0].Amount != -30000 {
			t.Fatalf("history %+v %v; want the sweep of 300.00 last", h, err)
		}
		if b.deposit(acct) != 0 {
			t.Fatalf("the bank was credited before the processor ran")
		}
		if n, err := b.svc.ProcessBankOps(b.ctx); err != nil || n != 1 {
			t.Fatalf("processor claimed %d, %v", n, err)
		}
		if b.deposit(acct) != 30000 {
			t.Fatalf("bank %d; want exactly the excess, 30000", b.deposit(acct))
		}
		if n, _ := b.svc.ProcessBankOps(b.ctx); n != 0 || b.deposit(acct) != 30000 {
			t.Fatalf("a second pass claimed %d; bank %d", n, b.deposit(acct))
		}

		// Without a linked account: refused, nothing moves.
		w2 := b.wallet(b.a, "CNY", "")
		if _, err := b.svc.UpdateSettings(b.ctx, b.a, w2, ledger.Settings{HoldingLimit: &limit}, nil); err != nil {
			t.Fatal(err)
		}
		_, err = pay(b.env, b.a, payer, w2, "500.01")
		wantLimit(t, err, "holding limit")
		if b.bal(w2) != 0 || b.bal(payer) != 120000 {
			t.Fatalf("refused payment moved money: %d %d", b.bal(w2), b.bal(payer))
		}
		if _, err := pay(b.env, b.a, payer, w2, "500.00"); err != nil {
			t.Fatalf("exactly at the holding limit: %v", err)
		}
	})
}

func TestReverseWaterfall(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		b := newBankEnv(t, kind)
		w := b.wallet(b.a, "CNY", "100.00")
		to := b.wallet(b.a, "CNY", "")
		acct := b.openDeposit("6222021234560005", "Li Wei", 100000)
		b.link(w, "6222021234560005", "Li Wei")

		// Not opted in: insufficient funds, nothing pulled.
		_, err := pay(b.env, b.a, w, to, "250.00")
		wantCode(t, err, ingot.CodeInsufficientFunds)
		if b.deposit(acct) != 100000 {
			t.Fatalf("pulled without opting in")
		}
		on := true
		if _, err := b.svc.UpdateSettings(b.ctx, b.a, w, ledger.Settings{ReverseWaterfall: &on}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := pay(b.env, b.a, w, to, "250.00"); err != nil {
			t.Fatalf("payment with the reverse waterfall: %v", err)
		}
		if b.deposit(acct) != 85000 || b.bal(w) != 0 || b.bal(to) != 25000 {
			t.Fatalf("bank %d, wallet %d, payee %d; want exactly the shortfall pulled: 85000, 0, 25000", b.deposit(acct), b.bal(w), b.bal(to))
		}
		// The bank refuses: the payment is refused, nothing moves.
		if err := b.sb.SetFault(bank.FaultFail, 1); err != nil {
			t.Fatal(err)
		}
		_, err = pay(b.env, b.a, w, to, "10.00")
		wantCode(t, err, ingot.CodeInsufficientFunds)
		if b.deposit(acct) != 85000 || b.bal(w) != 0 {
			t.Fatalf("refused pull moved money")
		}
	})
}

func TestUnlinkRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		b := newBankEnv(t, kind)
		w := b.wallet(b.a, "CNY", "")
		b.openDeposit("6222021234560006", "Li Wei", 0)
		b.openDeposit("6222021234560007", "Li Wei", 0)
		b.openDeposit("6222021234560008", "Someone Else", 0)

		// Verification: the holder's name and the account must match.
		_, err := b.svc.LinkBankAccount(b.ctx, b.a, w, ledger.LinkRequest{BankCode: "ICBC", AccountNumber: "6222021234560008", HolderName: "Li Wei"}, nil)
		wantCode(t, err, ingot.CodeInvalidRequest)
		_, err = b.svc.LinkBankAccount(b.ctx, b.a, w, ledger.LinkRequest{BankCode: "ICBC", AccountNumber: "6222029999999999", HolderName: "Li Wei"}, nil)
		wantCode(t, err, ingot.CodeInvalidRequest)

		first := b.link(w, "6222021234560006", "Li Wei")
		_, err = b.svc.LinkBankAccount(b.ctx, b.a, w, ledger.LinkRequest{BankCode: "ICBC", AccountNumber: "6222021234560006", HolderName: "Li Wei"}, nil)
		wantCode(t, err, ingot.CodeConflict)
		wl := mustWallet(b.env, b.a, w)
		if !wl.Evidence.BankLinked || wl.SweepAccount != first {
			t.Fatalf("after linking: %+v sweep %q", wl.Evidence, wl.SweepAccount)
		}
		if _, err := b.svc.Upgrade(b.ctx, b.a, w, ledger.UpgradeRequest{Tier: 2, IDNumber: "110101199001011234", IDVerified: true}, nil); err != nil {
			t.Fatalf("upgrade to tier 2 with a linked account: %v", err)
		}
		second := b.link(w, "6222021234560007", "Li Wei")
		if _, err := b.svc.UnlinkBankAccount(b.ctx, b.a, w, first, nil); err != nil {
			t.Fatalf("unlink one of two: %v", err)
		}
		if wl := mustWallet(b.env, b.a, w); !wl.Evidence.BankLinked || wl.SweepAccount != second {
			t.Fatalf("the sweep account moves to the other: %+v %q", wl.Evidence, wl.SweepAccount)
		}
		_, err = b.svc.UnlinkBankAccount(b.ctx, b.a, w, second, nil)
		wantCode(t, err, ingot.CodeConflict)
		if !bytes.Contains([]byte(err.Error()), []byte("tier 2")) {
			t.Fatalf("the refusal does not name the tier: %v", err)
		}
		if _, err := b.svc.Upgrade(b.ctx, b.a, w, ledger.UpgradeRequest{Tier: 3}, nil); err != nil {
			t.Fatalf("downgrade: %v", err)
		}
		if _, err := b.svc.UnlinkBankAccount(b.ctx, b.a, w, second, nil); err != nil {
			t.Fatalf("unlink the last at tier 3: %v", err)
		}
		wl = mustWallet(b.env, b.a, w)
		if wl.Evidence.BankLinked || wl.SweepAccount != "" {
			t.Fatalf("after unlinking the last: %+v %q", wl.Evidence, wl.SweepAccount)
		}
		bas, err := b.svc.BankAccounts(b.ctx, b.a, w)
		if err != nil || len(bas) != 0 {
			t.Fatalf("linked accounts %d, %v", len(bas), err)
		}
		_, err = b.svc.UnlinkBankAccount(b.ctx, b.a, w, second, nil)
		wantCode(t, err, ingot.CodeNotFound)
	})
}

// TestNoBankPIIAtRest: account numbers and holder names are nowhere in
// the database in clear, the sandbox bank's tables included.
func TestNoBankPIIAtRest(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		st, dsn := testdb.OpenURL(t, kind)
		b := newBankEnvOn(t, st)
		w := b.wallet(b.a, "CNY", "")
		const number, holder = "6222027777123456", "Ouyang Xiaofeng"
		b.openDeposit(number, holder, 100000)
		ba := b.link(w, number, holder)
		b.fund(w, "10.00", ba, false)
		bas, err := b.svc.BankAccounts(b.ctx, b.a, w)
		if err != nil || len(bas) != 1 {
			t.Fatal(err)
		}
		if err := b.svc.RevealBankAccount(&bas[0]); err != nil || bas[0].AccountNumber != number || bas[0].HolderName != holder {
			t.Fatalf("revealed %+v, %v", bas[0], err)
		}
		var dump []byte
		switch kind {
		case "sqlite":
			for _, f := range []string{dsn, dsn + "-wal"} {
				c, err := os.ReadFile(f)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				dump = append(dump, c...)
			}
		case "postgres":
			dump = dumpPostgres(t, dsn)
		}
		if !bytes.Contains(dump, []byte("ICBC")) {
			t.Fatalf("the dump does not even hold the bank code")
		}
		for _, s := range []string{number, "7777123456", "Ouyang", "Xiaofeng"} {
			if bytes.Contains(dump, []byte(s)) {
				t.Errorf("%q is stored in clear", s)
			}
		}
	})
}

// TestBankDebitReturnedWhenLedgerRefuses: the bank debits, then a ledger
// rule refuses the credit (the wallet was frozen meanwhile): the money goes
// back to the bank and the operation fails; both sides are as they were.
func TestBankDebitReturnedWhenLedgerRefuses(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		b := newBankEnv(t, kind)
		w := b.wallet(b.a, "CNY", "10.00")
		acct := b.openDeposit("6222021234560077", "Li Wei", 50000)
		ba := b.link(w, "6222021234560077", "Li Wei")
		// The bank debits but its answer is lost: the operation stays
		// pending. Meanwhile the wallet is frozen.
		if err := b.sb.SetFault(bank.FaultTimeout, 1); err != nil {
			t.Fatal(err)
		}
		op := b.fund(w, "1.00", ba, false)
		wantOp(t, op, ingot.BankPending)
		if b.deposit(acct) != 49900 {
			t.Fatalf("bank %d after the lost answer; want 49900 (debited)", b.deposit(acct))
		}
		if _, err := b.svc.SetWalletStatus(b.ctx, b.a, w, ingot.StatusFrozen, nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		if n, err := b.svc.ProcessBankOps(b.ctx); err != nil || n != 1 {
			t.Fatalf("processor claimed %d, %v", n, err)
		}
		op, err := b.svc.BankOperation(b.ctx, b.a, op.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantOp(t, op, ingot.BankFailed)
		if !strings.Contains(op.LastError, "returned to the bank") || !strings.Contains(op.LastError, "frozen") {
			t.Fatalf("operation %+v does not say the debit was returned", op)
		}
		if b.bal(w) != 1000 || b.deposit(acct) != 50000 {
			t.Fatalf("wallet %d, bank %d; want 1000 and 50000 (both as they were)", b.bal(w), b.deposit(acct))
		}
		// The processor has nothing left to do; nothing is returned twice.
		if n, err := b.svc.ProcessBankOps(b.ctx); err != nil || n != 0 {
			t.Fatalf("processor claimed %d, %v", n, err)
		}
		if b.deposit(acct) != 50000 {
			t.Fatalf("bank %d after the processor; want 50000", b.deposit(acct))
		}
	})
}

// TestMerchantWaterfall: a merchant with a linked bank account receives
// without limit: what arrives above its tier's balance cap is swept.
func TestMerchantWaterfall(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		b := newBankEnv(t, kind)
		// The operator caps its tier-4 merchants at 100.00 (within the
		// central bank's 50,000.00).
		if _, err := b.svc.SetLimits(b.ctx, b.a, ledger.LimitRequest{Currency: "CNY", WalletKind: "merchant", Tier: 4,
			Balance: "100.00", Single: "5000.00", Daily: "20000.00", Yearly: "200000.00"}); err != nil {
			t.Fatal(err)
		}
		res, err := b.svc.CreateWallet(b.ctx, b.a, ingot.Holder{Name: "Li Wei", Phone: "13812345678"}, "CNY", ingot.WalletMerchant, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := ingot.FormatWalletID(res.Account.ID)
		acct := b.openDeposit("6222021234560099", "Li Wei", 0)
		b.link(m, "6222021234560099", "Li Wei")
		payer := b.wallet(b.a, "CNY", "500.00")
		for range 3 {
			if _, err := pay(b.env, b.a, payer, m, "60.00"); err != nil {
				t.Fatalf("payment to a merchant at its cap: %v", err)
			}
		}
		if b.bal(m) != 10000 {
			t.Fatalf("merchant holds %d; want its cap, 10000", b.bal(m))
		}
		if _, err := b.svc.ProcessBankOps(b.ctx); err != nil {
			t.Fatal(err)
		}
		if b.deposit(acct) != 8000 {
			t.Fatalf("bank %d; want the 80.00 above the cap", b.deposit(acct))
		}
	})
}
