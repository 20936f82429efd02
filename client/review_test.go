package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ingot-cbdc/ingot/client"
)

// TestInReview: a payment a risk rule holds for review is no transfer.
// CreateTransfer returns a nil transfer and an *InReview (its review and
// hold), the same review when sent again with the same key; a batch item
// held is a BatchResult with InReview; the other 202 answers (a reveal
// asked for) still decode as their type; and the review, released, pays.
func TestInReview(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, kind)
			ctx := context.Background()
			admin := client.New(s.URL, client.WithAPIKey(adminKey))
			op, err := admin.CreateOperator(ctx, client.CreateOperatorRequest{Name: "Review Bank", Code: "RVB"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := admin.Mint(ctx, client.IssueRequest{OperatorID: op.ID, Amount: "10000.00", Currency: "CNY"}); err != nil {
				t.Fatal(err)
			}
			oc := admin.WithCredential(op.APIKey)
			open := func(name, phone string) string {
				w, err := oc.CreateWallet(ctx, client.CreateWalletRequest{Currency: "CNY", Holder: client.HolderInput{Name: name, Phone: phone}})
				if err != nil {
					t.Fatal(err)
				}
				return w.ID
			}
			a, b := open("Zhang San", "13812345670"), open("Li Si", "13912345670")
			if _, err := oc.TopUp(ctx, a, client.FundRequest{Amount: "1000.00"}); err != nil {
				t.Fatal(err)
			}
			if _, err := oc.CreateRiskRule(ctx, client.RiskRuleBody{Name: "hold 100 and more", Expression: "amount >= 10000",
				Action: "review", Severity: "high"}); err != nil {
				t.Fatal(err)
			}

			// A small payment is made; a large one is held.
			if tr, err := oc.CreateTransfer(ctx, client.PayBody{From: a, To: b, Amount: "5.00", Currency: "CNY"}); err != nil || tr.ID == "" {
				t.Fatalf("a payment below the rule: %+v, %v", tr, err)
			}
			key := client.NewIdempotencyKey()
			pay := client.PayBody{From: a, To: b, Amount: "150.00", Currency: "CNY"}
			tr, err := oc.CreateTransfer(ctx, pay, client.WithIdempotencyKey(key))
			var held *client.InReview
			if tr != nil || !errors.As(err, &held) || held.Status != "in_review" || held.ReviewID == "" || held.HoldID == "" {
				t.Fatalf("a held payment: transfer %+v, error %#v", tr, err)
			}
			if client.Code(err) != "in_review" || !strings.Contains(err.Error(), held.ReviewID) {
				t.Fatalf("the error: code %q, %q", client.Code(err), err)
			}
			var h http.Header
			_, err = oc.CreateTransfer(ctx, pay, client.WithIdempotencyKey(key), client.ResponseHeader(&h))
			var again *client.InReview
			if !errors.As(err, &again) || again.ReviewID != held.ReviewID || h.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("sent again: %#v, replayed %q", err, h.Get("Idempotent-Replayed"))
			}
			if w, err := oc.GetWallet(ctx, a, nil); err != nil || w.Balance != "995.00" || w.Held != "150.00" {
				t.Fatalf("the payer while held: %+v, %v", w, err)
			}

			// In a batch that is not atomic: one item paid, one held.
			res, err := oc.CreateTransferBatch(ctx, client.BatchRequest{Transfers: []client.PayBody{
				{From: a, To: b, Amount: "1.00", Currency: "CNY"}, {From: a, To: b, Amount: "200.00", Currency: "CNY"},
				{From: a, To: b, Amount: "99999.00", Currency: "CNY"}}})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Results
			if len(r) != 3 || r[0].Transfer == nil || r[0].Transfer.ID == "" || r[0].InReview != nil || r[0].Error != nil ||
				r[1].InReview == nil || r[1].InReview.ReviewID == "" || r[1].Transfer != nil || r[1].Error != nil ||
				r[2].Error == nil || r[2].Error.Code != "insufficient_funds" || r[2].Transfer != nil || r[2].InReview != nil {
				t.Fatalf("batch results: %+v", r)
			}

			// Released, the held payment is made.
			rv, err := oc.ReleaseReview(ctx, held.ReviewID)
			if err != nil || rv.Status != "released" || rv.Transfer.ID == "" || rv.Transfer.Amount != "150.00" {
				t.Fatalf("release: %+v, %v", rv, err)
			}

			// Another 202 (a reveal asked for) is still its answer.
			alerts, err := oc.ListAlerts(ctx, &client.ListAlertsParams{Status: "open"})
			if err != nil || len(alerts.Items) == 0 {
				t.Fatalf("alerts: %+v, %v", alerts, err)
			}
			c, err := oc.CreateCase(ctx, client.CreateCaseRequest{AlertIDs: []string{alerts.Items[0].ID}})
			if err != nil {
				t.Fatal(err)
			}
			reveal, err := admin.RequestReveal(ctx, c.ID, client.RequestRevealRequest{Reason: "an investigation"})
			if err != nil || reveal.Status != "pending" || reveal.RevealID == "" {
				t.Fatalf("a reveal asked for: %+v, %v", reveal, err)
			}
		})
	}
}
