package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Cross-border rules and corridor counters (store/crossborder.go;
// migration 00028).

const crossBorderCols = `currency, blocked_tiers, purpose_required, corridors, updated_at`

func scanCrossBorder(row pgx.Row) (ingot.CrossBorderRules, error) {
	var r ingot.CrossBorderRules
	var tiers []int32
	var corridors []byte
	if err := row.Scan(&r.Currency, &tiers, &r.PurposeRequired, &corridors, &r.UpdatedAt); err != nil {
		return r, err
	}
	r.UpdatedAt = r.UpdatedAt.UTC()
	r.BlockedTiers = make([]ingot.Tier, len(tiers))
	for i, t := range tiers {
		r.BlockedTiers[i] = ingot.Tier(t)
	}
	cs, err := store.DecodeCorridors(corridors)
	if err != nil {
		return r, fmt.Errorf("corridors of %s: %w", r.Currency, err)
	}
	r.Corridors = cs
	return r, nil
}

// SetCrossBorderRules stores a currency's rules.
func (s *Store) SetCrossBorderRules(ctx context.Context, r ingot.CrossBorderRules) error {
	tiers := make([]int32, len(r.BlockedTiers))
	for i, t := range r.BlockedTiers {
		tiers[i] = int32(t)
	}
	corridors, err := store.EncodeCorridors(r.Corridors)
	if err != nil {
		return fmt.Errorf("postgres: set cross-border rules: %w", err)
	}
	_, err = s.exec(ctx, "set cross-border rules", `INSERT INTO cross_border_rules (`+crossBorderCols+`) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (currency) DO UPDATE SET blocked_tiers = excluded.blocked_tiers, purpose_required = excluded.purpose_required,
		corridors = excluded.corridors, updated_at = excluded.updated_at`,
		r.Currency, tiers, r.PurposeRequired, string(corridors), r.UpdatedAt)
	return err
}

// CrossBorderRules reads a currency's rules.
func (s *Store) CrossBorderRules(ctx context.Context, currency string) (ingot.CrossBorderRules, error) {
	return one(ctx, s.pool, "cross-border rules", scanCrossBorder, `SELECT `+crossBorderCols+` FROM cross_border_rules WHERE currency = $1`, currency)
}

// CrossBorderRulesOf reads the rules of currencies in the batch.
func (b *batchTx) CrossBorderRulesOf(ctx context.Context, currencies []string) ([]ingot.CrossBorderRules, error) {
	if len(currencies) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, b.tx, scanCrossBorder, `SELECT `+crossBorderCols+` FROM cross_border_rules
		WHERE currency = ANY($1) ORDER BY currency`, currencies)
	if err != nil {
		return nil, fmt.Errorf("postgres: cross-border rules: %w", err)
	}
	return out, nil
}

// LockCorridors creates the corridor counters among keys that do not
// exist yet (at zero), then locks and returns them all, in key order: one
// round trip, both statements in key order (as LockExemptions).
func (b *batchTx) LockCorridors(ctx context.Context, keys []store.CorridorKey) ([]ingot.CorridorCounter, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	wallets, tos := make([]int64, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		wallets[i], tos[i] = k.WalletID, k.To
	}
	var batch pgx.Batch
	batch.Queue(`INSERT INTO corridor_counters (wallet_id, to_country)
		SELECT DISTINCT w, t FROM unnest($1::bigint[], $2::text[]) AS k(w, t) ORDER BY w, t
		ON CONFLICT DO NOTHING`, wallets, tos)
	batch.Queue(`SELECT wallet_id, to_country, day, total FROM corridor_counters
		WHERE (wallet_id, to_country) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))
		ORDER BY wallet_id, to_country FOR UPDATE`, wallets, tos)
	br := b.tx.SendBatch(ctx, &batch)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("postgres: lock corridors: create: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("postgres: lock corridors: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.CorridorCounter, error) {
		var c ingot.CorridorCounter
		err := row.Scan(&c.WalletID, &c.To, &c.Day, &c.Total)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: lock corridors: %w", err)
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("postgres: lock corridors: %w", err)
	}
	return out, nil
}

// queueCorridors writes the counters a batch changed (an upsert, like the
// exemption counters).
func queueCorridors(batch *pgx.Batch, cs []ingot.CorridorCounter) []check {
	n := len(cs)
	if n == 0 {
		return nil
	}
	wallets, tos, days, totals := make([]int64, n), make([]string, n), make([]int32, n), make([]int64, n)
	for i, c := range cs {
		wallets[i], tos[i], days[i], totals[i] = c.WalletID, c.To, c.Day, c.Total
	}
	batch.Queue(`INSERT INTO corridor_counters (wallet_id, to_country, day, total)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::bigint[])
		ON CONFLICT (wallet_id, to_country) DO UPDATE SET day = excluded.day, total = excluded.total`,
		wallets, tos, days, totals)
	return []check{{what: "corridors", want: n}}
}

var _ store.CrossBorderStore = (*Store)(nil)
