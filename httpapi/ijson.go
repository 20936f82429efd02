package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
)

// Request bodies are I-JSON (RFC 7493), checked once for every operation
// that takes a body, before huma decodes it (checkBody, a huma middleware):
//
//   - a member name twice in one object, at any depth, is 400
//     malformed_request: encoding/json keeps the last one silently, so
//     {"amount":"1.00","amount":"400.00"} would pay 400.00 while a proxy, a
//     log or a signing layer in front may have read 1.00. Names that differ
//     only in case count as the same ({"amount":..., "AMOUNT":...}): huma's
//     validation and encoding/json match names without regard to case, so
//     they would also take the last one;
//   - invalid UTF-8, an escaped unpaired surrogate ("\ud800") and Unicode
//     noncharacters are 400 malformed_request: encoding/json would replace
//     the first two with U+FFFD and store that;
//   - a control character in any string (names and values): U+0000-U+001F,
//     U+007F, the C1 controls U+0080-U+009F, the line and paragraph
//     separators U+2028 and U+2029, and the bidirectional embedding, override
//     and isolate controls U+202A-U+202E and U+2066-U+2069 (they make a memo
//     or a payee's name display as something else) is 422 invalid_request
//     naming the field (body.transfers[2].memo). No field of the API holds
//     such characters; a client that wants a line break in a memo is told so
//     rather than having it stored.
//
// Syntax errors are left to huma, which answers them as before (400
// malformed_request), and so is a body that is not JSON at all.

// maxScanDepth stops the scan of absurdly nested bodies; encoding/json
// refuses them itself (its limit is 10000).
const maxScanDepth = 10000

// ijsonError is a body that is not I-JSON (status 400) or has a control
// character in a string (status 422), at location (body.memo).
type ijsonError struct {
	status   int
	location string
	message  string
}

func (e *ijsonError) Error() string { return e.location + ": " + e.message }

// ErrorDetail makes huma render the location and message.
func (e *ijsonError) ErrorDetail() *huma.ErrorDetail {
	return &huma.ErrorDetail{Location: e.location, Message: e.message}
}

// checkBody is a huma middleware: for an operation that takes a body, it
// reads the body (within the operation's MaxBodyBytes and BodyReadTimeout,
// as huma would), checks it with checkIJSON and hands the same bytes on.
func (s *server) checkBody(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if op == nil || op.RequestBody == nil || !jsonContent(ctx.Header("Content-Type")) {
		next(ctx)
		return
	}
	if op.BodyReadTimeout > 0 {
		_ = ctx.SetReadDeadline(time.Now().Add(op.BodyReadTimeout))
	}
	r := ctx.BodyReader()
	if r == nil {
		next(ctx)
		return
	}
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	limit := op.MaxBodyBytes
	if limit <= 0 {
		limit = MaxBodyBytes
	}
	// Room for the body as announced, and one byte more to see its end.
	size := int64(512)
	if n, err := strconv.ParseInt(ctx.Header("Content-Length"), 10, 64); err == nil && n >= 0 {
		size = min(n+1, limit)
	}
	body, err := readAtMost(r, size, limit)
	switch {
	case int64(len(body)) == limit: // huma's own rule: a body of the limit is too large
		_ = huma.WriteErr(s.api, ctx, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is too large limit=%d bytes", limit))
		return
	case err != nil:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			_ = huma.WriteErr(s.api, ctx, http.StatusRequestTimeout, "request body read timeout")
			return
		}
		_ = huma.WriteErr(s.api, ctx, http.StatusBadRequest, "cannot read request body")
		return
	}
	if e := checkIJSON(body); e != nil {
		msg := "the body is not I-JSON (RFC 7493)"
		if e.status == http.StatusUnprocessableEntity {
			msg = "validation failed"
		}
		_ = huma.WriteErr(s.api, ctx, e.status, msg, e)
		return
	}
	next(bodyContext{humaContext: ctx, body: bytes.NewReader(body)})
}

// readAtMost reads r to its end or to limit bytes, into a buffer of size
// bytes to begin with.
func readAtMost(r io.Reader, size, limit int64) ([]byte, error) {
	b := make([]byte, 0, size)
	for int64(len(b)) < limit {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), limit)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// bodyContext hands huma the body checkBody has read.
type bodyContext struct {
	humaContext
	body io.Reader
}

// humaContext lets bodyContext embed huma.Context, whose field would
// otherwise hide its method Context.
type humaContext = huma.Context

func (c bodyContext) BodyReader() io.Reader { return c.body }

// Unwrap lets humago.Unwrap reach the request under the context.
func (c bodyContext) Unwrap() huma.Context { return c.humaContext }

// SetReadDeadline does nothing: the body is read already. huma sets the
// operation's BodyReadTimeout before it reads the body (from memory, here);
// set on the connection, that deadline would be hit by net/http's
// background read while the handler runs, and cancel the request's context
// after BodyReadTimeout (5 s): a batch that takes longer would answer 503.
func (c bodyContext) SetReadDeadline(time.Time) error { return nil }

// jsonContent reports whether huma decodes a body of this Content-Type as
// JSON: none (huma then uses the operation's, JSON), application/json or
// any +json type.
func jsonContent(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// frame is one open object or array of the scan.
type frame struct {
	object    bool
	expectKey bool   // object: the next string is a member name
	key       string // object: the current member's name
	index     int    // array: the current element's index
	// object: the names seen so far, folded (foldName) to what they were
	// sent as; a slice for small objects, a map past 16 names.
	names []seenName
	set   map[string]string
}

type seenName struct{ folded, name string }

// checkIJSON returns the first I-JSON violation or control character of
// body, or nil. A body that is not valid JSON past its first violation-free
// part gives nil: the decoder after it reports the syntax error.
func checkIJSON(body []byte) *ijsonError {
	if !utf8.Valid(body) {
		off := firstInvalidUTF8(body)
		return &ijsonError{status: http.StatusBadRequest, location: "body",
			message: "invalid UTF-8 at byte " + strconv.Itoa(off)}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []frame
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF, or a syntax error huma reports
		}
		var top *frame
		if n := len(stack); n > 0 {
			top = &stack[n-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if len(stack) >= maxScanDepth {
					return nil
				}
				stack = append(stack, frame{object: d == '{', expectKey: d == '{'})
				continue
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return nil // the first value is complete; anything after it is huma's
			}
			stack[len(stack)-1].next()
			continue
		}
		str, isStr := tok.(string)
		if top != nil && top.object && top.expectKey {
			// A member name (encoding/json only returns strings here).
			if e := checkString(body[start:dec.InputOffset()], str, func() string { return location(stack, str, true) }); e != nil {
				return e
			}
			if prev, dup := top.seen(str); dup {
				msg := "duplicate member name " + quoteName(str)
				if prev != str {
					msg = "member names " + quoteName(prev) + " and " + quoteName(str) + " differ only in case, and names are matched without regard to case"
				}
				return &ijsonError{status: http.StatusBadRequest, location: location(stack, "", false), message: msg}
			}
			top.key, top.expectKey = str, false
			continue
		}
		if isStr {
			if e := checkString(body[start:dec.InputOffset()], str, func() string { return location(stack, "", false) }); e != nil {
				return e
			}
		}
		if top == nil {
			return nil // a scalar body
		}
		top.next()
	}
}

// next moves past a value: an object then expects a name, an array counts.
func (f *frame) next() {
	if f.object {
		f.expectKey = true
	} else {
		f.index++
	}
}

// seen records name and, when the object had it already (or a name equal
// to it but for case), returns that one.
func (f *frame) seen(name string) (prev string, dup bool) {
	folded := foldName(name)
	if f.set != nil {
		if prev, ok := f.set[folded]; ok {
			return prev, true
		}
		f.set[folded] = name
		return "", false
	}
	for _, n := range f.names {
		if n.folded == folded {
			return n.name, true
		}
	}
	f.names = append(f.names, seenName{folded, name})
	if len(f.names) > 16 {
		f.set = make(map[string]string, 2*len(f.names))
		for _, n := range f.names {
			f.set[n.folded] = n.name
		}
		f.names = nil
	}
	return "", false
}

// foldName maps names that encoding/json matches to one another (equal
// under Unicode simple case folding, as bytes.EqualFold) to one string.
func foldName(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			var b strings.Builder
			for _, r := range s {
				b.WriteRune(foldRune(r))
			}
			return b.String()
		}
	}
	return s // lower-case ASCII, the usual name, is its own fold
}

// foldRune is the least rune of r's case-folding orbit, lower-cased when
// that is an ASCII letter.
func foldRune(r rune) rune {
	m := r
	if r >= utf8.RuneSelf {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
	}
	if 'A' <= m && m <= 'Z' {
		m += 'a' - 'A'
	}
	return m
}

// checkString checks one decoded string s whose token (with what precedes
// it since the last token) is raw; loc names it, computed only on failure.
func checkString(raw []byte, s string, loc func() string) *ijsonError {
	// encoding/json decodes "\ud800" to U+FFFD; a U+FFFD that was sent as
	// such is text like any other.
	if strings.ContainsRune(s, utf8.RuneError) && unpairedSurrogate(raw) {
		return &ijsonError{status: http.StatusBadRequest, location: loc(), message: "an escaped unpaired surrogate (RFC 7493 forbids them)"}
	}
	for _, r := range s {
		switch {
		case r < 0x7f && r >= 0x20:
			// the common case first
		case isNoncharacter(r):
			return &ijsonError{status: http.StatusBadRequest, location: loc(), message: fmt.Sprintf("the noncharacter U+%04X (RFC 7493 forbids noncharacters)", r)}
		case isControl(r):
			return &ijsonError{status: http.StatusUnprocessableEntity, location: loc(), message: fmt.Sprintf("control character U+%04X is not allowed in text", r)}
		}
	}
	return nil
}

// isControl reports the characters no text field of the API may hold:
// C0 and C1 controls, DEL, the line and paragraph separators and the
// bidirectional formatting controls.
func isControl(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// isNoncharacter reports Unicode's 66 noncharacters: U+FDD0-U+FDEF and the
// last two code points of every plane.
func isNoncharacter(r rune) bool {
	return (r >= 0xfdd0 && r <= 0xfdef) || r&0xfffe == 0xfffe
}

// unpairedSurrogate reports whether the raw JSON string token (possibly
// preceded by whitespace, ',' or ':') escapes a surrogate that is not half
// of a pair.
func unpairedSurrogate(raw []byte) bool {
	i := bytes.IndexByte(raw, '"')
	if i < 0 {
		return false
	}
	raw = raw[i+1:]
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++
		if i >= len(raw) || raw[i] != 'u' {
			continue // \" \\ \n ...: one character escaped
		}
		c, ok := hex4(raw[i+1:])
		if !ok {
			return false // a syntax error; the decoder has refused it already
		}
		i += 4
		switch {
		case c >= 0xdc00 && c <= 0xdfff:
			return true // a low surrogate first
		case c >= 0xd800 && c <= 0xdbff:
			if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if lo, ok := hex4(raw[i+3:]); ok && lo >= 0xdc00 && lo <= 0xdfff {
					i += 6
					continue
				}
			}
			return true
		}
	}
	return false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// location names the current position as huma does: body.transfers[2].memo.
// With member set, it names the member name being read (extra), else the
// value at the top of the stack.
func location(stack []frame, extra string, member bool) string {
	var b strings.Builder
	b.WriteString("body")
	for i := range stack {
		f := &stack[i]
		last := i == len(stack)-1
		switch {
		case !f.object:
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
		case last && member:
			writeName(&b, extra)
		case !f.expectKey || !last:
			writeName(&b, f.key)
		}
	}
	return b.String()
}

func writeName(b *strings.Builder, name string) {
	if isPlainName(name) {
		b.WriteString("." + name)
		return
	}
	b.WriteString("[" + quoteName(name) + "]")
}

func isPlainName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// quoteName quotes a member name for a message: escaped, at most 64 bytes.
func quoteName(s string) string {
	if len(s) > 64 {
		s = strings.ToValidUTF8(s[:64], "") + "..."
	}
	return strconv.QuoteToASCII(s)
}
