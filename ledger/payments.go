package ledger

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/openfinance"
)

// Payments between wallets, one or a batch, and the reads of transfers and
// of a wallet's history.

// PayRequest is a payment as the API takes it. Authorization is the
// approval a holder's request names (Ingot-Authorization), "" none.
type PayRequest struct {
	From, To, Amount, Currency, Memo string
	// Purpose is an ISO 20022 purpose code (Purp/Cd,
	// ExternalPurpose1Code: 1 to 4 upper-case letters or digits, e.g.
	// SALA), kept with the payment; "" none.
	Purpose       string
	Authorization string
}

var purposeCode = regexp.MustCompile(`^[A-Z0-9]{1,4}$`)

// checkPurpose checks a payment's purpose code: "" (none) or an ISO 20022
// ExternalPurpose1Code's shape.
func checkPurpose(p string) error {
	if p != "" && !purposeCode.MatchString(p) {
		return ingot.Errorf(ingot.CodeInvalidRequest, "purpose must be an ISO 20022 purpose code: 1 to 4 upper-case letters or digits, like GDDS or SALA")
	}
	return nil
}

// MaxMemo is the longest memo, in bytes.
const MaxMemo = 512

func parsePay(p PayRequest) (Item, error) {
	from, err := ingot.ParseWalletID(p.From)
	if err != nil {
		return Item{}, ingot.Prefix(err, "from")
	}
	to, err := ingot.ParseWalletID(p.To)
	if err != nil {
		return Item{}, ingot.Prefix(err, "to")
	}
	cur, err := ingot.LookupCurrency(p.Currency)
	if err != nil {
		return Item{}, err
	}
	v, err := ingot.ParseAmount(p.Amount, cur)
	if err != nil {
		return Item{}, err
	}
	if len(p.Memo) > MaxMemo || !utf8.ValidString(p.Memo) {
		return Item{}, ingot.Errorf(ingot.CodeInvalidRequest, "memo must be valid UTF-8 of at most %d bytes", MaxMemo)
	}
	if err := checkPurpose(p.Purpose); err != nil {
		return Item{}, err
	}
	return Item{From: from, To: to, Amount: v, Currency: cur.Code, Memo: p.Memo, Purpose: p.Purpose}, nil
}

// Pay moves money from one of the operator's wallets to any wallet. A
// payment refused for insufficient funds from a wallet with the reverse
// waterfall pulls the shortfall from its bank first (bank_service.go).
//
// A holder pays from its own wallets, with approval when the payment is
// not exempt (sca.go).
func (s *Service) Pay(ctx context.Context, a ingot.Actor, p PayRequest, idem *Idem) (*ingot.Transfer, error) {
	if a.Role == ingot.RoleProvider {
		return s.payByMandate(ctx, a, p, idem) // openfinance.go
	}
	if err := requireRole(a, walletRoles...); err != nil {
		return nil, err
	}
	it, err := parsePay(p)
	if err != nil {
		return nil, err
	}
	t, err := submitGated(ctx, s, a, &payCmd{it}, payGate(it, p.Authorization), idem)
	if ingot.ErrorCode(err) == ingot.CodeInsufficientFunds {
		return s.reverseWaterfall(ctx, a, it, p.Authorization, idem, ingot.AsError(err))
	}
	return t, err
}

// MaxBatchItems is the most transfers one batch request carries.
const MaxBatchItems = 8000

// PayBatch applies many payments. Items that fail validation are answered
// with their error; with atomic, any failure fails them all.
func (s *Service) PayBatch(ctx context.Context, a ingot.Actor, ps []PayRequest, atomic bool, idem *Idem) ([]ItemResult, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	if len(ps) == 0 || len(ps) > MaxBatchItems {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "transfers must hold 1 to %d items", MaxBatchItems)
	}
	items := make([]Item, 0, len(ps))
	index := make([]int, 0, len(ps)) // position of each valid item
	out := make([]ItemResult, len(ps))
	for i, p := range ps {
		it, err := parsePay(p)
		if err != nil {
			if atomic {
				return nil, ingot.Prefix(err, fmt.Sprintf("transfers[%d]", i))
			}
			out[i].Err = ingot.AsError(err)
			continue
		}
		items = append(items, it)
		index = append(index, i)
	}
	if len(items) == 0 {
		// Nothing can move, so nothing is stored; a key used before for
		// another request is still a conflict.
		if idem != nil {
			rec, err := s.st.Idempotency(ctx, idem.IdemKey)
			if err == nil && string(rec.Hash) != string(idem.Hash) {
				return nil, errIdemConflict
			} else if err != nil && !isNotFound(err) {
				return nil, s.unavailable(ctx, err)
			}
		}
		return out, nil
	}
	// The engine's outcome is that of the valid items; the request's merges
	// in the validation errors, as deterministic on a replay as the first
	// time.
	res, err := submit(ctx, s.eng, a, &payBatchCmd{items: items, atomic: atomic}, idem)
	if err != nil {
		return nil, err
	}
	for j, i := range index {
		out[i] = res[j]
	}
	return out, nil
}

// Transfer reads a transfer. Operators see transfers one of whose accounts
// is theirs, holders those of their wallets; the central bank sees every
// transfer (pseudonymously: wallet ids, no memo, merchant's reference or
// refund's reason; the HTTP layer renders it). Others: not_found.
func (s *Service) Transfer(ctx context.Context, a ingot.Actor, id string) (ingot.Transfer, error) {
	if _, err := uuid.Parse(id); err != nil {
		return ingot.Transfer{}, notFound("transfer " + strconv.Quote(id))
	}
	t, err := s.st.Transfer(ctx, id)
	if isNotFound(err) {
		return ingot.Transfer{}, notFound("transfer " + id)
	}
	if err != nil {
		return ingot.Transfer{}, s.unavailable(ctx, err)
	}
	if a.Role == ingot.RoleCentralBank {
		return t, nil
	}
	for _, acc := range []int64{t.Debit, t.Credit} {
		x, err := s.st.Account(ctx, acc)
		if err != nil {
			return ingot.Transfer{}, s.unavailable(ctx, err)
		}
		if (a.Role == ingot.RoleOperator && x.OperatorID == a.OperatorID) || (a.Role == ingot.RoleHolder && a.Owns(&x)) ||
			(a.Role == ingot.RoleCentralBank && x.Kind == ingot.AccountIssuance) {
			return t, nil
		}
	}
	return ingot.Transfer{}, notFound("transfer " + id)
}

// Entry is a line of a wallet's statement.
type Entry struct {
	Transfer     ingot.Transfer
	Amount       int64 // signed: negative when the wallet paid
	BalanceAfter int64
}

// History lists a wallet's transfers, newest first, for whoever reads the
// wallet (WalletToRead): its operator, its holder, or the central bank,
// whose view the HTTP layer renders pseudonymously as it renders its view
// of a transfer (wallet ids, no memo or merchant's reference).
func (s *Service) History(ctx context.Context, a ingot.Actor, walletID, cursor string, limit int) ([]Entry, string, error) {
	w, err := s.WalletToRead(ctx, a, walletID)
	if err != nil {
		return nil, "", err
	}
	c, err := decodeCursor(cursor, "t")
	if err != nil {
		return nil, "", err
	}
	var before int64
	if c != "" {
		if before, err = strconv.ParseInt(c, 10, 64); err != nil || before <= 0 {
			return nil, "", errBadCursor
		}
	}
	limit = clampLimit(limit)
	ts, err := s.staleReads().AccountTransfers(ctx, w.ID, before, limit+1) // stale.go: may be a replica
	if err != nil {
		return nil, "", s.unavailable(ctx, err)
	}
	next := ""
	if len(ts) > limit {
		ts = ts[:limit]
		next = encodeCursor("t", strconv.FormatInt(ts[limit-1].Seq, 10))
	}
	if a.Role == ingot.RoleProvider {
		// A provider reads at most openfinance.MaxHistory back.
		oldest := s.now().Add(-openfinance.MaxHistory)
		if n := slices.IndexFunc(ts, func(t ingot.Transfer) bool { return t.CreatedAt.Before(oldest) }); n >= 0 {
			ts, next = ts[:n], ""
		}
	}
	out := make([]Entry, len(ts))
	for i, t := range ts {
		if t.Debit == w.ID {
			out[i] = Entry{Transfer: t, Amount: -t.Amount, BalanceAfter: t.DebitBalance}
		} else {
			out[i] = Entry{Transfer: t, Amount: t.Amount, BalanceAfter: t.CreditBalance}
		}
	}
	return out, next, nil
}
