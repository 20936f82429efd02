package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ingot-cbdc/ingot/client"
)

// TestFlows walks the main paths through the client against a real server,
// on SQLite and (when configured) PostgreSQL.
func TestFlows(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			flows(t, newServer(t, kind))
		})
	}
}

// failure is a must's error, turned into t.Fatal by flows.
type failure struct{ err error }

// must returns v, or fails the test (through flows' recover) on err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(failure{err})
	}
	return v
}

func flows(t *testing.T, s *server) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(failure)
			if !ok {
				panic(r)
			}
			t.Fatal(f.err)
		}
	}()
	ctx := context.Background()
	admin := client.New(s.URL+"/", client.WithAPIKey(adminKey))

	// The central bank registers an operator and mints into its reserve.
	op := must(admin.CreateOperator(ctx, client.CreateOperatorRequest{Name: "Test Bank", Code: "TB"}))
	if op.APIKey == "" {
		t.Fatalf("operator without its key: %+v", op)
	}
	if _, err := admin.Mint(ctx, client.IssueRequest{OperatorID: op.ID, Amount: "10000.00", Currency: "CNY"}); err != nil {
		t.Fatal(err)
	}
	oc := admin.WithCredential(op.APIKey)

	// The operator opens two wallets and tops one up from its reserve.
	open := func(name, phone, kind string) *client.Wallet {
		return must(oc.CreateWallet(ctx, client.CreateWalletRequest{Currency: "CNY", Kind: kind,
			Holder: client.HolderInput{Name: name, Phone: phone}}))
	}
	a, b := open("Zhang San", "13812345678", ""), open("Li Si", "13912345678", "")
	fund := must(oc.TopUp(ctx, a.ID, client.FundRequest{Amount: "100.00"}))
	if fund.Transfer == nil || fund.BankOperation != nil || fund.Transfer.Kind != "topup" {
		t.Fatalf("top-up answer: %+v", fund)
	}

	// A payment, and its replay with the same idempotency key.
	key := client.NewIdempotencyKey()
	pay := client.PayBody{From: a.ID, To: b.ID, Amount: "12.30", Currency: "CNY", Memo: "lunch"}
	var h http.Header
	tr := must(oc.CreateTransfer(ctx, pay, client.WithIdempotencyKey(key), client.ResponseHeader(&h)))
	if tr.Amount != "12.30" || tr.From != a.ID || tr.To != b.ID || h.Get("Idempotent-Replayed") == "true" {
		t.Fatalf("transfer %+v, replayed %q", tr, h.Get("Idempotent-Replayed"))
	}
	again := must(oc.CreateTransfer(ctx, pay, client.WithIdempotencyKey(key), client.ResponseHeader(&h)))
	if again.ID != tr.ID || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %s (first %s), Idempotent-Replayed %q", again.ID, tr.ID, h.Get("Idempotent-Replayed"))
	}
	if w := must(oc.GetWallet(ctx, a.ID, nil)); w.Balance != "87.70" {
		t.Fatalf("payer balance %s after a replayed payment; want 87.70", w.Balance)
	}
	// The same key with another body is a conflict.
	pay.Amount = "1.00"
	_, err := oc.CreateTransfer(ctx, pay, client.WithIdempotencyKey(key))
	if client.Code(err) != "idempotency_conflict" {
		t.Fatalf("same key, other body: %v", err)
	}

	// A problem, decoded with its code.
	_, err = oc.CreateTransfer(ctx, client.PayBody{From: a.ID, To: b.ID, Amount: "1500.00", Currency: "CNY"})
	var pe *client.Error
	if !errors.As(err, &pe) || pe.Code != "insufficient_funds" || pe.Status != http.StatusUnprocessableEntity || pe.Detail == "" {
		t.Fatalf("payment beyond the balance: %#v", err)
	}
	if !strings.Contains(err.Error(), "insufficient_funds") {
		t.Fatalf("error text %q", err)
	}
	_, err = oc.GetWallet(ctx, "1234", nil)
	if !errors.As(err, &pe) || pe.Status/100 != 4 || pe.Code == "" {
		t.Fatalf("bad wallet id: %#v", err)
	}
	if _, err := client.New(s.URL).GetMe(ctx); client.Code(err) != "unauthorized" {
		t.Fatalf("no key: %v", err)
	}

	// A list, and a page of it.
	page := must(oc.ListWallets(ctx, &client.ListWalletsParams{Limit: 1}))
	if len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("first page of wallets: %+v", page)
	}
	hist := must(oc.ListTransactions(ctx, a.ID, nil))
	if len(hist.Items) != 2 || hist.Items[0].Transfer.ID != tr.ID || hist.Items[0].Amount != "-12.30" {
		t.Fatalf("history: %+v", hist)
	}

	// A merchant's payment request, paid by its QR code.
	m := open("Lao Wang", "13712345678", "merchant")
	if _, err := oc.SetMerchant(ctx, m.ID, client.SetMerchantRequest{Name: "Lao Wang Noodles", City: "Beijing", Country: "CN", MCC: "5812"}); err != nil {
		t.Fatal(err)
	}
	pr := must(oc.CreatePaymentRequest(ctx, client.PaymentRequestRequest{MerchantWallet: m.ID, Amount: "38.00", Currency: "CNY", Reference: "TABLE-12"}))
	if pr.Status != "open" || pr.QR == "" {
		t.Fatalf("payment request %+v", pr)
	}
	png := must(oc.GetPaymentRequestQR(ctx, pr.ID))
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("QR image starts %q", png[:min(8, len(png))])
	}
	paid := must(oc.PayQR(ctx, client.QrPaymentRequest{From: a.ID, QR: pr.QR}))
	if got := must(oc.GetPaymentRequest(ctx, pr.ID)); got.Status != "paid" || got.TransferID != paid.ID {
		t.Fatalf("payment request after paying: %+v (transfer %s)", got, paid.ID)
	}
	if _, err := oc.PayQR(ctx, client.QrPaymentRequest{From: a.ID, QR: pr.QR}); client.Code(err) != "payment_request_closed" {
		t.Fatalf("paying a paid request again: %v", err)
	}
	st := must(oc.GetStatementRaw(ctx, m.ID, &client.GetStatementParams{Format: "csv"}))
	if !bytes.Contains(st, []byte("38.00")) {
		t.Fatalf("CSV statement: %s", st)
	}

	// The transparency log: the transfer is proven against the pinned key.
	if k := must(oc.GetLogKey(ctx)); strings.TrimSpace(string(k)) != s.VKey {
		t.Fatalf("log key %q, want %q", k, s.VKey)
	}
	leaf, tree, err := oc.ProveTransfer(ctx, tr.ID, s.VKey)
	if err != nil {
		t.Fatal(err)
	}
	if leaf.ID != tr.ID || leaf.Amount != 1230 || leaf.Currency != "CNY" || tree.N <= tr.LogIndex {
		t.Fatalf("proven leaf %+v in tree %d", leaf, tree.N)
	}
	proof := must(oc.GetTransferProof(ctx, tr.ID, nil))
	bad := *proof
	bad.Leaf = bytes.Clone(proof.Leaf)
	bad.Leaf[len(bad.Leaf)-1] ^= 1
	if _, _, err := client.VerifyInclusion(&bad, s.VKey); err == nil {
		t.Fatal("a tampered leaf verifies")
	}
	other := newServer(t, "sqlite").VKey
	if _, _, err := client.VerifyInclusion(proof, other); err == nil {
		t.Fatal("a checkpoint verifies with another log's key")
	}
	if _, _, err := oc.ProveTransfer(ctx, paid.ID, s.VKey); err != nil {
		t.Fatalf("QR payment's proof: %v", err)
	}

	// A webhook delivery, checked with VerifyWebhook.
	type got struct {
		h    http.Header
		body []byte
	}
	var mu sync.Mutex
	var deliveries []got
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		deliveries = append(deliveries, got{r.Header.Clone(), b})
		mu.Unlock()
	}))
	defer recv.Close()
	ep := must(oc.CreateWebhookEndpoint(ctx, client.CreateEndpointRequest{URL: recv.URL, Events: []string{"transfer.received"}}))
	if ep.Secret == "" {
		t.Fatalf("endpoint without its secret: %+v", ep)
	}
	must(oc.CreateTransfer(ctx, client.PayBody{From: a.ID, To: b.ID, Amount: "1.00", Currency: "CNY"}))
	for i := 0; i < 50; i++ {
		if _, err := s.d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := len(deliveries)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(deliveries) == 0 {
		t.Fatal("no webhook delivery")
	}
	d := deliveries[0]
	if err := client.VerifyWebhook(ep.Secret, d.h, d.body, time.Now()); err != nil {
		t.Fatalf("delivery does not verify: %v", err)
	}
	if err := client.VerifyWebhook(ep.Secret, d.h, append(bytes.Clone(d.body), ' '), time.Now()); err == nil {
		t.Fatal("a changed body verifies")
	}
	if err := client.VerifyWebhook(ep.Secret, d.h, d.body, time.Now().Add(10*time.Minute)); err == nil {
		t.Fatal("a delivery ten minutes old verifies")
	}
}
