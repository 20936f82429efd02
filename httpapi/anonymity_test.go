package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/store"
)

// Controllable anonymity over HTTP (docs/security.md): what the central
// bank's views leave out, and an operator's reveal, recorded first.

// The holder's data the tests look for in raw answers: a name, the phone's
// digits and its mask, an ID number, a sub-wallet's label, a memo, a
// merchant's reference and a refund's reason that name people.
const (
	anonName     = "Li Wei"
	anonPhone    = "13812345678"
	anonIDNumber = "110101199003071234"
	anonLabel    = "Li Wei's pocket money"
	anonMemo     = "rent to Wang Fang"
	anonRef      = "order for Li Wei"
	anonReason   = "Li Wei changed his mind"
)

// anonPII are the strings no view of the central bank's may hold; "*"
// stands for every masked value (a masked name, phone or ID number).
var anonPII = []string{anonName, anonPhone, anonIDNumber, anonLabel, anonMemo, anonRef, anonReason, "Wang Fang", "L* W**", "138****5678", "*"}

// noPII fails when raw holds any of anonPII.
func noPII(t *testing.T, what string, raw []byte) {
	t.Helper()
	for _, p := range anonPII {
		if bytes.Contains(raw, []byte(p)) {
			t.Fatalf("%s holds %q: %s", what, p, raw)
		}
	}
}

// TestCentralBankPseudonymous checks the central bank's views of wallets,
// transfers, refunds and histories at any operator: 200, without a
// holder's name, phone or ID number (not even masked), a sub-wallet's
// label, a memo, a merchant's reference or a refund's reason. The
// operators' own views keep them, and an operator still reads neither
// another operator's wallet nor its history (404).
func TestCentralBankPseudonymous(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		op1, key1 := e.funded("ANON1")
		op2, key2 := e.funded("ANON2")
		w1 := e.must(e.req("POST", "/v1/wallets", key1, map[string]any{"holder": map[string]any{"name": anonName, "phone": anonPhone}, "currency": "CNY"}), 201).str("id")
		e.must(e.req("POST", "/v1/wallets/"+w1+"/upgrade", key1, map[string]any{"tier": 3, "id_number": anonIDNumber, "id_verified": true}), 200)
		e.must(e.req("POST", "/v1/wallets/"+w1+"/topups", key1, map[string]any{"amount": "500.00"}), 201)
		sub := e.must(e.req("POST", "/v1/wallets/"+w1+"/sub-wallets", key1, map[string]any{"name": anonLabel}), 201).str("id")
		shop := e.merchantWallet(key2)
		pay := e.must(e.req("POST", "/v1/transfers", key1, map[string]any{"from": w1, "to": shop, "amount": "87.70", "currency": "CNY", "memo": anonMemo}), 201).str("id")
		code := e.must(e.req("POST", "/v1/wallets/"+w1+"/payment-codes", key1, nil), 201).str("code")
		charge := e.must(e.req("POST", "/v1/payment-codes/charge", key2, map[string]any{"code": code, "merchant_wallet": shop, "amount": "10.00", "reference": anonRef}), 201)
		refund := e.must(e.req("POST", "/v1/transfers/"+pay+"/refunds", key2, map[string]any{"amount": "7.70", "reason": anonReason}), 201)

		// The operators' views keep what they wrote and their holders,
		// masked.
		if r := e.must(e.req("GET", "/v1/wallets/"+w1, key1, nil), 200); !bytes.Contains(r.raw, []byte("L* W**")) {
			t.Fatalf("the operator's view of its wallet: %s", r.raw)
		}
		if r := e.must(e.req("GET", "/v1/wallets/"+sub, key1, nil), 200); r.str("label") != anonLabel {
			t.Fatalf("the operator's view of a sub-wallet: %s", r.raw)
		}
		if r := e.must(e.req("GET", "/v1/transfers/"+pay, key2, nil), 200); r.str("memo") != anonMemo {
			t.Fatalf("the payee's operator's view of a payment: %s", r.raw)
		}
		if r := e.must(e.req("GET", "/v1/transfers/"+charge.str("id"), key2, nil), 200); r.str("reference") != anonRef {
			t.Fatalf("the merchant's operator's view of a charge: %s", r.raw)
		}
		if r := e.must(e.req("GET", "/v1/transfers/"+pay+"/refunds", key2, nil), 200); !bytes.Contains(r.raw, []byte(anonReason)) {
			t.Fatalf("the merchant's operator's view of refunds: %s", r.raw)
		}
		if r := e.must(e.req("GET", "/v1/wallets/"+w1+"/transactions", key1, nil), 200); !bytes.Contains(r.raw, []byte(anonMemo)) || !bytes.Contains(r.raw, []byte(anonReason)) {
			t.Fatalf("the operator's view of its wallet's history: %s", r.raw)
		}

		// Operators stay isolated: another operator's wallet and history
		// are not found.
		e.problem(e.req("GET", "/v1/wallets/"+shop, key1, nil), 404, "not_found")
		e.problem(e.req("GET", "/v1/wallets/"+w1, key2, nil), 404, "not_found")
		e.problem(e.req("GET", "/v1/wallets/"+w1+"/transactions", key2, nil), 404, "not_found")
		e.problem(e.req("GET", "/v1/wallets/"+shop+"/transactions", key1, nil), 404, "not_found")

		// The central bank reads every wallet, without its holder's data or
		// a sub-wallet's label.
		for _, c := range []struct {
			wallet, kind string
			tier         float64
		}{{w1, "personal", 3}, {sub, "personal", 3}, {shop, "merchant", 4}} {
			r := e.must(e.req("GET", "/v1/wallets/"+c.wallet, adminKey, nil), 200)
			noPII(t, "the central bank's view of a wallet", r.raw)
			if r.str("id") != c.wallet || r.str("kind") != c.kind || r.body["tier"] != c.tier || r.str("balance") == "" {
				t.Fatalf("the central bank's view of %s: %s", c.wallet, r.raw)
			}
		}

		// Transfers: amounts and wallet ids; no memo, reference or reason.
		r := e.must(e.req("GET", "/v1/transfers/"+pay, adminKey, nil), 200)
		noPII(t, "the central bank's view of a payment", r.raw)
		if r.str("from") != w1 || r.str("to") != shop || r.str("amount") != "87.70" || r.str("memo") != "" || r.str("refunded") != "7.70" {
			t.Fatalf("the central bank's view of a payment: %s", r.raw)
		}
		r = e.must(e.req("GET", "/v1/transfers/"+charge.str("id"), adminKey, nil), 200)
		noPII(t, "the central bank's view of a charge", r.raw)
		if _, ok := r.body["reference"]; ok || r.str("amount") != "10.00" {
			t.Fatalf("the central bank's view of a charge: %s", r.raw)
		}
		r = e.must(e.req("GET", "/v1/transfers/"+refund.str("refund_transfer_id"), adminKey, nil), 200)
		noPII(t, "the central bank's view of a refund", r.raw)
		if r.str("kind") != "payment_refund" || r.str("reference") != pay || r.str("memo") != "" {
			t.Fatalf("the central bank's view of a refund: %s", r.raw)
		}
		r = e.must(e.req("GET", "/v1/transfers/"+pay+"/refunds", adminKey, nil), 200)
		noPII(t, "the central bank's view of refunds", r.raw)
		if r.str("refunded") != "7.70" || len(r.items()) != 1 {
			t.Fatalf("the central bank's view of refunds: %s", r.raw)
		}

		// Histories, at either operator: counterparties are wallet ids and
		// reserves.
		r = e.must(e.req("GET", "/v1/wallets/"+w1+"/transactions", adminKey, nil), 200)
		noPII(t, "the central bank's view of a history", r.raw)
		want := []string{"payment_refund " + shop + " " + w1 + " 7.70 410.00", "payment " + w1 + " " + shop + " -10.00 402.30",
			"payment " + w1 + " " + shop + " -87.70 412.30", "topup reserve:" + op1 + " " + w1 + " 500.00 500.00"}
		if got := entries(r); strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Fatalf("the central bank's history of %s:\n got %q\nwant %q", w1, got, want)
		}
		r = e.must(e.req("GET", "/v1/wallets/"+shop+"/transactions?limit=2", adminKey, nil), 200)
		noPII(t, "the central bank's view of a merchant's history", r.raw)
		if got := entries(r); len(got) != 2 || got[0] != "payment_refund "+shop+" "+w1+" -7.70 90.00" || r.str("next_cursor") == "" {
			t.Fatalf("the central bank's history of %s (at %s): %q %s", shop, op2, got, r.raw)
		}
		r = e.must(e.req("GET", "/v1/wallets/"+shop+"/transactions?limit=2&cursor="+r.str("next_cursor"), adminKey, nil), 200)
		noPII(t, "the central bank's next page of a history", r.raw)
		e.problem(e.req("GET", "/v1/wallets/6214830000000009/transactions", adminKey, nil), 404, "not_found")

		// The central bank's reads stop there: what else a wallet has, and
		// every action on it, stay its operator's.
		for _, p := range []string{"/bank-accounts", "/statements?date=2026-01-02", "/sub-wallets", "/settlement", "/qr"} {
			e.problem(e.req("GET", "/v1/wallets/"+shop+p, adminKey, nil), 403, "forbidden")
		}
		e.problem(e.req("POST", "/v1/wallets/"+w1+"/freeze", adminKey, nil), 403, "forbidden")
	})
}

// entries renders a history's entries as "kind from to amount balance_after".
func entries(r *resp) []string {
	var out []string
	for _, it := range r.items() {
		en := it.(map[string]any)
		tr := en["transfer"].(map[string]any)
		out = append(out, strings.Join([]string{tr["kind"].(string), tr["from"].(string), tr["to"].(string), en["amount"].(string), en["balance_after"].(string)}, " "))
	}
	return out
}

// TestCentralBankSecurityEvents checks that the central bank reads a
// holder's security events with their pseudonymous holder_id but without
// the holder's masked phone (subject) and address, which the holder's
// operator sees; an organisation's events (keys, reveals) keep both.
func TestCentralBankSecurityEvents(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		h := e.newHolder("ANONEV", anonPhone, "")
		h.enroll()
		e.must(e.req("GET", "/v1/wallets/"+h.wallets[0]+"?reveal=true", h.opKey, nil), 200)

		op := e.must(e.req("GET", "/v1/security-events?type=signin.succeeded", h.opKey, nil), 200)
		if len(op.items()) != 1 {
			t.Fatalf("the operator's holder events: %s", op.raw)
		}
		ev := op.items()[0].(map[string]any)
		if ev["subject"] != "+86 138****5678" || ev["address"] == nil || ev["holder_id"] == nil {
			t.Fatalf("the operator's view of its holder's sign-in: %v", ev)
		}
		holderID := ev["holder_id"]

		cb := e.must(e.req("GET", "/v1/security-events", adminKey, nil), 200)
		noPII(t, "the central bank's security events", cb.raw)
		seen := map[string]bool{}
		for _, it := range cb.items() {
			ev := it.(map[string]any)
			typ, _ := ev["type"].(string)
			seen[typ] = true
			switch typ {
			case "signin.succeeded":
				if ev["holder_id"] != holderID || ev["subject"] != nil || ev["address"] != nil {
					t.Fatalf("the central bank's view of a holder's sign-in: %v", ev)
				}
			case "api_key.created":
				if ev["subject"] == nil || ev["address"] == nil {
					t.Fatalf("the central bank's view of a key's event: %v", ev)
				}
			case "pii.revealed":
				if ev["address"] == nil || ev["key_id"] == nil || ev["detail"] != "wallet "+h.wallets[0] {
					t.Fatalf("the central bank's view of a reveal: %v", ev)
				}
			}
		}
		if !seen["signin.succeeded"] || !seen["pii.revealed"] {
			t.Fatalf("the central bank's security events lack some: %s", cb.raw)
		}
	})
}

// TestRevealRecordedFirst checks that an operator's reveal is stored as a
// pii.revealed security event before the holder's data is answered: with
// the events' table gone, ?reveal=true answers 503 unavailable and no
// holder's data, and no event is left; once the table is back, the reveal
// answers the data and leaves its event.
func TestRevealRecordedFirst(t *testing.T) {
	for kind := range stores {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			var dsn string
			e := newEnv(t, func(t testing.TB) store.Store {
				dsn = testdb.NewDSN(t, kind)
				st, err := testdb.OpenDSN(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}, 0)
			_, key := e.funded("UNREC")
			w := e.must(e.req("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": anonName, "phone": anonPhone}, "currency": "CNY"}), 201).str("id")
			e.must(e.req("POST", "/v1/wallets/"+w+"/upgrade", key, map[string]any{"tier": 3, "id_number": anonIDNumber, "id_verified": true}), 200)

			execSQL(t, kind, dsn, `ALTER TABLE security_events RENAME TO security_events_gone`)
			r := e.req("GET", "/v1/wallets/"+w+"?reveal=true", key, nil)
			e.problem(r, 503, "unavailable")
			for _, p := range []string{anonName, anonPhone, anonIDNumber, "L* W**"} {
				if bytes.Contains(r.raw, []byte(p)) {
					t.Fatalf("an unrecorded reveal answered %q: %s", p, r.raw)
				}
			}
			// The masked read does not depend on the events.
			e.must(e.req("GET", "/v1/wallets/"+w, key, nil), 200)
			execSQL(t, kind, dsn, `ALTER TABLE security_events_gone RENAME TO security_events`)

			if r := e.must(e.req("GET", "/v1/security-events?type=pii.revealed", key, nil), 200); len(r.items()) != 0 {
				t.Fatalf("a failed reveal left an event: %s", r.raw)
			}
			r = e.must(e.req("GET", "/v1/wallets/"+w+"?reveal=true", key, nil), 200)
			if hd, _ := r.body["holder"].(map[string]any); hd["name"] != anonName || hd["id_number"] != anonIDNumber {
				t.Fatalf("revealed: %s", r.raw)
			}
			ev := e.must(e.req("GET", "/v1/security-events?type=pii.revealed", key, nil), 200)
			if len(ev.items()) != 1 || ev.items()[0].(map[string]any)["detail"] != "wallet "+w {
				t.Fatalf("the reveal's event: %s", ev.raw)
			}
			for _, p := range []string{anonName, anonPhone, anonIDNumber} {
				if bytes.Contains(ev.raw, []byte(p)) {
					t.Fatalf("the reveal's event holds %q: %s", p, ev.raw)
				}
			}
		})
	}
}

// execSQL runs a statement on a test database from a connection of its own.
func execSQL(t *testing.T, kind, dsn, stmt string) {
	t.Helper()
	ctx := context.Background()
	switch kind {
	case "sqlite":
		db, err := sql.Open("sqlite3", "file:"+dsn+"?_busy_timeout=5000")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	case "postgres":
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	default:
		t.Fatalf("unknown store kind %q", kind)
	}
}
