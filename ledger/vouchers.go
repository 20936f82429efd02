package ledger

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// Vouchers: purpose-bound money (docs/vouchers.md). The central bank, or an
// operator for its own wallets, funds wallets with earmarked money of a
// program, which pays only the program's eligible merchants (first, before
// the free balance, in one payment: voucher_state.go) and returns to the
// issuer at the program's expiry (ExpireVouchers).

// VoucherRequest funds wallets with earmarked money of a program: Amount
// (a decimal) to each of Wallets. A program's first request defines it; a
// later one funds more wallets on the same terms.
type VoucherRequest struct {
	Program   string
	Wallets   []string
	Amount    string
	Currency  string
	MCCs      []string
	Merchants []string
	ExpiresAt time.Time
}

// VoucherFunding is what a voucher request did: the program, the amount
// each wallet got and the transfer of each.
type VoucherFunding struct {
	Program ingot.VoucherProgram
	Amount  int64
	Items   []VoucherFundItem
}

// VoucherFundItem is one wallet's funding.
type VoucherFundItem struct {
	Wallet   int64
	Transfer *ingot.Transfer
}

// VoucherStats are a program's totals: Issued, Spent (used at merchants
// less refunds), Returned (to the issuer at expiry) and Outstanding (still
// earmarked); Issued = Spent + Returned + Outstanding.
type VoucherStats struct {
	Program                              ingot.VoucherProgram
	Issued, Spent, Returned, Outstanding int64
	Wallets                              int
}

// Earmarked is a wallet's earmarked money of one program.
type Earmarked struct {
	Program   string
	Amount    int64
	Currency  string
	ExpiresAt time.Time
}

// MaxVoucherEligible is the most MCCs, and the most merchant wallets, a
// program lists.
const MaxVoucherEligible = 1000

var programRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$`)

// IssueVouchers funds wallets with earmarked money of a program, all in one
// engine command: every wallet or none.
func (s *Service) IssueVouchers(ctx context.Context, a ingot.Actor, r VoucherRequest, idem *Idem) (*VoucherFunding, error) {
	if err := requireRole(a, ingot.RoleCentralBank, ingot.RoleOperator); err != nil {
		return nil, ingot.Errorf(ingot.CodeForbidden, "only the central bank or an operator may issue vouchers")
	}
	if !programRe.MatchString(r.Program) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "program: 1 to 100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit")
	}
	cur, err := ingot.LookupCurrency(r.Currency)
	if err == nil && a.Role == ingot.RoleCentralBank {
		err = s.requireIssuer(ctx, a, cur.Code, false) // issuers.go: new money of its own currency only
	}
	if err != nil {
		return nil, err
	}
	amount, err := ingot.ParseAmount(r.Amount, cur)
	if err != nil {
		return nil, ingot.Prefix(err, "amount")
	}
	if len(r.Wallets) == 0 || len(r.Wallets) > ingot.MaxVoucherWallets {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallets: 1 to %d wallets per request", ingot.MaxVoucherWallets)
	}
	wallets := make([]int64, len(r.Wallets))
	seen := make(map[int64]bool, len(r.Wallets))
	for i, w := range r.Wallets {
		id, err := ingot.ParseWalletID(w)
		if err != nil {
			return nil, ingot.Prefix(err, "wallets["+strconv.Itoa(i)+"]")
		}
		if seen[id] {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallets[%d]: wallet %s is listed twice", i, w)
		}
		seen[id] = true
		wallets[i] = id
	}
	if len(r.MCCs) > MaxVoucherEligible || len(r.Merchants) > MaxVoucherEligible {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "eligible: at most %d mccs and %d merchants", MaxVoucherEligible, MaxVoucherEligible)
	}
	p := ingot.VoucherProgram{Program: r.Program, Currency: cur.Code, ExpiresAt: r.ExpiresAt.UTC().Truncate(time.Microsecond)}
	for i, m := range r.MCCs {
		if !mccRe.MatchString(m) {
			return nil, ingot.Errorf(ingot.CodeInvalidRequest, "eligible.mcc[%d]: %q is not a four-digit merchant category code", i, m)
		}
		p.MCCs = append(p.MCCs, m)
	}
	for i, m := range r.Merchants {
		id, err := ingot.ParseWalletID(m)
		if err != nil {
			return nil, ingot.Prefix(err, "eligible.merchants["+strconv.Itoa(i)+"]")
		}
		p.Merchants = append(p.Merchants, id)
	}
	slices.Sort(p.MCCs)
	p.MCCs = slices.Compact(p.MCCs)
	slices.Sort(p.Merchants)
	p.Merchants = slices.Compact(p.Merchants)
	if !p.ExpiresAt.After(s.now()) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at: must be in the future")
	}
	if p.ExpiresAt.After(s.now().AddDate(5, 0, 0)) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at: at most 5 years ahead")
	}
	if a.Role == ingot.RoleOperator {
		p.OperatorID = a.OperatorID
		p.Issuer, err = s.account(ctx, ingot.AccountReserve, a.OperatorID, cur.Code)
	} else {
		p.Issuer, err = s.account(ctx, ingot.AccountIssuance, "", cur.Code)
	}
	if err != nil {
		return nil, err
	}
	return submit(ctx, s.eng, a, &voucherFundCmd{program: p, wallets: wallets, amount: amount}, idem)
}

// VoucherProgram reads a program's totals, for its issuer (an operator's
// program: that operator) and the central bank.
func (s *Service) VoucherProgram(ctx context.Context, a ingot.Actor, name string) (*VoucherStats, error) {
	if err := requireRole(a, ingot.RoleCentralBank, ingot.RoleOperator); err != nil {
		return nil, ingot.Errorf(ingot.CodeForbidden, "only the central bank or an operator may read voucher programs")
	}
	if !programRe.MatchString(name) {
		return nil, notFound("voucher program " + strconv.Quote(name))
	}
	p, err := s.st.VoucherProgram(ctx, name)
	if isNotFound(err) || (err == nil && a.Role == ingot.RoleOperator && p.OperatorID != a.OperatorID) {
		return nil, notFound("voucher program " + strconv.Quote(name))
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	t, err := s.st.VoucherTotals(ctx, name)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return &VoucherStats{Program: p, Issued: t.Issued, Spent: t.Used - t.Refunded, Returned: t.Returned,
		Outstanding: t.Outstanding, Wallets: t.Wallets}, nil
}

// WalletEarmarked lists a wallet's earmarked money by program (those
// ending first first), leaving out programs with nothing left. The caller
// has read the wallet (Service.Wallet or WalletToRead).
func (s *Service) WalletEarmarked(ctx context.Context, wallet int64) ([]Earmarked, error) {
	bs, err := s.st.WalletEarmarks(ctx, wallet)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	out := []Earmarked{}
	for _, b := range bs {
		if b.Balance > 0 {
			out = append(out, Earmarked{Program: b.Program, Amount: b.Balance, Currency: b.Currency, ExpiresAt: b.ExpiresAt})
		}
	}
	return out, nil
}

// voucherExpiryBatch is how many earmarks one expiry command takes.
const voucherExpiryBatch = 500

// ExpireVouchers returns what is left of the earmarked money of ended
// programs to their issuers, up to voucherExpiryBatch earmarks (the
// expiry loop runs it); it answers how many it looked at. The command
// checks again under lock, so that each earmark expires once, however many
// processes run it.
func (s *Service) ExpireVouchers(ctx context.Context) (int, error) {
	ds, err := s.st.DueEarmarks(ctx, s.now(), voucherExpiryBatch)
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	due := make([]dueEarmark, len(ds))
	for i, d := range ds {
		due[i] = dueEarmark{account: d.Account, issuer: d.Issuer}
	}
	_, err = submit(ctx, s.eng, ingot.Actor{}, &voucherExpireCmd{due: due}, nil)
	return len(ds), err
}
