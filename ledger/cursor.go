package ledger

import (
	"encoding/base64"
	"strings"

	"github.com/ingot-cbdc/ingot"
)

// Cursors of list pages are opaque: base64url of "<kind>:<position>".

var errBadCursor = ingot.Errorf(ingot.CodeInvalidCursor, "cursor is not one this API issued")

func encodeCursor(kind, v string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + v))
}

func decodeCursor(c, kind string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", errBadCursor
	}
	k, v, ok := strings.Cut(string(b), ":")
	if !ok || k != kind || v == "" {
		return "", errBadCursor
	}
	return v, nil
}

// DefaultLimit and MaxLimit bound list pages.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

func clampLimit(n int) int {
	if n <= 0 {
		return DefaultLimit
	}
	return min(n, MaxLimit)
}
