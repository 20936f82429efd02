package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/ingot-cbdc/ingot/client"
)

// An operator pays from one of its wallets to another wallet, retrying
// safely with its own idempotency key.
func ExampleClient_CreateTransfer() {
	c := client.New("https://ingot.example", client.WithAPIKey(os.Getenv("INGOT_API_KEY")))
	ctx := context.Background()
	key := client.NewIdempotencyKey() // keep it to retry after a network error
	tr, err := c.CreateTransfer(ctx, client.PayBody{
		From: "6214830000000009", To: "6214830000000017", Amount: "12.30", Currency: "CNY", Memo: "lunch",
	}, client.WithIdempotencyKey(key))
	switch client.Code(err) {
	case "":
		fmt.Println("paid:", tr.ID, "log index", tr.LogIndex)
	case "insufficient_funds", "limit_exceeded":
		fmt.Println("declined:", err)
	default:
		log.Fatal(err)
	}
}

// A holder's payment above the low-value exemption needs approval: verify
// the authorization the problem carries, then send the payment again.
func ExampleWithAuthorization() {
	holder := client.New("https://ingot.example", client.WithAccessToken(os.Getenv("INGOT_ACCESS_TOKEN")))
	ctx := context.Background()
	pay := client.PayBody{From: "6214830000000009", To: "6214830000000017", Amount: "800.00", Currency: "CNY"}
	key := client.NewIdempotencyKey()
	_, err := holder.CreateTransfer(ctx, pay, client.WithIdempotencyKey(key))
	var e *client.Error
	if errors.As(err, &e) && e.Code == "sca_required" {
		code := "123456" // from the holder's authenticator app
		if _, err := holder.VerifyAuthorization(ctx, e.Authorization.ID, client.ProofBody{Method: "totp", Code: code}); err != nil {
			log.Fatal(err)
		}
		_, err = holder.CreateTransfer(ctx, pay, client.WithAuthorization(e.Authorization.ID))
	}
	if err != nil {
		log.Fatal(err)
	}
}

// A merchant asks to be paid 38.00 and shows the QR code at the till.
func ExampleClient_CreatePaymentRequest() {
	c := client.New("https://ingot.example", client.WithAPIKey(os.Getenv("INGOT_API_KEY")))
	ctx := context.Background()
	pr, err := c.CreatePaymentRequest(ctx, client.PaymentRequestRequest{
		MerchantWallet: "6214830000000025", Amount: "38.00", Currency: "CNY", Reference: "TABLE-12",
	})
	if err != nil {
		log.Fatal(err)
	}
	png, err := c.GetPaymentRequestQR(ctx, pr.ID)
	if err != nil {
		log.Fatal(err)
	}
	_ = os.WriteFile("till.png", png, 0o644)
	for pr.Status == "open" {
		time.Sleep(time.Second)
		if pr, err = c.GetPaymentRequest(ctx, pr.ID); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(pr.Status, pr.TransferID)
}

// Anyone the transfer concerns proves it is in the transparency log,
// against the log's key obtained out of band.
func ExampleClient_ProveTransfer() {
	c := client.New("https://ingot.example", client.WithAPIKey(os.Getenv("INGOT_API_KEY")))
	const logKey = "ingot.example/log+01234567+AbCdEf..." // pinned, not fetched
	leaf, tree, err := c.ProveTransfer(context.Background(), "0190b6d2-...", logKey)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("transfer %s of %d minor units is leaf of a tree of %d\n", leaf.ID, leaf.Amount, tree.N)
}

// A webhook receiver checks every delivery before acting on it.
func ExampleVerifyWebhook() {
	secret := os.Getenv("INGOT_WEBHOOK_SECRET") // whsec_..., shown once by CreateWebhookEndpoint
	http.HandleFunc("/hooks/ingot", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		if err := client.VerifyWebhook(secret, r.Header, body, time.Now()); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		// Deduplicate by r.Header.Get("webhook-id"), then handle body.
		w.WriteHeader(http.StatusNoContent)
	})
}
