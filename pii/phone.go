package pii

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region NormalizePhone assumes for a number written
// without a country code when the caller names none.
const DefaultRegion = "CN"

// ErrInvalidPhone is wrapped by every error of NormalizePhone, whose
// messages never contain the number itself (they may reach logs). Callers
// answer it with invalid_request.
var ErrInvalidPhone = errors.New("invalid phone number")

// maxPhoneInput bounds the input NormalizePhone parses.
const maxPhoneInput = 64

// NormalizePhone validates a phone number and returns it in E.164 form
// ("+8613812345678"), the only form that is stored, hashed and masked.
//
// raw may be written with or without a country code ("+86 138 1234 5678",
// "138-1234-5678", "008613812345678" from within China); a number without
// one is read as a number of defaultRegion, an ISO 3166-1 alpha-2 code ("CN"
// when empty). The number must be valid in the libphonenumber metadata
// (github.com/nyaruka/phonenumbers): a possible length is not enough.
// Extensions are refused.
func NormalizePhone(raw, defaultRegion string) (string, error) {
	if defaultRegion == "" {
		defaultRegion = DefaultRegion
	}
	defaultRegion = strings.ToUpper(defaultRegion)
	if !phonenumbers.GetSupportedRegions()[defaultRegion] {
		return "", fmt.Errorf("%w: unknown default region (not a region code the phone library knows)", ErrInvalidPhone)
	}
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return "", fmt.Errorf("%w: phone number is empty", ErrInvalidPhone)
	case len(raw) > maxPhoneInput:
		return "", fmt.Errorf("%w: phone number is longer than %d characters", ErrInvalidPhone, maxPhoneInput)
	}
	num, err := phonenumbers.Parse(raw, defaultRegion)
	if err != nil {
		return "", fmt.Errorf("%w: %s", ErrInvalidPhone, parseProblem(err))
	}
	if num.GetExtension() != "" {
		return "", fmt.Errorf("%w: phone number must not have an extension", ErrInvalidPhone)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", fmt.Errorf("%w: not a valid number for its country (a number without a country code is read as %s)", ErrInvalidPhone, defaultRegion)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// parseProblem describes a phonenumbers.Parse error without the input.
func parseProblem(err error) string {
	switch err {
	case phonenumbers.ErrInvalidCountryCode:
		return "unknown country code"
	case phonenumbers.ErrNotANumber:
		return "not a phone number"
	case phonenumbers.ErrTooShortNSN, phonenumbers.ErrTooShortAfterIDD:
		return "too short"
	case phonenumbers.ErrNumTooLong:
		return "too long"
	default:
		return "not a phone number"
	}
}
