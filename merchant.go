package ingot

import "time"

// Merchants: a wallet of kind merchant with a profile (what its QR codes
// show), payment requests paid by QR code, customer-presented payment
// codes, refunds of payments, and the fees an operator charges its
// merchants.

// Merchant is a merchant wallet's profile, as its QR codes carry it
// (EMVCo: name at most 25 characters, city at most 15, ISO 18245 MCC).
type Merchant struct {
	Wallet  int64
	Name    string
	City    string
	Country string // ISO 3166-1 alpha-2
	MCC     string // ISO 18245, four digits
	// ShortCode is what holders type to pay the merchant from a feature
	// phone (USSD): 4 to 8 digits, unique across operators; "" none.
	ShortCode string
	UpdatedAt time.Time
}

// PaymentRequestStatus is a payment request's state.
type PaymentRequestStatus string

const (
	PaymentRequestOpen    PaymentRequestStatus = "open"
	PaymentRequestPaid    PaymentRequestStatus = "paid"
	PaymentRequestExpired PaymentRequestStatus = "expired"
)

// PaymentRequest is a merchant's request to be paid, shown as a dynamic QR
// code: paid exactly once, or it expires.
type PaymentRequest struct {
	ID         string // UUIDv7
	Wallet     int64  // the merchant's wallet
	OperatorID string
	Amount     int64 // 0: open, the payer enters it
	Currency   string
	Reference  string
	Status     PaymentRequestStatus
	TransferID string // the payment, once paid
	ExpiresAt  time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// PaymentCode is a customer-presented code (the payer shows, the merchant
// scans): 18 random digits, stored only as a keyed hash, single use,
// valid a minute.
type PaymentCode struct {
	Hash       []byte
	Wallet     int64  // the payer's wallet
	OperatorID string // the payer's operator
	HolderID   string // the holder who made it ("" an operator's back end): its payments need its approval
	ExpiresAt  time.Time
	UsedAt     time.Time // zero while unused
	TransferID string    // the payment it made
	CreatedAt  time.Time
}

// Refund is (part of) a payment paid back by its payee to its payer, with
// the share of the payment's fee the operator returns to the payee.
type Refund struct {
	ID               string // UUIDv7
	TransferID       string // the payment refunded
	Payer, Payee     int64  // the payment's: the refund goes from Payee to Payer
	Amount           int64
	Fee              int64 // the fee returned to the payee
	Currency         string
	Reason           string
	RefundTransferID string // payee -> payer
	CreatedAt        time.Time
}

// RefundTotal is what a payment has had refunded so far (and the fee
// returned): a locked row, so that concurrent refunds never add up to more
// than the payment.
type RefundTotal struct {
	TransferID  string
	Refunded    int64
	FeeRefunded int64
}

// FeeSchedule is what an operator charges its merchants per payment they
// receive, in a currency: RateBPS basis points of the amount (MCCRates
// override it per merchant category), at least Min and at most Max (0:
// none), paid from the merchant's wallet to the operator's fee account in
// the payment's batch.
type FeeSchedule struct {
	OperatorID string
	Currency   string
	Account    int64 // the operator's fee account of the currency, which receives the fees
	RateBPS    int
	Min, Max   int64
	MCCRates   map[string]int
	UpdatedAt  time.Time
}

// FeeCap is the central bank's ceiling on operators' merchant fee rates.
type FeeCap struct {
	MaxRateBPS int
	UpdatedAt  time.Time
}

// SettlementSweep is how often a merchant's balance goes to its bank.
type SettlementSweep string

const (
	SweepDaily SettlementSweep = "daily" // at the zone's midnight, what is above Keep
	SweepOff   SettlementSweep = "off"
)

// Settlement is a merchant wallet's end-of-day settlement: once a day, at
// midnight in the configured zone, its balance above Keep goes to a linked
// bank account (a sweep, as a withdrawal). Each day is settled exactly once
// (the sweep carries the idempotency key "settlement <wallet> <date>").
type Settlement struct {
	Wallet      int64
	OperatorID  string
	BankAccount string // the linked bank account credited
	Sweep       SettlementSweep
	Keep        int64  // what stays in the wallet
	LastDate    string // the last day settled, YYYY-MM-DD in the zone ("" none)
	UpdatedAt   time.Time
}
