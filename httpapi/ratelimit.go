package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/time/rate"

	"github.com/ingot-cbdc/ingot"
)

// Rate limits are token buckets (golang.org/x/time/rate), one per key and
// policy, in this process's memory: with several processes behind a load
// balancer each enforces its own. A policy of q requests per window w
// refills q/w per second and holds at most q, so a client may burst q and
// then goes on at q/w. Answers that a policy applied to carry the IETF
// headers (draft-ietf-httpapi-ratelimit-headers-11):
//
//	RateLimit-Policy: "credential";q=1000;w=1, "address";q=1000;w=1
//	RateLimit: "credential";r=998;t=1, "address";r=998;t=1
//
// r is what is left (whole requests) and t the seconds until the bucket is
// full again; a refused request is 429 rate_limited with Retry-After, the
// seconds until the policy admits one request again.
//
// Policies:
//
//	credential      Hardening.RateLimit per second, per Authorization value
//	address         Hardening.RateLimit per second, per client address
//	signin-address  Hardening.SigninRateLimit per minute, per client address,
//	                on the sign-in, enrolment and code routes (isSigninPath)
//	signin-phone    Hardening.SigninRateLimit per minute, per phone number,
//	                counted by the sign-in handlers (server.limitSignin)
//
// Keys are kept as salted SHA-256 hashes, never as given: a bearer value is
// a secret and a phone number personal data. Memory is bounded: a bucket
// that has filled up again is forgotten (a new one is the same), at most
// maxKeys are kept per policy, and past that arbitrary buckets are dropped
// (their keys start afresh) rather than refusing new clients.

// Policy names, as they appear in the headers.
const (
	policyCredential    = "credential"
	policyAddress       = "address"
	policySigninAddress = "signin-address"
	policySigninPhone   = "signin-phone"
)

// maxKeys is the most buckets one policy keeps (about 150 bytes each).
const maxKeys = 1 << 16

// limiter is one rate-limit policy: a token bucket per key.
type limiter struct {
	name    string
	quota   int           // q: requests per window, also the burst
	window  time.Duration // w
	policy  string        // its RateLimit-Policy item
	every   rate.Limit
	maxKeys int
	now     func() time.Time // time.Now; tests set another clock
	salt    [16]byte

	mu        sync.Mutex
	buckets   map[[16]byte]*rate.Limiter
	nextSweep time.Time
}

// newLimiter makes a policy of quota requests per window; nil when quota
// is 0 (no limit).
func newLimiter(name string, quota int, window time.Duration) *limiter {
	if quota <= 0 {
		return nil
	}
	l := &limiter{
		name: name, quota: quota, window: window, maxKeys: maxKeys, now: time.Now,
		policy:  strconv.Quote(name) + ";q=" + strconv.Itoa(quota) + ";w=" + strconv.Itoa(int(window/time.Second)),
		every:   rate.Limit(float64(quota) / window.Seconds()),
		buckets: make(map[[16]byte]*rate.Limiter),
	}
	_, _ = rand.Read(l.salt[:])
	return l
}

// decision is what a policy said of one request.
type decision struct {
	lim        *limiter
	res        *rate.Reservation
	ok         bool
	remaining  int           // r: whole requests left
	reset      time.Duration // t: until the bucket is full again
	retryAfter time.Duration // when refused: until one request is admitted
	at         time.Time
}

// allow counts one request for key and says whether it may go on; a
// refused request is not counted.
func (l *limiter) allow(key string) decision {
	return l.reserve(key, l.now())
}

// reserve takes a token for key at now, or, when there is none, refuses
// (and takes nothing).
func (l *limiter) reserve(key string, now time.Time) decision {
	b := l.bucket(key, now)
	res := b.ReserveN(now, 1)
	d := decision{lim: l, res: res, ok: true, at: now}
	if wait := res.DelayFrom(now); wait > 0 || !res.OK() {
		res.CancelAt(now)
		d.ok, d.retryAfter = false, wait
	}
	tokens := b.TokensAt(now)
	d.remaining = int(math.Max(0, math.Floor(tokens)))
	d.reset = time.Duration((float64(l.quota) - tokens) / float64(l.every) * float64(time.Second))
	return d
}

// admitted reports whether every decision admitted the request; when one
// did not, the others give their tokens back.
func admitted(ds []decision) bool {
	for _, d := range ds {
		if !d.ok {
			for _, o := range ds {
				o.undo()
			}
			return false
		}
	}
	return true
}

// undo gives back the token of an admitted request that another policy
// refused.
func (d decision) undo() {
	if d.ok && d.res != nil {
		d.res.CancelAt(d.at)
	}
}

// bucket finds or makes the bucket of key, sweeping idle ones now and then.
func (l *limiter) bucket(key string, now time.Time) *rate.Limiter {
	h := sha256.New()
	h.Write(l.salt[:])
	h.Write([]byte(key))
	var k [16]byte
	copy(k[:], h.Sum(nil))
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[k]; ok {
		return b
	}
	if len(l.buckets) >= l.maxKeys || !now.Before(l.nextSweep) {
		l.sweep(now)
	}
	b := rate.NewLimiter(l.every, l.quota)
	l.buckets[k] = b
	return b
}

// sweep forgets full buckets, then, if there are still too many, arbitrary
// ones (down to 7/8 of maxKeys). l.mu is held.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.quota) {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.maxKeys-l.maxKeys/8 {
			break
		}
		delete(l.buckets, k)
	}
	l.nextSweep = now.Add(max(l.window, 10*time.Second))
}

// size is how many buckets the policy holds (tests).
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// seconds rounds d up to whole seconds, at least least.
func seconds(d time.Duration, least int64) int64 {
	return max(int64(math.Ceil(d.Seconds())), least)
}

// setRateHeaders sets RateLimit-Policy and RateLimit for the decisions and,
// when one refused, Retry-After (the longest wait of those refusing).
func setRateHeaders(h http.Header, ds []decision) {
	if len(ds) == 0 {
		return
	}
	var pol, cur strings.Builder
	var retry time.Duration
	refused := false
	for i, d := range ds {
		if i > 0 {
			pol.WriteString(", ")
			cur.WriteString(", ")
		}
		pol.WriteString(d.lim.policy)
		t := seconds(d.reset, 0)
		if !d.ok {
			refused = true
			retry = max(retry, d.retryAfter)
			t = seconds(d.retryAfter, 1)
		}
		cur.WriteString(strconv.Quote(d.lim.name) + ";r=" + strconv.Itoa(d.remaining) + ";t=" + strconv.FormatInt(t, 10))
	}
	h.Set("RateLimit-Policy", pol.String())
	h.Set("RateLimit", cur.String())
	if refused {
		h.Set("Retry-After", strconv.FormatInt(seconds(retry, 1), 10))
	}
}

// rateLimited is the problem of a refused request.
func rateLimited(ds []decision) *Problem {
	var names []string
	var retry time.Duration
	for _, d := range ds {
		if !d.ok {
			names = append(names, d.lim.name)
			retry = max(retry, d.retryAfter)
		}
	}
	return problemOf(ingot.Errorf(ingot.CodeRateLimited, "too many requests (policy %s); retry in %d s",
		strings.Join(names, ", "), seconds(retry, 1)))
}

// isSigninPath reports the routes where one client address gets
// SigninRateLimit attempts per minute: signing in and enrolling
// (/v1/auth/login..., /v1/auth/enroll...) and sending or checking the code
// of a payment approval (/v1/authorizations/{id}/sms and .../verify).
// /v1/auth/refresh and /v1/auth/logout are not attempts at a secret one
// could guess (a refresh token is 256 random bits), and many holders behind
// one carrier-grade NAT refresh every few minutes: they keep the ordinary
// limits.
func isSigninPath(path string) bool {
	if rest, ok := strings.CutPrefix(path, "/v1/auth/"); ok {
		return rest == "login" || rest == "enroll" ||
			strings.HasPrefix(rest, "login/") || strings.HasPrefix(rest, "enroll/")
	}
	if rest, ok := strings.CutPrefix(path, "/v1/authorizations/"); ok {
		id, action, found := strings.Cut(rest, "/")
		return found && id != "" && (action == "verify" || action == "sms")
	}
	return false
}

// limitSignin is the sign-in handlers' hook: call it once per attempt
// (enrolment, login, sending or checking a code), with the phone number the
// attempt is for, normalised to E.164 (pii.NormalizePhone) so that
// spellings of one number share a limit, before doing anything else. It
// counts the attempt against the phone's signin-phone policy and, when the
// request's path is not one isSigninPath already limits per address, its
// client address's signin-address policy. It returns nil, or an error to
// return as it is: huma renders it 429 rate_limited with Retry-After and
// the RateLimit headers.
//
//	if err := s.limitSignin(ctx, phone); err != nil {
//		return nil, err
//	}
//
// An empty phone counts only the address (a login id whose phone is not
// known yet).
func (s *server) limitSignin(ctx context.Context, phone string) error {
	h := s.hard
	ci := clientOf(ctx)
	var ds []decision
	byAddr := h.signinAddress != nil && ci != nil && !ci.signinCounted
	if byAddr {
		ds = append(ds, h.signinAddress.reserve(ci.key, h.signinAddress.now()))
	}
	if h.signinPhone != nil && phone != "" {
		ds = append(ds, h.signinPhone.reserve(phone, h.signinPhone.now()))
	}
	if !admitted(ds) {
		h.countLimited(ds)
		hd := http.Header{}
		setRateHeaders(hd, ds)
		return huma.ErrorWithHeaders(rateLimited(ds), hd)
	}
	if byAddr {
		ci.signinCounted = true
	}
	return nil
}
