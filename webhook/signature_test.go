package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/webhook"
)

// The Standard Webhooks reference libraries' test vector (Go library,
// TestWebhookSign): this secret, id, time and body sign to this signature.
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = 1614265330
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignKnownVector(t *testing.T) {
	t.Parallel()
	if got := webhook.Sign(vecSecret, vecID, time.Unix(vecTS, 0), []byte(vecBody)); got != vecSig {
		t.Fatalf("Sign = %q, want %q", got, vecSig)
	}
	// The same, computed here from the specification's words.
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(vecSecret, "whsec_"))
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.%s", vecID, vecTS, vecBody)
	if want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)); want != vecSig {
		t.Fatalf("the specification's algorithm gives %q, the vector says %q", want, vecSig)
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	a, b := webhook.NewSecret(), webhook.NewSecret()
	if a == b || !strings.HasPrefix(a, "whsec_") {
		t.Fatalf("secrets %q and %q", a, b)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "whsec_"))
	if err != nil || len(raw) != 32 {
		t.Fatalf("secret %q: %d bytes, %v", a, len(raw), err)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(vecTS, 0)
	headers := func(id, ts, sig string) http.Header {
		h := http.Header{}
		for k, v := range map[string]string{"webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig} {
			if v != "" {
				h.Set(k, v)
			}
		}
		return h
	}
	ts := fmt.Sprint(vecTS)
	other := "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
	tests := []struct {
		name   string
		secret string
		h      http.Header
		body   string
		now    time.Time
		want   error
	}{
		{"valid", vecSecret, headers(vecID, ts, vecSig), vecBody, now, nil},
		{"secret without prefix", strings.TrimPrefix(vecSecret, "whsec_"), headers(vecID, ts, vecSig), vecBody, now, nil},
		{"several signatures, one valid", vecSecret, headers(vecID, ts, other+" v1a,abc "+vecSig+" v2,"+vecSig[3:]), vecBody, now, nil},
		{"4 min 59 late", vecSecret, headers(vecID, ts, vecSig), vecBody, now.Add(299 * time.Second), nil},
		{"too old", vecSecret, headers(vecID, ts, vecSig), vecBody, now.Add(301 * time.Second), webhook.ErrTooOld},
		{"too new", vecSecret, headers(vecID, ts, vecSig), vecBody, now.Add(-301 * time.Second), webhook.ErrTooNew},
		{"body changed", vecSecret, headers(vecID, ts, vecSig), `{"test": 2432232315}`, now, webhook.ErrNoSignature},
		{"id changed", vecSecret, headers("msg_other", ts, vecSig), vecBody, now, webhook.ErrNoSignature},
		{"other secret", webhook.NewSecret(), headers(vecID, ts, vecSig), vecBody, now, webhook.ErrNoSignature},
		{"only another scheme", vecSecret, headers(vecID, ts, "v2,"+vecSig[3:]), vecBody, now, webhook.ErrNoSignature},
		{"wrong signature", vecSecret, headers(vecID, ts, other), vecBody, now, webhook.ErrNoSignature},
		{"no id", vecSecret, headers("", ts, vecSig), vecBody, now, webhook.ErrMissingHeaders},
		{"no timestamp", vecSecret, headers(vecID, "", vecSig), vecBody, now, webhook.ErrMissingHeaders},
		{"no signature", vecSecret, headers(vecID, ts, ""), vecBody, now, webhook.ErrMissingHeaders},
		{"bad timestamp", vecSecret, headers(vecID, "16142653.30", vecSig), vecBody, now, webhook.ErrBadTimestamp},
		{"bad secret", "whsec_***", headers(vecID, ts, vecSig), vecBody, now, webhook.ErrBadSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.h, []byte(tc.body), tc.now, 0)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzVerify: Verify never panics, and accepts what Sign made.
func FuzzVerify(f *testing.F) {
	f.Add(vecID, int64(vecTS), []byte(vecBody), vecSig)
	f.Add("", int64(0), []byte{}, "v1,")
	f.Add("x", int64(-1), []byte("\x00"), "v1,=== v1a,, ,")
	f.Fuzz(func(t *testing.T, id string, ts int64, body []byte, sig string) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", fmt.Sprint(ts))
		h.Set("webhook-signature", sig)
		now := time.Unix(ts, 0)
		_ = webhook.Verify(vecSecret, h, body, now, 0)
		if id == "" || strings.ContainsAny(id, "\r\n") {
			return
		}
		h.Set("webhook-signature", sig+" "+webhook.Sign(vecSecret, id, now, body))
		if h.Get("webhook-id") != id {
			return // not representable in a header
		}
		if err := webhook.Verify(vecSecret, h, body, now, 0); err != nil {
			t.Fatalf("Verify of a signed delivery: %v", err)
		}
	})
}
