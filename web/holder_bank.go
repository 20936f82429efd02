package web

import (
	"net/http"
	"strings"

	"github.com/ingot-cbdc/ingot/client"
)

// A holder's bank top-ups and withdrawals on the wallet page, through a
// bank account its operator linked to the wallet (linking is the
// operator's act: the API does not let a holder link one). The answer is
// the bank operation, with its state (pending while the bank's answer is
// not known; the page looks it up again on request). A withdrawal needs
// the holder's approval like a payment, bound to its amount and the bank
// account.

// bankChoice is a linked bank account of one of the holder's wallets.
type bankChoice struct {
	Wallet  string
	Account client.BankAccount
}

// Value is the form's value for the choice: wallet and account.
func (b bankChoice) Value() string { return b.Wallet + "|" + b.Account.ID }

// bankChoices lists the linked bank accounts of the wallets.
func (q *req) bankChoices(ws []client.Wallet) []bankChoice {
	var out []bankChoice
	for _, w := range ws {
		l, err := q.client().ListBankAccounts(q.r.Context(), w.ID)
		if err != nil {
			continue
		}
		for _, a := range l.Items {
			out = append(out, bankChoice{Wallet: w.ID, Account: a})
		}
	}
	return out
}

func (w *Web) bankRoutes() {
	w.handle("POST /wallet/bank", func(q *req) {
		if !q.holder() {
			return
		}
		wallet, account, _ := strings.Cut(q.r.PostFormValue("account"), "|")
		a := &approval{Purpose: "withdraw", From: wallet, To: account, Sum: strings.TrimSpace(q.r.PostFormValue("amount")), Idem: q.r.PostFormValue("idem")}
		q.fund(a, q.r.PostFormValue("direction") == "withdraw", "")
	})
	w.handle("GET /wallet/bank/{id}", func(q *req) {
		if !q.holder() {
			return
		}
		op, err := q.client().GetBankOperation(q.r.Context(), q.r.PathValue("id"))
		if err != nil {
			q.wallet(http.StatusNotFound, "", q.problem(err), nil)
			return
		}
		q.walletWith(http.StatusOK, "", "", nil, func(d *walletData) { d.BankOp = op })
	})
}

// fund tops the wallet a.From up from its bank account a.To, or withdraws
// to it, a.Sum; a withdrawal that needs approval shows the approval.
func (q *req) fund(a *approval, withdraw bool, authorization string) {
	opts := []client.CallOption{client.WithIdempotencyKey(retryKey(a.Idem, authorization))}
	if authorization != "" {
		opts = append(opts, client.WithAuthorization(authorization))
	}
	body := client.FundRequest{Amount: a.Sum, BankAccountID: a.To}
	var r *client.TransferOrBankOperation
	var err error
	if withdraw {
		r, err = q.client().Withdraw(q.r.Context(), a.From, body, opts...)
	} else {
		r, err = q.client().TopUp(q.r.Context(), a.From, body, opts...)
	}
	if withdraw && needsApproval(err, a) {
		a.Purpose = "withdraw"
		q.wallet(http.StatusOK, "", "", a)
		return
	}
	if err != nil {
		q.wallet(http.StatusUnprocessableEntity, "", q.problem(err), nil)
		return
	}
	op := r.BankOperation
	if op == nil {
		q.wallet(http.StatusOK, q.t("done"), "", nil)
		return
	}
	status, flash, errText := http.StatusOK, q.t("done"), ""
	switch op.Status {
	case "pending":
		flash = q.t("bank.status.pending")
	case "failed":
		status, flash, errText = http.StatusUnprocessableEntity, "", q.t("bank.status.failed")
		if op.LastError != "" {
			errText += ": " + op.LastError
		}
	}
	q.walletWith(status, flash, errText, nil, func(d *walletData) { d.BankOp = op })
}
