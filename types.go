package ingot

import (
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Role is what an API key may do.
type Role string

const (
	RoleCentralBank Role = "central_bank" // mints, burns, creates operators, reads the supply
	RoleOperator    Role = "operator"     // opens and serves its own wallets, moves its own money
	RoleAuditor     Role = "auditor"      // reads the transparency log and proofs, nothing that names a person
	RoleHolder      Role = "holder"       // a person or business signed in: its own wallets, payments approved with two factors
	// RoleProvider is a third-party provider acting through an OAuth
	// token a holder granted (package openfinance): the consented wallets
	// only, with the consent's scopes.
	RoleProvider Role = "provider"
)

// Actor is the authenticated caller of a request: an API key's
// organisation, or a holder signed in.
type Actor struct {
	// KeyID scopes the caller's Idempotency-Keys: the API key's id, or
	// "holder:<holder id>" for a holder (stable across token refreshes).
	KeyID      string
	Role       Role
	OperatorID string   // operators only
	Scopes     []string // an API key's scopes; nil: every scope of its role
	// A holder's id and phone lookup hash: a holder owns the wallets whose
	// holder has that phone.
	HolderID  string
	PhoneHash []byte
	SessionID string // a holder's session
	// IssuerID is a central bank's issuer (issuers.go): which currencies
	// it mints, burns and governs.
	IssuerID string
	// A provider's consent (RoleProvider): its id, its provider, its
	// holder (HolderID) and the wallets it names; Scopes are its scopes.
	ConsentID  string
	ProviderID string
	Wallets    []int64
}

// Owns reports whether a wallet is the actor's own: one of its operator's,
// for a holder, one whose holder has the holder's phone, for a provider,
// one its consent names.
func (a *Actor) Owns(acc *Account) bool {
	if acc == nil || acc.Kind != AccountWallet {
		return false
	}
	switch a.Role {
	case RoleOperator:
		return a.OperatorID != "" && acc.OperatorID == a.OperatorID
	case RoleHolder:
		return len(a.PhoneHash) > 0 && string(acc.Holder.PhoneHash) == string(a.PhoneHash)
	case RoleProvider:
		return slices.Contains(a.Wallets, acc.ID)
	}
	return false
}

// HasScope reports whether the actor may use a scope: an API key has its
// scopes (all of its role's when it has none listed).
func (a *Actor) HasScope(s string) bool {
	if a.Scopes == nil {
		return ValidScope(a.Role, s)
	}
	return slices.Contains(a.Scopes, s)
}

// Operator is a tier-2 institution (commercial bank, payment provider).
type Operator struct {
	ID   string // UUID
	Name string
	Code string // short unique code chosen by the central bank, e.g. "ICBC"
	// Country is its jurisdiction, ISO 3166-1 alpha-2 ("CN", "HK"): its
	// wallets' jurisdiction, for cross-border rules. Empty: the
	// deployment's default (ledger.Options.Country).
	Country string
	// IssuerID is the issuer that registered it (AdminIssuerID for those
	// registered before several issuers): it is admitted to that
	// issuer's currencies.
	IssuerID  string
	CreatedAt time.Time
}

// APIKey is a credential. Only the SHA-256 of the secret is stored: keys are
// 256-bit random, so a fast hash is enough and keeps checks in microseconds.
type APIKey struct {
	ID         string // UUID; also the scope of Idempotency-Keys sent with it
	Role       Role
	OperatorID string // empty for the central bank
	IssuerID   string // a central bank's key: its issuer (issuers.go); empty for others
	Hash       []byte // SHA-256 of the secret
	CreatedAt  time.Time

	Name   string
	Scopes []string // what it may do (scopes.go); nil for keys made before scopes: every scope of its role
	// ExpiresAt ends the key by itself (zero: never); RevokedAt ends it
	// when revoked (zero: not revoked).
	ExpiresAt time.Time
	RevokedAt time.Time
	// LastUsedAt is when it was last used, to the minute.
	LastUsedAt time.Time
	// ClientCert binds the key to a TLS client certificate: the SHA-256
	// of its DER (nil: any client).
	ClientCert []byte
}

// AccountKind says what an account is in the two-tier model.
type AccountKind string

const (
	AccountIssuance AccountKind = "issuance" // the central bank's, one per currency; the only one that goes negative
	AccountReserve  AccountKind = "reserve"  // an operator's, one per currency
	AccountWallet   AccountKind = "wallet"   // a person's or merchant's
	AccountFee      AccountKind = "fee"      // an operator's, one per currency: the merchant fees it earns
	// AccountEarmark holds a wallet's earmarked money of one voucher
	// program (voucher.go): a child of the wallet (ParentID), never a
	// sub-wallet.
	AccountEarmark AccountKind = "earmark"
	// AccountOffline holds the money on one offline device (package
	// offline): a child of the device's wallet (ParentID), never a
	// sub-wallet; it counts towards the holder's balance cap.
	AccountOffline AccountKind = "offline"
)

// WalletKind distinguishes people from merchants.
type WalletKind string

const (
	WalletPersonal WalletKind = "personal"
	WalletMerchant WalletKind = "merchant"
)

// Status is a wallet's lifecycle state.
type Status string

const (
	StatusActive Status = "active"
	StatusFrozen Status = "frozen" // neither sends nor receives
	StatusClosed Status = "closed" // does nothing, ever again
)

// HolderKind says whether a holder is a person or a business.
type HolderKind string

const (
	HolderPerson   HolderKind = "person"
	HolderBusiness HolderKind = "business"
)

// Holder is the person or business a wallet belongs to. At rest, Name,
// Phone and IDNumber are sealed (encrypted) by the service; PhoneHash is a
// keyed hash of the E.164 phone, for lookups.
type Holder struct {
	Kind      HolderKind
	Name      string
	Phone     string
	IDNumber  string
	PhoneHash []byte
}

// Account is a ledger account: the issuance account, an operator's reserve or
// a wallet. Balance and Held are in minor units of Currency. Available is
// Balance - Held. Wallet ids are 16-digit Luhn numbers; issuance and reserve
// accounts have smaller ids.
type Account struct {
	ID         int64
	Kind       AccountKind
	OperatorID string // empty for the issuance account
	Currency   string
	Status     Status
	Balance    int64
	Held       int64
	WalletKind WalletKind // wallets only
	Holder     Holder     // wallets only
	CreatedAt  time.Time

	// Wallets only: KYC and limits (see kyc.go).
	Tier             Tier
	Evidence         Evidence
	HoldingLimit     int64  // the holder's own balance cap, at most the tier's; 0: none
	ReverseWaterfall bool   // pull a shortfall from the linked bank account
	SweepAccount     string // the linked bank account that receives the waterfall; "" none
	ParentID         int64  // a sub-wallet's parent wallet; 0 for a main wallet
	Label            string // a sub-wallet's label ("pocket money"), sealed at rest like the holder
	Outflow          Outflow
	// Risk is the wallet's velocity (package risk), encoded: its recent
	// payments in buckets, kept by the engine's batches; empty for none.
	Risk []byte
	// Spending is the wallet's spending rule (spending.go); nil for none.
	Spending *SpendingRule
}

// Available is what the account may spend now.
func (a *Account) Available() int64 { return a.Balance - a.Held }

// TransferKind says why money moved.
type TransferKind string

const (
	KindMint     TransferKind = "mint"       // issuance -> reserve
	KindBurn     TransferKind = "burn"       // reserve -> issuance
	KindTopUp    TransferKind = "topup"      // reserve -> wallet
	KindWithdraw TransferKind = "withdrawal" // wallet -> reserve
	KindPayment  TransferKind = "payment"    // wallet -> wallet
	KindCapture  TransferKind = "capture"    // held funds of a wallet -> wallet or reserve
	KindSweep    TransferKind = "sweep"      // a waterfall's excess: wallet -> reserve, on to the bank
	KindRefund   TransferKind = "refund"     // a withdrawal or sweep the bank refused: reserve -> wallet
	KindAllocate TransferKind = "allocation" // between a wallet and its own sub-wallet: not outflow
	KindFee      TransferKind = "fee"        // a merchant's fee for a payment it received: wallet -> the operator's fee account
	// KindPaymentRefund pays (part of) a payment back: payee -> payer.
	KindPaymentRefund TransferKind = "payment_refund"
	KindFeeRefund     TransferKind = "fee_refund" // a refunded payment's fee share: fee account -> merchant

	// Vouchers (voucher.go): earmarked money of a program.
	KindVoucher       TransferKind = "voucher"        // funding: the issuer's account -> an earmark account
	KindVoucherUse    TransferKind = "voucher_use"    // earmark -> its wallet, spent at once by the payment that follows it
	KindVoucherRefund TransferKind = "voucher_refund" // a refunded voucher payment's share: wallet -> its earmark account
	KindVoucherReturn TransferKind = "voucher_return" // what is left at expiry: earmark -> the issuer's account

	// Offline purses (offline.go): money on devices.
	KindOfflineLoad     TransferKind = "offline_load"     // a wallet -> its device's offline account
	KindOfflinePayment  TransferKind = "offline_payment"  // a device's offline account -> another's, as the payer device signed it
	KindOfflineRedeem   TransferKind = "offline_redeem"   // a device's offline account -> its wallet (a signed redemption)
	KindOfflineAdvance  TransferKind = "offline_advance"  // the payer's operator's reserve -> the payer device's offline account: what it spent beyond what the ledger has of it
	KindOfflineRecovery TransferKind = "offline_recovery" // a device's offline account -> its operator's reserve: an advance paid back from money reaching the device

	// KindReviewRefusal is a record, not a movement: a reviewer refused a
	// payment held for review (its hold returned the money). Debit and
	// Credit are the payer and payee, Amount is 0, HoldID the review's hold.
	KindReviewRefusal TransferKind = "review_refusal"
	// Records of conditional payments (package conditional), payer to
	// payee with the payment's hold: made (the amount held), a party's step
	// towards the condition (an approval, the payee's acceptance, a hash
	// lock opened), cancelled and expired (the hold released). Its release
	// is the capture of the hold.
	KindConditionalHold   TransferKind = "conditional_hold"
	KindConditionalStep   TransferKind = "conditional_step"
	KindConditionalCancel TransferKind = "conditional_cancel"
	KindConditionalExpiry TransferKind = "conditional_expiry"
	// Records of standing orders (package schedule), payer to payee, the
	// memo naming the order and the step: made, changed (paused, resumed,
	// cancelled), and a run that paid nothing (failed with its code, or
	// missed). A paid run is its payment.
	KindStandingOrder  TransferKind = "standing_order"
	KindStandingChange TransferKind = "standing_change"
	KindStandingRun    TransferKind = "standing_run"

	// The two legs of an FX exchange (payment-versus-payment), each with
	// the exchange's id as Reference: the payer's wallet pays the dealer's
	// reserve in one currency, the dealer's reserve in the other pays the
	// payee's wallet.
	KindFXSell TransferKind = "fx_sell" // wallet -> the dealer's reserve: outflow, as a payment
	KindFXBuy  TransferKind = "fx_buy"  // the dealer's reserve -> wallet
)

// Record reports whether transfers of the kind are records: leaves of the
// transparency log for a decision that moved no money (Amount 0, both
// balances unchanged). Every other kind moves a positive amount.
func (k TransferKind) Record() bool {
	switch k {
	case KindReviewRefusal, KindConditionalHold, KindConditionalStep, KindConditionalCancel, KindConditionalExpiry,
		KindStandingOrder, KindStandingChange, KindStandingRun:
		return true
	}
	return false
}

// EndsHold reports whether a record of the kind ends its hold without a
// capture: the hold is then voided or expired, never captured after.
func (k TransferKind) EndsHold() bool {
	return k == KindReviewRefusal || k == KindConditionalCancel || k == KindConditionalExpiry
}

// Transfer is an immutable movement of Amount from Debit to Credit.
// Corrections are new transfers. DebitBalance and CreditBalance are the two
// accounts' balances right after it, for statements.
type Transfer struct {
	ID            string // UUIDv7, time-ordered
	Kind          TransferKind
	Debit         int64
	Credit        int64
	Amount        int64
	Currency      string
	Memo          string
	HoldID        string // captures only
	DebitBalance  int64
	CreditBalance int64
	CreatedAt     time.Time
	// Merchant payments: the fee the payee paid for it (its own "fee"
	// transfer follows it), the merchant's reference, and the payment
	// request it paid.
	Fee              int64
	Reference        string
	PaymentRequestID string
	// Seq orders a store's transfers per account; assigned by the store.
	Seq int64
	// LogIndex is the transfer's leaf in the transparency log (0-based),
	// or -1 when it was committed without a log.
	LogIndex int64
}

// HoldStatus is a hold's state; only pending holds reserve funds.
type HoldStatus string

const (
	HoldPending  HoldStatus = "pending"
	HoldCaptured HoldStatus = "captured"
	HoldVoided   HoldStatus = "voided"
	HoldExpired  HoldStatus = "expired"
)

// Hold reserves Amount of a wallet's balance for a later capture or void
// (two-phase payment). While pending, it counts in the wallet's Held.
type Hold struct {
	ID         string // UUIDv7
	Wallet     int64
	OperatorID string // the wallet's operator, who placed it
	Amount     int64
	Currency   string
	Status     HoldStatus
	Captured   int64  // amount captured, when captured
	TransferID string // the capture transfer, when captured
	ExpiresAt  time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// IdemKey identifies an idempotent request: the credential it came with
// (Scope, the API key id) and the client's Idempotency-Key.
type IdemKey struct {
	Scope string
	Key   string
}

// Checkpoint is a signed statement of the transparency log's size and root
// hash: Note is the C2SP signed note, stored as signed.
type Checkpoint struct {
	Size      int64
	Root      tlog.Hash
	Note      []byte
	CreatedAt time.Time
}
