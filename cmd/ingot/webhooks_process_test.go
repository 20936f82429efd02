package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/internal/testdb"
	"github.com/ingot-cbdc/ingot/webhook"
)

// hookSink receives webhooks for process tests: it records every request
// by path (one path per endpoint), checks its signature with the endpoint's
// secret, and can hold one request until the test lets it go.
type hookSink struct {
	*httptest.Server
	t       *testing.T
	mu      sync.Mutex
	secrets map[string]string   // path -> secret
	got     map[string][]string // path -> event ids, in arrival order
	data    map[string]string   // event id -> data.id (the transfer)
	bad     []string            // what failed verification
	// holdAt, when > 0: the holdAt-th request (1-based) signals held and
	// waits for release before answering.
	holdAt  int
	n       int
	held    chan string // the held request's event id
	release chan struct{}
}

func newHookSink(t *testing.T) *hookSink {
	s := &hookSink{t: t, secrets: map[string]string{}, got: map[string][]string{}, data: map[string]string{},
		held: make(chan string, 1), release: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.mu.Lock()
		if s.holdAt > 0 {
			s.holdAt = 0
			close(s.release)
		}
		s.mu.Unlock()
		s.Close()
	})
	return s
}

func (s *hookSink) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	id := r.Header.Get("webhook-id")
	var b struct {
		ID   string `json:"id"`
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	s.mu.Lock()
	secret := s.secrets[r.URL.Path]
	if err := webhook.Verify(secret, r.Header, body, time.Now(), 0); err != nil {
		s.bad = append(s.bad, fmt.Sprintf("%s %s: %v", r.URL.Path, id, err))
	} else if err := json.Unmarshal(body, &b); err != nil || b.ID != id {
		s.bad = append(s.bad, fmt.Sprintf("%s %s: body %s", r.URL.Path, id, body))
	}
	s.got[r.URL.Path] = append(s.got[r.URL.Path], id)
	s.data[id] = b.Data.ID
	s.n++
	hold := s.holdAt > 0 && s.n == s.holdAt
	s.mu.Unlock()
	if hold {
		s.held <- id
		<-s.release
	}
	w.WriteHeader(http.StatusNoContent)
}

// ids returns the event ids a path received, in arrival order.
func (s *hookSink) ids(path string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got[path])
}

// waitDistinct waits until a path has received n distinct events.
func (s *hookSink) waitDistinct(path string, n int, timeout time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ids := s.ids(path)
		slices.Sort(ids)
		if len(slices.Compact(ids)) >= n {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s received %d distinct events of %d within %s", path, len(ids), n, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *hookSink) checkSignatures() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bad) > 0 {
		s.t.Fatalf("%d deliveries failed verification: %v", len(s.bad), s.bad)
	}
}

// endpoint adds an endpoint at the sink's path on p.
func (s *hookSink) endpoint(p *proc, key, path string, events ...string) string {
	s.t.Helper()
	r := p.must(201, "POST", "/v1/webhook-endpoints", key, map[string]any{"url": s.URL + path, "events": events})
	s.mu.Lock()
	s.secrets[path] = r.str("secret")
	s.mu.Unlock()
	return r.str("id")
}

// deliveredOrder lists an endpoint's deliveries' event ids in Seq order.
func deliveredOrder(p *proc, key, ep string) []string {
	p.t.Helper()
	r := p.must(200, "GET", "/v1/webhook-endpoints/"+ep+"/deliveries?limit=500", key, nil)
	items, _ := r.body["items"].([]any)
	var ids []string
	for _, it := range items {
		ids = append(ids, it.(map[string]any)["event_id"].(string))
	}
	slices.Reverse(ids)
	return ids
}

// TestWebhookKill9DuringDelivery kills `ingot serve` with SIGKILL while a
// receiver holds one of its deliveries (received, not yet answered): after
// a restart every event arrives, the held one again (at least once), none
// other twice, in order.
func TestWebhookKill9DuringDelivery(t *testing.T) {
	t.Parallel()
	for _, kind := range testdb.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := testdb.NewDSN(t, kind)
			sink := newHookSink(t)
			sink.holdAt = 5
			args := []string{"--sandbox", "--webhook-lease", "2s"}
			p := startProc(t, "first", db, args...)
			_, key := p.operator("WHK", "100000.00")
			w1, w2 := p.wallet(key, "1000.00"), p.wallet(key, "")
			ep := sink.endpoint(p, key, "/till", "transfer.received")
			const n = 20
			var transfers []string
			for range n {
				transfers = append(transfers, p.must(201, "POST", "/v1/transfers", key,
					map[string]any{"from": w1, "to": w2, "amount": "1.00", "currency": "CNY"}).str("id"))
			}
			var held string
			select {
			case held = <-sink.held:
			case <-time.After(30 * time.Second):
				t.Fatalf("no delivery reached the receiver; it got %v", sink.ids("/till"))
			}
			p.kill()
			sink.mu.Lock()
			sink.holdAt = 0
			close(sink.release)
			sink.mu.Unlock()

			p2 := startProc(t, "restarted", db, args...)
			sink.waitDistinct("/till", n, 30*time.Second)
			time.Sleep(500 * time.Millisecond) // any late duplicate
			sink.checkSignatures()
			got := sink.ids("/till")
			seen := map[string]int{}
			var first []string
			for _, id := range got {
				if seen[id]++; seen[id] == 1 {
					first = append(first, id)
				}
			}
			if seen[held] != 2 {
				t.Errorf("the held event %s arrived %d times, want 2 (once before the kill, again after)", held, seen[held])
			}
			for id, c := range seen {
				if c > 1 && id != held {
					t.Errorf("event %s arrived %d times; only the held one may arrive twice", id, c)
				}
			}
			var order []string
			sink.mu.Lock()
			for _, id := range first {
				order = append(order, sink.data[id])
			}
			sink.mu.Unlock()
			if !slices.Equal(order, transfers) {
				t.Errorf("transfers received in the order\n%v\nwant\n%v", order, transfers)
			}
			if want := deliveredOrder(p2, key, ep); !slices.Equal(first, want) {
				t.Errorf("events received in the order\n%v\ndeliveries' order\n%v", first, want)
			}
			p2.stopGracefully()
		})
	}
}

// TestWebhookTwoProcesses runs two `ingot serve --sandbox` processes on one
// PostgreSQL database, each taking payments and each running a deliverer:
// every event reaches every endpoint exactly once (no crash, so no
// duplicate), in each endpoint's order.
func TestWebhookTwoProcesses(t *testing.T) {
	t.Parallel()
	db := testdb.NewDSN(t, "postgres")
	sink := newHookSink(t)
	p1 := startProc(t, "p1", db, "--sandbox")
	p2 := startProc(t, "p2", db, "--sandbox")
	procs := []*proc{p1, p2}
	_, key := p1.operator("WH2", "100000.00")
	w1, w2 := p1.wallet(key, "2000.00"), p1.wallet(key, "")
	const endpoints, payments = 4, 30
	eps := make([]string, endpoints)
	for i := range eps {
		eps[i] = sink.endpoint(procs[i%2], key, fmt.Sprintf("/ep/%d", i), "transfer.sent", "transfer.received")
	}
	var wg sync.WaitGroup
	errs := make(chan error, payments)
	for i := range payments {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := procs[i%2].do("POST", "/v1/transfers", key, map[string]any{"from": w1, "to": w2, "amount": "1.00", "currency": "CNY"})
			if err == nil && r.status != 201 {
				err = fmt.Errorf("payment %d: %s", i, r)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range eps {
		sink.waitDistinct(fmt.Sprintf("/ep/%d", i), 2*payments, 30*time.Second)
	}
	time.Sleep(time.Second) // any late duplicate
	sink.checkSignatures()
	for i, ep := range eps {
		got := sink.ids(fmt.Sprintf("/ep/%d", i))
		if len(got) != 2*payments {
			t.Errorf("endpoint %d received %d requests for %d events: duplicates without a crash", i, len(got), 2*payments)
		}
		if want := deliveredOrder(procs[i%2], key, ep); !slices.Equal(got, want) {
			t.Errorf("endpoint %d received\n%v\nin the deliveries' order\n%v", i, strings.Join(got, " "), strings.Join(want, " "))
		}
	}
}
