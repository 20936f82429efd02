package bank_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

func newSandbox(t *testing.T, kind string) (*bank.Sandbox, bank.SandboxStore) {
	t.Helper()
	st, ok := testdb.Open(t, kind).(bank.SandboxStore)
	if !ok {
		t.Fatalf("the %s store does not implement bank.SandboxStore", kind)
	}
	keys, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return bank.NewSandbox(st, keys), st
}

// TestSandbox runs the sandbox bank on both stores: idempotent postings by
// reference, refusals, and the injected clock.
func TestSandbox(t *testing.T) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			sb, st := newSandbox(t, kind)
			clock := time.Date(2030, 1, 2, 3, 4, 5, 6007, time.FixedZone("CST", 8*3600))
			sb.Now = func() time.Time { return clock }
			acct := bank.Account{BankCode: "ICBC", Number: "6222021234566789"}
			if err := sb.Open(ctx, acct, "Li Lei", "CNY", 1000, time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := sb.Open(ctx, acct, "Li Lei", "CNY", 0, time.Now()); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("second Open = %v, want store.ErrConflict", err)
			}
			d, err := sb.Lookup(ctx, acct)
			if err != nil || d.HolderName != "Li Lei" || d.Balance != 1000 {
				t.Fatalf("Lookup = %+v, %v", d, err)
			}

			refused := func(err error, code string) {
				t.Helper()
				if r, ok := bank.AsRefusal(err); !ok || r.Code != code {
					t.Fatalf("err = %v, want a refusal %s", err, code)
				}
			}
			if err := sb.Verify(ctx, "v1", acct, "li  LEI.", "CNY"); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			refused(sb.Verify(ctx, "v2", acct, "Han Meimei", "CNY"), bank.RefusedHolderName)
			refused(sb.Verify(ctx, "v3", acct, "Li Lei", "EUR"), bank.RefusedCurrency)
			refused(sb.Debit(ctx, "r0", bank.Account{BankCode: "ICBC", Number: "1"}, 1, "CNY"), bank.RefusedNotFound)

			// A reference applies once; again with another amount is refused.
			for range 2 {
				if err := sb.Debit(ctx, "r1", acct, 300, "CNY"); err != nil {
					t.Fatalf("Debit: %v", err)
				}
			}
			refused(sb.Debit(ctx, "r1", acct, 301, "CNY"), bank.RefusedDeclined)
			refused(sb.Debit(ctx, "r2", acct, 701, "CNY"), bank.RefusedInsufficientFunds)
			if err := sb.Credit(ctx, "r3", acct, 50, "CNY"); err != nil {
				t.Fatalf("Credit: %v", err)
			}
			if d, err := sb.Lookup(ctx, acct); err != nil || d.Balance != 750 {
				t.Fatalf("balance %d, %v; want 750", d.Balance, err)
			}

			// The postings have the sandbox's clock: a replay returns them.
			want := clock.UTC().Truncate(time.Microsecond)
			for _, ref := range []string{"r1", "r3"} {
				e, replay, err := st.SandboxPost(ctx, d.Hash, ref, 1, time.Now())
				if err != nil || !replay || !e.CreatedAt.Equal(want) {
					t.Fatalf("entry %s = %+v (replay %v), %v; want the time %v", ref, e, replay, err, want)
				}
			}

			// Without a clock, the time is time.Now's.
			sb.Now = nil
			before := time.Now().Add(-time.Millisecond)
			if err := sb.Credit(ctx, "r4", acct, 1, "CNY"); err != nil {
				t.Fatal(err)
			}
			after := time.Now().Add(time.Millisecond)
			e, _, err := st.SandboxPost(ctx, d.Hash, "r4", 1, clock)
			if err != nil || e.CreatedAt.Before(before) || e.CreatedAt.After(after) {
				t.Fatalf("entry r4 at %v, %v; want between %v and %v", e.CreatedAt, err, before, after)
			}
		})
	}
}
