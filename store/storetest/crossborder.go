package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// The cross-border part of the suite (store/crossborder.go): a currency's
// rules read back as set and are replaced by the next; a currency without
// any is ErrNotFound; a batch reads the rules of its currencies, creates and
// locks corridor counters in key order, and writes them; a rolled back
// batch leaves them as they were.

var crossBorderTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"CrossBorderRulesAndCorridors", testCrossBorder},
}

func testCrossBorder(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.CrossBorderRules(ctx, "KRW"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rules never set: %v, want ErrNotFound", err)
	}
	t0 := now().UTC().Truncate(time.Microsecond)
	r := ingot.CrossBorderRules{Currency: "KRW", BlockedTiers: []ingot.Tier{3, 4}, PurposeRequired: true,
		Corridors: []ingot.Corridor{{From: "KR", To: "JP", DailyLimit: 1_000_000}, {From: "KR", To: "CN", DailyLimit: 5}}, UpdatedAt: t0}
	checkNil(t, "SetCrossBorderRules", s.SetCrossBorderRules(ctx, r))
	got, err := s.CrossBorderRules(ctx, "KRW")
	checkNil(t, "CrossBorderRules", err)
	same(t, "rules", got, r)
	r.BlockedTiers, r.PurposeRequired, r.Corridors, r.UpdatedAt = []ingot.Tier{}, false, []ingot.Corridor{}, t0.Add(time.Second)
	checkNil(t, "SetCrossBorderRules again", s.SetCrossBorderRules(ctx, r))
	got, err = s.CrossBorderRules(ctx, "KRW")
	checkNil(t, "CrossBorderRules", err)
	same(t, "replaced rules", got, r)
	other := ingot.CrossBorderRules{Currency: "THB", BlockedTiers: []ingot.Tier{4}, Corridors: []ingot.Corridor{}, UpdatedAt: t0}
	checkNil(t, "SetCrossBorderRules", s.SetCrossBorderRules(ctx, other))

	w1, w2 := ingot.NewWalletID(), ingot.NewWalletID()
	keys := []store.CorridorKey{{WalletID: w2, To: "HK"}, {WalletID: w1, To: "SG"}, {WalletID: w1, To: "HK"}}
	want := slices.Clone(keys)
	slices.SortFunc(want, store.CompareCorridorKeys)
	lock := func(tx store.BatchTx) []ingot.CorridorCounter {
		t.Helper()
		cs, err := tx.LockCorridors(ctx, keys)
		checkNil(t, "LockCorridors", err)
		var got []store.CorridorKey
		for _, c := range cs {
			got = append(got, store.CorridorKey{WalletID: c.WalletID, To: c.To})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("LockCorridors returned %v, want %v (one each, in key order)", got, want)
		}
		return cs
	}

	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	rs, err := tx.CrossBorderRulesOf(ctx, []string{"THB", "KRW", "EUR"})
	checkNil(t, "CrossBorderRulesOf", err)
	if len(rs) != 2 || rs[0].Currency != "KRW" || rs[1].Currency != "THB" {
		t.Fatalf("CrossBorderRulesOf = %+v, want KRW's and THB's (by currency)", rs)
	}
	same(t, "rules in a batch", rs[1], other)
	for _, c := range lock(tx) {
		if c.Day != 0 || c.Total != 0 {
			t.Errorf("new corridor counter %+v, want zero", c)
		}
	}
	if cs, err := tx.LockCorridors(ctx, nil); err != nil || len(cs) != 0 {
		t.Errorf("LockCorridors(none) = %v, %v", cs, err)
	}
	c1 := ingot.CorridorCounter{WalletID: w1, To: "HK", Day: 20_000, Total: 123}
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Corridors: []ingot.CorridorCounter{c1}}))
	checkNil(t, "Commit", tx.Commit(ctx))

	// A rolled back batch changes nothing.
	tx, err = s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	lock(tx)
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Corridors: []ingot.CorridorCounter{{WalletID: w1, To: "HK", Day: 20_001, Total: 9}}}))
	checkNil(t, "Rollback", tx.Rollback(ctx))

	tx, err = s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	for _, c := range lock(tx) {
		wantC := ingot.CorridorCounter{WalletID: c.WalletID, To: c.To}
		if c.WalletID == w1 && c.To == "HK" {
			wantC = c1
		}
		if c != wantC {
			t.Errorf("corridor counter %+v, want %+v", c, wantC)
		}
	}
}
