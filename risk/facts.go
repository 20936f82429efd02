package risk

import "time"

// Channels: how a payment reached the ledger.
const (
	ChannelOperator = "operator" // an operator's back end (POST /v1/transfers)
	ChannelHolder   = "holder"   // a holder, signed in (web wallet, app)
	ChannelQR       = "qr"       // a merchant's QR payment request, paid
	ChannelCode     = "code"     // a holder's payment code, charged by a merchant
	ChannelBatch    = "batch"    // an operator's batch (POST /v1/transfers/batch)
	ChannelBank     = "bank"     // to or from a linked bank account
)

// ChannelStanding is a standing order's run, made by the engine on the
// payer operator's behalf (docs/standing-orders.md).
const ChannelStanding = "standing_order"

// ChannelProvider is a third-party provider's payment within a holder's
// mandate (open finance, POST /v1/transfers with the provider's token).
const ChannelProvider = "provider"

// Party is the payer or the payee of a payment as a rule sees it
// (`payer.tier`, `payee.received_24h`, ...). Amounts are minor units of the
// payment's currency. The velocity aggregates do not include the payment
// being decided.
type Party struct {
	Wallet   string `cel:"wallet"`   // the 16-digit wallet id; "" for a bank account
	Tier     int64  `cel:"tier"`     // KYC tier 1 (strongest) to 4 (phone only); 0 for a bank account
	Kind     string `cel:"kind"`     // personal or merchant; "bank" for a bank account
	Operator string `cel:"operator"` // the wallet's operator id
	AgeDays  int64  `cel:"age_days"` // whole days since the wallet was opened
	MCC      string `cel:"mcc"`      // a merchant's category code; "" otherwise
	Country  string `cel:"country"`  // ISO 3166 alpha-2

	Sent1h      int64 `cel:"sent_1h"`
	Sent24h     int64 `cel:"sent_24h"`
	Count1h     int64 `cel:"count_1h"` // payments sent
	Count24h    int64 `cel:"count_24h"`
	Received1h  int64 `cel:"received_1h"`
	Received24h int64 `cel:"received_24h"`
	Senders24h  int64 `cel:"senders_24h"` // distinct wallets that paid it
	Payees24h   int64 `cel:"payees_24h"`  // distinct wallets it paid
	IdleDays    int64 `cel:"idle_days"`   // whole days since its last payment sent or received (its age if none)
	Balance     int64 `cel:"balance"`     // before the payment

	// For the built-in patterns, not the rules: payments sent in the last
	// day close below the reporting threshold, and whether the wallet is a
	// business's (a merchant: its reporting threshold is higher).
	Near24h  int64 `cel:"-"`
	Business bool  `cel:"-"`
}

// Facts are what a rule is evaluated over: one payment and its context.
type Facts struct {
	Amount   int64 // minor units
	Currency string
	Channel  string
	NewPayee bool // no payment from this payer to this payee before
	Payer    Party
	Payee    Party
	Now      time.Time
}
