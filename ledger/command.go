package ledger

import (
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/store"
)

// Actor is the authenticated caller of a request.
type Actor struct {
	KeyID      string // the API key's id; scope of its Idempotency-Keys
	Role       ingot.Role
	OperatorID string // operators only
}

// Op is what a command does.
type Op int

const (
	OpMint     Op = iota + 1 // issuance -> reserve
	OpBurn                   // reserve -> issuance
	OpTopUp                  // reserve -> wallet
	OpWithdraw               // wallet -> reserve
	OpPay                    // wallet -> wallet
	OpBatch                  // many OpPay, optionally atomic
	OpHold                   // reserve part of a wallet's balance
	OpCapture                // move (part of) a hold's amount to a wallet
	OpVoid                   // release a hold
	OpExpire                 // release expired holds (system)
	OpFreeze
	OpUnfreeze
	OpClose
	OpUpgrade  // change a wallet's tier (up with evidence, down when the balance fits)
	OpSettings // the holder's holding limit and reverse waterfall
	OpOpenSub  // open a sub-wallet of Wallet (subwallet.go)
)

// Item is one transfer of a batch command.
type Item struct {
	From, To int64
	Amount   int64
	Currency string
	Memo     string
}

// Command is one request to the engine. Accounts are resolved to ids before
// a command is submitted; the engine checks every rule against the locked,
// current state of the accounts inside its batch.
type Command struct {
	Op    Op
	Actor Actor

	// Transfers (mint, burn, top-up, withdrawal, payment): Debit pays Credit.
	Debit, Credit int64
	Amount        int64 // minor units; for capture 0 means the whole hold
	Currency      string
	Memo          string

	Items  []Item // OpBatch
	Atomic bool   // OpBatch: all or none

	Wallet int64 // OpHold, OpFreeze, OpUnfreeze, OpClose, OpOpenSub (the parent)
	// Parent is Wallet's parent when Wallet is a sub-wallet (close,
	// upgrade): locked with the batch's accounts.
	Parent    int64
	ExpiresAt time.Time // OpHold
	HoldID    string    // OpCapture, OpVoid (Credit is the capture's payee)
	HoldIDs   []string  // OpExpire

	// OpUpgrade: the tier asked for, evidence the operator vouches for (added
	// to what the wallet has) and the sealed ID number when given.
	Tier     ingot.Tier
	Evidence ingot.Evidence
	IDNumber string
	// OpSettings: nil leaves a setting as it is; a holding limit of 0
	// removes it.
	HoldingLimit     *int64
	ReverseWaterfall *bool

	// OpOpenSub: the sub-wallet to open (holder sealed for its id) and its
	// own single and daily limits (0: the tier's); HoldingLimit is its
	// holding limit.
	NewAccount *ingot.Account
	SubLimits  ingot.Limits

	Bank *BankCommand // bank.go: bank accounts and operations

	Idem *Idem // nil: not idempotent
}

// Idem makes a command idempotent: its outcome is stored under Key in the
// same transaction, and a later command with the same Key gets the stored
// response instead of running again (or idempotency_conflict when Hash
// differs).
type Idem struct {
	ingot.IdemKey
	Hash   []byte
	Status int // HTTP status to store with the body
	// Render makes the body to store from the command's result.
	Render func(*Result) ([]byte, error)
}

// Result is a command's outcome.
type Result struct {
	Transfer *ingot.Transfer // single transfers and captures
	Items    []ItemResult    // OpBatch, one per item in order
	Hold     *ingot.Hold     // hold operations
	Account  *ingot.Account  // wallet operations (and wallet creation)
	Limits   *WalletLimits   // with Account: its effective limits
	// AccountLimits are the effective limits of Accounts, in order.
	AccountLimits []WalletLimits
	Accounts      []ingot.Account // wallets opened by CreateWallets, in request order
	Operator      *ingot.Operator // operator creation
	APIKey        string          // operator or auditor creation: the secret, shown once, never stored
	Auditor       *ingot.APIKey   // auditor creation: the key's record (no secret)
	Bank          *BankResult     // bank.go: a bank account or operation

	// Replay is set when the command was not run because its
	// Idempotency-Key had been used with the same request before.
	Replay *store.IdemRecord
}

// ItemResult is one batch item's outcome: a transfer or an error.
type ItemResult struct {
	Transfer *ingot.Transfer
	Err      *ingot.Error
}
