package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

// The deliverer sends the outbox. Every engine batch writes, in its own
// transaction, a pending Delivery per event and subscribed endpoint; the
// deliverer of every process polls for endpoints with a due delivery,
// leases one (Store.ClaimEndpoint: one process at a time per endpoint),
// posts its pending deliveries in Seq order and records each attempt while
// it holds the lease. A failure stops the endpoint's sends, so that a later
// event never overtakes an earlier one; the failed delivery is retried by
// the backoff schedule until GiveUp after its creation, then it fails for
// good, the endpoint is disabled and its operator told by a security event
// (webhook.disabled).
//
// Delivery is at least once: a process killed after the receiver answered
// and before the attempt was recorded leaves the delivery pending, and once
// its lease runs out another process sends it again, with the same
// webhook-id. Receivers dedupe by webhook-id. Without a crash, each event
// is sent to each endpoint exactly once, whatever the number of processes:
// an attempt starts only while enough of the lease is left for it to end
// (Timeout) and be recorded.

// recordMargin is the part of a lease kept for recording the last attempt.
const recordMargin = 2 * time.Second

// maxResponse is how much of an answer's body is read (and discarded), so
// that the connection can be reused.
const maxResponse = 64 << 10

// pendingBatch is how many deliveries one lease sends at most.
const pendingBatch = 100

// UserAgent is the User-Agent of deliveries.
const UserAgent = "Ingot-Webhooks/1"

// Payload is the body of a delivery.
type Payload struct {
	ID        string          `json:"id"` // the event's id, also webhook-id
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"` // the object, as the API renders it
}

// Deliverer sends webhook deliveries: Run in every `ingot serve` process.
type Deliverer struct {
	st     Store
	keys   *pii.Keys
	opt    Options
	owner  string // this process's lease owner prefix
	client *http.Client

	mu    sync.Mutex
	woken chan struct{} // closed by Wake
}

// NewDeliverer returns a deliverer over a store; secrets are opened with
// keys.
func NewDeliverer(st Store, keys *pii.Keys, opt Options) *Deliverer {
	opt = opt.withDefaults()
	if opt.Timeout > opt.Lease/2 {
		opt.Timeout = opt.Lease / 2 // an attempt fits in a lease
	}
	guard := Guard{AllowPrivate: opt.AllowPrivate}
	dialer := &net.Dialer{Timeout: opt.Timeout, KeepAlive: 30 * time.Second, Control: guard.Control}
	tr := &http.Transport{
		Proxy:                 nil, // never through a proxy: the guard checks the address dialled
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   opt.Timeout,
		ResponseHeaderTimeout: opt.Timeout,
	}
	return &Deliverer{st: st, keys: keys, opt: opt, owner: processOwner(), woken: make(chan struct{}),
		client: &http.Client{
			Transport: tr,
			Timeout:   opt.Timeout,
			// A redirect is a failure (the Standard Webhooks advice): the
			// operator updates the URL instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
}

// processOwner names this process's leases: host, pid and a random part.
func processOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + ":" + strconv.Itoa(os.Getpid()) + ":" + hex.EncodeToString(b[:])
}

// Wake makes the deliverer look for due deliveries now rather than at its
// next poll.
func (d *Deliverer) Wake() {
	d.mu.Lock()
	close(d.woken)
	d.woken = make(chan struct{})
	d.mu.Unlock()
}

func (d *Deliverer) wakeChan() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.woken
}

func (d *Deliverer) now() time.Time { return d.opt.Now().UTC().Truncate(time.Microsecond) }

// Run sends deliveries until ctx ends, with Options.Workers endpoints at a
// time, looking for due ones every Options.Poll and when woken. Once ctx
// ends it starts no attempt, and returns when the attempts under way have
// ended and been recorded (within Options.Timeout).
func (d *Deliverer) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := range d.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.work(ctx, d.owner+"/"+strconv.Itoa(i))
		}()
	}
	wg.Wait()
}

func (d *Deliverer) work(ctx context.Context, owner string) {
	t := time.NewTimer(d.opt.Poll)
	defer t.Stop()
	for {
		woken := d.wakeChan()
		for ctx.Err() == nil {
			sent, err := d.sendOne(ctx, owner)
			if err != nil && ctx.Err() == nil {
				d.opt.Logger.ErrorContext(ctx, "webhook deliverer", "err", err)
			}
			if sent == 0 || err != nil {
				break
			}
		}
		t.Reset(d.opt.Poll)
		select {
		case <-ctx.Done():
			return
		case <-woken:
		case <-t.C:
		}
	}
}

// RunOnce sends what is due now, one endpoint at a time, until nothing is
// left that can be sent, and returns how many attempts it made (tests;
// Run is the loop).
func (d *Deliverer) RunOnce(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := d.sendOne(ctx, d.owner+"/once")
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// sendOne leases an endpoint with a due delivery and sends its due
// deliveries in order, stopping at a failure; it returns how many attempts
// it made (0 when nothing was due).
func (d *Deliverer) sendOne(ctx context.Context, owner string) (int, error) {
	start := d.now()
	e, err := d.st.ClaimEndpoint(ctx, owner, start, d.opt.Lease)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("claiming an endpoint: %w", err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := d.st.ReleaseEndpoint(rctx, e.ID, owner); err != nil {
			d.opt.Logger.WarnContext(ctx, "webhook: releasing an endpoint's lease", "endpoint", e.ID, "err", err)
		}
	}()
	secret, err := Secret(d.keys, e)
	if err != nil {
		return 0, fmt.Errorf("endpoint %s: its secret does not open: %w", e.ID, err)
	}
	ds, err := d.st.PendingDeliveries(ctx, e.ID, pendingBatch)
	if err != nil {
		return 0, fmt.Errorf("endpoint %s: pending deliveries: %w", e.ID, err)
	}
	// The last attempt must end, and be recorded, within the lease.
	last := start.Add(d.opt.Lease - d.opt.Timeout - min(recordMargin, d.opt.Lease/4))
	n := 0
	for i := range ds {
		now := d.now()
		if now.After(last) || ds[i].NextAt.After(now) || ctx.Err() != nil {
			break // out of lease, or not due: later ones wait (order)
		}
		ok, err := d.attempt(ctx, owner, e, secret, &ds[i])
		n++
		if err != nil || !ok {
			return n, err
		}
	}
	return n, nil
}

// attempt sends one delivery and records the outcome; it reports whether it
// succeeded (the next may be sent).
func (d *Deliverer) attempt(ctx context.Context, owner string, e Endpoint, secret string, dl *Delivery) (bool, error) {
	body, err := d.body(dl)
	code, errText := 0, ""
	if err != nil {
		errText = "rendering the event: " + err.Error()
	} else {
		// An attempt under way ends (within Timeout) and is recorded even
		// when ctx ends: a graceful stop sends nothing twice.
		code, errText = d.post(context.WithoutCancel(ctx), e, secret, dl.EventID, body)
	}
	now := d.now()
	dl.Attempts++
	dl.LastAt, dl.LastCode, dl.LastError = now, code, errText
	ok := code >= 200 && code <= 299
	giveUp := false
	switch {
	case ok:
		dl.Status, dl.DoneAt = DeliverySucceeded, now
	case now.Sub(dl.CreatedAt) >= d.opt.GiveUp:
		dl.Status, dl.DoneAt = DeliveryFailed, now
		giveUp = true
	default:
		next := now.Add(d.opt.Backoff[min(dl.Attempts, len(d.opt.Backoff))-1])
		dl.NextAt = minTime(next, dl.CreatedAt.Add(d.opt.GiveUp)) // a last attempt at GiveUp
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.st.RecordAttempt(rctx, owner, *dl); errors.Is(err, store.ErrConflict) {
		return false, fmt.Errorf("endpoint %s: the lease ran out before delivery %s was recorded", e.ID, dl.ID)
	} else if err != nil {
		return false, fmt.Errorf("endpoint %s: recording delivery %s: %w", e.ID, dl.ID, err)
	}
	log := d.opt.Logger.With("endpoint", e.ID, "delivery", dl.ID, "event", dl.EventID, "type", dl.EventType, "attempt", dl.Attempts)
	switch {
	case ok:
		log.DebugContext(ctx, "webhook delivered", "status", code)
	case giveUp:
		log.WarnContext(ctx, "webhook delivery failed for good; disabling the endpoint", "status", code, "err", errText)
		d.disable(rctx, e, dl)
	default:
		log.InfoContext(ctx, "webhook delivery failed; will retry", "status", code, "err", errText, "next_at", dl.NextAt)
	}
	return ok, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// body renders a delivery's event.
func (d *Deliverer) body(dl *Delivery) ([]byte, error) {
	var ev ingot.Event
	if err := json.Unmarshal(dl.Event, &ev); err != nil {
		return nil, fmt.Errorf("the stored event does not decode: %w", err)
	}
	data := ev.Object
	if d.opt.Render != nil {
		var err error
		if data, err = d.opt.Render(ev); err != nil {
			return nil, err
		}
	}
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	return json.Marshal(Payload{ID: ev.ID, Type: ev.Type, CreatedAt: ev.CreatedAt.UTC(), Data: data})
}

// post sends a signed body; it returns the answer's status (0 when none
// came) and what went wrong ("" on a 2xx answer).
func (d *Deliverer) post(ctx context.Context, e Endpoint, secret, id string, body []byte) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, d.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "the endpoint's URL: " + err.Error()
	}
	ts := d.now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderID, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(secret, id, ts, body))
	res, err := d.client.Do(req)
	if err != nil {
		return 0, truncate(err.Error(), 500)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxResponse))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, "HTTP " + res.Status
	}
	return res.StatusCode, ""
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// disable disables an endpoint whose delivery gave up, and tells its
// operator.
func (d *Deliverer) disable(ctx context.Context, e Endpoint, dl *Delivery) {
	cur, err := d.st.Endpoint(ctx, e.ID)
	if err != nil {
		d.opt.Logger.ErrorContext(ctx, "webhook: reading an endpoint to disable it", "endpoint", e.ID, "err", err)
		return
	}
	last := dl.LastError
	if last == "" {
		last = "HTTP " + strconv.Itoa(dl.LastCode)
	}
	reason := fmt.Sprintf("failing since %s: event %s (%s) was not delivered after %d attempts over %s (last: %s)",
		dl.CreatedAt.UTC().Format(time.RFC3339), dl.EventID, dl.EventType, dl.Attempts, d.opt.GiveUp, last)
	reason = truncate(reason, 500)
	if cur.Status == StatusEnabled {
		cur.Status, cur.DisabledReason, cur.UpdatedAt = StatusDisabled, reason, d.now()
		if err := d.st.UpdateEndpoint(ctx, cur); err != nil {
			d.opt.Logger.ErrorContext(ctx, "webhook: disabling an endpoint", "endpoint", e.ID, "err", err)
			return
		}
	}
	if d.opt.Record != nil {
		d.opt.Record(ctx, auth.SecurityEvent{Type: auth.EventWebhookDisabled, Operators: []string{e.OperatorID},
			Subject: "webhook endpoint " + e.ID + " (" + truncate(e.URL, 200) + ")", Detail: reason})
	}
}
