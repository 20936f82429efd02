// Package store defines the storage interfaces of Ingot. Two implementations
// exist, sqlite and postgres; both pass the conformance suite in storetest.
//
// The ledger engine is the only writer of balances, transfers and holds: it
// opens one BatchTx per batch, locks what the batch touches, writes the
// batch's effects in bulk and commits once. Everything else in Store is a
// read, or a write that does not touch balances (operators, keys, new
// accounts).
package store

import (
	"context"
	"errors"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/fx"
	"github.com/ingot-cbdc/ingot/openfinance"
	"github.com/ingot-cbdc/ingot/translog"
	"golang.org/x/mod/sumdb/tlog"
)

var (
	// ErrNotFound is returned by reads of a row that does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a unique field (an operator's code) is taken.
	ErrConflict = errors.New("store: unique value already exists")
	// ErrIdempotencyRace is returned by BatchTx.Write when one of the batch's
	// idempotency records was committed meanwhile by another process. The
	// caller rolls back and runs the batch again; it will then see the record.
	ErrIdempotencyRace = errors.New("store: idempotency key committed concurrently")
)

// Role is the role of a database server in a replicated cluster.
type Role string

// The roles a store reports (Store.Role).
const (
	RolePrimary Role = "primary" // takes writes
	RoleReplica Role = "replica" // a standby in recovery: reads only, possibly stale
)

// Classifier is implemented by stores that tell a lost or refused
// connection (the server gone, restarting, failing over, or a replica
// that refuses writes) from other errors: such a failure is retryable, and
// the API answers it 503 unavailable.
type Classifier interface {
	Unavailable(err error) bool
}

// IdemRecord is the stored outcome of an idempotent request: the hash of the
// request it answered, and the response to replay.
type IdemRecord struct {
	ingot.IdemKey
	Hash      []byte // SHA-256 of method, path and canonical body
	Status    int    // HTTP status of the first response
	Body      []byte // its JSON body
	CreatedAt time.Time
}

// Totals are the sums of balances of one currency by account kind. In a
// balanced book Issuance + Reserves + Fees + Wallets + Earmarked + Offline
// == 0 and the supply, -Issuance, equals Reserves + Fees + Wallets +
// Earmarked + Offline.
type Totals struct {
	Currency string
	Issuance int64
	Reserves int64
	Fees     int64 // operators' fee accounts
	Wallets  int64
	// Earmarked is the wallets' earmarked money (earmark accounts), part
	// of the supply besides Wallets.
	Earmarked int64
	// Offline is the money on offline devices (offline accounts).
	Offline int64
	Held    int64
}

// Store is one Ingot database.
type Store interface {
	BankStore        // bank.go
	MerchantStore    // merchant.go
	SettlementStore  // settlement.go
	RiskStore        // risk.go
	ScreeningStore   // screening.go
	ConditionalStore // conditional.go
	VoucherStore     // vouchers.go
	StandingStore    // standing.go
	IssuerStore      // issuers.go
	FXStore          // fx.go
	CrossBorderStore // crossborder.go
	OfflineStore     // offline.go
	OpenFinanceStore // openfinance.go

	// Migrate applies the embedded migrations that are not applied yet.
	Migrate(ctx context.Context) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Role reports the role of the database server the store reaches:
	// RolePrimary (it takes writes) or RoleReplica (a standby in
	// recovery, read-only). An embedded database is always the primary.
	Role(ctx context.Context) (Role, error)
	Close() error

	// BeginBatch opens the transaction of one engine batch.
	BeginBatch(ctx context.Context) (BatchTx, error)

	// CreateAPIKey stores a key (the central bank's bootstrap key, auditors),
	// with idem as for CreateOperator. A taken hash is ErrConflict.
	CreateAPIKey(ctx context.Context, key ingot.APIKey, idem *IdemRecord) (*IdemRecord, error)
	// CountAPIKeys counts the keys of a role.
	CountAPIKeys(ctx context.Context, role ingot.Role) (int, error)
	// APIKeyByHash finds a key by the SHA-256 of its secret, or ErrNotFound.
	APIKeyByHash(ctx context.Context, hash []byte) (ingot.APIKey, error)
	// APIKeys, APIKey and RevokeAPIKey are as in auth.Store.
	APIKeys(ctx context.Context, role ingot.Role, operatorID string) ([]ingot.APIKey, error)
	APIKey(ctx context.Context, id string) (ingot.APIKey, error)
	RevokeAPIKey(ctx context.Context, id string, now time.Time) error

	// CreateOperator stores an operator and its first API key in one
	// transaction, together with idem when it is not nil. When a record with
	// idem's key exists already, nothing is written and the existing record is
	// returned (the caller compares hashes). A taken code is ErrConflict.
	CreateOperator(ctx context.Context, op ingot.Operator, key ingot.APIKey, idem *IdemRecord) (*IdemRecord, error)
	Operator(ctx context.Context, id string) (ingot.Operator, error)
	// Operators lists operators by id, those with id > after, at most limit.
	Operators(ctx context.Context, after string, limit int) ([]ingot.Operator, error)

	// CreateAccount stores a new wallet account (balance zero), with idem as
	// for CreateOperator.
	CreateAccount(ctx context.Context, a ingot.Account, idem *IdemRecord) (*IdemRecord, error)
	// CreateAccounts stores many new wallet accounts (balance zero) in bulk,
	// in one transaction together with idem, as CreateAccount does for one:
	// all or nothing (a taken id is ErrConflict and nothing is written), and
	// when a record with idem's key exists already, nothing is written and
	// the existing record is returned.
	CreateAccounts(ctx context.Context, as []ingot.Account, idem *IdemRecord) (*IdemRecord, error)
	// EnsureAccount returns the issuance account (operatorID "") or an
	// operator's reserve account of a currency, creating it (balance zero,
	// a new id below 10^15) when it does not exist yet. Safe to call
	// concurrently from several processes.
	EnsureAccount(ctx context.Context, kind ingot.AccountKind, operatorID, currency string) (ingot.Account, error)
	Account(ctx context.Context, id int64) (ingot.Account, error)
	// Accounts lists an operator's accounts of a kind by id, those with
	// id > after, at most limit.
	Accounts(ctx context.Context, operatorID string, kind ingot.AccountKind, after int64, limit int) ([]ingot.Account, error)
	// AccountsByPhone lists an operator's wallets whose holder has the
	// phone lookup hash h, by id.
	AccountsByPhone(ctx context.Context, operatorID string, h []byte) ([]ingot.Account, error)
	// SubWallets lists the wallets whose parent is the given wallet, by id.
	SubWallets(ctx context.Context, parent int64) ([]ingot.Account, error)
	// HolderWallets lists the wallets at every operator whose holder's
	// phone has the lookup hash h, by id (auth.Store has it too).
	HolderWallets(ctx context.Context, h []byte) ([]ingot.Account, error)
	// SetLimitRule stores a limit rule, replacing the one with its key.
	SetLimitRule(ctx context.Context, r ingot.LimitRule) error
	// LimitRules lists the limit rules of the given operators ("" is the
	// central bank's).
	LimitRules(ctx context.Context, operatorIDs []string) ([]ingot.LimitRule, error)
	// Totals sums balances of a currency by account kind.
	Totals(ctx context.Context, currency string) (Totals, error)
	// Currencies lists the currencies that have accounts.
	Currencies(ctx context.Context) ([]string, error)

	Transfer(ctx context.Context, id string) (ingot.Transfer, error)
	// AccountTransfers lists the transfers that debit or credit an account,
	// newest first (by Seq), those with Seq < before (before <= 0: from the
	// newest), at most limit, with Seq filled in.
	AccountTransfers(ctx context.Context, account int64, before int64, limit int) ([]ingot.Transfer, error)

	Hold(ctx context.Context, id string) (ingot.Hold, error)
	// ExpiredHolds lists ids of pending holds with ExpiresAt <= now.
	ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]string, error)

	// Idempotency reads a stored idempotency record, or ErrNotFound.
	Idempotency(ctx context.Context, k ingot.IdemKey) (IdemRecord, error)

	// The transparency log.

	// ReadHashes reads stored log hashes by tlog.StoredHashIndex; every
	// index must exist (it is a tlog.HashReader).
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// LatestCheckpoint is the checkpoint of the largest tree, or ErrNotFound
	// for an empty log.
	LatestCheckpoint(ctx context.Context) (ingot.Checkpoint, error)
	// Checkpoint is the checkpoint of a tree size, or ErrNotFound.
	Checkpoint(ctx context.Context, size int64) (ingot.Checkpoint, error)
	// Checkpoints lists checkpoints with Size > after, ascending, at most limit.
	Checkpoints(ctx context.Context, after int64, limit int) ([]ingot.Checkpoint, error)
	// LogTransfers lists transfers with LogIndex >= from, ascending by
	// LogIndex, at most limit.
	LogTransfers(ctx context.Context, from int64, limit int) ([]ingot.Transfer, error)
	// CountTransfers counts all stored transfers.
	CountTransfers(ctx context.Context) (int64, error)
	// AllAccounts lists every account with id > after, by id, at most limit.
	AllAccounts(ctx context.Context, after int64, limit int) ([]ingot.Account, error)
	// AllHolds lists every hold with id > after, by id, at most limit.
	AllHolds(ctx context.Context, after string, limit int) ([]ingot.Hold, error)
}

// BatchTx is the transaction of one engine batch. On PostgreSQL, Lock* take
// row locks (FOR UPDATE) in ascending key order, so that several processes
// never deadlock; on SQLite the transaction is BEGIN IMMEDIATE and holds the
// database's write lock from the start.
type BatchTx interface {
	BankBatchTx        // bank.go
	MerchantBatchTx    // merchant.go
	RiskBatchTx        // risk.go
	ConditionalBatchTx // conditional.go
	FXBatchTx          // fx.go
	CrossBorderBatchTx // crossborder.go
	VoucherBatchTx     // vouchers.go
	StandingBatchTx    // standing.go
	OfflineBatchTx     // offline.go
	OpenFinanceBatchTx // openfinance.go

	// Idempotency returns the committed records among keys.
	Idempotency(ctx context.Context, keys []ingot.IdemKey) ([]IdemRecord, error)
	// LockAccounts returns the accounts among ids, sorted by id, locked until
	// the end of the transaction. Unknown ids are left out.
	LockAccounts(ctx context.Context, ids []int64) ([]ingot.Account, error)
	// LockHolds returns the holds among ids, locked. Unknown ids are left out.
	LockHolds(ctx context.Context, ids []string) ([]ingot.Hold, error)
	// LimitRules is Store.LimitRules inside the transaction.
	LimitRules(ctx context.Context, operatorIDs []string) ([]ingot.LimitRule, error)
	// SubWallets lists the wallets whose parent is among parents, by id,
	// inside the transaction and without locking them: a sub-wallet is
	// opened and closed only by batches that lock its parent, so with the
	// parent locked the list is current.
	SubWallets(ctx context.Context, parents []int64) ([]ingot.Account, error)
	// LockExemptions returns the SCA exemption counters of (holder,
	// currency) pairs, locked; a pair without a row yet gets one at zero
	// first (so that it can be locked).
	LockExemptions(ctx context.Context, keys []ExemptionKey) ([]ingot.ExemptionCounter, error)
	// LockAuthorizations returns the payment approvals among ids, locked.
	// Unknown ids are left out.
	LockAuthorizations(ctx context.Context, ids []string) ([]ingot.Authorization, error)
	// OperatorCountries reads operators' countries ("" for an operator
	// registered without one), by id; unknown ids are left out. Countries
	// never change, so the engine caches them.
	OperatorCountries(ctx context.Context, ids []string) (map[string]string, error)
	// LogHead locks the transparency log's head until the end of the
	// transaction and returns the log's size (0 when empty). Batches take it
	// after their accounts, so the log's order is the commit order.
	LogHead(ctx context.Context) (int64, error)
	// ReadHashes is Store.ReadHashes inside the transaction.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// Write stores the batch's effects in bulk. When an idempotency record of
	// w exists already it returns ErrIdempotencyRace (the transaction is then
	// to be rolled back).
	Write(ctx context.Context, w *BatchWrite) error
	// Commit commits the transaction: its effects are visible to others
	// and its locks released. It need not wait for the disk (SQLite);
	// Durable does.
	Commit(ctx context.Context) error
	// Durable returns once the committed transaction survives a power
	// loss, and with it everything committed before it. The engine calls it
	// after Commit and answers only then, so that the next batch is built
	// while this one reaches the disk. On PostgreSQL Commit is durable
	// already (synchronous_commit=on) and Durable returns at once.
	Durable(ctx context.Context) error
	// Rollback ends the transaction without effect; it is a no-op after Commit.
	Rollback(ctx context.Context) error
}

// BatchWrite is everything one batch changes.
type BatchWrite struct {
	// NewAccounts are inserted (sub-wallets opened in the batch), before
	// Accounts are updated.
	NewAccounts []ingot.Account
	// LimitRules are stored, each replacing the one with its key.
	LimitRules []ingot.LimitRule
	// Accounts that changed: their mutable fields are written (Balance,
	// Held, Status, Tier, Evidence, HoldingLimit, ReverseWaterfall,
	// SweepAccount, Outflow, Holder.IDNumber and Risk); the others are
	// ignored.
	Accounts []ingot.Account
	// Transfers are new, in the order they were applied; the store assigns
	// increasing Seq in this order.
	Transfers []ingot.Transfer
	// NewHolds are inserted; UpdatedHolds have a new Status, Captured,
	// TransferID and UpdatedAt.
	NewHolds     []ingot.Hold
	UpdatedHolds []ingot.Hold
	// Idempotency records to insert.
	Idempotency []IdemRecord
	// LogHashes are the log's new stored hashes, and Checkpoint its new head
	// (stored, and the head's size set to Checkpoint.Size). Both empty when
	// the batch made no transfer or the log is off. Transfers carry their
	// LogIndex.
	LogHashes  []translog.StoredHash
	Checkpoint *ingot.Checkpoint
	// Exemptions are the SCA exemption counters that changed (Sum and
	// Count are written); Authorizations the approvals that changed
	// (Status, UsedBy and UpdatedAt are written).
	Exemptions     []ingot.ExemptionCounter
	Authorizations []ingot.Authorization
	// Corridors are the corridor counters that changed (Day and Total
	// are written; crossborder.go).
	Corridors []ingot.CorridorCounter
	// Events are new webhook events (the outbox), inserted in the batch's
	// transaction; the webhook deliverer sends them afterwards.
	Events []ingot.Event
	// Merchants' rows (merchant.go), written by Write.
	Merchant MerchantWrite
	// Bank accounts and operations (bank.go), written by WriteBank.
	Bank BankWrite
	// Risk's pairs, alerts and large-value report lines (risk.go),
	// written by Write.
	Risk RiskWrite
	// Conditional payments (conditional.go), written by Write.
	Conditional ConditionalWrite
	// FXQuotes are quotes an exchange used (fx.go): their Status,
	// ExchangeID, Payer, Payee, SellTransfer, BuyTransfer and UsedAt.
	FXQuotes []fx.Quote
	// Voucher programs, earmarks and voucher uses (vouchers.go), written
	// by Write after NewAccounts.
	Vouchers VoucherWrite
	// Spending rules set or removed (spending.go), written by Write.
	Spending []SpendingWrite
	// Standing orders and their runs (standing.go), written by Write.
	Standing StandingWrite
	// Devices and offline payments (offline.go), written by Write after
	// NewAccounts.
	Offline OfflineWrite
	// Consents that changed (openfinance.go): their Status, RevokedAt,
	// PeriodStart, PeriodTotal and UpdatedAt are written by Write.
	Consents []openfinance.Consent
}

// ExemptionKey names a holder's exemption counter of a currency.
type ExemptionKey struct {
	HolderID string
	Currency string
}
