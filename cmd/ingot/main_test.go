package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestMigrate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sub", "ingot.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, envOf(map[string]string{"INGOT_DB": db}), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "migrations applied") {
		t.Fatalf("output %q", out.String())
	}
	// Twice is fine.
	if err := run(context.Background(), []string{"migrate", "--db", db}, envOf(nil), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--log-format", "xml", "--db", filepath.Join(t.TempDir(), "x.db")},
		{"serve", "--max-batch", "0", "--db", filepath.Join(t.TempDir(), "y.db")},
		{"serve", "--pipeline", "-1", "--db", filepath.Join(t.TempDir(), "z.db")},
		{"nope"},
	} {
		if err := run(context.Background(), args, envOf(nil), io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	if err := run(context.Background(), []string{"serve"}, envOf(map[string]string{"INGOT_MAX_BATCH": "many"}), io.Discard, io.Discard); err == nil {
		t.Error("INGOT_MAX_BATCH=many: no error")
	}
}

// startServe runs `ingot serve` on a free port until the test ends.
func startServe(t *testing.T, db string, env map[string]string, extra ...string) (base string, stdout *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	env["INGOT_ADDR"] = "127.0.0.1:0"
	args := append([]string{"serve", "--db", db, "--log-format", "text"}, extra...)
	errc := make(chan error, 1)
	ready := make(chan string, 1)
	testReady = ready
	go func() { errc <- run(ctx, args, envOf(env), stdout, stderr) }()
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-errc:
		cancel()
		t.Fatalf("serve ended: %v\n%s", err, stderr)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-errc:
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	return base, stdout, stop
}

func call(t *testing.T, method, url, key, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

func TestServeRandomAdminKeyAndRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ingot.db")
	base, stdout, stop := startServe(t, db, map[string]string{}, "--max-batch", "1")
	key := regexp.MustCompile(`ingot_live_[A-Za-z0-9_-]{20,}`).FindString(stdout.String())
	if key == "" || !strings.Contains(stdout.String(), "shown once") {
		t.Fatalf("no admin key printed: %q", stdout.String())
	}
	if st, _ := call(t, "GET", base+"/readyz", "", ""); st != 200 {
		t.Fatalf("readyz %d", st)
	}
	st, op := call(t, "POST", base+"/v1/operators", key, `{"name":"Bank","code":"BNK"}`)
	if st != 201 {
		t.Fatalf("create operator %d %v", st, op)
	}
	opID := op["id"].(string)
	if st, m := call(t, "POST", base+"/v1/issuance/mint", key, `{"operator_id":"`+opID+`","amount":"5.00","currency":"CNY"}`); st != 201 {
		t.Fatalf("mint %d %v", st, m)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	// Restart: the key is not printed again, and nothing acknowledged is lost.
	base, stdout, _ = startServe(t, db, map[string]string{})
	if strings.Contains(stdout.String(), "ingot_live_") {
		t.Fatalf("admin key printed again: %q", stdout.String())
	}
	st, m := call(t, "GET", base+"/v1/issuance/supply?currency=CNY", key, "")
	if st != 200 || m["issued"] != "5.00" {
		t.Fatalf("supply after restart %d %v", st, m)
	}
}

func TestServeAdminKeyFromEnv(t *testing.T) {
	db := filepath.Join(t.TempDir(), "ingot.db")
	base, stdout, _ := startServe(t, db, map[string]string{"INGOT_ADMIN_KEY": "my-admin-key-0123456789"})
	if strings.Contains(stdout.String(), "ingot_live_") || strings.Contains(stdout.String(), "my-admin-key") {
		t.Fatalf("a key was printed: %q", stdout.String())
	}
	if st, m := call(t, "GET", base+"/v1/operators", "my-admin-key-0123456789", ""); st != 200 {
		t.Fatalf("operators with the env key: %d %v", st, m)
	}
	if st, _ := call(t, "GET", base+"/v1/operators", "other", ""); st != 401 {
		t.Fatalf("operators with another key: %d", st)
	}
}

func TestPostgresURLSelectsPostgres(t *testing.T) {
	for db, want := range map[string]bool{
		"postgres://u@h/db": true, "postgresql://h/db": true, "ingot-data/ingot.db": false, "/tmp/x.db": false,
	} {
		if got := isPostgres(db); got != want {
			t.Errorf("isPostgres(%q) = %v", db, got)
		}
	}
}
