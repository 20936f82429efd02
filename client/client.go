// Package client is a typed Go client for Ingot's REST API.
//
// Every operation of the API is a method of [Client], named after its
// OpenAPI operationId with the first letter upper-cased (CreateTransfer for
// createTransfer); api.go is generated from the server's /openapi.json and
// a test checks that it covers every operation. Methods take a
// [context.Context] first, then the path parameters in path order, the
// required query parameters, the request body and a struct of optional
// query parameters, and finally [CallOption]s.
//
// Errors the API answers are [*Error]s carrying the RFC 9457 problem and its
// stable code. Every POST, PUT, PATCH and DELETE carries an Idempotency-Key,
// generated when the caller gives none ([WithIdempotencyKey]), so that
// answers of 503 unavailable and 429 rate_limited are retried safely,
// honouring Retry-After.
//
// A payment that a risk rule holds for review is not made: the API answers
// 202 Accepted with the review instead of a transfer, and the method that
// sent it (CreateTransfer, PayQR, ChargePaymentCode) returns a nil result
// and an [*InReview] as its error. In a batch's answer, such an item is a
// [BatchResult] with InReview set.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Client calls one Ingot server with one credential. It is safe for
// concurrent use.
type Client struct {
	base     string
	hc       *http.Client
	token    string
	attempts int
	maxWait  time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey authenticates every call with an organisation's API key
// (Authorization: Bearer ingot_live_...).
func WithAPIKey(key string) Option { return func(c *Client) { c.token = key } }

// WithAccessToken authenticates every call with a holder's access token
// (from Login and VerifyLogin, or ConfirmEnrollment).
func WithAccessToken(token string) Option { return func(c *Client) { c.token = token } }

// WithHTTPClient sends the requests with hc instead of http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithRetries sets how many times a call is sent at most when the server
// answers 503 or 429 (default 3; 1 never retries), and the longest wait
// between two attempts (default 5 seconds): a Retry-After longer than that
// is returned as the error rather than waited for.
func WithRetries(attempts int, maxWait time.Duration) Option {
	return func(c *Client) { c.attempts, c.maxWait = max(attempts, 1), maxWait }
}

// New returns a client of the server at baseURL (such as
// "https://ingot.example"; a trailing slash is ignored).
func New(baseURL string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), hc: http.DefaultClient, attempts: 3, maxWait: 5 * time.Second}
	for _, o := range opts {
		o(c)
	}
	return c
}

// WithCredential returns a copy of c that authenticates with another API
// key or access token.
func (c *Client) WithCredential(credential string) *Client {
	d := *c
	d.token = credential
	return &d
}

// CallOption configures one call.
type CallOption func(*call)

type call struct {
	idemKey string
	authz   string
	header  http.Header
	resp    *http.Header
}

// WithIdempotencyKey sends key as the call's Idempotency-Key instead of a
// generated one. Sending a request again with the same key and body
// replays the first answer (header Idempotent-Replayed: true).
func WithIdempotencyKey(key string) CallOption { return func(c *call) { c.idemKey = key } }

// WithAuthorization sends the id of an approved authorization as
// Ingot-Authorization: a holder's payment that was answered sca_required
// (see [Error].Authorization), once approved with VerifyAuthorization.
func WithAuthorization(id string) CallOption { return func(c *call) { c.authz = id } }

// WithHeader adds a request header to the call.
func WithHeader(key, value string) CallOption {
	return func(c *call) {
		if c.header == nil {
			c.header = http.Header{}
		}
		c.header.Add(key, value)
	}
}

// ResponseHeader stores the headers of the call's answer (success or
// problem) in *h, such as Idempotent-Replayed.
func ResponseHeader(h *http.Header) CallOption { return func(c *call) { c.resp = h } }

// NewIdempotencyKey returns a fresh idempotency key (a UUIDv7), as the
// client generates when a call is given none.
func NewIdempotencyKey() string { return uuid.Must(uuid.NewV7()).String() }

// do sends one operation: body (nil: none) as JSON, and decodes the
// answer into out (nil: ignored; *[]byte: the body as is).
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any, opts []CallOption) error {
	var cl call
	for _, o := range opts {
		o(&cl)
	}
	var payload []byte
	if rb, ok := body.(RawBody); ok { // a body that is not JSON, sent as is
		payload = rb.Data
		WithHeader("Content-Type", rb.ContentType)(&cl)
	} else if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("ingot: %s %s: encode body: %w", method, path, err)
		}
	}
	if cl.idemKey == "" && method != http.MethodGet && method != http.MethodHead {
		cl.idemKey = NewIdempotencyKey()
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	for attempt := 1; ; attempt++ {
		res, raw, err := c.send(ctx, method, u, payload, &cl)
		if err != nil {
			return err
		}
		if cl.resp != nil {
			*cl.resp = res.Header
		}
		if res.StatusCode >= 300 {
			e := problem(res, raw)
			if (res.StatusCode == http.StatusServiceUnavailable || res.StatusCode == http.StatusTooManyRequests) && attempt < c.attempts {
				wait := e.RetryAfter
				if wait == 0 {
					wait = time.Duration(1<<(attempt-1)) * 250 * time.Millisecond
				}
				if wait <= c.maxWait {
					if err := sleep(ctx, wait); err != nil {
						return err
					}
					continue
				}
			}
			return e
		}
		if res.StatusCode == http.StatusAccepted {
			if held := heldForReview(raw); held != nil {
				return held
			}
		}
		switch o := out.(type) {
		case nil:
		case *[]byte:
			*o = raw
		default:
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("ingot: %s %s: decode answer: %w", method, path, err)
			}
		}
		return nil
	}
}

func (c *Client) send(ctx context.Context, method, u string, payload []byte, cl *call) (*http.Response, []byte, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, fmt.Errorf("ingot: %w", err)
	}
	for k, vs := range cl.header {
		req.Header[k] = vs
	}
	if payload != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if cl.idemKey != "" {
		req.Header.Set("Idempotency-Key", cl.idemKey)
	}
	if cl.authz != "" {
		req.Header.Set("Ingot-Authorization", cl.authz)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("ingot: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("ingot: %s %s: read answer: %w", method, req.URL.Path, err)
	}
	return res, raw, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; 0 when
// absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Code returns the problem code of an API error (such as
// "insufficient_funds"), "in_review" for a payment held for review
// ([*InReview]), or "" when err is neither.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var held *InReview
	if errors.As(err, &held) {
		return inReviewStatus
	}
	return ""
}
