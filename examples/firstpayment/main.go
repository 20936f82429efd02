// Command firstpayment is docs/getting-started.md's program: against an
// `ingot serve --sandbox`, with the central bank's key, it registers an
// operator, mints into its reserve, opens two wallets, tops one up, pays
// the other, and proves the payment is in the transparency log with the
// log's key — all through the Go client.
//
//	INGOT_URL=http://127.0.0.1:8080 INGOT_ADMIN_KEY=ingot_test_... go run ./examples/firstpayment
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot/client"
)

func main() {
	ctx := context.Background()
	url, adminKey := os.Getenv("INGOT_URL"), os.Getenv("INGOT_ADMIN_KEY")
	if url == "" {
		url = "http://127.0.0.1:8080"
	}
	cb := client.New(url, client.WithAPIKey(adminKey))

	// 1. The central bank registers an operator (its key is shown once)
	// and mints 10,000.00 CNY into its reserve.
	code := fmt.Sprintf("DEV%d", time.Now().Unix()%100000)
	op, err := cb.CreateOperator(ctx, client.CreateOperatorRequest{Name: "My Sandbox Bank", Code: code})
	check(err)
	_, err = cb.Mint(ctx, client.IssueRequest{OperatorID: op.ID, Amount: "10000.00", Currency: "CNY"})
	check(err)

	// 2. The operator opens two wallets and tops the first up from its
	// reserve.
	bank := client.New(url, client.WithAPIKey(op.APIKey))
	alice, err := bank.CreateWallet(ctx, client.CreateWalletRequest{Currency: "CNY", Holder: client.HolderInput{Name: "Li Wei", Phone: "13800138000"}})
	check(err)
	bob, err := bank.CreateWallet(ctx, client.CreateWalletRequest{Currency: "CNY", Holder: client.HolderInput{Name: "Wang Fang", Phone: "13900139000"}})
	check(err)
	_, err = bank.TopUp(ctx, alice.ID, client.FundRequest{Amount: "100.00"})
	check(err)

	// 3. The first payment. The client sends an Idempotency-Key of its own:
	// a retry after a lost answer never pays twice.
	t, err := bank.CreateTransfer(ctx, client.PayBody{From: alice.ID, To: bob.ID, Amount: "12.30", Currency: "CNY", Memo: "noodles"})
	check(err)
	fmt.Printf("paid %s %s from %s to %s: transfer %s, log index %d\n", t.Amount, t.Currency, t.From, t.To, t.ID, t.LogIndex)

	// 4. Prove it: the log's key (compare it with the one your central
	// bank publishes), then the transfer's inclusion proof against the
	// signed checkpoint, checked here.
	key, err := bank.GetLogKey(ctx)
	check(err)
	leaf, tree, err := bank.ProveTransfer(ctx, t.ID, strings.TrimSpace(string(key)))
	check(err)
	fmt.Printf("proved: leaf %d of a tree of %d, root %s, amount %d minor units\n", t.LogIndex, tree.N, tree.Hash, leaf.Amount)

	// 5. A problem is a *client.Error with a stable code.
	_, err = bank.CreateTransfer(ctx, client.PayBody{From: bob.ID, To: alice.ID, Amount: "1000.00", Currency: "CNY"})
	fmt.Printf("paying more than the balance: %s\n", client.Code(err))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
