package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/screening"
	"github.com/ingot-cbdc/ingot/store"
)

// The sanctions list and its screening (store/screening.go; migration
// 00014).

// SetScreeningList replaces the list and restarts the screening.
func (s *Store) SetScreeningList(ctx context.Context, entries []screening.Entry, at time.Time, rec *store.IdemRecord) (int64, *store.IdemRecord, error) {
	var version int64
	existing, err := s.createWithIdem(ctx, rec, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM screening_entries`); err != nil {
			return fmt.Errorf("postgres: set screening list: %w", err)
		}
		seqs := make([]int32, len(entries))
		ids, names, countries, programs := make([]string, len(entries)), make([]string, len(entries)), make([]string, len(entries)), make([]string, len(entries))
		for i, e := range entries {
			seqs[i], ids[i], names[i], countries[i], programs[i] = int32(i), e.ID, e.Name, e.Country, e.Program
		}
		if _, err := tx.Exec(ctx, `INSERT INTO screening_entries (seq, id, name, country, program)
			SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[])`, seqs, ids, names, countries, programs); err != nil {
			return fmt.Errorf("postgres: set screening list: %w", err)
		}
		return tx.QueryRow(ctx, `UPDATE screening_state SET version = version + 1, cursor = 0, updated_at = $1
			WHERE id = 1 RETURNING version`, at).Scan(&version)
	})
	return version, existing, err
}

// ScreeningList reads the list and its version.
func (s *Store) ScreeningList(ctx context.Context) ([]screening.Entry, int64, error) {
	version, err := s.ScreeningVersion(ctx)
	if err != nil {
		return nil, 0, err
	}
	es, err := collect(ctx, s.pool, func(row pgx.Row) (screening.Entry, error) {
		var e screening.Entry
		err := row.Scan(&e.ID, &e.Name, &e.Country, &e.Program)
		return e, err
	}, `SELECT id, name, country, program FROM screening_entries ORDER BY seq`)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: screening list: %w", err)
	}
	return es, version, nil
}

// ScreeningVersion reads the list's version.
func (s *Store) ScreeningVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.pool.QueryRow(ctx, `SELECT version FROM screening_state WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: screening version: %w", err)
	}
	return v, nil
}

// RescreenNext screens the next wallets with the cursor's row locked, so
// that two processes take different wallets and each wallet once.
func (s *Store) RescreenNext(ctx context.Context, version int64, limit int, screen func([]ingot.Account) ([]risk.Alert, error)) (bool, error) {
	more := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var v, cursor int64
		if err := tx.QueryRow(ctx, `SELECT version, cursor FROM screening_state WHERE id = 1 FOR UPDATE`).Scan(&v, &cursor); err != nil {
			return fmt.Errorf("postgres: rescreen: %w", err)
		}
		if v != version || cursor < 0 {
			return nil
		}
		ws, err := collectAccounts(tx.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE kind = 'wallet' AND id > $1 ORDER BY id LIMIT $2`, cursor, limit))
		if err != nil {
			return fmt.Errorf("postgres: rescreen: %w", err)
		}
		alerts, err := screen(ws)
		if err != nil {
			return err
		}
		if err := insertAlerts(ctx, tx, alerts); err != nil {
			return err
		}
		next := int64(-1)
		if len(ws) == limit {
			next = ws[len(ws)-1].ID
		}
		if _, err := tx.Exec(ctx, `UPDATE screening_state SET cursor = $1 WHERE id = 1`, next); err != nil {
			return fmt.Errorf("postgres: rescreen: %w", err)
		}
		more = next >= 0
		return nil
	})
	return more, err
}

// AddAlerts inserts alerts raised outside a batch.
func (s *Store) AddAlerts(ctx context.Context, alerts []risk.Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error { return insertAlerts(ctx, tx, alerts) })
}

// insertAlerts inserts alerts, leaving out those whose dedupe key exists.
func insertAlerts(ctx context.Context, tx pgx.Tx, alerts []risk.Alert) error {
	for _, a := range alerts {
		if _, err := tx.Exec(ctx, `INSERT INTO alerts (`+alertCols+`, dedupe)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json, $10, $11, $12, $13, $14, $15) ON CONFLICT (dedupe) WHERE dedupe <> '' DO NOTHING`,
			a.ID, a.OperatorID, a.RuleID, int32(a.RuleVersion), a.Pattern, string(a.Severity), a.Wallet, a.TransferID,
			evidenceText(a.Evidence), string(a.Status), string(a.Resolution), a.Note, a.CreatedAt, nullTimeOf(a.ResolvedAt), a.Dedupe); err != nil {
			return fmt.Errorf("postgres: add alert %s: %w", a.ID, err)
		}
	}
	return nil
}
