package offline_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/offline"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.txt")

// seeded is a key pair from a seed of one repeated byte: the test vectors'
// keys.
func seeded(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func pub(k ed25519.PrivateKey) offline.Key { return offline.Key(k.Public().(ed25519.PublicKey)) }

var issued = time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)

// fixture is the test vectors' chain: the central bank's key (seed 01),
// an operator's (02), devices A (03) and B (04) of two wallets.
type fixture struct {
	cb, op, a, b ed25519.PrivateKey
	opCert       offline.OperatorCert
	certA, certB offline.DeviceCert
}

func newFixture() *fixture {
	f := &fixture{cb: seeded(1), op: seeded(2), a: seeded(3), b: seeded(4)}
	f.opCert = offline.OperatorCert{Operator: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Key: pub(f.op), IssuedAt: issued}
	f.opCert.Sign(f.cb)
	cert := func(id string, k ed25519.PrivateKey, wallet int64) offline.DeviceCert {
		c := offline.DeviceCert{Device: id, Key: pub(k), Wallet: wallet, Currency: "CNY", MaxBalance: 100000, MaxPayment: 50000,
			IssuedAt: issued, Operator: f.opCert}
		c.Sign(f.op)
		return c
	}
	f.certA = cert("0193a1b2-c3d4-7e5f-8a9b-00000000000a", f.a, 6212345678901232)
	f.certB = cert("0193a1b2-c3d4-7e5f-8a9b-00000000000b", f.b, 6298765432109870)
	return f
}

func (f *fixture) device(t *testing.T, k ed25519.PrivateKey, c offline.DeviceCert) *offline.Device {
	t.Helper()
	d, err := offline.NewDevice(k.Seed(), c, pub(f.cb))
	if err != nil {
		t.Fatalf("new device: %v", err)
	}
	return d
}

func (f *fixture) voucher(c offline.DeviceCert, amount, n int64) *offline.LoadVoucher {
	v := &offline.LoadVoucher{Device: c.Device, Key: c.Key, Amount: amount, Currency: "CNY", Number: n,
		Transfer: fmt.Sprintf("0193a1b2-c3d4-7e5f-8a9b-1000000000%02d", n)}
	v.Sign(f.op)
	return v
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ingot.ErrorCode(err); err == nil || got != code {
		t.Fatalf("got %v; want %s", err, code)
	}
}

func TestPayAndReceive(t *testing.T) {
	t.Parallel()
	f := newFixture()
	a, b := f.device(t, f.a, f.certA), f.device(t, f.b, f.certB)

	if err := a.Load(f.voucher(f.certA, 20000, 1)); err != nil {
		t.Fatalf("load: %v", err)
	}
	wantCode(t, a.Load(f.voucher(f.certA, 20000, 1)), ingot.CodeOfflineInvalid) // applied already
	wantCode(t, b.Load(f.voucher(f.certA, 100, 2)), ingot.CodeOfflineInvalid)   // another device's
	wantCode(t, a.Load(f.voucher(f.certA, 90000, 2)), ingot.CodeLimitExceeded)  // above max_balance
	forged := f.voucher(f.certA, 100, 3)
	forged.Amount = 10000
	wantCode(t, a.Load(forged), ingot.CodeOfflineInvalid)

	p, err := a.Pay(b.Cert.Key, 3000)
	if err != nil {
		t.Fatalf("pay: %v", err)
	}
	if p.Counter != 1 || p.Prev != f.certA.Hash() || a.Balance != 17000 {
		t.Fatalf("payment %+v, balance %d", p, a.Balance)
	}
	if err := b.Receive(p); err != nil {
		t.Fatalf("receive: %v", err)
	}
	if b.Balance != 3000 {
		t.Fatalf("b holds %d", b.Balance)
	}
	wantCode(t, b.Receive(p), ingot.CodeOfflineInvalid) // replayed counter

	// The chain: the second payment names the first.
	p2, err := a.Pay(b.Cert.Key, 1000)
	if err != nil || p2.Counter != 2 || p2.Prev != p.Hash() {
		t.Fatalf("second payment %+v: %v", p2, err)
	}
	// Tampered: another amount no longer verifies.
	bad := *p2
	bad.Amount = 2000
	wantCode(t, b.Receive(&bad), ingot.CodeOfflineInvalid)
	// Limits: one payment at most max_payment; no more than the balance.
	_, err = a.Pay(b.Cert.Key, 50001)
	wantCode(t, err, ingot.CodeLimitExceeded)
	_, err = a.Pay(b.Cert.Key, 16001)
	wantCode(t, err, ingot.CodeInsufficientFunds)
	// A payment to another device is not this one's.
	wantCode(t, a.Receive(p2), ingot.CodeOfflineInvalid)
	// A revoked payer is refused.
	b.SetRevoked([]string{f.certA.Device})
	wantCode(t, b.Receive(p2), ingot.CodeDeviceRevoked)
	b.SetRevoked(nil)
	if err := b.Receive(p2); err != nil {
		t.Fatalf("receive the second: %v", err)
	}

	// A certificate chain of another central bank is refused.
	other := seeded(9)
	rogue := f.opCert
	rogue.Sign(other)
	c := f.certA
	c.Operator = rogue
	c.Sign(f.op)
	if err := c.Verify(pub(f.cb)); ingot.ErrorCode(err) != ingot.CodeOfflineInvalid {
		t.Fatalf("a certificate of another central bank: %v", err)
	}
	if _, err := offline.NewDevice(f.a.Seed(), f.certB, pub(f.cb)); ingot.ErrorCode(err) != ingot.CodeOfflineInvalid {
		t.Fatalf("a device with another key's certificate: %v", err)
	}

	// A redemption continues the chain and has no payee.
	r, err := a.Redeem(500)
	if err != nil || r.Counter != 3 || r.Prev != p2.Hash() || len(r.Payee) != 0 || r.Verify(pub(f.cb)) != nil {
		t.Fatalf("redemption %+v: %v", r, err)
	}
	// Upload and forget.
	if n := len(a.Unsynced()); n != 3 {
		t.Fatalf("a holds %d payments; want 3", n)
	}
	a.Synced(map[string]bool{p.ID(): true, p2.ID(): true})
	if u := a.Unsynced(); len(u) != 1 || u[0].ID() != r.ID() {
		t.Fatalf("unsynced after sync: %+v", u)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture()
	a := f.device(t, f.a, f.certA)
	if err := a.Load(f.voucher(f.certA, 20000, 1)); err != nil {
		t.Fatal(err)
	}
	p, err := a.Pay(f.certB.Key, 1250)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"amount":"12.50"`, `"counter":1`, `"payee":"`, `"signature":"`, `"wallet_id":"6212345678901232"`} {
		if !strings.Contains(string(b), field) {
			t.Fatalf("payment JSON %s lacks %s", b, field)
		}
	}
	q, err := offline.ParsePayment(b)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if !bytes.Equal(q.Text(), p.Text()) || q.Verify(pub(f.cb)) != nil {
		t.Fatalf("round trip: %s", q.Text())
	}
	// The device's state file round-trips too.
	s, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var d offline.Device
	if err := json.Unmarshal(s, &d); err != nil || d.Balance != a.Balance || d.Last != a.Last || len(d.Sent) != 1 {
		t.Fatalf("device state: %+v, %v", d, err)
	}
	for _, bad := range []string{`{}`, `{"type":"payment"}`, `[]`, string(b) + `x`, strings.Replace(string(b), `"counter":1`, `"counter":1,"extra":1`, 1),
		strings.Replace(string(b), `"12.50"`, `"12.505"`, 1), strings.Replace(string(b), `"currency":"CNY","counter"`, `"currency":"USD","counter"`, 1)} {
		if _, err := offline.ParsePayment([]byte(bad)); ingot.ErrorCode(err) != ingot.CodeOfflineInvalid {
			t.Errorf("ParsePayment(%.60q...) = %v; want offline_invalid", bad, err)
		}
	}
}

// TestVectors checks the formats' test vectors (docs/offline-and-ussd.md)
// against testdata/vectors.txt; -update rewrites it.
func TestVectors(t *testing.T) {
	f := newFixture()
	a := f.device(t, f.a, f.certA)
	v := f.voucher(f.certA, 20000, 1)
	if err := a.Load(v); err != nil {
		t.Fatal(err)
	}
	p, err := a.Pay(f.certB.Key, 1250)
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Redeem(500)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	section := func(name string, text []byte, sig offline.Sig, extra string) {
		fmt.Fprintf(&out, "## %s\n\ncanonical text (%d bytes, each line ends with a newline):\n\n%s\nsignature (hex): %s\n", name, len(text), text, hex.EncodeToString(sig))
		if extra != "" {
			out.WriteString(extra)
		}
		out.WriteString("\n")
	}
	fmt.Fprintf(&out, "# Offline purse test vectors\n\nKeys are Ed25519 from seeds of one repeated byte: the central bank 01..01, the operator 02..02, device A 03..03, device B 04..04.\n\n")
	fmt.Fprintf(&out, "central bank key: %s\noperator key:     %s\ndevice A key:     %s\ndevice B key:     %s\n\n", pub(f.cb), pub(f.op), pub(f.a), pub(f.b))
	section("Operator certificate (signed by the central bank)", f.opCert.Text(), f.opCert.Signature, "")
	section("Device certificate of A (signed by the operator)", f.certA.Text(), f.certA.Signature, fmt.Sprintf("hash (the first payment's prev): %s\n", f.certA.Hash()))
	section("Load voucher (signed by the operator)", v.Text(), v.Signature, "")
	section("Payment of 12.50 CNY from A to B (signed by A)", p.Text(), p.Signature, fmt.Sprintf("hash: %s\n", p.Hash()))
	section("Redemption of 5.00 CNY by A (signed by A)", r.Text(), r.Signature, fmt.Sprintf("hash: %s\n", r.Hash()))
	pj, _ := json.MarshalIndent(p, "", "  ")
	fmt.Fprintf(&out, "## The payment's JSON\n\n%s\n", pj)

	path := filepath.Join("testdata", "vectors.txt")
	if *update {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./offline -run TestVectors -update writes it)", err)
	}
	if string(want) != out.String() {
		t.Fatalf("the test vectors changed: a format changed, or run with -update\n%s", out.String())
	}
}

func FuzzParsePayment(f *testing.F) {
	fx := newFixture()
	d, err := offline.NewDevice(fx.a.Seed(), fx.certA, pub(fx.cb))
	if err != nil {
		f.Fatal(err)
	}
	if err := d.Load(fx.voucher(fx.certA, 20000, 1)); err != nil {
		f.Fatal(err)
	}
	p, _ := d.Pay(fx.certB.Key, 1250)
	r, _ := d.Redeem(100)
	for _, x := range []*offline.Payment{p, r} {
		b, _ := json.Marshal(x)
		f.Add(b)
	}
	f.Add([]byte(`{"type":"payment","payer":{},"amount":"1.00"}`))
	f.Add([]byte(`null`))
	cb := pub(fx.cb)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := offline.ParsePayment(b)
		if err != nil {
			if ingot.ErrorCode(err) != ingot.CodeOfflineInvalid {
				t.Fatalf("an error that is not offline_invalid: %v", err)
			}
			return
		}
		// A payment that parses re-encodes to one with the same text, and
		// verifies or not alike.
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		q, err := offline.ParsePayment(again)
		if err != nil {
			t.Fatalf("a parsed payment does not parse again: %v\n%s", err, again)
		}
		if !bytes.Equal(p.Text(), q.Text()) || (p.Verify(cb) == nil) != (q.Verify(cb) == nil) {
			t.Fatalf("round trip changed the payment:\n%s\n%s", p.Text(), q.Text())
		}
	})
}
