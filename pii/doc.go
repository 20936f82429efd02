// Package pii protects holders' personal data: names, phone numbers, ID
// document numbers and bank account numbers.
//
// It does three things, none of which touches a database or the network:
//
//   - Encryption at rest. [Keys.Seal] encrypts a value with AES-256-GCM under
//     a data key and binds it to a context (the column and record it belongs
//     to), so a ciphertext copied to another row or column does not open.
//     [Keys] is a keyring: data keys with key ids, oldest first; new values
//     are sealed with the newest ("v2:<key id>:..."), and every value opens
//     with the key it names (values of earlier versions, "v1:...", with the
//     first key). [LoadOrCreateKey] finds the keyring in INGOT_DATA_KEY or a
//     key file; [AddKeyFileKey] adds a key to the file.
//   - Lookup without clear text. [Keys.LookupHash] is a keyed hash (HMAC-SHA256
//     under a key derived from the keyring's first data key, so adding keys
//     changes no hash) of a normalized value, stored beside the ciphertext so
//     that a wallet can be found by phone number.
//   - Masking. [MaskPhone], [MaskName], [MaskID] and [MaskAccountNumber] give
//     the form of a value that may appear in API responses and log lines.
//
// [NormalizePhone] validates a phone number and returns its E.164 form, the
// only form that is stored, hashed and masked.
package pii
