package ledger

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/statement"
)

// MaxStatementEntries bounds one day's statement: a wallet with more
// transfers in a day is a settlement account, read through the history.
const MaxStatementEntries = 100_000

// Statement is a wallet's statement of a day (YYYY-MM-DD; "" today) in the
// configured zone: its opening and closing balances and every transfer of
// the day, as the wallet sees it. The caller reads it as it reads the
// wallet (its operator, or its holder).
func (s *Service) Statement(ctx context.Context, a ingot.Actor, walletID, date string) (*statement.Statement, error) {
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	zone := s.zone()
	now := s.now()
	var from time.Time
	if date == "" {
		y, m, d := now.In(zone).Date()
		from = time.Date(y, m, d, 0, 0, 0, 0, zone)
	} else if from, err = time.ParseInLocation(time.DateOnly, date, zone); err != nil {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "date must be a day, YYYY-MM-DD")
	}
	if from.After(now) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "date %s has not begun in %s", date, zone)
	}
	to := from.AddDate(0, 0, 1)
	ts, err := s.staleReads().AccountTransfersBetween(ctx, w.ID, from, to, MaxStatementEntries+1) // stale.go: may be a replica
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if len(ts) > MaxStatementEntries {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s has more than %d transfers on %s: read its history instead", walletID, MaxStatementEntries, date)
	}
	opening, err := s.staleReads().BalanceBefore(ctx, w.ID, from)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	st := &statement.Statement{Wallet: ingot.FormatWalletID(w.ID), Date: from.Format(time.DateOnly), From: from, To: to,
		Currency: ingot.MustCurrency(w.Currency), Opening: opening, Closing: opening, Created: now}
	if err := s.Reveal(&w); err == nil {
		st.Owner = pii.MaskName(w.Holder.Name)
	}
	if op, err := s.st.Operator(ctx, w.OperatorID); err == nil {
		st.Servicer = op.Name
	}
	st.Entries = make([]statement.Entry, len(ts))
	for i := range ts {
		t := &ts[i]
		e := statement.Entry{At: t.CreatedAt, TransferID: t.ID, Type: string(t.Kind), Fee: t.Fee, Reference: t.Reference}
		if e.Reference == "" {
			e.Reference = t.Memo
		}
		var other int64
		if t.Debit == w.ID {
			e.Amount, other = -t.Amount, t.Credit
			st.Closing = t.DebitBalance
		} else {
			e.Amount, other = t.Amount, t.Debit
			st.Closing = t.CreditBalance
		}
		e.Counterparty = s.counterparty(ctx, t, other)
		st.Entries[i] = e
	}
	if err := st.Check(); err != nil {
		// The books are balanced per transfer; a statement that does not
		// add up is a defect to report, never to send.
		s.log.ErrorContext(ctx, "statement does not add up", "wallet", st.Wallet, "date", st.Date, "err", err)
		return nil, ingot.Errorf(ingot.CodeInternal, "the statement does not add up")
	}
	return st, nil
}

// counterparty names the other side of a wallet's transfer: a wallet id,
// reserve:<operator>, fee:<operator> or issuance.
func (s *Service) counterparty(ctx context.Context, t *ingot.Transfer, id int64) string {
	if ingot.IsWalletID(id) {
		return ingot.FormatWalletID(id)
	}
	op := s.ReserveOperator(ctx, &ingot.Transfer{Debit: id, Credit: id})
	switch {
	case op == "":
		return "issuance"
	case t.Kind == ingot.KindFee || t.Kind == ingot.KindFeeRefund:
		return "fee:" + op
	}
	return "reserve:" + op
}
