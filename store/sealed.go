package store

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Sealed columns: the columns whose values package pii sealed (holders'
// names, phones, ID numbers, bank account numbers, ...), and what `ingot
// rekey` needs to re-seal them with the newest data key, online.

// SealedColumn is a database column of sealed values.
type SealedColumn struct {
	Table  string // "accounts"
	Column string // "holder_name": a TEXT column, "" when there is no value
	// Key is the table's primary key column: rows are listed in its order
	// and updated by it.
	Key string
	// Context is the context the service seals the value under (what it
	// gives pii.Keys.Seal): a text with one "{column}" placeholder for that
	// column's value in the row, written in decimal for an integer, as it
	// is for text and in lower-case hex for bytes.
	Context string
}

// SealedColumns lists every column of the database that holds sealed
// values, with the context each is sealed under; both stores and their
// conformance suite go through it, and `ingot rekey` re-seals every column
// it names. A new sealed column is one more line here, whose Context must
// be the one its writer seals with.
var SealedColumns = []SealedColumn{
	{Table: "accounts", Column: "holder_name", Key: "id", Context: "holder_name:{id}"},                          // ledger/holder.go
	{Table: "accounts", Column: "holder_phone", Key: "id", Context: "holder_phone:{id}"},                        // ledger/holder.go
	{Table: "accounts", Column: "holder_id_number", Key: "id", Context: "holder_id_number:{id}"},                // ledger/holder.go, kyc.go
	{Table: "accounts", Column: "label", Key: "id", Context: "label:{id}"},                                      // ledger/subwallet.go
	{Table: "bank_accounts", Column: "account_number", Key: "id", Context: "bank_account_number:{wallet}"},      // ledger/bank_service.go
	{Table: "bank_accounts", Column: "holder_name", Key: "id", Context: "bank_holder_name:{wallet}"},            // ledger/bank_service.go
	{Table: "sandbox_bank_accounts", Column: "holder_name", Key: "hash", Context: "sandbox_holder_name:{hash}"}, // bank/sandbox.go
	{Table: "factors", Column: "secret", Key: "id", Context: "totp_secret:{id}"},                                // auth/factors.go
	{Table: "sandbox_sms", Column: "phone", Key: "id", Context: "sms_phone:{id}"},                               // auth/sms.go
	{Table: "webhook_endpoints", Column: "secret", Key: "id", Context: "webhook_secret:{id}"},                   // webhook: endpoints' signing secrets
	{Table: "offline_keys", Column: "seed", Key: "owner", Context: "offline_key:{owner}"},                       // ledger/offline_keys.go
}

// Name is "<table>.<column>", how commands and reports name the column.
func (c SealedColumn) Name() string { return c.Table + "." + c.Column }

// ContextColumn is the column whose value the Context's placeholder
// stands for.
func (c SealedColumn) ContextColumn() string {
	_, rest, _ := strings.Cut(c.Context, "{")
	col, _, _ := strings.Cut(rest, "}")
	return col
}

// ContextOf is the context of a row whose ContextColumn holds v, as a
// database driver scans it: int64, string or []byte.
func (c SealedColumn) ContextOf(v any) (string, error) {
	var s string
	switch v := v.(type) {
	case int64:
		s = strconv.FormatInt(v, 10)
	case string:
		s = v
	case []byte:
		s = hex.EncodeToString(v)
	default:
		return "", fmt.Errorf("store: %s: a %T in %s", c.Name(), v, c.ContextColumn())
	}
	return strings.Replace(c.Context, "{"+c.ContextColumn()+"}", s, 1), nil
}

// LookupSealedColumn finds a column of SealedColumns by Name.
func LookupSealedColumn(name string) (SealedColumn, error) {
	for _, c := range SealedColumns {
		if c.Name() == name {
			return c, nil
		}
	}
	return SealedColumn{}, fmt.Errorf("store: %q is not a sealed column", name)
}

// SealedValue is one stored, non-empty value of a sealed column.
type SealedValue struct {
	// Row is the row's primary key as the store read it (an int64, a string
	// or a []byte): give it back to Reseal, or to StaleSealed as after.
	Row     any
	Context string // what the value was sealed under
	Value   string
}

// Reseal is a new value for one row of a sealed column, written only while
// the row still holds Old.
type Reseal struct {
	Row      any // SealedValue.Row
	Old, New string
}

// SealedStore reads and rewrites the columns of SealedColumns, by Name,
// while the service runs. Both stores implement it.
type SealedStore interface {
	// StaleSealed lists up to limit rows of a sealed column whose value is
	// not empty and does not start with prefix (the sealed prefix of the
	// newest data key, so: values sealed with another key, or stored in
	// clear), in primary key order, after the row after (nil: from the
	// first).
	StaleSealed(ctx context.Context, column, prefix string, after any, limit int) ([]SealedValue, error)
	// Reseal writes, in one transaction, each Reseal's New into its row
	// where the row still holds Old ("UPDATE ... SET col = new WHERE key =
	// row AND col = old"): a row changed or deleted meanwhile keeps the
	// concurrent change. It returns how many rows it changed.
	Reseal(ctx context.Context, column string, rs []Reseal) (int, error)
}
