// Package offline is the device side of offline purses (issue 17,
// docs/offline-and-ussd.md): certificates, load vouchers, offline payments
// and redemptions, their canonical signed encodings, and a simulated
// device that pays and receives with no network.
//
// Trust is a chain of Ed25519 keys: the central bank's offline key
// certifies each operator's offline key (OperatorCert); an operator's key
// certifies each of its devices' keys (DeviceCert), binding the device's
// key to a wallet, a currency and limits, and signs the load vouchers that
// put money on a device (LoadVoucher). A device signs its payments and
// redemptions (Payment) with a strictly increasing counter, each naming
// the hash of the one before, so that its payments form a chain.
//
// Every signed object has one canonical text, the bytes that are signed:
// a first line naming the object and its version, then one line per field,
// "<name> <value>", in a fixed order, each value in one canonical form
// (decimal integers, unpadded base64url keys and hashes, RFC 3339 UTC
// times, lower-case UUIDs). The JSON forms carry the same fields for
// transport; the text is always rebuilt from the fields, never parsed, so
// two encodings of one object cannot sign differently.
//
// The package does no I/O: the ledger verifies what devices upload with
// it, and `ingot device` keeps a Device in a JSON file.
package offline
