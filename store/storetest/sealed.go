package storetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/bank"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
	"github.com/ingot-cbdc/ingot/webhook"
)

// RunSealed is the conformance suite of store.SealedStore (the storage of
// `ingot rekey`): every store runs it from its own tests. open is as for
// Run; the store must also be a store.SealedStore and a bank.SandboxStore.
func RunSealed(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("SealedColumns", func(t *testing.T) {
		t.Parallel()
		testSealedColumns(t)
	})
	t.Run("Reseal", func(t *testing.T) {
		t.Parallel()
		testReseal(t, open(t))
	})
	t.Run("ResealConcurrentWrite", func(t *testing.T) {
		t.Parallel()
		testResealConcurrent(t, open(t))
	})
}

func testSealedColumns(t *testing.T) {
	ident := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	seen := map[string]bool{}
	for _, c := range store.SealedColumns {
		if !ident.MatchString(c.Table) || !ident.MatchString(c.Column) || !ident.MatchString(c.Key) || !ident.MatchString(c.ContextColumn()) {
			t.Errorf("%+v: table, column, key and context column must be plain identifiers", c)
		}
		if strings.Count(c.Context, "{") != 1 || strings.Count(c.Context, "}") != 1 {
			t.Errorf("%s: context %q must have exactly one {column}", c.Name(), c.Context)
		}
		if seen[c.Name()] {
			t.Errorf("%s is listed twice", c.Name())
		}
		seen[c.Name()] = true
		if got, err := store.LookupSealedColumn(c.Name()); err != nil || got != c {
			t.Errorf("LookupSealedColumn(%s) = %+v, %v", c.Name(), got, err)
		}
	}
	if _, err := store.LookupSealedColumn("accounts.balance"); err == nil {
		t.Error("accounts.balance is a sealed column")
	}
	c, _ := store.LookupSealedColumn("sandbox_bank_accounts.holder_name")
	if got, _ := c.ContextOf([]byte{0xab, 1}); got != "sandbox_holder_name:ab01" {
		t.Errorf("ContextOf(bytes) = %q", got)
	}
	c, _ = store.LookupSealedColumn("bank_accounts.account_number")
	if got, _ := c.ContextOf(int64(42)); got != "bank_account_number:42" {
		t.Errorf("ContextOf(int64) = %q", got)
	}
}

func sealedStore(t *testing.T, s store.Store) store.SealedStore {
	t.Helper()
	ss, ok := s.(store.SealedStore)
	if !ok {
		t.Fatalf("%T is not a store.SealedStore", s)
	}
	return ss
}

// sealedFixture is one stored sealed value and what it says.
type sealedFixture struct {
	column, context, plain string
}

// sealedData stores, sealed with keys under the contexts the service uses
// (written out here, not taken from store.SealedColumns), a value in every
// column of store.SealedColumns, plus empty and clear values that are not
// sealed, and returns the sealed ones.
func sealedData(t *testing.T, s store.Store, keys *pii.Keys) []sealedFixture {
	t.Helper()
	ctx := context.Background()
	seal := func(plain, context string) string {
		v, err := keys.Seal(plain, context)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var out []sealedFixture
	op := mustCreateOperator(t, s, "SEAL")
	var wallets []int64
	for i := range 3 {
		w := newWallet(op.ID, "CNY")
		id := strconv.FormatInt(w.ID, 10)
		name, phone, idNo, label := "Holder "+strconv.Itoa(i), "+861381234567"+strconv.Itoa(i), "11010119900307123"+strconv.Itoa(i), "pocket "+strconv.Itoa(i)
		w.Holder = ingot.Holder{Kind: ingot.HolderPerson, Name: seal(name, "holder_name:"+id), Phone: seal(phone, "holder_phone:"+id), PhoneHash: keys.LookupHash(pii.KindPhone, phone)}
		out = append(out, sealedFixture{"accounts.holder_name", "holder_name:" + id, name}, sealedFixture{"accounts.holder_phone", "holder_phone:" + id, phone})
		if i != 1 { // wallet 1 has no ID number and no label: empty values
			w.Holder.IDNumber, w.Label = seal(idNo, "holder_id_number:"+id), seal(label, "label:"+id)
			out = append(out, sealedFixture{"accounts.holder_id_number", "holder_id_number:" + id, idNo}, sealedFixture{"accounts.label", "label:" + id, label})
		}
		if _, err := s.CreateAccount(ctx, w, nil); err != nil {
			t.Fatal(err)
		}
		wallets = append(wallets, w.ID)
	}
	// A wallet from before sealing: its name in clear, never listed as
	// sealed with a key, but listed as not sealed with the newest.
	legacy := newWallet(op.ID, "CNY")
	if _, err := s.CreateAccount(ctx, legacy, nil); err != nil {
		t.Fatal(err)
	}

	t0 := norm(now())
	var bas []ingot.BankAccount
	for i, w := range wallets[:2] {
		wid := strconv.FormatInt(w, 10)
		number, holder := "622202123456678"+strconv.Itoa(i), "Bank Holder "+strconv.Itoa(i)
		bas = append(bas, ingot.BankAccount{ID: uuid.NewString(), Wallet: w, OperatorID: op.ID, BankCode: "ICBC",
			AccountNumber: seal(number, "bank_account_number:"+wid), HolderName: seal(holder, "bank_holder_name:"+wid),
			NumberHash: keys.LookupHash("bank_account", "ICBC/"+number), Currency: "CNY", CreatedAt: t0, UpdatedAt: t0})
		out = append(out, sealedFixture{"bank_accounts.account_number", "bank_account_number:" + wid, number}, sealedFixture{"bank_accounts.holder_name", "bank_holder_name:" + wid, holder})
	}
	writeBank(t, s, store.BankWrite{NewBankAccounts: bas})

	sb, ok := s.(bank.SandboxStore)
	if !ok {
		t.Fatalf("%T is not a bank.SandboxStore", s)
	}
	for i := range 2 {
		h := keys.LookupHash("sandbox_bank_account", "ICBC/99887766"+strconv.Itoa(i))
		holder := "Sandbox Holder " + strconv.Itoa(i)
		c := "sandbox_holder_name:" + hex.EncodeToString(h)
		if err := sb.SandboxOpen(ctx, bank.SandboxAccount{Hash: h, BankCode: "ICBC", HolderName: seal(holder, c), Currency: "CNY", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		out = append(out, sealedFixture{"sandbox_bank_accounts.holder_name", c, holder})
	}

	// Sign-in: a TOTP factor's secret, a sandbox text message's phone.
	as, ok := s.(auth.Store)
	if !ok {
		t.Fatalf("%T is not an auth.Store", s)
	}
	h := auth.Holder{ID: uuid.NewString(), PhoneHash: keys.LookupHash(pii.KindPhone, "+8613912340000"), PINHash: "x", CreatedAt: t0, UpdatedAt: t0}
	if err := as.CreateHolder(ctx, h); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		id := uuid.NewString()
		secret := "JBSWY3DPEHPK3PX" + strconv.Itoa(i)
		if err := as.AddFactor(ctx, auth.Factor{ID: id, HolderID: h.ID, Kind: auth.FactorTOTP, Secret: seal(secret, "totp_secret:"+id), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		out = append(out, sealedFixture{"factors.secret", "totp_secret:" + id, secret})
		mid, phone := uuid.NewString(), "+861391234000"+strconv.Itoa(i)
		if err := as.AddSMS(ctx, auth.SMS{ID: mid, PhoneHash: keys.LookupHash(pii.KindPhone, phone), Phone: seal(phone, "sms_phone:"+mid), Text: "code", SentAt: t0}); err != nil {
			t.Fatal(err)
		}
		out = append(out, sealedFixture{"sandbox_sms.phone", "sms_phone:" + mid, phone})
	}
	// A passkey factor has no secret: an empty value, not sealed.
	if err := as.AddFactor(ctx, auth.Factor{ID: uuid.NewString(), HolderID: h.ID, Kind: auth.FactorWebAuthn, CredentialID: []byte("cred"), Credential: []byte("{}"), CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}

	// Webhooks: endpoints' signing secrets.
	ws := webhookStore(t, s)
	for i := range 3 {
		id := uuid.Must(uuid.NewV7()).String()
		secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i + 1)}, 24))
		e := webhook.Endpoint{ID: id, OperatorID: op.ID, URL: "https://example.com/hook", Events: []string{ingot.EventTransferReceived},
			Secret: seal(secret, "webhook_secret:"+id), Status: webhook.StatusEnabled, CreatedAt: t0, UpdatedAt: t0}
		if _, err := ws.CreateEndpoint(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
		out = append(out, sealedFixture{"webhook_endpoints.secret", "webhook_secret:" + id, secret})
	}

	// Offline keys' seeds: the central bank's and an operator's.
	for i, owner := range []string{ingot.OfflineCentralBank, op.ID} {
		seed := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i + 7)}, 32))
		if _, err := s.CreateOfflineKey(ctx, ingot.OfflineKey{Owner: owner, PublicKey: bytes.Repeat([]byte{byte(i + 7)}, 32),
			Seed: seal(seed, "offline_key:"+owner), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		out = append(out, sealedFixture{"offline_keys.seed", "offline_key:" + owner, seed})
	}
	return out
}

// testReseal: every sealed column lists the values not sealed with the
// newest key, in pages, with the context they were sealed under; Reseal
// rewrites them; afterwards nothing is listed and every value opens with
// its context and the newest key.
func testReseal(t *testing.T, s store.Store) {
	ctx := context.Background()
	ss := sealedStore(t, s)
	oldKeys := mustKeys(t, b64(1))
	want := sealedData(t, s, oldKeys)
	newKeys := mustKeys(t, b64(1)+"\nk2 "+b64(2))
	prefix := newKeys.SealedPrefix()

	covered := map[string]bool{}
	for _, c := range store.SealedColumns {
		byContext := map[string]string{}
		for _, f := range want {
			if f.column == c.Name() {
				byContext[f.context] = f.plain
			}
		}
		if len(byContext) == 0 {
			t.Errorf("%s: the fixture has no value in this column", c.Name())
			continue
		}
		// List in pages of 2: every old value once, in key order.
		var listed []store.SealedValue
		var after any
		for {
			page, err := ss.StaleSealed(ctx, c.Name(), prefix, after, 2)
			if err != nil {
				t.Fatalf("StaleSealed(%s): %v", c.Name(), err)
			}
			if len(page) > 2 {
				t.Fatalf("StaleSealed(%s, limit 2) = %d values", c.Name(), len(page))
			}
			listed = append(listed, page...)
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].Row
		}
		var rs []store.Reseal
		for _, v := range listed {
			if v.Value == "" {
				t.Errorf("%s: an empty value is listed", c.Name())
			}
			if !pii.IsSealed(v.Value) {
				if c.Name() != "accounts.holder_name" && c.Name() != "accounts.holder_phone" {
					t.Errorf("%s: a value in clear is listed: %q", c.Name(), v.Value)
				}
				continue // the legacy wallet's
			}
			plain, err := newKeys.Open(v.Value, v.Context)
			if err != nil {
				t.Fatalf("%s row %v: the listed value does not open under the listed context %q: %v", c.Name(), v.Row, v.Context, err)
			}
			if byContext[v.Context] != plain {
				t.Errorf("%s: context %q holds %q, want %q", c.Name(), v.Context, plain, byContext[v.Context])
			}
			delete(byContext, v.Context)
			resealed, err := newKeys.Seal(plain, v.Context)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, store.Reseal{Row: v.Row, Old: v.Value, New: resealed})
		}
		if len(byContext) > 0 {
			t.Errorf("%s: values not listed: %v", c.Name(), byContext)
		}
		n, err := ss.Reseal(ctx, c.Name(), rs)
		if err != nil || n != len(rs) {
			t.Fatalf("Reseal(%s, %d values) = %d, %v", c.Name(), len(rs), n, err)
		}
		// Nothing sealed is left on the old key; a second Reseal of the
		// same values changes nothing (they no longer hold Old).
		left, err := ss.StaleSealed(ctx, c.Name(), prefix, nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range left {
			if pii.IsSealed(v.Value) {
				t.Errorf("%s: %q is still listed after Reseal", c.Name(), v.Value)
			}
		}
		if n, err := ss.Reseal(ctx, c.Name(), rs); err != nil || n != 0 {
			t.Errorf("Reseal again = %d, %v; want 0", n, err)
		}
		covered[c.Name()] = true
	}

	// The values as the store's own reads return them open with the new key.
	check := func(v, context, plain string) {
		t.Helper()
		if !strings.HasPrefix(v, prefix) {
			t.Errorf("%s: %q is not sealed with the new key", context, v)
			return
		}
		if got, err := newKeys.Open(v, context); err != nil || got != plain {
			t.Errorf("%s: opens to %q, %v; want %q", context, got, err, plain)
		}
	}
	plains := map[string]string{}
	for _, f := range want {
		plains[f.context] = f.plain
	}
	for ctxName, plain := range plains {
		kind, id, _ := strings.Cut(ctxName, ":")
		switch kind {
		case "holder_name", "holder_phone", "holder_id_number", "label":
			n, _ := strconv.ParseInt(id, 10, 64)
			a, err := s.Account(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			v := map[string]string{"holder_name": a.Holder.Name, "holder_phone": a.Holder.Phone, "holder_id_number": a.Holder.IDNumber, "label": a.Label}[kind]
			check(v, ctxName, plain)
		case "bank_account_number", "bank_holder_name":
			n, _ := strconv.ParseInt(id, 10, 64)
			bas, err := s.WalletBankAccounts(ctx, n)
			if err != nil || len(bas) != 1 {
				t.Fatalf("WalletBankAccounts = %d, %v", len(bas), err)
			}
			v := bas[0].AccountNumber
			if kind == "bank_holder_name" {
				v = bas[0].HolderName
			}
			check(v, ctxName, plain)
		case "sandbox_holder_name":
			h, _ := hex.DecodeString(id)
			acc, err := s.(bank.SandboxStore).SandboxAccount(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			check(acc.HolderName, ctxName, plain)
		case "totp_secret":
			f, err := s.(auth.Store).Factor(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			check(f.Secret, ctxName, plain)
		case "webhook_secret":
			e, err := webhookStore(t, s).Endpoint(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			check(e.Secret, ctxName, plain)
		case "offline_key":
			ks, err := s.OfflineKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, k := range ks {
				if k.Owner == id {
					check(k.Seed, ctxName, plain)
					found = true
				}
			}
			if !found {
				t.Fatalf("no offline key of %s", id)
			}
		case "sms_phone":
			found := false
			ms, err := s.(auth.Store).SMSTo(ctx, oldKeys.LookupHash(pii.KindPhone, plain), 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.ID == id {
					check(m.Phone, ctxName, plain)
					found = true
				}
			}
			if !found {
				t.Fatalf("no message %s", id)
			}
		default:
			t.Fatalf("unexpected context %q", ctxName)
		}
	}
	if len(covered) != len(store.SealedColumns) {
		t.Errorf("covered %d of %d sealed columns", len(covered), len(store.SealedColumns))
	}
	if _, err := ss.StaleSealed(ctx, "accounts.balance", prefix, nil, 10); err == nil {
		t.Error("StaleSealed of a column that is not sealed: no error")
	}
	if _, err := ss.Reseal(ctx, "accounts; DROP TABLE accounts", nil); err == nil {
		t.Error("Reseal of a column that is not sealed: no error")
	}
}

// testResealConcurrent: a batch that changes a sealed value while Reseal
// runs wins: Reseal waits for it (or finds the new value) and leaves the
// row as the batch wrote it.
func testResealConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	ss := sealedStore(t, s)
	oldKeys, newKeys := mustKeys(t, b64(1)), mustKeys(t, b64(1)+"\nk2 "+b64(2))
	op := mustCreateOperator(t, s, "RACE")
	w := newWallet(op.ID, "CNY")
	id := strconv.FormatInt(w.ID, 10)
	w.Holder.IDNumber, _ = oldKeys.Seal("110101199003071234", "holder_id_number:"+id)
	w.Holder.Name, _ = oldKeys.Seal("Li Wei", "holder_name:"+id)
	w.Holder.Phone = ""
	if _, err := s.CreateAccount(ctx, w, nil); err != nil {
		t.Fatal(err)
	}
	stale, err := ss.StaleSealed(ctx, "accounts.holder_id_number", newKeys.SealedPrefix(), nil, 10)
	if err != nil || len(stale) != 1 {
		t.Fatalf("StaleSealed = %v, %v", stale, err)
	}
	resealed, _ := newKeys.Seal("110101199003071234", stale[0].Context)

	// A batch locks the wallet and writes another ID number (an upgrade),
	// and has not committed yet when Reseal starts.
	tx, err := s.BeginBatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	locked, err := tx.LockAccounts(ctx, []int64{w.ID})
	if err != nil || len(locked) != 1 {
		t.Fatalf("LockAccounts = %d, %v", len(locked), err)
	}
	upd := locked[0]
	upd.Holder.IDNumber, _ = oldKeys.Seal("110101199003075678", "holder_id_number:"+id)
	if err := tx.Write(ctx, &store.BatchWrite{Accounts: []ingot.Account{upd}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var n int
	var rerr error
	go func() {
		defer close(done)
		n, rerr = ss.Reseal(ctx, "accounts.holder_id_number", []store.Reseal{{Row: stale[0].Row, Old: stale[0].Value, New: resealed}})
	}()
	select {
	case <-done:
		t.Fatalf("Reseal = %d, %v before the batch holding the row committed", n, rerr)
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	<-done
	if rerr != nil || n != 0 {
		t.Fatalf("Reseal after a concurrent change = %d, %v; want 0 rows changed", n, rerr)
	}
	got, err := s.Account(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Holder.IDNumber != upd.Holder.IDNumber {
		t.Fatalf("the concurrent change was overwritten: %q", got.Holder.IDNumber)
	}
	// The other column of the row is untouched, and re-seals normally.
	stale, _ = ss.StaleSealed(ctx, "accounts.holder_name", newKeys.SealedPrefix(), nil, 10)
	if len(stale) != 1 || stale[0].Value != w.Holder.Name {
		t.Fatalf("holder_name listed as %v", stale)
	}
}

func b64(fill byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, pii.KeySize))
}

func mustKeys(t *testing.T, text string) *pii.Keys {
	t.Helper()
	k, err := pii.ParseKey(text)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
