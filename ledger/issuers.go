package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Several issuers (issue 15; ingot.Issuer). A currency's issuer alone
// mints and burns it, reads its supply and sets its tiers' limits; the
// administrator registers issuers; an operator holds reserves and opens
// wallets in a currency only when the currency's issuer registered or
// admitted it.

// MaxIssuerCurrencies is the most currencies one issuer issues.
const MaxIssuerCurrencies = 8

// IssuerRequest is the body of POST /v1/issuers.
type IssuerRequest struct {
	Name       string
	Country    string
	Currencies []string
}

// NewIssuer is a registered issuer and its first API key's secret, shown
// once: never stored, so absent from a replay.
type NewIssuer struct {
	Issuer ingot.Issuer
	APIKey string `json:"-"`
}

// orAdmin is an issuer id as stored on keys, actors and operators: ""
// (made before several issuers, or a test's bare actor) is the
// administrator's.
func orAdmin(issuerID string) string {
	if issuerID == "" {
		return ingot.AdminIssuerID
	}
	return issuerID
}

// issuerOfActor is a central bank actor's issuer.
func issuerOfActor(a ingot.Actor) string { return orAdmin(a.IssuerID) }

// requireAdmin refuses everyone but the platform's administrator.
func requireAdmin(a ingot.Actor) error {
	if a.Role != ingot.RoleCentralBank || issuerOfActor(a) != ingot.AdminIssuerID {
		return ingot.Errorf(ingot.CodeForbidden, "only the platform's administrator may do this")
	}
	return nil
}

// CreateIssuer registers a central bank and the currencies it issues, and
// makes its first API key; the administrator only.
func (s *Service) CreateIssuer(ctx context.Context, a ingot.Actor, r IssuerRequest, idem *Idem) (*NewIssuer, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	if err := checkName("name", r.Name, 200); err != nil {
		return nil, err
	}
	if r.Country == "" {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "country is required: ISO 3166-1 alpha-2, like \"HK\"")
	}
	country, err := ParseCountry(r.Country)
	if err != nil {
		return nil, err
	}
	if len(r.Currencies) == 0 || len(r.Currencies) > MaxIssuerCurrencies {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "currencies must name 1 to %d ISO 4217 codes", MaxIssuerCurrencies)
	}
	codes := make([]string, len(r.Currencies))
	for i, c := range r.Currencies {
		cur, err := ingot.LookupCurrency(c)
		if err != nil {
			return nil, ingot.Prefix(err, fmt.Sprintf("currencies[%d]", i))
		}
		if slices.Contains(codes[:i], cur.Code) {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "currencies[%d]: %s is listed twice", i, cur.Code)
		}
		codes[i] = cur.Code
	}
	slices.Sort(codes)
	now := s.now()
	iss := ingot.Issuer{ID: uuid.NewString(), Name: strings.TrimSpace(r.Name), Country: country, Currencies: codes, CreatedAt: now}
	secret := s.newSecret()
	key := ingot.APIKey{ID: newID(), Role: ingot.RoleCentralBank, IssuerID: iss.ID, Name: iss.Name + " (first key)",
		Hash: HashSecret(secret), CreatedAt: now}
	res := &NewIssuer{Issuer: iss}
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateIssuer(ctx, iss, key, rec)
	if errors.Is(err, store.ErrConflict) {
		return nil, ingot.Errorf(ingot.CodeConflict, "a currency among %s has an issuer already: a currency has exactly one", strings.Join(codes, ", "))
	}
	if res, err = created(ctx, s, res, existing, err, idem); err != nil || existing != nil {
		return res, err
	}
	res.APIKey = secret
	return res, nil
}

// Issuers lists the platform's issuers and their currencies, for central
// banks and operators.
func (s *Service) Issuers(ctx context.Context, a ingot.Actor) ([]ingot.Issuer, error) {
	if err := requireRole(a, ingot.RoleCentralBank, ingot.RoleOperator); err != nil {
		return nil, err
	}
	out, err := s.st.Issuers(ctx)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return out, nil
}

// Issuer reads one issuer, for central banks and operators.
func (s *Service) Issuer(ctx context.Context, a ingot.Actor, id string) (ingot.Issuer, error) {
	if err := requireRole(a, ingot.RoleCentralBank, ingot.RoleOperator); err != nil {
		return ingot.Issuer{}, err
	}
	iss, err := s.st.Issuer(ctx, id)
	if isNotFound(err) {
		return ingot.Issuer{}, notFound("issuer " + id)
	}
	if err != nil {
		return ingot.Issuer{}, s.unavailable(ctx, err)
	}
	return iss, nil
}

// AdmitOperator admits an operator to the calling issuer's currencies:
// it may then hold reserves and open wallets in them. Admitting it again
// does nothing.
func (s *Service) AdmitOperator(ctx context.Context, a ingot.Actor, issuerID, operatorID string) error {
	if err := requireRole(a, ingot.RoleCentralBank); err != nil {
		return err
	}
	if issuerOfActor(a) != issuerID {
		return ingot.Errorf(ingot.CodeForbidden, "an issuer admits operators to its own currencies only")
	}
	if _, err := uuid.Parse(operatorID); err != nil {
		return notFound("operator " + operatorID)
	}
	if _, err := s.st.Operator(ctx, operatorID); isNotFound(err) {
		return notFound("operator " + operatorID)
	} else if err != nil {
		return s.unavailable(ctx, err)
	}
	if err := s.st.AdmitOperator(ctx, issuerID, operatorID, s.now()); err != nil {
		return s.unavailable(ctx, err)
	}
	return nil
}

// currencyIssuer is the issuer of a currency, and whether one has claimed
// it: a currency no issuer issues yet is the administrator's to claim by
// minting it. A currency's issuer never changes once it has one.
func (s *Service) currencyIssuer(ctx context.Context, currency string) (id string, claimed bool, err error) {
	k := "currency|" + currency
	if v, ok := s.issuers.Load(k); ok {
		return v.(string), true, nil
	}
	id, err = s.st.CurrencyIssuer(ctx, currency)
	if isNotFound(err) {
		return ingot.AdminIssuerID, false, nil
	}
	if err != nil {
		return "", false, s.unavailable(ctx, err)
	}
	s.issuers.Store(k, id)
	return id, true, nil
}

// requireIssuer refuses a caller that is not the currency's issuer. With
// claim, the administrator becomes the issuer of a currency that has none
// (its first mint).
func (s *Service) requireIssuer(ctx context.Context, a ingot.Actor, currency string, claim bool) error {
	if err := requireRole(a, ingot.RoleCentralBank); err != nil {
		return err
	}
	mine := issuerOfActor(a)
	owner, claimed, err := s.currencyIssuer(ctx, currency)
	if err != nil {
		return err
	}
	if !claimed && claim && mine == ingot.AdminIssuerID {
		if owner, err = s.st.ClaimCurrency(ctx, currency, mine); err != nil {
			return s.unavailable(ctx, err)
		}
		s.issuers.Store("currency|"+currency, owner)
	}
	if owner != mine {
		return ingot.Errorf(ingot.CodeForbidden, "%s is another issuer's currency", currency)
	}
	return nil
}

// governs reports whether a central bank actor is the currency's issuer.
func (s *Service) governs(ctx context.Context, a ingot.Actor, currency string) (bool, error) {
	owner, _, err := s.currencyIssuer(ctx, currency)
	return err == nil && owner == issuerOfActor(a), err
}

// requireAdmitted refuses an operator that the currency's issuer neither
// registered nor admitted.
func (s *Service) requireAdmitted(ctx context.Context, operatorID, currency string) error {
	owner, _, err := s.currencyIssuer(ctx, currency)
	if err != nil {
		return err
	}
	k := "admitted|" + owner + "|" + operatorID
	if _, ok := s.issuers.Load(k); ok {
		return nil
	}
	op, err := s.st.Operator(ctx, operatorID)
	if isNotFound(err) {
		return notFound("operator " + operatorID)
	}
	if err != nil {
		return s.unavailable(ctx, err)
	}
	ok := orAdmin(op.IssuerID) == owner
	if !ok {
		if ok, err = s.st.Admitted(ctx, owner, operatorID); err != nil {
			return s.unavailable(ctx, err)
		}
	}
	if !ok {
		return ingot.Errorf(ingot.CodeOperatorNotAdmitted, "operator %s is not admitted to %s by its issuer", op.Code, currency)
	}
	s.issuers.Store(k, true) // admissions are never withdrawn
	return nil
}

// requireAdminOversight admits the platform's administrator only, for the
// central bank's own powers: screening lists and reveals (identities
// behind a case). Another issuer oversees its own currencies' alerts,
// reviews, rules and cases (oversightOf) but gets 403 forbidden here.
func requireAdminOversight(a ingot.Actor) error {
	if err := requireRole(a, ingot.RoleCentralBank); err != nil {
		return err
	}
	return adminOnlyOversight(a)
}

// oversight is what a reader of the risk oversight (alerts, reviews, the
// large-value report) sees: an operator its own wallets' (operator), the
// administrator everything, another issuer what concerns the currencies it
// issues (currencies, not nil).
type oversight struct {
	operator   string
	currencies []string
}

// sees reports whether the reader sees what concerns a wallet of an
// operator, in a currency.
func (o oversight) sees(operatorID, currency string) bool {
	return (o.operator == "" || o.operator == operatorID) && (o.currencies == nil || slices.Contains(o.currencies, currency))
}

// oversightOf admits operators and central banks to the oversight's reads:
// an issuer that is not the administrator reads those of its own
// currencies only.
func (s *Service) oversightOf(ctx context.Context, a ingot.Actor) (oversight, error) {
	if err := requireRole(a, ingot.RoleOperator, ingot.RoleCentralBank); err != nil {
		return oversight{}, err
	}
	if a.Role == ingot.RoleOperator {
		return oversight{operator: a.OperatorID}, nil
	}
	id := issuerOfActor(a)
	if id == ingot.AdminIssuerID {
		return oversight{}, nil
	}
	iss, err := s.st.Issuer(ctx, id)
	if err != nil {
		return oversight{}, s.unavailable(ctx, err)
	}
	return oversight{currencies: append([]string{}, iss.Currencies...)}, nil
}

func adminOnlyOversight(a ingot.Actor) error {
	if a.Role == ingot.RoleCentralBank && issuerOfActor(a) != ingot.AdminIssuerID {
		return ingot.Errorf(ingot.CodeForbidden, "reveals and screening are the platform administrator's; another issuer oversees its own currencies' alerts, reviews, rules and cases")
	}
	return nil
}
