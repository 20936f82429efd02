package ingot

import "time"

// Offline purses (issue 17, docs/offline-and-ussd.md): a device (a card, a
// phone's secure element) holds money of a wallet and pays other devices
// with no network; package offline has its formats. In the ledger the money
// on a device is an account of its own (AccountOffline, a child of the
// wallet), moved by the offline transfer kinds, so that the supply is
// reserves + wallets + earmarked + offline + fees.

// OfflineCentralBank is the Owner of the central bank's offline key.
const OfflineCentralBank = "central_bank"

// OfflineKey is an offline signing key: the central bank's (Owner
// OfflineCentralBank), which certifies operators' keys, or an operator's
// (Owner its id), which certifies its devices and signs their load
// vouchers. Seed is the Ed25519 private key's seed, sealed at rest with
// the data key; Cert is an operator key's certificate (the JSON of an
// offline.OperatorCert), nil for the central bank's.
type OfflineKey struct {
	Owner     string
	PublicKey []byte
	Seed      string
	Cert      []byte
	CreatedAt time.Time
}

// Device is an offline device registered to a wallet: its certificate
// (JSON, as issued), its offline account, and the ledger's view of it.
type Device struct {
	ID          string // UUID
	Wallet      int64
	Account     int64 // its offline account
	OperatorID  string
	Currency    string
	PublicKey   []byte
	MaxBalance  int64
	MaxPayment  int64
	Certificate []byte
	// Loads is how many load vouchers were issued (the last one's number).
	Loads int64
	// Debt is what the device's operator advanced for payments it made
	// beyond what its offline account held, not yet recovered from money
	// reaching it; a revoked device's debt is the operator's loss.
	Debt int64
	// RevokedAt is when a double spend revoked it (zero: not revoked), and
	// RevokedReason why.
	RevokedAt     time.Time
	RevokedReason string
	CreatedAt     time.Time
}

// Revoked reports whether the device was revoked.
func (d *Device) Revoked() bool { return !d.RevokedAt.IsZero() }

// OfflinePayment is an offline payment or redemption the ledger applied,
// once per signed content: its identity is (Payer, Counter), and two with
// one identity and different hashes are a double spend.
type OfflinePayment struct {
	Payer    string // the payer device
	Counter  int64
	Hash     []byte // SHA-256 of its signed text
	Prev     []byte // the hash it names as the payer's previous one
	Kind     string // "payment" or "redemption"
	Payee    string // the payee device; "" for a redemption
	Amount   int64
	Transfer string // the offline_payment or offline_redeem transfer
	// Conflict is set when it reused a counter or forked the payer's
	// chain: the double spend that revoked the payer.
	Conflict  bool
	CreatedAt time.Time
}

// OfflineSides reports which sides of a transfer of the kind are offline
// accounts: the offline kinds move a device's money, and only they do.
func (k TransferKind) OfflineSides() (debit, credit bool) {
	switch k {
	case KindOfflineLoad, KindOfflineAdvance:
		return false, true
	case KindOfflineRedeem, KindOfflineRecovery:
		return true, false
	case KindOfflinePayment:
		return true, true
	}
	return false, false
}
