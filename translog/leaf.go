package translog

import (
	"crypto/sha256"
	"encoding/binary"
	"math"

	"github.com/ingot-cbdc/ingot"
	"golang.org/x/mod/sumdb/tlog"
)

// LeafVersion is the version byte that starts every leaf produced by
// [LeafBytes]. A change of the encoding gets a new version; leaves already in
// the log keep the version they were written with.
const LeafVersion byte = 1

// LeafBytes returns the canonical encoding of a transfer's immutable fields,
// the data of its leaf in the log. The encoding is, in this order:
//
//	version      1 byte, LeafVersion (0x01)
//	id           string
//	kind         string
//	debit        int64, the debited account id
//	credit       int64, the credited account id
//	amount       int64, minor units
//	currency     string, ISO 4217 code
//	created_at   int64, Unix time in microseconds (UTC, truncated toward zero)
//	memo_sha256  32 bytes, SHA-256 of the memo's UTF-8 bytes (also when empty)
//	hold_id      string, empty unless the transfer is a capture
//
// where int64 is 8 bytes, big-endian two's complement, and string is its
// byte length as a 4-byte big-endian unsigned integer followed by its bytes.
// Balances after the transfer and its sequence number are not part of the
// leaf: the position of the leaf in the log is the order.
//
// The leaf hash in the tree is tlog.RecordHash(LeafBytes(t)), that is
// SHA-256(0x00 || leaf), as RFC 6962 defines it.
func LeafBytes(t ingot.Transfer) []byte {
	memo := sha256.Sum256([]byte(t.Memo))
	n := 1 + 4*4 + len(t.ID) + len(t.Kind) + len(t.Currency) + len(t.HoldID) + 4*8 + sha256.Size
	b := make([]byte, 0, n)
	b = append(b, LeafVersion)
	b = appendString(b, t.ID)
	b = appendString(b, string(t.Kind))
	b = binary.BigEndian.AppendUint64(b, uint64(t.Debit))
	b = binary.BigEndian.AppendUint64(b, uint64(t.Credit))
	b = binary.BigEndian.AppendUint64(b, uint64(t.Amount))
	b = appendString(b, t.Currency)
	b = binary.BigEndian.AppendUint64(b, uint64(t.CreatedAt.UnixMicro()))
	b = append(b, memo[:]...)
	b = appendString(b, t.HoldID)
	return b
}

// LeafHash is the hash of the transfer's leaf in the tree:
// tlog.RecordHash(LeafBytes(t)).
func LeafHash(t ingot.Transfer) tlog.Hash {
	return tlog.RecordHash(LeafBytes(t))
}

func appendString(b []byte, s string) []byte {
	if uint64(len(s)) > math.MaxUint32 {
		// Unreachable for transfers: ids, kinds and currencies are short.
		panic("translog: string field longer than 4 GiB")
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}
