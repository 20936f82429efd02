package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/ingot-cbdc/ingot"
)

// Codes the HTTP layer adds to the domain's codes, for requests that never
// reach a handler.
const (
	codeMethodNotAllowed     = "method_not_allowed"
	codeUnsupportedMediaType = "unsupported_media_type"
	codeNotAcceptable        = "not_acceptable"
)

// Problem is an RFC 9457 problem detail with Ingot's stable snake_case code.
// Every error the API answers, from a handler, from huma's request
// validation or from the router, has this shape.
type Problem struct {
	Type   string           `json:"type" doc:"A URI naming the problem type: urn:ingot:problem:<code>."`
	Title  string           `json:"title" doc:"The HTTP status text."`
	Status int              `json:"status" doc:"The HTTP status code."`
	Detail string           `json:"detail" doc:"What went wrong in this occurrence."`
	Code   string           `json:"code" doc:"Stable snake_case error code clients branch on, e.g. insufficient_funds."`
	Errors []*ProblemDetail `json:"errors,omitempty" doc:"Individual validation failures, when there are several."`
	// Authorization is the approval a sca_required answer asks for.
	Authorization *Authorization `json:"authorization,omitempty" doc:"With sca_required: the approval to verify (POST /v1/authorizations/{id}/verify) before sending the request again with Ingot-Authorization: <id>."`

	headers http.Header // sent with the answer (Retry-After)
}

// GetHeaders are headers to send with the problem (huma.HeadersError).
func (p *Problem) GetHeaders() http.Header {
	if p.headers == nil {
		p.headers = http.Header{}
	}
	return p.headers
}

// ProblemDetail is one validation failure: where and what.
type ProblemDetail struct {
	Location string `json:"location,omitempty" doc:"Where the failure is, e.g. body.amount."`
	Message  string `json:"message" doc:"What is wrong there."`
}

func (p *Problem) Error() string  { return p.Code + ": " + p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes JSON errors application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" || ct == "" {
		return "application/problem+json"
	}
	return ct
}

// status is the HTTP status of an error code; an unknown code is a bug: 500.
func status(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// problemOf renders a domain error.
func problemOf(e *ingot.Error) *Problem {
	st := status(e.Code)
	return &Problem{Type: typeURI(e.Code), Title: http.StatusText(st), Status: st, Detail: e.Detail, Code: e.Code}
}

// statusOf is the one HTTP status of each error code.
var statusOf = map[string]int{
	ingot.CodeMalformedRequest:    http.StatusBadRequest,
	ingot.CodeInvalidRequest:      http.StatusUnprocessableEntity,
	ingot.CodeInvalidAmount:       http.StatusUnprocessableEntity,
	ingot.CodeInvalidCurrency:     http.StatusUnprocessableEntity,
	ingot.CodeCurrencyMismatch:    http.StatusUnprocessableEntity,
	ingot.CodeInvalidWalletID:     http.StatusUnprocessableEntity,
	ingot.CodeInvalidCursor:       http.StatusBadRequest,
	ingot.CodeNotFound:            http.StatusNotFound,
	ingot.CodeUnauthorized:        http.StatusUnauthorized,
	ingot.CodeForbidden:           http.StatusForbidden,
	ingot.CodeOperatorNotAdmitted: http.StatusForbidden,
	ingot.CodeQuoteUnavailable:    http.StatusConflict,
	ingot.CodeInsufficientFunds:   http.StatusUnprocessableEntity,
	ingot.CodeWalletFrozen:        http.StatusUnprocessableEntity,
	ingot.CodeWalletClosed:        http.StatusUnprocessableEntity,
	ingot.CodeWalletNotEmpty:      http.StatusConflict,
	ingot.CodeSameAccount:         http.StatusUnprocessableEntity,
	ingot.CodeLimitExceeded:       http.StatusUnprocessableEntity,
	ingot.CodeTierRequirements:    http.StatusUnprocessableEntity,
	ingot.CodeHoldNotPending:      http.StatusConflict,
	ingot.CodeHoldExpired:         http.StatusConflict,
	ingot.CodeAmountExceedsHold:   http.StatusUnprocessableEntity,
	ingot.CodeBalanceOverflow:     http.StatusUnprocessableEntity,
	ingot.CodeConflict:            http.StatusConflict,
	ingot.CodeIdempotencyConflict: http.StatusUnprocessableEntity,
	ingot.CodeLinkedFailed:        http.StatusUnprocessableEntity,
	ingot.CodeBodyTooLarge:        http.StatusRequestEntityTooLarge,
	ingot.CodeRateLimited:         http.StatusTooManyRequests,
	ingot.CodeUnavailable:         http.StatusServiceUnavailable,
	ingot.CodeInternal:            http.StatusInternalServerError,

	ingot.CodeWeakPIN:               http.StatusUnprocessableEntity,
	ingot.CodeInvalidCredentials:    http.StatusUnauthorized,
	ingot.CodeInvalidCode:           http.StatusUnauthorized,
	ingot.CodeInvalidToken:          http.StatusUnauthorized,
	ingot.CodeTooManyAttempts:       http.StatusTooManyRequests,
	ingot.CodeSCARequired:           http.StatusForbidden,
	ingot.CodeAuthorizationMismatch: http.StatusForbidden,
	ingot.CodeAuthorizationUsed:     http.StatusForbidden,
	ingot.CodeAuthorizationPending:  http.StatusForbidden,
	ingot.CodeInsufficientScope:     http.StatusForbidden,

	ingot.CodeInvalidQR:             http.StatusUnprocessableEntity,
	ingot.CodePaymentRequestClosed:  http.StatusConflict,
	ingot.CodePaymentRequestExpired: http.StatusConflict,
	ingot.CodePaymentCodeInvalid:    http.StatusNotFound,
	ingot.CodeRefundExceedsPayment:  http.StatusUnprocessableEntity,

	ingot.CodeInvalidWebhookURL:      http.StatusUnprocessableEntity,
	ingot.CodeInvalidRule:            http.StatusUnprocessableEntity,
	ingot.CodeRiskDenied:             http.StatusForbidden,
	ingot.CodeAlertClosed:            http.StatusConflict,
	ingot.CodeReviewClosed:           http.StatusConflict,
	ingot.CodeCrossBorderNotAllowed:  http.StatusForbidden,
	ingot.CodeCorridorLimitExceeded:  http.StatusUnprocessableEntity,
	ingot.CodePurposeRequired:        http.StatusUnprocessableEntity,
	ingot.CodeInvalidCondition:       http.StatusUnprocessableEntity,
	ingot.CodeConditionalClosed:      http.StatusConflict,
	ingot.CodeConditionNotMet:        http.StatusConflict,
	ingot.CodeVoucherProgramConflict: http.StatusConflict,
	ingot.CodeInvalidPreimage:        http.StatusUnprocessableEntity,
	ingot.CodeCaseClosed:             http.StatusConflict,
	ingot.CodeRevealClosed:           http.StatusConflict,
	ingot.CodeSpendingRuleDenied:     http.StatusForbidden,
	// Standing orders (standing.go).
	ingot.CodeInvalidSchedule:     http.StatusUnprocessableEntity,
	ingot.CodeStandingOrderClosed: http.StatusConflict,

	ingot.CodeOfflineInvalid: http.StatusUnprocessableEntity,
	ingot.CodeDeviceRevoked:  http.StatusConflict,
	// Open finance (openfinance.go).
	ingot.CodeInvalidRedirectURI: http.StatusBadRequest,
	ingot.CodeInvalidScope:       http.StatusBadRequest,
	ingot.CodeInvalidMandate:     http.StatusBadRequest,
	ingot.CodeMandateExceeded:    http.StatusForbidden,
}

func typeURI(code string) string { return "urn:ingot:problem:" + code }

// codeForStatus is the code of an error that carries only an HTTP status
// (huma's own validation and routing errors).
func codeForStatus(status int) string {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return ingot.CodeBodyTooLarge
	case http.StatusNotFound:
		return ingot.CodeNotFound
	case http.StatusMethodNotAllowed:
		return codeMethodNotAllowed
	case http.StatusUnsupportedMediaType:
		return codeUnsupportedMediaType
	case http.StatusNotAcceptable:
		return codeNotAcceptable
	case http.StatusUnauthorized:
		return ingot.CodeUnauthorized
	case http.StatusForbidden:
		return ingot.CodeForbidden
	case http.StatusServiceUnavailable:
		return ingot.CodeUnavailable
	case http.StatusTooManyRequests:
		return ingot.CodeRateLimited
	}
	if status >= 500 {
		return ingot.CodeInternal
	}
	if status == http.StatusBadRequest {
		return ingot.CodeMalformedRequest
	}
	return ingot.CodeInvalidRequest
}

// newProblem replaces huma.NewError: it keeps the code of an *ingot.Error
// among errs and derives one from the status otherwise. Validation details
// keep their location and message but never the offending value (it may be
// the whole body, with personal data).
func newProblem(status int, msg string, errs ...error) huma.StatusError {
	for _, err := range errs {
		var ie *ingot.Error
		if err != nil && errors.As(err, &ie) {
			return problemOf(ie)
		}
		var p *Problem
		if err != nil && errors.As(err, &p) {
			return p
		}
	}
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	p := &Problem{Status: status, Title: http.StatusText(status), Code: codeForStatus(status), Detail: msg}
	if status >= 500 && status != http.StatusServiceUnavailable {
		// Never leak internals; the cause is logged where it is known.
		p.Detail = "an internal error occurred"
		return finish(p)
	}
	var parts []string
	for _, err := range errs {
		if err == nil {
			continue
		}
		d := &ProblemDetail{Message: err.Error()}
		var ed huma.ErrorDetailer
		if errors.As(err, &ed) {
			x := ed.ErrorDetail()
			d = &ProblemDetail{Location: x.Location, Message: x.Message}
		}
		p.Errors = append(p.Errors, d)
		if len(parts) < 3 {
			if d.Location != "" {
				parts = append(parts, d.Location+": "+d.Message)
			} else {
				parts = append(parts, d.Message)
			}
		}
	}
	if len(parts) > 0 {
		p.Detail = msg + ": " + strings.Join(parts, "; ")
	}
	return finish(p)
}

func finish(p *Problem) *Problem {
	if p.Detail == "" {
		p.Detail = p.Title
	}
	if len(p.Detail) > 1000 {
		p.Detail = strings.ToValidUTF8(p.Detail[:1000], "") + "..."
	}
	p.Type = typeURI(p.Code)
	return p
}

func init() {
	huma.NewError = newProblem
	huma.NewErrorWithContext = func(_ huma.Context, status int, msg string, errs ...error) huma.StatusError {
		return newProblem(status, msg, errs...)
	}
}
