package ledger

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
)

// Wallets: opening them (one, or up to MaxWalletBatch at once), reading
// them, freezing, unfreezing and closing them, and funding them from the
// operator's reserve.

// CreateWallet opens a wallet at the calling operator.
func (s *Service) CreateWallet(ctx context.Context, a ingot.Actor, h ingot.Holder, currency string, kind ingot.WalletKind, idem *Idem) (*WalletView, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	acc, err := s.newWallet(a.OperatorID, WalletRequest{Holder: h, Currency: currency, Kind: kind}, s.now())
	if err != nil {
		return nil, err
	}
	if err := s.requireAdmitted(ctx, a.OperatorID, acc.Currency); err != nil { // issuers.go
		return nil, err
	}
	lim, err := s.Limits(ctx, []ingot.Account{acc})
	if err != nil {
		return nil, err
	}
	res := &WalletView{Account: acc, Limits: lim[0]}
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateAccount(ctx, acc, rec)
	if res, err = created(ctx, s, res, existing, err, idem); err != nil || existing != nil {
		return res, err
	}
	s.screenNew(ctx, acc) // screening.go
	return res, nil
}

// MaxWalletBatch is the most wallets one CreateWallets call opens.
const MaxWalletBatch = 1000

// WalletRequest is one wallet to open: the body of POST /v1/wallets.
type WalletRequest struct {
	Holder   ingot.Holder
	Currency string
	Kind     ingot.WalletKind // "" is personal
}

// newWallet checks a wallet request, as CreateWallet and CreateWallets
// both do, and makes the new wallet account of an operator (a new random
// wallet id, balance zero, created at now).
//
// The holder's phone is normalized to E.164 and the holder's data sealed:
// the account is ready to store. A new wallet is tier 4 (phone only).
func (s *Service) newWallet(operatorID string, w WalletRequest, now time.Time) (ingot.Account, error) {
	h := w.Holder
	if err := checkName("holder.name", h.Name, 200); err != nil {
		return ingot.Account{}, err
	}
	h.Name = strings.TrimSpace(h.Name)
	phone, err := phoneOf("holder.phone", h.Phone)
	if err != nil {
		return ingot.Account{}, err
	}
	h.Phone = phone
	switch h.Kind {
	case "":
		h.Kind = ingot.HolderPerson
	case ingot.HolderPerson, ingot.HolderBusiness:
	default:
		return ingot.Account{}, ingot.Errorf(ingot.CodeInvalidRequest, "holder.kind must be \"person\" or \"business\"")
	}
	cur, err := ingot.LookupCurrency(w.Currency)
	if err != nil {
		return ingot.Account{}, err
	}
	kind := w.Kind
	switch kind {
	case "":
		kind = ingot.WalletPersonal
	case ingot.WalletPersonal, ingot.WalletMerchant:
	default:
		return ingot.Account{}, ingot.Errorf(ingot.CodeInvalidRequest, "kind must be \"personal\" or \"merchant\"")
	}
	a := ingot.Account{
		ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: operatorID,
		Currency: cur.Code, Status: ingot.StatusActive, WalletKind: kind, Holder: h,
		CreatedAt: now.UTC().Truncate(time.Microsecond),
		Tier:      ingot.Tier4, Evidence: ingot.Evidence{PhoneVerified: true},
	}
	if err := s.sealHolder(&a); err != nil {
		return ingot.Account{}, err
	}
	return a, nil
}

// CreateWallets opens up to MaxWalletBatch wallets at the calling operator
// in one transaction: all or none. Each item is checked as CreateWallet
// checks one; the first invalid item refuses the whole request with its
// error, prefixed with "wallets[i]: ", and nothing is created. With idem,
// the rendered answer is stored in the same transaction as the wallets, and
// a repeated request replays it.
func (s *Service) CreateWallets(ctx context.Context, a ingot.Actor, ws []WalletRequest, idem *Idem) ([]WalletView, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	if len(ws) == 0 || len(ws) > MaxWalletBatch {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallets must hold 1 to %d items", MaxWalletBatch)
	}
	now := s.now()
	accs := make([]ingot.Account, len(ws))
	seen := make(map[int64]bool, len(ws))
	for i, w := range ws {
		acc, err := s.newWallet(a.OperatorID, w, now)
		if err != nil {
			return nil, ingot.Prefix(err, fmt.Sprintf("wallets[%d]", i))
		}
		// Ids are random: draw again on the (unlikely) repeat within the batch.
		for seen[acc.ID] {
			acc.ID = ingot.NewWalletID()
		}
		seen[acc.ID] = true
		accs[i] = acc
		if err := s.requireAdmitted(ctx, a.OperatorID, acc.Currency); err != nil { // issuers.go
			return nil, ingot.Prefix(err, fmt.Sprintf("wallets[%d]", i))
		}
	}
	lims, err := s.Limits(ctx, accs)
	if err != nil {
		return nil, err
	}
	res := make([]WalletView, len(accs))
	for i := range accs {
		res[i] = WalletView{Account: accs[i], Limits: lims[i]}
	}
	rec, err := s.outcomeRecord(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateAccounts(ctx, accs, rec)
	if res, err = created(ctx, s, res, existing, err, idem); err != nil || existing != nil {
		return res, err
	}
	s.screenNew(ctx, accs...) // screening.go
	return res, nil
}

// Wallet reads a wallet the caller owns (one of its operator's, or a
// holder's own); any other wallet is not_found, so that nobody can probe
// others' customers.
func (s *Service) Wallet(ctx context.Context, a ingot.Actor, id string) (ingot.Account, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return ingot.Account{}, err
	}
	return s.ownedWallet(ctx, a, id)
}

// ownedWallet reads a wallet the actor owns (ingot.Actor.Owns: an
// operator's, a holder's, one a provider's consent names); any other is
// not_found.
func (s *Service) ownedWallet(ctx context.Context, a ingot.Actor, id string) (ingot.Account, error) {
	wid, err := ingot.ParseWalletID(id)
	if err != nil {
		return ingot.Account{}, err
	}
	acc, err := s.st.Account(ctx, wid)
	if isNotFound(err) || (err == nil && !a.Owns(&acc)) {
		return ingot.Account{}, notFound("wallet " + id)
	}
	if err != nil {
		return ingot.Account{}, s.unavailable(ctx, err)
	}
	return acc, nil
}

// WalletToRead reads a wallet for GET /v1/wallets/{id}: as Wallet does
// for operators and holders, and any wallet for the central bank, whose
// view the HTTP layer renders pseudonymously (controllable anonymity,
// docs/risk.md) — in the currencies it issues.
func (s *Service) WalletToRead(ctx context.Context, a ingot.Actor, id string) (ingot.Account, error) {
	if a.Role == ingot.RoleProvider {
		return s.ownedWallet(ctx, a, id)
	}
	if a.Role != ingot.RoleCentralBank {
		return s.Wallet(ctx, a, id)
	}
	wid, err := ingot.ParseWalletID(id)
	if err != nil {
		return ingot.Account{}, err
	}
	acc, err := s.st.Account(ctx, wid)
	if isNotFound(err) || (err == nil && acc.Kind != ingot.AccountWallet) {
		return ingot.Account{}, notFound("wallet " + id)
	}
	if err != nil {
		return ingot.Account{}, s.unavailable(ctx, err)
	}
	if mine, err := s.governs(ctx, a, acc.Currency); err != nil {
		return ingot.Account{}, err
	} else if !mine {
		return ingot.Account{}, notFound("wallet " + id) // another issuer's currency
	}
	return acc, nil
}

// RecordReveal stores an operator's reveal of a holder's identity as a
// pii.revealed security event (the key, the operator, the wallet and the
// client's address; no personal data), before the identity is shown. Other
// security events are stored on a best-effort basis (auth.Service.Record);
// this one is the reveal's only trace, so when it cannot be stored the
// answer is unavailable and the caller must show nothing.
func (s *Service) RecordReveal(ctx context.Context, a ingot.Actor, wallet int64, address string) error {
	return s.recordRevealEvent(ctx, auth.EventPIIRevealed, a, "wallet "+ingot.FormatWalletID(wallet), address)
}

// recordRevealEvent stores a reveal's security event before anything is
// revealed: when it cannot be stored, the answer is unavailable and
// nothing is shown (fail closed).
func (s *Service) recordRevealEvent(ctx context.Context, typ string, a ingot.Actor, detail, address string) error {
	j, ok := s.st.(eventJournal)
	if !ok {
		return ingot.Errorf(ingot.CodeInternal, "this store keeps no security events: a reveal cannot be recorded")
	}
	var ops []string
	if a.OperatorID != "" {
		ops = []string{a.OperatorID}
	}
	e := auth.SecurityEvent{ID: newID(), Type: typ, Operators: ops, KeyID: a.KeyID, Detail: detail, Address: address, CreatedAt: s.now()}
	if err := j.AddSecurityEvent(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "storing a reveal's security event failed: nothing revealed", "detail", detail, "err", err)
		return ingot.Errorf(ingot.CodeUnavailable, "the reveal cannot be recorded, so nothing is revealed; retry")
	}
	s.log.InfoContext(ctx, "security event", "type", e.Type, "key", e.KeyID, "operators", e.Operators, "address", e.Address, "detail", e.Detail)
	return nil
}

// eventJournal is the part of a store that keeps security events (both
// stores implement auth.Store).
type eventJournal interface {
	AddSecurityEvent(ctx context.Context, e auth.SecurityEvent) error
}

// Wallets lists the operator's wallets by id; a holder's are all on one
// page.
func (s *Service) Wallets(ctx context.Context, a ingot.Actor, cursor string, limit int) ([]ingot.Account, string, error) {
	if a.Role == ingot.RoleHolder {
		ws, err := s.HolderWallets(ctx, a)
		return ws, "", err
	}
	if a.Role == ingot.RoleProvider {
		ws, err := s.providerWallets(ctx, a) // openfinance.go
		return ws, "", err
	}
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, "", err
	}
	c, err := decodeCursor(cursor, "w")
	if err != nil {
		return nil, "", err
	}
	var after int64
	if c != "" {
		if after, err = strconv.ParseInt(c, 10, 64); err != nil {
			return nil, "", errBadCursor
		}
	}
	limit = clampLimit(limit)
	ws, err := s.st.Accounts(ctx, a.OperatorID, ingot.AccountWallet, after, limit+1)
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	next := ""
	if len(ws) > limit {
		ws = ws[:limit]
		next = encodeCursor("w", strconv.FormatInt(ws[limit-1].ID, 10))
	}
	return ws, next, nil
}

// HolderWallets lists a holder's wallets at every operator, by id.
func (s *Service) HolderWallets(ctx context.Context, a ingot.Actor) ([]ingot.Account, error) {
	if err := requireRole(a, ingot.RoleHolder); err != nil {
		return nil, err
	}
	ws, err := s.st.HolderWallets(ctx, a.PhoneHash)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return ws, nil
}

// SetWalletStatus freezes (to frozen), unfreezes (to active) or closes (to
// closed) one of the operator's wallets.
func (s *Service) SetWalletStatus(ctx context.Context, a ingot.Actor, id string, to ingot.Status, idem *Idem) (*WalletView, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	w, err := s.Wallet(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return submit(ctx, s.eng, a, &statusCmd{wallet: w.ID, parent: w.ParentID, to: to}, idem)
}

// Fund tops up a wallet from the operator's reserve (withdraw false) or
// withdraws from it to the reserve.
func (s *Service) Fund(ctx context.Context, a ingot.Actor, walletID, amount string, withdraw bool, idem *Idem) (*ingot.Transfer, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, ingot.Errorf(ingot.CodeForbidden, "a top-up or withdrawal against the operator's reserve is the operator's act; a holder tops up and withdraws through a linked bank account (bank_account_id)")
	}
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	cur := ingot.MustCurrency(w.Currency)
	v, err := ingot.ParseAmount(amount, cur)
	if err != nil {
		return nil, err
	}
	res, err := s.account(ctx, ingot.AccountReserve, a.OperatorID, cur.Code)
	if err != nil {
		return nil, err
	}
	if withdraw {
		return submit(ctx, s.eng, a, &withdrawCmd{wallet: w.ID, reserve: res, amount: v, currency: cur.Code}, idem)
	}
	return submit(ctx, s.eng, a, &topUpCmd{reserve: res, wallet: w.ID, amount: v, currency: cur.Code}, idem)
}
