package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

// TestDataKeyRotation rotates the data key of a served database on both
// stores: data sealed with the original key (as versions before keyrings
// sealed it), a new key added with `ingot keys add-data-key`, the server
// restarted with it, `ingot rekey` run while the server serves and writes;
// the holders' data reads the same throughout, phone lookups find the same
// wallets, a second rekey does nothing, and no value is left on the old key.
func TestDataKeyRotation(t *testing.T) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) { dataKeyRotation(t, kind) })
	}
}

// rotationWorld is the data the rotation test checks, as an operator sees it.
type rotationWorld struct {
	t     *testing.T
	base  string
	cb    string
	opKey string
	// wallet id -> its holder's masked name and phone, label, ID number
	wallets map[string][4]string
	bankOf  string // the wallet with a linked bank account
}

func (w *rotationWorld) must(status int, method, path, key, body string) map[string]any {
	w.t.Helper()
	st, m := call(w.t, method, w.base+path, key, body)
	if st != status {
		w.t.Fatalf("%s %s: %d %v; want %d", method, path, st, m, status)
	}
	return m
}

func (w *rotationWorld) wallet(name, phone string) string {
	w.t.Helper()
	m := w.must(201, "POST", "/v1/wallets", w.opKey, fmt.Sprintf(`{"holder":{"name":%q,"phone":%q},"currency":"CNY","kind":"personal"}`, name, phone))
	id := m["id"].(string)
	w.wallets[id] = [4]string{pii.MaskName(name), pii.MaskPhone("+86" + phone), "", ""}
	return id
}

// check reads every wallet, the linked bank account and the sandbox bank's
// account, whose holder data must open (a value that does not open is
// shown as "****"), and finds the wallets by phone.
func (w *rotationWorld) check(when string) {
	w.t.Helper()
	for id, want := range w.wallets {
		m := w.must(200, "GET", "/v1/wallets/"+id, w.opKey, "")
		h := m["holder"].(map[string]any)
		got := [4]string{h["name"].(string), h["phone"].(string), str(m["label"]), str(h["id_number"])}
		if got != want {
			w.t.Errorf("%s: wallet %s shows %q, want %q", when, id, got, want)
		}
	}
	m := w.must(200, "GET", "/v1/wallets/"+w.bankOf+"/bank-accounts", w.opKey, "")
	items := m["items"].([]any)
	if len(items) != 1 {
		w.t.Fatalf("%s: %d bank accounts", when, len(items))
	}
	ba := items[0].(map[string]any)
	if ba["account_number"] != "****6789" || ba["holder_name"] != pii.MaskName("Li Wei") {
		w.t.Errorf("%s: the bank account shows %v", when, ba)
	}
	m = w.must(200, "GET", "/v1/sandbox/bank/accounts/ICBC/6222021234566789", w.cb, "")
	if m["holder_name"] != pii.MaskName("Li Wei") {
		w.t.Errorf("%s: the sandbox bank's account shows %v", when, m)
	}
	// Every wallet has the same phone: the lookup finds them all.
	m = w.must(200, "GET", "/v1/wallets?phone=%2B8613812345678&limit=100", w.opKey, "")
	var found []string
	for _, it := range m["items"].([]any) {
		found = append(found, it.(map[string]any)["id"].(string))
	}
	var all []string
	for id := range w.wallets {
		all = append(all, id)
	}
	slices.Sort(found)
	slices.Sort(all)
	if !slices.Equal(found, all) {
		w.t.Errorf("%s: the phone lookup finds %v, want %v", when, found, all)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func dataKeyRotation(t *testing.T, kind string) {
	dir := t.TempDir()
	db := testdb.NewDSN(t, kind)
	keyFile := filepath.Join(dir, "data.key")
	original := pii.GenerateKey()
	if err := os.WriteFile(keyFile, []byte(original+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"INGOT_ADMIN_KEY": "cb-rotation-key-0123456789"}
	flags := []string{"--data-key-file", keyFile, "--signing-key-file", filepath.Join(dir, "log.key"), "--sandbox"}
	base, _, stop := startServe(t, db, env, flags...)
	w := &rotationWorld{t: t, base: base, cb: env["INGOT_ADMIN_KEY"], wallets: map[string][4]string{}}
	op := w.must(201, "POST", "/v1/operators", w.cb, `{"name":"Rekey Bank","code":"RKB"}`)
	w.opKey = op["api_key"].(string)

	// Before the rotation: a wallet with an ID number, a linked bank account
	// (its number and holder, and the sandbox bank's holder, sealed) and a
	// sub-wallet with a label.
	w.bankOf = w.wallet("Li Wei", "13812345678")
	w.must(201, "POST", "/v1/sandbox/bank/accounts", w.cb, `{"bank_code":"ICBC","account_number":"6222021234566789","holder_name":"Li Wei","currency":"CNY","balance":"1000.00"}`)
	w.must(201, "POST", "/v1/wallets/"+w.bankOf+"/bank-accounts", w.opKey, `{"bank_code":"ICBC","account_number":"6222021234566789","holder_name":"Li Wei"}`)
	w.must(200, "POST", "/v1/wallets/"+w.bankOf+"/upgrade", w.opKey, `{"tier":3,"id_number":"110101199003071234","id_verified":true}`)
	v := w.wallets[w.bankOf]
	v[3] = pii.MaskID("110101199003071234")
	w.wallets[w.bankOf] = v
	sub := w.must(201, "POST", "/v1/wallets/"+w.bankOf+"/sub-wallets", w.opKey, `{"name":"pocket money"}`)
	w.wallets[sub["id"].(string)] = [4]string{pii.MaskName("Li Wei"), pii.MaskPhone("+8613812345678"), "pocket money", pii.MaskID("110101199003071234")} // the parent's holder
	w.check("before the rotation")
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// A new key; the server restarts with it and seals new data with it.
	out, _, err := ingotRun(t, nil, "keys", "add-data-key", "--data-key-file", keyFile)
	if err != nil {
		t.Fatalf("keys add-data-key: %v", err)
	}
	newID := regexp.MustCompile(`added data key (\S+) to`).FindStringSubmatch(out)
	if newID == nil {
		t.Fatalf("keys add-data-key printed %q", out)
	}
	base, _, _ = startServe(t, db, env, flags...)
	w.base = base
	w.wallet("Wang Fang", "13812345678")
	w.check("after the restart with the new key")

	rekeyArgs := []string{"rekey", "--db", db, "--data-key-file", keyFile}
	out, _, err = ingotRun(t, nil, append(rekeyArgs, "--check")...)
	if err == nil || !strings.Contains(out, "accounts.holder_name: 2 on other keys (v1: 2)") || !strings.Contains(out, "sandbox_bank_accounts.holder_name: 1 on other keys (v1: 1)") {
		t.Fatalf("rekey --check before rekey: %v\n%s", err, out)
	}

	// rekey, in pages of 2, while the server takes new wallets.
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range 6 {
		wg.Go(func() {
			st, m := call(t, "POST", w.base+"/v1/wallets", w.opKey, fmt.Sprintf(`{"holder":{"name":"Concurrent %d","phone":"13812345678"},"currency":"CNY","kind":"personal"}`, i))
			if st != 201 {
				t.Errorf("a wallet during rekey: %d %v", st, m)
				return
			}
			mu.Lock()
			w.wallets[m["id"].(string)] = [4]string{pii.MaskName(fmt.Sprintf("Concurrent %d", i)), pii.MaskPhone("+8613812345678"), "", ""}
			mu.Unlock()
		})
	}
	out, _, err = ingotRun(t, nil, append(rekeyArgs, "--batch", "2")...)
	wg.Wait()
	if err != nil {
		t.Fatalf("rekey: %v\n%s", err, out)
	}
	for _, want := range []string{
		"accounts.holder_name: 2 re-sealed with key " + newID[1], "accounts.holder_phone: 2 re-sealed", "accounts.holder_id_number: 2 re-sealed",
		"accounts.label: 1 re-sealed", "bank_accounts.account_number: 1 re-sealed", "bank_accounts.holder_name: 1 re-sealed",
		"sandbox_bank_accounts.holder_name: 1 re-sealed", "rekey: 10 values re-sealed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rekey's report lacks %q:\n%s", want, out)
		}
	}
	w.check("after rekey")

	// Nothing is left on the old key; a second rekey does nothing.
	out, _, err = ingotRun(t, nil, append(rekeyArgs, "--check")...)
	if err != nil || !strings.Contains(out, "every sealed value is sealed with key "+newID[1]) {
		t.Fatalf("rekey --check after rekey: %v\n%s", err, out)
	}
	out, _, err = ingotRun(t, nil, rekeyArgs...)
	if err != nil || !strings.Contains(out, "rekey: 0 values re-sealed") {
		t.Fatalf("a second rekey: %v\n%s", err, out)
	}
	st, err := testdb.OpenDSN(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, c := range store.SealedColumns {
		left, err := st.(store.SealedStore).StaleSealed(context.Background(), c.Name(), "v2:"+newID[1]+":", nil, 10)
		if err != nil || len(left) != 0 {
			t.Errorf("%s: %d values not sealed with the new key, %v", c.Name(), len(left), err)
		}
	}
	w.check("after the second rekey")
}

// TestRekeyRefuses: rekey never creates a keyring or a database, names the
// values that do not open and exits 1, and checks its flags.
func TestRekeyRefuses(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "ingot.db")
	if _, _, err := ingotRun(t, nil, "rekey", "--db", db); err == nil || !strings.Contains(err.Error(), "data keys") {
		t.Errorf("rekey without a keyring: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data.key")); !os.IsNotExist(err) {
		t.Errorf("rekey made a key file: %v", err)
	}
	env := map[string]string{"INGOT_DATA_KEY": pii.GenerateKey()}
	if _, _, err := ingotRun(t, env, "rekey", "--db", db); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("rekey without a database: %v", err)
	}
	if _, _, err := ingotRun(t, env, "rekey", "--db", db, "--batch", "0"); err == nil {
		t.Error("--batch 0: no error")
	}
	if _, _, err := ingotRun(t, env, "rekey", "--db", db, "--data-key-id", "k9"); err == nil || !strings.Contains(err.Error(), "--data-key-id") {
		t.Errorf("an unknown --data-key-id: %v", err)
	}

	// A value sealed with a key the keyring does not hold is named.
	st, dsn := testdb.OpenURL(t, "sqlite")
	lost, _ := pii.ParseKey("lost " + pii.GenerateKey())
	ring := "k1 " + pii.GenerateKey()
	keys, _ := pii.ParseKey(ring)
	w := ingot.Account{ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: "op", Currency: "CNY",
		Status: ingot.StatusActive, WalletKind: ingot.WalletPersonal, CreatedAt: time.Now()}
	ctxOf := func(col string) string { return fmt.Sprintf("%s:%d", col, w.ID) }
	w.Holder.Name, _ = lost.Seal("Li Wei", ctxOf("holder_name"))
	w.Holder.Phone, _ = keys.Seal("+8613812345678", ctxOf("holder_phone"))
	if _, err := st.CreateAccount(context.Background(), w, nil); err != nil {
		t.Fatal(err)
	}
	out, _, err := ingotRun(t, map[string]string{"INGOT_DATA_KEY": ring}, "rekey", "--db", dsn)
	if err == nil || !strings.Contains(out, fmt.Sprintf("accounts.holder_name: row %d: the value sealed with key lost does not open", w.ID)) {
		t.Fatalf("rekey with a value of a lost key: %v\n%s", err, out)
	}
}

// TestServeDataKeyID: with several keys, serve seals with the newest, or
// with the key --data-key-id (INGOT_DATA_KEY_ID) names while a new key is
// being rolled out; INGOT_DATA_KEY takes the list form.
func TestServeDataKeyID(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ingot.db")
	ring := pii.GenerateKey() + ", k2 " + pii.GenerateKey()
	sealedName := func(id string) string {
		st, err := testdb.OpenDSN(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		n, _ := ingot.ParseWalletID(id)
		a, err := st.Account(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		return a.Holder.Name
	}
	for i, c := range []struct{ id, prefix string }{{"v1", "v1:"}, {"", "v2:k2:"}, {"k2", "v2:k2:"}} {
		env := map[string]string{"INGOT_ADMIN_KEY": "cb-key-id-0123456789", "INGOT_DATA_KEY": ring, "INGOT_DATA_KEY_ID": c.id,
			"INGOT_SIGNING_KEY_FILE": filepath.Join(filepath.Dir(db), "log.key")}
		base, _, stop := startServe(t, db, env)
		w := &rotationWorld{t: t, base: base, cb: env["INGOT_ADMIN_KEY"], wallets: map[string][4]string{}}
		op := w.must(201, "POST", "/v1/operators", w.cb, fmt.Sprintf(`{"name":"Bank","code":"K%d"}`, i))
		w.opKey = op["api_key"].(string)
		id := w.wallet("Li Wei", "13812345678")
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if got := sealedName(id); !strings.HasPrefix(got, c.prefix) {
			t.Errorf("INGOT_DATA_KEY_ID=%q: the name is sealed as %.10s..., want %s", c.id, got, c.prefix)
		}
	}
	env := map[string]string{"INGOT_DATA_KEY": ring, "INGOT_DATA_KEY_ID": "k3"}
	if _, _, err := ingotRun(t, env, "serve", "--db", db); err == nil || !strings.Contains(err.Error(), "--data-key-id") {
		t.Errorf("serve with an unknown INGOT_DATA_KEY_ID: %v", err)
	}
}

// TestKeysAddDataKey: --print prints an entry and writes nothing; with
// INGOT_DATA_KEY set, a file is not changed; a missing file is refused.
func TestKeysAddDataKey(t *testing.T) {
	dir := t.TempDir()
	out, _, err := ingotRun(t, nil, "keys", "add-data-key", "--print", "--data-key-file", filepath.Join(dir, "data.key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pii.ParseKey(pii.GenerateKey() + "\n" + out); err != nil {
		t.Errorf("--print printed %q: %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data.key")); !os.IsNotExist(err) {
		t.Errorf("--print wrote a file: %v", err)
	}
	if _, _, err := ingotRun(t, nil, "keys", "add-data-key", "--data-key-file", filepath.Join(dir, "data.key")); err == nil {
		t.Error("add-data-key to a missing file: no error")
	}
	if _, _, err := ingotRun(t, map[string]string{"INGOT_DATA_KEY": pii.GenerateKey()}, "keys", "add-data-key", "--db", filepath.Join(dir, "x.db")); err == nil || !strings.Contains(err.Error(), "--print") {
		t.Errorf("add-data-key with INGOT_DATA_KEY: %v", err)
	}
}
