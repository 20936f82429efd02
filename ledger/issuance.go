package ledger

import (
	"context"
	"strconv"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
)

// account resolves the issuance account or an operator's reserve, creating
// it on first use. Ids never change, so they are cached.
func (s *Service) account(ctx context.Context, kind ingot.AccountKind, operatorID, currency string) (int64, error) {
	k := string(kind) + "|" + operatorID + "|" + currency
	if v, ok := s.accounts.Load(k); ok {
		return v.(int64), nil
	}
	acc, err := s.st.EnsureAccount(ctx, kind, operatorID, currency)
	if err != nil {
		return 0, s.unavailable(ctx, err)
	}
	s.accounts.Store(k, acc.ID)
	if kind == ingot.AccountReserve {
		s.owners.Store(acc.ID, operatorID)
	}
	return acc.ID, nil
}

// ReserveOperator is the operator whose reserve or fee account is one side
// of a transfer (a mint, burn, top-up or withdrawal; a fee or its refund),
// or "" when neither side is one. Owners never change, so they are cached.
func (s *Service) ReserveOperator(ctx context.Context, t *ingot.Transfer) string {
	for _, id := range []int64{t.Debit, t.Credit} {
		if ingot.IsWalletID(id) {
			continue
		}
		if v, ok := s.owners.Load(id); ok {
			return v.(string)
		}
		acc, err := s.st.Account(ctx, id)
		if err != nil || (acc.Kind != ingot.AccountReserve && acc.Kind != ingot.AccountFee) {
			continue
		}
		s.owners.Store(id, acc.OperatorID)
		return acc.OperatorID
	}
	return ""
}

// Issue mints (burn false) or burns an amount for an operator's reserve.
func (s *Service) Issue(ctx context.Context, a ingot.Actor, burn bool, operatorID, amount, currency string, idem *Idem) (*ingot.Transfer, error) {
	if err := requireRole(a, ingot.RoleCentralBank); err != nil {
		return nil, err
	}
	cur, err := ingot.LookupCurrency(currency)
	if err != nil {
		return nil, err
	}
	v, err := ingot.ParseAmount(amount, cur)
	if err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(operatorID); err != nil {
		return nil, notFound("operator " + strconv.Quote(operatorID))
	}
	if _, err := s.st.Operator(ctx, operatorID); isNotFound(err) {
		return nil, notFound("operator " + operatorID)
	} else if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if err := s.requireIssuer(ctx, a, cur.Code, !burn); err != nil { // issuers.go
		return nil, err
	}
	if err := s.requireAdmitted(ctx, operatorID, cur.Code); err != nil {
		return nil, err
	}
	iss, err := s.account(ctx, ingot.AccountIssuance, "", cur.Code)
	if err != nil {
		return nil, err
	}
	res, err := s.account(ctx, ingot.AccountReserve, operatorID, cur.Code)
	if err != nil {
		return nil, err
	}
	if burn {
		return submit(ctx, s.eng, a, &burnCmd{reserve: res, issuance: iss, amount: v, currency: cur.Code}, idem)
	}
	return submit(ctx, s.eng, a, &mintCmd{issuance: iss, reserve: res, amount: v, currency: cur.Code}, idem)
}

// Supply is the issued amount of a currency and where it is held.
type Supply struct {
	Currency                  ingot.Currency
	Issued, Reserves, Wallets int64
	Fees                      int64 // operators' fee accounts
	Earmarked                 int64 // wallets' earmarked money (vouchers)
	Offline                   int64 // the money on offline devices
	Held                      int64
}

// Supply reads the supply of a currency, for its issuer.
func (s *Service) Supply(ctx context.Context, a ingot.Actor, currency string) (Supply, error) {
	if err := requireRole(a, ingot.RoleCentralBank); err != nil {
		return Supply{}, err
	}
	cur, err := ingot.LookupCurrency(currency)
	if err != nil {
		return Supply{}, err
	}
	if err := s.requireIssuer(ctx, a, cur.Code, false); err != nil { // issuers.go
		return Supply{}, err
	}
	t, err := s.st.Totals(ctx, cur.Code)
	if err != nil {
		return Supply{}, s.unavailable(ctx, err)
	}
	return Supply{Currency: cur, Issued: -t.Issuance, Reserves: t.Reserves, Wallets: t.Wallets, Fees: t.Fees, Earmarked: t.Earmarked, Offline: t.Offline, Held: t.Held}, nil
}
