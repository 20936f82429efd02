package httpapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/httpapi"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/webhook"
)

// hookEnv is env with webhooks: the API serves the endpoint routes, and
// the test runs the deliverer itself (RunOnce) on the server's clock.
type hookEnv struct {
	*env
	d *webhook.Deliverer
}

// newHookEnv is newEnv with webhooks; allowPrivate lets endpoints be on
// loopback (the test's receivers).
func newHookEnv(t *testing.T, open opener, allowPrivate bool) *hookEnv {
	t.Helper()
	e := newEnv(t, open, 0)
	ws, ok := e.st.(webhook.Store)
	if !ok {
		t.Fatalf("%T keeps no webhooks", e.st)
	}
	keys, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	opt := webhook.Options{Now: e.clock.Now, AllowPrivate: allowPrivate, Logger: log, Render: httpapi.EventRenderer(e.svc, log), Record: e.auth.Record}
	d := webhook.NewDeliverer(ws, keys, opt)
	srv := httptest.NewServer(httpapi.NewServer(e.svc, e.auth, httpapi.Options{Logger: log, Sandbox: e.sb, Webhooks: webhook.NewService(ws, keys, opt)}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return &hookEnv{env: e, d: d}
}

// run runs the deliverer once and returns how many attempts it made.
func (e *hookEnv) run() int {
	e.t.Helper()
	n, err := e.d.RunOnce(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
	status int       // what the receiver answered
	at     time.Time // when, on the server's clock
}

// receiver is a webhook endpoint: it answers 500 to its first fail
// requests (all when fail < 0), then 200.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	fail int
	got  []received
}

func (e *hookEnv) receiver(fail int) *receiver {
	t, now := e.t, e.clock.Now
	r := &receiver{fail: fail}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := http.StatusOK
		if r.fail != 0 {
			status = http.StatusInternalServerError
			if r.fail > 0 {
				r.fail--
			}
		}
		r.got = append(r.got, received{header: req.Header.Clone(), body: body, status: status, at: now()})
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *receiver) setFail(n int) {
	r.mu.Lock()
	r.fail = n
	r.mu.Unlock()
}

// specSignature computes a delivery's signature as the Standard Webhooks
// specification says, without package webhook: HMAC-SHA256 keyed with the
// base64-decoded secret after "whsec_", over "<id>.<timestamp>.<body>".
func specSignature(t testing.TB, secret string, h http.Header, body []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// checkSigned checks a request's headers and signature, with Verify and
// with the specification's algorithm, and returns its decoded body.
func (e *hookEnv) checkSigned(secret string, r received) map[string]any {
	e.t.Helper()
	if err := webhook.Verify(secret, r.header, r.body, r.at, 0); err != nil {
		e.t.Fatalf("Verify: %v (headers %v)", err, r.header)
	}
	if got, want := r.header.Get("webhook-signature"), specSignature(e.t, secret, r.header, r.body); got != want {
		e.t.Fatalf("webhook-signature %q, the specification's algorithm gives %q", got, want)
	}
	if ua, ct := r.header.Get("User-Agent"), r.header.Get("Content-Type"); ua != "Ingot-Webhooks/1" || ct != "application/json" {
		e.t.Fatalf("User-Agent %q, Content-Type %q", ua, ct)
	}
	var b map[string]any
	if err := json.Unmarshal(r.body, &b); err != nil {
		e.t.Fatalf("body %s: %v", r.body, err)
	}
	if b["id"] != r.header.Get("webhook-id") || b["type"] == nil || b["created_at"] == nil || b["data"] == nil {
		e.t.Fatalf("body %s with webhook-id %q", r.body, r.header.Get("webhook-id"))
	}
	return b
}

// createEndpoint adds an endpoint and returns its id and secret.
func (e *hookEnv) createEndpoint(key, url string, events ...string) (id, secret string) {
	e.t.Helper()
	r := e.must(e.req("POST", "/v1/webhook-endpoints", key, map[string]any{"url": url, "events": events, "description": "till"}), 201)
	id, secret = r.str("id"), r.str("secret")
	if id == "" || !strings.HasPrefix(secret, "whsec_") || r.str("status") != "enabled" {
		e.t.Fatalf("endpoint answer: %s", r.raw)
	}
	return id, secret
}

func (e *hookEnv) pay(key, from, to, amount string) string {
	e.t.Helper()
	return e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": from, "to": to, "amount": amount, "currency": "CNY"}), 201).str("id")
}

// deliveries lists an endpoint's deliveries, oldest first.
func (e *hookEnv) deliveries(key, endpoint string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for _, it := range e.must(e.req("GET", "/v1/webhook-endpoints/"+endpoint+"/deliveries", key, nil), 200).items() {
		out = append(out, it.(map[string]any))
	}
	slices.Reverse(out)
	return out
}

// A receiver that fails its first two requests: the first delivery is
// retried by the schedule (5 s, then 5 min) while the others wait behind
// it, then all arrive in order, each signed.
func TestWebhookRetriesInOrder(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newHookEnv(t, open, true)
			_, key := e.funded("WHA")
			w1, w2 := e.wallet(key, "100.00"), e.wallet(key, "")
			rcv := e.receiver(2)
			ep, secret := e.createEndpoint(key, rcv.URL+"/hooks", "transfer.sent", "transfer.received")
			var transfers []string
			for i := range 3 {
				transfers = append(transfers, e.pay(key, w1, w2, fmt.Sprintf("%d.00", i+1)))
			}
			if n := e.run(); n != 1 {
				t.Fatalf("first run: %d attempts, want 1 (a failure stops the endpoint)", n)
			}
			if n := e.run(); n != 0 {
				t.Fatalf("run before the retry is due: %d attempts", n)
			}
			ds := e.deliveries(key, ep)
			if len(ds) != 6 || ds[0]["status"] != "pending" || ds[0]["attempts"] != 1.0 || ds[0]["last_status_code"] != 500.0 || ds[0]["next_attempt_at"] == nil {
				t.Fatalf("deliveries after a failure: %v", ds)
			}
			e.clock.advance(5 * time.Second)
			if n := e.run(); n != 1 {
				t.Fatalf("run after 5 s: %d attempts, want 1", n)
			}
			e.clock.advance(4 * time.Minute)
			if n := e.run(); n != 0 {
				t.Fatalf("run 4 min later: %d attempts, want none (next in 5 min)", n)
			}
			e.clock.advance(time.Minute)
			if n := e.run(); n != 6 {
				t.Fatalf("run after 5 min: %d attempts, want 6", n)
			}

			got := rcv.requests()
			if len(got) != 8 {
				t.Fatalf("receiver got %d requests, want 8", len(got))
			}
			var ids []string
			var order []string // transfer id and event type, as received
			for i, r := range got {
				b := e.checkSigned(secret, r)
				if r.status != 200 {
					if i >= 2 || r.header.Get("webhook-id") != got[2].header.Get("webhook-id") {
						t.Fatalf("request %d failed but is not an attempt at the first event", i)
					}
					continue
				}
				ids = append(ids, b["id"].(string))
				data := b["data"].(map[string]any)
				if data["from"] != w1 || data["to"] != w2 || data["currency"] != "CNY" || data["kind"] != "payment" {
					t.Fatalf("data is not the transfer as the API renders it: %s", r.body)
				}
				order = append(order, data["id"].(string)+" "+b["type"].(string))
			}
			var want []string
			for _, tr := range transfers {
				want = append(want, tr+" transfer.sent", tr+" transfer.received")
			}
			if !slices.Equal(order, want) {
				t.Fatalf("received in the order\n%v\nwant\n%v", order, want)
			}
			// The deliveries, in Seq order, are the events received.
			ds = e.deliveries(key, ep)
			for i, d := range ds {
				if d["status"] != "succeeded" || d["event_id"] != ids[i] || d["last_status_code"] != 200.0 || d["completed_at"] == nil {
					t.Fatalf("delivery %d: %v, want succeeded with event %s", i, d, ids[i])
				}
			}
			if ds[0]["attempts"] != 3.0 || ds[1]["attempts"] != 1.0 {
				t.Fatalf("attempts %v and %v, want 3 and 1", ds[0]["attempts"], ds[1]["attempts"])
			}

			// A manual retry sends a delivered event again, with its id.
			r := e.must(e.req("POST", "/v1/webhook-endpoints/"+ep+"/deliveries/"+ds[1]["id"].(string)+"/retry", key, nil), 200)
			if r.str("status") != "pending" {
				t.Fatalf("retried delivery: %s", r.raw)
			}
			if n := e.run(); n != 1 {
				t.Fatalf("run after a retry: %d attempts", n)
			}
			got = rcv.requests()
			if last := got[len(got)-1]; last.header.Get("webhook-id") != ids[1] {
				t.Fatalf("retry sent %q, want %q", last.header.Get("webhook-id"), ids[1])
			}
		})
	}
}

// A delivery that fails for 3 days fails for good: its endpoint is
// disabled with a reason and the operator gets a security event. Enabling
// the endpoint again and retrying the delivery sends it.
func TestWebhookGivesUpAfterThreeDays(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newHookEnv(t, open, true)
			_, key := e.funded("WHG")
			w1, w2 := e.wallet(key, "100.00"), e.wallet(key, "")
			rcv := e.receiver(-1)
			ep, _ := e.createEndpoint(key, rcv.URL, "transfer.received")
			e.pay(key, w1, w2, "1.00")
			e.pay(key, w1, w2, "2.00")
			attempts := 0
			for range 30 {
				attempts += e.run()
				d := e.deliveries(key, ep)[0]
				if d["status"] != "pending" {
					break
				}
				next, err := time.Parse(time.RFC3339Nano, d["next_attempt_at"].(string))
				if err != nil {
					t.Fatal(err)
				}
				if wait := next.Sub(e.clock.Now()); wait > 0 {
					e.clock.advance(wait + time.Millisecond)
				}
			}
			// 0, 5 s, 5 min 5 s, 35 min 5 s, 2 h 35, 7 h 35, 17 h 35, then
			// every 10 h to 67 h 35, and a last attempt at 72 h.
			if attempts != 13 {
				t.Fatalf("%d attempts, want 13", attempts)
			}
			ds := e.deliveries(key, ep)
			created, _ := time.Parse(time.RFC3339Nano, ds[0]["created_at"].(string))
			done, _ := time.Parse(time.RFC3339Nano, ds[0]["completed_at"].(string))
			if took := done.Sub(created); took < 72*time.Hour || took > 72*time.Hour+time.Minute {
				t.Fatalf("gave up %s after the event, want 72 h", took)
			}
			if ds[0]["status"] != "failed" || ds[0]["attempts"] != 13.0 || ds[1]["status"] != "pending" || ds[1]["attempts"] != 0.0 {
				t.Fatalf("deliveries: %v", ds)
			}
			r := e.must(e.req("GET", "/v1/webhook-endpoints/"+ep, key, nil), 200)
			if r.str("status") != "disabled" || !strings.Contains(r.str("disabled_reason"), "failing since") {
				t.Fatalf("endpoint after giving up: %s", r.raw)
			}
			evs := e.must(e.req("GET", "/v1/security-events", key, nil), 200).items()
			found := false
			for _, ev := range evs {
				m := ev.(map[string]any)
				if m["type"] == "webhook.disabled" {
					found = true
					if b, _ := json.Marshal(m); !strings.Contains(string(b), ep) {
						t.Fatalf("security event does not name the endpoint: %s", b)
					}
				}
			}
			if !found {
				t.Fatalf("no webhook.disabled security event: %v", evs)
			}
			if n := e.run(); n != 0 {
				t.Fatalf("a disabled endpoint got %d attempts", n)
			}

			// The operator fixes its receiver, enables the endpoint and
			// retries the failed delivery: both events arrive, in order.
			rcv.setFail(0)
			r = e.must(e.req("PATCH", "/v1/webhook-endpoints/"+ep, key, map[string]any{"status": "enabled"}), 200)
			if r.str("status") != "enabled" || r.str("disabled_reason") != "" {
				t.Fatalf("enabled: %s", r.raw)
			}
			e.must(e.req("POST", "/v1/webhook-endpoints/"+ep+"/deliveries/"+ds[0]["id"].(string)+"/retry", key, nil), 200)
			if n := e.run(); n != 2 {
				t.Fatalf("after the retry: %d attempts, want 2", n)
			}
			for _, d := range e.deliveries(key, ep) {
				if d["status"] != "succeeded" {
					t.Fatalf("delivery %v", d)
				}
			}
		})
	}
}

// Endpoint URLs must be public: loopback, private, link-local addresses
// and names that resolve to them are refused. Events must be known ones.
func TestWebhookEndpointValidation(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newHookEnv(t, open, false)
			_, key := e.funded("WHV")
			for _, u := range []string{
				"http://127.0.0.1:8080/hooks", "http://[::1]/", "http://10.0.0.8/hooks", "http://192.168.1.20/",
				"http://169.254.169.254/latest/meta-data/", "http://100.64.1.1/", "http://localhost:8080/hooks",
				"ftp://93.184.215.14/", "https://user:pw@93.184.215.14/", "/relative",
			} {
				e.problem(e.req("POST", "/v1/webhook-endpoints", key, map[string]any{"url": u, "events": []string{"transfer.received"}}), 422, "invalid_webhook_url")
			}
			r := e.req("POST", "/v1/webhook-endpoints", key, map[string]any{"url": "https://93.184.215.14/hooks", "events": []string{"transfer.received", "money.printed"}})
			e.problem(r, 422, "invalid_request")
			if !strings.Contains(r.str("detail"), "money.printed") {
				t.Fatalf("detail does not name the bad event type: %s", r.raw)
			}
			e.problem(e.req("POST", "/v1/webhook-endpoints", key, map[string]any{"url": "https://93.184.215.14/hooks", "events": []string{}}), 422, "invalid_request")

			// A public address is accepted; changing it to a private one is not.
			ep, _ := e.createEndpoint(key, "https://93.184.215.14/hooks", "refund.created", "transfer.received", "refund.created")
			r = e.must(e.req("GET", "/v1/webhook-endpoints/"+ep, key, nil), 200)
			if evs, _ := r.body["events"].([]any); len(evs) != 2 || evs[0] != "refund.created" || r.str("secret") != "" {
				t.Fatalf("endpoint: %s (events sorted and distinct, no secret)", r.raw)
			}
			e.problem(e.req("PATCH", "/v1/webhook-endpoints/"+ep, key, map[string]any{"url": "http://10.1.1.1/"}), 422, "invalid_webhook_url")
			r = e.must(e.req("PATCH", "/v1/webhook-endpoints/"+ep, key, map[string]any{"status": "disabled", "description": "paused"}), 200)
			if r.str("status") != "disabled" || r.str("disabled_reason") != "disabled by the operator" || r.str("description") != "paused" || r.str("url") != "https://93.184.215.14/hooks" {
				t.Fatalf("patched: %s", r.raw)
			}
		})
	}
}

// An operator sees and changes only its own endpoints: another's are not
// found; the central bank has none.
func TestWebhookOperatorIsolation(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newHookEnv(t, open, true)
			_, keyA := e.funded("WIA")
			_, keyB := e.funded("WIB")
			wa1, wa2 := e.wallet(keyA, "100.00"), e.wallet(keyA, "")
			rcv := e.receiver(0)
			ep, _ := e.createEndpoint(keyA, rcv.URL, "transfer.received")
			e.pay(keyA, wa1, wa2, "1.00")
			e.run()
			d := e.deliveries(keyA, ep)[0]["id"].(string)

			if items := e.must(e.req("GET", "/v1/webhook-endpoints", keyB, nil), 200).items(); len(items) != 0 {
				t.Fatalf("operator B lists %v", items)
			}
			if items := e.must(e.req("GET", "/v1/webhook-endpoints", keyA, nil), 200).items(); len(items) != 1 {
				t.Fatalf("operator A lists %v", items)
			}
			for _, c := range []struct{ method, path string }{
				{"GET", "/v1/webhook-endpoints/" + ep},
				{"PATCH", "/v1/webhook-endpoints/" + ep},
				{"DELETE", "/v1/webhook-endpoints/" + ep},
				{"GET", "/v1/webhook-endpoints/" + ep + "/deliveries"},
				{"POST", "/v1/webhook-endpoints/" + ep + "/deliveries/" + d + "/retry"},
			} {
				var body any
				if c.method == "PATCH" {
					body = map[string]any{"status": "disabled"}
				}
				e.problem(e.req(c.method, c.path, keyB, body), 404, "not_found")
			}
			e.problem(e.req("GET", "/v1/webhook-endpoints", adminKey, nil), 403, "forbidden")
			// B's own endpoint does not get A's events.
			rcvB := e.receiver(0)
			e.createEndpoint(keyB, rcvB.URL, "transfer.received")
			e.pay(keyA, wa1, wa2, "2.00")
			e.run()
			if n := len(rcvB.requests()); n != 0 {
				t.Fatalf("operator B's endpoint got %d of A's events", n)
			}
			if n := len(rcv.requests()); n != 2 {
				t.Fatalf("operator A's endpoint got %d requests, want 2", n)
			}
			// A deletes its endpoint: gone, with its deliveries.
			e.must(e.req("DELETE", "/v1/webhook-endpoints/"+ep, keyA, nil), 204)
			e.problem(e.req("GET", "/v1/webhook-endpoints/"+ep+"/deliveries", keyA, nil), 404, "not_found")
		})
	}
}

// Events' data are the objects as the API renders them: a frozen wallet's
// holder is masked.
func TestWebhookWalletFrozenRendered(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newHookEnv(t, open, true)
			_, key := e.funded("WHF")
			w := e.wallet(key, "5.00")
			rcv := e.receiver(0)
			_, secret := e.createEndpoint(key, rcv.URL, "wallet.frozen")
			e.must(e.req("POST", "/v1/wallets/"+w+"/freeze", key, nil), 200)
			if n := e.run(); n != 1 {
				t.Fatalf("%d attempts, want 1", n)
			}
			b := e.checkSigned(secret, rcv.requests()[0])
			data := b["data"].(map[string]any)
			holder, _ := data["holder"].(map[string]any)
			if b["type"] != "wallet.frozen" || data["id"] != w || data["status"] != "frozen" || data["balance"] != "5.00" || holder["phone"] != "+86 138****5678" {
				t.Fatalf("wallet.frozen body: %s", rcv.requests()[0].body)
			}
		})
	}
}

// A creation with an Idempotency-Key is made once: a replay answers the
// same endpoint, without its secret, and another body with the key is
// idempotency_conflict.
func TestWebhookCreateIdempotent(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newHookEnv(t, open, true)
			_, key := e.funded("WHI")
			body := map[string]any{"url": "https://93.184.215.14/hooks", "events": []string{"refund.created"}}
			first := e.must(e.req("POST", "/v1/webhook-endpoints", key, body, "Idempotency-Key", "hooks-1"), 201)
			again := e.must(e.req("POST", "/v1/webhook-endpoints", key, body, "Idempotency-Key", "hooks-1"), 201)
			if again.str("id") != first.str("id") || again.str("secret") != "" || again.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay: %s (first %s)", again.raw, first.raw)
			}
			body["events"] = []string{"transfer.received"}
			e.problem(e.req("POST", "/v1/webhook-endpoints", key, body, "Idempotency-Key", "hooks-1"), 422, "idempotency_conflict")
			if n := len(e.must(e.req("GET", "/v1/webhook-endpoints", key, nil), 200).items()); n != 1 {
				t.Fatalf("%d endpoints, want 1", n)
			}
		})
	}
}

// EventRenderer renders an event's object exactly as the API's reads do.
func TestEventRenderer(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		render := httpapi.EventRenderer(e.svc, nil)
		_, key := e.funded("WHR")
		w1, w2 := e.wallet(key, "100.00"), e.wallet(key, "")
		same := func(typ string, obj any, path string, drop ...string) {
			t.Helper()
			raw, err := json.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			got, err := render(ingot.Event{ID: "ev", Type: typ, Object: raw})
			if err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
			want := e.must(e.req("GET", path, key, nil), 200).body
			for _, k := range drop {
				delete(want, k)
			}
			var g map[string]any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatal(err)
			}
			if gb, wb := fmt.Sprint(g), fmt.Sprint(want); gb != wb {
				t.Fatalf("%s renders\n%s\nGET %s answers\n%s", typ, got, path, wb)
			}
		}
		tid := e.must(e.req("POST", "/v1/transfers", key, map[string]any{"from": w1, "to": w2, "amount": "3.50", "currency": "CNY", "memo": "noodles"}), 201).str("id")
		tr, err := e.st.Transfer(ctx, tid)
		if err != nil {
			t.Fatal(err)
		}
		same("transfer.received", tr, "/v1/transfers/"+tid, "refunded")
		hid := e.must(e.req("POST", "/v1/holds", key, map[string]any{"wallet": w1, "amount": "2.00", "expires_at": e.clock.Now().Add(time.Hour)}), 201).str("id")
		h, err := e.st.Hold(ctx, hid)
		if err != nil {
			t.Fatal(err)
		}
		same("hold.expired", h, "/v1/holds/"+hid)
		// A type this version does not know passes as it is.
		if got, err := render(ingot.Event{Type: "future.thing", Object: json.RawMessage(`{"a":1}`)}); err != nil || string(got) != `{"a":1}` {
			t.Fatalf("unknown type: %s, %v", got, err)
		}
		if _, err := render(ingot.Event{Type: "transfer.sent", Object: json.RawMessage(`[`)}); err == nil {
			t.Fatal("a broken object rendered")
		}
	})
}
