package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The web is a client of the REST API like any other: every page calls the
// API's handler in-process with the visitor's own credential, so that the
// API's rules (scopes, operator isolation, payment approval, rate limits)
// apply to the web exactly as to an app.

// apiError is an API problem answer.
type apiError struct {
	Status int
	Code   string `json:"code"`
	Detail string `json:"detail"`
	// Authorization is a payment's approval to ask for (403 sca_required).
	Authorization map[string]any `json:"authorization"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Detail }

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

// call is one API request: in (JSON) as the body when not nil, the answer
// decoded into out when not nil (a string out receives the body as text).
// hdr are extra header pairs. An error answer is an *apiError.
func (w *Web) call(ctx context.Context, from *http.Request, cred, method, path string, in, out any, hdr ...string) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://ingot.internal"+path, body)
	if err != nil {
		return err
	}
	req.RemoteAddr = from.RemoteAddr // the API's rate limits and security events see the visitor
	req.TLS = from.TLS
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] != "" {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	rec := &recorder{h: http.Header{}}
	w.api.ServeHTTP(rec, req)
	if rec.status >= 400 {
		e := &apiError{Status: rec.status}
		if json.Unmarshal(rec.body.Bytes(), e) != nil || e.Code == "" {
			e.Code, e.Detail = "unavailable", strings.TrimSpace(rec.body.String())
		}
		return e
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *string:
		*o = rec.body.String()
		return nil
	default:
		if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
			return fmt.Errorf("web: %s %s: the API's answer does not decode: %w", method, path, err)
		}
		return nil
	}
}
