package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// batchTx is the transaction of one engine batch (READ COMMITTED; the rows
// it changes are locked by LockAccounts and LockHolds first).
type batchTx struct {
	tx pgx.Tx
}

// BeginBatch opens the transaction of one engine batch.
func (s *Store) BeginBatch(ctx context.Context) (store.BatchTx, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: begin batch: %w", err)
	}
	return &batchTx{tx: tx}, nil
}

// Commit commits the batch.
func (b *batchTx) Commit(ctx context.Context) error {
	if err := b.tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit batch: %w", err)
	}
	return nil
}

// Pipeline is the number of engine batches in flight that suits
// PostgreSQL today: one. A second batch waits for the first's row locks
// and log head anyway, and with large batches two in flight halved the
// throughput of batch requests (docs/performance.md, issue 12).
func (s *Store) Pipeline() int { return 1 }

// Durable returns at once: with synchronous_commit=on, PostgreSQL has
// flushed the commit record when Commit returns.
func (b *batchTx) Durable(context.Context) error { return nil }

// Rollback ends the batch without effect; a no-op after Commit.
func (b *batchTx) Rollback(ctx context.Context) error {
	err := b.tx.Rollback(ctx)
	if err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("postgres: rollback batch: %w", err)
	}
	return nil
}

// Idempotency returns the committed records among keys.
func (b *batchTx) Idempotency(ctx context.Context, keys []ingot.IdemKey) ([]store.IdemRecord, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	scopes, ks := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		scopes[i], ks[i] = k.Scope, k.Key
	}
	rows, _ := b.tx.Query(ctx, `SELECT `+idemCols+` FROM idempotency
		WHERE (scope, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, scopes, ks)
	recs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.IdemRecord, error) { return scanIdem(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: batch idempotency: %w", err)
	}
	return recs, nil
}

// LockAccounts locks and returns the accounts among ids, in id order.
func (b *batchTx) LockAccounts(ctx context.Context, ids []int64) ([]ingot.Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	as, err := collectAccounts(b.tx.Query(ctx, `SELECT `+accountCols+` FROM accounts
		WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids))
	if err != nil {
		return nil, fmt.Errorf("postgres: lock accounts: %w", err)
	}
	return as, nil
}

// SubWallets lists the wallets whose parent is among parents, by id (not
// locked: their parents are).
func (b *batchTx) SubWallets(ctx context.Context, parents []int64) ([]ingot.Account, error) {
	if len(parents) == 0 {
		return nil, nil
	}
	as, err := collectAccounts(b.tx.Query(ctx, `SELECT `+accountCols+` FROM accounts
		WHERE parent_id = ANY($1) AND parent_id <> 0 ORDER BY id`, parents))
	if err != nil {
		return nil, fmt.Errorf("postgres: sub-wallets: %w", err)
	}
	return as, nil
}

// LockHolds locks and returns the holds among ids, in id order.
func (b *batchTx) LockHolds(ctx context.Context, ids []string) ([]ingot.Hold, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, _ := b.tx.Query(ctx, `SELECT `+holdCols+` FROM holds WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	hs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.Hold, error) { return scanHold(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: lock holds: %w", err)
	}
	return hs, nil
}

// LockExemptions creates the exemption counters among keys that do not
// exist yet (at zero), then locks and returns them all, in (holder,
// currency) order: one round trip. Both statements go in key order, so
// that batches creating or locking the same counters wait for each other
// instead of deadlocking.
func (b *batchTx) LockExemptions(ctx context.Context, keys []store.ExemptionKey) ([]ingot.ExemptionCounter, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	holders, currencies := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		holders[i], currencies[i] = k.HolderID, k.Currency
	}
	var batch pgx.Batch
	batch.Queue(`INSERT INTO exemption_counters (holder_id, currency)
		SELECT DISTINCT h, c FROM unnest($1::text[], $2::text[]) AS k(h, c) ORDER BY h, c
		ON CONFLICT DO NOTHING`, holders, currencies)
	batch.Queue(`SELECT holder_id, currency, total, payments FROM exemption_counters
		WHERE (holder_id, currency) IN (SELECT * FROM unnest($1::text[], $2::text[]))
		ORDER BY holder_id, currency FOR UPDATE`, holders, currencies)
	br := b.tx.SendBatch(ctx, &batch)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("postgres: lock exemptions: create: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("postgres: lock exemptions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ingot.ExemptionCounter, error) {
		var c ingot.ExemptionCounter
		var count int32
		err := row.Scan(&c.HolderID, &c.Currency, &c.Sum, &count)
		c.Count = int(count)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: lock exemptions: %w", err)
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("postgres: lock exemptions: %w", err)
	}
	return out, nil
}

// LockAuthorizations locks and returns the approvals among ids, in id
// order.
func (b *batchTx) LockAuthorizations(ctx context.Context, ids []string) ([]ingot.Authorization, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := collect(ctx, b.tx, scanAuthorization,
		`SELECT `+authorizationCols+` FROM authorizations WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock authorizations: %w", err)
	}
	return out, nil
}

// Write stores the batch's effects: idempotency records, balances and
// holds in one pipelined pgx.Batch of array statements, then the
// transfers with COPY. Two round trips whatever the batch's size (one
// more when it has webhook events: webhooks.go).
// check is what Write expects of a queued statement: want rows affected,
// else err (or a plain error naming what).
type check struct {
	what string
	want int
	err  error // returned when fewer rows were affected
}

func (b *batchTx) Write(ctx context.Context, w *store.BatchWrite) error {
	var batch pgx.Batch
	var checks []check

	// Idempotency first: a key committed meanwhile by another process
	// makes the whole batch fail before anything else is done.
	if n := len(w.Idempotency); n > 0 {
		scopes, keys := make([]string, n), make([]string, n)
		hashes, bodies := make([][]byte, n), make([][]byte, n)
		statuses, times := make([]int32, n), make([]time.Time, n)
		for i, r := range w.Idempotency {
			scopes[i], keys[i], hashes[i], statuses[i], bodies[i], times[i] =
				r.Scope, r.Key, nonNil(r.Hash), int32(r.Status), nonNil(r.Body), r.CreatedAt
		}
		batch.Queue(`INSERT INTO idempotency (scope, key, hash, status, body, created_at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::int[], $5::bytea[], $6::timestamptz[])
			ON CONFLICT DO NOTHING`, scopes, keys, hashes, statuses, bodies, times)
		checks = append(checks, check{"idempotency", n, store.ErrIdempotencyRace})
	}
	for i := range w.NewAccounts {
		batch.Queue(`INSERT INTO accounts (`+accountCols+`) VALUES (`+accountValuesSQL+`)`, accountValues(&w.NewAccounts[i])...)
		checks = append(checks, check{what: "new account", want: 1})
	}
	for _, r := range w.LimitRules {
		batch.Queue(upsertLimitRuleSQL, limitRuleArgs(r)...)
		checks = append(checks, check{what: "limit rule", want: 1})
	}
	if n := len(w.Accounts); n > 0 {
		ids, bals, helds := make([]int64, n), make([]int64, n), make([]int64, n)
		statuses, sweeps, idnums := make([]string, n), make([]string, n), make([]string, n)
		tiers, days, years := make([]int32, n), make([]int32, n), make([]int32, n)
		pv, iv, bl, ip, rw := make([]bool, n), make([]bool, n), make([]bool, n), make([]bool, n), make([]bool, n)
		hl, dt, yt := make([]int64, n), make([]int64, n), make([]int64, n)
		risks := make([][]byte, n)
		for i, a := range w.Accounts {
			ids[i], bals[i], helds[i], statuses[i] = a.ID, a.Balance, a.Held, string(a.Status)
			tiers[i], sweeps[i], idnums[i] = int32(a.Tier), a.SweepAccount, a.Holder.IDNumber
			pv[i], iv[i], bl[i], ip[i], rw[i] = a.Evidence.PhoneVerified, a.Evidence.IDVerified, a.Evidence.BankLinked, a.Evidence.InPerson, a.ReverseWaterfall
			hl[i], days[i], dt[i], years[i], yt[i] = a.HoldingLimit, a.Outflow.Day, a.Outflow.DayTotal, a.Outflow.Year, a.Outflow.YearTotal
			risks[i] = nonNil(a.Risk)
		}
		batch.Queue(`UPDATE accounts a SET balance = u.balance, held = u.held, status = u.status, tier = u.tier,
				phone_verified = u.pv, id_verified = u.iv, bank_linked = u.bl, in_person = u.ip,
				holding_limit = u.hl, reverse_waterfall = u.rw, sweep_account = u.sweep,
				out_day = u.d, out_day_total = u.dt, out_year = u.y, out_year_total = u.yt, holder_id_number = u.idn,
				risk = u.risk
			FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::int[], $6::bool[], $7::bool[], $8::bool[],
				$9::bool[], $10::bigint[], $11::bool[], $12::text[], $13::int[], $14::bigint[], $15::int[], $16::bigint[], $17::text[],
				$18::bytea[])
				AS u(id, balance, held, status, tier, pv, iv, bl, ip, hl, rw, sweep, d, dt, y, yt, idn, risk)
			WHERE a.id = u.id`, ids, bals, helds, statuses, tiers, pv, iv, bl, ip, hl, rw, sweeps, days, dt, years, yt, idnums, risks)
		checks = append(checks, check{what: "accounts", want: n})
	}
	if n := len(w.NewHolds); n > 0 {
		c := holdColumns(w.NewHolds)
		batch.Queue(`INSERT INTO holds (`+holdCols+`)
			SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[],
				$7::bigint[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[])`,
			c.ids, c.wallets, c.operators, c.amounts, c.currencies, c.statuses, c.captured, c.transfers,
			c.expires, c.created, c.updated)
		checks = append(checks, check{what: "new holds", want: n})
	}
	if n := len(w.UpdatedHolds); n > 0 {
		c := holdColumns(w.UpdatedHolds)
		batch.Queue(`UPDATE holds h SET status = u.status, captured = u.captured, transfer_id = u.transfer_id,
				updated_at = u.updated_at
			FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[])
				AS u(id, status, captured, transfer_id, updated_at)
			WHERE h.id = u.id`, c.ids, c.statuses, c.captured, c.transfers, c.updated)
		checks = append(checks, check{what: "updated holds", want: n})
	}

	if cs := lastExemptions(w.Exemptions); len(cs) > 0 {
		n := len(cs)
		holders, currencies, sums, counts := make([]string, n), make([]string, n), make([]int64, n), make([]int32, n)
		for i, c := range cs {
			holders[i], currencies[i], sums[i], counts[i] = c.HolderID, c.Currency, c.Sum, int32(c.Count)
		}
		// An upsert, so that a counter the batch did not lock is written too.
		batch.Queue(`INSERT INTO exemption_counters (holder_id, currency, total, payments)
			SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[])
			ON CONFLICT (holder_id, currency) DO UPDATE SET total = excluded.total, payments = excluded.payments`,
			holders, currencies, sums, counts)
		checks = append(checks, check{what: "exemptions", want: n})
	}
	if as := lastAuthorizations(w.Authorizations); len(as) > 0 {
		n := len(as)
		ids, statuses, usedBy, updated := make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
		for i, a := range as {
			ids[i], statuses[i], usedBy[i], updated[i] = a.ID, string(a.Status), a.UsedBy, a.UpdatedAt
		}
		batch.Queue(`UPDATE authorizations a SET status = u.status, used_by = u.used_by, updated_at = u.updated_at
			FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS u(id, status, used_by, updated_at)
			WHERE a.id = u.id`, ids, statuses, usedBy, updated)
		checks = append(checks, check{what: "authorizations", want: n})
	}
	checks = append(checks, queueMerchant(&batch, &w.Merchant)...) // merchant.go
	checks = append(checks, queueRisk(&batch, &w.Risk)...)         // risk.go
	// The outbox (webhooks.go): reads the batch's subscriptions first.
	evChecks, err := b.queueEvents(ctx, &batch, w.Events)
	if err != nil {
		return err
	}
	checks = append(checks, evChecks...)
	checks = append(checks, queueReviews(&batch, &w.Risk)...)   // risk_cases.go
	condChecks, err := queueConditional(&batch, &w.Conditional) // conditional.go
	if err != nil {
		return err
	}
	checks = append(checks, condChecks...)
	checks = append(checks, queueFXQuotes(&batch, w.FXQuotes)...)   // fx.go
	checks = append(checks, queueCorridors(&batch, w.Corridors)...) // crossborder.go
	vouchChecks, err := queueVouchers(&batch, &w.Vouchers)          // vouchers.go
	if err != nil {
		return err
	}
	checks = append(checks, vouchChecks...)
	checks = append(checks, queueSpending(&batch, w.Spending)...) // spending.go
	soChecks, err := queueStanding(&batch, &w.Standing)           // standing.go
	if err != nil {
		return err
	}
	checks = append(checks, soChecks...)
	checks = append(checks, queueOffline(&batch, &w.Offline)...)  // offline.go
	checks = append(checks, queueConsents(&batch, w.Consents)...) // openfinance.go
	if n := len(w.LogHashes); n > 0 {
		// One row for the batch's contiguous run of stored hashes.
		block := make([]byte, 0, n*tlog.HashSize)
		for i, h := range w.LogHashes {
			if h.Index != w.LogHashes[0].Index+int64(i) {
				return fmt.Errorf("postgres: write log hashes: index %d after %d is not contiguous", h.Index, w.LogHashes[0].Index)
			}
			block = append(block, h.Hash[:]...)
		}
		batch.Queue(`INSERT INTO log_hash_blocks (start, hashes) VALUES ($1, $2)`, w.LogHashes[0].Index, block)
		checks = append(checks, check{what: "log hashes", want: 1})
	}
	if c := w.Checkpoint; c != nil {
		batch.Queue(`INSERT INTO checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, $4)`,
			c.Size, c.Root[:], c.Note, c.CreatedAt)
		checks = append(checks, check{what: "checkpoint", want: 1})
		batch.Queue(`UPDATE log_head SET size = $1 WHERE id = 1`, c.Size)
		checks = append(checks, check{what: "log head", want: 1})
	}

	if len(checks) > 0 {
		br := b.tx.SendBatch(ctx, &batch)
		for _, c := range checks {
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				if isUniqueViolation(err) {
					err = fmt.Errorf("%w: %w", store.ErrConflict, err)
				}
				return fmt.Errorf("postgres: write %s: %w", c.what, err)
			}
			if got := tag.RowsAffected(); got < int64(c.want) {
				br.Close()
				if c.err != nil {
					return c.err
				}
				return fmt.Errorf("postgres: write %s: %d of %d rows found", c.what, got, c.want)
			}
		}
		if err := br.Close(); err != nil {
			return fmt.Errorf("postgres: write batch: %w", err)
		}
	}

	if n := len(w.Transfers); n > 0 {
		// seq is left to its default: COPY inserts in slice order, so
		// seq increases in the order the transfers were applied.
		cols := []string{"id", "kind", "debit", "credit", "amount", "currency", "memo", "hold_id",
			"debit_balance", "credit_balance", "created_at", "log_index", "fee", "reference", "payment_request_id", "purpose"}
		copied, err := b.tx.CopyFrom(ctx, pgx.Identifier{"transfers"}, cols,
			pgx.CopyFromSlice(n, func(i int) ([]any, error) {
				t := &w.Transfers[i]
				return []any{t.ID, string(t.Kind), t.Debit, t.Credit, t.Amount, t.Currency, t.Memo, t.HoldID,
					t.DebitBalance, t.CreditBalance, t.CreatedAt, t.LogIndex, t.Fee, t.Reference, t.PaymentRequestID, t.Purpose}, nil
			}))
		if err != nil {
			return fmt.Errorf("postgres: write transfers: %w", err)
		}
		if copied != int64(n) {
			return fmt.Errorf("postgres: write transfers: copied %d of %d", copied, n)
		}
	}
	return nil
}

// holdArrays is a slice of holds as column arrays for unnest.
type holdArrays struct {
	ids, operators, currencies, statuses, transfers []string
	wallets, amounts, captured                      []int64
	expires, created, updated                       []time.Time
}

func holdColumns(hs []ingot.Hold) holdArrays {
	n := len(hs)
	c := holdArrays{
		ids: make([]string, n), operators: make([]string, n), currencies: make([]string, n),
		statuses: make([]string, n), transfers: make([]string, n),
		wallets: make([]int64, n), amounts: make([]int64, n), captured: make([]int64, n),
		expires: make([]time.Time, n), created: make([]time.Time, n), updated: make([]time.Time, n),
	}
	for i, h := range hs {
		c.ids[i], c.operators[i], c.currencies[i], c.statuses[i], c.transfers[i] =
			h.ID, h.OperatorID, h.Currency, string(h.Status), h.TransferID
		c.wallets[i], c.amounts[i], c.captured[i] = h.Wallet, h.Amount, h.Captured
		c.expires[i], c.created[i], c.updated[i] = h.ExpiresAt, h.CreatedAt, h.UpdatedAt
	}
	return c
}

// lastExemptions is cs with only the last of each (holder, currency): one
// statement may not change a row twice.
func lastExemptions(cs []ingot.ExemptionCounter) []ingot.ExemptionCounter {
	seen := make(map[store.ExemptionKey]int, len(cs))
	var out []ingot.ExemptionCounter
	for _, c := range cs {
		k := store.ExemptionKey{HolderID: c.HolderID, Currency: c.Currency}
		if i, ok := seen[k]; ok {
			out[i] = c
			continue
		}
		seen[k] = len(out)
		out = append(out, c)
	}
	return out
}

// lastAuthorizations is as with only the last of each id.
func lastAuthorizations(as []ingot.Authorization) []ingot.Authorization {
	seen := make(map[string]int, len(as))
	var out []ingot.Authorization
	for _, a := range as {
		if i, ok := seen[a.ID]; ok {
			out[i] = a
			continue
		}
		seen[a.ID] = len(out)
		out = append(out, a)
	}
	return out
}
