package ingot

import (
	"errors"
	"fmt"
)

// Stable error codes. Clients branch on these; they never change meaning.
// Each maps to one HTTP status, in the HTTP layer (httpapi/problem.go).
const (
	CodeMalformedRequest = "malformed_request" // the body is not JSON, or a header is malformed
	CodeInvalidRequest   = "invalid_request"   // well-formed, but a field is unknown, missing or invalid
	CodeInvalidAmount    = "invalid_amount"    // not a positive decimal with the currency's precision
	CodeInvalidCurrency  = "invalid_currency"  // not an ISO 4217 code
	CodeCurrencyMismatch = "currency_mismatch" // the amount's currency is not the account's
	CodeInvalidWalletID  = "invalid_wallet_id" // not 16 digits or a wrong check digit
	CodeInvalidCursor    = "invalid_cursor"    // a pagination cursor we did not issue
	CodeNotFound         = "not_found"         // absent, or not visible to the caller
	CodeUnauthorized     = "unauthorized"      // missing or unknown API key
	CodeForbidden        = "forbidden"         // the key's role may not do this
	// CodeOperatorNotAdmitted: the operator is not admitted to the
	// currency by its issuer (issuers.go).
	CodeOperatorNotAdmitted = "operator_not_admitted"
	// CodeQuoteUnavailable: no dealer quotes the request, or the quote was
	// used or expired (fx.go).
	CodeQuoteUnavailable  = "quote_unavailable"
	CodeInsufficientFunds = "insufficient_funds" // the debit would exceed the available balance
	CodeWalletFrozen      = "wallet_frozen"      // a frozen wallet neither sends nor receives
	CodeWalletClosed      = "wallet_closed"      // a closed wallet does nothing
	CodeWalletNotEmpty    = "wallet_not_empty"   // close needs a zero balance and no open holds
	CodeSameAccount       = "same_account"       // payer and payee are the same wallet
	CodeLimitExceeded     = "limit_exceeded"     // a KYC tier or holding limit; the detail names it
	// CodeCrossBorderNotAllowed: the payer's tier may not pay another
	// jurisdiction (by default tier 4; crossborder.go).
	CodeCrossBorderNotAllowed = "cross_border_not_allowed"
	// CodeCorridorLimitExceeded: the payer's holder would send more than
	// the corridor's daily limit (crossborder.go).
	CodeCorridorLimitExceeded = "corridor_limit_exceeded"
	// CodePurposeRequired: the issuer requires an ISO 20022 purpose code
	// on cross-border payments (crossborder.go).
	CodePurposeRequired     = "purpose_required"
	CodeTierRequirements    = "tier_requirements_unmet" // an upgrade lacks evidence; the detail lists what
	CodeHoldNotPending      = "hold_not_pending"        // the hold was captured, voided or expired
	CodeHoldExpired         = "hold_expired"            // the hold expired before capture
	CodeAmountExceedsHold   = "amount_exceeds_hold"     // capture above the held amount
	CodeBalanceOverflow     = "balance_overflow"        // the credit would overflow the balance
	CodeConflict            = "conflict"                // unique field already taken (operator code)
	CodeIdempotencyConflict = "idempotency_conflict"    // same key, different request
	CodeLinkedFailed        = "linked_transfer_failed"  // another transfer of an atomic batch failed
	CodeBodyTooLarge        = "body_too_large"          // the request body exceeds the limit
	CodeRateLimited         = "rate_limited"            // too many requests for a credential, an address or a phone; retry after Retry-After
	CodeUnavailable         = "unavailable"             // storage failed; safe to retry with the same key
	CodeInternal            = "internal"                // a bug; reported, never expected

	// Holders' sign-in and payment approval (package auth).
	CodeWeakPIN               = "weak_pin"               // a PIN of one digit repeated or a run of digits
	CodeInvalidCredentials    = "invalid_credentials"    // wrong phone or PIN (one answer for both)
	CodeInvalidCode           = "invalid_code"           // a wrong, used or expired code or passkey assertion
	CodeInvalidToken          = "invalid_token"          // an access or refresh token that is unknown, expired or revoked
	CodeTooManyAttempts       = "too_many_attempts"      // the phone is locked out for a while after 5 failures
	CodeSCARequired           = "sca_required"           // the payment needs the holder's approval (two factors)
	CodeAuthorizationMismatch = "authorization_mismatch" // the approval is of another payment
	CodeAuthorizationUsed     = "authorization_used"     // the approval was used already
	CodeAuthorizationPending  = "authorization_pending"  // the approval is not verified yet
	CodeInsufficientScope     = "insufficient_scope"     // the API key lacks the route's scope

	// Merchants.
	CodeInvalidQR             = "invalid_qr"              // not an EMVCo payload of this scheme: bad CRC, malformed, unknown scheme
	CodePaymentRequestClosed  = "payment_request_closed"  // the request was paid already
	CodePaymentRequestExpired = "payment_request_expired" // the request expired before it was paid
	CodePaymentCodeInvalid    = "payment_code_invalid"    // a payment code unknown, used or expired (one answer for all three)
	CodeRefundExceedsPayment  = "refund_exceeds_payment"  // the refunds would add up to more than the payment

	// Webhooks.
	CodeInvalidWebhookURL = "invalid_webhook_url" // not an absolute http(s) URL of a public address (loopback, private, link-local: refused)

	// Risk and AML (package risk).
	CodeInvalidRule  = "invalid_rule"   // a risk rule's expression does not compile, is not boolean or may cost too much
	CodeRiskDenied   = "risk_denied"    // a risk rule refused the payment
	CodeAlertClosed  = "alert_resolved" // the alert was resolved already
	CodeReviewClosed = "review_closed"  // the review was released or refused already
	CodeCaseClosed   = "case_closed"    // the case was decided already
	CodeRevealClosed = "reveal_closed"  // the reveal was approved already

	// Conditional payments (package conditional).
	CodeInvalidCondition  = "invalid_condition"          // a condition is malformed, too large, or can never hold
	CodeConditionalClosed = "conditional_payment_closed" // the conditional payment was released, cancelled or expired already
	CodeConditionNotMet   = "condition_not_met"          // a release that met nothing new, while the condition does not hold
	CodeInvalidPreimage   = "invalid_preimage"           // a preimage that opens none of the condition's hash locks

	// Vouchers (voucher.go).
	CodeVoucherProgramConflict = "voucher_program_conflict" // the program exists with another issuer, currency, eligibility or expiry
	// Spending rules on a wallet (spending.go).
	CodeSpendingRuleDenied = "spending_rule_denied" // the payer's spending rule does not allow the payment
	// Standing orders (package schedule).
	CodeInvalidSchedule     = "invalid_schedule"      // a schedule is malformed, out of range, or has no occurrence
	CodeStandingOrderClosed = "standing_order_closed" // the standing order was cancelled or completed
	// Offline purses (package offline).
	CodeOfflineInvalid = "offline_invalid" // a device certificate, load voucher, payment or redemption is malformed or does not verify
	CodeDeviceRevoked  = "device_revoked"  // the device was revoked (a double spend); it neither loads, pays nor redeems

	// Open finance (package openfinance).
	CodeInvalidRedirectURI = "invalid_redirect_uri" // a redirect_uri the provider did not register
	CodeInvalidScope       = "invalid_scope"        // an OAuth scope unknown, repeated, or beyond the provider's roles
	CodeInvalidMandate     = "invalid_mandate"      // a mandate malformed, missing for payments:write, or past its consent
	CodeMandateExceeded    = "mandate_exceeded"     // a provider's payment outside its mandate; the detail names the limit
)

// Error is a rule violation or a request problem with a stable code. It is
// what the API renders as an RFC 9457 problem.
type Error struct {
	Code   string
	Detail string
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

// Errorf makes an *Error with a formatted detail.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and
// CodeInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// AsError returns err as an *Error when it is (or wraps) one, and nil
// otherwise.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Prefix returns err with prefix and ": " before its detail, keeping its
// code ("transfers[3]: amount ..."); an error that is not an *Error is
// returned as it is.
func Prefix(err error, prefix string) error {
	if e := AsError(err); e != nil {
		return &Error{Code: e.Code, Detail: prefix + ": " + e.Detail}
	}
	return err
}
