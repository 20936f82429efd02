package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/openfinance"
	"github.com/ingot-cbdc/ingot/store"
)

// Open finance's part of the suite (store/openfinance.go): a provider and a
// consent read back the same (mandate and times included), a client id
// and a code hash are unique, a code is exchanged once (also when two
// callers race), a refresh token is rotated once, tokens are read with
// their consent and deleted by consent, lists filter by holder, provider
// and cursor, and a locked consent waits for the batch that locked it,
// which writes its revocation and mandate counter.

var openFinanceTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"OpenFinance", testOpenFinance},
	{"ConsentLock", testConsentLock},
}

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func newConsent(providerID, clientID, holder string) openfinance.Consent {
	at := norm(now())
	return openfinance.Consent{ID: newID(), ProviderID: providerID, ClientID: clientID, ProviderName: "Acme", HolderID: holder,
		Operators: []string{newID()}, Scopes: []string{openfinance.ScopeAccountsRead, openfinance.ScopePaymentsWrite},
		Wallets: []int64{ingot.NewWalletID()}, RedirectURI: "https://lender.example/cb", CodeChallenge: "challenge",
		CodeHash: hashOf(newID()), CodeExpiresAt: at.Add(time.Minute), Status: openfinance.StatusActive,
		ExpiresAt: at.Add(openfinance.MaxConsent), CreatedAt: at, UpdatedAt: at,
		Mandate: &openfinance.Mandate{Payee: ingot.NewWalletID(), Currency: "CNY", MaxPerPayment: 10000, MaxPerPeriod: 25000,
			Period: openfinance.PeriodMonth, ValidUntil: at.Add(90 * 24 * time.Hour)}}
}

func testOpenFinance(t *testing.T, s store.Store) {
	ctx := context.Background()
	p := openfinance.Provider{ID: newID(), ClientID: "ingot_client_" + newID(), SecretHash: hashOf("secret"), Name: "Acme",
		RedirectURIs: []string{"https://lender.example/cb"}, Roles: []string{"ais", "pis"}, OperatorID: newID(), CreatedAt: norm(now())}
	idem := newIdem("k1", "p1")
	if rec, err := s.CreateProvider(ctx, p, idem); err != nil || rec != nil {
		t.Fatalf("CreateProvider: %v, %v", rec, err)
	}
	if rec, err := s.CreateProvider(ctx, p, idem); err != nil || rec == nil {
		t.Fatalf("CreateProvider again with its key: %v, %v; want the record", rec, err)
	}
	dup := p
	dup.ID = newID()
	if _, err := s.CreateProvider(ctx, dup, nil); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a taken client id: %v, want ErrConflict", err)
	}
	got, err := s.ProviderByClientID(ctx, p.ClientID)
	checkNil(t, "ProviderByClientID", err)
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("provider\n got %+v\nwant %+v", got, p)
	}
	_, err = s.ProviderByClientID(ctx, "nobody")
	checkNotFound(t, "provider", err)

	holder := newID()
	c := newConsent(p.ID, p.ClientID, holder)
	if _, err := s.CreateConsent(ctx, c, nil, nil); err != nil {
		t.Fatal(err)
	}
	gc, err := s.Consent(ctx, c.ID)
	checkNil(t, "Consent", err)
	if !reflect.DeepEqual(gc, c) {
		t.Fatalf("consent\n got %+v\nwant %+v", gc, c)
	}
	byCode, err := s.ConsentByCode(ctx, c.CodeHash)
	if err != nil || byCode.ID != c.ID {
		t.Fatalf("ConsentByCode: %v, %v", byCode.ID, err)
	}
	_, err = s.ConsentByCode(ctx, hashOf("other"))
	checkNotFound(t, "consent by code", err)
	plain := newConsent(p.ID, p.ClientID, newID())
	plain.Mandate, plain.Scopes = nil, []string{openfinance.ScopeAccountsRead}
	if _, err := s.CreateConsent(ctx, plain, nil, nil); err != nil {
		t.Fatal(err)
	}
	if gp, err := s.Consent(ctx, plain.ID); err != nil || gp.Mandate != nil || !gp.PeriodStart.IsZero() {
		t.Fatalf("a consent without a mandate: %+v, %v", gp, err)
	}

	// Lists.
	if cs, err := s.Consents(ctx, store.ConsentFilter{HolderID: holder}); err != nil || len(cs) != 1 || cs[0].ID != c.ID {
		t.Fatalf("by holder: %v, %v", cs, err)
	}
	if cs, err := s.Consents(ctx, store.ConsentFilter{ProviderID: p.ID}); err != nil || len(cs) != 2 || cs[0].ID != plain.ID {
		t.Fatalf("by provider: %d, %v", len(cs), err)
	}
	if cs, err := s.Consents(ctx, store.ConsentFilter{ProviderID: p.ID, Before: plain.ID, Limit: 5}); err != nil || len(cs) != 1 || cs[0].ID != c.ID {
		t.Fatalf("by cursor: %d, %v", len(cs), err)
	}

	// The code is exchanged once, also by racing callers.
	at := norm(now())
	tok := func(kind openfinance.TokenKind, secret string) openfinance.Token {
		return openfinance.Token{Hash: hashOf(secret), ConsentID: c.ID, Kind: kind, ExpiresAt: at.Add(10 * time.Minute), CreatedAt: at}
	}
	errs := make(chan error, 2)
	for i, sfx := range []string{"a", "b"} {
		go func() {
			errs <- s.ExchangeCode(ctx, c.ID, at, []openfinance.Token{tok(openfinance.KindAccess, "access-"+sfx), tok(openfinance.KindRefresh, "refresh-"+sfx)})
		}()
		_ = i
	}
	var won, lost int
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			won++
		case errors.Is(err, store.ErrConflict):
			lost++
		default:
			t.Fatalf("ExchangeCode: %v", err)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("exchanges: %d won, %d lost", won, lost)
	}
	winner := "a"
	if _, _, err := s.Token(ctx, hashOf("access-a")); errors.Is(err, store.ErrNotFound) {
		winner = "b"
	}
	ta, tc, err := s.Token(ctx, hashOf("access-"+winner))
	checkNil(t, "Token", err)
	if ta.Kind != openfinance.KindAccess || ta.ConsentID != c.ID || tc.ID != c.ID || !ta.ExpiresAt.Equal(at.Add(10*time.Minute)) || !tc.CodeUsedAt.Equal(at) {
		t.Fatalf("token %+v of %+v", ta, tc)
	}
	loser := map[string]string{"a": "b", "b": "a"}[winner]
	_, _, err = s.Token(ctx, hashOf("access-"+loser))
	checkNotFound(t, "the losing exchange's token", err)

	// A refresh token rotates once.
	next := []openfinance.Token{tok(openfinance.KindAccess, "access-2"), tok(openfinance.KindRefresh, "refresh-2")}
	checkNil(t, "RotateRefresh", s.RotateRefresh(ctx, hashOf("refresh-"+winner), at, next))
	if err := s.RotateRefresh(ctx, hashOf("refresh-"+winner), at, []openfinance.Token{tok(openfinance.KindAccess, "access-3")}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a spent refresh token rotated again: %v", err)
	}
	if err := s.RotateRefresh(ctx, hashOf("access-2"), at, nil); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("an access token rotated: %v", err)
	}
	spent, _, err := s.Token(ctx, hashOf("refresh-"+winner))
	if err != nil || !spent.SpentAt.Equal(at) {
		t.Fatalf("spent refresh token: %+v, %v", spent, err)
	}
	_, _, err = s.Token(ctx, hashOf("access-3"))
	checkNotFound(t, "a refused rotation's token", err)

	checkNil(t, "DeleteTokens", s.DeleteTokens(ctx, c.ID))
	_, _, err = s.Token(ctx, hashOf("access-2"))
	checkNotFound(t, "a deleted token", err)

	// A consent with its mandate's approval: both written, or neither.
	as := authStore(t, s)
	h := mustCreateHolder(t, as)
	au := newAuthorization(h.ID, ingot.NewWalletID())
	checkNil(t, "CreateAuthorization", as.CreateAuthorization(ctx, au))
	approved := newConsent(p.ID, p.ClientID, h.ID)
	use := &store.ApprovalUse{ID: au.ID, UsedBy: "consent:" + approved.ID, At: now()}
	if _, err := s.CreateConsent(ctx, approved, use, nil); !errors.Is(err, store.ErrApprovalUsed) {
		t.Fatalf("a consent with a pending approval: %v, want ErrApprovalUsed", err)
	}
	_, err = s.Consent(ctx, approved.ID)
	checkNotFound(t, "a consent refused for its approval", err)
	checkNil(t, "ApproveAuthorization", as.ApproveAuthorization(ctx, au.ID, now()))
	if _, err := s.CreateConsent(ctx, approved, use, nil); err != nil {
		t.Fatalf("a consent with its approval: %v", err)
	}
	if got, err := as.Authorization(ctx, au.ID); err != nil || got.Status != ingot.AuthorizationUsed || got.UsedBy != use.UsedBy {
		t.Fatalf("the approval after the consent: %+v, %v", got, err)
	}
	again := newConsent(p.ID, p.ClientID, h.ID)
	if _, err := s.CreateConsent(ctx, again, &store.ApprovalUse{ID: au.ID, UsedBy: "consent:" + again.ID, At: now()}, nil); !errors.Is(err, store.ErrApprovalUsed) {
		t.Fatalf("a second consent with a used approval: %v, want ErrApprovalUsed", err)
	}
	_, err = s.Consent(ctx, again.ID)
	checkNotFound(t, "a consent refused for its used approval", err)
}

func testConsentLock(t *testing.T, s store.Store) {
	ctx := context.Background()
	c := newConsent(newID(), "client", newID())
	if _, err := s.CreateConsent(ctx, c, nil, nil); err != nil {
		t.Fatal(err)
	}
	tx1, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx1.Rollback(ctx)
	if cs, err := tx1.LockConsents(ctx, []string{c.ID, newID()}); err != nil || len(cs) != 1 {
		t.Fatalf("LockConsents: %v, %v", cs, err)
	}
	got := make(chan openfinance.Consent, 1)
	errc := make(chan error, 1)
	go func() {
		tx2, err := s.BeginBatch(ctx)
		if err != nil {
			errc <- err
			return
		}
		defer tx2.Rollback(ctx)
		cs, err := tx2.LockConsents(ctx, []string{c.ID})
		if err != nil || len(cs) != 1 {
			errc <- err
			return
		}
		got <- cs[0]
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case c2 := <-got:
		t.Fatalf("a second batch locked the consent while the first held it: %+v", c2)
	case err := <-errc:
		t.Fatalf("second batch: %v", err)
	default:
	}
	at := norm(now())
	c.PeriodStart, c.PeriodTotal, c.Status, c.RevokedAt, c.UpdatedAt = at.Add(-time.Hour), 12345, openfinance.StatusRevoked, at, at
	checkNil(t, "Write", tx1.Write(ctx, &store.BatchWrite{Consents: []openfinance.Consent{c}}))
	checkNil(t, "Commit", tx1.Commit(ctx))
	select {
	case c2 := <-got:
		if c2.Status != openfinance.StatusRevoked || c2.PeriodTotal != 12345 || !c2.PeriodStart.Equal(at.Add(-time.Hour)) || !c2.RevokedAt.Equal(at) {
			t.Fatalf("the second batch read %+v; want the first's write", c2)
		}
	case err := <-errc:
		t.Fatalf("second batch: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("the second batch never locked the consent")
	}
}
