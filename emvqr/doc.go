// Package emvqr writes and reads Ingot's merchant-presented QR codes: the
// payload of the EMV QR Code Specification for Payment Systems,
// Merchant-Presented Mode (EMVCo), that a merchant's till or sticker shows
// and a payer's wallet scans, and its picture as a PNG image. It is pure Go
// with no I/O.
//
// # What a code carries
//
// A code names one merchant and what to pay. A dynamic code (point of
// initiation "12") is one payment request: its reference is the payment
// request's id, the request says the amount (or leaves it to the payer) and
// is paid once. A static code ("11") is the merchant's own, printed once and
// paid any number of times: its reference is the merchant's wallet id and
// the payer enters the amount. The reference sits in a merchant account
// template whose globally unique identifier names Ingot's scheme
// (DefaultGUID, "cn.ingot", or the deployment's own), so that a code can
// carry other schemes' templates beside Ingot's and a wallet can tell whose
// a code is.
//
// # The payload
//
// A payload is a sequence of data objects, each a two-digit ID, a two-digit
// length (in characters, 01 to 99) and the value; a template's value is
// data objects in turn. Encode writes, in this order:
//
//	00 payload format indicator "01"
//	01 point of initiation method: "11" static, "12" dynamic
//	26 merchant account template: 00 the scheme's GUID, 01 the reference
//	52 merchant category code (ISO 18245, 4 digits)
//	53 transaction currency (ISO 4217 numeric, "156")
//	54 transaction amount ("12.30"), when the code fixes it
//	58 country (ISO 3166-1 alpha-2), 59 merchant name (up to 25),
//	60 merchant city (up to 15)
//	62 additional data template: 05 the reference label, when given
//	63 CRC-16/CCITT-FALSE of everything before its value, "6304" included,
//	   as 4 upper-case hexadecimal digits
//
// For example, a request of 12.30 CNY at a noodle bar, its till's order
// T12-0042 as reference label (computed by Encode, as ExampleEncode checks):
//
//	00020101021226520008cn.ingot01360190a3c4-7b2e-7c1d-9f00-5e8a2b6c4d31
//	520458125303156540512.305802CN5916Lao Wang Noodles6007Beijing
//	62120508T12-00426304562C
//
// (one line in the code), that is 00 "01"; 01 "12" (dynamic); 26 holding
// 00 "cn.ingot" and 01 "0190a3c4-7b2e-7c1d-9f00-5e8a2b6c4d31" (the payment
// request id); 52 "5812" (restaurants); 53 "156" (CNY); 54 "12.30";
// 58 "CN"; 59 "Lao Wang Noodles"; 60 "Beijing"; 62 holding 05 "T12-0042";
// and 63 "562C", the CRC. The merchant's static code differs in 01 ("11"),
// in 26.01 (its wallet id, "6217000000000014") and has no 54 or 62.
//
// # Reading codes
//
// Decode is strict about form and tolerant about content, as the
// specification asks of a reader: every data object must be well-formed (its
// value in the specification's character set, no control characters, no ID
// twice), templates must be data objects themselves, the CRC must match,
// and the fields Ingot reads must be present and valid; but data objects
// Ingot does not read (other schemes' templates, tips and fees, the
// merchant information language template, ...) are accepted and ignored,
// and data objects may come in any order between 00 and 63. Its errors say
// which of these failed (ErrMalformed, ErrChecksum, ErrMissing,
// ErrInvalidField, ErrUnknownScheme) and where; the HTTP API answers each
// with 422 invalid_qr.
//
// # Pictures
//
// PNG draws a payload with ZXing's encoder (github.com/makiuchi-d/gozxing,
// a port of ZXing) at error correction level M; the tests scan the images
// back with ZXing's decoder, finder patterns located in the picture as a
// phone's camera does, and compare the text.
package emvqr
