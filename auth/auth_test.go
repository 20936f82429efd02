package auth_test

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

// The service against real stores, below HTTP: what HTTP tests cannot
// reach (client addresses and certificates, races of one holder's guesses).

type fixture struct {
	st   store.Store
	as   auth.Store
	svc  *auth.Service
	keys *pii.Keys
}

func newFixture(t *testing.T, kind string) *fixture {
	t.Helper()
	st := testdb.Open(t, kind)
	keys, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	as := st.(auth.Store)
	sender := auth.NewSandboxSender(as, keys, nil)
	svc, err := auth.New(as, auth.Options{PII: keys, Sender: sender, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, as: as, svc: svc, keys: keys}
	return f
}

func forEachStore(t *testing.T, fn func(t *testing.T, kind string)) {
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			fn(t, kind)
		})
	}
}

func (f *fixture) key(t *testing.T, k ingot.APIKey, secret string) {
	t.Helper()
	k.Hash = ledger.HashSecret(secret)
	if k.ID == "" {
		k.ID = "key-" + secret
	}
	k.CreatedAt = time.Now()
	if _, err := f.st.CreateAPIKey(context.Background(), k, nil); err != nil {
		t.Fatal(err)
	}
}

func TestKeyChecks(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind)
		ctx := context.Background()
		cert := sha256.Sum256([]byte("a client certificate"))
		f.key(t, ingot.APIKey{Role: ingot.RoleOperator, OperatorID: "op-1", Name: "bound", Scopes: []string{ingot.ScopeWalletsRead}, ClientCert: cert[:]}, "ingot_live_bound")
		f.key(t, ingot.APIKey{Role: ingot.RoleOperator, OperatorID: "op-1", Name: "old", ExpiresAt: time.Now().Add(-time.Minute)}, "ingot_live_expired")
		f.key(t, ingot.APIKey{Role: ingot.RoleOperator, OperatorID: "op-1", Name: "plain"}, "ingot_live_plain")

		a, err := f.svc.Authenticate(ctx, "ingot_live_bound", auth.Client{Address: "192.0.2.1", CertSHA256: cert[:]})
		if err != nil || a.Role != ingot.RoleOperator || a.OperatorID != "op-1" || len(a.Scopes) != 1 || !a.HasScope(ingot.ScopeWalletsRead) || a.HasScope(ingot.ScopeTransfersWrite) {
			t.Fatalf("bound key with its certificate: %+v, %v", a, err)
		}
		other := sha256.Sum256([]byte("another certificate"))
		for _, c := range []auth.Client{{Address: "192.0.2.1"}, {Address: "192.0.2.1", CertSHA256: other[:]}} {
			if _, err := f.svc.Authenticate(ctx, "ingot_live_bound", c); ingot.ErrorCode(err) != ingot.CodeUnauthorized {
				t.Errorf("bound key without its certificate: %v", err)
			}
		}
		if _, err := f.svc.Authenticate(ctx, "ingot_live_expired", auth.Client{}); ingot.ErrorCode(err) != ingot.CodeUnauthorized {
			t.Errorf("expired key: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, "ingot_live_unknown", auth.Client{}); ingot.ErrorCode(err) != ingot.CodeUnauthorized {
			t.Errorf("unknown key: %v", err)
		}
		a, err = f.svc.Authenticate(ctx, "ingot_live_plain", auth.Client{Address: "192.0.2.1"})
		if err != nil || a.Scopes != nil || !a.HasScope(ingot.ScopeKeysWrite) {
			t.Fatalf("a key without scopes has its role's: %+v, %v", a, err)
		}
		k, _ := f.as.APIKey(ctx, "key-ingot_live_plain")
		if k.LastUsedAt.IsZero() {
			t.Error("last use not recorded")
		}
		// A new address of a key used before is a security event, once.
		for range 3 {
			if _, err := f.svc.Authenticate(ctx, "ingot_live_plain", auth.Client{Address: "198.51.100.9"}); err != nil {
				t.Fatal(err)
			}
		}
		es, err := f.as.SecurityEvents(ctx, auth.EventFilter{Type: auth.EventKeyNewAddress, Limit: 10})
		if err != nil || len(es) != 1 || es[0].Address != "198.51.100.9" || es[0].KeyID != "key-ingot_live_plain" || len(es[0].Operators) != 1 {
			t.Fatalf("new-address events: %+v, %v", es, err)
		}
		// Revoked: refused within the cache's second.
		if err := f.as.RevokeAPIKey(ctx, "key-ingot_live_plain", time.Now()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond)
		if _, err := f.svc.Authenticate(ctx, "ingot_live_plain", auth.Client{}); ingot.ErrorCode(err) != ingot.CodeUnauthorized {
			t.Errorf("revoked key after a second: %v", err)
		}
	})
}

// TestConcurrentGuesses: 20 wrong codes at once for one login count as at
// most MaxTries tries; the login is dead afterwards, even with its code.
func TestConcurrentGuesses(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind)
		ctx := context.Background()
		phone := "+8613800138099"
		// A wallet with the phone: the holder's.
		acc := ingot.Account{ID: ingot.NewWalletID(), Kind: ingot.AccountWallet, OperatorID: "op-1", Currency: "CNY", Status: ingot.StatusActive,
			WalletKind: ingot.WalletPersonal, Tier: ingot.Tier4, CreatedAt: time.Now()}
		acc.Holder.PhoneHash = f.keys.LookupHash(pii.KindPhone, phone)
		var err error
		if acc.Holder.Phone, err = f.keys.Seal(phone, "holder_phone:"+strconvItoa(acc.ID)); err != nil {
			t.Fatal(err)
		}
		acc.Holder.Name, _ = f.keys.Seal("Li Wei", "holder_name:"+strconvItoa(acc.ID))
		if _, err := f.st.CreateAccount(ctx, acc, nil); err != nil {
			t.Fatal(err)
		}
		id, err := f.svc.Enroll(ctx, phone)
		if err != nil {
			t.Fatal(err)
		}
		code := lastCode(t, f, phone)
		if _, err := f.svc.ConfirmEnroll(ctx, id, code, "385912", auth.Client{}); err != nil {
			t.Fatal(err)
		}
		l, err := f.svc.Login(ctx, phone, "385912", auth.Client{})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.LoginSMS(ctx, l.ID); err != nil {
			t.Fatal(err)
		}
		code = lastCode(t, f, phone)
		bad := "000000"
		if code == bad {
			bad = "000001"
		}
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.svc.VerifyLogin(ctx, l.ID, auth.Proof{Method: "sms", Code: bad}, auth.Client{}); err == nil {
					t.Error("a wrong code signed in")
				}
			}()
		}
		wg.Wait()
		// Every guess that reached the code counted a try before the
		// comparison; guesses that found the phone locked were refused
		// before it. So at least MaxTries were counted, however the
		// goroutines interleaved.
		c, err := f.as.Challenge(ctx, l.ID)
		if err != nil || c.Tries < auth.MaxTries {
			t.Fatalf("tries %d, %v; want at least %d counted", c.Tries, err, auth.MaxTries)
		}
		if es, _ := f.as.SecurityEvents(ctx, auth.EventFilter{Type: auth.EventSigninLocked, Limit: 100}); len(es) < 1 || len(es) > 4 {
			t.Fatalf("%d lock-out events for 20 guesses; want one per lock", len(es))
		}
		if _, err := f.svc.VerifyLogin(ctx, l.ID, auth.Proof{Method: "sms", Code: code}, auth.Client{}); err == nil {
			t.Fatal("the right code signed in after its tries were spent")
		}
		at, _ := f.as.Attempts(ctx, f.keys.LookupHash(pii.KindPhone, phone))
		if !at.LockedUntil.After(time.Now()) {
			t.Fatalf("the phone is not locked after 20 wrong codes: %+v", at)
		}
		if _, err := f.svc.Login(ctx, phone, "385912", auth.Client{}); ingot.ErrorCode(err) != ingot.CodeTooManyAttempts {
			t.Fatalf("login while locked: %v", err)
		}
	})
}

func lastCode(t *testing.T, f *fixture, phone string) string {
	t.Helper()
	ms, err := f.as.SMSTo(context.Background(), f.keys.LookupHash(pii.KindPhone, phone), 1)
	if err != nil || len(ms) == 0 {
		t.Fatalf("no SMS to %s: %v", phone, err)
	}
	for _, w := range strings.Fields(ms[0].Text) {
		if len(w) == 6 && strings.Trim(w, "0123456789") == "" {
			return w
		}
	}
	t.Fatalf("no code in %q", ms[0].Text)
	return ""
}

func strconvItoa(v int64) string { return strconv.FormatInt(v, 10) }
