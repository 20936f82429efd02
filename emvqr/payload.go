package emvqr

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultGUID is the globally unique identifier of Ingot's scheme in its
// merchant account template (26.00), a reverse domain name as the
// specification allows. Deployments may configure another.
const DefaultGUID = "cn.ingot"

// Data object IDs at the root of a payload, and in the templates Ingot reads.
const (
	idFormat     = "00" // payload format indicator, "01"
	idInitiation = "01" // point of initiation method
	idAccount    = "26" // Ingot's merchant account template, as Encode writes it
	idMCC        = "52"
	idCurrency   = "53"
	idAmount     = "54"
	idCountry    = "58"
	idName       = "59"
	idCity       = "60"
	idAdditional = "62" // additional data field template
	idCRC        = "63"

	subGUID      = "00" // in 26 to 51: the scheme's globally unique identifier
	subReference = "01" // in Ingot's template: payment request id or wallet id
	subBillRef   = "05" // in 62: reference label
)

// Values of the payload format indicator and point of initiation method.
const (
	formatVersion = "01"
	staticCode    = "11"
	dynamicCode   = "12"
)

// Field limits of the specification.
const (
	maxPayload = 512 // characters in a whole payload
	maxGUID    = 32
	maxAmount  = 13
	maxName    = 25
	maxCity    = 15
	maxBillRef = 25
)

// Payload is a merchant-presented QR code as Ingot issues and reads it. Each
// field is the value of a data object (its ID in brackets); optional fields
// are empty when absent. Encode and Decode convert it to and from the
// payload string; Decode(Encode(p)) == p for every p that Encode accepts.
type Payload struct {
	// Dynamic (01 = "12") is a code for one payment request, paid once;
	// static (01 = "11") is a merchant's code for any number of payments.
	Dynamic bool
	// GUID (26.00) identifies the scheme: DefaultGUID unless configured.
	// Up to 32 characters.
	GUID string
	// Reference (26.01) is what is paid: the payment request id for a
	// dynamic code, the merchant's wallet id for a static one. It fits in
	// the template's 99 characters with the GUID: 83 with DefaultGUID.
	Reference string
	// MCC (52) is the merchant category code, ISO 18245: 4 digits.
	MCC string
	// Currency (53) is the ISO 4217 numeric code, 3 digits ("156").
	Currency string
	// Amount (54), optional, is the amount to pay as a decimal ("12.30"),
	// at most 13 characters: digits and at most one ".". Only its form is
	// checked here; the ledger checks it against the currency. Absent, the
	// payer enters the amount.
	Amount string
	// Country (58) is the merchant's ISO 3166-1 alpha-2 code ("CN").
	Country string
	// Name (59) is the merchant's name, up to 25 characters.
	Name string
	// City (60) is the merchant's city, up to 15 characters.
	City string
	// BillRef (62.05, the reference label), optional, is the merchant's own
	// reference for the payment (an order number), up to 25 characters.
	BillRef string
}

// Encode writes p as a payload string: its data objects in ascending ID
// order, the payload format indicator (00 = "01") first and the CRC (63)
// last. A field that is missing or breaks its format is an *Error of kind
// ErrMissing or ErrInvalidField naming the data object. Name, City,
// Reference, GUID and BillRef are "ans" values of the specification: the
// printable ASCII characters, space to tilde.
func Encode(p Payload) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	account, err := EncodeTLV([]DataObject{{subGUID, p.GUID}, {subReference, p.Reference}})
	if err != nil {
		return "", within(idAccount, err)
	}
	initiation := staticCode
	if p.Dynamic {
		initiation = dynamicCode
	}
	objs := []DataObject{
		{idFormat, formatVersion},
		{idInitiation, initiation},
		{idAccount, account},
		{idMCC, p.MCC},
		{idCurrency, p.Currency},
	}
	if p.Amount != "" {
		objs = append(objs, DataObject{idAmount, p.Amount})
	}
	objs = append(objs,
		DataObject{idCountry, p.Country},
		DataObject{idName, p.Name},
		DataObject{idCity, p.City},
	)
	if p.BillRef != "" {
		additional, err := EncodeTLV([]DataObject{{subBillRef, p.BillRef}})
		if err != nil {
			return "", within(idAdditional, err)
		}
		objs = append(objs, DataObject{idAdditional, additional})
	}
	body, err := EncodeTLV(objs)
	if err != nil {
		return "", err
	}
	return body + crcPrefix + checksum(body), nil
}

// Decode reads a payload string, accepting the scheme whose globally unique
// identifier is guid (compared ignoring ASCII case; Payload.GUID is as
// written in the code). It checks, in this order:
//
//   - the data objects are well-formed, 00 first and 63 last, at most 512
//     characters in all (ErrMalformed);
//   - the CRC (ErrChecksum);
//   - 00 is "01", templates (26 to 51, 62, 64, 80 to 99) are data objects
//     themselves (ErrMalformed, ErrInvalidField);
//   - a merchant account template (26 to 51) for guid exists (ErrMissing
//     when the code has no merchant account information at all,
//     ErrUnknownScheme when it has only other schemes');
//   - the data objects Ingot reads are present (ErrMissing: 01, 26.01, 52,
//     53, 58, 59, 60) and well-formed (ErrInvalidField), by the rules of
//     Encode.
//
// Data objects Ingot does not read are allowed and ignored, as the
// specification asks: other schemes' templates, tip and fee indicators (55
// to 57), postal code (61), other additional data (62.01 to 62.99 but 05),
// the merchant information language template (64), RFU and unreserved
// templates (65 to 99), other data objects of Ingot's own template. Unlike
// Encode, Decode takes the data objects in any order between 00 and 63, and
// Ingot's template in any of 26 to 51, as the specification allows. Every
// error is an *Error; the API answers all of them with 422 invalid_qr.
func Decode(s, guid string) (Payload, error) {
	if n := utf8.RuneCountInString(s); n > maxPayload {
		return Payload{}, errorf(ErrMalformed, "", strconv.Itoa(n)+" characters (at most 512)")
	}
	objs, err := ParseTLV(s)
	if err != nil {
		return Payload{}, err
	}
	var root [100]*DataObject
	for i := range objs {
		root[idNum(objs[i].ID)] = &objs[i]
	}
	if len(objs) == 0 || objs[0].ID != idFormat {
		if root[0] == nil {
			return Payload{}, errorf(ErrMissing, idFormat, "payload format indicator")
		}
		return Payload{}, errorf(ErrMalformed, idFormat, "the payload format indicator must be the first data object")
	}
	last := objs[len(objs)-1]
	if last.ID != idCRC {
		if root[63] == nil {
			return Payload{}, errorf(ErrMissing, idCRC, "CRC")
		}
		return Payload{}, errorf(ErrMalformed, idCRC, "the CRC must be the last data object")
	}
	if len(last.Value) != 4 {
		return Payload{}, errorf(ErrMalformed, idCRC, "the CRC must be 4 hexadecimal digits")
	}
	if want := checksum(s[:len(s)-8]); last.Value != want {
		return Payload{}, errorf(ErrChecksum, idCRC, "the code says "+strconv.QuoteToASCII(last.Value)+", its content has "+want)
	}
	if v := root[0].Value; v != formatVersion {
		return Payload{}, errorf(ErrInvalidField, idFormat, "payload format indicator "+strconv.QuoteToASCII(v)+", not \"01\"")
	}

	// Templates are data objects themselves, all of them: Ingot's, other
	// schemes', the additional data and the language template.
	templates := map[string][]DataObject{}
	for _, o := range objs {
		if n := idNum(o.ID); (n >= 26 && n <= 51) || n == 62 || n == 64 || n >= 80 {
			sub, err := ParseTLV(o.Value)
			if err != nil {
				return Payload{}, within(o.ID, err)
			}
			templates[o.ID] = sub
		}
	}

	var p Payload
	switch o := root[1]; {
	case o == nil:
		// Optional in the specification, but what 26.01 is depends on it.
		return Payload{}, errorf(ErrMissing, idInitiation, "point of initiation method (Ingot needs it: \"11\" static or \"12\" dynamic)")
	case o.Value == dynamicCode:
		p.Dynamic = true
	case o.Value != staticCode:
		return Payload{}, errorf(ErrInvalidField, idInitiation, "point of initiation method "+strconv.QuoteToASCII(o.Value)+", not \"11\" or \"12\"")
	}

	account, err := findAccount(objs, templates, root, guid)
	if err != nil {
		return Payload{}, err
	}
	p.GUID = account.guid
	if p.Reference = account.ref; p.Reference == "" {
		return Payload{}, errorf(ErrMissing, account.id+"."+subReference, "reference (payment request id or wallet id)")
	}
	for _, f := range []struct {
		id   string
		name string
		dst  *string
	}{
		{idMCC, "merchant category code", &p.MCC},
		{idCurrency, "transaction currency", &p.Currency},
		{idCountry, "country code", &p.Country},
		{idName, "merchant name", &p.Name},
		{idCity, "merchant city", &p.City},
	} {
		o := root[idNum(f.id)]
		if o == nil {
			return Payload{}, errorf(ErrMissing, f.id, f.name)
		}
		*f.dst = o.Value
	}
	if o := root[idNum(idAmount)]; o != nil {
		p.Amount = o.Value
	}
	for _, o := range templates[idAdditional] {
		if o.ID == subBillRef {
			p.BillRef = o.Value
		}
	}
	if err := p.check(); err != nil {
		// Report a value Ingot read where the code has it.
		var e *Error
		if errors.As(err, &e) && strings.HasPrefix(e.ID, idAccount+".") {
			c := *e
			c.ID = account.id + c.ID[len(idAccount):]
			return Payload{}, &c
		}
		return Payload{}, err
	}
	return p, nil
}

// account is the merchant account template of the accepted scheme.
type account struct {
	id   string // its ID, 26 to 51
	guid string // 00, as written
	ref  string // 01, empty when absent
}

// findAccount finds the one merchant account template (26 to 51) whose GUID
// is guid.
func findAccount(objs []DataObject, templates map[string][]DataObject, root [100]*DataObject, guid string) (account, error) {
	var found []account
	var others []string
	for _, o := range objs {
		if n := idNum(o.ID); n < 26 || n > 51 {
			continue
		}
		var a account
		a.id = o.ID
		for _, sub := range templates[o.ID] {
			switch sub.ID {
			case subGUID:
				a.guid = sub.Value
			case subReference:
				a.ref = sub.Value
			}
		}
		if a.guid == "" {
			return account{}, errorf(ErrMissing, o.ID+"."+subGUID, "globally unique identifier of a merchant account template")
		}
		if guid != "" && equalFoldASCII(a.guid, guid) {
			found = append(found, a)
		} else {
			others = append(others, a.guid)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return account{}, errorf(ErrInvalidField, "", "merchant account templates "+found[0].id+" and "+found[1].id+" are both for "+strconv.QuoteToASCII(guid))
	case len(others) > 0:
		return account{}, errorf(ErrUnknownScheme, "", "no merchant account template for "+strconv.QuoteToASCII(guid)+"; the code is for "+quoteAll(others))
	}
	for n := 2; n <= 25; n++ {
		if root[n] != nil {
			// Card schemes' primitive merchant account information only.
			return account{}, errorf(ErrUnknownScheme, "", "no merchant account template for "+strconv.QuoteToASCII(guid)+"; the code has only merchant account information "+root[n].ID)
		}
	}
	return account{}, errorf(ErrMissing, "", "merchant account information (02 to 51)")
}

// check applies Encode's rules to p's fields.
func (p Payload) check() error {
	acct := func(sub string) string { return idAccount + "." + sub }
	if err := ans(acct(subGUID), "GUID", p.GUID, maxGUID, true); err != nil {
		return err
	}
	room := maxValueLen - 4 - len(p.GUID) - 4 // the template holds 00 and 01 with their IDs and lengths
	if err := ans(acct(subReference), "reference", p.Reference, room, true); err != nil {
		return err
	}
	if err := digits(idMCC, "merchant category code", p.MCC, 4); err != nil {
		return err
	}
	if err := digits(idCurrency, "currency", p.Currency, 3); err != nil {
		return err
	}
	if p.Amount != "" && !validAmount(p.Amount) {
		return errorf(ErrInvalidField, idAmount, "amount "+strconv.QuoteToASCII(p.Amount)+" is not a decimal of at most 13 characters like \"12.30\"")
	}
	if err := checkCountry(p.Country); err != nil {
		return err
	}
	if err := ans(idName, "merchant name", p.Name, maxName, true); err != nil {
		return err
	}
	if err := ans(idCity, "merchant city", p.City, maxCity, true); err != nil {
		return err
	}
	return ans(idAdditional+"."+subBillRef, "reference label", p.BillRef, maxBillRef, false)
}

// ValidateMerchant checks a merchant's name, city, country and category code
// by the rules of Encode, so that a merchant profile that passes can always
// be put in a QR code. The error is an *Error as Encode's.
func ValidateMerchant(name, city, country, mcc string) error {
	if err := ans(idName, "merchant name", name, maxName, true); err != nil {
		return err
	}
	if err := ans(idCity, "merchant city", city, maxCity, true); err != nil {
		return err
	}
	if err := checkCountry(country); err != nil {
		return err
	}
	return digits(idMCC, "merchant category code", mcc, 4)
}

// ans checks an "ans" value of the specification (alphanumeric special: the
// printable ASCII characters) of at most max characters.
func ans(id, name, v string, max int, required bool) error {
	if v == "" {
		if required {
			return errorf(ErrMissing, id, name)
		}
		return nil
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7E {
			return errorf(ErrInvalidField, id, name+" has "+describe(v, i)+": only printable ASCII characters are allowed")
		}
	}
	if len(v) > max {
		return errorf(ErrInvalidField, id, name+" has "+strconv.Itoa(len(v))+" characters, at most "+strconv.Itoa(max))
	}
	return nil
}

// describe names the character of v at byte i.
func describe(v string, i int) string {
	r, _ := utf8.DecodeRuneInString(v[i:])
	return "the character " + strconv.QuoteRuneToASCII(r)
}

// digits checks a value of exactly n ASCII digits.
func digits(id, name, v string, n int) error {
	if v == "" {
		return errorf(ErrMissing, id, name)
	}
	if len(v) != n || !isDigits(v) {
		return errorf(ErrInvalidField, id, name+" "+strconv.QuoteToASCII(v)+" is not "+strconv.Itoa(n)+" digits")
	}
	return nil
}

// checkCountry checks an ISO 3166-1 alpha-2 code: two upper-case letters.
func checkCountry(v string) error {
	if v == "" {
		return errorf(ErrMissing, idCountry, "country code")
	}
	if len(v) != 2 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z' {
		return errorf(ErrInvalidField, idCountry, "country code "+strconv.QuoteToASCII(v)+" is not two upper-case letters")
	}
	return nil
}

// validAmount reports whether v is a transaction amount of the
// specification: at most 13 characters, digits with at most one "." as the
// decimal mark, at least one digit before it ("12", "12.30", "12.").
func validAmount(v string) bool {
	if v == "" || len(v) > maxAmount || v[0] == '.' {
		return false
	}
	dot := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '.' && !dot:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return true
}

// equalFoldASCII reports whether a and b are equal ignoring the case of
// ASCII letters (reverse domain names are written either way: Pix codes
// carry "br.gov.bcb.pix" and "BR.GOV.BCB.PIX").
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// idNum is the number of a two-digit ID.
func idNum(id string) int { return int(id[0]-'0')*10 + int(id[1]-'0') }

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.QuoteToASCII(s)
	}
	return strings.Join(q, ", ")
}
