package emvqr

import "errors"

// The kinds of error Encode, Decode and the TLV functions return, wrapped in
// an *Error that names the data object. Test with errors.Is. Every error of
// Decode means the code is unusable: the HTTP API answers all of them with
// 422 invalid_qr, with the error's text as the detail.
var (
	// ErrMalformed: not a well-formed sequence of data objects: an ID or a
	// length that is not two digits, a length of 00, a value shorter than its
	// length, something after the last data object, a control character or
	// invalid UTF-8, an ID twice at one level, a template whose value is not
	// itself data objects, 00 not first or 63 not last, more than 512
	// characters.
	ErrMalformed = errors.New("malformed TLV")
	// ErrChecksum: the CRC (63) is not the CRC-16/CCITT-FALSE of what
	// precedes it, as 4 upper-case hexadecimal digits. The code is damaged
	// or was altered.
	ErrChecksum = errors.New("CRC mismatch")
	// ErrMissing: a data object that the specification, or Ingot, requires
	// is absent.
	ErrMissing = errors.New("missing mandatory data object")
	// ErrInvalidField: a data object Ingot reads is present but its value
	// breaks the format of its field (an MCC that is not 4 digits, a name
	// longer than 25 characters, ...). Encode returns it for a Payload
	// field.
	ErrInvalidField = errors.New("invalid field")
	// ErrUnknownScheme: the code has merchant account information, but no
	// template of it (26 to 51) carries the globally unique identifier the
	// caller accepts: a code of another payment scheme.
	ErrUnknownScheme = errors.New("unknown scheme")
)

// Error is a refused payload, Payload or data object: Err is its kind (one of
// the Err values above), ID the data object concerned ("59", or "26.01"
// inside a template; empty when none is), Detail what is wrong with it.
type Error struct {
	Err    error
	ID     string
	Detail string
}

func (e *Error) Error() string {
	s := "emvqr: "
	if e.ID != "" {
		s += e.ID + ": "
	}
	s += e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the kind of the error, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

func errorf(kind error, id, detail string) *Error {
	return &Error{Err: kind, ID: id, Detail: detail}
}

// within returns err with its data object ID prefixed by the template's ID
// ("05" inside "62" becomes "62.05").
func within(template string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		if c.ID == "" {
			c.ID = template
		} else {
			c.ID = template + "." + c.ID
		}
		return &c
	}
	return err
}
