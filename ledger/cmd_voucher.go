package ledger

import (
	"crypto/rand"
	"encoding/binary"

	"github.com/ingot-cbdc/ingot"
)

// voucherFundCmd funds wallets with earmarked money of a program
// (vouchers.go): the program, as the service resolved it, is created when
// it does not exist yet, or must have the same terms; each wallet gets
// amount from the program's issuer account into its earmark account of the
// program (made when it has none). All wallets or none: one wallet that
// cannot be funded refuses the command.
type voucherFundCmd struct {
	program ingot.VoucherProgram
	wallets []int64
	amount  int64
}

func (c *voucherFundCmd) locks(ls *lockSet) {
	ls.account(c.program.Issuer)
	ls.account(c.wallets...)
	ls.program(c.program.Program)
}

func (c *voucherFundCmd) weight() int { return len(c.wallets) }

func (c *voucherFundCmd) apply(s *state, a ingot.Actor) (*VoucherFunding, error) {
	p, err := c.programOf(s)
	if err != nil {
		return nil, err
	}
	if !p.Running(s.now) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at: voucher program %q has ended", p.Program)
	}
	issuer := s.accounts[p.Issuer]
	if issuer == nil || issuer.Currency != p.Currency ||
		!(issuer.Kind == ingot.AccountIssuance && p.OperatorID == "" || issuer.Kind == ingot.AccountReserve && issuer.OperatorID == p.OperatorID) {
		return nil, ingot.Errorf(ingot.CodeInternal, "voucher program %q: its issuer account is not locked", p.Program)
	}
	out := &VoucherFunding{Program: *p, Amount: c.amount}
	for _, id := range c.wallets {
		w, err := c.wallet(s, a, id)
		if err != nil {
			return nil, err
		}
		acc, err := s.earmarkOf(w, p)
		if err != nil {
			return nil, err
		}
		t, err := s.move(ingot.KindVoucher, issuer, acc, c.amount, p.Currency, "voucher "+p.Program, "")
		if err != nil {
			return nil, ingot.Prefix(err, "wallet "+ingot.FormatWalletID(w.ID))
		}
		out.Items = append(out.Items, VoucherFundItem{Wallet: w.ID, Transfer: t})
	}
	return out, nil
}

// programOf returns the command's program as locked: the existing one, on
// the same terms, or the new one.
func (c *voucherFundCmd) programOf(s *state) (*ingot.VoucherProgram, error) {
	if p := s.vouch.programs[c.program.Program]; p != nil {
		if !p.SameTerms(&c.program) || p.Issuer != c.program.Issuer {
			return nil, ingot.Errorf(ingot.CodeVoucherProgramConflict, "voucher program %q exists with another issuer, currency, eligibility or expiry", p.Program)
		}
		return p, nil
	}
	p := c.program
	p.CreatedAt = s.now
	s.vouch.programs[p.Program] = &p
	n := len(s.vouch.newPrograms)
	s.vouch.newPrograms = append(s.vouch.newPrograms, p)
	s.onUndo(func() {
		delete(s.vouch.programs, p.Program)
		s.vouch.newPrograms = s.vouch.newPrograms[:n]
	})
	return &p, nil
}

// wallet returns a wallet the program may fund: the operator's own, or
// any for the central bank; a main wallet of the program's currency.
func (c *voucherFundCmd) wallet(s *state, a ingot.Actor, id int64) (*ingot.Account, error) {
	var w *ingot.Account
	var err error
	if a.Role == ingot.RoleCentralBank {
		w, err = s.anyWallet(id)
	} else {
		w, err = s.ownWallet(id, a)
	}
	if err != nil {
		return nil, err
	}
	if w.ParentID != 0 {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s is a sub-wallet; vouchers fund main wallets", ingot.FormatWalletID(w.ID))
	}
	if w.Currency != c.program.Currency {
		return nil, ingot.Errorf(ingot.CodeCurrencyMismatch, "wallet %s holds %s, the voucher is in %s", ingot.FormatWalletID(w.ID), w.Currency, c.program.Currency)
	}
	return w, canSend(w)
}

// earmarkOf returns a wallet's earmark account of a program, making it
// (with its earmark) when the wallet has none yet.
func (s *state) earmarkOf(w *ingot.Account, p *ingot.VoucherProgram) (*ingot.Account, error) {
	for _, id := range s.vouch.byWallet[w.ID] {
		if e := s.vouch.earmarks[id]; e != nil && e.Program == p.Program {
			acc := s.accounts[id]
			if acc == nil {
				return nil, ingot.Errorf(ingot.CodeInternal, "earmark account %d is not locked", id)
			}
			return acc, nil
		}
	}
	acc := &ingot.Account{ID: newSystemID(), Kind: ingot.AccountEarmark, OperatorID: w.OperatorID, Currency: w.Currency,
		Status: ingot.StatusActive, ParentID: w.ID, CreatedAt: s.now}
	if s.accounts[acc.ID] != nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "a new account id is taken")
	}
	e := &ingot.Earmark{Account: acc.ID, Wallet: w.ID, Program: p.Program}
	v := &s.vouch
	s.accounts[acc.ID] = acc
	v.earmarks[acc.ID] = e
	v.byWallet[w.ID] = append(v.byWallet[w.ID], acc.ID)
	na, ne := len(s.newAccounts), len(v.newEarmarks)
	s.newAccounts = append(s.newAccounts, acc.ID)
	v.newEarmarks = append(v.newEarmarks, *e)
	s.onUndo(func() {
		delete(s.accounts, acc.ID)
		delete(v.earmarks, acc.ID)
		v.byWallet[w.ID] = v.byWallet[w.ID][:len(v.byWallet[w.ID])-1]
		s.newAccounts = s.newAccounts[:na]
		v.newEarmarks = v.newEarmarks[:ne]
	})
	return acc, nil
}

// newSystemID is a random account id below 10^15 (never 16 digits, so
// never a wallet number), as the stores give issuance and reserve
// accounts.
func newSystemID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail on supported platforms
	const lo, hi = 1_000_000, 1_000_000_000_000_000
	return lo + int64(binary.BigEndian.Uint64(b[:])%(hi-lo))
}

// voucherExpireCmd returns what is left of earmark accounts whose program
// has ended to the program's issuer (voucher_return) and marks their
// earmarks expired, each exactly once: an earmark already expired, or of
// a program still running, is left as it is.
type voucherExpireCmd struct{ due []dueEarmark }

type dueEarmark struct{ account, issuer int64 }

func (c *voucherExpireCmd) locks(ls *lockSet) {
	for _, d := range c.due {
		ls.account(d.account, d.issuer)
	}
}

func (c *voucherExpireCmd) weight() int { return len(c.due) }

func (c *voucherExpireCmd) apply(s *state, _ ingot.Actor) (int, error) {
	n := 0
	for _, d := range c.due {
		acc, e, p, err := s.earmark(d.account)
		if err != nil {
			return n, err
		}
		if e.Expired || p.Running(s.now) {
			continue
		}
		if acc.Balance > 0 {
			if err := s.returnEarmark(acc, p, acc.Balance); err != nil {
				return n, err
			}
		}
		old := *e
		e.Expired = true
		k := len(s.vouch.expired)
		s.vouch.expired = append(s.vouch.expired, e.Account)
		s.onUndo(func() {
			*e = old
			s.vouch.expired = s.vouch.expired[:k]
		})
		n++
	}
	return n, nil
}
