package store

import (
	"context"
	"encoding/json"

	"github.com/ingot-cbdc/ingot"
)

// CrossBorderStore keeps the issuers' cross-border rules, one set per
// currency (ingot.CrossBorderRules); the engine's batches keep the
// corridor counters (BatchWrite.Corridors).
type CrossBorderStore interface {
	// SetCrossBorderRules stores a currency's rules, replacing its earlier
	// ones.
	SetCrossBorderRules(ctx context.Context, r ingot.CrossBorderRules) error
	// CrossBorderRules reads a currency's rules, or ErrNotFound when its
	// issuer never set any (the defaults hold).
	CrossBorderRules(ctx context.Context, currency string) (ingot.CrossBorderRules, error)
}

// CrossBorderBatchTx is the cross-border part of a batch.
type CrossBorderBatchTx interface {
	// CrossBorderRulesOf reads the rules of those currencies among
	// currencies that have any, without locking them.
	CrossBorderRulesOf(ctx context.Context, currencies []string) ([]ingot.CrossBorderRules, error)
	// LockCorridors returns the corridor counters of keys, in key order,
	// locked; a key without a row yet gets one at zero first (so that it
	// can be locked), as LockExemptions.
	LockCorridors(ctx context.Context, keys []CorridorKey) ([]ingot.CorridorCounter, error)
}

// CorridorKey names a holder's counter toward a jurisdiction.
type CorridorKey struct {
	WalletID int64
	To       string
}

// CompareCorridorKeys orders keys as stores lock them.
func CompareCorridorKeys(x, y CorridorKey) int {
	switch {
	case x.WalletID < y.WalletID:
		return -1
	case x.WalletID > y.WalletID:
		return 1
	case x.To < y.To:
		return -1
	case x.To > y.To:
		return 1
	}
	return 0
}

// corridorJSON is a corridor as stores keep it, in a JSON array.
type corridorJSON struct {
	From       string `json:"from"`
	To         string `json:"to"`
	DailyLimit int64  `json:"daily_limit"`
}

// EncodeCorridors is the JSON array a store keeps a currency's corridors
// in.
func EncodeCorridors(cs []ingot.Corridor) ([]byte, error) {
	out := make([]corridorJSON, len(cs))
	for i, c := range cs {
		out[i] = corridorJSON(c)
	}
	return json.Marshal(out)
}

// DecodeCorridors reads EncodeCorridors' array.
func DecodeCorridors(b []byte) ([]ingot.Corridor, error) {
	var in []corridorJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	out := make([]ingot.Corridor, len(in))
	for i, c := range in {
		out[i] = ingot.Corridor(c)
	}
	return out, nil
}
