package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/ingot-cbdc/ingot"
	"golang.org/x/crypto/argon2"
)

// PINLength is the number of digits of a PIN.
const PINLength = 6

// CheckPIN refuses what is not a PIN (invalid_request) and the weakest
// PINs (weak_pin): one digit repeated (111111) and runs of consecutive
// digits, ascending (123456) or descending (654321).
func CheckPIN(pin string) error {
	if len(pin) != PINLength {
		return ingot.Errorf(ingot.CodeInvalidRequest, "pin must be %d digits", PINLength)
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return ingot.Errorf(ingot.CodeInvalidRequest, "pin must be %d digits", PINLength)
		}
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		same = same && d == 0
		up = up && d == 1
		down = down && d == -1
	}
	if same || up || down {
		return ingot.Errorf(ingot.CodeWeakPIN, "this PIN is too easy to guess (one digit repeated, or a run of digits); choose another")
	}
	return nil
}

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1
// lane). A PIN has only 10^6 values, so the hash cannot stop a search by
// someone who stole the database; the lock-out does online, and the data
// stays out of reach offline only because PIN hashes are salted and slow.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashPIN returns the argon2id hash of a PIN in the PHC string format
// ($argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, unpadded base64).
func HashPIN(pin string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// VerifyPIN reports whether pin matches a hash made by HashPIN (with the
// parameters written in the hash), comparing in constant time. A malformed
// hash matches nothing.
func VerifyPIN(hash, pin string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a phone has no holder, so that a wrong
// phone takes as long as a wrong PIN.
var dummyHash, _ = HashPIN("000000")
