package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Error is an answer of the API other than a success: the RFC 9457 problem
// (application/problem+json) with Ingot's stable snake_case code.
type Error struct {
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Code is the stable error code to branch on, such as
	// insufficient_funds, idempotency_conflict or sca_required; empty when
	// the answer was not a problem (a proxy's error page).
	Code string `json:"code"`
	// Type is a URI naming the problem type: urn:ingot:problem:<code>.
	Type string `json:"type"`
	// Title is the HTTP status text.
	Title string `json:"title"`
	// Detail says what went wrong in this occurrence.
	Detail string `json:"detail"`
	// Errors are the individual validation failures, when there are several.
	Errors []ProblemDetail `json:"errors,omitempty"`
	// Authorization is, with sca_required, the approval to verify
	// (VerifyAuthorization) before sending the request again with
	// WithAuthorization(its id).
	Authorization *Authorization `json:"authorization,omitempty"`
	// RetryAfter is the answer's Retry-After (rate limits, lock-outs,
	// unavailability); 0 when absent.
	RetryAfter time.Duration `json:"-"`
}

// Error returns "ingot: <status> <code>: <detail>".
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ingot: %d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	for _, d := range e.Errors {
		fmt.Fprintf(&b, "; %s: %s", d.Location, d.Message)
	}
	return b.String()
}

// problem decodes an answer of status 300 and more.
func problem(res *http.Response, raw []byte) *Error {
	e := &Error{}
	if json.Unmarshal(raw, e) != nil || e.Code == "" {
		e = &Error{Title: http.StatusText(res.StatusCode), Detail: strings.TrimSpace(string(raw))}
		if len(e.Detail) > 512 {
			e.Detail = e.Detail[:512]
		}
	}
	e.Status = res.StatusCode
	e.RetryAfter = retryAfter(res.Header, time.Now())
	return e
}

// List is a page of a list: its items, and the cursor of the next page
// (empty on the last page).
type List[T any] struct {
	// Items are the page's items.
	Items []T `json:"items"`
	// NextCursor is passed as cursor for the next page; empty on the last
	// page.
	NextCursor string `json:"next_cursor"`
}

// BatchResult is one item of a batch's answer: the transfer, or the
// item's error.
type BatchResult struct {
	*Transfer
	// Error is why this item failed; nil when it succeeded.
	Error *ItemError `json:"error,omitempty"`
}

// isObject reports whether the keys of m are all known and include every
// required key.
func isObject(m map[string]json.RawMessage, required, known []string) bool {
	for _, k := range required {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	for k := range m {
		if !slices.Contains(known, k) {
			return false
		}
	}
	return true
}
