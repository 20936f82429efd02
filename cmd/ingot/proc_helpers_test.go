package main

// Helpers for process_test.go: build the real ingot binary once, run it as
// child processes, and talk to them over HTTP.

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/ingot-cbdc/ingot/pii"
)

// procAdminKey is the central bank's key every child process is started with.
const procAdminKey = "ik_proc_test_admin_key_0123456789abcdef"

var (
	procBuildOnce sync.Once
	procBinPath   string
	procBuildErr  error
	procBinDir    string
)

// procRaceBuilt reports whether this test binary was built with -race; the
// child is then built with -race too (its packages are already in the build
// cache, so it costs one link) and a data race in a child fails the test.
func procRaceBuilt() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// procBinary builds ./cmd/ingot once per test binary and returns its path.
func procBinary(t *testing.T) string {
	t.Helper()
	procBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ingot-proc-test-")
		if err != nil {
			procBuildErr = err
			return
		}
		procBinDir = dir
		bin := filepath.Join(dir, "ingot")
		args := []string{"build", "-o", bin}
		if procRaceBuilt() {
			args = append(args, "-race")
		}
		args = append(args, ".")
		cmd := exec.Command("go", args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			procBuildErr = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
			return
		}
		procBinPath = bin
	})
	if procBuildErr != nil {
		t.Fatalf("build ingot: %v", procBuildErr)
	}
	return procBinPath
}

// TestMain removes the binary built by procBinary.
func TestMain(m *testing.M) {
	code := m.Run()
	if procBinDir != "" {
		_ = os.RemoveAll(procBinDir)
	}
	os.Exit(code)
}

// procBuf collects a child's output.
type procBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (p *procBuf) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.Write(b)
}

func (p *procBuf) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.b.String()
}

// proc is a running `ingot serve` child process.
type proc struct {
	t      *testing.T
	name   string
	base   string // http://127.0.0.1:port
	cmd    *exec.Cmd
	out    *procBuf // stdout and stderr
	done   chan struct{}
	err    error // the Wait result, once done is closed
	once   sync.Once
	client *http.Client
}

// procFreePort returns a port that was free a moment ago.
func procFreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// procSigningKey is one transparency-log key for every child of this test
// binary: processes that share a database must share the log's key, and
// none of them may write a key file into the source tree.
var procSigningKey = sync.OnceValue(func() string {
	skey, _, err := note.GenerateKey(rand.Reader, defaultOrigin)
	if err != nil {
		panic(err)
	}
	return skey
})

// procDataKey is one data key for every child of this test binary, for the
// same reason as procSigningKey.
var procDataKey = pii.GenerateKey()

// procEnv is this process's environment without INGOT_* variables, plus
// the admin key and the log's signing key.
func procEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INGOT_") {
			env = append(env, kv)
		}
	}
	env = append(env, "INGOT_ADMIN_KEY="+procAdminKey, "INGOT_SIGNING_KEY="+procSigningKey(), "INGOT_DATA_KEY="+procDataKey)
	if os.Getenv("GORACE") == "" {
		// A -race child sleeps 1 s at exit by default; 100 ms is enough
		// for a late report and keeps the many stops of these tests short.
		env = append(env, "GORACE=atexit_sleep_ms=100")
	}
	return env
}

// startProc starts `ingot serve --addr 127.0.0.1:<free port> --db db`, waits
// until /readyz answers 200, and stops it (SIGTERM, then kill) when the
// test ends. Its output goes to the test log when the test failed.
func startProc(t *testing.T, name, db string, extra ...string) *proc {
	t.Helper()
	bin := procBinary(t)
	var lastOut string
	for attempt := 0; attempt < 3; attempt++ {
		port := procFreePort(t)
		p := &proc{
			t:    t,
			name: name,
			base: "http://127.0.0.1:" + strconv.Itoa(port),
			out:  &procBuf{},
			done: make(chan struct{}),
			client: &http.Client{
				Timeout: 30 * time.Second,
				Transport: &http.Transport{
					MaxIdleConns:        256,
					MaxIdleConnsPerHost: 256,
					IdleConnTimeout:     30 * time.Second,
				},
			},
		}
		args := append([]string{"serve", "--addr", "127.0.0.1:" + strconv.Itoa(port), "--db", db, "--log-format", "text"}, extra...)
		p.cmd = exec.Command(bin, args...)
		p.cmd.Env = procEnv()
		p.cmd.Stdout = p.out
		p.cmd.Stderr = p.out
		if err := p.cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		go func() {
			p.err = p.cmd.Wait()
			close(p.done)
		}()
		t.Cleanup(func() {
			p.stop()
			p.client.CloseIdleConnections()
			p.checkNoRace()
			if t.Failed() {
				t.Logf("output of %s (%s):\n%s", p.name, p.base, p.out.String())
			}
		})
		switch err := p.waitReady(30 * time.Second); {
		case err == nil:
			return p
		case strings.Contains(p.out.String(), "address already in use"):
			lastOut = p.out.String()
			continue // the port was taken in between: try another
		default:
			p.stop()
			t.Fatalf("%s did not become ready: %v\n%s", name, err, p.out.String())
		}
	}
	t.Fatalf("%s: no free port after 3 attempts:\n%s", name, lastOut)
	return nil
}

// waitReady polls /readyz until it answers 200.
func (p *proc) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("exited: %v", p.err)
		default:
		}
		res, err := c.Get(p.base + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("timed out waiting for /readyz")
}

// stop sends SIGTERM, waits up to 25 s (serve's shutdown allows 20 s), then
// kills. It returns the process's exit error (nil: exit status 0) and
// whether it had to be killed. Calling it again returns at once.
func (p *proc) stop() (exitErr error, killed bool) {
	p.once.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		// Close our idle keep-alive connections first: net/http's Shutdown
		// waits up to 5 s for a connection that never carried a request
		// (the transport dials spares under load).
		p.client.CloseIdleConnections()
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(25 * time.Second):
			killed = true
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	<-p.done
	return p.err, killed
}

// kill ends the process with SIGKILL: no shutdown at all.
func (p *proc) kill() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
	})
	<-p.done
}

// stopGracefully stops the process and fails the test unless it exited 0
// on SIGTERM. (Data races are checked when the test ends.)
func (p *proc) stopGracefully() {
	p.t.Helper()
	err, killed := p.stop()
	if killed {
		p.t.Fatalf("%s did not stop within 25 s of SIGTERM", p.name)
	}
	if err != nil {
		p.t.Fatalf("%s exited with %v after SIGTERM", p.name, err)
	}
}

// checkNoRace fails the test when the child reported a data race.
func (p *proc) checkNoRace() {
	p.t.Helper()
	if strings.Contains(p.out.String(), "WARNING: DATA RACE") {
		p.t.Errorf("%s reported a data race", p.name)
	}
}

// warm opens n keep-alive connections to the process (n concurrent
// /healthz calls), so that a burst that follows reaches it at once instead
// of queuing behind TCP handshakes.
func (p *proc) warm(n int) {
	p.t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := p.do("GET", "/healthz", "", nil)
			if err == nil && r.status != 200 {
				err = fmt.Errorf("%s /healthz: %s", p.name, r)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		p.t.Fatal(err)
	}
}

// procResp is a decoded answer.
type procResp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
	// sends is how many connections the transport used: 2 or more when it
	// sent the request again by itself.
	sends int
}

func (r *procResp) str(k string) string {
	v, _ := r.body[k].(string)
	return v
}

func (r *procResp) String() string {
	return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.raw))
}

// do sends a request; body is nil or a value sent as JSON; extra headers
// come in pairs. A transport error is returned, not fatal, so it can be
// used from goroutines.
func (p *proc) do(method, path, key string, body any, hdr ...string) (*procResp, error) {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, p.base+path, rd)
	if err != nil {
		return nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	// Go's transport sends a request with an Idempotency-Key again by
	// itself when its connection broke before an answer (an Ingot node
	// killed behind HAProxy): count the connections it took.
	var conns atomic.Int32
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { conns.Add(1) },
	}))
	res, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s%s: %w", method, p.name, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s%s: read body: %w", method, p.name, path, err)
	}
	out := &procResp{status: res.StatusCode, header: res.Header, raw: raw, sends: int(conns.Load())}
	if strings.Contains(res.Header.Get("Content-Type"), "json") && len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			return nil, fmt.Errorf("%s %s%s: answer is not a JSON object: %v: %s", method, p.name, path, err, raw)
		}
	}
	return out, nil
}

// must sends a request and fails the test unless it answers status.
func (p *proc) must(status int, method, path, key string, body any, hdr ...string) *procResp {
	p.t.Helper()
	r, err := p.do(method, path, key, body, hdr...)
	if err != nil {
		p.t.Fatal(err)
	}
	if r.status != status {
		p.t.Fatalf("%s %s%s: got %s, want status %d", method, p.name, path, r, status)
	}
	return r
}

// operator creates a funded operator (minted amount into its reserve) and
// returns its id and key.
func (p *proc) operator(code, minted string) (id, key string) {
	p.t.Helper()
	r := p.must(201, "POST", "/v1/operators", procAdminKey, map[string]any{"name": "Bank " + code, "code": code})
	id, key = r.str("id"), r.str("api_key")
	if id == "" || !strings.HasPrefix(key, "ingot_") {
		p.t.Fatalf("operator answer without id or key: %s", r)
	}
	p.must(201, "POST", "/v1/issuance/mint", procAdminKey, map[string]any{"operator_id": id, "amount": minted, "currency": "CNY"})
	return id, key
}

// wallet opens a CNY wallet and tops it up with amount (when not "").
func (p *proc) wallet(key, amount string) string {
	p.t.Helper()
	r := p.must(201, "POST", "/v1/wallets", key, map[string]any{
		"holder": map[string]any{"name": "Zhang San", "phone": "13812345678"}, "currency": "CNY"})
	id := r.str("id")
	if len(id) != 16 {
		p.t.Fatalf("wallet id %q is not 16 digits: %s", id, r)
	}
	if amount != "" {
		p.must(201, "POST", "/v1/wallets/"+id+"/topups", key, map[string]any{"amount": amount})
	}
	return id
}

// balance reads a wallet's balance.
func (p *proc) balance(key, wallet string) string {
	p.t.Helper()
	return p.must(200, "GET", "/v1/wallets/"+wallet, key, nil).str("balance")
}

// checkSupply checks the CNY supply: issued as expected, wallets as
// expected, and issued = reserves + wallets.
func (p *proc) checkSupply(issued, wallets string) {
	p.t.Helper()
	r := p.must(200, "GET", "/v1/issuance/supply?currency=CNY", procAdminKey, nil)
	iss, res, wal, fees := procCents(p.t, r.str("issued")), procCents(p.t, r.str("reserves")), procCents(p.t, r.str("wallets")), procCents(p.t, r.str("fees"))
	if iss != res+wal+fees {
		p.t.Errorf("%s: supply: issued %s != reserves %s + wallets %s + fees %s", p.name, r.str("issued"), r.str("reserves"), r.str("wallets"), r.str("fees"))
	}
	if r.str("issued") != issued || r.str("wallets") != wallets {
		p.t.Errorf("%s: supply %s, want issued %s and wallets %s", p.name, r, issued, wallets)
	}
}

// procCents parses a CNY amount "123.45" (exactly two decimals) into cents.
func procCents(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 2 || whole == "" {
		t.Fatalf("amount %q is not of the form 0.00", s)
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || f < 0 {
		t.Fatalf("amount %q is not of the form 0.00", s)
	}
	if strings.HasPrefix(whole, "-") {
		return w*100 - f
	}
	return w*100 + f
}
