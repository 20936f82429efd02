package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/store"
)

// The auth.Store part of the suite: holders, lock-out, challenges,
// sessions, factors, approvals, API keys, security events, the sandbox's
// text messages, and the engine's exemption counters and approvals. The
// concurrency contracts (one statement per counter, one winner per
// single-use row) are checked with real goroutines.

// authTests are the auth.Store tests Run runs.
var authTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"AuthHolders", testHolders},
	{"AuthHolderWallets", testHolderWallets},
	{"AuthLockout", testLockout},
	{"AuthLockoutConcurrent", testLockoutConcurrent},
	{"AuthChallenges", testChallenges},
	{"AuthChallengesConcurrent", testChallengesConcurrent},
	{"AuthSessions", testSessions},
	{"AuthRotateConcurrent", testRotateConcurrent},
	{"AuthFactors", testFactors},
	{"AuthTOTPStepConcurrent", testTOTPStepConcurrent},
	{"AuthAuthorizations", testAuthorizations},
	{"AuthAuthorizationsConcurrent", testAuthorizationsConcurrent},
	{"AuthAPIKeys", testAuthAPIKeys},
	{"AuthSecurityEvents", testSecurityEvents},
	{"AuthSMS", testSMS},
	{"BatchExemptionsAndApprovals", testBatchSCA},
	{"BatchExemptionsConcurrent", testBatchExemptionsConcurrent},
	{"AuthUseAuthorization", testUseAuthorization},
	{"AuthKeyAddresses", testKeyAddresses},
}

// testUseAuthorization: an approved approval of an action is used once,
// by one of concurrent callers; pending and unknown ones are not.
func testUseAuthorization(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	h := mustCreateHolder(t, as)
	a := newAuthorization(h.ID, 0)
	a.Payee, a.Amount, a.Currency = "pin", 0, ""
	checkNil(t, "CreateAuthorization", as.CreateAuthorization(ctx, a))
	checkConflict(t, "UseAuthorization of a pending approval", as.UseAuthorization(ctx, a.ID, "pin", now()))
	checkNil(t, "ApproveAuthorization", as.ApproveAuthorization(ctx, a.ID, now()))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch err := as.UseAuthorization(ctx, a.ID, "pin", now()); {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("UseAuthorization: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d callers used one approval", wins.Load())
	}
	if got, _ := as.Authorization(ctx, a.ID); got.Status != ingot.AuthorizationUsed || got.UsedBy != "pin" {
		t.Errorf("used approval = %+v", got)
	}
	checkNotFound(t, "UseAuthorization(unknown)", as.UseAuthorization(ctx, newID(), "pin", now()))
}

// testKeyAddresses: the first use of a key from an address is reported
// once, whoever asks.
func testKeyAddresses(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	key := newID()
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, err := as.KeyAddressSeen(ctx, key, "192.0.2.7", now())
			if err != nil {
				t.Errorf("KeyAddressSeen: %v", err)
			}
			if first {
				firsts.Add(1)
			}
		}()
	}
	wg.Wait()
	if firsts.Load() != 1 {
		t.Fatalf("%d first uses of one address", firsts.Load())
	}
	if first, err := as.KeyAddressSeen(ctx, key, "2001:db8::1", now()); err != nil || !first {
		t.Fatalf("a second address: %v, %v", first, err)
	}
	if first, err := as.KeyAddressSeen(ctx, newID(), "192.0.2.7", now()); err != nil || !first {
		t.Fatalf("another key from the same address: %v, %v", first, err)
	}
}

// authStore is s as an auth.Store, which both stores implement.
func authStore(t *testing.T, s store.Store) auth.Store {
	t.Helper()
	as, ok := s.(auth.Store)
	if !ok {
		t.Fatalf("%T does not implement auth.Store", s)
	}
	return as
}

func ek(holderID, currency string) store.ExemptionKey {
	return store.ExemptionKey{HolderID: holderID, Currency: currency}
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func mustCreateHolder(t *testing.T, as auth.Store) auth.Holder {
	t.Helper()
	h := auth.Holder{ID: newID(), PhoneHash: randBytes(32), PINHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
		CreatedAt: now(), UpdatedAt: now()}
	if err := as.CreateHolder(context.Background(), h); err != nil {
		t.Fatalf("CreateHolder: %v", err)
	}
	return h
}

// race runs fn in n goroutines started together and returns their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner checks that exactly one of errs is nil and the others are
// store.ErrConflict.
func oneWinner(t *testing.T, what string, errs []error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("%s: goroutines %d and %d both won", what, winner, i)
			}
			winner = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("%s: goroutine %d: err = %v, want nil or store.ErrConflict", what, i, err)
		}
	}
	if winner < 0 {
		t.Errorf("%s: no goroutine won", what)
	}
	return winner
}

func checkConflict(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("%s: err = %v, want store.ErrConflict", what, err)
	}
}

func checkNil(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// same compares got and want after normalizing want's times (UTC,
// microseconds), checking the times' location too.
func same[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	w := normTimes(want)
	if !reflect.DeepEqual(got, w) {
		t.Errorf("%s =\n\t%+v\nwant\n\t%+v", what, got, w)
	}
}

// normTimes returns v with every time.Time field normalized as the store
// returns it (zero stays zero).
func normTimes[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	if rv.Kind() != reflect.Struct {
		return v
	}
	for i := range rv.NumField() {
		f := rv.Field(i)
		if tm, ok := f.Interface().(time.Time); ok && !tm.IsZero() {
			f.Set(reflect.ValueOf(norm(tm)))
		}
	}
	return v
}

// ---- holders ----

func testHolders(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	h := mustCreateHolder(t, as)
	got, err := as.Holder(ctx, h.ID)
	checkNil(t, "Holder", err)
	same(t, "Holder", got, h)
	got, err = as.HolderByPhone(ctx, h.PhoneHash)
	checkNil(t, "HolderByPhone", err)
	same(t, "HolderByPhone", got, h)

	// A phone has one holder; an id one row.
	dup := h
	dup.ID = newID()
	checkConflict(t, "CreateHolder with a taken phone", as.CreateHolder(ctx, dup))
	dup = h
	dup.PhoneHash = randBytes(32)
	checkConflict(t, "CreateHolder with a taken id", as.CreateHolder(ctx, dup))

	later := now().Add(time.Minute)
	checkNil(t, "SetPIN", as.SetPIN(ctx, h.ID, "$argon2id$new", later))
	h.PINHash, h.UpdatedAt = "$argon2id$new", later
	got, err = as.Holder(ctx, h.ID)
	checkNil(t, "Holder", err)
	same(t, "Holder after SetPIN", got, h)

	// The menu language, and the USSD session it was chosen in.
	checkNil(t, "SetLanguage", as.SetLanguage(ctx, h.ID, "zh", "session-1", later.Add(time.Second)))
	h.Language, h.LanguageSession, h.UpdatedAt = "zh", "session-1", later.Add(time.Second)
	got, err = as.HolderByPhone(ctx, h.PhoneHash)
	checkNil(t, "HolderByPhone", err)
	same(t, "Holder after SetLanguage", got, h)
	checkNotFound(t, "SetLanguage(unknown)", as.SetLanguage(ctx, newID(), "en", "", now()))

	_, err = as.Holder(ctx, newID())
	checkNotFound(t, "Holder(unknown)", err)
	_, err = as.HolderByPhone(ctx, randBytes(32))
	checkNotFound(t, "HolderByPhone(unknown)", err)
	checkNotFound(t, "SetPIN(unknown)", as.SetPIN(ctx, newID(), "x", now()))
}

func testHolderWallets(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	opA := mustCreateOperator(t, s, "HWA")
	opB := mustCreateOperator(t, s, "HWB")
	phone, other := randBytes(32), randBytes(32)
	var want []ingot.Account
	for i, spec := range []struct {
		op    string
		phone []byte
	}{{opA.ID, phone}, {opB.ID, phone}, {opA.ID, other}, {opB.ID, phone}, {opA.ID, nil}} {
		a := newWallet(spec.op, []string{"CNY", "EUR"}[i%2])
		a.Holder.PhoneHash = spec.phone
		if _, err := s.CreateAccount(ctx, a, nil); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		if bytes.Equal(spec.phone, phone) {
			want = append(want, a)
		}
	}
	mustEnsure(t, s, ingot.AccountReserve, opA.ID, "CNY")
	sort.Slice(want, func(i, j int) bool { return want[i].ID < want[j].ID })
	got, err := as.HolderWallets(ctx, phone)
	checkNil(t, "HolderWallets", err)
	if len(got) != len(want) {
		t.Fatalf("HolderWallets returned %d wallets, want %d (every operator's)", len(got), len(want))
	}
	for i := range want {
		checkAccount(t, got[i], want[i])
	}
	if got, err := as.HolderWallets(ctx, randBytes(32)); err != nil || len(got) != 0 {
		t.Errorf("HolderWallets(unknown phone) = %v, %v; want none", got, err)
	}
	if got, err := as.HolderWallets(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("HolderWallets(no phone) = %v, %v; want none (not the wallets without a phone)", got, err)
	}
}

// ---- lock-out ----

func testLockout(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	phone := randBytes(32)
	a, err := as.Attempts(ctx, phone)
	checkNil(t, "Attempts", err)
	if a.Failures != 0 || !a.LockedUntil.IsZero() {
		t.Errorf("Attempts of a new phone = %+v, want zero", a)
	}
	t0 := now()
	const max, lock = 3, 15 * time.Minute
	for i := 1; i < max; i++ {
		a, err := as.RecordFailure(ctx, phone, t0, max, lock)
		checkNil(t, "RecordFailure", err)
		if a.Failures != i || !a.LockedUntil.IsZero() || !bytes.Equal(a.PhoneHash, phone) {
			t.Errorf("RecordFailure %d = %+v, want %d failures, not locked", i, a, i)
		}
	}
	t1 := t0.Add(time.Second)
	a, err = as.RecordFailure(ctx, phone, t1, max, lock)
	checkNil(t, "RecordFailure", err)
	if a.Failures != 0 || !eqTime(a.LockedUntil, norm(t1.Add(lock))) {
		t.Errorf("RecordFailure at max = %+v, want 0 failures, locked until %v", a, norm(t1.Add(lock)))
	}
	if got, err := as.Attempts(ctx, phone); err != nil || got.Failures != 0 || !eqTime(got.LockedUntil, norm(t1.Add(lock))) {
		t.Errorf("Attempts after the lock = %+v, %v", got, err)
	}
	// The count starts again; the lock stays until it is renewed.
	a, err = as.RecordFailure(ctx, phone, t1, max, lock)
	checkNil(t, "RecordFailure", err)
	if a.Failures != 1 || !eqTime(a.LockedUntil, norm(t1.Add(lock))) {
		t.Errorf("RecordFailure after the lock = %+v, want 1 failure, the lock kept", a)
	}
	checkNil(t, "ResetFailures", as.ResetFailures(ctx, phone))
	if got, err := as.Attempts(ctx, phone); err != nil || got.Failures != 0 {
		t.Errorf("Attempts after ResetFailures = %+v, %v; want 0 failures", got, err)
	}
	checkNil(t, "ResetFailures(unknown phone)", as.ResetFailures(ctx, randBytes(32)))

	// Phones are counted apart; max 1 locks at once.
	other := randBytes(32)
	a, err = as.RecordFailure(ctx, other, t0, 1, time.Minute)
	checkNil(t, "RecordFailure", err)
	if a.Failures != 0 || !eqTime(a.LockedUntil, norm(t0.Add(time.Minute))) {
		t.Errorf("RecordFailure with max 1 = %+v, want locked at once", a)
	}
	if got, _ := as.Attempts(ctx, phone); got.Failures != 0 {
		t.Errorf("another phone's failures changed this one's: %+v", got)
	}
}

// testLockoutConcurrent: concurrent failures of one phone are all counted,
// each caller sees its own count, and the one that reaches max locks.
func testLockoutConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	const n = 20
	t0 := now()

	for _, tc := range []struct {
		max       int
		wantFinal int
		wantLock  bool
	}{{max: 100, wantFinal: n}, {max: n, wantFinal: 0, wantLock: true}} {
		phone := randBytes(32)
		got := make([]auth.Attempts, n)
		errs := race(n, func(i int) error {
			var err error
			got[i], err = as.RecordFailure(ctx, phone, t0, tc.max, time.Hour)
			return err
		})
		var counts []int
		locks := 0
		for i, err := range errs {
			checkNil(t, fmt.Sprint("RecordFailure ", i), err)
			counts = append(counts, got[i].Failures)
			if !got[i].LockedUntil.IsZero() {
				locks++
			}
		}
		slices.Sort(counts)
		var want []int
		for i := 1; i <= n; i++ {
			want = append(want, i%tc.max)
		}
		slices.Sort(want)
		if !slices.Equal(counts, want) {
			t.Errorf("max %d: the %d callers saw counts %v, want %v", tc.max, n, counts, want)
		}
		if wantLocks := map[bool]int{true: 1}[tc.wantLock]; locks != wantLocks {
			t.Errorf("max %d: %d callers saw a lock, want %d", tc.max, locks, wantLocks)
		}
		a, err := as.Attempts(ctx, phone)
		checkNil(t, "Attempts", err)
		if a.Failures != tc.wantFinal || a.LockedUntil.IsZero() == tc.wantLock {
			t.Errorf("max %d: Attempts after %d concurrent failures = %+v, want %d failures, locked %v",
				tc.max, n, a, tc.wantFinal, tc.wantLock)
		}
	}
}

// ---- challenges ----

func newChallenge(kind auth.ChallengeKind, holderID string) auth.Challenge {
	return auth.Challenge{ID: newID(), Kind: kind, PhoneHash: randBytes(32), HolderID: holderID,
		ExpiresAt: now().Add(5 * time.Minute), CreatedAt: now()}
}

func testChallenges(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	c := newChallenge(auth.ChallengeEnroll, "")
	checkNil(t, "CreateChallenge", as.CreateChallenge(ctx, c))
	checkConflict(t, "CreateChallenge with a taken id", as.CreateChallenge(ctx, c))
	got, err := as.Challenge(ctx, c.ID)
	checkNil(t, "Challenge", err)
	same(t, "Challenge", got, c)

	// A code and a WebAuthn session; a new code keeps the session and
	// starts the tries again.
	code1, session := randBytes(32), []byte(`{"challenge":"abc"}`)
	checkNil(t, "SetChallengeCode", as.SetChallengeCode(ctx, c.ID, code1, session))
	for i := 1; i <= 2; i++ {
		got, err := as.ChallengeTry(ctx, c.ID)
		checkNil(t, "ChallengeTry", err)
		if got.Tries != i || !bytes.Equal(got.CodeHash, code1) {
			t.Errorf("ChallengeTry %d = %+v, want %d tries", i, got, i)
		}
	}
	code2 := randBytes(32)
	checkNil(t, "SetChallengeCode", as.SetChallengeCode(ctx, c.ID, code2, nil))
	c.CodeHash, c.WebAuthn = code2, session
	got, err = as.Challenge(ctx, c.ID)
	checkNil(t, "Challenge", err)
	same(t, "Challenge after a new code", got, c)

	used := now()
	checkNil(t, "UseChallenge", as.UseChallenge(ctx, c.ID, used))
	checkConflict(t, "UseChallenge again", as.UseChallenge(ctx, c.ID, used))
	c.UsedAt = used
	got, err = as.Challenge(ctx, c.ID)
	checkNil(t, "Challenge", err)
	same(t, "Challenge after use", got, c)

	// A login's challenge, its holder kept; an expired one is not usable.
	h := mustCreateHolder(t, as)
	login := newChallenge(auth.ChallengeLogin, h.ID)
	login.ExpiresAt = now().Add(-time.Second)
	checkNil(t, "CreateChallenge", as.CreateChallenge(ctx, login))
	got, err = as.Challenge(ctx, login.ID)
	checkNil(t, "Challenge", err)
	same(t, "login Challenge", got, login)
	checkConflict(t, "UseChallenge of an expired challenge", as.UseChallenge(ctx, login.ID, now()))

	unknown := newID()
	_, err = as.Challenge(ctx, unknown)
	checkNotFound(t, "Challenge(unknown)", err)
	_, err = as.ChallengeTry(ctx, unknown)
	checkNotFound(t, "ChallengeTry(unknown)", err)
	checkNotFound(t, "SetChallengeCode(unknown)", as.SetChallengeCode(ctx, unknown, code1, nil))
	checkNotFound(t, "UseChallenge(unknown)", as.UseChallenge(ctx, unknown, now()))
}

// testChallengesConcurrent: concurrent wrong codes are all counted;
// concurrent uses of one challenge have one winner.
func testChallengesConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	const n = 20
	c := newChallenge(auth.ChallengeEnroll, "")
	checkNil(t, "CreateChallenge", as.CreateChallenge(ctx, c))
	tries := make([]int, n)
	errs := race(n, func(i int) error {
		got, err := as.ChallengeTry(ctx, c.ID)
		tries[i] = got.Tries
		return err
	})
	for i, err := range errs {
		checkNil(t, fmt.Sprint("ChallengeTry ", i), err)
	}
	slices.Sort(tries)
	for i := range n {
		if tries[i] != i+1 {
			t.Fatalf("concurrent ChallengeTry saw tries %v, want 1..%d once each", tries, n)
		}
	}
	if got, err := as.Challenge(ctx, c.ID); err != nil || got.Tries != n {
		t.Errorf("Challenge after %d tries = %+v, %v", n, got, err)
	}

	oneWinner(t, "concurrent UseChallenge", race(n, func(int) error { return as.UseChallenge(ctx, c.ID, now()) }))
}

// ---- sessions ----

func newSession(holderID string) auth.Session {
	return auth.Session{ID: newID(), HolderID: holderID, AccessHash: randBytes(32),
		AccessExpiresAt: now().Add(5 * time.Minute), RefreshHash: randBytes(32), LastSeenAt: now(), CreatedAt: now()}
}

func testSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	h := mustCreateHolder(t, as)
	x := newSession(h.ID)
	checkNil(t, "CreateSession", as.CreateSession(ctx, x))
	dup := newSession(h.ID)
	dup.AccessHash = x.AccessHash
	checkConflict(t, "CreateSession with a taken access hash", as.CreateSession(ctx, dup))
	dup = newSession(h.ID)
	dup.RefreshHash = x.RefreshHash
	checkConflict(t, "CreateSession with a taken refresh hash", as.CreateSession(ctx, dup))

	got, err := as.SessionByAccess(ctx, x.AccessHash)
	checkNil(t, "SessionByAccess", err)
	same(t, "SessionByAccess", got, x)
	got, spent, err := as.SessionByRefresh(ctx, x.RefreshHash)
	checkNil(t, "SessionByRefresh", err)
	same(t, "SessionByRefresh", got, x)
	if spent {
		t.Error("SessionByRefresh(current) spent = true")
	}

	// Rotate: new tokens; the old refresh token is spent, the old access
	// token unknown.
	old := x
	at := now().Add(time.Minute)
	access, refresh := randBytes(32), randBytes(32)
	checkNil(t, "RotateSession", as.RotateSession(ctx, x.ID, x.RefreshHash, access, at.Add(5*time.Minute), refresh, at))
	x.AccessHash, x.AccessExpiresAt, x.RefreshHash, x.LastSeenAt = access, at.Add(5*time.Minute), refresh, at
	got, err = as.SessionByAccess(ctx, access)
	checkNil(t, "SessionByAccess(new)", err)
	same(t, "SessionByAccess after rotation", got, x)
	_, err = as.SessionByAccess(ctx, old.AccessHash)
	checkNotFound(t, "SessionByAccess(old access token)", err)
	got, spent, err = as.SessionByRefresh(ctx, refresh)
	checkNil(t, "SessionByRefresh(new)", err)
	if spent || got.ID != x.ID {
		t.Errorf("SessionByRefresh(new) = %s, spent %v; want %s, false", got.ID, spent, x.ID)
	}
	got, spent, err = as.SessionByRefresh(ctx, old.RefreshHash)
	checkNil(t, "SessionByRefresh(old)", err)
	if !spent {
		t.Error("SessionByRefresh(old refresh token) spent = false")
	}
	same(t, "SessionByRefresh(old)", got, x)
	checkConflict(t, "RotateSession with a spent refresh token",
		as.RotateSession(ctx, x.ID, old.RefreshHash, randBytes(32), at, randBytes(32), at))

	// Twice rotated: both earlier refresh tokens are spent.
	access2 := randBytes(32)
	checkNil(t, "RotateSession", as.RotateSession(ctx, x.ID, refresh, access2, at, randBytes(32), at))
	for _, r := range [][]byte{old.RefreshHash, refresh} {
		if got, spent, err := as.SessionByRefresh(ctx, r); err != nil || !spent || got.ID != x.ID {
			t.Errorf("SessionByRefresh(earlier token) = %s, %v, %v; want the session, spent", got.ID, spent, err)
		}
	}

	seen := now().Add(2 * time.Minute)
	checkNil(t, "TouchSession", as.TouchSession(ctx, x.ID, seen))
	got, err = as.SessionByAccess(ctx, access2)
	checkNil(t, "SessionByAccess", err)
	if !eqTime(got.LastSeenAt, norm(seen)) {
		t.Errorf("LastSeenAt after TouchSession = %v, want %v", got.LastSeenAt, norm(seen))
	}

	ended := now().Add(3 * time.Minute)
	checkNil(t, "EndSession", as.EndSession(ctx, x.ID, ended))
	checkNil(t, "EndSession again", as.EndSession(ctx, x.ID, ended.Add(time.Minute)))
	got, err = as.SessionByAccess(ctx, access2)
	checkNil(t, "SessionByAccess of an ended session (the caller checks)", err)
	if !eqTime(got.EndedAt, norm(ended)) {
		t.Errorf("EndedAt = %v, want the first end %v", got.EndedAt, norm(ended))
	}
	checkConflict(t, "RotateSession of an ended session",
		as.RotateSession(ctx, x.ID, got.RefreshHash, randBytes(32), at, randBytes(32), at))

	unknown := newID()
	_, err = as.SessionByAccess(ctx, randBytes(32))
	checkNotFound(t, "SessionByAccess(unknown)", err)
	_, _, err = as.SessionByRefresh(ctx, randBytes(32))
	checkNotFound(t, "SessionByRefresh(unknown)", err)
	checkNotFound(t, "RotateSession(unknown)", as.RotateSession(ctx, unknown, randBytes(32), randBytes(32), at, randBytes(32), at))
	checkNotFound(t, "TouchSession(unknown)", as.TouchSession(ctx, unknown, at))
	checkNotFound(t, "EndSession(unknown)", as.EndSession(ctx, unknown, at))
}

// testRotateConcurrent: of concurrent refreshes with one refresh token,
// one rotates the session; the others get ErrConflict and the winner's
// tokens stay.
func testRotateConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	h := mustCreateHolder(t, as)
	x := newSession(h.ID)
	checkNil(t, "CreateSession", as.CreateSession(ctx, x))
	const n = 20
	access, refresh := make([][]byte, n), make([][]byte, n)
	for i := range n {
		access[i], refresh[i] = randBytes(32), randBytes(32)
	}
	at := now()
	w := oneWinner(t, "concurrent RotateSession", race(n, func(i int) error {
		return as.RotateSession(ctx, x.ID, x.RefreshHash, access[i], at.Add(time.Minute), refresh[i], at)
	}))
	if w < 0 {
		return
	}
	got, spent, err := as.SessionByRefresh(ctx, refresh[w])
	if err != nil || spent || !bytes.Equal(got.AccessHash, access[w]) {
		t.Errorf("SessionByRefresh(winner's) = %+v, %v, %v; want the winner's tokens", got, spent, err)
	}
	for i := range n {
		if i == w {
			continue
		}
		if _, _, err := as.SessionByRefresh(ctx, refresh[i]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a loser's refresh token was stored: %v", err)
		}
	}
	if _, spent, err := as.SessionByRefresh(ctx, x.RefreshHash); err != nil || !spent {
		t.Errorf("SessionByRefresh(old) = spent %v, %v; want spent", spent, err)
	}
}

// ---- factors ----

func testFactors(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	h := mustCreateHolder(t, as)
	other := mustCreateHolder(t, as)
	base := now()
	totp := auth.Factor{ID: newID(), HolderID: h.ID, Kind: auth.FactorTOTP, Name: "phone app",
		Secret: "v1:sealed-secret", CreatedAt: base}
	totp2 := auth.Factor{ID: newID(), HolderID: h.ID, Kind: auth.FactorTOTP, Name: "tablet",
		Secret: "v1:sealed-2", CreatedAt: base.Add(time.Second)}
	key := auth.Factor{ID: newID(), HolderID: h.ID, Kind: auth.FactorWebAuthn, Name: "fingerprint",
		CredentialID: randBytes(16), Credential: []byte(`{"publicKey":"..."}`), Confirmed: true, CreatedAt: base.Add(2 * time.Second)}
	elsewhere := auth.Factor{ID: newID(), HolderID: other.ID, Kind: auth.FactorWebAuthn, Name: "key",
		CredentialID: randBytes(16), Credential: []byte(`{}`), Confirmed: true, CreatedAt: base}
	// Added out of creation order; two TOTP factors (no credential id) do
	// not conflict.
	for _, f := range []auth.Factor{key, totp2, elsewhere, totp} {
		checkNil(t, "AddFactor", as.AddFactor(ctx, f))
	}
	dup := key
	dup.ID = newID()
	checkConflict(t, "AddFactor with a registered credential id", as.AddFactor(ctx, dup))
	checkConflict(t, "AddFactor with a taken id", as.AddFactor(ctx, totp))

	got, err := as.Factor(ctx, key.ID)
	checkNil(t, "Factor", err)
	same(t, "passkey Factor", got, key)
	got, err = as.Factor(ctx, totp.ID)
	checkNil(t, "Factor", err)
	same(t, "TOTP Factor", got, totp)
	list, err := as.Factors(ctx, h.ID)
	checkNil(t, "Factors", err)
	if len(list) != 3 || list[0].ID != totp.ID || list[1].ID != totp2.ID || list[2].ID != key.ID {
		t.Errorf("Factors = %v, want totp, totp2, key (oldest first)", list)
	}
	if list, err := as.Factors(ctx, newID()); err != nil || len(list) != 0 {
		t.Errorf("Factors(unknown holder) = %v, %v", list, err)
	}

	checkNil(t, "ConfirmFactor", as.ConfirmFactor(ctx, totp.ID))
	for _, step := range []int64{57_000_000, 57_000_001} {
		checkNil(t, fmt.Sprint("UseTOTPStep ", step), as.UseTOTPStep(ctx, totp.ID, step))
	}
	checkConflict(t, "UseTOTPStep replayed", as.UseTOTPStep(ctx, totp.ID, 57_000_001))
	checkConflict(t, "UseTOTPStep of an earlier step", as.UseTOTPStep(ctx, totp.ID, 57_000_000))
	totp.Confirmed, totp.LastStep = true, 57_000_001
	got, err = as.Factor(ctx, totp.ID)
	checkNil(t, "Factor", err)
	same(t, "TOTP Factor after use", got, totp)
	if got, _ := as.Factor(ctx, totp2.ID); got.LastStep != 0 || got.Confirmed {
		t.Errorf("another factor changed: %+v", got)
	}

	cred := []byte(`{"publicKey":"...","signCount":7}`)
	checkNil(t, "SetCredential", as.SetCredential(ctx, key.ID, cred))
	key.Credential = cred
	got, err = as.Factor(ctx, key.ID)
	checkNil(t, "Factor", err)
	same(t, "passkey after SetCredential", got, key)

	checkNil(t, "DeleteFactor", as.DeleteFactor(ctx, key.ID))
	_, err = as.Factor(ctx, key.ID)
	checkNotFound(t, "Factor(deleted)", err)
	// Its credential id may be registered again.
	again := key
	again.ID = newID()
	checkNil(t, "AddFactor with a deleted factor's credential id", as.AddFactor(ctx, again))

	unknown := newID()
	_, err = as.Factor(ctx, unknown)
	checkNotFound(t, "Factor(unknown)", err)
	checkNotFound(t, "ConfirmFactor(unknown)", as.ConfirmFactor(ctx, unknown))
	checkNotFound(t, "DeleteFactor(unknown)", as.DeleteFactor(ctx, unknown))
	checkNotFound(t, "UseTOTPStep(unknown)", as.UseTOTPStep(ctx, unknown, 1))
	checkNotFound(t, "SetCredential(unknown)", as.SetCredential(ctx, unknown, cred))
}

// testTOTPStepConcurrent: one code sent concurrently is accepted once.
func testTOTPStepConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	h := mustCreateHolder(t, as)
	f := auth.Factor{ID: newID(), HolderID: h.ID, Kind: auth.FactorTOTP, Secret: "v1:s", Confirmed: true, CreatedAt: now()}
	checkNil(t, "AddFactor", as.AddFactor(ctx, f))
	oneWinner(t, "concurrent UseTOTPStep", race(20, func(int) error { return as.UseTOTPStep(ctx, f.ID, 1000) }))
	if got, err := as.Factor(ctx, f.ID); err != nil || got.LastStep != 1000 {
		t.Errorf("Factor after the race = %+v, %v; want LastStep 1000", got, err)
	}
}

// ---- approvals ----

func newAuthorization(holderID string, payer int64) ingot.Authorization {
	return ingot.Authorization{ID: newID(), HolderID: holderID, Payer: payer, Payee: "6200000000000001", Amount: 50_000,
		Currency: "CNY", Status: ingot.AuthorizationPending, ExpiresAt: now().Add(ingot.AuthorizationTTL),
		CreatedAt: now(), UpdatedAt: now()}
}

func testAuthorizations(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	h := mustCreateHolder(t, as)
	a := newAuthorization(h.ID, ingot.NewWalletID())
	a.Payee = "bank:" + uuid.NewString()
	checkNil(t, "CreateAuthorization", as.CreateAuthorization(ctx, a))
	checkConflict(t, "CreateAuthorization with a taken id", as.CreateAuthorization(ctx, a))
	got, err := as.Authorization(ctx, a.ID)
	checkNil(t, "Authorization", err)
	same(t, "Authorization", got, a)

	// Wrong codes up to max: the third denies it.
	at := now().Add(time.Second)
	code, session := randBytes(32), []byte(`{"challenge":"x"}`)
	checkNil(t, "SetAuthorizationCode", as.SetAuthorizationCode(ctx, a.ID, code, session, at))
	a.CodeHash, a.WebAuthn, a.UpdatedAt = code, session, at
	got, err = as.Authorization(ctx, a.ID)
	checkNil(t, "Authorization", err)
	same(t, "Authorization after SetAuthorizationCode", got, a)
	for i, want := range []ingot.AuthorizationStatus{ingot.AuthorizationPending, ingot.AuthorizationPending, ingot.AuthorizationDenied} {
		got, err := as.AuthorizationTry(ctx, a.ID, 3, at)
		checkNil(t, "AuthorizationTry", err)
		if got.Tries != i+1 || got.Status != want {
			t.Errorf("AuthorizationTry %d = tries %d, %s; want %d, %s", i+1, got.Tries, got.Status, i+1, want)
		}
	}
	checkConflict(t, "ApproveAuthorization of a denied approval", as.ApproveAuthorization(ctx, a.ID, at))
	if got, _ := as.Authorization(ctx, a.ID); got.Status != ingot.AuthorizationDenied {
		t.Errorf("status = %s, want denied", got.Status)
	}

	// A new code starts the tries again; approve once.
	b := newAuthorization(h.ID, a.Payer)
	checkNil(t, "CreateAuthorization", as.CreateAuthorization(ctx, b))
	if got, err := as.AuthorizationTry(ctx, b.ID, 3, at); err != nil || got.Tries != 1 {
		t.Fatalf("AuthorizationTry = %+v, %v", got, err)
	}
	checkNil(t, "SetAuthorizationCode", as.SetAuthorizationCode(ctx, b.ID, code, nil, at))
	if got, _ := as.Authorization(ctx, b.ID); got.Tries != 0 || got.WebAuthn != nil {
		t.Errorf("after SetAuthorizationCode: tries %d, webauthn %q; want 0, none", got.Tries, got.WebAuthn)
	}
	approved := at.Add(time.Second)
	checkNil(t, "ApproveAuthorization", as.ApproveAuthorization(ctx, b.ID, approved))
	checkConflict(t, "ApproveAuthorization twice", as.ApproveAuthorization(ctx, b.ID, approved))
	got, err = as.Authorization(ctx, b.ID)
	checkNil(t, "Authorization", err)
	if got.Status != ingot.AuthorizationApproved || !eqTime(got.UpdatedAt, norm(approved)) {
		t.Errorf("approved Authorization = %+v", got)
	}
	// Tries on an approved approval count but do not deny it.
	if got, err := as.AuthorizationTry(ctx, b.ID, 1, at); err != nil || got.Status != ingot.AuthorizationApproved {
		t.Errorf("AuthorizationTry of an approved approval = %+v, %v; want it approved", got, err)
	}

	// An expired approval cannot be approved.
	c := newAuthorization(h.ID, a.Payer)
	c.ExpiresAt = now().Add(-time.Second)
	checkNil(t, "CreateAuthorization", as.CreateAuthorization(ctx, c))
	checkConflict(t, "ApproveAuthorization of an expired approval", as.ApproveAuthorization(ctx, c.ID, now()))

	unknown := newID()
	_, err = as.Authorization(ctx, unknown)
	checkNotFound(t, "Authorization(unknown)", err)
	checkNotFound(t, "SetAuthorizationCode(unknown)", as.SetAuthorizationCode(ctx, unknown, code, nil, at))
	_, err = as.AuthorizationTry(ctx, unknown, 3, at)
	checkNotFound(t, "AuthorizationTry(unknown)", err)
	checkNotFound(t, "ApproveAuthorization(unknown)", as.ApproveAuthorization(ctx, unknown, at))
}

// testAuthorizationsConcurrent: concurrent approvals of one approval have
// one winner; concurrent wrong codes deny it exactly at max.
func testAuthorizationsConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	h := mustCreateHolder(t, as)
	const n = 20
	a := newAuthorization(h.ID, ingot.NewWalletID())
	checkNil(t, "CreateAuthorization", as.CreateAuthorization(ctx, a))
	oneWinner(t, "concurrent ApproveAuthorization", race(n, func(int) error { return as.ApproveAuthorization(ctx, a.ID, now()) }))

	b := newAuthorization(h.ID, a.Payer)
	checkNil(t, "CreateAuthorization", as.CreateAuthorization(ctx, b))
	const max = 5
	got := make([]ingot.Authorization, n)
	errs := race(n, func(i int) error {
		var err error
		got[i], err = as.AuthorizationTry(ctx, b.ID, max, now())
		return err
	})
	for i, err := range errs {
		checkNil(t, fmt.Sprint("AuthorizationTry ", i), err)
		wantStatus := ingot.AuthorizationPending
		if got[i].Tries >= max {
			wantStatus = ingot.AuthorizationDenied
		}
		if got[i].Status != wantStatus {
			t.Errorf("AuthorizationTry returned tries %d with status %s, want %s", got[i].Tries, got[i].Status, wantStatus)
		}
	}
	final, err := as.Authorization(ctx, b.ID)
	checkNil(t, "Authorization", err)
	if final.Tries != n || final.Status != ingot.AuthorizationDenied {
		t.Errorf("after %d concurrent tries: %d tries, %s; want %d, denied", n, final.Tries, final.Status, n)
	}
}

// ---- API keys ----

func testAuthAPIKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	op := newOperator("KEYS")
	first := newKey(ingot.RoleOperator, op.ID)
	first.Name, first.Scopes = "first", []string{ingot.ScopeWalletsRead, ingot.ScopeKeysWrite}
	if _, err := s.CreateOperator(ctx, op, first, nil); err != nil {
		t.Fatalf("CreateOperator: %v", err)
	}
	base := now()
	full := newKey(ingot.RoleOperator, op.ID)
	full.CreatedAt = base.Add(time.Second)
	full.Name, full.Scopes = "payments server", []string{ingot.ScopeTransfersWrite}
	full.ExpiresAt, full.ClientCert = base.Add(90*24*time.Hour), randBytes(32)
	none := newKey(ingot.RoleOperator, op.ID)
	none.CreatedAt = base.Add(2 * time.Second)
	none.Name, none.Scopes = "no scope", []string{}
	legacy := newKey(ingot.RoleOperator, op.ID) // Scopes nil: every scope of its role
	legacy.CreatedAt = base.Add(3 * time.Second)
	cb := newKey(ingot.RoleCentralBank, "")
	auditor := newKey(ingot.RoleAuditor, "")
	other := newKey(ingot.RoleOperator, mustCreateOperator(t, s, "OTHER").ID)
	for _, k := range []ingot.APIKey{legacy, none, full, cb, auditor, other} {
		if _, err := s.CreateAPIKey(ctx, k, nil); err != nil {
			t.Fatalf("CreateAPIKey: %v", err)
		}
	}
	for _, k := range []ingot.APIKey{first, full, none, legacy, cb} {
		got, err := s.APIKeyByHash(ctx, k.Hash)
		checkNil(t, "APIKeyByHash", err)
		same(t, "APIKeyByHash "+k.Name, got, k)
		got, err = as.APIKey(ctx, k.ID)
		checkNil(t, "APIKey", err)
		same(t, "APIKey "+k.Name, got, k)
	}
	if got, _ := as.APIKey(ctx, legacy.ID); got.Scopes != nil {
		t.Errorf("a key made without scopes reads back Scopes %#v, want nil", got.Scopes)
	}
	if got, _ := as.APIKey(ctx, none.ID); got.Scopes == nil || len(got.Scopes) != 0 {
		t.Errorf("a key made with no scope reads back Scopes %#v, want empty, not nil", got.Scopes)
	}

	list, err := as.APIKeys(ctx, ingot.RoleOperator, op.ID)
	checkNil(t, "APIKeys", err)
	var ids []string
	for _, k := range list {
		ids = append(ids, k.ID)
	}
	if want := []string{first.ID, full.ID, none.ID, legacy.ID}; !slices.Equal(ids, want) {
		t.Errorf("APIKeys(operator) = %v, want %v (by creation)", ids, want)
	}
	if len(list) == 4 {
		same(t, "APIKeys item", list[1], full)
	}
	list, err = as.APIKeys(ctx, ingot.RoleCentralBank, "")
	checkNil(t, "APIKeys(central bank)", err)
	if len(list) != 1 || list[0].ID != cb.ID {
		t.Errorf("APIKeys(central bank) = %v, want its one key (not the auditor's)", list)
	}

	revoked := now()
	checkNil(t, "RevokeAPIKey", as.RevokeAPIKey(ctx, full.ID, revoked))
	checkConflict(t, "RevokeAPIKey again", as.RevokeAPIKey(ctx, full.ID, revoked.Add(time.Second)))
	used := now().Add(time.Minute)
	checkNil(t, "TouchAPIKey", as.TouchAPIKey(ctx, full.ID, used))
	full.RevokedAt, full.LastUsedAt = revoked, used
	got, err := s.APIKeyByHash(ctx, full.Hash)
	checkNil(t, "APIKeyByHash", err)
	same(t, "revoked and used key", got, full)
	if list, err := as.APIKeys(ctx, ingot.RoleOperator, op.ID); err != nil || len(list) != 4 {
		t.Errorf("APIKeys after a revocation = %d keys, %v; want the revoked one too", len(list), err)
	}
	oneWinner(t, "concurrent RevokeAPIKey", race(10, func(int) error { return as.RevokeAPIKey(ctx, none.ID, now()) }))

	unknown := newID()
	_, err = as.APIKey(ctx, unknown)
	checkNotFound(t, "APIKey(unknown)", err)
	checkNotFound(t, "RevokeAPIKey(unknown)", as.RevokeAPIKey(ctx, unknown, now()))
	checkNotFound(t, "TouchAPIKey(unknown)", as.TouchAPIKey(ctx, unknown, now()))
}

// ---- security events ----

func testSecurityEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	opA, opB := uuid.NewString(), uuid.NewString()
	base := now().Add(-time.Hour)
	var all []auth.SecurityEvent
	for i := range 12 {
		e := auth.SecurityEvent{ID: newID(), Type: auth.EventSigninFailed, Subject: "+86 138****5678",
			Detail: fmt.Sprint("attempt ", i), Address: "203.0.113.7", CreatedAt: base.Add(time.Duration(i) * time.Minute)}
		switch i % 4 {
		case 0:
			e.Operators, e.HolderID = []string{opA}, newID()
		case 1:
			e.Operators, e.Type, e.KeyID = []string{opB}, auth.EventKeyCreated, newID()
		case 2:
			e.Operators, e.Type = []string{opA, opB, opA}, auth.EventSigninLocked // a repetition is harmless
		case 3: // the central bank's only
			e.Type = auth.EventKeyRevoked
		}
		checkNil(t, "AddSecurityEvent", as.AddSecurityEvent(ctx, e))
		if len(e.Operators) == 3 {
			e.Operators = []string{opA, opB}
		}
		all = append(all, e)
	}
	checkConflict(t, "AddSecurityEvent with a taken id", as.AddSecurityEvent(ctx, all[0]))
	sort.Slice(all, func(i, j int) bool { return all[i].ID > all[j].ID }) // newest first

	pick := func(keep func(e auth.SecurityEvent) bool) []auth.SecurityEvent {
		var out []auth.SecurityEvent
		for _, e := range all {
			if keep(e) {
				out = append(out, normTimes(e))
			}
		}
		return out
	}
	concerns := func(op string) func(auth.SecurityEvent) bool {
		return func(e auth.SecurityEvent) bool { return slices.Contains(e.Operators, op) }
	}
	for _, tc := range []struct {
		name string
		f    auth.EventFilter
		want []auth.SecurityEvent
	}{
		{"all", auth.EventFilter{Limit: 100}, pick(func(auth.SecurityEvent) bool { return true })},
		{"no limit", auth.EventFilter{}, pick(func(auth.SecurityEvent) bool { return true })},
		{"limit", auth.EventFilter{Limit: 5}, pick(func(auth.SecurityEvent) bool { return true })[:5]},
		{"operator A", auth.EventFilter{OperatorID: opA, Limit: 100}, pick(concerns(opA))},
		{"operator B", auth.EventFilter{OperatorID: opB, Limit: 100}, pick(concerns(opB))},
		{"unknown operator", auth.EventFilter{OperatorID: uuid.NewString(), Limit: 100}, nil},
		{"type", auth.EventFilter{Type: auth.EventKeyRevoked, Limit: 100},
			pick(func(e auth.SecurityEvent) bool { return e.Type == auth.EventKeyRevoked })},
		{"operator and type", auth.EventFilter{OperatorID: opB, Type: auth.EventSigninLocked, Limit: 100},
			pick(func(e auth.SecurityEvent) bool { return concerns(opB)(e) && e.Type == auth.EventSigninLocked })},
		{"after", auth.EventFilter{After: base.Add(5*time.Minute + time.Second), Limit: 100},
			pick(func(e auth.SecurityEvent) bool { return e.CreatedAt.After(base.Add(5*time.Minute + time.Second)) })},
		{"before", auth.EventFilter{Before: all[3].ID, Limit: 100},
			pick(func(e auth.SecurityEvent) bool { return e.ID < all[3].ID })},
		{"operator, after and before", auth.EventFilter{OperatorID: opA, After: base.Add(2 * time.Minute), Before: all[1].ID, Limit: 2},
			pick(func(e auth.SecurityEvent) bool {
				return concerns(opA)(e) && e.CreatedAt.After(base.Add(2*time.Minute)) && e.ID < all[1].ID
			})[:2]},
	} {
		got, err := as.SecurityEvents(ctx, tc.f)
		checkNil(t, "SecurityEvents "+tc.name, err)
		if len(got) != len(tc.want) {
			t.Errorf("SecurityEvents(%s) returned %d events, want %d", tc.name, len(got), len(tc.want))
			continue
		}
		for i := range got {
			same(t, fmt.Sprintf("SecurityEvents(%s)[%d]", tc.name, i), got[i], tc.want[i])
		}
	}

	// Pages of 3 of operator A's events, by the cursor.
	var paged []string
	f := auth.EventFilter{OperatorID: opA, Limit: 3}
	for range 10 {
		page, err := as.SecurityEvents(ctx, f)
		checkNil(t, "SecurityEvents page", err)
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			paged = append(paged, e.ID)
		}
		f.Before = page[len(page)-1].ID
	}
	var want []string
	for _, e := range pick(concerns(opA)) {
		want = append(want, e.ID)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paging operator A's events gave %v, want %v", paged, want)
	}
}

// ---- the sandbox's text messages ----

func testSMS(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	phone, other := randBytes(32), randBytes(32)
	base := now()
	var sent []auth.SMS
	for i := range 5 {
		m := auth.SMS{ID: newID(), PhoneHash: phone, Phone: "v1:sealed-phone", Text: fmt.Sprintf("Your code is %06d", i),
			SentAt: base.Add(time.Duration(i) * time.Second)}
		checkNil(t, "AddSMS", as.AddSMS(ctx, m))
		sent = append(sent, m)
	}
	checkNil(t, "AddSMS", as.AddSMS(ctx, auth.SMS{ID: newID(), PhoneHash: other, Phone: "v1:x", Text: "other", SentAt: base}))
	checkConflict(t, "AddSMS with a taken id", as.AddSMS(ctx, sent[0]))
	got, err := as.SMSTo(ctx, phone, 3)
	checkNil(t, "SMSTo", err)
	if len(got) != 3 {
		t.Fatalf("SMSTo(limit 3) returned %d", len(got))
	}
	for i := range got {
		same(t, fmt.Sprint("SMSTo[", i, "]"), got[i], sent[4-i])
	}
	if got, err := as.SMSTo(ctx, phone, 0); err != nil || len(got) != 5 {
		t.Errorf("SMSTo(limit 0) = %d, %v; want all 5", len(got), err)
	}
	if got, err := as.SMSTo(ctx, randBytes(32), 10); err != nil || len(got) != 0 {
		t.Errorf("SMSTo(unknown phone) = %v, %v", got, err)
	}
}

// ---- the engine's exemption counters and approvals ----

func testBatchSCA(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := authStore(t, s)
	h1, h2 := mustCreateHolder(t, as), mustCreateHolder(t, as)
	a := newAuthorization(h1.ID, ingot.NewWalletID())
	b := newAuthorization(h2.ID, ingot.NewWalletID())
	for _, x := range []ingot.Authorization{a, b} {
		checkNil(t, "CreateAuthorization", as.CreateAuthorization(ctx, x))
	}
	checkNil(t, "ApproveAuthorization", as.ApproveAuthorization(ctx, a.ID, now()))
	a.Status = ingot.AuthorizationApproved

	keys := []store.ExemptionKey{ek(h2.ID, "EUR"), ek(h1.ID, "CNY"), ek(h2.ID, "CNY"), ek(h1.ID, "CNY")}
	wantKeys := []store.ExemptionKey{ek(h1.ID, "CNY"), ek(h2.ID, "CNY"), ek(h2.ID, "EUR")}
	sort.Slice(wantKeys, func(i, j int) bool {
		if wantKeys[i].HolderID != wantKeys[j].HolderID {
			return wantKeys[i].HolderID < wantKeys[j].HolderID
		}
		return wantKeys[i].Currency < wantKeys[j].Currency
	})
	lock := func(tx store.BatchTx) []ingot.ExemptionCounter {
		t.Helper()
		cs, err := tx.LockExemptions(ctx, keys)
		checkNil(t, "LockExemptions", err)
		var got []store.ExemptionKey
		for _, c := range cs {
			got = append(got, store.ExemptionKey{HolderID: c.HolderID, Currency: c.Currency})
		}
		if !slices.Equal(got, wantKeys) {
			t.Fatalf("LockExemptions returned %v, want %v (one each, in key order)", got, wantKeys)
		}
		return cs
	}

	// First batch: the counters are created at zero; one payment counted,
	// approval a used.
	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	for _, c := range lock(tx) {
		if c.Sum != 0 || c.Count != 0 {
			t.Errorf("new exemption counter %+v, want zero", c)
		}
	}
	if cs, err := tx.LockExemptions(ctx, nil); err != nil || len(cs) != 0 {
		t.Errorf("LockExemptions(none) = %v, %v", cs, err)
	}
	locked, err := tx.LockAuthorizations(ctx, []string{b.ID, newID(), a.ID})
	checkNil(t, "LockAuthorizations", err)
	wantIDs := []string{a.ID, b.ID}
	slices.Sort(wantIDs)
	if len(locked) != 2 || locked[0].ID != wantIDs[0] || locked[1].ID != wantIDs[1] {
		t.Fatalf("LockAuthorizations = %v, want %v (by id, unknown left out)", locked, wantIDs)
	}
	for _, l := range locked {
		if l.ID == a.ID {
			want := a
			want.UpdatedAt = l.UpdatedAt // set by ApproveAuthorization
			same(t, "locked approval", l, want)
		}
	}
	transfer := uuid.Must(uuid.NewV7()).String()
	used := now()
	a.Status, a.UsedBy, a.UpdatedAt = ingot.AuthorizationUsed, transfer, used
	b.Status, b.UpdatedAt = ingot.AuthorizationDenied, used
	counter := ingot.ExemptionCounter{HolderID: h1.ID, Currency: "CNY", Sum: 12_000, Count: 1}
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{
		Exemptions:     []ingot.ExemptionCounter{counter},
		Authorizations: []ingot.Authorization{a, b},
	}))
	checkNil(t, "Commit", tx.Commit(ctx))
	for _, want := range []ingot.Authorization{a, b} {
		got, err := as.Authorization(ctx, want.ID)
		checkNil(t, "Authorization", err)
		same(t, "Authorization written by a batch", got, want)
	}

	// Second batch reads them back; a counter changed twice in one write
	// keeps the last.
	tx, err = s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	for _, c := range lock(tx) {
		want := ingot.ExemptionCounter{HolderID: c.HolderID, Currency: c.Currency}
		if c.HolderID == h1.ID && c.Currency == "CNY" {
			want = counter
		}
		if c != want {
			t.Errorf("exemption counter = %+v, want %+v", c, want)
		}
	}
	reset := ingot.ExemptionCounter{HolderID: h2.ID, Currency: "EUR", Sum: 0, Count: 0}
	second := ingot.ExemptionCounter{HolderID: h2.ID, Currency: "EUR", Sum: 500, Count: 2}
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{Exemptions: []ingot.ExemptionCounter{reset, second}}))
	checkNil(t, "Commit", tx.Commit(ctx))

	// A rolled-back batch changes nothing.
	tx, err = s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	lock(tx)
	a2 := a
	a2.Status, a2.UsedBy = ingot.AuthorizationApproved, ""
	checkNil(t, "Write", tx.Write(ctx, &store.BatchWrite{
		Exemptions:     []ingot.ExemptionCounter{{HolderID: h1.ID, Currency: "CNY", Sum: 1, Count: 1}},
		Authorizations: []ingot.Authorization{a2},
	}))
	checkNil(t, "Rollback", tx.Rollback(ctx))
	if got, _ := as.Authorization(ctx, a.ID); got.Status != ingot.AuthorizationUsed {
		t.Errorf("after a rollback the approval is %s, want used", got.Status)
	}

	tx, err = s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	for _, c := range lock(tx) {
		switch {
		case c.HolderID == h1.ID && c.Currency == "CNY":
			if c != counter {
				t.Errorf("counter after a rollback = %+v, want %+v", c, counter)
			}
		case c.HolderID == h2.ID && c.Currency == "EUR":
			if c != second {
				t.Errorf("counter written twice in a batch = %+v, want the last, %+v", c, second)
			}
		}
	}
	// Writing an unknown approval is an error.
	if err := tx.Write(ctx, &store.BatchWrite{Authorizations: []ingot.Authorization{newAuthorization(h1.ID, 1)}}); err == nil {
		t.Error("Write of an unknown approval succeeded")
	}
}

// testBatchExemptionsConcurrent: batches that lock one holder's counter
// (new at first) and add to it run one after the other: no update is lost
// and none deadlocks.
func testBatchExemptionsConcurrent(t *testing.T, s store.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	as := authStore(t, s)
	h1, h2 := mustCreateHolder(t, as), mustCreateHolder(t, as)
	const n = 10
	errs := race(n, func(i int) error {
		keys := []store.ExemptionKey{ek(h1.ID, "CNY"), ek(h2.ID, "CNY")}
		if i%2 == 1 {
			keys[0], keys[1] = keys[1], keys[0] // the engine's order does not matter
		}
		tx, err := s.BeginBatch(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		cs, err := tx.LockExemptions(ctx, keys)
		if err != nil {
			return err
		}
		for j := range cs {
			cs[j].Sum += 100
			cs[j].Count++
		}
		if err := tx.Write(ctx, &store.BatchWrite{Exemptions: cs}); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	for i, err := range errs {
		checkNil(t, fmt.Sprint("batch ", i), err)
	}
	tx, err := s.BeginBatch(ctx)
	checkNil(t, "BeginBatch", err)
	defer tx.Rollback(ctx)
	cs, err := tx.LockExemptions(ctx, []store.ExemptionKey{ek(h1.ID, "CNY"), ek(h2.ID, "CNY")})
	checkNil(t, "LockExemptions", err)
	for _, c := range cs {
		if c.Sum != n*100 || c.Count != n {
			t.Errorf("counter after %d concurrent batches = %+v, want sum %d, count %d", n, c, n*100, n)
		}
	}
}
