package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/offline"
)

// Offline purses (docs/offline-and-ussd.md): devices, loads, uploads of
// offline payments, the offline keys and the revocation list. The signed
// objects are package offline's, in their JSON forms.

// OperatorCertificate is the central bank's certificate of an operator's
// offline key.
type OperatorCertificate struct {
	OperatorID string    `json:"operator_id"`
	PublicKey  string    `json:"public_key" doc:"Ed25519, unpadded base64url."`
	IssuedAt   time.Time `json:"issued_at"`
	Signature  string    `json:"signature" doc:"The central bank's offline key's Ed25519 signature of the certificate's canonical text, unpadded base64url."`
}

// DeviceCertificate is an operator's certificate of a device's key.
type DeviceCertificate struct {
	DeviceID   string              `json:"device_id"`
	PublicKey  string              `json:"public_key" doc:"The device's Ed25519 key, unpadded base64url."`
	WalletID   string              `json:"wallet_id"`
	Currency   string              `json:"currency"`
	MaxBalance string              `json:"max_balance" doc:"The most the device holds."`
	MaxPayment string              `json:"max_payment" doc:"The most it pays at a time."`
	IssuedAt   time.Time           `json:"issued_at"`
	Operator   OperatorCertificate `json:"operator"`
	Signature  string              `json:"signature" doc:"The operator's offline key's signature, unpadded base64url."`
}

// Device is an offline device of a wallet.
type Device struct {
	ID            string            `json:"id"`
	Wallet        string            `json:"wallet"`
	Balance       string            `json:"balance" doc:"What its offline account holds, as the ledger has it (the device's own balance differs by what it has not uploaded)."`
	Debt          string            `json:"debt" doc:"What its operator advanced for payments beyond its offline account and has not recovered."`
	Currency      string            `json:"currency"`
	Loads         int64             `json:"loads" doc:"Load vouchers issued."`
	RevokedAt     *time.Time        `json:"revoked_at,omitempty"`
	RevokedReason string            `json:"revoked_reason,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	Certificate   DeviceCertificate `json:"certificate"`
}

// LoadVoucher is the operator's signed statement of a load, which the
// device applies once.
type LoadVoucher struct {
	DeviceID   string `json:"device_id"`
	PublicKey  string `json:"public_key"`
	Amount     string `json:"amount"`
	Currency   string `json:"currency"`
	Number     int64  `json:"number" doc:"The device's loads, counted from 1."`
	TransferID string `json:"transfer_id"`
	Signature  string `json:"signature"`
}

// DeviceLoad is the answer to a load.
type DeviceLoad struct {
	Voucher  LoadVoucher `json:"voucher"`
	Transfer Transfer    `json:"transfer"`
}

// OfflinePayment is a payment or redemption a device signed.
type OfflinePayment struct {
	Type      string            `json:"type" enum:"payment,redemption"`
	Payer     DeviceCertificate `json:"payer"`
	Payee     string            `json:"payee,omitempty" doc:"The payee device's public key (payments only)."`
	Amount    string            `json:"amount"`
	Currency  string            `json:"currency"`
	Counter   int64             `json:"counter" doc:"The payer's, strictly increasing from 1."`
	Prev      string            `json:"prev" doc:"SHA-256 of the payer's previous payment's canonical text (its certificate's before the first), unpadded base64url."`
	Signature string            `json:"signature"`
}

// SyncItem is the outcome of one uploaded payment.
type SyncItem struct {
	ID       string    `json:"id,omitempty" doc:"<payer device>/<counter>."`
	Type     string    `json:"type,omitempty"`
	Amount   string    `json:"amount,omitempty"`
	Currency string    `json:"currency,omitempty"`
	Status   string    `json:"status" enum:"applied,duplicate,refused"`
	Code     string    `json:"code,omitempty" doc:"Why it was refused."`
	Detail   string    `json:"detail,omitempty"`
	Transfer *Transfer `json:"transfer,omitempty" doc:"Applied now: its offline_payment or offline_redeem transfer."`
	Conflict bool      `json:"conflict,omitempty" doc:"A double spend: applied, its payer revoked."`
}

// Sync is the answer to an upload.
type Sync struct {
	DeviceID string     `json:"device_id"`
	Items    []SyncItem `json:"items" doc:"One per uploaded payment, in order."`
	Balance  string     `json:"balance" doc:"The device's offline account after the upload."`
	Debt     string     `json:"debt"`
	Revoked  []string   `json:"revoked" doc:"Devices the upload revoked."`
}

// OfflineKeys are the public offline keys.
type OfflineKeys struct {
	CentralBank string                `json:"central_bank" doc:"The central bank's offline key, Ed25519, unpadded base64url: the devices' trust anchor."`
	Operators   []OperatorCertificate `json:"operators"`
}

// Revocation is a revoked device.
type Revocation struct {
	DeviceID  string    `json:"device_id"`
	PublicKey string    `json:"public_key"`
	RevokedAt time.Time `json:"revoked_at"`
	Reason    string    `json:"reason"`
}

type deviceIn struct {
	ID             string `path:"id" doc:"The wallet."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		PublicKey  string `json:"public_key" maxLength:"64" doc:"The device's Ed25519 public key, unpadded base64url."`
		MaxBalance string `json:"max_balance,omitempty" example:"1000.00" doc:"The most the device may hold; default and most: the server's (--offline-max-balance)."`
		MaxPayment string `json:"max_payment,omitempty" example:"500.00" doc:"The most it may pay at a time; default and most: the server's (--offline-max-payment)."`
	}
}

type loadIn struct {
	ID             string `path:"id" doc:"The device."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		Amount string `json:"amount" example:"200.00"`
	}
}

type syncIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes the request idempotent (at most 255 printable ASCII characters)."`
	Body           struct {
		DeviceID string           `json:"device_id" maxLength:"36" doc:"The device uploading: one of the caller's."`
		Payments []OfflinePayment `json:"payments" maxItems:"1000" doc:"What it holds: the payments and redemptions it made and the payments it received."`
	}
}

func (s *server) offlineRoutes() {
	const tag = "Offline purses"
	post(s, "registerDevice", "/v1/wallets/{id}/devices", "Certify an offline device's key for a wallet (operator)", http.StatusCreated, tag, s.registerDevice)
	get(s, "listDevices", "/v1/wallets/{id}/devices", "A wallet's offline devices", tag, s.listDevices)
	get(s, "getDevice", "/v1/devices/{id}", "An offline device", tag, s.getDevice)
	post(s, "loadDevice", "/v1/devices/{id}/loads", "Move money from the wallet to the device; answers the signed load voucher", http.StatusCreated, tag, s.loadDevice)
	post(s, "syncOffline", "/v1/offline/sync", "Upload what a device holds: each payment applied exactly once, double spends revoked", http.StatusOK, tag, s.syncOffline)
	get(s, "getOfflineKeys", "/v1/offline/keys", "The central bank's offline key and the operators' certified offline keys", tag, s.getOfflineKeys)
	get(s, "listRevocations", "/v1/offline/revocations", "The revoked devices, which devices refuse", tag, s.listRevocations)
}

func (s *server) registerDevice(ctx context.Context, in *deviceIn) (*Out[Device], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.DeviceView, error) {
			return s.svc.RegisterDevice(ctx, actor(ctx), in.ID, ledger.DeviceRequest{PublicKey: in.Body.PublicKey,
				MaxBalance: in.Body.MaxBalance, MaxPayment: in.Body.MaxPayment}, idem)
		}, func(v *ledger.DeviceView) Device { return deviceOut(&v.Device, v.Balance) })
}

func (s *server) listDevices(ctx context.Context, in *idIn) (*Body[List[Device]], error) {
	ds, err := s.svc.WalletDevices(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[Device]{Items: []Device{}}
	for i := range ds {
		v, err := s.svc.Device(ctx, actor(ctx), ds[i].ID)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		out.Items = append(out.Items, deviceOut(&v.Device, v.Balance))
	}
	return &Body[List[Device]]{Body: out}, nil
}

func (s *server) getDevice(ctx context.Context, in *idIn) (*Body[Device], error) {
	v, err := s.svc.Device(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[Device]{Body: deviceOut(&v.Device, v.Balance)}, nil
}

func (s *server) loadDevice(ctx context.Context, in *loadIn) (*Out[DeviceLoad], error) {
	return exec(s, ctx, in.IdempotencyKey, http.StatusCreated, in.Body,
		func(idem *ledger.Idem) (*ledger.DeviceLoad, error) {
			return s.svc.LoadDevice(ctx, actor(ctx), in.ID, in.Body.Amount, idem)
		}, func(l *ledger.DeviceLoad) DeviceLoad {
			var v LoadVoucher
			recode(l.Voucher, &v)
			return DeviceLoad{Voucher: v, Transfer: transferOut(l.Transfer, "")}
		})
}

func (s *server) syncOffline(ctx context.Context, in *syncIn) (*Out[Sync], error) {
	ri := info(ctx)
	return exec(s, ctx, in.IdempotencyKey, http.StatusOK, in.Body,
		func(idem *ledger.Idem) (*ledger.OfflineSync, error) {
			raw := make([]json.RawMessage, len(in.Body.Payments))
			for i := range in.Body.Payments {
				b, err := json.Marshal(&in.Body.Payments[i])
				if err != nil {
					return nil, err
				}
				raw[i] = b
			}
			return s.svc.SyncOffline(ctx, ri.actor, in.Body.DeviceID, raw, ri.client.Address, idem)
		}, syncOut)
}

func syncOut(r *ledger.OfflineSync) Sync {
	out := Sync{DeviceID: r.Device, Items: make([]SyncItem, len(r.Items)), Revoked: append([]string{}, r.Revoked...)}
	cur := ""
	for i, it := range r.Items {
		o := SyncItem{ID: it.ID, Type: it.Kind, Currency: it.Currency, Status: it.Status, Code: it.Code, Detail: it.Detail, Conflict: it.Conflict}
		if it.Currency != "" {
			o.Amount, cur = amt(it.Amount, it.Currency), it.Currency
		}
		if it.Transfer != nil {
			t := transferOut(it.Transfer, "")
			o.Transfer = &t
		}
		out.Items[i] = o
	}
	if cur == "" {
		cur = "CNY"
	}
	out.Balance, out.Debt = amt(r.Balance, cur), amt(r.Debt, cur)
	return out
}

func (s *server) getOfflineKeys(ctx context.Context, _ *struct{}) (*Body[OfflineKeys], error) {
	ks, err := s.svc.OfflineKeys(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := OfflineKeys{CentralBank: ks.CentralBank.String(), Operators: []OperatorCertificate{}}
	for _, c := range ks.Operators {
		var o OperatorCertificate
		recode(c, &o)
		out.Operators = append(out.Operators, o)
	}
	return &Body[OfflineKeys]{Body: out}, nil
}

func (s *server) listRevocations(ctx context.Context, _ *struct{}) (*Body[List[Revocation]], error) {
	ds, err := s.svc.Revocations(ctx, actor(ctx))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := List[Revocation]{Items: []Revocation{}}
	for _, d := range ds {
		out.Items = append(out.Items, Revocation{DeviceID: d.ID, PublicKey: b64key(d.PublicKey), RevokedAt: d.RevokedAt.UTC(), Reason: d.RevokedReason})
	}
	return &Body[List[Revocation]]{Body: out}, nil
}

func deviceOut(d *ingot.Device, balance int64) Device {
	out := Device{ID: d.ID, Wallet: ingot.FormatWalletID(d.Wallet), Balance: amt(balance, d.Currency), Debt: amt(d.Debt, d.Currency),
		Currency: d.Currency, Loads: d.Loads, RevokedReason: d.RevokedReason, CreatedAt: d.CreatedAt.UTC()}
	if d.Revoked() {
		t := d.RevokedAt.UTC()
		out.RevokedAt = &t
	}
	_ = json.Unmarshal(d.Certificate, &out.Certificate) // the certificate's JSON as issued, in these field names
	return out
}

// recode converts between a value's JSON form and a type of the same
// fields (package offline's objects and their API types).
func recode(from, to any) {
	b, err := json.Marshal(from)
	if err == nil {
		err = json.Unmarshal(b, to)
	}
	if err != nil {
		panic(fmt.Sprintf("httpapi: recode %T: %v", from, err))
	}
}

func b64key(k []byte) string { return offline.Key(k).String() }
