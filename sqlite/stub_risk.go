package sqlite

// TEMPORARY: the risk store is being written (issue 13); these stubs keep
// the tree building. Replaced by risk.go.

import (
	"context"
	"errors"
	"time"

	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

var errRiskStub = errors.New("sqlite: the risk store is not written yet")

func (s *Store) AddRiskRule(ctx context.Context, r risk.Rule, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return nil, errRiskStub
}

func (s *Store) RiskRules(ctx context.Context, operatorID string, all bool) ([]risk.Rule, error) {
	return nil, nil
}

func (s *Store) RiskRuleVersions(ctx context.Context, id string) ([]risk.Rule, error) {
	return nil, store.ErrNotFound
}

func (s *Store) Alert(ctx context.Context, id string) (risk.Alert, error) {
	return risk.Alert{}, store.ErrNotFound
}

func (s *Store) Alerts(ctx context.Context, f store.AlertFilter) ([]risk.Alert, error) {
	return nil, nil
}

func (s *Store) ResolveAlert(ctx context.Context, id string, res risk.Resolution, note string, at time.Time, rec *store.IdemRecord) (*store.IdemRecord, error) {
	return nil, store.ErrNotFound
}

func (s *Store) LargeValues(ctx context.Context, operatorID string, day int32) ([]risk.LargeValue, error) {
	return nil, nil
}

func (b *batchTx) RiskRulesVersion(ctx context.Context) (int64, error) { return 0, nil }

func (b *batchTx) ActiveRiskRules(ctx context.Context) ([]risk.Rule, error) { return nil, nil }

func (b *batchTx) RiskPairs(ctx context.Context, pairs []store.Pair) (map[store.Pair]time.Time, error) {
	return map[store.Pair]time.Time{}, nil
}
