package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/ingot-cbdc/ingot/offline"
)

func TestOfflineOverHTTP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("OFFHTTP")
		alice := e.wallet(key, "500.00")
		bob := e.wallet(key, "")

		// The keys: the central bank's, and the operator's once it has
		// certified a device.
		ks := e.must(e.req("GET", "/v1/offline/keys", key, nil), 200)
		cb, err := offline.ParseKey(ks.str("central_bank"))
		if err != nil {
			t.Fatalf("keys: %s", ks.raw)
		}
		register := func(wallet string) *offline.Device {
			k, seed := offline.NewKey()
			r := e.must(e.req("POST", "/v1/wallets/"+wallet+"/devices", key, map[string]any{"public_key": k.String()}, "Idempotency-Key", "dev-"+wallet), 201)
			cj, _ := json.Marshal(r.body["certificate"])
			var cert offline.DeviceCert
			if err := json.Unmarshal(cj, &cert); err != nil {
				t.Fatalf("certificate %s: %v", cj, err)
			}
			d, err := offline.NewDevice(seed, cert, cb)
			if err != nil {
				t.Fatalf("device: %v", err)
			}
			if r.str("balance") != "0.00" || cert.MaxBalance != 100000 || cert.MaxPayment != 50000 {
				t.Fatalf("registered: %s", r.raw)
			}
			return d
		}
		a, b := register(alice), register(bob)
		if ks := e.must(e.req("GET", "/v1/offline/keys", key, nil), 200); len(ks.body["operators"].([]any)) != 1 {
			t.Fatalf("keys: %s", ks.raw)
		}
		e.problem(e.req("POST", "/v1/wallets/"+alice+"/devices", key, map[string]any{"public_key": a.Cert.Key.String()}), 409, "conflict")

		// Load: the voucher the device applies.
		l := e.must(e.req("POST", "/v1/devices/"+a.Cert.Device+"/loads", key, map[string]any{"amount": "200.00"}, "Idempotency-Key", "load-1"), 201)
		vj, _ := json.Marshal(l.body["voucher"])
		var v offline.LoadVoucher
		if err := json.Unmarshal(vj, &v); err != nil || a.Load(&v) != nil || a.Balance != 20000 {
			t.Fatalf("voucher %s: %v", vj, err)
		}
		if b := e.balance(key, alice); b != "300.00" {
			t.Fatalf("wallet after the load: %s", b)
		}
		e.problem(e.req("POST", "/v1/devices/"+a.Cert.Device+"/loads", key, map[string]any{"amount": "900.00"}), 422, "limit_exceeded")
		sup := e.must(e.req("GET", "/v1/issuance/supply?currency=CNY", adminKey, nil), 200)
		if sup.str("offline") != "200.00" {
			t.Fatalf("supply: %s", sup.raw)
		}

		// Offline: a pays b; b uploads, then a uploads the same payment.
		p, err := a.Pay(b.Cert.Key, 7550)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Receive(p); err != nil {
			t.Fatal(err)
		}
		sync := func(d *offline.Device) *resp {
			return e.must(e.req("POST", "/v1/offline/sync", key, map[string]any{"device_id": d.Cert.Device, "payments": d.Unsynced()}), 200)
		}
		s := sync(b)
		items := s.items()
		if len(items) != 1 || items[0].(map[string]any)["status"] != "applied" || s.str("balance") != "75.50" {
			t.Fatalf("b's sync: %s", s.raw)
		}
		s = sync(a)
		if it := s.items()[0].(map[string]any); it["status"] != "duplicate" || s.str("balance") != "124.50" {
			t.Fatalf("a's sync: %s", s.raw)
		}
		dv := e.must(e.req("GET", "/v1/devices/"+b.Cert.Device, key, nil), 200)
		if dv.str("balance") != "75.50" || dv.str("debt") != "0.00" {
			t.Fatalf("device b: %s", dv.raw)
		}
		list := e.must(e.req("GET", "/v1/wallets/"+bob+"/devices", key, nil), 200)
		if len(list.items()) != 1 {
			t.Fatalf("bob's devices: %s", list.raw)
		}

		// A tampered payment is refused alone; a payment of a device that
		// is neither side of it is refused too.
		bad := *p
		bad.Amount = 9999
		s = e.must(e.req("POST", "/v1/offline/sync", key, map[string]any{"device_id": b.Cert.Device, "payments": []any{bad}}), 200)
		if it := s.items()[0].(map[string]any); it["status"] != "refused" || it["code"] != "offline_invalid" {
			t.Fatalf("tampered: %s", s.raw)
		}
		if r := e.must(e.req("GET", "/v1/offline/revocations", key, nil), 200); len(r.items()) != 0 {
			t.Fatalf("revocations: %s", r.raw)
		}
		// Another operator sees none of these devices.
		_, stranger := e.funded("OFFOTHER")
		e.problem(e.req("GET", "/v1/devices/"+a.Cert.Device, stranger, nil), 404, "not_found")
		e.problem(e.req("POST", "/v1/offline/sync", stranger, map[string]any{"device_id": a.Cert.Device, "payments": []any{}}), 404, "not_found")
	})
}
