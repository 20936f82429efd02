package verify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/ingot-cbdc/ingot/translog"
)

// Leaf is a decoded leaf of the log (version 1, docs/transparency-log.md):
// what an auditor can read of a transfer from its inclusion proof.
type Leaf struct {
	ID         string
	Kind       string
	Debit      int64
	Credit     int64
	Amount     int64 // minor units
	Currency   string
	CreatedAt  time.Time // UTC, microseconds
	MemoSHA256 [32]byte
	HoldID     string
}

// ParseLeaf decodes a leaf. It refuses versions it does not know, and
// anything but exactly one well-formed leaf.
func ParseLeaf(b []byte) (Leaf, error) {
	var l Leaf
	if len(b) == 0 {
		return l, errors.New("empty leaf")
	}
	if b[0] != translog.LeafVersion {
		return l, fmt.Errorf("leaf version %d, this program knows version %d", b[0], translog.LeafVersion)
	}
	b = b[1:]
	bad := errors.New("malformed leaf")
	str := func() string {
		if len(b) < 4 {
			b = nil
			panic(bad)
		}
		n := binary.BigEndian.Uint32(b)
		if uint64(len(b)-4) < uint64(n) {
			panic(bad)
		}
		s := string(b[4 : 4+n])
		b = b[4+n:]
		return s
	}
	i64 := func() int64 {
		if len(b) < 8 {
			panic(bad)
		}
		v := int64(binary.BigEndian.Uint64(b))
		b = b[8:]
		return v
	}
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r != bad {
					panic(r)
				}
				err = bad
			}
		}()
		l.ID = str()
		l.Kind = str()
		l.Debit = i64()
		l.Credit = i64()
		l.Amount = i64()
		l.Currency = str()
		l.CreatedAt = time.UnixMicro(i64()).UTC()
		if len(b) < 32 {
			panic(bad)
		}
		copy(l.MemoSHA256[:], b)
		b = b[32:]
		l.HoldID = str()
		if len(b) != 0 {
			panic(bad)
		}
		return nil
	}()
	return l, err
}
