package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	ingotclient "github.com/ingot-cbdc/ingot/client"
)

// client speaks to one Ingot server over keep-alive connections.
type client struct {
	base string
	hc   *http.Client
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns + 16,
		MaxIdleConnsPerHost: conns + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &client{base: strings.TrimRight(base, "/"), hc: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// callError is a failed call: the problem+json code of a non-2xx answer, or
// a transport error class. ambiguous: the request may have been applied.
type callError struct {
	code      string
	status    int
	detail    string
	ambiguous bool
}

func (e *callError) Error() string {
	if e.status != 0 {
		return fmt.Sprintf("%d %s: %s", e.status, e.code, e.detail)
	}
	return e.code + ": " + e.detail
}

// do sends a request and reads the whole answer into buf. A non-2xx answer
// is a *callError with the problem's code.
func (c *client) do(ctx context.Context, method, path, key string, body []byte, idem string, buf *bytes.Buffer) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, transportError(err)
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return resp.StatusCode, transportError(err)
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, problemError(resp.StatusCode, buf.Bytes())
	}
	return resp.StatusCode, nil
}

// problemError reads an RFC 9457 problem's code.
func problemError(status int, body []byte) *callError {
	var p struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &p) != nil || p.Code == "" {
		return &callError{code: "http_" + strconv.Itoa(status), status: status, detail: strings.TrimSpace(string(body[:min(len(body), 200)]))}
	}
	// A 503 means the database did not commit: nothing was applied.
	return &callError{code: p.Code, status: status, detail: p.Detail}
}

// transportError classes an error of the HTTP client. The request may or
// may not have reached the server, so its effect is unknown.
func transportError(err error) *callError {
	class := "net_other"
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		class = "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		class = "net_timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		class = "net_refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		class = "net_reset"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		class = "net_no_ports"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		class = "net_eof"
	}
	return &callError{code: class, detail: err.Error(), ambiguous: true}
}

// api is the Go client (package client) with an API key, over the same
// connections as the load: setup and checks call the API through it, as
// any integrator would. The load's own requests (load.go) are written by
// hand on purpose: pre-encoded bodies and reused buffers keep the load
// generator, which shares the machine with the server, from measuring
// itself.
func (c *client) api(key string) *ingotclient.Client {
	return ingotclient.New(c.base, ingotclient.WithHTTPClient(c.hc), ingotclient.WithAPIKey(key))
}
