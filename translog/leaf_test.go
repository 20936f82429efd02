package translog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"golang.org/x/mod/sumdb/tlog"
)

// exampleTransfer is the worked example of docs/transparency-log.md.
func exampleTransfer() ingot.Transfer {
	return ingot.Transfer{
		ID:            "0190a5f2-3b4c-7d8e-9f01-23456789abcd",
		Kind:          ingot.KindPayment,
		Debit:         6212345678901234,
		Credit:        6298765432109876,
		Amount:        1230, // 12.30 CNY
		Currency:      "CNY",
		Memo:          "lunch",
		CreatedAt:     time.Date(2026, 3, 1, 12, 34, 56, 789012345, time.UTC),
		DebitBalance:  100,
		CreditBalance: 200,
		Seq:           7,
	}
}

// The example's encoding, written field by field from the specification in
// docs/transparency-log.md rather than by the code under test.
const (
	exampleLeafHex = "01" + // version
		"00000024" + "30313930613566322d336234632d376438652d396630312d323334353637383961626364" + // id
		"00000007" + "7061796d656e74" + // kind "payment"
		"001612187169aff2" + // debit 6212345678901234
		"001660b19c1abb34" + // credit 6298765432109876
		"00000000000004ce" + // amount 1230
		"00000003" + "434e59" + // currency "CNY"
		"00064bf5b2a98614" + // created_at 1772368496789012 µs
		"f3bb79e48a7a8af1d028f6acb7fa34b0c7f75da596fc205907d2a708fe28ebef" + // SHA-256("lunch")
		"00000000" // hold_id ""
)

func TestLeafBytesLayout(t *testing.T) {
	tr := exampleTransfer()
	got := LeafBytes(tr)

	want, err := hex.DecodeString(exampleLeafHex)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("LeafBytes =\n%x\nwant\n%x", got, want)
	}
	if tr.CreatedAt.UnixMicro() != 1772368496789012 {
		t.Fatalf("example time is %d µs", tr.CreatedAt.UnixMicro())
	}
	if len(got) != 1+4+36+4+7+8+8+8+4+3+8+32+4 {
		t.Fatalf("len = %d", len(got))
	}
	if h := LeafHash(tr); h != tlog.RecordHash(got) || h != sha256.Sum256(append([]byte{0}, got...)) {
		t.Fatalf("LeafHash = %x, want SHA-256(0x00 || leaf)", h)
	}
}

// TestLeafGolden pins the example's full encoding and leaf hash, which
// docs/transparency-log.md shows; a change of either is a change of the
// format and needs a new LeafVersion.
func TestLeafGolden(t *testing.T) {
	leaf := LeafBytes(exampleTransfer())
	h := tlog.RecordHash(leaf)
	if got := hex.EncodeToString(leaf); got != goldenLeafHex {
		t.Errorf("leaf = %s\nwant   %s", got, goldenLeafHex)
	}
	if got := hex.EncodeToString(h[:]); got != goldenLeafHashHex {
		t.Errorf("leaf hash = %s, want %s", got, goldenLeafHashHex)
	}
}

// TestDocsShowExample checks that docs/transparency-log.md shows the current
// worked example, so the documentation cannot drift from the code.
func TestDocsShowExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/transparency-log.md")
	if err != nil {
		t.Fatal(err)
	}
	leaf := LeafBytes(exampleTransfer())
	h := tlog.RecordHash(leaf)
	// The doc wraps the leaf hex at 64 characters per line.
	flat := strings.Join(strings.Fields(string(doc)), "")
	for name, want := range map[string]string{
		"leaf hex":         hex.EncodeToString(leaf),
		"leaf hash hex":    hex.EncodeToString(h[:]),
		"leaf hash base64": h.String(),
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("docs/transparency-log.md does not show the example's %s %s", name, want)
		}
	}
	t.Logf("leaf (%d bytes):\n%s", len(leaf), wrapHex(hex.EncodeToString(leaf), 64))
	t.Logf("leaf hash: %x = %s", h[:], h)
}

func wrapHex(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

func TestLeafEveryFieldCounts(t *testing.T) {
	t.Parallel()
	base := exampleTransfer()
	baseHash := LeafHash(base)
	changes := map[string]func(*ingot.Transfer){
		"id":              func(t *ingot.Transfer) { t.ID = "0190a5f2-3b4c-7d8e-9f01-23456789abce" },
		"kind":            func(t *ingot.Transfer) { t.Kind = ingot.KindTopUp },
		"debit":           func(t *ingot.Transfer) { t.Debit++ },
		"credit":          func(t *ingot.Transfer) { t.Credit-- },
		"swap accounts":   func(t *ingot.Transfer) { t.Debit, t.Credit = t.Credit, t.Debit },
		"amount":          func(t *ingot.Transfer) { t.Amount++ },
		"amount negative": func(t *ingot.Transfer) { t.Amount = -t.Amount },
		"currency":        func(t *ingot.Transfer) { t.Currency = "CNH" },
		"time +1µs":       func(t *ingot.Transfer) { t.CreatedAt = t.CreatedAt.Add(time.Microsecond) },
		"time -1µs":       func(t *ingot.Transfer) { t.CreatedAt = t.CreatedAt.Add(-time.Microsecond) },
		"memo":            func(t *ingot.Transfer) { t.Memo = "lunch!" },
		"memo empty":      func(t *ingot.Transfer) { t.Memo = "" },
		"hold id":         func(t *ingot.Transfer) { t.HoldID = "0190a5f2-0000-7000-8000-000000000000" },
		"id into kind": func(t *ingot.Transfer) {
			t.ID, t.Kind = t.ID[:len(t.ID)-1], ingot.TransferKind(t.ID[len(t.ID)-1:])+t.Kind
		},
		"hold into currency": func(t *ingot.Transfer) {
			t.Currency, t.HoldID = "CN", "Y"
		},
	}
	seen := map[tlog.Hash]string{baseHash: "base"}
	for name, change := range changes {
		tr := base
		change(&tr)
		h := LeafHash(tr)
		if other, dup := seen[h]; dup {
			t.Errorf("%s: leaf hash equals that of %s", name, other)
		}
		seen[h] = name
	}

	// Fields that are not part of the leaf, and representations of the same
	// values, leave it alone.
	same := map[string]func(*ingot.Transfer){
		"debit balance":  func(t *ingot.Transfer) { t.DebitBalance++ },
		"credit balance": func(t *ingot.Transfer) { t.CreditBalance++ },
		"seq":            func(t *ingot.Transfer) { t.Seq++ },
		"time zone":      func(t *ingot.Transfer) { t.CreatedAt = t.CreatedAt.In(time.FixedZone("CST", 8*3600)) },
		"nanoseconds":    func(t *ingot.Transfer) { t.CreatedAt = t.CreatedAt.Truncate(time.Microsecond) },
	}
	for name, change := range same {
		tr := base
		change(&tr)
		if h := LeafHash(tr); h != baseHash {
			t.Errorf("%s: leaf hash changed", name)
		}
	}
}

func TestLeafVersionFirst(t *testing.T) {
	t.Parallel()
	for _, tr := range []ingot.Transfer{{}, exampleTransfer()} {
		if b := LeafBytes(tr); len(b) == 0 || b[0] != LeafVersion || LeafVersion != 1 {
			t.Fatalf("leaf does not start with version 1: %x", b)
		}
	}
	// The zero transfer: version, four empty strings (4 bytes each), four
	// int64 (the zero time is year 1, a negative Unix time) and SHA-256("").
	var zero ingot.Transfer
	b := LeafBytes(zero)
	if len(b) != 1+4*4+4*8+32 {
		t.Fatalf("zero transfer leaf is %d bytes", len(b))
	}
	empty := sha256.Sum256(nil)
	if !bytes.Equal(b[len(b)-36:len(b)-4], empty[:]) {
		t.Fatalf("memo hash of empty memo is %x", b[len(b)-36:len(b)-4])
	}
}

const (
	goldenLeafHex     = exampleLeafHex
	goldenLeafHashHex = "c7c408f7f9ef36018d0909b9f16cdd13771f1a46be94e1877c4bb68bd07589fe"
)
