package ledger

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

var operatorCode = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,31}$`)

// NewOperator is a registered operator and its first API key's secret,
// shown once: never stored, so absent from a replay.
type NewOperator struct {
	Operator ingot.Operator
	APIKey   string `json:"-"`
}

// CreateOperator registers an operator and makes its first API key.
func (s *Service) CreateOperator(ctx context.Context, a ingot.Actor, name, code string, idem *Idem) (*NewOperator, error) {
	return s.CreateOperatorIn(ctx, a, name, code, "", idem)
}

// CreateOperatorIn is CreateOperator with the operator's country (its
// wallets' jurisdiction, ISO 3166-1 alpha-2; "" is the deployment's
// default, Options.Country).
func (s *Service) CreateOperatorIn(ctx context.Context, a ingot.Actor, name, code, country string, idem *Idem) (*NewOperator, error) {
	if err := requireRole(a, ingot.RoleCentralBank); err != nil {
		return nil, err
	}
	if err := checkName("name", name, 200); err != nil {
		return nil, err
	}
	if !operatorCode.MatchString(code) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "code must be 2-32 upper-case letters, digits, '_' or '-', like \"ICBC\"")
	}
	if country == "" {
		country = s.eng.countries.def
	}
	if _, err := ParseCountry(country); err != nil {
		return nil, err
	}
	now := s.now()
	op := ingot.Operator{ID: newID(), Name: strings.TrimSpace(name), Code: code, Country: country, IssuerID: issuerOfActor(a), CreatedAt: now}
	secret := s.newSecret()
	key := ingot.APIKey{ID: newID(), Role: ingot.RoleOperator, OperatorID: op.ID, Hash: HashSecret(secret), CreatedAt: now}
	res := &NewOperator{Operator: op}
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateOperator(ctx, op, key, rec)
	if errors.Is(err, store.ErrConflict) {
		return nil, ingot.Errorf(ingot.CodeConflict, "an operator with code %s exists already", code)
	}
	if res, err = created(ctx, s, res, existing, err, idem); err != nil || existing != nil {
		return res, err
	}
	res.APIKey = secret
	return res, nil
}

// Operators lists operators for the central bank.
func (s *Service) Operators(ctx context.Context, a ingot.Actor, cursor string, limit int) ([]ingot.Operator, string, error) {
	if err := requireRole(a, ingot.RoleCentralBank); err != nil {
		return nil, "", err
	}
	after, err := decodeCursor(cursor, "op")
	if err != nil {
		return nil, "", err
	}
	limit = clampLimit(limit)
	ops, err := s.st.Operators(ctx, after, limit+1)
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	next := ""
	if len(ops) > limit {
		ops = ops[:limit]
		next = encodeCursor("op", ops[limit-1].ID)
	}
	for i := range ops {
		s.withCountry(&ops[i])
	}
	return ops, next, nil
}

// Me returns the calling operator and its reserve accounts.
func (s *Service) Me(ctx context.Context, a ingot.Actor) (op ingot.Operator, reserves, fees []ingot.Account, err error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return ingot.Operator{}, nil, nil, err
	}
	if op, err = s.st.Operator(ctx, a.OperatorID); err != nil {
		return ingot.Operator{}, nil, nil, s.unavailable(ctx, err)
	}
	s.withCountry(&op)
	if reserves, err = s.st.Accounts(ctx, a.OperatorID, ingot.AccountReserve, 0, 1000); err != nil {
		return ingot.Operator{}, nil, nil, s.unavailable(ctx, err)
	}
	if fees, err = s.st.Accounts(ctx, a.OperatorID, ingot.AccountFee, 0, 1000); err != nil {
		return ingot.Operator{}, nil, nil, s.unavailable(ctx, err)
	}
	return op, reserves, fees, nil
}

// withCountry fills in the default jurisdiction of an operator registered
// before operators had one.
func (s *Service) withCountry(op *ingot.Operator) {
	if op.Country == "" {
		op.Country = s.eng.countries.def
	}
}
