package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// Risk and AML (store/risk.go): rules and their versions, alerts, the
// large-value report and the payer-payee pairs. Rules are written outside
// the engine; alerts, report lines and pairs by the batch's Write. Every
// write goes through the writer's single connection, so of two
// resolutions of one alert the second sees the first's.

// ---- rules ----

const riskRuleCols = `id, version, operator_id, name, expression, action, severity, active, created_at, issuer_id, currencies`

func scanRiskRule(sc scanner) (risk.Rule, error) {
	var r risk.Rule
	var action, severity, currencies string
	var created int64
	err := sc.Scan(&r.ID, &r.Version, &r.OperatorID, &r.Name, &r.Expression, &action, &severity, &r.Active, &created, &r.IssuerID, &currencies)
	r.Action, r.Severity, r.Currencies = risk.Action(action), risk.Severity(severity), store.SplitCurrencies(currencies)
	r.CreatedAt = fromMicros(created)
	return r, err
}

// latestRule selects, from risk_rules aliased r, the rows that are their
// rule's latest version (through the primary key).
const latestRule = `NOT EXISTS (SELECT 1 FROM risk_rules n WHERE n.id = r.id AND n.version > r.version)`

// AddRiskRule stores a rule version and advances the rules' version, in
// one transaction. A taken (id, version) is ErrConflict.
func (s *Store) AddRiskRule(ctx context.Context, r risk.Rule, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "add risk rule", rec, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO risk_rules (`+riskRuleCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Version, r.OperatorID, r.Name, r.Expression, string(r.Action), string(r.Severity), r.Active,
			micros(r.CreatedAt), r.IssuerID, store.JoinCurrencies(r.Currencies)); err != nil {
			if isUnique(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlite: add risk rule: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE risk_state SET rules_version = rules_version + 1 WHERE id = 1`); err != nil {
			return fmt.Errorf("sqlite: add risk rule: rules version: %w", err)
		}
		return nil
	})
}

// RiskRules lists the latest version of every rule of an owner (operatorID
// "" the central bank), or of everyone's with operatorID "" and all, by id.
func (s *Store) RiskRules(ctx context.Context, operatorID string, all bool) ([]risk.Rule, error) {
	q, args := `SELECT `+riskRuleCols+` FROM risk_rules r WHERE `+latestRule, []any(nil)
	if operatorID != "" || !all {
		q, args = q+` AND operator_id = ?`, append(args, operatorID)
	}
	out, err := collect(ctx, s.r, scanRiskRule, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: risk rules: %w", err)
	}
	return out, nil
}

// RiskRuleVersions lists a rule's versions, oldest first; none is
// ErrNotFound.
func (s *Store) RiskRuleVersions(ctx context.Context, id string) ([]risk.Rule, error) {
	out, err := collect(ctx, s.r, scanRiskRule, `SELECT `+riskRuleCols+` FROM risk_rules WHERE id = ? ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: risk rule versions: %w", err)
	}
	if len(out) == 0 {
		return nil, store.ErrNotFound
	}
	return out, nil
}

// RiskRulesVersion reads the rules' version (0 before the first rule).
func (b *batchTx) RiskRulesVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := b.tx.QueryRowContext(ctx, `SELECT rules_version FROM risk_state WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: risk rules version: %w", err)
	}
	return v, nil
}

// ActiveRiskRules lists the latest version of every rule whose latest
// version is active, by id.
func (b *batchTx) ActiveRiskRules(ctx context.Context) ([]risk.Rule, error) {
	out, err := collect(ctx, b.tx, scanRiskRule, `SELECT `+riskRuleCols+` FROM risk_rules r
		WHERE active AND `+latestRule+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: active risk rules: %w", err)
	}
	return out, nil
}

// ---- pairs ----

// RiskPairs returns the time of the last payment of each of pairs that
// has paid before, with one query through the primary key. The batch holds
// the write lock.
func (b *batchTx) RiskPairs(ctx context.Context, pairs []store.Pair) (map[store.Pair]time.Time, error) {
	out := make(map[store.Pair]time.Time, len(pairs))
	if len(pairs) == 0 {
		return out, nil
	}
	arg, err := jsonArray(pairArray(pairs))
	if err != nil {
		return nil, fmt.Errorf("sqlite: risk pairs: %w", err)
	}
	rows, err := b.tx.QueryContext(ctx, `SELECT payer, payee, last_at FROM risk_pairs WHERE (payer, payee) IN
		(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))`, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: risk pairs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p store.Pair
		var last int64
		if err := rows.Scan(&p.Payer, &p.Payee, &last); err != nil {
			return nil, fmt.Errorf("sqlite: risk pairs: %w", err)
		}
		out[p] = fromMicros(last)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: risk pairs: %w", err)
	}
	return out, nil
}

// RiskPairStats reads a pair's first and last payment times and its
// number of payments, or ErrNotFound. Not part of store.RiskStore (the
// engine needs only the last time, RiskPairs): for investigation and the
// conformance suite, which both stores pass.
func (s *Store) RiskPairStats(ctx context.Context, p store.Pair) (first, last time.Time, count int64, err error) {
	var f, l int64
	err = s.r.QueryRowContext(ctx, `SELECT first_at, last_at, count FROM risk_pairs WHERE payer = ? AND payee = ?`,
		p.Payer, p.Payee).Scan(&f, &l, &count)
	if err != nil {
		return time.Time{}, time.Time{}, 0, notFound(err, "risk pair stats")
	}
	return fromMicros(f), fromMicros(l), count, nil
}

// pairArray is pairs as [payer, payee] arrays, for json_each.
func pairArray(pairs []store.Pair) [][2]int64 {
	a := make([][2]int64, len(pairs))
	for i, p := range pairs {
		a[i] = [2]int64{p.Payer, p.Payee}
	}
	return a
}

// ---- alerts ----

const alertCols = `id, operator_id, rule_id, rule_version, pattern, severity, wallet, transfer_id, evidence, status,
	resolution, note, created_at, resolved_at`

func scanAlert(sc scanner) (risk.Alert, error) {
	var a risk.Alert
	var severity, status, resolution, evidence string
	var created int64
	var resolved sql.NullInt64
	err := sc.Scan(&a.ID, &a.OperatorID, &a.RuleID, &a.RuleVersion, &a.Pattern, &severity, &a.Wallet, &a.TransferID,
		&evidence, &status, &resolution, &a.Note, &created, &resolved)
	a.Severity, a.Status, a.Resolution = risk.Severity(severity), risk.AlertStatus(status), risk.Resolution(resolution)
	a.Evidence = json.RawMessage(evidence)
	a.CreatedAt, a.ResolvedAt = fromMicros(created), fromNullMicros(resolved)
	return a, err
}

// evidenceText is an alert's evidence as stored: its bytes, or {} for
// none (so an alert stored without evidence reads back with {}).
func evidenceText(e json.RawMessage) string {
	if len(e) == 0 {
		return "{}"
	}
	return string(e)
}

// Alert reads an alert.
func (s *Store) Alert(ctx context.Context, id string) (risk.Alert, error) {
	a, err := scanAlert(s.r.QueryRowContext(ctx, `SELECT `+alertCols+` FROM alerts WHERE id = ?`, id))
	if err != nil {
		return risk.Alert{}, notFound(err, "alert")
	}
	return a, nil
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
	if f.OperatorID != "" {
		where, args = append(where, "operator_id = ?"), append(args, f.OperatorID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Severity != "" {
		where, args = append(where, "severity = ?"), append(args, string(f.Severity))
	}
	if f.Wallet != 0 {
		where, args = append(where, "wallet = ?"), append(args, f.Wallet)
	}
	if f.Currencies != nil {
		cs, _ := json.Marshal(f.Currencies)
		where = append(where, "wallet IN (SELECT id FROM accounts WHERE currency IN (SELECT value FROM json_each(?)))")
		args = append(args, string(cs))
	}
	if f.Before != "" {
		where, args = append(where, "id < ?"), append(args, f.Before)
	}
	q := `SELECT ` + alertCols + ` FROM alerts`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT ?"
	out, err := collect(ctx, s.r, scanAlert, q, append(args, limitArg(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: alerts: %w", err)
	}
	return out, nil
}

// ResolveAlert resolves an open alert, with one conditional UPDATE: an
// alert resolved already is ErrConflict, an unknown one ErrNotFound.
func (s *Store) ResolveAlert(ctx context.Context, id string, res risk.Resolution, note string, at time.Time, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return s.createWithIdem(ctx, "resolve alert", rec, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE alerts SET status = ?, resolution = ?, note = ?, resolved_at = ? WHERE id = ? AND status = ?`,
			string(risk.AlertResolved), string(res), note, micros(at), id, string(risk.AlertOpen))
		if err != nil {
			return fmt.Errorf("sqlite: resolve alert: %w", err)
		}
		return onlyIfOne(ctx, tx, r, `SELECT 1 FROM alerts WHERE id = ?`, id)
	})
}

// ---- the large-value report ----

const largeValueCols = `wallet, day, operator_id, currency, sent, received, count, threshold, updated_at`

func scanLargeValue(sc scanner) (risk.LargeValue, error) {
	var l risk.LargeValue
	var updated int64
	err := sc.Scan(&l.Wallet, &l.Day, &l.OperatorID, &l.Currency, &l.Sent, &l.Received, &l.Count, &l.Threshold, &updated)
	l.UpdatedAt = fromMicros(updated)
	return l, err
}

// LargeValues lists a day's report lines of an operator, or of every
// operator for operatorID "", by wallet.
func (s *Store) LargeValues(ctx context.Context, operatorID string, day int32) ([]risk.LargeValue, error) {
	var out []risk.LargeValue
	var err error
	if operatorID == "" {
		out, err = collect(ctx, s.r, scanLargeValue, `SELECT `+largeValueCols+` FROM large_value_reports
			WHERE day = ? ORDER BY wallet`, day)
	} else {
		out, err = collect(ctx, s.r, scanLargeValue, `SELECT `+largeValueCols+` FROM large_value_reports
			WHERE operator_id = ? AND day = ? ORDER BY wallet`, operatorID, day)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: large values: %w", err)
	}
	return out, nil
}

// ---- the batch's writes ----

// writeRisk writes a batch's risk rows, each table through one prepared
// statement, and nothing when there are none (most batches): pairs
// upserted (a new one first = last = its time, an existing one last moved
// and its count added to), alerts inserted (a taken id is ErrConflict),
// report lines upserted with every field replaced.
func (b *batchTx) writeRisk(ctx context.Context, w *store.RiskWrite) error {
	if len(w.Pairs) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO risk_pairs (payer, payee, first_at, last_at, count)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (payer, payee) DO UPDATE SET last_at = excluded.last_at,
			count = risk_pairs.count + excluded.count`)
		if err != nil {
			return fmt.Errorf("sqlite: write risk pairs: %w", err)
		}
		defer st.Close()
		for _, p := range w.Pairs {
			at := micros(p.Last)
			if _, err := st.ExecContext(ctx, p.Payer, p.Payee, at, at, p.Count); err != nil {
				return fmt.Errorf("sqlite: write risk pair %d %d: %w", p.Payer, p.Payee, err)
			}
		}
	}
	if len(w.Alerts) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO alerts (`+alertCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: write alerts: %w", err)
		}
		defer st.Close()
		for _, a := range w.Alerts {
			if _, err := st.ExecContext(ctx, a.ID, a.OperatorID, a.RuleID, a.RuleVersion, a.Pattern, string(a.Severity),
				a.Wallet, a.TransferID, evidenceText(a.Evidence), string(a.Status), string(a.Resolution), a.Note,
				micros(a.CreatedAt), nullMicros(a.ResolvedAt)); err != nil {
				if isUnique(err) {
					err = store.ErrConflict
				}
				return fmt.Errorf("sqlite: write alert %s: %w", a.ID, err)
			}
		}
	}
	if len(w.LargeValues) > 0 {
		st, err := b.tx.PrepareContext(ctx, `INSERT INTO large_value_reports (`+largeValueCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (wallet, day) DO UPDATE SET operator_id = excluded.operator_id,
			currency = excluded.currency, sent = excluded.sent, received = excluded.received, count = excluded.count,
			threshold = excluded.threshold, updated_at = excluded.updated_at`)
		if err != nil {
			return fmt.Errorf("sqlite: write large values: %w", err)
		}
		defer st.Close()
		for _, l := range w.LargeValues {
			if _, err := st.ExecContext(ctx, l.Wallet, l.Day, l.OperatorID, l.Currency, l.Sent, l.Received, l.Count,
				l.Threshold, micros(l.UpdatedAt)); err != nil {
				return fmt.Errorf("sqlite: write large value %d %d: %w", l.Wallet, l.Day, err)
			}
		}
	}
	return nil
}
