// Package pii protects holders' personal data: names, phone numbers, ID
// document numbers and bank account numbers.
//
// It does three things, none of which touches a database or the network:
//
//   - Encryption at rest. [Keys.Seal] encrypts a value with AES-256-GCM under
//     the data key and binds it to a context (the column and record it belongs
//     to), so a ciphertext copied to another row or column does not open.
//     [LoadOrCreateKey] finds the data key in INGOT_DATA_KEY or a key file.
//   - Lookup without clear text. [Keys.LookupHash] is a keyed hash (HMAC-SHA256
//     under a key derived from the data key) of a normalized value, stored
//     beside the ciphertext so that a wallet can be found by phone number.
//   - Masking. [MaskPhone], [MaskName], [MaskID] and [MaskAccountNumber] give
//     the form of a value that may appear in API responses and log lines.
//
// [NormalizePhone] validates a phone number and returns its E.164 form, the
// only form that is stored, hashed and masked.
package pii
