package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Risk and AML (store/risk.go): rules and their versions, alerts, the
// large-value report and the payer-payee pairs. Rules are written outside
// the engine; alerts, report lines and pairs by the batch's Write, queued
// by queueRisk. A pair is written only by batches that lock both its
// wallets, so two batches never upsert one pair at once.

// ---- rules ----

const riskRuleCols = "id, version, operator_id, name, expression, action, severity, active, created_at, issuer_id, currencies"

func scanRiskRule(row pgx.Row) (risk.Rule, error) {
	var r risk.Rule
	var version int32
	var action, severity, currencies string
	err := row.Scan(&r.ID, &version, &r.OperatorID, &r.Name, &r.Expression, &action, &severity, &r.Active, &r.CreatedAt, &r.IssuerID, &currencies)
	r.Version, r.Action, r.Severity = int(version), risk.Action(action), risk.Severity(severity)
	r.Currencies = store.SplitCurrencies(currencies)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, err
}

// latestRule selects, from risk_rules aliased r, the rows that are their
// rule's latest version (through the primary key).
const latestRule = "NOT EXISTS (SELECT 1 FROM risk_rules n WHERE n.id = r.id AND n.version > r.version)"

// AddRiskRule stores a rule version and advances the rules' version, in
// one transaction (concurrent ones wait for each other on risk_state's
// row). A taken (id, version) is ErrConflict.
func (s *Store) AddRiskRule(ctx context.Context, r risk.Rule, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, rec, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO risk_rules (`+riskRuleCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			r.ID, int32(r.Version), r.OperatorID, r.Name, r.Expression, string(r.Action), string(r.Severity), r.Active,
			r.CreatedAt, r.IssuerID, store.JoinCurrencies(r.Currencies)); err != nil {
			if isUniqueViolation(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("postgres: add risk rule: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE risk_state SET rules_version = rules_version + 1 WHERE id = 1`); err != nil {
			return fmt.Errorf("postgres: add risk rule: rules version: %w", err)
		}
		return nil
	})
}

// RiskRules lists the latest version of every rule of an owner (operatorID
// "" the central bank), or of everyone's with operatorID "" and all, by id.
func (s *Store) RiskRules(ctx context.Context, operatorID string, all bool) ([]risk.Rule, error) {
	q, args := `SELECT `+riskRuleCols+` FROM risk_rules r WHERE `+latestRule, []any(nil)
	if operatorID != "" || !all {
		q, args = q+` AND operator_id = $1`, append(args, operatorID)
	}
	rs, err := collect(ctx, s.pool, scanRiskRule, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: risk rules: %w", err)
	}
	return rs, nil
}

// RiskRuleVersions lists a rule's versions, oldest first; none is
// ErrNotFound.
func (s *Store) RiskRuleVersions(ctx context.Context, id string) ([]risk.Rule, error) {
	rs, err := collect(ctx, s.pool, scanRiskRule, `SELECT `+riskRuleCols+` FROM risk_rules WHERE id = $1 ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: risk rule versions: %w", err)
	}
	if len(rs) == 0 {
		return nil, store.ErrNotFound
	}
	return rs, nil
}

// RiskRulesVersion reads the rules' version (0 before the first rule): a
// plain read, without a lock. A rule added after it is seen by the next
// batch, which reads a higher version.
func (b *batchTx) RiskRulesVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := b.tx.QueryRow(ctx, `SELECT rules_version FROM risk_state WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: risk rules version: %w", err)
	}
	return v, nil
}

// ActiveRiskRules lists the latest version of every rule whose latest
// version is active, by id.
func (b *batchTx) ActiveRiskRules(ctx context.Context) ([]risk.Rule, error) {
	rs, err := collect(ctx, b.tx, scanRiskRule, `SELECT `+riskRuleCols+` FROM risk_rules r
		WHERE active AND `+latestRule+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: active risk rules: %w", err)
	}
	return rs, nil
}

// ---- pairs ----

// RiskPairs returns the time of the last payment of each of pairs that
// has paid before, with one query through the primary key. The caller
// holds both wallets' locks, so no other batch changes these rows.
func (b *batchTx) RiskPairs(ctx context.Context, pairs []store.Pair) (map[store.Pair]time.Time, error) {
	out := make(map[store.Pair]time.Time, len(pairs))
	if len(pairs) == 0 {
		return out, nil
	}
	payers, payees := make([]int64, len(pairs)), make([]int64, len(pairs))
	for i, p := range pairs {
		payers[i], payees[i] = p.Payer, p.Payee
	}
	rows, _ := b.tx.Query(ctx, `SELECT payer, payee, last_at FROM risk_pairs
		WHERE (payer, payee) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))`, payers, payees)
	var p store.Pair
	var last time.Time
	if _, err := pgx.ForEachRow(rows, []any{&p.Payer, &p.Payee, &last}, func() error {
		out[p] = last.UTC()
		return nil
	}); err != nil {
		return nil, fmt.Errorf("postgres: risk pairs: %w", err)
	}
	return out, nil
}

// RiskPairStats reads a pair's first and last payment times and its
// number of payments, or ErrNotFound. Not part of store.RiskStore (the
// engine needs only the last time, RiskPairs): for investigation and the
// conformance suite, which both stores pass.
func (s *Store) RiskPairStats(ctx context.Context, p store.Pair) (first, last time.Time, count int64, err error) {
	err = s.pool.QueryRow(ctx, `SELECT first_at, last_at, count FROM risk_pairs WHERE payer = $1 AND payee = $2`,
		p.Payer, p.Payee).Scan(&first, &last, &count)
	if err != nil {
		return time.Time{}, time.Time{}, 0, notFound(err, "risk pair stats")
	}
	return first.UTC(), last.UTC(), count, nil
}

// ---- alerts ----

const alertCols = `id, operator_id, rule_id, rule_version, pattern, severity, wallet, transfer_id, evidence, status,
	resolution, note, created_at, resolved_at`

func scanAlert(row pgx.Row) (risk.Alert, error) {
	var a risk.Alert
	var version int32
	var severity, status, resolution string
	var evidence []byte
	var resolved *time.Time
	err := row.Scan(&a.ID, &a.OperatorID, &a.RuleID, &version, &a.Pattern, &severity, &a.Wallet, &a.TransferID,
		&evidence, &status, &resolution, &a.Note, &a.CreatedAt, &resolved)
	a.RuleVersion = int(version)
	a.Severity, a.Status, a.Resolution = risk.Severity(severity), risk.AlertStatus(status), risk.Resolution(resolution)
	a.Evidence = json.RawMessage(evidence)
	a.CreatedAt, a.ResolvedAt = a.CreatedAt.UTC(), fromNullTime(resolved)
	return a, err
}

// evidenceText is an alert's evidence as stored (json keeps the text as
// given): its bytes, or {} for none (so an alert stored without evidence
// reads back with {}).
func evidenceText(e json.RawMessage) string {
	if len(e) == 0 {
		return "{}"
	}
	return string(e)
}

// Alert reads an alert, or ErrNotFound.
func (s *Store) Alert(ctx context.Context, id string) (risk.Alert, error) {
	return one(ctx, s.pool, "alert", scanAlert, `SELECT `+alertCols+` FROM alerts WHERE id = $1`, id)
}

// Alerts lists the alerts f selects, newest (highest id) first, those with
// an id below f.Before when it is set; a Limit <= 0 is no limit. The
// planner picks the index of the filter (alerts_operator,
// alerts_operator_status, alerts_status or alerts_wallet), each ordered by
// id.
func (s *Store) Alerts(ctx context.Context, f store.AlertFilter) ([]risk.Alert, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.OperatorID != "" {
		where = append(where, "operator_id = "+arg(f.OperatorID))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
	}
	if f.Severity != "" {
		where = append(where, "severity = "+arg(string(f.Severity)))
	}
	if f.Wallet != 0 {
		where = append(where, "wallet = "+arg(f.Wallet))
	}
	if f.Currencies != nil {
		where = append(where, "wallet IN (SELECT id FROM accounts WHERE currency = ANY("+arg(f.Currencies)+"::text[]))")
	}
	if f.Before != "" {
		where = append(where, "id < "+arg(f.Before))
	}
	q := `SELECT ` + alertCols + ` FROM alerts`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT " + arg(limitArg(f.Limit)) + "::bigint"
	as, err := collect(ctx, s.pool, scanAlert, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: alerts: %w", err)
	}
	return as, nil
}

// ResolveAlert resolves an open alert, with one conditional UPDATE: of
// concurrent resolutions, the others wait for the first's row lock, find
// the alert resolved and get ErrConflict; an unknown alert is ErrNotFound.
func (s *Store) ResolveAlert(ctx context.Context, id string, res risk.Resolution, note string, at time.Time, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, rec, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE alerts SET status = $1, resolution = $2, note = $3, resolved_at = $4 WHERE id = $5 AND status = $6`,
			string(risk.AlertResolved), string(res), note, at, id, string(risk.AlertOpen))
		return onlyIfOne(ctx, tx, tag, err, `SELECT 1 FROM alerts WHERE id = $1`, id)
	})
}

// ---- the large-value report ----

const largeValueCols = "wallet, day, operator_id, currency, sent, received, count, threshold, updated_at"

func scanLargeValue(row pgx.Row) (risk.LargeValue, error) {
	var l risk.LargeValue
	err := row.Scan(&l.Wallet, &l.Day, &l.OperatorID, &l.Currency, &l.Sent, &l.Received, &l.Count, &l.Threshold, &l.UpdatedAt)
	l.UpdatedAt = l.UpdatedAt.UTC()
	return l, err
}

// LargeValues lists a day's report lines of an operator, or of every
// operator for operatorID "", by wallet.
func (s *Store) LargeValues(ctx context.Context, operatorID string, day int32) ([]risk.LargeValue, error) {
	var ls []risk.LargeValue
	var err error
	if operatorID == "" {
		ls, err = collect(ctx, s.pool, scanLargeValue, `SELECT `+largeValueCols+` FROM large_value_reports
			WHERE day = $1 ORDER BY wallet`, day)
	} else {
		ls, err = collect(ctx, s.pool, scanLargeValue, `SELECT `+largeValueCols+` FROM large_value_reports
			WHERE operator_id = $1 AND day = $2 ORDER BY wallet`, operatorID, day)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: large values: %w", err)
	}
	return ls, nil
}

// ---- the batch's writes ----

// queueRisk queues a batch's risk rows on batch, one unnest() statement per
// table, nothing when there are none (most batches), and returns what each
// must affect: pairs upserted (a new one first = last = its time, an
// existing one last moved and its count added to), alerts inserted (a
// taken id is ErrConflict), report lines upserted with every field
// replaced.
func queueRisk(batch *pgx.Batch, w *store.RiskWrite) []check {
	var checks []check
	if ps := mergePairs(w.Pairs); len(ps) > 0 {
		n := len(ps)
		payers, payees, counts := make([]int64, n), make([]int64, n), make([]int64, n)
		firsts, lasts := make([]time.Time, n), make([]time.Time, n)
		for i, p := range ps {
			payers[i], payees[i], firsts[i], lasts[i], counts[i] = p.Payer, p.Payee, p.first, p.Last, p.Count
		}
		batch.Queue(`INSERT INTO risk_pairs (payer, payee, first_at, last_at, count)
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::bigint[])
			ON CONFLICT (payer, payee) DO UPDATE SET last_at = excluded.last_at, count = risk_pairs.count + excluded.count`,
			payers, payees, firsts, lasts, counts)
		checks = append(checks, check{what: "risk pairs", want: n})
	}
	if n := len(w.Alerts); n > 0 {
		ids, ops, ruleIDs, patterns, severities := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		transfers, evidence, statuses, resolutions, notes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		versions, wallets := make([]int32, n), make([]int64, n)
		created, resolved := make([]time.Time, n), make([]pgtype.Timestamptz, n)
		for i, a := range w.Alerts {
			ids[i], ops[i], ruleIDs[i], patterns[i], severities[i] = a.ID, a.OperatorID, a.RuleID, a.Pattern, string(a.Severity)
			transfers[i], evidence[i], statuses[i] = a.TransferID, evidenceText(a.Evidence), string(a.Status)
			resolutions[i], notes[i] = string(a.Resolution), a.Note
			versions[i], wallets[i], created[i] = int32(a.RuleVersion), a.Wallet, a.CreatedAt
			resolved[i] = pgtype.Timestamptz{Time: a.ResolvedAt, Valid: !a.ResolvedAt.IsZero()}
		}
		batch.Queue(`INSERT INTO alerts (`+alertCols+`)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bigint[],
				$8::text[], $9::json[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::timestamptz[])`,
			ids, ops, ruleIDs, versions, patterns, severities, wallets, transfers, evidence, statuses, resolutions, notes,
			created, resolved)
		checks = append(checks, check{what: "alerts", want: n})
	}
	if ls := lastBy(w.LargeValues, func(l risk.LargeValue) [2]int64 { return [2]int64{l.Wallet, int64(l.Day)} }); len(ls) > 0 {
		n := len(ls)
		wallets, sent, received, counts, thresholds := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		days, ops, currencies, updated := make([]int32, n), make([]string, n), make([]string, n), make([]time.Time, n)
		for i, l := range ls {
			wallets[i], days[i], ops[i], currencies[i] = l.Wallet, l.Day, l.OperatorID, l.Currency
			sent[i], received[i], counts[i], thresholds[i], updated[i] = l.Sent, l.Received, l.Count, l.Threshold, l.UpdatedAt
		}
		batch.Queue(`INSERT INTO large_value_reports (`+largeValueCols+`)
			SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[],
				$8::bigint[], $9::timestamptz[])
			ON CONFLICT (wallet, day) DO UPDATE SET operator_id = excluded.operator_id, currency = excluded.currency,
				sent = excluded.sent, received = excluded.received, count = excluded.count, threshold = excluded.threshold,
				updated_at = excluded.updated_at`,
			wallets, days, ops, currencies, sent, received, counts, thresholds, updated)
		checks = append(checks, check{what: "large values", want: n})
	}
	return checks
}

// mergedPair is one pair's payments of a batch, merged.
type mergedPair struct {
	store.PairWrite
	first time.Time // the Last of the pair's first write: a new pair's first_at
}

// mergePairs merges the writes of each pair (one statement may not change
// a row twice) as writing them one after the other would: the first's
// time is a new pair's first_at, the last's its last_at, the counts add
// up. They are sorted by payer and payee, so that the statement takes its
// row locks in key order.
func mergePairs(ps []store.PairWrite) []mergedPair {
	if len(ps) == 0 {
		return nil
	}
	seen := make(map[store.Pair]int, len(ps))
	out := make([]mergedPair, 0, len(ps))
	for _, p := range ps {
		if i, ok := seen[p.Pair]; ok {
			out[i].Last = p.Last
			out[i].Count += p.Count
			continue
		}
		seen[p.Pair] = len(out)
		out = append(out, mergedPair{PairWrite: p, first: p.Last})
	}
	slices.SortFunc(out, func(a, b mergedPair) int {
		return cmp.Or(cmp.Compare(a.Payer, b.Payer), cmp.Compare(a.Payee, b.Payee))
	})
	return out
}
