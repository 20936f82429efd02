package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/iso20022"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/statement"
)

// ISO 20022 (docs/cross-border.md): a transfer between wallets as a
// pacs.008 credit transfer, and a pacs.008 message paid as one batch and
// answered by a pacs.002 status report.

// CreditTransfer is a transfer between two wallets as a pacs.008
// transaction, for whoever may read the transfer. Agents are the wallets'
// operators' codes; a party's name is there, masked, only for a wallet the
// caller owns (never for the central bank: its views are pseudonymous).
func (s *Service) CreditTransfer(ctx context.Context, a ingot.Actor, id string) (iso20022.CreditTransfer, error) {
	t, err := s.Transfer(ctx, a, id)
	if err != nil {
		return iso20022.CreditTransfer{}, err
	}
	ct := iso20022.CreditTransfer{InstrID: t.ID, EndToEndID: t.Reference, UETR: iso20022.UETR(t.ID), Amount: t.Amount,
		Currency: t.Currency, SettlementDate: t.CreatedAt.UTC().Truncate(24 * time.Hour), Remittance: t.Memo, Purpose: t.Purpose}
	if t.Reference == "" {
		ct.EndToEndID = strings.ReplaceAll(t.ID, "-", "")
	}
	if a.Role == ingot.RoleCentralBank {
		ct.Remittance = "" // a payer's words may name people
	}
	for i, acc := range []int64{t.Debit, t.Credit} {
		w, err := s.st.Account(ctx, acc)
		if err != nil {
			return iso20022.CreditTransfer{}, s.unavailable(ctx, err)
		}
		if w.Kind != ingot.AccountWallet {
			return iso20022.CreditTransfer{}, ingot.Errorf(ingot.CodeInvalidRequest, "transfer %s is a %s, not a credit transfer between two wallets", t.ID, t.Kind)
		}
		op, err := s.st.Operator(ctx, w.OperatorID)
		if err != nil {
			return iso20022.CreditTransfer{}, s.unavailable(ctx, err)
		}
		name := ""
		if a.Role != ingot.RoleCentralBank && a.Owns(&w) && s.Reveal(&w) == nil {
			name = pii.MaskName(w.Holder.Name)
		}
		if i == 0 {
			ct.DebtorAccount, ct.DebtorAgent, ct.DebtorName = ingot.FormatWalletID(w.ID), op.Code, name
		} else {
			ct.CreditorAccount, ct.CreditorAgent, ct.CreditorName = ingot.FormatWalletID(w.ID), op.Code, name
		}
	}
	return ct, nil
}

// PayPacs008 pays a pacs.008 message's transactions as one batch of the
// caller's (an operator's) payments, atomic unless told otherwise, and
// answers its pacs.002 report: ACCP with the transfer, or RJCT with the
// reason code (iso20022.Reason) and Ingot's detail. The message's MsgId is
// the request's idempotency key: the same message again replays the same
// report; another message with that MsgId answers idempotency_conflict.
func (s *Service) PayPacs008(ctx context.Context, a ingot.Actor, m *iso20022.Pacs008, atomic bool) (*iso20022.Pacs002, error) {
	if err := requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	ps := make([]PayRequest, len(m.Txs))
	for i, t := range m.Txs {
		cur, err := ingot.LookupCurrency(t.Currency)
		if err != nil {
			return nil, err
		}
		ps[i] = PayRequest{From: t.DebtorAccount, To: t.CreditorAccount, Amount: ingot.FormatAmount(t.Amount, cur), Currency: t.Currency, Memo: t.Remittance, Purpose: t.Purpose}
	}
	canon, err := json.Marshal(struct {
		M      *iso20022.Pacs008
		Atomic bool
	}{m, atomic})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte("pacs.008\n"), canon...))
	idem := &Idem{IdemKey: ingot.IdemKey{Scope: a.KeyID, Key: "pacs.008:" + m.MsgID}, Hash: sum[:]}
	res, err := s.PayBatch(ctx, a, ps, atomic, idem)
	if err != nil {
		if e := ingot.AsError(err); atomic && e != nil && e.Code != ingot.CodeIdempotencyConflict && e.Code != ingot.CodeUnavailable && e.Code != ingot.CodeInternal {
			// An atomic message one of whose transactions fails: every
			// transaction is rejected, the failing one with its reason.
			return rejectAll(m, e, s.now()), nil
		}
		return nil, err
	}
	rep := &iso20022.Pacs002{MsgID: "RPT-" + m.MsgID, Created: s.now(), OrgnlMsgID: m.MsgID}
	var first time.Time
	acc, rej := 0, 0
	for i, r := range res {
		t := m.Txs[i]
		st := iso20022.TxStatus{OrgnlInstrID: t.InstrID, OrgnlEndToEndID: t.EndToEndID, OrgnlUETR: t.UETR}
		switch {
		case r.Transfer != nil:
			st.Status, st.TransferID = iso20022.Accepted, r.Transfer.ID
			if first.IsZero() {
				first = r.Transfer.CreatedAt
			}
			acc++
		case r.Review != nil:
			st.Status, st.Reason, st.Info = iso20022.Rejected, "NARR", "held for review "+r.Review.ReviewID+": not settled"
			rej++
		default:
			code, info := ingot.CodeInternal, ""
			if r.Err != nil {
				code, info = r.Err.Code, r.Err.Detail
			}
			st.Status, st.Reason, st.Info = iso20022.Rejected, iso20022.Reason(code), info
			rej++
		}
		rep.Txs = append(rep.Txs, st)
	}
	if !first.IsZero() {
		rep.Created = first // a replay answers the same report
	}
	switch {
	case rej == 0:
		rep.GroupStatus = iso20022.Accepted
	case acc == 0:
		rep.GroupStatus = iso20022.Rejected
	default:
		rep.GroupStatus = iso20022.Partial
	}
	return rep, nil
}

// rejectAll is the report of an atomic message that failed: the error
// names the failing transaction ("transfers[i]: ...").
func rejectAll(m *iso20022.Pacs008, e *ingot.Error, now time.Time) *iso20022.Pacs002 {
	rep := &iso20022.Pacs002{MsgID: "RPT-" + m.MsgID, Created: now, OrgnlMsgID: m.MsgID, GroupStatus: iso20022.Rejected}
	for i, t := range m.Txs {
		st := iso20022.TxStatus{OrgnlInstrID: t.InstrID, OrgnlEndToEndID: t.EndToEndID, OrgnlUETR: t.UETR, Status: iso20022.Rejected}
		prefix := "transfers[" + strconv.Itoa(i) + "]"
		if strings.HasPrefix(e.Detail, prefix+":") || len(m.Txs) == 1 {
			st.Reason, st.Info = iso20022.Reason(e.Code), strings.TrimPrefix(strings.TrimPrefix(e.Detail, prefix+":"), " ")
		} else {
			st.Reason, st.Info = "NARR", "not settled: another transaction of this atomic message failed"
		}
		rep.Txs = append(rep.Txs, st)
	}
	return rep
}

// CreditNotification is a credit to a wallet as a camt.054 notifies it:
// for the payee's side only (its operator or its holder; the central bank
// reads it pseudonymously, without the holder's name or the memo). A
// transfer whose credit is not a wallet, or a wallet the caller does not
// own, is not found.
func (s *Service) CreditNotification(ctx context.Context, a ingot.Actor, transferID string) (*statement.Notification, error) {
	t, err := s.Transfer(ctx, a, transferID)
	if err != nil {
		return nil, err
	}
	if !ingot.IsWalletID(t.Credit) {
		return nil, notFound("credit to a wallet " + transferID)
	}
	w, err := s.st.Account(ctx, t.Credit)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	cb := a.Role == ingot.RoleCentralBank
	if !cb && !a.Owns(&w) {
		return nil, notFound("credit to a wallet of yours " + transferID)
	}
	e := statement.Entry{At: t.CreatedAt, TransferID: t.ID, Type: string(t.Kind), Amount: t.Amount, Fee: t.Fee,
		Counterparty: s.counterparty(ctx, &t, t.Debit), Reference: t.Reference}
	if e.Reference == "" {
		e.Reference = t.Memo
	}
	n := &statement.Notification{Wallet: ingot.FormatWalletID(w.ID), Currency: ingot.MustCurrency(w.Currency), Entry: e, Created: s.now()}
	if cb {
		n.Entry.Reference = "" // a payer's words may name people
	} else if s.Reveal(&w) == nil {
		n.Owner = pii.MaskName(w.Holder.Name)
	}
	if op, err := s.st.Operator(ctx, w.OperatorID); err == nil {
		n.Servicer = op.Name
	}
	return n, nil
}
