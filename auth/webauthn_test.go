package auth

import (
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/ingot-cbdc/ingot/internal/webauthntest"
)

// TestSoftwareAuthenticator checks the tests' authenticator against
// go-webauthn itself: a registration and an assertion verify, an assertion
// of another challenge does not.
func TestSoftwareAuthenticator(t *testing.T) {
	t.Parallel()
	wa, err := webauthn.New(&webauthn.Config{RPID: "localhost", RPDisplayName: "Ingot", RPOrigins: []string{"http://localhost:8080"}})
	if err != nil {
		t.Fatal(err)
	}
	u := waUser{h: Holder{ID: "0190aaaa-0000-7000-8000-000000000001"}}
	creation, sd, err := wa.BeginRegistration(u)
	if err != nil {
		t.Fatal(err)
	}
	a := webauthntest.New("http://localhost:8080")
	opts, _ := json.Marshal(creation)
	cred, err := a.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(cred)
	if err != nil {
		t.Fatal(err)
	}
	c, err := wa.CreateCredential(u, *sd, parsed)
	if err != nil {
		t.Fatalf("registration does not verify: %v", err)
	}
	u.creds = append(u.creds, *c)

	assertion, sd2, err := wa.BeginLogin(u)
	if err != nil {
		t.Fatal(err)
	}
	opts, _ = json.Marshal(assertion)
	got, err := a.Get(opts)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := protocol.ParseCredentialRequestResponseBytes(got)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wa.ValidateLogin(u, *sd2, pa); err != nil {
		t.Fatalf("assertion does not verify: %v", err)
	}
	// The signature of another challenge is refused.
	other, _ := a.Sign([]byte("another challenge, 32 bytes long!"))
	po, err := protocol.ParseCredentialRequestResponseBytes(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wa.ValidateLogin(u, *sd2, po); err == nil {
		t.Fatal("an assertion of another challenge verified")
	}
}
