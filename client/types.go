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
	// insufficient_funds, idempotency_conflict or sca_required (for
	// OauthToken, the RFC 6749 error: invalid_grant, invalid_client, ...);
	// empty when the answer was not a problem (a proxy's error page).
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
	var oauth struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(raw, e) != nil || e.Code == "" {
		e = &Error{Title: http.StatusText(res.StatusCode), Detail: strings.TrimSpace(string(raw))}
		if json.Unmarshal(raw, &oauth) == nil && oauth.Error != "" {
			// The token endpoint's RFC 6749 error: its error is the code.
			e.Code, e.Detail = oauth.Error, oauth.Description
		}
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

// BatchResult is one item of a batch's answer: the transfer, the review
// that holds it, or the item's error. Exactly one of Transfer, InReview and
// Error is set.
type BatchResult struct {
	*Transfer
	// InReview is set when a risk rule held this item for review (in a
	// batch that is not atomic): the payment is not made, see [InReview].
	InReview *InReview `json:"-"`
	// Error is why this item failed; nil when it succeeded.
	Error *ItemError `json:"error,omitempty"`
}

// UnmarshalJSON reads one item of a batch's answer: {"error":{...}}, a
// review ({"status":"in_review","review_id","hold_id"}) or a transfer.
func (r *BatchResult) UnmarshalJSON(b []byte) error {
	var probe struct {
		Status string     `json:"status"`
		Error  *ItemError `json:"error"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	*r = BatchResult{}
	switch {
	case probe.Error != nil:
		r.Error = probe.Error
		return nil
	case probe.Status == inReviewStatus:
		r.InReview = new(InReview)
		return json.Unmarshal(b, r.InReview)
	default:
		r.Transfer = new(Transfer)
		return json.Unmarshal(b, r.Transfer)
	}
}

// inReviewStatus is the status of a payment held for review.
const inReviewStatus = "in_review"

// Error makes a payment held for review an error of the call that sent
// it: a risk rule of the central bank or of an operator (action review,
// docs/risk.md) held the payment, and the API answered 202 Accepted with
// {"status":"in_review","review_id","hold_id"} instead of a transfer. The
// payment is not made: its amount is a hold on the payer's wallet until
// the payer's operator or the central bank releases it (the payee is paid,
// GetReview then shows the transfer) or refuses it (the money is the
// payer's again). CreateTransfer, PayQR and ChargePaymentCode return it as
// their error, with a nil result; sent again with the same idempotency key,
// the payment answers the same review. Test for it with errors.As:
//
//	var held *client.InReview
//	if errors.As(err, &held) {
//		// not paid yet: held.ReviewID
//	}
//
// or with [Code], which says "in_review".
func (r *InReview) Error() string {
	return "ingot: 202 in_review: review " + r.ReviewID + ", hold " + r.HoldID
}

// heldForReview is the payment held for review that a 202 answer's body
// describes, or nil when the body is another 202 (a reveal asked for, an
// enrolment started).
func heldForReview(raw []byte) *InReview {
	var r InReview
	if json.Unmarshal(raw, &r) != nil || r.Status != inReviewStatus || r.ReviewID == "" {
		return nil
	}
	return &r
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
