package bank

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

// ErrSandboxInsufficient is returned by SandboxStore.SandboxPost when a
// debit would take a sandbox deposit account below zero.
var ErrSandboxInsufficient = errors.New("bank: sandbox account has insufficient funds")

// SandboxAccount is a deposit account of the sandbox bank. It is found by a
// keyed hash of bank code and number; the holder's name is sealed.
type SandboxAccount struct {
	Hash       []byte
	BankCode   string
	HolderName string // sealed
	Currency   string
	Balance    int64
	Closed     bool
	CreatedAt  time.Time
}

// SandboxEntry is one posting to a sandbox account; Ref is unique, which
// makes postings idempotent.
type SandboxEntry struct {
	Ref       string
	Hash      []byte
	Amount    int64 // signed: negative for a debit
	CreatedAt time.Time
}

// SandboxStore is the storage the sandbox bank needs: deposit accounts and
// their postings, in Ingot's own database. sqlite.Store and postgres.Store
// implement it, and store/storetest checks both.
type SandboxStore interface {
	// SandboxOpen opens a deposit account; a taken hash is store.ErrConflict.
	SandboxOpen(ctx context.Context, a SandboxAccount) error
	// SandboxAccount reads a deposit account by hash, or store.ErrNotFound.
	SandboxAccount(ctx context.Context, hash []byte) (SandboxAccount, error)
	// SandboxPost posts a signed amount to an account under a unique ref,
	// in one transaction. When ref was posted already, nothing changes and
	// the first entry is returned with replay true. A debit below zero is
	// ErrSandboxInsufficient; an unknown account store.ErrNotFound.
	SandboxPost(ctx context.Context, hash []byte, ref string, amount int64, now time.Time) (e SandboxEntry, replay bool, err error)
}

// Sandbox is a bank for tests and the quickstart: deposit accounts with
// balances in Ingot's own database (SandboxStore), one entry per reference,
// so Debit and Credit are idempotent as a real bank's are. Accounts are
// found by a keyed hash of bank code and number, and the holder's name is
// sealed: the sandbox keeps no personal data in clear.
//
// It can be told to misbehave for the next N calls (SetFault): refuse them
// ("fail"), apply them and then answer with a timeout ("timeout": the
// caller does not learn the outcome), or answer correctly but late
// ("slow").
type Sandbox struct {
	st   SandboxStore
	keys *pii.Keys
	// Delay is how late a "timeout" or "slow" call answers.
	Delay time.Duration
	// Now is the sandbox's clock, the time of its postings; nil is
	// time.Now. Tests set it, before the sandbox is used, to move time.
	Now func() time.Time

	mu    sync.Mutex
	mode  string
	count int
}

var _ Connector = (*Sandbox)(nil)

// Fault modes.
const (
	FaultFail    = "fail"
	FaultTimeout = "timeout"
	FaultSlow    = "slow"
	FaultNone    = "none"
)

// NewSandbox returns a sandbox bank over st, sealing with keys.
func NewSandbox(st SandboxStore, keys *pii.Keys) *Sandbox {
	return &Sandbox{st: st, keys: keys, Delay: 2 * time.Second}
}

// SetFault makes the next n calls misbehave in mode; "none" or n 0 clears.
func (s *Sandbox) SetFault(mode string, n int) error {
	switch mode {
	case FaultFail, FaultTimeout, FaultSlow, FaultNone:
	default:
		return fmt.Errorf("mode must be fail, timeout, slow or none")
	}
	if n < 0 {
		return fmt.Errorf("count must not be negative")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode, s.count = mode, n
	if mode == FaultNone {
		s.count = 0
	}
	return nil
}

func (s *Sandbox) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// next takes one fault, if any is due.
func (s *Sandbox) next() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count <= 0 {
		return ""
	}
	s.count--
	return s.mode
}

func (s *Sandbox) hash(a Account) []byte {
	return s.keys.LookupHash("sandbox_bank_account", strings.TrimSpace(a.BankCode)+"/"+strings.TrimSpace(a.Number))
}

func sealContext(hash []byte) string { return "sandbox_holder_name:" + hex.EncodeToString(hash) }

// Open opens a deposit account with a balance (minor units). A taken
// account is store.ErrConflict.
func (s *Sandbox) Open(ctx context.Context, a Account, holderName, currency string, balance int64, now time.Time) error {
	h := s.hash(a)
	sealed, err := s.keys.Seal(holderName, sealContext(h))
	if err != nil {
		return err
	}
	return s.st.SandboxOpen(ctx, SandboxAccount{Hash: h, BankCode: a.BankCode, HolderName: sealed, Currency: currency,
		Balance: balance, CreatedAt: now.UTC().Truncate(time.Microsecond)})
}

// Lookup reads a deposit account, with the holder's name opened.
func (s *Sandbox) Lookup(ctx context.Context, a Account) (SandboxAccount, error) {
	acc, err := s.st.SandboxAccount(ctx, s.hash(a))
	if err != nil {
		return SandboxAccount{}, err
	}
	name, err := s.keys.Open(acc.HolderName, sealContext(acc.Hash))
	if err != nil {
		return SandboxAccount{}, err
	}
	acc.HolderName = name
	return acc, nil
}

// misbehave runs call under the current fault.
func (s *Sandbox) misbehave(ctx context.Context, call func() error) error {
	switch s.next() {
	case FaultFail:
		return Refused(RefusedDeclined, "the sandbox bank was told to refuse this call")
	case FaultTimeout:
		_ = call()
		if err := sleep(ctx, s.Delay); err != nil {
			return err
		}
		return fmt.Errorf("%w: the sandbox bank timed out", ErrUnknown)
	case FaultSlow:
		if err := sleep(ctx, s.Delay); err != nil {
			return err
		}
	}
	return call()
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrUnknown, ctx.Err())
	}
}

func (s *Sandbox) account(ctx context.Context, a Account, currency string) (SandboxAccount, error) {
	acc, err := s.Lookup(ctx, a)
	if errors.Is(err, store.ErrNotFound) {
		return acc, Refused(RefusedNotFound, "no such account at bank %s", a.BankCode)
	}
	if err != nil {
		return acc, fmt.Errorf("%w: %w", ErrUnknown, err)
	}
	if acc.Closed {
		return acc, Refused(RefusedClosed, "the account is closed")
	}
	if acc.Currency != currency {
		return acc, Refused(RefusedCurrency, "the account is in %s, not %s", acc.Currency, currency)
	}
	return acc, nil
}

// Verify checks an account and its holder's name.
func (s *Sandbox) Verify(ctx context.Context, ref string, a Account, holderName, currency string) error {
	return s.misbehave(ctx, func() error {
		acc, err := s.account(ctx, a, currency)
		if err != nil {
			return err
		}
		if !SameName(acc.HolderName, holderName) {
			return Refused(RefusedHolderName, "the holder's name does not match the account's")
		}
		return nil
	})
}

// Debit takes amount from an account, once per ref.
func (s *Sandbox) Debit(ctx context.Context, ref string, a Account, amount int64, currency string) error {
	return s.misbehave(ctx, func() error { return s.post(ctx, ref, a, -amount, currency) })
}

// Credit gives amount to an account, once per ref.
func (s *Sandbox) Credit(ctx context.Context, ref string, a Account, amount int64, currency string) error {
	return s.misbehave(ctx, func() error { return s.post(ctx, ref, a, amount, currency) })
}

func (s *Sandbox) post(ctx context.Context, ref string, a Account, amount int64, currency string) error {
	if ref == "" || amount == 0 {
		return Refused(RefusedDeclined, "a reference and a non-zero amount are required")
	}
	acc, err := s.account(ctx, a, currency)
	if err != nil {
		return err
	}
	e, replay, err := s.st.SandboxPost(ctx, acc.Hash, ref, amount, s.now())
	switch {
	case errors.Is(err, ErrSandboxInsufficient):
		return Refused(RefusedInsufficientFunds, "insufficient funds")
	case err != nil:
		return fmt.Errorf("%w: %w", ErrUnknown, err)
	case replay && e.Amount != amount:
		return Refused(RefusedDeclined, "reference %s was used for another posting", ref)
	}
	return nil
}
