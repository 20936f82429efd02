package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Cross-border rules and corridor counters (store/crossborder.go;
// migration 00028).

func encodeCrossBorder(r ingot.CrossBorderRules) (tiers, corridors string, err error) {
	ts := make([]int, len(r.BlockedTiers))
	for i, t := range r.BlockedTiers {
		ts[i] = int(t)
	}
	tb, err := json.Marshal(ts)
	if err != nil {
		return "", "", err
	}
	cb, err := store.EncodeCorridors(r.Corridors)
	return string(tb), string(cb), err
}

func scanCrossBorder(sc scanner) (ingot.CrossBorderRules, error) {
	var r ingot.CrossBorderRules
	var tiers, corridors string
	var updated int64
	if err := sc.Scan(&r.Currency, &tiers, &r.PurposeRequired, &corridors, &updated); err != nil {
		return r, err
	}
	r.UpdatedAt = fromMicros(updated)
	var ts []int
	if err := json.Unmarshal([]byte(tiers), &ts); err != nil {
		return r, fmt.Errorf("blocked_tiers of %s: %w", r.Currency, err)
	}
	r.BlockedTiers = make([]ingot.Tier, len(ts))
	for i, t := range ts {
		r.BlockedTiers[i] = ingot.Tier(t)
	}
	cs, err := store.DecodeCorridors([]byte(corridors))
	if err != nil {
		return r, fmt.Errorf("corridors of %s: %w", r.Currency, err)
	}
	r.Corridors = cs
	return r, nil
}

const crossBorderCols = `currency, blocked_tiers, purpose_required, corridors, updated_at`

// SetCrossBorderRules stores a currency's rules.
func (s *Store) SetCrossBorderRules(ctx context.Context, r ingot.CrossBorderRules) error {
	tiers, corridors, err := encodeCrossBorder(r)
	if err != nil {
		return fmt.Errorf("sqlite: set cross-border rules: %w", err)
	}
	_, err = s.exec(ctx, "set cross-border rules", `INSERT INTO cross_border_rules (`+crossBorderCols+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (currency) DO UPDATE SET blocked_tiers = excluded.blocked_tiers, purpose_required = excluded.purpose_required,
		corridors = excluded.corridors, updated_at = excluded.updated_at`,
		r.Currency, tiers, r.PurposeRequired, corridors, micros(r.UpdatedAt))
	return err
}

// CrossBorderRules reads a currency's rules.
func (s *Store) CrossBorderRules(ctx context.Context, currency string) (ingot.CrossBorderRules, error) {
	r, err := scanCrossBorder(s.r.QueryRowContext(ctx, `SELECT `+crossBorderCols+` FROM cross_border_rules WHERE currency = ?`, currency))
	if err != nil {
		return ingot.CrossBorderRules{}, notFound(err, "cross-border rules")
	}
	return r, nil
}

// CrossBorderRulesOf reads the rules of currencies in the batch.
func (b *batchTx) CrossBorderRulesOf(ctx context.Context, currencies []string) ([]ingot.CrossBorderRules, error) {
	if len(currencies) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(currencies)
	if err != nil {
		return nil, fmt.Errorf("sqlite: cross-border rules: %w", err)
	}
	out, err := collect(ctx, b.tx, scanCrossBorder, `SELECT `+crossBorderCols+` FROM cross_border_rules
		WHERE currency IN (SELECT value FROM json_each(?)) ORDER BY currency`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: cross-border rules: %w", err)
	}
	return out, nil
}

// LockCorridors creates the corridor counters among keys that do not exist
// yet and returns them all, in key order. The transaction holds the write
// lock already.
func (b *batchTx) LockCorridors(ctx context.Context, keys []store.CorridorKey) ([]ingot.CorridorCounter, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	pairs := make([][2]any, len(keys))
	for i, k := range keys {
		pairs[i] = [2]any{k.WalletID, k.To}
	}
	arg, err := jsonArray(pairs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock corridors: %w", err)
	}
	// WHERE true: SQLite's parser needs it between a SELECT and ON CONFLICT.
	if _, err := b.tx.ExecContext(ctx, `INSERT INTO corridor_counters (wallet_id, to_country, day, total)
		SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 0, 0 FROM json_each(?) WHERE true
		ON CONFLICT DO NOTHING`, arg); err != nil {
		return nil, fmt.Errorf("sqlite: lock corridors: create: %w", err)
	}
	out, err := collect(ctx, b.tx, scanCorridor, `SELECT wallet_id, to_country, day, total FROM corridor_counters
		WHERE (wallet_id, to_country) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))
		ORDER BY wallet_id, to_country`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock corridors: %w", err)
	}
	return out, nil
}

func scanCorridor(sc scanner) (ingot.CorridorCounter, error) {
	var c ingot.CorridorCounter
	err := sc.Scan(&c.WalletID, &c.To, &c.Day, &c.Total)
	return c, err
}

// writeCorridors writes the counters a batch changed (an upsert, like the
// exemption counters).
func (b *batchTx) writeCorridors(ctx context.Context, cs []ingot.CorridorCounter) error {
	for _, c := range cs {
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO corridor_counters (wallet_id, to_country, day, total) VALUES (?, ?, ?, ?)
			ON CONFLICT (wallet_id, to_country) DO UPDATE SET day = excluded.day, total = excluded.total`,
			c.WalletID, c.To, c.Day, c.Total); err != nil {
			return fmt.Errorf("sqlite: write corridor %d %s: %w", c.WalletID, c.To, err)
		}
	}
	return nil
}

var _ store.CrossBorderStore = (*Store)(nil)
