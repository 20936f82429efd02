package offline

import (
	"crypto/ed25519"
	"crypto/rand"
	"slices"

	"github.com/ingot-cbdc/ingot"
)

// Device is a simulated secure element: its key, its certificate, the
// central bank's key it trusts, and its state. A real device keeps the
// private key and the state where its holder cannot change them; this one
// keeps them in memory (and `ingot device` in a JSON file), which is why
// the server assumes devices may be broken (docs/offline-and-ussd.md).
type Device struct {
	Seed        []byte     `json:"seed"` // the Ed25519 private key's seed
	Cert        DeviceCert `json:"certificate"`
	CentralBank Key        `json:"central_bank_key"`
	Balance     int64      `json:"balance"` // minor units of Cert.Currency
	// Counter is the counter of the last payment or redemption signed,
	// and Last its hash (the certificate's before the first).
	Counter int64 `json:"counter"`
	Last    Hash  `json:"last"`
	// Loads is the number of the last load voucher applied.
	Loads int64 `json:"loads"`
	// Seen is the highest counter received from each payer device.
	Seen map[string]int64 `json:"seen"`
	// Revoked are the devices the server revoked, as last fetched.
	Revoked []string `json:"revoked"`
	// Sent and Received are the device's payments, in order.
	Sent     []Payment `json:"sent"`
	Received []Payment `json:"received"`
}

// NewKey makes a device's key pair: the public key to certify, and the
// seed of the private key.
func NewKey() (Key, []byte) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader) // crypto/rand does not fail
	return Key(pub), priv.Seed()
}

// NewDevice is a device with its seed, the certificate of its key and the
// central bank's key, empty. The certificate must verify and be of the
// seed's key.
func NewDevice(seed []byte, cert DeviceCert, cb Key) (*Device, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, errorf("a device seed has %d bytes", ed25519.SeedSize)
	}
	if err := cert.Verify(cb); err != nil {
		return nil, err
	}
	if !Key(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)).Equal(cert.Key) {
		return nil, invalid("the certificate is of another key")
	}
	return &Device{Seed: seed, Cert: cert, CentralBank: cb, Last: cert.Hash(), Seen: map[string]int64{}}, nil
}

func (d *Device) private() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(d.Seed) }

func (d *Device) cur() ingot.Currency { return ingot.MustCurrency(d.Cert.Currency) }

// Load applies a load voucher: once, in order of their numbers, never
// above the device's maximum balance.
func (d *Device) Load(v *LoadVoucher) error {
	if err := v.Verify(&d.Cert); err != nil {
		return err
	}
	if v.Number <= d.Loads {
		return invalid("load voucher %d was applied already", v.Number)
	}
	if d.Balance+v.Amount > d.Cert.MaxBalance {
		return ingot.Errorf(ingot.CodeLimitExceeded, "the device would hold %s %s, above its max_balance of %s",
			ingot.FormatAmount(d.Balance+v.Amount, d.cur()), d.Cert.Currency, ingot.FormatAmount(d.Cert.MaxBalance, d.cur()))
	}
	d.Loads = v.Number
	d.Balance += v.Amount
	return nil
}

// Pay signs a payment of amount to the device whose key is payee, with no
// network, and takes it off the balance.
func (d *Device) Pay(payee Key, amount int64) (*Payment, error) {
	return d.spend(KindPayment, payee, amount)
}

// Redeem signs a redemption of amount to the device's wallet and takes it
// off the balance; the server moves the money when it is uploaded.
func (d *Device) Redeem(amount int64) (*Payment, error) {
	return d.spend(KindRedemption, nil, amount)
}

func (d *Device) spend(kind string, payee Key, amount int64) (*Payment, error) {
	if amount <= 0 {
		return nil, ingot.Errorf(ingot.CodeInvalidAmount, "the amount must be positive")
	}
	if amount > d.Cert.MaxPayment && kind == KindPayment {
		return nil, ingot.Errorf(ingot.CodeLimitExceeded, "an offline payment is at most %s %s", ingot.FormatAmount(d.Cert.MaxPayment, d.cur()), d.Cert.Currency)
	}
	if amount > d.Balance {
		return nil, ingot.Errorf(ingot.CodeInsufficientFunds, "the device holds %s %s, less than %s",
			ingot.FormatAmount(d.Balance, d.cur()), d.Cert.Currency, ingot.FormatAmount(amount, d.cur()))
	}
	p := &Payment{Kind: kind, Payer: d.Cert, Payee: payee, Amount: amount, Counter: d.Counter + 1, Prev: d.Last}
	if err := p.check(); err != nil {
		return nil, err
	}
	p.Sign(d.private())
	d.Counter, d.Last = p.Counter, p.Hash()
	d.Balance -= amount
	d.Sent = append(d.Sent, *p)
	return p, nil
}

// Receive checks a payment to this device and adds it to the balance: the
// payer's certificate chain and signature, a payer not revoked, a counter
// new for that payer, the currency, and room under the maximum balance.
func (d *Device) Receive(p *Payment) error {
	if p.Kind != KindPayment || !p.Payee.Equal(d.Cert.Key) {
		return invalid("the payment is not to this device")
	}
	if err := p.Verify(d.CentralBank); err != nil {
		return err
	}
	if slices.Contains(d.Revoked, p.Payer.Device) {
		return ingot.Errorf(ingot.CodeDeviceRevoked, "the payer device %s is revoked", p.Payer.Device)
	}
	if p.Payer.Currency != d.Cert.Currency {
		return ingot.Errorf(ingot.CodeCurrencyMismatch, "the payment is in %s, this device holds %s", p.Payer.Currency, d.Cert.Currency)
	}
	if p.Counter <= d.Seen[p.Payer.Device] {
		return invalid("counter %d of device %s is not new (replayed or out of order)", p.Counter, p.Payer.Device)
	}
	if d.Balance+p.Amount > d.Cert.MaxBalance {
		return ingot.Errorf(ingot.CodeLimitExceeded, "the device would hold %s %s, above its max_balance of %s",
			ingot.FormatAmount(d.Balance+p.Amount, d.cur()), d.Cert.Currency, ingot.FormatAmount(d.Cert.MaxBalance, d.cur()))
	}
	if d.Seen == nil {
		d.Seen = map[string]int64{}
	}
	d.Seen[p.Payer.Device] = p.Counter
	d.Balance += p.Amount
	d.Received = append(d.Received, *p)
	return nil
}

// SetRevoked replaces the list of revoked devices (fetched when online).
func (d *Device) SetRevoked(devices []string) { d.Revoked = slices.Clone(devices) }

// Unsynced returns the payments the device holds, sent and received, for
// an upload; Synced forgets them once the server applied them.
func (d *Device) Unsynced() []Payment {
	return append(slices.Clone(d.Sent), d.Received...)
}

// Synced forgets the payments the server has applied (by identity).
func (d *Device) Synced(ids map[string]bool) {
	keep := func(ps []Payment) []Payment {
		return slices.DeleteFunc(ps, func(p Payment) bool { return ids[p.ID()] })
	}
	d.Sent, d.Received = keep(d.Sent), keep(d.Received)
}
