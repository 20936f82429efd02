package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/screening"
)

// Sanctions screening (docs/risk.md, docs/screening.md). The central bank
// loads a list; a holder's name is screened when the wallet opens, and
// every wallet is screened again when the list changes, by a background
// job that takes wallets in chunks (store.RescreenNext: exactly once across
// processes). A hit freezes nothing: it raises a high-severity screening
// alert, whose dedupe key (list version, wallet, entry) keeps a retried
// screening from raising it twice.

// rescreenChunk is how many wallets one step of the job screens (under the
// write lock on SQLite).
const rescreenChunk = 200

// ScreeningList is a loaded list.
type ScreeningList struct {
	Version int64
	Entries int
	At      time.Time
}

// screeningCache is a process's matcher of the current list.
type screeningCache struct {
	mu      sync.Mutex
	version int64
	m       *screening.Matcher
}

// SetScreeningList replaces the sanctions list with a CSV (header row,
// column name required; id, country, program optional). Entries without an
// id are numbered by their position.
func (s *Service) SetScreeningList(ctx context.Context, a ingot.Actor, csv io.Reader, idem *Idem) (*ScreeningList, error) {
	if err := requireAdminOversight(a); err != nil {
		return nil, err
	}
	es, err := screening.ParseCSV(csv)
	if err != nil {
		var pe *screening.ParseError
		if errors.As(err, &pe) {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "the screening list: %s", pe.Error())
		}
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "the screening list: %v", err)
	}
	for i := range es {
		if es[i].ID == "" {
			es[i].ID = strconv.Itoa(i + 1)
		}
	}
	now := s.now()
	res := &ScreeningList{Entries: len(es), At: now}
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	// The idempotency record is written with the list, before its version
	// is known: a replay answers the entries and time, version 0.
	v, existing, err := s.st.SetScreeningList(ctx, es, now, rec)
	res.Version = v
	return created(ctx, s, res, existing, err, idem)
}

// ScreeningStatus reads the list's version and size.
func (s *Service) ScreeningStatus(ctx context.Context, a ingot.Actor) (*ScreeningList, error) {
	if err := requireAdminOversight(a); err != nil {
		return nil, err
	}
	es, v, err := s.st.ScreeningList(ctx)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return &ScreeningList{Version: v, Entries: len(es)}, nil
}

// screeningMatcher returns the matcher of the list's current version.
func (s *Service) screeningMatcher(ctx context.Context) (*screening.Matcher, int64, error) {
	v, err := s.st.ScreeningVersion(ctx)
	if err != nil || v == 0 {
		return nil, 0, err
	}
	c := &s.matcher
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m != nil && c.version == v {
		return c.m, v, nil
	}
	es, v, err := s.st.ScreeningList(ctx)
	if err != nil {
		return nil, 0, err
	}
	c.m, c.version = screening.NewMatcher(es), v
	return c.m, v, nil
}

// screenAccounts screens wallets' holders against a list version.
func (s *Service) screenAccounts(ws []ingot.Account, m *screening.Matcher, version int64) ([]risk.Alert, error) {
	var out []risk.Alert
	for _, w := range ws {
		if w.Kind != ingot.AccountWallet {
			continue
		}
		if err := s.Reveal(&w); err != nil {
			return nil, err
		}
		for _, hit := range m.Screen(w.Holder.Name) {
			ev, _ := json.Marshal(map[string]any{"list_version": version, "entry_id": hit.Entry.ID, "entry_name": hit.Entry.Name,
				"program": hit.Entry.Program, "country": hit.Entry.Country, "score_bp": int64(hit.Score*10000 + 0.5)})
			out = append(out, risk.Alert{ID: newID(), OperatorID: w.OperatorID, Pattern: risk.PatternScreening, Severity: risk.SeverityHigh,
				Wallet: w.ID, Evidence: ev, Status: risk.AlertOpen, CreatedAt: s.now(),
				Dedupe: fmt.Sprintf("screening:%d:%d:%s", version, w.ID, hit.Entry.ID)})
		}
	}
	return out, nil
}

// screenNew screens wallets just opened. A failure is logged: the opening
// stands, and the next change of the list screens them again.
func (s *Service) screenNew(ctx context.Context, ws ...ingot.Account) {
	m, v, err := s.screeningMatcher(ctx)
	if err == nil && m != nil {
		var alerts []risk.Alert
		if alerts, err = s.screenAccounts(ws, m, v); err == nil {
			err = s.st.AddAlerts(ctx, alerts)
		}
	}
	if err != nil {
		s.log.WarnContext(ctx, "screening new wallets failed", "err", err)
	}
}

// RunScreening screens every wallet against each new list, in chunks,
// until ctx ends; several processes share the work.
func (s *Service) RunScreening(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Rescreen(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "screening failed", "err", err)
			}
		}
	}
}

// Rescreen screens the wallets not yet screened against the current list.
func (s *Service) Rescreen(ctx context.Context) error {
	m, v, err := s.screeningMatcher(ctx)
	if err != nil || m == nil {
		return err
	}
	for {
		more, err := s.st.RescreenNext(ctx, v, rescreenChunk, func(ws []ingot.Account) ([]risk.Alert, error) {
			return s.screenAccounts(ws, m, v)
		})
		if err != nil || !more {
			return err
		}
	}
}
