package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/translog"
	"github.com/ingot-cbdc/ingot/verify"
)

const defaultAuditState = "ingot-audit.state"

type auditConfig struct {
	url       string
	key       string
	state     string
	transfers []string
	sample    int
	logKey    string
	origin    string
	timeout   time.Duration
}

func auditCmd(env func(string) string, stdout, stderr io.Writer) *cobra.Command {
	var cfg auditConfig
	c := &cobra.Command{
		Use:   "audit",
		Short: "Audit a live server's transparency log as an outside auditor",
		Long: `audit is what an outside auditor runs against a live server, with an auditor
API key (POST /v1/auditors). It trusts nothing the server says without proof:

  1. the log's verifier key: --log-key (obtained out of band), else the one
     pinned in the state file, else (first use only) GET /v1/log/key; it is
     pinned in the state file, and a different key later is refused unless
     the log announced it (3);
  2. GET /v1/log/checkpoint must be signed by that key, for the log's origin;
  3. or by a key the log announced since: its key lines lead back, through
     the announcing checkpoints (read with GET /v1/log/entries/0?tree_size=N),
     to the pinned key, and each announcement must be signed by the key
     before it and the key after it; the new key is then pinned, with the
     rotation recorded in the state file (docs/transparency-log.md, section 8);
  4. the checkpoint seen last time (the state file) must be extended by the new
     one, through every announcement: a smaller tree, another root at the same
     size, or a consistency proof (GET /v1/log/consistency) that fails
     tlog.CheckTree is a failure;
  5. each transfer of --transfers must be in the new tree: its inclusion proof
     (GET /v1/transfers/{id}/proof) must pass tlog.CheckRecord, and its leaf must
     be that transfer's;
  6. with --sample N, N leaves at random indexes of the new tree are proven the
     same way (GET /v1/log/entries/{index}), without knowing transfer ids;
  7. only when all of that holds is the new checkpoint saved to the state file.

Exit status 0 when everything verifies, otherwise 1 with the reason.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), env, map[string]string{
				"url": "INGOT_AUDIT_URL", "key": "INGOT_API_KEY", "state": "INGOT_AUDIT_STATE",
				"log-key": "INGOT_LOG_KEY", "log-origin": "INGOT_LOG_ORIGIN",
			}); err != nil {
				return err
			}
			return runAudit(cmd.Context(), cfg, stdout, stderr)
		},
	}
	f := c.Flags()
	f.StringVar(&cfg.url, "url", "", "the server's base URL, e.g. https://ledger.example (env INGOT_AUDIT_URL)")
	f.StringVar(&cfg.key, "key", "", "an auditor API key (env INGOT_API_KEY, better than the command line)")
	f.StringVar(&cfg.state, "state", defaultAuditState, "JSON file with the pinned verifier key and the last checkpoint verified (env INGOT_AUDIT_STATE)")
	f.StringSliceVar(&cfg.transfers, "transfers", nil, "transfer ids whose inclusion in the log to prove, comma-separated")
	f.IntVar(&cfg.sample, "sample", 0, "also prove the inclusion of this many leaves at random indexes")
	f.StringVar(&cfg.logKey, "log-key", "", "the log's verifier key, obtained out of band (env INGOT_LOG_KEY); default: the pinned one, or GET /v1/log/key at first use")
	f.StringVar(&cfg.origin, "log-origin", "", "the log's origin (env INGOT_LOG_ORIGIN); default: the verifier key's name")
	f.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "timeout of each HTTP request")
	return c
}

// auditState is the state file: what the auditor accepted last time.
type auditState struct {
	LogKey string `json:"log_key"`
	// KeySince is the tree size from which LogKey signs (0: the log's first
	// key); absent in the state files of earlier versions.
	KeySince   *int64    `json:"key_since,omitempty"`
	Checkpoint string    `json:"checkpoint,omitempty"` // the signed note
	TreeSize   int64     `json:"tree_size"`
	Root       string    `json:"root,omitempty"` // base64, for people; the note is authoritative
	VerifiedAt time.Time `json:"verified_at"`
	URL        string    `json:"url,omitempty"`
	// Rotations are the rotations of the log's key this auditor followed,
	// oldest first: for people, and to accept an older --log-key.
	Rotations []auditRotation `json:"rotations,omitempty"`
}

// auditRotation is a key rotation the auditor followed.
type auditRotation struct {
	TreeSize   int64     `json:"tree_size"` // of the announcing checkpoint
	From       string    `json:"from"`
	To         string    `json:"to"`
	FollowedAt time.Time `json:"followed_at"`
}

// followedFrom reports whether the auditor followed a rotation away from
// key.
func (s *auditState) followedFrom(key string) bool {
	for _, r := range s.Rotations {
		if r.From == key {
			return true
		}
	}
	return false
}

func loadAuditState(path string) (*auditState, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state file: %w", err)
	}
	var s auditState
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("state file %s is not an audit state: %v", path, err)
	}
	if s.LogKey == "" {
		return nil, fmt.Errorf("state file %s has no log_key", path)
	}
	return &s, nil
}

func saveAuditState(path string, s *auditState) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".ingot-audit-*")
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("save state file: %w", err)
	}
	return nil
}

// auditor talks to the server.
type auditor struct {
	base   string
	key    string
	client *http.Client
}

// httpError is a non-200 answer.
type httpError struct {
	path   string
	status int
	body   string
}

func (e *httpError) Error() string {
	return fmt.Sprintf("GET %s: %d %s: %s", e.path, e.status, http.StatusText(e.status), e.body)
}

func (a *auditor) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(body))
		var p struct {
			Detail string `json:"detail"`
			Code   string `json:"code"`
		}
		if json.Unmarshal(body, &p) == nil && p.Detail != "" {
			msg = p.Detail
		}
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		return nil, &httpError{path: path, status: resp.StatusCode, body: msg}
	}
	return body, nil
}

func (a *auditor) getJSON(ctx context.Context, path string, v any) error {
	body, err := a.get(ctx, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: malformed answer: %v", path, err)
	}
	return nil
}

func decodeHashes(in []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(in))
	for i, s := range in {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			return nil, fmt.Errorf("proof hash %d is not the base64 of 32 bytes", i)
		}
		out[i] = tlog.Hash(b)
	}
	return out, nil
}

func runAudit(ctx context.Context, cfg auditConfig, stdout, stderr io.Writer) error {
	if cfg.url == "" || cfg.key == "" {
		return errors.New("audit needs --url and --key (or INGOT_AUDIT_URL and INGOT_API_KEY)")
	}
	u, err := url.Parse(cfg.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q is not an http(s) URL", cfg.url)
	}
	if cfg.state == "" {
		return errors.New("--state is empty")
	}
	a := &auditor{base: strings.TrimSuffix(cfg.url, "/"), key: cfg.key, client: &http.Client{Timeout: cfg.timeout}}

	prev, err := loadAuditState(cfg.state)
	if err != nil {
		return err
	}

	// 1. The verifier key.
	body, err := a.get(ctx, "/v1/log/key")
	if err != nil {
		return fmt.Errorf("audit FAILED: the log's key: %w", err)
	}
	served := strings.TrimSpace(string(body))
	vkey := strings.TrimSpace(cfg.logKey)
	switch {
	case vkey != "" && prev != nil && prev.LogKey != vkey && !prev.followedFrom(vkey):
		return fmt.Errorf("audit FAILED: --log-key %s is not the key pinned in %s (%s), nor one it was rotated from; a log's key changes only through rotations announced in the log: remove the state file only if the key change was announced out of band", vkey, cfg.state, prev.LogKey)
	case prev != nil:
		vkey = prev.LogKey
	case vkey == "":
		vkey = served
		fmt.Fprintf(stderr, "audit: no --log-key and no state file: trusting the key the server serves, %s, on first use; compare it with the key published out of band\n", served)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("audit FAILED: verifier key %q: %v", vkey, err)
	}
	origin := cfg.origin
	if origin == "" {
		origin = v.Name()
	}
	pinned := translog.Epoch{Since: -1, Key: vkey}
	if prev != nil && prev.KeySince != nil {
		pinned.Since = *prev.KeySince
	}

	// 2. The checkpoint verified last time, and the latest checkpoint.
	var prevTree tlog.Tree
	if prev != nil && prev.Checkpoint != "" {
		var e translog.Epoch
		prevTree, e, err = translog.OpenRotating([]byte(prev.Checkpoint), origin, pinned)
		if err == nil && e.Key != vkey {
			err = fmt.Errorf("it announces key %s, which is not pinned", e.Key)
		}
		if err != nil {
			return fmt.Errorf("audit FAILED: the checkpoint in the state file %s does not verify: %w", cfg.state, err)
		}
		pinned = e
	}
	msg, err := a.get(ctx, "/v1/log/checkpoint")
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusNotFound && prevTree.N == 0 {
		// The log is empty, and was: nothing to prove yet. Pin the key.
		if served != vkey {
			return fmt.Errorf("audit FAILED: the server serves the log key %s, but the log's key is %s (pinned or --log-key)", served, vkey)
		}
		fmt.Fprintf(stdout, "log %s is empty (%s)\n", origin, he.body)
		return saveAuditState(cfg.state, &auditState{LogKey: vkey, VerifiedAt: time.Now().UTC(), URL: cfg.url})
	}
	if err != nil {
		return fmt.Errorf("audit FAILED: latest checkpoint: %w", err)
	}
	// Signed by the pinned key, or by a key the log announced since, through
	// announcements each signed by the key before and the key after.
	steps, tree, epoch, err := translog.Follow(msg, origin, pinned, func(size int64) ([]byte, error) { return a.checkpointOf(ctx, size) })
	if err != nil {
		return fmt.Errorf("audit FAILED: the latest checkpoint is not a checkpoint of log %s signed by its key %s, nor by a key announced since: %w", origin, vkey, err)
	}

	// 3. It extends the one seen last time, through every announcement.
	cur, curKey := prevTree, vkey
	for _, st := range steps {
		if cur.N > 0 && st.Tree.N <= cur.N {
			return fmt.Errorf("audit FAILED: key %s signed the checkpoint of size %d verified before (state file %s), but the log announced its successor %s at size %d: the replaced key signed after it was replaced", curKey, cur.N, cfg.state, st.To.Key, st.Tree.N)
		}
		if err := a.extends(ctx, cur, st.Tree, cfg.state); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "log %s: key rotated at tree size %d from %s to %s (announced in a checkpoint signed by both)\n", origin, st.Tree.N, st.From.Key, st.To.Key)
		cur, curKey = st.Tree, st.To.Key
	}
	if err := a.extends(ctx, cur, tree, cfg.state); err != nil {
		return err
	}
	if served != epoch.Key {
		older := served == vkey
		for _, st := range steps {
			older = older || served == st.From.Key
		}
		if !older {
			return fmt.Errorf("audit FAILED: the server serves the log key %s, but the log's key is %s", served, epoch.Key)
		}
		fmt.Fprintf(stderr, "audit: the server still serves the log's previous key %s (a process that has not signed since the rotation to %s)\n", served, epoch.Key)
	}
	vkey = epoch.Key

	// 4. Inclusion of the given transfers.
	for _, id := range cfg.transfers {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		path := fmt.Sprintf("/v1/transfers/%s/proof?tree_size=%d", url.PathEscape(id), tree.N)
		l, idx, err := a.inclusion(ctx, path, id, -1, tree, msg, epoch, origin)
		if err != nil {
			return fmt.Errorf("audit FAILED: transfer %s: %w", id, err)
		}
		fmt.Fprintf(stdout, "transfer %s is leaf %d of tree %d: %s of %s %s from account %d to account %d at %s\n",
			id, idx, tree.N, l.Kind, formatMinor(l.Amount, l.Currency), l.Currency, l.Debit, l.Credit, l.CreatedAt.Format(time.RFC3339Nano))
	}

	// 5. A random sample of leaves.
	if cfg.sample < 0 {
		return errors.New("--sample must not be negative")
	}
	picked := map[int64]bool{}
	for int64(len(picked)) < min(int64(cfg.sample), tree.N) {
		idx := rand.Int64N(tree.N)
		if picked[idx] {
			continue
		}
		picked[idx] = true
		path := fmt.Sprintf("/v1/log/entries/%d?tree_size=%d", idx, tree.N)
		l, _, err := a.inclusion(ctx, path, "", idx, tree, msg, epoch, origin)
		if err != nil {
			return fmt.Errorf("audit FAILED: log entry %d: %w", idx, err)
		}
		fmt.Fprintf(stdout, "leaf %d of tree %d is transfer %s: %s of %s %s from account %d to account %d at %s\n",
			idx, tree.N, l.ID, l.Kind, formatMinor(l.Amount, l.Currency), l.Currency, l.Debit, l.Credit, l.CreatedAt.Format(time.RFC3339Nano))
	}

	// 6. Remember the new checkpoint, and the key it is signed by.
	since := epoch.Since
	next := &auditState{
		LogKey: vkey, KeySince: &since, Checkpoint: string(msg), TreeSize: tree.N, Root: base64.StdEncoding.EncodeToString(tree.Hash[:]),
		VerifiedAt: time.Now().UTC(), URL: cfg.url,
	}
	if prev != nil {
		next.Rotations = prev.Rotations
	}
	for _, st := range steps {
		next.Rotations = append(next.Rotations, auditRotation{TreeSize: st.Tree.N, From: st.From.Key, To: st.To.Key, FollowedAt: next.VerifiedAt})
	}
	if err := saveAuditState(cfg.state, next); err != nil {
		return err
	}
	if prevTree.N > 0 {
		fmt.Fprintf(stdout, "log %s: tree %d extends tree %d\n", origin, tree.N, prevTree.N)
	}
	fmt.Fprintf(stdout, "log %s: checkpoint of %d transfers, root %s, signed by %s: OK\n", origin, tree.N, tree.Hash, vkey)
	return nil
}

// extends checks that the signed tree now extends the signed tree old
// (verified before, or an announcement on the way): not smaller, the same
// root at the same size, and otherwise a consistency proof that
// tlog.CheckTree accepts. An empty old tree is extended by every tree.
func (a *auditor) extends(ctx context.Context, old, now tlog.Tree, state string) error {
	switch {
	case old.N == 0:
		return nil
	case now.N < old.N:
		return fmt.Errorf("audit FAILED: the log shrank: the server's checkpoint has size %d, but checkpoint %d was verified before (state file %s); both are signed: keep them as evidence", now.N, old.N, state)
	case now.N == old.N:
		if now.Hash != old.Hash {
			return fmt.Errorf("audit FAILED: the log forked: two signed checkpoints of size %d with different roots, %s (now) and %s (state file %s); keep both as evidence", now.N, now.Hash, old.Hash, state)
		}
		return nil
	}
	var c struct {
		From  int64    `json:"from"`
		To    int64    `json:"to"`
		Proof []string `json:"proof"`
	}
	path := fmt.Sprintf("/v1/log/consistency?from=%d&to=%d", old.N, now.N)
	if err := a.getJSON(ctx, path, &c); err != nil {
		return fmt.Errorf("audit FAILED: consistency proof: %w", err)
	}
	proof, err := decodeHashes(c.Proof)
	if err != nil {
		return fmt.Errorf("audit FAILED: consistency proof from %d to %d: %v", old.N, now.N, err)
	}
	if c.From != old.N || c.To != now.N {
		return fmt.Errorf("audit FAILED: asked for the consistency proof from %d to %d, got one from %d to %d", old.N, now.N, c.From, c.To)
	}
	if err := tlog.CheckTree(proof, now.N, now.Hash, old.N, old.Hash); err != nil {
		return fmt.Errorf("audit FAILED: the log forked: the signed checkpoint of size %d (root %s) does not extend the one of size %d (root %s) verified before: %v; keep both as evidence", now.N, now.Hash, old.N, old.Hash, err)
	}
	return nil
}

// checkpointOf fetches the signed checkpoint of a tree size (size > 0),
// the one that an inclusion proof of leaf 0 in that tree comes with: how
// an auditor reads a key announcement the latest checkpoint points to.
func (a *auditor) checkpointOf(ctx context.Context, size int64) ([]byte, error) {
	var p struct {
		TreeSize   int64  `json:"tree_size"`
		Checkpoint string `json:"checkpoint"`
	}
	if size < 1 {
		return nil, fmt.Errorf("no checkpoint of size %d", size)
	}
	if err := a.getJSON(ctx, fmt.Sprintf("/v1/log/entries/0?tree_size=%d", size), &p); err != nil {
		return nil, err
	}
	if p.TreeSize != size {
		return nil, fmt.Errorf("asked for the checkpoint of size %d, got one of size %d", size, p.TreeSize)
	}
	return []byte(p.Checkpoint), nil
}

// inclusion fetches an inclusion proof from path and proves that the leaf
// is in tree, whose signed note is msg; the leaf must be transfer id (when
// not "") at index (when not -1).
func (a *auditor) inclusion(ctx context.Context, path, id string, index int64, tree tlog.Tree, msg []byte, epoch translog.Epoch, origin string) (verify.Leaf, int64, error) {
	var p struct {
		LogIndex   int64    `json:"log_index"`
		TreeSize   int64    `json:"tree_size"`
		Leaf       []byte   `json:"leaf"`
		Proof      []string `json:"proof"`
		Checkpoint string   `json:"checkpoint"`
	}
	if err := a.getJSON(ctx, path, &p); err != nil {
		return verify.Leaf{}, 0, err
	}
	if p.TreeSize != tree.N {
		return verify.Leaf{}, 0, fmt.Errorf("asked for a proof in the tree of size %d, got one for size %d", tree.N, p.TreeSize)
	}
	if p.Checkpoint != string(msg) {
		// Another note of the same tree (say, with other cosignatures) is
		// fine if it verifies and says the same.
		t, _, err := translog.OpenRotating([]byte(p.Checkpoint), origin, epoch)
		if err != nil {
			return verify.Leaf{}, 0, fmt.Errorf("the proof's checkpoint does not verify: %w", err)
		}
		if t != tree {
			return verify.Leaf{}, 0, fmt.Errorf("the proof's checkpoint is of tree %d %s, not of the latest checkpoint's tree %d %s", t.N, t.Hash, tree.N, tree.Hash)
		}
	}
	proof, err := decodeHashes(p.Proof)
	if err != nil {
		return verify.Leaf{}, 0, err
	}
	if err := tlog.CheckRecord(proof, tree.N, tree.Hash, p.LogIndex, tlog.RecordHash(p.Leaf)); err != nil {
		return verify.Leaf{}, 0, fmt.Errorf("the inclusion proof of leaf %d does not verify against the signed checkpoint of size %d: %v", p.LogIndex, tree.N, err)
	}
	l, err := verify.ParseLeaf(p.Leaf)
	if err != nil {
		return verify.Leaf{}, 0, fmt.Errorf("leaf %d: %v", p.LogIndex, err)
	}
	if index >= 0 && p.LogIndex != index {
		return verify.Leaf{}, 0, fmt.Errorf("asked for leaf %d, got leaf %d", index, p.LogIndex)
	}
	if id != "" && l.ID != id {
		return verify.Leaf{}, 0, fmt.Errorf("the proven leaf %d is transfer %s, not %s", p.LogIndex, l.ID, id)
	}
	return l, p.LogIndex, nil
}

// formatMinor formats minor units in a currency's decimals.
func formatMinor(v int64, cur string) string {
	if c, err := ingot.LookupCurrency(cur); err == nil {
		return ingot.FormatAmount(v, c)
	}
	return strconv.FormatInt(v, 10) + " minor units of"
}
