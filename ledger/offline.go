package ledger

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/offline"
)

// Offline purses (issue 17, docs/offline-and-ussd.md): the server side of
// devices that pay each other with no network. An operator certifies a
// device's key for one of its wallets; the wallet's holder (or its
// operator) loads money onto it; devices pay each other offline; whichever
// device comes online uploads what it holds, and the engine applies each
// payment exactly once and catches double spends.

// Default device limits, in whole units of the wallet's currency: a device
// holds at most 1,000 and pays at most 500 at a time, unless the service
// is given others (WithOfflineLimits).
const (
	DefaultOfflineMaxBalance = "1000"
	DefaultOfflineMaxPayment = "500"
)

// MaxSyncPayments is the most payments one upload may hold.
const MaxSyncPayments = 1000

// WithOfflineLimits sets the largest (and default) max_balance and
// max_payment of new devices, decimal amounts in any currency ("1000",
// "500"); "" keeps the defaults.
func (s *Service) WithOfflineLimits(maxBalance, maxPayment string) *Service {
	s.offMaxBalance, s.offMaxPayment = maxBalance, maxPayment
	return s
}

// CheckOfflineLimits reports whether limits given to WithOfflineLimits
// are valid amounts (in a currency of two decimals).
func CheckOfflineLimits(maxBalance, maxPayment string) error {
	cur := ingot.MustCurrency("CNY")
	b, err := ingot.ParseAmount(or(maxBalance, DefaultOfflineMaxBalance), cur)
	if err != nil {
		return fmt.Errorf("offline max balance: %w", err)
	}
	p, err := ingot.ParseAmount(or(maxPayment, DefaultOfflineMaxPayment), cur)
	if err != nil {
		return fmt.Errorf("offline max payment: %w", err)
	}
	if p > b {
		return fmt.Errorf("the offline max payment %s is above the max balance %s", maxPayment, maxBalance)
	}
	return nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// offlineLimits are the largest max_balance and max_payment in a currency.
func (s *Service) offlineLimits(cur ingot.Currency) (maxBalance, maxPayment int64, err error) {
	if maxBalance, err = ingot.ParseAmount(or(s.offMaxBalance, DefaultOfflineMaxBalance), cur); err != nil {
		return 0, 0, err
	}
	maxPayment, err = ingot.ParseAmount(or(s.offMaxPayment, DefaultOfflineMaxPayment), cur)
	return maxBalance, maxPayment, err
}

// DeviceRequest registers a device: its public key (unpadded base64url
// Ed25519) and optional limits, decimal amounts at most the service's.
type DeviceRequest struct {
	PublicKey  string
	MaxBalance string
	MaxPayment string
}

// DeviceView is a device and what its offline account holds.
type DeviceView struct {
	Device  ingot.Device
	Balance int64
}

// DeviceLoad is a load: its transfer and the voucher the device applies.
type DeviceLoad struct {
	Voucher  offline.LoadVoucher
	Transfer *ingot.Transfer
}

// Statuses of an uploaded payment.
const (
	SyncApplied   = "applied"   // applied now
	SyncDuplicate = "duplicate" // applied before (or earlier in this upload)
	SyncRefused   = "refused"   // not applied: Code and Detail say why
)

// OfflineSyncItem is the outcome of one uploaded payment or redemption.
type OfflineSyncItem struct {
	ID       string // "<payer device>/<counter>"; "" for one that did not parse
	Kind     string
	Amount   int64
	Currency string
	Status   string
	Code     string
	Detail   string
	Transfer *ingot.Transfer // applied now: the offline_payment or offline_redeem transfer
	// Conflict is set for a double spend: applied, and its payer revoked.
	Conflict bool
}

// OfflineSync is the outcome of an upload: each payment's, the syncing
// device's offline account and debt after it, and the devices it revoked.
type OfflineSync struct {
	Device  string
	Items   []OfflineSyncItem
	Balance int64
	Debt    int64
	Revoked []string
}

// RegisterDevice certifies a device's key for one of the operator's main
// wallets with the operator's offline key, and opens its offline account.
// Only the operator registers devices: the certificate is its word that
// the key lives in a device it trusts.
func (s *Service) RegisterDevice(ctx context.Context, a ingot.Actor, walletID string, r DeviceRequest, idem *Idem) (*DeviceView, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	key, err := offline.ParseKey(r.PublicKey)
	if err != nil {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "public_key: not an Ed25519 public key in unpadded base64url")
	}
	cur := ingot.MustCurrency(w.Currency)
	maxBalance, maxPayment, err := s.offlineLimits(cur)
	if err != nil {
		return nil, ingot.Errorf(ingot.CodeInternal, "the offline limits do not parse in %s: %v", cur.Code, err)
	}
	for _, f := range []struct {
		name, in string
		out      *int64
		max      int64
	}{{"max_balance", r.MaxBalance, &maxBalance, maxBalance}, {"max_payment", r.MaxPayment, &maxPayment, maxPayment}} {
		if f.in == "" {
			continue
		}
		v, err := ingot.ParseAmount(f.in, cur)
		if err != nil {
			return nil, ingot.Prefix(err, f.name)
		}
		if v > f.max {
			return nil, ingot.Errorf(ingot.CodeLimitExceeded, "%s: at most %s %s", f.name, ingot.FormatAmount(f.max, cur), cur.Code)
		}
		*f.out = v
	}
	if maxPayment > maxBalance {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "max_payment: above max_balance")
	}
	if _, err := s.st.DeviceByKey(ctx, key); err == nil {
		return nil, ingot.Errorf(ingot.CodeConflict, "public_key: a device with this key is registered already")
	} else if !isNotFound(err) {
		return nil, s.unavailable(ctx, err)
	}
	op, err := s.offlineKey(ctx, a.OperatorID)
	if err != nil {
		return nil, err
	}
	cert := offline.DeviceCert{Device: newID(), Key: key, Wallet: w.ID, Currency: w.Currency, MaxBalance: maxBalance,
		MaxPayment: maxPayment, IssuedAt: s.now(), Operator: op.cert}
	cert.Sign(op.priv)
	cj, err := json.Marshal(cert)
	if err != nil {
		return nil, err
	}
	d := ingot.Device{ID: cert.Device, Wallet: w.ID, Account: newSystemID(), OperatorID: w.OperatorID, Currency: w.Currency,
		PublicKey: key, MaxBalance: maxBalance, MaxPayment: maxPayment, Certificate: cj}
	return submit(ctx, s.eng, a, &deviceCmd{dev: d}, idem)
}

// Device reads one of the actor's devices (its operator's, or the
// holder's).
func (s *Service) Device(ctx context.Context, a ingot.Actor, id string) (*DeviceView, error) {
	d, err := s.ownDevice(ctx, a, id)
	if err != nil {
		return nil, err
	}
	acc, err := s.st.Account(ctx, d.Account)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return &DeviceView{Device: d, Balance: acc.Balance}, nil
}

// WalletDevices lists the devices of one of the actor's wallets.
func (s *Service) WalletDevices(ctx context.Context, a ingot.Actor, walletID string) ([]ingot.Device, error) {
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	ds, err := s.st.WalletDevices(ctx, w.ID)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return ds, nil
}

// ownDevice reads a device of one of the actor's wallets; any other is
// not found.
func (s *Service) ownDevice(ctx context.Context, a ingot.Actor, id string) (ingot.Device, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return ingot.Device{}, err
	}
	d, err := s.st.Device(ctx, id)
	if isNotFound(err) {
		return ingot.Device{}, notFound("device " + id)
	}
	if err != nil {
		return ingot.Device{}, s.unavailable(ctx, err)
	}
	if _, err := s.Wallet(ctx, a, ingot.FormatWalletID(d.Wallet)); err != nil {
		return ingot.Device{}, notFound("device " + id)
	}
	return d, nil
}

// LoadDevice moves amount from a device's wallet to the device's offline
// account and answers the load voucher, signed by the operator's offline
// key.
func (s *Service) LoadDevice(ctx context.Context, a ingot.Actor, id, amount string, idem *Idem) (*DeviceLoad, error) {
	d, err := s.ownDevice(ctx, a, id)
	if err != nil {
		return nil, err
	}
	v, err := ingot.ParseAmount(amount, ingot.MustCurrency(d.Currency))
	if err != nil {
		return nil, ingot.Prefix(err, "amount")
	}
	key, err := s.offlineKey(ctx, d.OperatorID)
	if err != nil {
		return nil, err
	}
	res, err := s.account(ctx, ingot.AccountReserve, d.OperatorID, d.Currency)
	if err != nil {
		return nil, err
	}
	return submit(ctx, s.eng, a, &offlineLoadCmd{device: d.ID, wallet: d.Wallet, account: d.Account, reserve: res, amount: v, key: key}, idem)
}

// SyncOffline applies what a device uploads: its payments and redemptions
// and the payments it received, each JSON as the devices signed it. Each
// is checked here (its form, the payer's certificate chain up to the
// central bank's offline key and its signature, registered devices, one of
// them the syncing device) and then applied in one engine command, exactly
// once. Devices revoked by the upload are security events.
func (s *Service) SyncOffline(ctx context.Context, a ingot.Actor, deviceID string, payments []json.RawMessage, address string, idem *Idem) (*OfflineSync, error) {
	d, err := s.ownDevice(ctx, a, deviceID)
	if err != nil {
		return nil, err
	}
	if len(payments) > MaxSyncPayments {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "payments: at most %d in one upload", MaxSyncPayments)
	}
	cb, err := s.offlineKey(ctx, ingot.OfflineCentralBank)
	if err != nil {
		return nil, err
	}
	devs := map[string]*ingot.Device{d.ID: &d}
	byKey := map[string]*ingot.Device{string(d.PublicKey): &d}
	lookup := func(id string, key []byte) (*ingot.Device, error) {
		if x := devs[id]; x != nil && id != "" {
			return x, nil
		}
		if x := byKey[string(key)]; x != nil && key != nil {
			return x, nil
		}
		var x ingot.Device
		var err error
		if id != "" {
			x, err = s.st.Device(ctx, id)
		} else {
			x, err = s.st.DeviceByKey(ctx, key)
		}
		if isNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, s.unavailable(ctx, err)
		}
		devs[x.ID], byKey[string(x.PublicKey)] = &x, &x
		return &x, nil
	}
	c := &offlineSyncCmd{device: d.ID, items: make([]syncItem, len(payments)), accounts: map[string][2]int64{}, reserves: map[string]int64{}}
	for i, raw := range payments {
		it := &c.items[i]
		p, err := offline.ParsePayment(raw)
		if err == nil {
			it.p = p
			err = p.Verify(cb.pub)
		}
		if err != nil {
			it.err = ingot.Prefix(err, fmt.Sprintf("payments[%d]", i))
			continue
		}
		payer, err := lookup(p.Payer.Device, nil)
		if err != nil {
			return nil, err
		}
		if payer == nil || !p.Payer.Key.Equal(payer.PublicKey) {
			it.err = ingot.Errorf(ingot.CodeOfflineInvalid, "payments[%d]: the payer device %s is not registered with this key", i, p.Payer.Device)
			continue
		}
		var reg offline.DeviceCert
		if err := json.Unmarshal(payer.Certificate, &reg); err != nil {
			return nil, fmt.Errorf("ledger: device %s: certificate: %w", payer.ID, err)
		}
		it.genesis = reg.Hash()
		if p.Payer.Hash() != it.genesis {
			it.err = ingot.Errorf(ingot.CodeOfflineInvalid, "payments[%d]: the payer's certificate is not the one device %s was given", i, payer.ID)
			continue
		}
		c.accounts[payer.ID] = [2]int64{payer.Wallet, payer.Account}
		mine := payer.ID == d.ID
		if p.Kind == offline.KindPayment {
			payee, err := lookup("", p.Payee)
			if err != nil {
				return nil, err
			}
			if payee == nil {
				it.err = ingot.Errorf(ingot.CodeOfflineInvalid, "payments[%d]: the payee key is no registered device", i)
				continue
			}
			if payee.Currency != payer.Currency {
				it.err = ingot.Errorf(ingot.CodeCurrencyMismatch, "payments[%d]: the payer device holds %s, the payee device %s", i, payer.Currency, payee.Currency)
				continue
			}
			it.payee = payee.ID
			c.accounts[payee.ID] = [2]int64{payee.Wallet, payee.Account}
			mine = mine || payee.ID == d.ID
		}
		if !mine {
			it.err = ingot.Errorf(ingot.CodeOfflineInvalid, "payments[%d]: neither made nor received by device %s", i, d.ID)
			continue
		}
	}
	c.accounts[d.ID] = [2]int64{d.Wallet, d.Account}
	for _, x := range devs {
		if _, ok := c.reserves[x.OperatorID]; ok {
			continue
		}
		r, err := s.account(ctx, ingot.AccountReserve, x.OperatorID, x.Currency)
		if err != nil {
			return nil, err
		}
		c.reserves[x.OperatorID] = r
	}
	out, err := submit(ctx, s.eng, a, c, idem)
	if err != nil {
		return nil, err
	}
	if s.record != nil && (idem == nil || !idem.Replayed) {
		for _, id := range out.Revoked {
			x := devs[id]
			if x == nil {
				continue
			}
			s.record(ctx, auth.SecurityEvent{Type: auth.EventDeviceRevoked, Operators: []string{x.OperatorID}, KeyID: a.KeyID,
				Subject: "device " + id, Detail: "revoked for a double spend", Address: address})
		}
	}
	return out, nil
}

// Revocations lists the revoked devices, for devices to refuse.
func (s *Service) Revocations(ctx context.Context, _ ingot.Actor) ([]ingot.Device, error) {
	ds, err := s.st.RevokedDevices(ctx)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	return ds, nil
}
