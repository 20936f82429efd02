package ledger

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

// Service is what the API calls: it authenticates keys, authorizes the
// caller, validates and resolves input, and submits money movements to the
// Engine as commands (cmd_*.go). It is split by feature: auth.go,
// operators.go, issuance.go, wallets.go, payments.go, holds.go, kyc.go,
// subwallet.go, bank_service.go, log.go.
//
// It holds no state that matters for correctness; its caches hold only
// facts that never change (docs/architecture.md, "The only caches").
type Service struct {
	st  store.Store
	eng *Engine
	log *slog.Logger

	accounts sync.Map // "kind|operator|currency" -> the issuance or reserve account's id
	owners   sync.Map // reserve account id -> its operator's id
	// issuers caches what never changes once known (issuers.go): a
	// currency's issuer, and the operators an issuer admitted.
	issuers sync.Map
	pii     *pii.Keys
	bank    *bankSide // bank_service.go

	approver  Approver // sca.go: holders' payments
	scaLimits map[string]ingot.SCALimits
	keyPrefix string                                    // keys.go
	record    func(context.Context, auth.SecurityEvent) // keys.go
	qrScheme  string                                    // qr.go

	matcher screeningCache // screening.go
	stale   StaleReader    // stale.go: histories and statements, on a replica

	offKeys                      offlineKeys // offline_keys.go
	offMaxBalance, offMaxPayment string      // offline.go
}

// NewService returns a service over a store and its engine. Its clock and
// time zone are the engine's (Options.Now, Options.Zone).
func NewService(st store.Store, eng *Engine, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{st: st, eng: eng, log: log}
}

// WithPII gives the service the data key that seals holders' personal data
// at rest. Without one, wallets cannot be opened.
func (s *Service) WithPII(k *pii.Keys) *Service {
	s.pii = k
	return s
}

// now is the one clock (the engine's), in UTC to the microsecond.
func (s *Service) now() time.Time { return s.eng.now() }

// Now is the engine's clock (Options.Now), as the API states times.
func (s *Service) Now() time.Time { return s.eng.now() }

// zone is the time zone of daily and yearly limits (the engine's).
func (s *Service) zone() *time.Location { return s.eng.opt.Zone }

// Zone is the time zone of the deployment's days: limits, mandates'
// periods, statements; feature phones show dates in it.
func (s *Service) Zone() *time.Location { return s.eng.opt.Zone }

// Ready reports whether the database answers, for readiness checks, and
// the role of the server it reaches (store.RolePrimary, or
// store.RoleReplica when the database URL reaches a standby).
func (s *Service) Ready(ctx context.Context) (store.Role, error) {
	role, err := s.st.Role(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "readiness: the store does not answer", "err", err)
		return "", ingot.Errorf(ingot.CodeUnavailable, "the database does not answer")
	}
	return role, nil
}

// Unavailable reports whether err, from the store, is a lost or refused
// connection (store.Classifier): retryable, answered 503 unavailable.
func (s *Service) Unavailable(err error) bool {
	c, ok := s.st.(store.Classifier)
	return ok && c.Unavailable(err)
}

// unavailable turns a storage failure into a retryable error, logging the
// cause (which never contains request data). An *ingot.Error passes as it
// is.
func (s *Service) unavailable(ctx context.Context, err error) error {
	if ingot.AsError(err) != nil {
		return err
	}
	s.log.ErrorContext(ctx, "storage failure", "err", err)
	return ingot.Errorf(ingot.CodeUnavailable, "storage is unavailable; retry with the same Idempotency-Key")
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// checkName checks a required, printable text field of at most maxLen
// characters.
func checkName(field, v string, maxLen int) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return ingot.Errorf(ingot.CodeInvalidRequest, "%s is required", field)
	}
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxLen {
		return ingot.Errorf(ingot.CodeInvalidRequest, "%s must be valid text of at most %d characters", field, maxLen)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return ingot.Errorf(ingot.CodeInvalidRequest, "%s has control characters", field)
		}
	}
	return nil
}

// ---- idempotency of writes outside the engine ----

// Creations (operators, keys, wallets, bank operations) are written by the
// store in one transaction with their idempotency record, which holds the
// outcome as the engine's records do (command.go).

// outcomeRecord is the idempotency record of an outcome, or nil without
// idem.
func (s *Service) outcomeRecord(idem *Idem, res any) (*store.IdemRecord, error) {
	if idem == nil {
		return nil, nil
	}
	body, err := encodeOutcome(res)
	if err != nil {
		return nil, err
	}
	return &store.IdemRecord{IdemKey: idem.IdemKey, Hash: idem.Hash, Body: body, CreatedAt: s.now()}, nil
}

// created answers a creation written with its idempotency record: res, or,
// when the store found the key recorded already (existing), the stored
// outcome.
func created[R any](ctx context.Context, s *Service, res R, existing *store.IdemRecord, err error, idem *Idem) (R, error) {
	var zero R
	if err != nil {
		return zero, s.unavailable(ctx, err)
	}
	if existing != nil {
		return replayed[R](existing, idem)
	}
	return res, nil
}

// isNotFound reports a read of a row that does not exist.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// isConflict reports a unique value taken, or a conditional update lost.
func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }
