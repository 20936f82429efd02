package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/fx"
	"github.com/ingot-cbdc/ingot/store"
)

// The FX part of the suite (store/fx.go): a rate is replaced by its
// dealer's next for the same pair and listed either way round; a quote
// reads back as written, with its idempotency record; a batch locks quotes
// and writes their use, once (a second use of one quote fails the batch);
// an exchange is found by its id; a rolled back batch leaves the quote open.

var fxTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"FXRatesAndQuotes", testFX},
}

func testFX(t *testing.T, s store.Store) {
	ctx := context.Background()
	d1, d2 := mustCreateOperator(t, s, "FXA").ID, mustCreateOperator(t, s, "FXB").ID
	t0 := now().UTC().Truncate(time.Microsecond)
	r1 := fx.Rate{Dealer: d1, Base: "CNY", Quote: "HKD", Bid: "1.08", Ask: "1.09", MaxAmount: 100_00, ValidUntil: t0.Add(time.Hour), UpdatedAt: t0}
	r2 := fx.Rate{Dealer: d2, Base: "HKD", Quote: "CNY", Bid: "0.91", Ask: "0.93", MaxAmount: 200_00, ValidUntil: t0.Add(time.Hour), UpdatedAt: t0}
	r3 := fx.Rate{Dealer: d2, Base: "CNY", Quote: "JPY", Bid: "21", Ask: "22", MaxAmount: 300_00, ValidUntil: t0.Add(time.Hour), UpdatedAt: t0}
	for _, r := range []fx.Rate{r1, r2, r3} {
		checkNil(t, "SetFXRate", s.SetFXRate(ctx, r))
	}
	r1.Bid, r1.MaxAmount, r1.UpdatedAt = "1.085", 150_00, t0.Add(time.Second)
	checkNil(t, "SetFXRate again", s.SetFXRate(ctx, r1))
	got, err := s.FXRates(ctx, "HKD", "CNY")
	checkNil(t, "FXRates", err)
	want := []fx.Rate{r1, r2}
	if d2 < d1 {
		want = []fx.Rate{r2, r1}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FXRates(HKD, CNY) = %+v\nwant %+v", got, want)
	}
	all, err := s.FXRates(ctx, "", "")
	checkNil(t, "FXRates all", err)
	if len(all) != 3 {
		t.Errorf("FXRates all = %d rates, want 3", len(all))
	}

	q := fx.Quote{ID: newID(), Dealer: d1, SellCurrency: "CNY", BuyCurrency: "HKD", SellAmount: 100_00, BuyAmount: 108_50, Base: "CNY",
		QuoteCurrency: "HKD", Price: "1.085", RequestedBy: "key-1", CreatedAt: t0, ExpiresAt: t0.Add(30 * time.Second), Status: fx.QuoteOpen}
	rec, err := s.CreateFXQuote(ctx, q, newIdem("key-1", "quote-1"))
	if err != nil || rec != nil {
		t.Fatalf("CreateFXQuote = %+v %v", rec, err)
	}
	if rec, err := s.CreateFXQuote(ctx, fx.Quote{ID: newID(), Dealer: d1, Status: fx.QuoteOpen, CreatedAt: t0, ExpiresAt: t0}, newIdem("key-1", "quote-1")); err != nil || rec == nil {
		t.Fatalf("CreateFXQuote replayed = %+v %v", rec, err)
	}
	read, err := s.FXQuote(ctx, q.ID)
	checkNil(t, "FXQuote", err)
	if !reflect.DeepEqual(read, q) {
		t.Errorf("FXQuote = %+v\nwant %+v", read, q)
	}
	_, err = s.FXQuote(ctx, newID())
	checkNotFound(t, "FXQuote unknown", err)

	use := func(q fx.Quote, commit bool) error {
		tx, err := s.BeginBatch(ctx)
		checkNil(t, "BeginBatch", err)
		locked, err := tx.LockFXQuotes(ctx, []string{newID(), q.ID})
		checkNil(t, "LockFXQuotes", err)
		if len(locked) != 1 || locked[0].ID != q.ID {
			t.Errorf("LockFXQuotes = %+v", locked)
		}
		q.Status, q.ExchangeID, q.Payer, q.Payee, q.SellTransfer, q.BuyTransfer, q.UsedAt = fx.QuoteUsed, newID(), 11, 12, newID(), newID(), t0.Add(time.Second)
		if err := tx.Write(ctx, &store.BatchWrite{FXQuotes: []fx.Quote{q}}); err != nil {
			_ = tx.Rollback(ctx)
			return err
		}
		if !commit {
			return tx.Rollback(ctx)
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		got, err := s.FXExchange(ctx, q.ExchangeID)
		checkNil(t, "FXExchange", err)
		if !reflect.DeepEqual(got, q) {
			t.Errorf("FXExchange = %+v\nwant %+v", got, q)
		}
		return nil
	}
	checkNil(t, "rolled back use", use(q, false))
	if read, _ := s.FXQuote(ctx, q.ID); read.Status != fx.QuoteOpen || read.ExchangeID != "" {
		t.Errorf("after a rollback the quote is %+v", read)
	}
	checkNil(t, "use", use(q, true))
	if err := use(q, true); err == nil {
		t.Error("a second use of one quote was written")
	}
	_, err = s.FXExchange(ctx, newID())
	checkNotFound(t, "FXExchange unknown", err)
}
