package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestUSSDSim pipes a session into the simulator against a gateway
// endpoint that answers by the path, and checks what it sent and printed.
func TestUSSDSim(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var texts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/ussd" || r.Header.Get("X-Ussd-Secret") != "s3cret" || r.FormValue("phoneNumber") != "13800138001" ||
			r.FormValue("sessionId") != "sess-1" || r.FormValue("serviceCode") != "*384#" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"code":"unauthorized","detail":"a valid X-Ussd-Secret header is required"}`))
			return
		}
		mu.Lock()
		texts = append(texts, r.FormValue("text"))
		mu.Unlock()
		switch r.FormValue("text") {
		case "":
			_, _ = w.Write([]byte("CON Ingot wallet\n1 Balance"))
		case "1":
			_, _ = w.Write([]byte("CON Really?"))
		default:
			_, _ = w.Write([]byte("END Balance\nCNY 1.00"))
		}
	}))
	defer srv.Close()
	cfg := simConfig{url: srv.URL + "/", secret: "s3cret", phone: "13800138001", serviceCode: "*384#", session: "sess-1"}
	var out bytes.Buffer
	if err := ussdSim(context.Background(), cfg, strings.NewReader("1\n 1 \nnot read\n"), &out); err != nil {
		t.Fatal(err)
	}
	want := "Ingot wallet\n1 Balance\n> Really?\n> Balance\nCNY 1.00\n[session ended]\n"
	if out.String() != want {
		t.Fatalf("printed %q, want %q", out.String(), want)
	}
	if strings.Join(texts, "|") != "|1|1*1" {
		t.Fatalf("sent %q", texts)
	}

	// The input ends before the session does.
	out.Reset()
	if err := ussdSim(context.Background(), cfg, strings.NewReader(""), &out); err != nil || !strings.HasSuffix(out.String(), "[input ended]\n") {
		t.Fatalf("%v %q", err, out.String())
	}
	// A wrong secret: the server's detail, as an error.
	cfg.secret = "wrong"
	if err := ussdSim(context.Background(), cfg, strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "401 Unauthorized: a valid X-Ussd-Secret") {
		t.Fatalf("wrong secret: %v", err)
	}
	// Required flags.
	if err := ussdSim(context.Background(), simConfig{url: srv.URL, secret: "s"}, nil, &out); err == nil {
		t.Fatal("no phone accepted")
	}
}
