package client_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/ingot-cbdc/ingot/client"
)

// TestOauthTokenErrors: the token endpoint's RFC 6749 errors reach a
// client as *client.Error with the error as the code.
func TestOauthTokenErrors(t *testing.T) {
	s := newServer(t, "sqlite")
	c := client.New(s.URL)
	ctx := context.Background()
	for _, tc := range []struct {
		form   url.Values
		status int
		code   string
	}{
		{url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		{url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}, "redirect_uri": {"https://app.example/cb"},
			"code_verifier": {"0123456789012345678901234567890123456789abc"}, "client_id": {"nobody"}, "client_secret": {"x"}}, 401, "invalid_client"},
	} {
		_, err := c.OauthToken(ctx, []byte(tc.form.Encode()))
		var e *client.Error
		if !errors.As(err, &e) || e.Status != tc.status || e.Code != tc.code {
			t.Errorf("%v: %v, want %d %s", tc.form, err, tc.status, tc.code)
		}
	}
}
