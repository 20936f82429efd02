// Package webauthntest is a software WebAuthn authenticator for tests: a
// P-256 key in memory that answers navigator.credentials.create and .get
// as a platform authenticator (fingerprint, face) would, with real
// signatures, so that tests drive the server's WebAuthn code end to end.
package webauthntest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator holds one credential for one relying party.
type Authenticator struct {
	Origin    string // the page's origin, e.g. http://localhost:8080
	key       *ecdsa.PrivateKey
	id        []byte
	rpID      string
	user      []byte
	signCount uint32
}

// New returns an authenticator for pages of origin.
func New(origin string) *Authenticator {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	return &Authenticator{Origin: origin, key: key, id: id}
}

var b64 = base64.RawURLEncoding

// Flags: user present, user verified (the fingerprint), attested data.
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

// Create answers creation options (the JSON the server sent, with or
// without its "publicKey" wrapper) with a new credential, as the browser
// returns it (JSON), attestation "none".
func (a *Authenticator) Create(options []byte) ([]byte, error) {
	var cc protocol.CredentialCreation
	if err := json.Unmarshal(options, &cc); err != nil {
		return nil, err
	}
	o := cc.Response
	if len(o.Challenge) == 0 {
		return nil, errors.New("webauthntest: creation options without a challenge")
	}
	a.rpID = o.RelyingParty.ID
	if id, ok := o.User.ID.(string); ok {
		a.user, _ = b64.DecodeString(id)
	}
	clientData := a.clientData("webauthn.create", o.Challenge)
	x, y := a.key.X.FillBytes(make([]byte, 32)), a.key.Y.FillBytes(make([]byte, 32))
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
	if err != nil {
		return nil, err
	}
	auth := a.authData(flagUP | flagUV | flagAT)
	auth = append(auth, make([]byte, 16)...) // AAGUID
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(a.id)))
	auth = append(auth, a.id...)
	auth = append(auth, cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(clientData), "attestationObject": b64.EncodeToString(att)},
	})
}

// Get answers assertion options with a signature over the challenge, as
// the browser returns it (JSON).
func (a *Authenticator) Get(options []byte) ([]byte, error) {
	var ca protocol.CredentialAssertion
	if err := json.Unmarshal(options, &ca); err != nil {
		return nil, err
	}
	o := ca.Response
	if len(o.Challenge) == 0 {
		return nil, errors.New("webauthntest: assertion options without a challenge")
	}
	if o.RelyingPartyID != "" {
		a.rpID = o.RelyingPartyID
	}
	return a.Sign(o.Challenge)
}

// Sign answers a challenge (what a tampering client might send for another
// one): an assertion of this credential.
func (a *Authenticator) Sign(challenge []byte) ([]byte, error) {
	a.signCount++
	clientData := a.clientData("webauthn.get", challenge)
	auth := a.authData(flagUP | flagUV)
	h := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte{}, auth...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(clientData), "authenticatorData": b64.EncodeToString(auth),
			"signature": b64.EncodeToString(sig), "userHandle": b64.EncodeToString(a.user)},
	})
}

func (a *Authenticator) clientData(typ string, challenge []byte) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": b64.EncodeToString(challenge), "origin": a.Origin, "crossOrigin": false})
	return b
}

func (a *Authenticator) authData(flags byte) []byte {
	rp := sha256.Sum256([]byte(a.rpID))
	out := append([]byte{}, rp[:]...)
	out = append(out, flags)
	return binary.BigEndian.AppendUint32(out, a.signCount)
}
