package offline

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"time"

	"github.com/ingot-cbdc/ingot"
)

// OperatorCert is the central bank's certificate of an operator's offline
// key.
type OperatorCert struct {
	Operator  string    `json:"operator_id"`
	Key       Key       `json:"public_key"`
	IssuedAt  time.Time `json:"issued_at"`
	Signature Sig       `json:"signature"`
}

// Text is the certificate's canonical text, which the central bank signs.
func (c *OperatorCert) Text() []byte {
	return newText(headOperator).line("operator", c.Operator).line("key", c.Key.String()).time("issued", c.IssuedAt).bytes()
}

// Sign signs the certificate with the central bank's offline key.
func (c *OperatorCert) Sign(cb ed25519.PrivateKey) { c.Signature = ed25519.Sign(cb, c.Text()) }

// Verify checks the certificate's fields and the central bank's signature.
func (c *OperatorCert) Verify(cb Key) error {
	if err := c.check(); err != nil {
		return err
	}
	return verify(cb, c.Text(), c.Signature, "the operator certificate")
}

func (c *OperatorCert) check() error {
	if err := checkID("operator.operator_id", c.Operator); err != nil {
		return err
	}
	if len(c.Key) != ed25519.PublicKeySize {
		return invalid("operator.public_key: not an Ed25519 public key")
	}
	return checkTime("operator.issued_at", c.IssuedAt)
}

// DeviceCert is an operator's certificate of a device's key: the device
// holds money of Wallet in Currency, at most MaxBalance, and pays at most
// MaxPayment at a time (minor units). Operator is the operator's own
// certificate, so that a device checks the whole chain with the central
// bank's key alone.
type DeviceCert struct {
	Device     string
	Key        Key
	Wallet     int64
	Currency   string
	MaxBalance int64
	MaxPayment int64
	IssuedAt   time.Time
	Operator   OperatorCert
	Signature  Sig
}

// Text is the certificate's canonical text, which the operator signs. It
// names the operator's key, so that it binds the operator certificate too.
func (c *DeviceCert) Text() []byte {
	return newText(headDevice).line("device", c.Device).line("key", c.Key.String()).
		line("wallet", ingot.FormatWalletID(c.Wallet)).line("currency", c.Currency).
		int("max-balance", c.MaxBalance).int("max-payment", c.MaxPayment).time("issued", c.IssuedAt).
		line("operator", c.Operator.Operator).line("operator-key", c.Operator.Key.String()).bytes()
}

// Hash is the SHA-256 of the certificate's text: the "previous hash" of
// the device's first payment.
func (c *DeviceCert) Hash() Hash { return sha256.Sum256(c.Text()) }

// Sign signs the certificate with the operator's offline key.
func (c *DeviceCert) Sign(op ed25519.PrivateKey) { c.Signature = ed25519.Sign(op, c.Text()) }

// Verify checks the certificate's fields and its chain: the operator's
// certificate with the central bank's key, then the operator's signature.
func (c *DeviceCert) Verify(cb Key) error {
	if err := c.check(); err != nil {
		return err
	}
	if err := c.Operator.Verify(cb); err != nil {
		return err
	}
	return verify(c.Operator.Key, c.Text(), c.Signature, "the device certificate")
}

func (c *DeviceCert) check() error {
	if err := checkID("device_id", c.Device); err != nil {
		return err
	}
	if len(c.Key) != ed25519.PublicKeySize {
		return invalid("public_key: not an Ed25519 public key")
	}
	if !ingot.IsWalletID(c.Wallet) {
		return invalid("wallet_id: not a wallet number")
	}
	if _, err := ingot.LookupCurrency(c.Currency); err != nil {
		return invalid("currency: %q is not an ISO 4217 code", c.Currency)
	}
	if c.MaxBalance <= 0 || c.MaxPayment <= 0 || c.MaxPayment > c.MaxBalance || c.MaxBalance > ingot.MaxAmount {
		return invalid("max_balance and max_payment must be positive, max_payment at most max_balance")
	}
	if err := checkTime("issued_at", c.IssuedAt); err != nil {
		return err
	}
	if len(c.Signature) != ed25519.SignatureSize || len(c.Operator.Signature) != ed25519.SignatureSize {
		return invalid("signature: the certificate and its operator's must be signed")
	}
	return c.Operator.check()
}

// deviceCertJSON is a DeviceCert's JSON form.
type deviceCertJSON struct {
	Device     string       `json:"device_id"`
	Key        Key          `json:"public_key"`
	Wallet     string       `json:"wallet_id"`
	Currency   string       `json:"currency"`
	MaxBalance string       `json:"max_balance"`
	MaxPayment string       `json:"max_payment"`
	IssuedAt   time.Time    `json:"issued_at"`
	Operator   OperatorCert `json:"operator"`
	Signature  Sig          `json:"signature"`
}

// MarshalJSON encodes the certificate with decimal amounts and the wallet
// number as a string.
func (c DeviceCert) MarshalJSON() ([]byte, error) {
	return json.Marshal(deviceCertJSON{Device: c.Device, Key: c.Key, Wallet: ingot.FormatWalletID(c.Wallet), Currency: c.Currency,
		MaxBalance: amountJSON(c.MaxBalance, c.Currency), MaxPayment: amountJSON(c.MaxPayment, c.Currency),
		IssuedAt: c.IssuedAt, Operator: c.Operator, Signature: c.Signature})
}

// UnmarshalJSON decodes and checks the certificate's fields (not its
// signatures: Verify).
func (c *DeviceCert) UnmarshalJSON(b []byte) error {
	var j deviceCertJSON
	if err := strict(b, &j); err != nil {
		return invalid("device certificate: %v", err)
	}
	w, err := ingot.ParseWalletID(j.Wallet)
	if err != nil {
		return invalid("wallet_id: not a wallet number")
	}
	mb, err := parseAmount("max_balance", j.MaxBalance, j.Currency)
	if err != nil {
		return err
	}
	mp, err := parseAmount("max_payment", j.MaxPayment, j.Currency)
	if err != nil {
		return err
	}
	*c = DeviceCert{Device: j.Device, Key: j.Key, Wallet: w, Currency: j.Currency, MaxBalance: mb, MaxPayment: mp,
		IssuedAt: j.IssuedAt.UTC(), Operator: j.Operator, Signature: j.Signature}
	c.Operator.IssuedAt = c.Operator.IssuedAt.UTC()
	return c.check()
}

// LoadVoucher is an operator's signed statement that Amount moved from the
// wallet to the device's offline account (the ledger's transfer): the
// device adds it to its balance once. Number counts the device's loads
// from 1, so that a device applies each voucher once.
type LoadVoucher struct {
	Device    string
	Key       Key
	Amount    int64
	Currency  string
	Number    int64
	Transfer  string
	Signature Sig
}

// Text is the voucher's canonical text, which the operator signs.
func (v *LoadVoucher) Text() []byte {
	return newText(headLoad).line("device", v.Device).line("key", v.Key.String()).
		line("amount", formatMinor(v.Amount, v.Currency)).int("number", v.Number).line("transfer", v.Transfer).bytes()
}

// Sign signs the voucher with the operator's offline key.
func (v *LoadVoucher) Sign(op ed25519.PrivateKey) { v.Signature = ed25519.Sign(op, v.Text()) }

// Verify checks the voucher against the certificate of the device it is
// for: the device, its key and currency, and its operator's signature.
func (v *LoadVoucher) Verify(c *DeviceCert) error {
	if v.Device != c.Device || !v.Key.Equal(c.Key) || v.Currency != c.Currency {
		return invalid("the load voucher is for another device or currency")
	}
	if v.Amount <= 0 || v.Number <= 0 {
		return invalid("the load voucher's amount and number must be positive")
	}
	if err := checkID("transfer_id", v.Transfer); err != nil {
		return err
	}
	return verify(c.Operator.Key, v.Text(), v.Signature, "the load voucher")
}

type loadVoucherJSON struct {
	Device    string `json:"device_id"`
	Key       Key    `json:"public_key"`
	Amount    string `json:"amount"`
	Currency  string `json:"currency"`
	Number    int64  `json:"number"`
	Transfer  string `json:"transfer_id"`
	Signature Sig    `json:"signature"`
}

// MarshalJSON encodes the voucher with a decimal amount.
func (v LoadVoucher) MarshalJSON() ([]byte, error) {
	return json.Marshal(loadVoucherJSON{Device: v.Device, Key: v.Key, Amount: amountJSON(v.Amount, v.Currency), Currency: v.Currency,
		Number: v.Number, Transfer: v.Transfer, Signature: v.Signature})
}

// UnmarshalJSON decodes a voucher (Verify checks it).
func (v *LoadVoucher) UnmarshalJSON(b []byte) error {
	var j loadVoucherJSON
	if err := strict(b, &j); err != nil {
		return invalid("load voucher: %v", err)
	}
	a, err := parseAmount("amount", j.Amount, j.Currency)
	if err != nil {
		return err
	}
	*v = LoadVoucher{Device: j.Device, Key: j.Key, Amount: a, Currency: j.Currency, Number: j.Number, Transfer: j.Transfer, Signature: j.Signature}
	return nil
}

// formatMinor is an amount in the canonical texts: minor units and the
// currency ("1250 CNY").
func formatMinor(v int64, currency string) string {
	return strconv.FormatInt(v, 10) + " " + currency
}
