package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot/client"
)

// The pages call the API through the Go client (package client), like any
// integrator: the client's requests are served in-process by the API's
// handler, with the visitor's own credential, so that the API's rules
// (scopes, operator isolation, payment approval, rate limits) apply to the
// web exactly as to an app.

// apiBase is the client's base URL; the requests never leave the process.
const apiBase = "http://ingot.internal"

// client is an API client with the session's credential, for this page
// request only. A holder whose access token expired is refreshed once,
// transparently (a session idle for long has ended already: see load).
func (q *req) client() *client.Client {
	return client.New(apiBase, client.WithHTTPClient(&http.Client{Transport: &visitor{q: q}}),
		client.WithAPIKey(q.cred()), client.WithRetries(2, time.Second))
}

// visitor is an http.RoundTripper that serves a client's request with the
// API's handler, as if it came from the page's visitor (its address and
// TLS, which the API's rate limits and security events see).
type visitor struct{ q *req }

func (v *visitor) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	res := v.serve(r, body)
	q := v.q
	if res.StatusCode == http.StatusUnauthorized && q.s.Kind == kindHolder && q.s.Refresh != "" && r.URL.Path != "/v1/auth/refresh" {
		var tok tokens
		rr := v.serve(mustRequest(r, "POST", "/v1/auth/refresh"), mustJSON(map[string]string{"refresh_token": q.s.Refresh}))
		if rr.StatusCode == http.StatusOK && json.NewDecoder(rr.Body).Decode(&tok) == nil && tok.Access != "" {
			q.s.Access, q.s.Refresh = tok.Access, tok.Refresh
			r = r.Clone(r.Context())
			r.Header.Set("Authorization", "Bearer "+tok.Access)
			res = v.serve(r, body)
		}
	}
	return res, nil
}

// serve runs one request through the API's handler.
func (v *visitor) serve(r *http.Request, body []byte) *http.Response {
	in := r.Clone(r.Context())
	in.Body = io.NopCloser(bytes.NewReader(body))
	in.ContentLength = int64(len(body))
	in.RemoteAddr = v.q.r.RemoteAddr
	in.TLS = v.q.r.TLS
	in.RequestURI = r.URL.RequestURI()
	rec := &recorder{h: http.Header{}}
	v.q.w.api.ServeHTTP(rec, in)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{StatusCode: rec.status, Status: http.StatusText(rec.status), Header: rec.h, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())), ContentLength: int64(rec.body.Len()), Request: r}
}

func mustRequest(like *http.Request, method, path string) *http.Request {
	r, _ := http.NewRequestWithContext(like.Context(), method, apiBase+path, nil)
	r.Header.Set("Content-Type", "application/json")
	return r
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// unauthorized says whether err is the API's 401: a credential that no
// longer works (a key revoked, a holder's session ended).
func unauthorized(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.Status == http.StatusUnauthorized
}

// detail is an API error's detail as a page shows it.
func detail(err error) (string, bool) {
	var ce *client.Error
	if errors.As(err, &ce) {
		if ce.Detail == "" {
			return strings.TrimSpace(ce.Title), true
		}
		return ce.Detail, true
	}
	return "", false
}

// recorder is an in-memory http.ResponseWriter.
type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
