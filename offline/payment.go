package offline

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"strconv"

	"github.com/ingot-cbdc/ingot"
)

// Kinds of Payment.
const (
	KindPayment    = "payment"    // to another device
	KindRedemption = "redemption" // back to the payer's own wallet (unloading)
)

// MaxPaymentSize is the most bytes a payment's JSON may have: a
// certificate chain and a handful of fields.
const MaxPaymentSize = 4096

// Payment is what a device signs to spend offline: a payment of Amount to
// the device whose key is Payee, or a redemption of Amount to the payer's
// own wallet (Kind; no Payee). Counter is the payer's, strictly increasing
// from 1 over its payments and redemptions; Prev is the Hash of the
// payer's previous one (the certificate's Hash before the first). A
// payment's identity is (Payer.Device, Counter): two different payments
// with one identity are a double spend.
type Payment struct {
	Kind      string
	Payer     DeviceCert
	Payee     Key // payments only
	Amount    int64
	Counter   int64
	Prev      Hash
	Signature Sig
}

// Text is the payment's canonical text, which the payer signs; its
// currency is the payer certificate's.
func (p *Payment) Text() []byte {
	head := headPayment
	if p.Kind == KindRedemption {
		head = headRedemption
	}
	t := newText(head).line("payer", p.Payer.Device).line("payer-key", p.Payer.Key.String())
	if p.Kind != KindRedemption {
		t.line("payee", p.Payee.String())
	}
	return t.line("amount", formatMinor(p.Amount, p.Payer.Currency)).int("counter", p.Counter).line("prev", p.Prev.String()).bytes()
}

// Hash is the SHA-256 of the payment's text: the next payment's Prev, and
// what tells two payments of one identity apart.
func (p *Payment) Hash() Hash { return sha256.Sum256(p.Text()) }

// Sign signs the payment with the payer device's key.
func (p *Payment) Sign(k ed25519.PrivateKey) { p.Signature = ed25519.Sign(k, p.Text()) }

// Verify checks the payment alone: its fields, the payer's certificate
// chain up to the central bank's key cb, the payer's signature, and the
// certificate's limit on one payment. Whether its counter is new, its
// payer revoked or its payee able to take it is for the receiver.
func (p *Payment) Verify(cb Key) error {
	if err := p.check(); err != nil {
		return err
	}
	if err := p.Payer.Verify(cb); err != nil {
		return err
	}
	return verify(p.Payer.Key, p.Text(), p.Signature, "the payment")
}

func (p *Payment) check() error {
	switch p.Kind {
	case KindPayment:
		if len(p.Payee) != ed25519.PublicKeySize {
			return invalid("payee: not an Ed25519 public key")
		}
		if p.Payee.Equal(p.Payer.Key) {
			return invalid("payee: a device cannot pay itself")
		}
	case KindRedemption:
		if len(p.Payee) != 0 {
			return invalid("payee: a redemption has none")
		}
	default:
		return invalid("type: %q is neither %s nor %s", p.Kind, KindPayment, KindRedemption)
	}
	if p.Amount <= 0 || p.Amount > ingot.MaxAmount || (p.Kind == KindPayment && p.Amount > p.Payer.MaxPayment) {
		return invalid("amount: must be positive, a payment's at most the payer's max_payment %s", amountJSON(p.Payer.MaxPayment, p.Payer.Currency))
	}
	if p.Counter <= 0 {
		return invalid("counter: must be positive")
	}
	return nil
}

type paymentJSON struct {
	Kind      string     `json:"type"`
	Payer     DeviceCert `json:"payer"`
	Payee     Key        `json:"payee,omitempty"`
	Amount    string     `json:"amount"`
	Currency  string     `json:"currency"`
	Counter   int64      `json:"counter"`
	Prev      Hash       `json:"prev"`
	Signature Sig        `json:"signature"`
}

// MarshalJSON encodes the payment with a decimal amount in its currency.
func (p Payment) MarshalJSON() ([]byte, error) {
	return json.Marshal(paymentJSON{Kind: p.Kind, Payer: p.Payer, Payee: p.Payee, Amount: amountJSON(p.Amount, p.Payer.Currency),
		Currency: p.Payer.Currency, Counter: p.Counter, Prev: p.Prev, Signature: p.Signature})
}

// UnmarshalJSON decodes a payment and checks its fields (not its
// signatures: Verify).
func (p *Payment) UnmarshalJSON(b []byte) error {
	var j paymentJSON
	if err := strict(b, &j); err != nil {
		return invalid("payment: %v", err)
	}
	if j.Currency != j.Payer.Currency {
		return invalid("currency: the payment is in %q, its payer's certificate in %q", j.Currency, j.Payer.Currency)
	}
	a, err := parseAmount("amount", j.Amount, j.Currency)
	if err != nil {
		return err
	}
	*p = Payment{Kind: j.Kind, Payer: j.Payer, Payee: j.Payee, Amount: a, Counter: j.Counter, Prev: j.Prev, Signature: j.Signature}
	if len(p.Signature) != ed25519.SignatureSize {
		return invalid("signature: missing")
	}
	return p.check()
}

// ParsePayment decodes a payment's JSON (at most MaxPaymentSize bytes,
// no unknown fields) and checks its fields; Verify checks its signatures.
func ParsePayment(b []byte) (*Payment, error) {
	if len(b) > MaxPaymentSize {
		return nil, invalid("a payment is at most %d bytes", MaxPaymentSize)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var p Payment
	if err := d.Decode(&p); err != nil {
		if e := ingot.AsError(err); e != nil {
			return nil, e
		}
		return nil, invalid("payment: %v", err)
	}
	if d.More() {
		return nil, invalid("payment: data after the JSON object")
	}
	return &p, nil
}

// ID is the payment's identity, "<payer device>/<counter>".
func (p *Payment) ID() string { return p.Payer.Device + "/" + strconv.FormatInt(p.Counter, 10) }
