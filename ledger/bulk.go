package ledger

import (
	"context"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
)

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
func (s *Service) CreateWallets(ctx context.Context, a Actor, ws []WalletRequest, idem *Idem) (*Result, error) {
	if err := s.requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	if len(ws) == 0 || len(ws) > MaxWalletBatch {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallets must hold 1 to %d items", MaxWalletBatch)
	}
	now := time.Now()
	accs := make([]ingot.Account, len(ws))
	seen := make(map[int64]bool, len(ws))
	for i, w := range ws {
		acc, err := s.newWallet(a.OperatorID, w, now)
		if err != nil {
			return nil, ingot.Errorf(ingot.ErrorCode(err), "wallets[%d]: %s", i, err.(*ingot.Error).Detail)
		}
		// Ids are random: draw again on the (unlikely) repeat within the batch.
		for seen[acc.ID] {
			acc.ID = ingot.NewWalletID()
		}
		seen[acc.ID] = true
		accs[i] = acc
	}
	lims, err := s.Limits(ctx, accs)
	if err != nil {
		return nil, err
	}
	res := &Result{Accounts: accs, AccountLimits: lims}
	rec, err := s.record(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateAccounts(ctx, accs, rec)
	if err != nil {
		return nil, unavailable(err)
	}
	if existing != nil {
		return checkReplay(existing, idem)
	}
	return res, nil
}
