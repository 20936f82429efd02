package ingot

import "time"

// Strong customer authentication (SCA) of holders' payments, as the EU's
// PSD2 RTS 2018/389 asks: a payment is approved with two factors through an
// Authorization bound to its payer, payee, amount and currency ("dynamic
// linking"), unless it is exempt as low-value.

// AuthorizationStatus is an approval's state.
type AuthorizationStatus string

const (
	AuthorizationPending  AuthorizationStatus = "pending"  // asked; not verified yet
	AuthorizationApproved AuthorizationStatus = "approved" // verified; usable once
	AuthorizationUsed     AuthorizationStatus = "used"     // a payment used it
	AuthorizationDenied   AuthorizationStatus = "denied"   // too many wrong codes
)

// AuthorizationTTL is how long an approval may be verified and used.
const AuthorizationTTL = 5 * time.Minute

// Authorization is a holder's approval of one payment: single use, valid
// AuthorizationTTL, bound to Payer, Payee, Amount and Currency.
type Authorization struct {
	ID       string // UUIDv7
	HolderID string
	Payer    int64  // the paying wallet
	Payee    string // the payee: a 16-digit wallet id, or "bank:<bank account id>"
	Amount   int64
	Currency string
	Status   AuthorizationStatus
	// The second factor being asked: the keyed hash of the SMS code sent
	// for it (nil: none sent), wrong codes so far, and the WebAuthn
	// assertion session (JSON) when a passkey was asked.
	CodeHash  []byte
	Tries     int
	WebAuthn  []byte
	UsedBy    string // the transfer that used it
	ExpiresAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Binds reports whether the approval is of exactly this payment.
func (a *Authorization) Binds(payer int64, payee string, amount int64, currency string) bool {
	return a.Payer == payer && a.Payee == payee && a.Amount == amount && a.Currency == currency
}

// SCALimits are the low-value exemption of a currency: a payment of at most
// PerPayment needs no approval while the payments since the holder's last
// approval add up to at most Cumulative and number at most Count.
type SCALimits struct {
	PerPayment int64
	Cumulative int64
	Count      int
}

// DefaultSCALimits are 200.00 per payment, 1,000.00 and 5 payments since
// the last approval, in the currency's minor units.
func DefaultSCALimits(cur Currency) SCALimits {
	unit := int64(1)
	for range cur.Exponent {
		unit *= 10
	}
	return SCALimits{PerPayment: 200 * unit, Cumulative: 1000 * unit, Count: 5}
}

// ExemptionCounter is what a holder paid without approval in a currency
// since the last approval.
type ExemptionCounter struct {
	HolderID string
	Currency string
	Sum      int64
	Count    int
}

// Exempt reports whether a payment of amount needs no approval after the
// payments c counts.
func (l SCALimits) Exempt(c ExemptionCounter, amount int64) bool {
	return amount <= l.PerPayment && c.Sum <= l.Cumulative-amount && c.Count < l.Count
}

// ApprovalRequired is the answer to a holder's payment that needs
// approval (sca_required): the pending Authorization to verify with one of
// Methods, and the WebAuthn assertion options when the holder has a
// passkey. It unwraps to the sca_required error.
type ApprovalRequired struct {
	Authorization Authorization
	Methods       []string
	WebAuthn      []byte // JSON of the assertion options; nil without a passkey
}

func (e *ApprovalRequired) Error() string { return e.Unwrap().Error() }

// Unwrap is the sca_required error.
func (e *ApprovalRequired) Unwrap() error {
	return Errorf(CodeSCARequired, "this needs your approval with a second factor: verify authorization %s, then send the request again with the header Ingot-Authorization: %s",
		e.Authorization.ID, e.Authorization.ID)
}
