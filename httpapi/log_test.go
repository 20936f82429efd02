package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/translog"
)

// The transparency log through the API, checked with golang.org/x/mod's
// note and tlog packages (translog only parses the checkpoint text and
// encodes the expected leaf).

// apiTransfer is a transfer as the API renders it.
type apiTransfer struct {
	ID        string    `json:"id"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Amount    string    `json:"amount"`
	Currency  string    `json:"currency"`
	Kind      string    `json:"kind"`
	Memo      string    `json:"memo"`
	HoldID    string    `json:"hold_id"`
	CreatedAt time.Time `json:"created_at"`
	LogIndex  *int64    `json:"log_index"`
}

// apiProof is the answer of GET /v1/transfers/{id}/proof, decoded the way
// an auditor with golang.org/x/mod alone decodes it.
type apiProof struct {
	LogIndex   int64            `json:"log_index"`
	TreeSize   int64            `json:"tree_size"`
	Leaf       []byte           `json:"leaf"`
	Proof      tlog.RecordProof `json:"proof"`
	Checkpoint string           `json:"checkpoint"`
}

type apiConsistency struct {
	From  int64          `json:"from"`
	To    int64          `json:"to"`
	Proof tlog.TreeProof `json:"proof"`
}

func decode[T any](e *env, r *resp) T {
	e.t.Helper()
	var v T
	if err := json.Unmarshal(r.raw, &v); err != nil {
		e.t.Fatalf("decoding %T: %v: %s", v, err, r.raw)
	}
	return v
}

// transferOf decodes a transfer answer and checks it carries log_index.
func transferOf(e *env, raw []byte) apiTransfer {
	e.t.Helper()
	var tr apiTransfer
	if err := json.Unmarshal(raw, &tr); err != nil {
		e.t.Fatalf("transfer: %v: %s", err, raw)
	}
	if tr.ID == "" || tr.LogIndex == nil || *tr.LogIndex < 0 {
		e.t.Fatalf("transfer without id or log_index: %s", raw)
	}
	return tr
}

// text fetches a text/plain log resource.
func (e *env) text(path, key string) []byte {
	e.t.Helper()
	r := e.must(e.req("GET", path, key, nil), 200)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		e.t.Fatalf("%s: Content-Type %q, want text/plain", path, ct)
	}
	return r.raw
}

// openCheckpoint verifies a signed checkpoint with x/mod's note and parses it.
func openCheckpoint(t testing.TB, msg []byte, vkey string) tlog.Tree {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		t.Fatalf("checkpoint does not verify: %v\n%s", err, msg)
	}
	origin, tree, err := translog.ParseCheckpoint([]byte(n.Text))
	if err != nil {
		t.Fatal(err)
	}
	if origin != v.Name() || origin != translog.DefaultOrigin {
		t.Fatalf("checkpoint origin %q, key %q", origin, v.Name())
	}
	return tree
}

// leafOf is translog.LeafBytes of a transfer as GET /v1/transfers/{id}
// shows it; the account ids of reserve and issuance sides come from the
// store, wallet ids from the answer.
func (e *env) leafOf(tr apiTransfer) []byte {
	e.t.Helper()
	ctx := context.Background()
	acc := func(side string) int64 {
		switch {
		case side == "issuance":
			a, err := e.st.EnsureAccount(ctx, ingot.AccountIssuance, "", tr.Currency)
			if err != nil {
				e.t.Fatal(err)
			}
			return a.ID
		case strings.HasPrefix(side, "reserve:"):
			a, err := e.st.EnsureAccount(ctx, ingot.AccountReserve, strings.TrimPrefix(side, "reserve:"), tr.Currency)
			if err != nil {
				e.t.Fatal(err)
			}
			return a.ID
		}
		id, err := ingot.ParseWalletID(side)
		if err != nil {
			e.t.Fatalf("side %q: %v", side, err)
		}
		return id
	}
	amount, err := ingot.ParseAmount(tr.Amount, ingot.MustCurrency(tr.Currency))
	if err != nil {
		e.t.Fatal(err)
	}
	return translog.LeafBytes(ingot.Transfer{
		ID: tr.ID, Kind: ingot.TransferKind(tr.Kind), Debit: acc(tr.From), Credit: acc(tr.To),
		Amount: amount, Currency: tr.Currency, CreatedAt: tr.CreatedAt, Memo: tr.Memo, HoldID: tr.HoldID,
	})
}

func flip(h tlog.Hash) tlog.Hash {
	h[7] ^= 0x40
	return h
}

func TestTransparencyLog(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		// Before the first transfer: a key, no checkpoint.
		vkey := strings.TrimSpace(string(e.text("/v1/log/key", adminKey)))
		if vkey != e.vkey {
			t.Fatalf("GET /v1/log/key = %q, want %q", vkey, e.vkey)
		}
		e.problem(e.req("GET", "/v1/log/checkpoint", adminKey, nil), 404, "not_found")

		// An auditor, made idempotently by the central bank only.
		r := e.must(e.req("POST", "/v1/auditors", adminKey, nil, "Idempotency-Key", "aud-1"), 201)
		audID, aud := r.str("id"), r.str("api_key")
		if audID == "" || r.str("role") != "auditor" || !strings.HasPrefix(aud, "ingot_live_") || r.str("created_at") == "" {
			t.Fatalf("auditor: %s", r.raw)
		}
		rr := e.must(e.req("POST", "/v1/auditors", adminKey, nil, "Idempotency-Key", "aud-1"), 201)
		if rr.header.Get("Idempotent-Replayed") != "true" || rr.str("id") != audID || rr.str("role") != "auditor" {
			t.Fatalf("auditor replay: %s", rr.raw)
		}
		if _, ok := rr.body["api_key"]; ok {
			t.Fatalf("auditor replay shows the key: %s", rr.raw)
		}
		if e.must(e.req("POST", "/v1/auditors", adminKey, nil), 201).str("api_key") == aud {
			t.Fatal("two auditors with one key")
		}

		// Transfers of every kind, over many batches; reader is a key that
		// may read each one.
		type made struct {
			tr     apiTransfer
			reader string
		}
		var all []made
		add := func(reader string, raw []byte) apiTransfer {
			tr := transferOf(e, raw)
			all = append(all, made{tr, reader})
			return tr
		}
		opA, keyA := e.operator("ICBC")
		opB, keyB := e.operator("BOC")
		_, keyC := e.operator("CCB")
		e.problem(e.req("POST", "/v1/auditors", keyA, nil), 403, "forbidden")
		e.problem(e.req("POST", "/v1/auditors", aud, nil), 403, "forbidden")

		mint := func(op, amount string) {
			add(adminKey, e.must(e.req("POST", "/v1/issuance/mint", adminKey, map[string]any{"operator_id": op, "amount": amount, "currency": "CNY"}), 201).raw)
		}
		mint(opA, "100000.00")
		mint(opB, "50000.00")
		open := func(key string) string {
			return e.must(e.req("POST", "/v1/wallets", key, map[string]any{"holder": map[string]any{"name": "Zhang San", "phone": "13812345678"}, "currency": "CNY"}), 201).str("id")
		}
		a1, a2, b1 := open(keyA), open(keyA), open(keyB)
		topup := func(key, w, amount string) {
			add(key, e.must(e.req("POST", "/v1/wallets/"+w+"/topups", key, map[string]any{"amount": amount}), 201).raw)
		}
		topup(keyA, a1, "500.00")
		topup(keyB, b1, "80.00")

		// An early checkpoint, kept to check consistency later.
		early := e.text("/v1/log/checkpoint", aud)
		earlyTree := openCheckpoint(t, early, vkey)
		if earlyTree.N != int64(len(all)) {
			t.Fatalf("early checkpoint of size %d after %d transfers", earlyTree.N, len(all))
		}

		pay := add(keyA, e.must(e.req("POST", "/v1/transfers", keyA, map[string]any{"from": a1, "to": b1, "amount": "12.30", "currency": "CNY", "memo": "lunch 午饭"}), 201).raw)
		add(keyA, e.must(e.req("POST", "/v1/wallets/"+a1+"/withdrawals", keyA, map[string]any{"amount": "7.00"}), 201).raw)
		br := e.must(e.req("POST", "/v1/transfers/batch", keyA, map[string]any{"transfers": []any{
			map[string]any{"from": a1, "to": a2, "amount": "1.00", "currency": "CNY"},
			map[string]any{"from": a1, "to": a2, "amount": "9999.00", "currency": "CNY"}, // fails: no log entry
			map[string]any{"from": a1, "to": b1, "amount": "2.50", "currency": "CNY", "memo": "m"},
		}}), 200)
		var batch struct {
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(br.raw, &batch); err != nil || len(batch.Results) != 3 {
			t.Fatalf("batch: %v %s", err, br.raw)
		}
		add(keyA, batch.Results[0])
		add(keyA, batch.Results[2])
		if bytes.Contains(batch.Results[1], []byte("log_index")) {
			t.Fatalf("failed batch item with a log index: %s", batch.Results[1])
		}
		exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		hid := e.must(e.req("POST", "/v1/holds", keyA, map[string]any{"wallet": a1, "amount": "30.00", "expires_at": exp}), 201).str("id")
		capID := e.must(e.req("POST", "/v1/holds/"+hid+"/capture", keyA, map[string]any{"to": b1, "amount": "20.00"}), 200).str("transfer_id")
		capture := add(keyB, e.must(e.req("GET", "/v1/transfers/"+capID, keyB, nil), 200).raw)
		if capture.Kind != "capture" || capture.HoldID != hid {
			t.Fatalf("capture transfer: %+v", capture)
		}
		add(adminKey, e.must(e.req("POST", "/v1/issuance/burn", adminKey, map[string]any{"operator_id": opB, "amount": "100.00", "currency": "CNY"}), 201).raw)
		// An idempotent replay shows the same log index.
		p1 := e.must(e.req("POST", "/v1/transfers", keyB, map[string]any{"from": b1, "to": a2, "amount": "3.00", "currency": "CNY"}, "Idempotency-Key", "p-1"), 201)
		last := add(keyB, p1.raw)
		p2 := e.must(e.req("POST", "/v1/transfers", keyB, map[string]any{"from": b1, "to": a2, "amount": "3.00", "currency": "CNY"}, "Idempotency-Key", "p-1"), 201)
		if tr := transferOf(e, p2.raw); p2.header.Get("Idempotent-Replayed") != "true" || *tr.LogIndex != *last.LogIndex {
			t.Fatalf("replay: %s, first %s", p2.raw, p1.raw)
		}
		// History items carry the index too.
		hist := e.must(e.req("GET", "/v1/wallets/"+a2+"/transactions", keyA, nil), 200)
		for _, it := range hist.items() {
			if _, ok := it.(map[string]any)["transfer"].(map[string]any)["log_index"].(float64); !ok {
				t.Fatalf("history item without log_index: %s", hist.raw)
			}
		}

		// The latest checkpoint, as every role sees it.
		latest := e.text("/v1/log/checkpoint", aud)
		for _, k := range []string{adminKey, keyA, keyC} {
			if got := e.text("/v1/log/checkpoint", k); !bytes.Equal(got, latest) {
				t.Fatalf("checkpoint differs by key:\n%s\n%s", got, latest)
			}
			if got := strings.TrimSpace(string(e.text("/v1/log/key", k))); got != vkey {
				t.Fatalf("key differs by caller: %s", got)
			}
		}
		tree := openCheckpoint(t, latest, vkey)
		n := int64(len(all))
		if tree.N != n {
			t.Fatalf("checkpoint of size %d after %d transfers", tree.N, n)
		}
		// A checkpoint signed by another key, or edited, does not open.
		_, otherKey, _ := note.GenerateKey(rand.Reader, translog.DefaultOrigin)
		if ov, err := note.NewVerifier(otherKey); err != nil {
			t.Fatal(err)
		} else if _, err := note.Open(latest, note.VerifierList(ov)); err == nil {
			t.Fatal("checkpoint opens with another key")
		}
		edited := bytes.Replace(latest, []byte(fmt.Sprintf("\n%d\n", n)), []byte(fmt.Sprintf("\n%d\n", n+1)), 1)
		if v, _ := note.NewVerifier(vkey); bytes.Equal(edited, latest) {
			t.Fatal("could not edit the checkpoint")
		} else if _, err := note.Open(edited, note.VerifierList(v)); err == nil {
			t.Fatal("edited checkpoint opens")
		}

		// log_index: 0..n-1, no gaps, no repeats.
		var idx []int64
		for _, m := range all {
			idx = append(idx, *m.tr.LogIndex)
		}
		slices.Sort(idx)
		for i, x := range idx {
			if x != int64(i) {
				t.Fatalf("log indexes %v are not 0..%d", idx, n-1)
			}
		}

		// Every transfer: its leaf is what the API shows, and its proof
		// verifies against the latest and (when old enough) the early root.
		for _, m := range all {
			shown := transferOf(e, e.must(e.req("GET", "/v1/transfers/"+m.tr.ID, m.reader, nil), 200).raw)
			if *shown.LogIndex != *m.tr.LogIndex || !shown.CreatedAt.Equal(m.tr.CreatedAt) || shown.Amount != m.tr.Amount {
				t.Fatalf("GET shows %+v, created %+v", shown, m.tr)
			}
			want := e.leafOf(shown)
			for _, k := range []string{aud, adminKey, m.reader} {
				p := decode[apiProof](e, e.must(e.req("GET", "/v1/transfers/"+m.tr.ID+"/proof", k, nil), 200))
				if p.LogIndex != *m.tr.LogIndex || p.TreeSize != n || p.Checkpoint != string(latest) {
					t.Fatalf("proof of %s: index %d size %d, checkpoint\n%s", m.tr.ID, p.LogIndex, p.TreeSize, p.Checkpoint)
				}
				if !bytes.Equal(p.Leaf, want) {
					t.Fatalf("leaf of %s (%s):\n got %x\nwant %x", m.tr.ID, m.tr.Kind, p.Leaf, want)
				}
				if err := tlog.CheckRecord(p.Proof, p.TreeSize, tree.Hash, p.LogIndex, tlog.RecordHash(p.Leaf)); err != nil {
					t.Fatalf("proof of %s does not verify: %v", m.tr.ID, err)
				}
			}
			// The same leaf by index, as an auditor samples; operators may not.
			for _, k := range []string{aud, adminKey} {
				p := decode[apiProof](e, e.must(e.req("GET", fmt.Sprintf("/v1/log/entries/%d", *m.tr.LogIndex), k, nil), 200))
				if p.LogIndex != *m.tr.LogIndex || !bytes.Equal(p.Leaf, want) || p.Checkpoint != string(latest) {
					t.Fatalf("entry %d: %+v", *m.tr.LogIndex, p)
				}
				if err := tlog.CheckRecord(p.Proof, p.TreeSize, tree.Hash, p.LogIndex, tlog.RecordHash(p.Leaf)); err != nil {
					t.Fatalf("entry %d does not verify: %v", p.LogIndex, err)
				}
			}
			if m.reader != adminKey {
				e.problem(e.req("GET", fmt.Sprintf("/v1/log/entries/%d", *m.tr.LogIndex), m.reader, nil), 403, "forbidden")
			}
			path := fmt.Sprintf("/v1/transfers/%s/proof?tree_size=%d", m.tr.ID, earlyTree.N)
			if *m.tr.LogIndex >= earlyTree.N {
				r := e.req("GET", path, aud, nil)
				if r.status < 400 || r.status > 499 {
					t.Fatalf("proof of a later transfer in the early tree: %d %s", r.status, r.raw)
				}
				continue
			}
			p := decode[apiProof](e, e.must(e.req("GET", path, aud, nil), 200))
			if p.TreeSize != earlyTree.N || p.Checkpoint != string(early) {
				t.Fatalf("early proof: size %d, checkpoint %s", p.TreeSize, p.Checkpoint)
			}
			if err := tlog.CheckRecord(p.Proof, p.TreeSize, earlyTree.Hash, p.LogIndex, tlog.RecordHash(p.Leaf)); err != nil {
				t.Fatalf("early proof of %s: %v", m.tr.ID, err)
			}
		}

		e.problem(e.req("GET", fmt.Sprintf("/v1/log/entries/%d", n), aud, nil), 404, "not_found")
		e.problem(e.req("GET", "/v1/log/entries/-1", aud, nil), 422, "invalid_request")

		// The check can fail: a tampered proof, leaf, index or root.
		p := decode[apiProof](e, e.must(e.req("GET", "/v1/transfers/"+pay.ID+"/proof", aud, nil), 200))
		if len(p.Proof) == 0 {
			t.Fatal("empty proof in a tree of several leaves")
		}
		leafHash := tlog.RecordHash(p.Leaf)
		if err := tlog.CheckRecord(p.Proof, n, tree.Hash, p.LogIndex, leafHash); err != nil {
			t.Fatal(err)
		}
		for i := range p.Proof {
			bad := slices.Clone(p.Proof)
			bad[i] = flip(bad[i])
			if tlog.CheckRecord(bad, n, tree.Hash, p.LogIndex, leafHash) == nil {
				t.Fatalf("proof with hash %d changed verifies", i)
			}
		}
		if tlog.CheckRecord(p.Proof, n, flip(tree.Hash), p.LogIndex, leafHash) == nil {
			t.Fatal("proof verifies against a wrong root")
		}
		badLeaf := slices.Clone(p.Leaf)
		badLeaf[len(badLeaf)-40] ^= 1 // in the amount/time/memo area
		if tlog.CheckRecord(p.Proof, n, tree.Hash, p.LogIndex, tlog.RecordHash(badLeaf)) == nil {
			t.Fatal("proof verifies a changed leaf")
		}
		if tlog.CheckRecord(p.Proof, n, tree.Hash, p.LogIndex^1, leafHash) == nil {
			t.Fatal("proof verifies at another index")
		}

		// Consistency of the early checkpoint with the latest.
		c := decode[apiConsistency](e, e.must(e.req("GET", fmt.Sprintf("/v1/log/consistency?from=%d&to=%d", earlyTree.N, n), aud, nil), 200))
		if c.From != earlyTree.N || c.To != n || len(c.Proof) == 0 {
			t.Fatalf("consistency: %+v", c)
		}
		if err := tlog.CheckTree(c.Proof, n, tree.Hash, earlyTree.N, earlyTree.Hash); err != nil {
			t.Fatalf("consistency proof does not verify: %v", err)
		}
		for i := range c.Proof {
			bad := slices.Clone(c.Proof)
			bad[i] = flip(bad[i])
			if tlog.CheckTree(bad, n, tree.Hash, earlyTree.N, earlyTree.Hash) == nil {
				t.Fatalf("consistency proof with hash %d changed verifies", i)
			}
		}
		if tlog.CheckTree(c.Proof, n, tree.Hash, earlyTree.N, flip(earlyTree.Hash)) == nil ||
			tlog.CheckTree(c.Proof, n, flip(tree.Hash), earlyTree.N, earlyTree.Hash) == nil {
			t.Fatal("consistency proof verifies with a wrong root")
		}
		// Every checkpointed size extends to the latest, for any key; the
		// old roots come from the checkpoints the proofs endpoint serves.
		first := all[slices.IndexFunc(all, func(m made) bool { return *m.tr.LogIndex == 0 })].tr
		cps, err := e.st.Checkpoints(context.Background(), 0, 1000)
		if err != nil || len(cps) < 8 || cps[len(cps)-1].Size != n {
			t.Fatalf("%d checkpoints (%v), want one per batch up to %d", len(cps), err, n)
		}
		for _, cp := range cps {
			p := decode[apiProof](e, e.must(e.req("GET", fmt.Sprintf("/v1/transfers/%s/proof?tree_size=%d", first.ID, cp.Size), keyA, nil), 200))
			old := openCheckpoint(t, []byte(p.Checkpoint), vkey)
			if old.N != cp.Size || p.TreeSize != cp.Size {
				t.Fatalf("checkpoint of size %d served for tree_size %d", old.N, cp.Size)
			}
			c := decode[apiConsistency](e, e.must(e.req("GET", fmt.Sprintf("/v1/log/consistency?from=%d&to=%d", old.N, n), keyC, nil), 200))
			if err := tlog.CheckTree(c.Proof, n, tree.Hash, old.N, old.Hash); err != nil {
				t.Fatalf("consistency %d -> %d: %v", old.N, n, err)
			}
		}
		c = decode[apiConsistency](e, e.must(e.req("GET", fmt.Sprintf("/v1/log/consistency?from=0&to=%d", n), adminKey, nil), 200))
		if c.From != 0 || c.To != n || c.Proof == nil || len(c.Proof) != 0 {
			t.Fatalf("consistency from 0: %+v", c)
		}
		for _, q := range []string{
			fmt.Sprintf("from=%d&to=%d", n, n+1), // beyond the log
			"from=3&to=2",                        // backwards
			"from=-1&to=2",                       // negative
			"from=x&to=2",                        // not a number
			"to=2",                               // missing
			"",                                   // missing
		} {
			r := e.req("GET", "/v1/log/consistency?"+q, aud, nil)
			if r.status < 400 || r.status > 499 {
				t.Fatalf("consistency?%s: %d %s", q, r.status, r.raw)
			}
			e.problem(r, r.status, r.str("code"))
		}
		for _, q := range []string{"tree_size=0", "tree_size=-1", "tree_size=x", fmt.Sprintf("tree_size=%d", n+1)} {
			r := e.req("GET", "/v1/transfers/"+pay.ID+"/proof?"+q, aud, nil)
			if r.status < 400 || r.status > 499 {
				t.Fatalf("proof?%s: %d %s", q, r.status, r.raw)
			}
			e.problem(r, r.status, r.str("code"))
		}

		// Visibility of proofs: the parties, the central bank and auditors;
		// for others the transfer does not exist.
		e.must(e.req("GET", "/v1/transfers/"+pay.ID+"/proof", keyB, nil), 200)
		e.problem(e.req("GET", "/v1/transfers/"+pay.ID+"/proof", keyC, nil), 404, "not_found")
		batchItem := all[slices.IndexFunc(all, func(m made) bool { return m.tr.To == a2 && m.tr.Kind == "payment" })].tr
		e.problem(e.req("GET", "/v1/transfers/"+batchItem.ID+"/proof", keyB, nil), 404, "not_found")
		e.problem(e.req("GET", "/v1/transfers/"+batchItem.ID+"/proof", keyC, nil), 404, "not_found")
		for _, id := range []string{"0190a5f2-3b4c-7d8e-9f01-23456789abcd", "nope"} {
			for _, k := range []string{aud, adminKey, keyA} {
				e.problem(e.req("GET", "/v1/transfers/"+id+"/proof", k, nil), 404, "not_found")
			}
		}
		// The log needs a key.
		for _, path := range []string{"/v1/log/checkpoint", "/v1/log/key", "/v1/log/consistency?from=1&to=2", "/v1/transfers/" + pay.ID + "/proof"} {
			e.problem(e.req("GET", path, "", nil), 401, "unauthorized")
			e.problem(e.req("GET", path, "ik_wrong", nil), 401, "unauthorized")
		}

		// An auditor may do nothing else, and sees nothing that names a person.
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/v1/operators", nil},
			{"POST", "/v1/operators", map[string]any{"name": "X", "code": "XX"}},
			{"GET", "/v1/operators/me", nil},
			{"POST", "/v1/issuance/mint", map[string]any{"operator_id": opA, "amount": "1.00", "currency": "CNY"}},
			{"POST", "/v1/issuance/burn", map[string]any{"operator_id": opA, "amount": "1.00", "currency": "CNY"}},
			{"GET", "/v1/issuance/supply?currency=CNY", nil},
			{"POST", "/v1/wallets", map[string]any{"holder": map[string]any{"name": "A", "phone": "13812345678"}, "currency": "CNY"}},
			{"GET", "/v1/wallets", nil},
			{"GET", "/v1/wallets/" + a1, nil},
			{"POST", "/v1/wallets/" + a1 + "/freeze", nil},
			{"POST", "/v1/wallets/" + a1 + "/unfreeze", nil},
			{"POST", "/v1/wallets/" + a1 + "/close", nil},
			{"POST", "/v1/wallets/" + a1 + "/topups", map[string]any{"amount": "1.00"}},
			{"POST", "/v1/wallets/" + a1 + "/withdrawals", map[string]any{"amount": "1.00"}},
			{"GET", "/v1/wallets/" + a1 + "/transactions", nil},
			{"POST", "/v1/transfers", map[string]any{"from": a1, "to": b1, "amount": "1.00", "currency": "CNY"}},
			{"POST", "/v1/transfers/batch", map[string]any{"transfers": []any{map[string]any{"from": a1, "to": b1, "amount": "1.00", "currency": "CNY"}}}},
			{"GET", "/v1/transfers/" + pay.ID, nil},
			{"GET", "/v1/transfers/" + capID, nil},
			{"POST", "/v1/holds", map[string]any{"wallet": a1, "amount": "1.00", "expires_at": exp}},
			{"GET", "/v1/holds/" + hid, nil},
			{"POST", "/v1/holds/" + hid + "/capture", map[string]any{"to": b1}},
			{"POST", "/v1/holds/" + hid + "/void", nil},
		} {
			r := e.req(c.method, c.path, aud, c.body)
			switch r.status {
			case 403:
				e.problem(r, 403, "forbidden")
			case 404:
				e.problem(r, 404, "not_found")
			default:
				t.Fatalf("auditor %s %s: %d %s", c.method, c.path, r.status, r.raw)
			}
			if bytes.Contains(r.raw, []byte("Zhang")) || bytes.Contains(r.raw, []byte("5678")) {
				t.Fatalf("auditor %s %s sees personal data: %s", c.method, c.path, r.raw)
			}
		}
		// Nothing moved for the auditor's attempts.
		if got := decode[apiProof](e, e.must(e.req("GET", "/v1/transfers/"+pay.ID+"/proof", aud, nil), 200)); got.TreeSize != n {
			t.Fatalf("the log grew to %d during the auditor's attempts", got.TreeSize)
		}

		// The OpenAPI document lists the log.
		doc := string(e.must(e.req("GET", "/openapi.json", "", nil), 200).raw)
		for _, s := range []string{"/v1/log/checkpoint", "/v1/log/key", "/v1/log/consistency", "/v1/transfers/{id}/proof", "/v1/auditors", `"log_index"`, "Transparency log", "text/plain"} {
			if !strings.Contains(doc, s) {
				t.Fatalf("openapi.json lacks %s", s)
			}
		}
	})
}

// TestLogIndexesUnderConcurrency: many concurrent payments land in shared
// batches; their log indexes still are 0..n-1 and each proves.
func TestLogIndexesUnderConcurrency(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		_, key := e.funded("ICBC")
		a := e.wallet(key, "1000.00")
		b := e.wallet(key, "")
		const k = 40
		out := make(chan []byte, k)
		for range k {
			go func() {
				r := e.req("POST", "/v1/transfers", key, map[string]any{"from": a, "to": b, "amount": "1.00", "currency": "CNY"})
				if r.status != 201 {
					out <- nil
					return
				}
				out <- r.raw
			}()
		}
		seen := map[int64]string{}
		for range k {
			raw := <-out
			if raw == nil {
				t.Fatal("a payment failed")
			}
			tr := transferOf(e, raw)
			if prev, dup := seen[*tr.LogIndex]; dup {
				t.Fatalf("log index %d for %s and %s", *tr.LogIndex, prev, tr.ID)
			}
			seen[*tr.LogIndex] = tr.ID
		}
		tree := openCheckpoint(t, e.text("/v1/log/checkpoint", key), e.vkey)
		// mint, top-up, then the k payments.
		if tree.N != k+2 {
			t.Fatalf("tree size %d, want %d", tree.N, k+2)
		}
		for i := int64(2); i < tree.N; i++ {
			id, ok := seen[i]
			if !ok {
				t.Fatalf("no payment at log index %d", i)
			}
			p := decode[apiProof](e, e.must(e.req("GET", "/v1/transfers/"+id+"/proof?tree_size="+fmt.Sprint(tree.N), key, nil), 200))
			if err := tlog.CheckRecord(p.Proof, tree.N, tree.Hash, i, tlog.RecordHash(p.Leaf)); err != nil {
				t.Fatalf("payment at %d: %v", i, err)
			}
		}
	})
}
