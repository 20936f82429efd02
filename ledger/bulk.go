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
func newWallet(operatorID string, w WalletRequest, now time.Time) (ingot.Account, error) {
	h := w.Holder
	if err := checkName("holder.name", h.Name, 200); err != nil {
		return ingot.Account{}, err
	}
	h.Name = strings.TrimSpace(h.Name)
	h.Phone = strings.NewReplacer(" ", "", "-", "").Replace(h.Phone)
	if !phoneForm.MatchString(h.Phone) {
		return ingot.Account{}, ingot.Errorf(ingot.CodeInvalidRequest, "holder.phone must be a phone number of 6 to 15 digits, optionally with a leading +")
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
	return ingot.Account{
		ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: operatorID,
		Currency: cur.Code, Status: ingot.StatusActive, WalletKind: kind, Holder: h,
		CreatedAt: now.UTC().Truncate(time.Microsecond),
	}, nil
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
		acc, err := newWallet(a.OperatorID, w, now)
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
	res := &Result{Accounts: accs}
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
