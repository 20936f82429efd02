package auth

import (
	"encoding/json"

	"github.com/go-webauthn/webauthn/webauthn"
)

// waUser is a holder as go-webauthn sees it: the user handle is the
// holder's id (random, no personal data), the names its masked phone.
type waUser struct {
	h     Holder
	name  string
	creds []webauthn.Credential
}

func (u waUser) WebAuthnID() []byte { return []byte(u.h.ID) }

func (u waUser) WebAuthnName() string {
	if u.name == "" {
		return "Ingot wallet"
	}
	return u.name
}

func (u waUser) WebAuthnDisplayName() string { return u.WebAuthnName() }

func (u waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func decodeCredential(b []byte) (webauthn.Credential, error) {
	var c webauthn.Credential
	err := json.Unmarshal(b, &c)
	return c, err
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
