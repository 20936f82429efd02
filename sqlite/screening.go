package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

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
	existing, err := s.createWithIdem(ctx, "set screening list", rec, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM screening_entries`); err != nil {
			return fmt.Errorf("sqlite: set screening list: %w", err)
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO screening_entries (seq, id, name, country, program) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: set screening list: %w", err)
		}
		defer st.Close()
		for i, e := range entries {
			if _, err := st.ExecContext(ctx, i, e.ID, e.Name, e.Country, e.Program); err != nil {
				return fmt.Errorf("sqlite: set screening list: entry %d: %w", i, err)
			}
		}
		return tx.QueryRowContext(ctx, `UPDATE screening_state SET version = version + 1, cursor = 0, updated_at = ?
			WHERE id = 1 RETURNING version`, micros(at)).Scan(&version)
	})
	return version, existing, err
}

// ScreeningList reads the list and its version.
func (s *Store) ScreeningList(ctx context.Context) ([]screening.Entry, int64, error) {
	version, err := s.ScreeningVersion(ctx)
	if err != nil {
		return nil, 0, err
	}
	es, err := collect(ctx, s.r, func(sc scanner) (screening.Entry, error) {
		var e screening.Entry
		err := sc.Scan(&e.ID, &e.Name, &e.Country, &e.Program)
		return e, err
	}, `SELECT id, name, country, program FROM screening_entries ORDER BY seq`)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: screening list: %w", err)
	}
	return es, version, nil
}

// ScreeningVersion reads the list's version.
func (s *Store) ScreeningVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.r.QueryRowContext(ctx, `SELECT version FROM screening_state WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: screening version: %w", err)
	}
	return v, nil
}

// RescreenNext screens the next wallets under the write lock.
func (s *Store) RescreenNext(ctx context.Context, version int64, limit int, screen func([]ingot.Account) ([]risk.Alert, error)) (bool, error) {
	tx, err := s.w.BeginTx(ctx)
	if err != nil {
		return false, fmt.Errorf("sqlite: rescreen: %w", err)
	}
	defer tx.Rollback()
	var v, cursor int64
	if err := tx.QueryRowContext(ctx, `SELECT version, cursor FROM screening_state WHERE id = 1`).Scan(&v, &cursor); err != nil {
		return false, fmt.Errorf("sqlite: rescreen: %w", err)
	}
	if v != version || cursor < 0 {
		return false, nil
	}
	ws, err := queryAccounts(ctx, tx, "rescreen", `SELECT `+accountCols+` FROM accounts WHERE kind = 'wallet' AND id > ? ORDER BY id LIMIT ?`, cursor, limit)
	if err != nil {
		return false, err
	}
	alerts, err := screen(ws)
	if err != nil {
		return false, err
	}
	if err := insertAlerts(ctx, tx, alerts); err != nil {
		return false, err
	}
	next := int64(-1)
	if len(ws) == limit {
		next = ws[len(ws)-1].ID
	}
	if _, err := tx.ExecContext(ctx, `UPDATE screening_state SET cursor = ? WHERE id = 1`, next); err != nil {
		return false, fmt.Errorf("sqlite: rescreen: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: rescreen: commit: %w", err)
	}
	return next >= 0, nil
}

// AddAlerts inserts alerts raised outside a batch.
func (s *Store) AddAlerts(ctx context.Context, alerts []risk.Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: add alerts: %w", err)
	}
	defer tx.Rollback()
	if err := insertAlerts(ctx, tx, alerts); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: add alerts: commit: %w", err)
	}
	return nil
}

// insertAlerts inserts alerts, leaving out those whose dedupe key exists.
func insertAlerts(ctx context.Context, q querier, alerts []risk.Alert) error {
	for _, a := range alerts {
		if _, err := q.ExecContext(ctx, `INSERT INTO alerts (`+alertCols+`, dedupe)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe) WHERE dedupe <> '' DO NOTHING`,
			a.ID, a.OperatorID, a.RuleID, a.RuleVersion, a.Pattern, string(a.Severity), a.Wallet, a.TransferID,
			evidenceText(a.Evidence), string(a.Status), string(a.Resolution), a.Note, micros(a.CreatedAt), nullMicros(a.ResolvedAt), a.Dedupe); err != nil {
			return fmt.Errorf("sqlite: add alert %s: %w", a.ID, err)
		}
	}
	return nil
}
