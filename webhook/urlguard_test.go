package webhook_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/webhook"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	g := webhook.Guard{}
	tests := []struct {
		url  string
		want string // "" accepted; else the refusal's detail contains it
	}{
		{"https://93.184.215.14/hooks", ""},
		{"http://93.184.215.14:8080/hooks?x=1", ""},
		{"https://[2606:4700:4700::1111]/hooks", ""},
		{"ftp://93.184.215.14/", "http:// or https://"},
		{"//93.184.215.14/", "http:// or https://"},
		{"/relative", "http:// or https://"},
		{"https://", "with a host"},
		{"https://user:pw@93.184.215.14/", "user name"},
		{"https://93.184.215.14/#frag", "fragment"},
		{"https://93.184.215.14:0/", "port"},
		{"https://93.184.215.14:99999/", "port"},
		{"http://127.0.0.1/", "loopback"},
		{"http://127.1.2.3:9000/", "loopback"},
		{"http://[::1]/", "loopback"},
		{"http://[::ffff:127.0.0.1]/", "loopback"},
		{"http://10.1.2.3/", "private"},
		{"http://172.16.0.1/", "private"},
		{"http://192.168.1.1/", "private"},
		{"http://[fd00::1]/", "private"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://[fe80::1]/", "link-local"},
		{"http://0.0.0.0/", "unspecified"},
		{"http://[::]/", "unspecified"},
		{"http://0.1.2.3/", "this network"},
		{"http://100.64.0.1/", "shared address space"},
		{"http://224.0.0.1/", "multicast"},
		{"http://255.255.255.255/", "reserved"},
		{"http://192.0.2.10/", "documentation"},
		{"http://198.18.0.1/", "benchmarking"},
		{"http://[64:ff9b::a00:1]/", "NAT64"},
		{"http://[2002:a00:1::]/", "6to4"},
		{"http://[::10.0.0.1]/", "IPv4-compatible"},
		{"http://localhost:8080/hook", "loopback"}, // a name that resolves to 127.0.0.1 (or ::1)
		{"https://" + strings.Repeat("a", 2100) + ".com/", "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.url[:min(len(tc.url), 60)], func(t *testing.T) {
			t.Parallel()
			_, err := g.CheckURL(context.Background(), tc.url)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if ingot.ErrorCode(err) != ingot.CodeInvalidWebhookURL || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("CheckURL = %v, want invalid_webhook_url about %q", err, tc.want)
			}
		})
	}
	// AllowPrivate accepts every address, but still only http(s) URLs.
	allow := webhook.Guard{AllowPrivate: true}
	for _, u := range []string{"http://127.0.0.1:9/", "http://localhost/", "http://169.254.169.254/", "http://10.0.0.1/"} {
		if _, err := allow.CheckURL(context.Background(), u); err != nil {
			t.Errorf("AllowPrivate: %s refused: %v", u, err)
		}
	}
	if _, err := allow.CheckURL(context.Background(), "file:///etc/passwd"); ingot.ErrorCode(err) != ingot.CodeInvalidWebhookURL {
		t.Errorf("AllowPrivate: file URL: %v", err)
	}
}

// A name that resolves to a public address at creation but to a private
// one when the deliverer dials (DNS rebinding) is refused by the dialer's
// Control, which sees the address dialled.
func TestGuardControlRefusesAtDial(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	d := &net.Dialer{Timeout: time.Second, Control: webhook.Guard{}.Control}
	c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	_, err := c.Get(srv.URL)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("dial to %s: %v, want refused as loopback", srv.URL, err)
	}
	d.Control = webhook.Guard{AllowPrivate: true}.Control
	res, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("AllowPrivate: %v", err)
	}
	res.Body.Close()
}

// FuzzCheckURL: CheckURL never panics, and what it accepts is an http(s)
// URL without user information that it accepts again as it is.
func FuzzCheckURL(f *testing.F) {
	for _, u := range []string{"https://93.184.215.14/hooks", "http://[::1]:80/", "http://u@h/", "https://h/#x", "http://h:99999", "%zz"} {
		f.Add(u)
	}
	g := webhook.Guard{AllowPrivate: true} // no DNS
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := g.CheckURL(context.Background(), raw)
		if err != nil {
			if ingot.ErrorCode(err) != ingot.CodeInvalidWebhookURL {
				t.Fatalf("CheckURL(%q) = %v, not invalid_webhook_url", raw, err)
			}
			return
		}
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			t.Fatalf("CheckURL(%q) accepted %q", raw, u)
		}
		if again, err := g.CheckURL(context.Background(), u); err != nil || again != u {
			t.Fatalf("CheckURL(%q) = %q, which gives %q, %v", raw, u, again, err)
		}
	})
}
