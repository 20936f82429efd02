// Package conditional holds the rules of conditional payments
// (docs/programmable.md): money held on the payer's wallet and paid to the
// payee once a condition holds. A condition is a small tree, not code:
// leaves are a time, a hash lock, an approver's release and the payee's
// acceptance, combined with all and any. This package parses, checks and
// evaluates conditions; it does no I/O.
package conditional

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
)

// Limits of a condition's tree.
const (
	MaxDepth  = 4  // nested all/any
	MaxLeaves = 16 // leaves in all
	MaxBytes  = 8 << 10
)

// Condition is one node of a condition's tree: exactly one field is set.
type Condition struct {
	// After holds from that time on; the engine releases a payment whose
	// condition an After made true by itself.
	After *time.Time `json:"after,omitempty"`
	// Hashlock is the lower-case hex SHA-256 of a secret: it holds once
	// someone presented the secret (the preimage).
	Hashlock string `json:"hashlock,omitempty"`
	// Approver holds once that party released the payment.
	Approver *Party `json:"approver,omitempty"`
	// PayeeAccepts holds once the payee (its holder or operator) accepted.
	PayeeAccepts bool `json:"payee_accepts,omitempty"`
	// All holds when each of its conditions holds; Any when one does.
	All []Condition `json:"all,omitempty"`
	Any []Condition `json:"any,omitempty"`
}

// Party is an approver: a wallet (its holder, or its operator on its
// behalf) or an operator (any of its keys). Exactly one is set.
type Party struct {
	Wallet   string `json:"wallet,omitempty"`
	Operator string `json:"operator,omitempty"`
}

// Key names the party in Met.Approvals: "wallet:<id>" or "operator:<id>".
func (p Party) Key() string {
	if p.Wallet != "" {
		return "wallet:" + p.Wallet
	}
	return "operator:" + p.Operator
}

// Parse decodes and checks a condition (as the API receives it): every
// node has exactly one field; times are RFC 3339; hash locks are 64 hex
// digits (kept lower-case); an approver names a 16-digit wallet id or an
// operator's UUID; all and any are not empty; the tree is at most MaxDepth
// deep with at most MaxLeaves leaves. Errors are invalid_condition.
func Parse(b []byte) (Condition, error) {
	var c Condition
	if len(b) > MaxBytes {
		return c, invalid("the condition is longer than %d bytes", MaxBytes)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&c); err != nil {
		return c, invalid("the condition is not valid JSON of the condition's form: %v", err)
	}
	if d.More() {
		return c, invalid("the condition is followed by more data")
	}
	leaves := 0
	if err := c.check(1, &leaves, "condition"); err != nil {
		return c, err
	}
	return c, nil
}

func invalid(format string, args ...any) error {
	return ingot.Errorf(ingot.CodeInvalidCondition, format, args...)
}

func (c *Condition) check(depth int, leaves *int, at string) error {
	n := 0
	if c.After != nil {
		n++
		t := c.After.UTC().Truncate(time.Microsecond)
		c.After = &t
	}
	if c.Hashlock != "" {
		n++
		c.Hashlock = strings.ToLower(c.Hashlock)
		if b, err := hex.DecodeString(c.Hashlock); err != nil || len(b) != sha256.Size {
			return invalid("%s.hashlock must be a SHA-256 in hex (64 hex digits)", at)
		}
	}
	if c.Approver != nil {
		n++
		p := c.Approver
		switch {
		case (p.Wallet == "") == (p.Operator == ""):
			return invalid("%s.approver names exactly one of wallet and operator", at)
		case p.Wallet != "":
			if _, err := ingot.ParseWalletID(p.Wallet); err != nil {
				return invalid("%s.approver.wallet: %s", at, ingot.AsError(err).Detail)
			}
		default:
			if _, err := uuid.Parse(p.Operator); err != nil || len(p.Operator) != 36 {
				return invalid("%s.approver.operator is not an operator id", at)
			}
			p.Operator = strings.ToLower(p.Operator)
		}
	}
	if c.PayeeAccepts {
		n++
	}
	if c.All != nil {
		n++
	}
	if c.Any != nil {
		n++
	}
	if n != 1 {
		return invalid("%s has %d of after, hashlock, approver, payee_accepts, all and any; it needs exactly one (payee_accepts only as true)", at, n)
	}
	if c.All == nil && c.Any == nil {
		*leaves++
		if *leaves > MaxLeaves {
			return invalid("the condition has more than %d leaves", MaxLeaves)
		}
		return nil
	}
	if depth >= MaxDepth {
		return invalid("%s nests all/any deeper than %d levels", at, MaxDepth)
	}
	list, name := c.All, "all"
	if c.Any != nil {
		list, name = c.Any, "any"
	}
	if len(list) == 0 {
		return invalid("%s.%s is empty", at, name)
	}
	for i := range list {
		if err := list[i].check(depth+1, leaves, fmt.Sprintf("%s.%s[%d]", at, name, i)); err != nil {
			return err
		}
	}
	return nil
}

// Met is what parties have done towards a condition so far.
type Met struct {
	// Preimages maps a hash lock to the preimage (hex) that opened it.
	Preimages map[string]string `json:"preimages,omitempty"`
	// Approvals are the parties (Party.Key) that released the payment.
	Approvals []string `json:"approvals,omitempty"`
	// PayeeAccepted is true once the payee accepted.
	PayeeAccepted bool `json:"payee_accepted,omitempty"`
}

// Holds reports whether the condition holds at now with what is met.
func (c *Condition) Holds(now time.Time, m *Met) bool {
	return c.eval(now, m, false)
}

// CouldHold reports whether the condition could hold at now if every
// party acted: only its times can keep it false. A payer may cancel a
// payment whose condition could not hold yet.
func (c *Condition) CouldHold(now time.Time) bool {
	return c.eval(now, nil, true)
}

func (c *Condition) eval(now time.Time, m *Met, assume bool) bool {
	switch {
	case c.After != nil:
		return !now.Before(*c.After)
	case c.Hashlock != "":
		return assume || m.Preimages[c.Hashlock] != ""
	case c.Approver != nil:
		return assume || slices.Contains(m.Approvals, c.Approver.Key())
	case c.PayeeAccepts:
		return assume || m.PayeeAccepted
	case c.All != nil:
		for i := range c.All {
			if !c.All[i].eval(now, m, assume) {
				return false
			}
		}
		return true
	default:
		for i := range c.Any {
			if c.Any[i].eval(now, m, assume) {
				return true
			}
		}
		return false
	}
}

// Walk calls fn for every leaf of the tree, in order.
func (c *Condition) Walk(fn func(leaf *Condition)) {
	switch {
	case c.All != nil:
		for i := range c.All {
			c.All[i].Walk(fn)
		}
	case c.Any != nil:
		for i := range c.Any {
			c.Any[i].Walk(fn)
		}
	default:
		fn(c)
	}
}

// NextTime is the earliest After of the tree later than now (zero: none).
// The engine looks at the payment again then.
func (c *Condition) NextTime(now time.Time) time.Time {
	var next time.Time
	c.Walk(func(l *Condition) {
		if l.After != nil && l.After.After(now) && (next.IsZero() || l.After.Before(next)) {
			next = *l.After
		}
	})
	return next
}

// LatestTime is the latest After of the tree (zero: none).
func (c *Condition) LatestTime() time.Time {
	var last time.Time
	c.Walk(func(l *Condition) {
		if l.After != nil && l.After.After(last) {
			last = *l.After
		}
	})
	return last
}

// Open returns the hash lock of c that preimage opens, or "".
func (c *Condition) Open(preimage []byte) string {
	sum := sha256.Sum256(preimage)
	got := hex.EncodeToString(sum[:])
	lock := ""
	c.Walk(func(l *Condition) {
		if l.Hashlock != "" && subtle.ConstantTimeCompare([]byte(l.Hashlock), []byte(got)) == 1 {
			lock = l.Hashlock
		}
	})
	return lock
}

// Approvers lists the tree's approvers.
func (c *Condition) Approvers() []Party {
	var ps []Party
	c.Walk(func(l *Condition) {
		if l.Approver != nil {
			ps = append(ps, *l.Approver)
		}
	})
	return ps
}

// WantsPayee reports whether the tree has a payee_accepts leaf.
func (c *Condition) WantsPayee() bool {
	found := false
	c.Walk(func(l *Condition) { found = found || l.PayeeAccepts })
	return found
}
