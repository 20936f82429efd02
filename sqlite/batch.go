package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// The engine's batches: one BEGIN IMMEDIATE transaction each.

type batchTx struct {
	tx *wtx
}

// BeginBatch opens a BEGIN IMMEDIATE transaction on the writer: it holds the
// database's write lock until Commit or Rollback.
func (s *Store) BeginBatch(ctx context.Context) (store.BatchTx, error) {
	tx, err := s.w.BeginTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin batch: %w", err)
	}
	return &batchTx{tx: tx}, nil
}

// Pipeline is the number of engine batches in flight that suits SQLite:
// two, so that one is built while the other's fsync runs (durable.go).
func (s *Store) Pipeline() int { return 2 }

// Commit commits the batch and releases the write lock; it does not wait
// for the disk (durable.go).
func (b *batchTx) Commit(ctx context.Context) error {
	if err := b.tx.commit(); err != nil {
		return fmt.Errorf("sqlite: commit batch: %w", err)
	}
	return nil
}

// Durable returns once the committed batch, and every commit before it, is
// on disk: one fsync of the WAL serves every batch committed while the
// previous one ran.
func (b *batchTx) Durable(ctx context.Context) error {
	return b.tx.durable()
}

// Rollback ends the batch without effect; a no-op after Commit.
func (b *batchTx) Rollback(ctx context.Context) error {
	if err := b.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("sqlite: rollback batch: %w", err)
	}
	return nil
}

// Idempotency returns the committed records among keys.
func (b *batchTx) Idempotency(ctx context.Context, keys []ingot.IdemKey) ([]store.IdemRecord, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.Scope, k.Key}
	}
	arg, err := jsonArray(pairs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: batch idempotency: %w", err)
	}
	rows, err := b.tx.QueryContext(ctx, `SELECT `+idemCols+` FROM idempotency WHERE (scope, key) IN
		(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: batch idempotency: %w", err)
	}
	defer rows.Close()
	var out []store.IdemRecord
	for rows.Next() {
		r, err := scanIdem(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: batch idempotency: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: batch idempotency: %w", err)
	}
	return out, nil
}

// LockAccounts returns the accounts among ids, by id. The transaction holds
// the write lock already, so they need no further locking.
func (b *batchTx) LockAccounts(ctx context.Context, ids []int64) ([]ingot.Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock accounts: %w", err)
	}
	return queryAccounts(ctx, b.tx, "lock accounts",
		`SELECT `+accountCols+` FROM accounts WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg)
}

// SubWallets lists the wallets whose parent is among parents, by id.
func (b *batchTx) SubWallets(ctx context.Context, parents []int64) ([]ingot.Account, error) {
	if len(parents) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(parents)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sub-wallets: %w", err)
	}
	return queryAccounts(ctx, b.tx, "sub-wallets",
		`SELECT `+accountCols+` FROM accounts WHERE parent_id IN (SELECT value FROM json_each(?)) AND parent_id <> 0 ORDER BY id`, arg)
}

// LockHolds returns the holds among ids, by id.
func (b *batchTx) LockHolds(ctx context.Context, ids []string) ([]ingot.Hold, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock holds: %w", err)
	}
	rows, err := b.tx.QueryContext(ctx,
		`SELECT `+holdCols+` FROM holds WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock holds: %w", err)
	}
	defer rows.Close()
	var out []ingot.Hold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: lock holds: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: lock holds: %w", err)
	}
	return out, nil
}

// LockExemptions creates the exemption counters among keys that do not
// exist yet (at zero) and returns them all, by holder and currency. The
// transaction holds the write lock already.
func (b *batchTx) LockExemptions(ctx context.Context, keys []store.ExemptionKey) ([]ingot.ExemptionCounter, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.HolderID, k.Currency}
	}
	arg, err := jsonArray(pairs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock exemptions: %w", err)
	}
	// WHERE true: SQLite's parser needs it between a SELECT and ON CONFLICT.
	if _, err := b.tx.ExecContext(ctx, `INSERT INTO exemption_counters (holder_id, currency, total, payments)
		SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 0, 0 FROM json_each(?) WHERE true
		ON CONFLICT DO NOTHING`, arg); err != nil {
		return nil, fmt.Errorf("sqlite: lock exemptions: create: %w", err)
	}
	out, err := collect(ctx, b.tx, scanExemption, `SELECT holder_id, currency, total, payments FROM exemption_counters
		WHERE (holder_id, currency) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))
		ORDER BY holder_id, currency`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock exemptions: %w", err)
	}
	return out, nil
}

func scanExemption(sc scanner) (ingot.ExemptionCounter, error) {
	var c ingot.ExemptionCounter
	err := sc.Scan(&c.HolderID, &c.Currency, &c.Sum, &c.Count)
	return c, err
}

// LockAuthorizations returns the approvals among ids, by id.
func (b *batchTx) LockAuthorizations(ctx context.Context, ids []string) ([]ingot.Authorization, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	arg, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock authorizations: %w", err)
	}
	out, err := collect(ctx, b.tx, scanAuthorization, `SELECT `+authorizationCols+` FROM authorizations
		WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock authorizations: %w", err)
	}
	return out, nil
}

// Write stores the batch's effects with statements prepared once per batch.
// It fills in the Seq of w.Transfers.
func (b *batchTx) Write(ctx context.Context, w *store.BatchWrite) error {
	if len(w.Idempotency) > 0 {
		st, err := b.tx.PrepareContext(ctx, insertIdemSQL)
		if err != nil {
			return fmt.Errorf("sqlite: write idempotency: %w", err)
		}
		defer st.Close()
		for i := range w.Idempotency {
			res, err := st.ExecContext(ctx, idemArgs(&w.Idempotency[i])...)
			if err != nil {
				return fmt.Errorf("sqlite: write idempotency: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("sqlite: write idempotency: %w", err)
			} else if n == 0 {
				return store.ErrIdempotencyRace
			}
		}
	}
	for i := range w.NewAccounts {
		if _, err := b.tx.ExecContext(ctx, insertAccountSQL, accountArgs(&w.NewAccounts[i])...); err != nil {
			return fmt.Errorf("sqlite: write new account %d: %w", w.NewAccounts[i].ID, err)
		}
	}
	for _, r := range w.LimitRules {
		if _, err := b.tx.ExecContext(ctx, upsertLimitRuleSQL, limitRuleArgs(r)...); err != nil {
			return fmt.Errorf("sqlite: write limit rule: %w", err)
		}
	}
	if len(w.Accounts) > 0 {
		st, err := b.tx.PrepareContext(ctx, `UPDATE accounts SET balance = ?, held = ?, status = ?, tier = ?,
			phone_verified = ?, id_verified = ?, bank_linked = ?, in_person = ?, holding_limit = ?, reverse_waterfall = ?,
			sweep_account = ?, out_day = ?, out_day_total = ?, out_year = ?, out_year_total = ?, holder_id_number = ?,
			risk = ? WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("sqlite: write accounts: %w", err)
		}
		defer st.Close()
		for _, a := range w.Accounts {
			res, err := st.ExecContext(ctx, a.Balance, a.Held, string(a.Status), int(a.Tier),
				a.Evidence.PhoneVerified, a.Evidence.IDVerified, a.Evidence.BankLinked, a.Evidence.InPerson,
				a.HoldingLimit, a.ReverseWaterfall, a.SweepAccount,
				a.Outflow.Day, a.Outflow.DayTotal, a.Outflow.Year, a.Outflow.YearTotal, a.Holder.IDNumber, nonNil(a.Risk), a.ID)
			if err != nil {
				return fmt.Errorf("sqlite: write account %d: %w", a.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("sqlite: write account %d: %w", a.ID, err)
			} else if n == 0 {
				return fmt.Errorf("sqlite: write account %d: %w", a.ID, store.ErrNotFound)
			}
		}
	}
	if len(w.Transfers) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO transfers (id, kind, debit, credit, amount, currency, memo,
			hold_id, debit_balance, credit_balance, created_at, log_index, fee, reference, payment_request_id, purpose)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: write transfers: %w", err)
		}
		defer st.Close()
		for i := range w.Transfers {
			t := &w.Transfers[i]
			res, err := st.ExecContext(ctx, t.ID, string(t.Kind), t.Debit, t.Credit, t.Amount, t.Currency, t.Memo,
				t.HoldID, t.DebitBalance, t.CreditBalance, micros(t.CreatedAt), t.LogIndex, t.Fee, t.Reference, t.PaymentRequestID, t.Purpose)
			if err != nil {
				return fmt.Errorf("sqlite: write transfer %s: %w", t.ID, err)
			}
			seq, err := res.LastInsertId()
			if err != nil {
				return fmt.Errorf("sqlite: write transfer %s: %w", t.ID, err)
			}
			t.Seq = seq
		}
	}
	if len(w.NewHolds) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO holds (`+holdCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: write holds: %w", err)
		}
		defer st.Close()
		for _, h := range w.NewHolds {
			if _, err := st.ExecContext(ctx, h.ID, h.Wallet, h.OperatorID, h.Amount, h.Currency, string(h.Status),
				h.Captured, h.TransferID, micros(h.ExpiresAt), micros(h.CreatedAt), micros(h.UpdatedAt)); err != nil {
				return fmt.Errorf("sqlite: write hold %s: %w", h.ID, err)
			}
		}
	}
	if len(w.UpdatedHolds) > 0 {
		st, err := b.tx.PrepareContext(ctx,
			`UPDATE holds SET status = ?, captured = ?, transfer_id = ?, updated_at = ? WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("sqlite: update holds: %w", err)
		}
		defer st.Close()
		for _, h := range w.UpdatedHolds {
			res, err := st.ExecContext(ctx, string(h.Status), h.Captured, h.TransferID, micros(h.UpdatedAt), h.ID)
			if err != nil {
				return fmt.Errorf("sqlite: update hold %s: %w", h.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("sqlite: update hold %s: %w", h.ID, err)
			} else if n == 0 {
				return fmt.Errorf("sqlite: update hold %s: %w", h.ID, store.ErrNotFound)
			}
		}
	}
	if len(w.Exemptions) > 0 {
		// An upsert, so that a counter the batch did not lock is written
		// too.
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO exemption_counters (holder_id, currency, total, payments)
			VALUES (?, ?, ?, ?) ON CONFLICT (holder_id, currency) DO UPDATE SET total = excluded.total, payments = excluded.payments`)
		if err != nil {
			return fmt.Errorf("sqlite: write exemptions: %w", err)
		}
		defer st.Close()
		for _, c := range w.Exemptions {
			if _, err := st.ExecContext(ctx, c.HolderID, c.Currency, c.Sum, c.Count); err != nil {
				return fmt.Errorf("sqlite: write exemption %s %s: %w", c.HolderID, c.Currency, err)
			}
		}
	}
	if len(w.Authorizations) > 0 {
		st, err := b.tx.PrepareContext(ctx, `UPDATE authorizations SET status = ?, used_by = ?, updated_at = ? WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("sqlite: write authorizations: %w", err)
		}
		defer st.Close()
		for _, a := range w.Authorizations {
			res, err := st.ExecContext(ctx, string(a.Status), a.UsedBy, micros(a.UpdatedAt), a.ID)
			if err != nil {
				return fmt.Errorf("sqlite: write authorization %s: %w", a.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("sqlite: write authorization %s: %w", a.ID, err)
			} else if n == 0 {
				return fmt.Errorf("sqlite: write authorization %s: %w", a.ID, store.ErrNotFound)
			}
		}
	}
	if err := b.writeMerchant(ctx, &w.Merchant); err != nil { // merchant.go
		return err
	}
	if err := b.writeRisk(ctx, &w.Risk); err != nil { // risk.go
		return err
	}
	if err := b.writeEvents(ctx, w.Events); err != nil { // webhooks.go
		return err
	}
	if err := b.writeReviews(ctx, &w.Risk); err != nil { // risk_cases.go
		return err
	}
	if err := b.writeConditional(ctx, &w.Conditional); err != nil { // conditional.go
		return err
	}
	if err := b.writeFXQuotes(ctx, w.FXQuotes); err != nil { // fx.go
		return err
	}
	if err := b.writeCorridors(ctx, w.Corridors); err != nil { // crossborder.go
		return err
	}
	if err := b.writeVouchers(ctx, &w.Vouchers); err != nil { // vouchers.go
		return err
	}
	if err := b.writeSpending(ctx, w.Spending); err != nil { // spending.go
		return err
	}
	if err := b.writeStanding(ctx, &w.Standing); err != nil { // standing.go
		return err
	}
	if err := b.writeOffline(ctx, &w.Offline); err != nil { // offline.go
		return err
	}
	if err := b.writeConsents(ctx, w.Consents); err != nil { // openfinance.go
		return err
	}
	if len(w.LogHashes) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO log_hashes (idx, hash) VALUES (?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: write log hashes: %w", err)
		}
		defer st.Close()
		for _, h := range w.LogHashes {
			if _, err := st.ExecContext(ctx, h.Index, h.Hash[:]); err != nil {
				return fmt.Errorf("sqlite: write log hash %d: %w", h.Index, err)
			}
		}
	}
	if c := w.Checkpoint; c != nil {
		if _, err := b.tx.ExecContext(ctx, `INSERT INTO checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)`,
			c.Size, c.Root[:], c.Note, micros(c.CreatedAt)); err != nil {
			return fmt.Errorf("sqlite: write checkpoint %d: %w", c.Size, err)
		}
		if _, err := b.tx.ExecContext(ctx, `UPDATE log_head SET size = ? WHERE id = 1`, c.Size); err != nil {
			return fmt.Errorf("sqlite: write log head: %w", err)
		}
	}
	return nil
}
