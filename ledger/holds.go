package ledger

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
)

// Holds: two-phase payments. A hold reserves part of a wallet's balance;
// a capture pays it (all or part), a void releases it, and it expires by
// itself (RunExpiry).

// MaxHold is the longest a hold may last.
const MaxHold = 30 * 24 * time.Hour

// PlaceHold reserves an amount of one of the operator's wallets until
// expiresAt (at most MaxHold ahead).
func (s *Service) PlaceHold(ctx context.Context, a ingot.Actor, walletID, amount string, expiresAt time.Time, idem *Idem) (*ingot.Hold, error) {
	w, err := s.Wallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	v, err := ingot.ParseAmount(amount, ingot.MustCurrency(w.Currency))
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !expiresAt.After(now) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at must be in the future")
	}
	if expiresAt.After(now.Add(MaxHold)) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at must be within %d days", int(MaxHold/(24*time.Hour)))
	}
	return submit(ctx, s.eng, a, &holdCmd{wallet: w.ID, amount: v, currency: w.Currency, expiresAt: expiresAt}, idem)
}

// Hold reads one of the operator's holds.
func (s *Service) Hold(ctx context.Context, a ingot.Actor, id string) (ingot.Hold, error) {
	if err := requireRole(a, walletRoles...); err != nil {
		return ingot.Hold{}, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return ingot.Hold{}, notFound("hold " + strconv.Quote(id))
	}
	h, err := s.st.Hold(ctx, id)
	if isNotFound(err) || (err == nil && !s.ownsWallet(ctx, a, h.OperatorID, h.Wallet)) {
		return ingot.Hold{}, notFound("hold " + id)
	}
	if err != nil {
		return ingot.Hold{}, s.unavailable(ctx, err)
	}
	return h, nil
}

// CaptureRequest is a capture as the API takes it: the payee wallet, the
// amount (a decimal string; "" the whole hold), an ISO 20022 purpose code
// ("" none) and a holder's approval.
type CaptureRequest struct {
	To, Amount, Purpose, Authorization string
}

// CaptureHold pays (part of) a hold to a wallet and releases the rest.
// The purpose code is the payment's: across borders its issuer may require
// one (jurisdiction.go).
func (s *Service) CaptureHold(ctx context.Context, a ingot.Actor, id string, in CaptureRequest, idem *Idem) (*Capture, error) {
	h, err := s.Hold(ctx, a, id)
	if err != nil {
		return nil, err
	}
	toID, err := ingot.ParseWalletID(in.To)
	if err != nil {
		return nil, err
	}
	if err := checkPurpose(in.Purpose); err != nil {
		return nil, err
	}
	var v int64
	if in.Amount != "" {
		if v, err = ingot.ParseAmount(in.Amount, ingot.MustCurrency(h.Currency)); err != nil {
			return nil, err
		}
	}
	paid := v
	if paid == 0 {
		paid = h.Amount
	}
	g := scaGate{payer: h.Wallet, payee: ingot.FormatWalletID(toID), payeeWallet: toID, amount: paid, currency: h.Currency, authorization: in.Authorization}
	return submitGated(ctx, s, a, &captureCmd{hold: h.ID, to: toID, amount: v, purpose: in.Purpose}, g, idem)
}

// VoidHold releases a hold.
func (s *Service) VoidHold(ctx context.Context, a ingot.Actor, id string, idem *Idem) (*ingot.Hold, error) {
	h, err := s.Hold(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return submit(ctx, s.eng, a, &voidCmd{hold: h.ID}, idem)
}

// expiryBatch is the most holds one expiry command releases.
const expiryBatch = 1000

// ExpireHolds releases every pending hold past its expiry, up to
// expiryBatch; it returns how many it looked at. Run it periodically
// (RunExpiry).
func (s *Service) ExpireHolds(ctx context.Context) (int, error) {
	ids, err := s.st.ExpiredHolds(ctx, s.now(), expiryBatch)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	_, err = submit(ctx, s.eng, ingot.Actor{}, &expireCmd{holds: ids}, nil)
	return len(ids), err
}

// RunExpiry releases expired holds and expires payment requests past their
// time every interval until ctx ends.
func (s *Service) RunExpiry(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, expire := range []func(context.Context) (int, error){s.ExpireHolds, s.ExpirePaymentRequests, s.RunConditionalDue, s.ExpireVouchers} {
				for {
					n, err := expire(ctx)
					if err != nil {
						s.log.WarnContext(ctx, "expiry failed", "err", err)
					}
					if err != nil || n < expiryBatch {
						break
					}
				}
			}
		}
	}
}
