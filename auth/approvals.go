package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"

	"github.com/ingot-cbdc/ingot"
)

// Approvals (strong customer authentication with dynamic linking): a
// holder approves one payment — payer, payee, amount, currency — with a
// second factor whose code or signature is bound to exactly that payment:
// the SMS names the amount and the masked payee, the passkey signs a
// challenge derived from them. The engine then uses the approval once, in
// the payment's batch (ledger/sca.go). Removing a factor and changing the
// PIN are approved the same way, bound to what they change.

// RequestApproval records a pending approval of a holder's payment and
// answers the *ingot.ApprovalRequired error the request gets (it
// implements ledger.Approver).
func (s *Service) RequestApproval(ctx context.Context, holder ingot.Actor, payer int64, payee string, amount int64, currency string) error {
	h, err := s.holderOf(ctx, holder)
	if err != nil {
		return err
	}
	return s.requestApproval(ctx, h, payer, payee, amount, currency)
}

func (s *Service) requestApproval(ctx context.Context, h Holder, payer int64, payee string, amount int64, currency string) error {
	now := s.now()
	a := ingot.Authorization{ID: newID(), HolderID: h.ID, Payer: payer, Payee: payee, Amount: amount, Currency: currency,
		Status: ingot.AuthorizationPending, ExpiresAt: now.Add(ingot.AuthorizationTTL), CreatedAt: now, UpdatedAt: now}
	methods, options, session, err := s.secondFactors(ctx, h, approvalChallenge(a))
	if err != nil {
		return err
	}
	a.WebAuthn = session
	if err := s.st.CreateAuthorization(ctx, a); err != nil {
		return s.unavailable(ctx, err)
	}
	return &ingot.ApprovalRequired{Authorization: a, Methods: methods, WebAuthn: options}
}

// approvalChallenge is the WebAuthn challenge of an approval: a hash of
// what it approves and of fresh randomness, so that the passkey's
// signature covers the payment (dynamic linking) and is never replayable.
func approvalChallenge(a ingot.Authorization) []byte {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	h := sha256.New()
	fmt.Fprintf(h, "ingot approval\x00%s\x00%d\x00%s\x00%d\x00%s\x00", a.ID, a.Payer, a.Payee, a.Amount, a.Currency)
	h.Write(nonce[:])
	return h.Sum(nil)
}

// holderApproval reads a holder's pending, unexpired approval.
func (s *Service) holderApproval(ctx context.Context, holder ingot.Actor, id string) (Holder, ingot.Authorization, error) {
	h, err := s.holderOf(ctx, holder)
	if err != nil {
		return Holder{}, ingot.Authorization{}, err
	}
	a, err := s.st.Authorization(ctx, id)
	if isNotFound(err) || (err == nil && a.HolderID != h.ID) {
		return Holder{}, ingot.Authorization{}, ingot.Errorf(ingot.CodeNotFound, "no authorization %s of yours", id)
	}
	if err != nil {
		return Holder{}, ingot.Authorization{}, s.unavailable(ctx, err)
	}
	switch {
	case a.Status == ingot.AuthorizationUsed:
		return h, a, ingot.Errorf(ingot.CodeAuthorizationUsed, "authorization %s was used already", a.ID)
	case a.Status != ingot.AuthorizationPending || !a.ExpiresAt.After(s.now()):
		return h, a, ingot.Errorf(ingot.CodeConflict, "authorization %s is %s; send the request again for a new one", a.ID, statusText(a, s))
	}
	return h, a, nil
}

func statusText(a ingot.Authorization, s *Service) string {
	if a.Status == ingot.AuthorizationPending && !a.ExpiresAt.After(s.now()) {
		return "expired"
	}
	return string(a.Status)
}

// ApprovalSMS sends an approval's SMS code, whose text names what it
// approves: the amount and the masked payee.
func (s *Service) ApprovalSMS(ctx context.Context, holder ingot.Actor, id string) error {
	h, a, err := s.holderApproval(ctx, holder, id)
	if err != nil {
		return err
	}
	phone, _, err := s.holderPhone(ctx, h)
	if err != nil {
		return err
	}
	what := describe(a)
	hash, err := s.sendCode(ctx, a.ID, phone, func(code string) string {
		return "Ingot: " + code + " is your code to " + what + ". It expires in 5 minutes. Never share it."
	})
	if err != nil {
		return err
	}
	if err := s.st.SetAuthorizationCode(ctx, a.ID, hash, nil, s.now()); err != nil {
		return s.unavailable(ctx, err)
	}
	return nil
}

// describe says what an approval approves, for the holder to read.
func describe(a ingot.Authorization) string {
	switch {
	case a.Payee == "pin":
		return "change your PIN"
	case strings.HasPrefix(a.Payee, "factor:"):
		return "remove a sign-in factor"
	}
	amount := strconv.FormatInt(a.Amount, 10)
	if cur, err := ingot.LookupCurrency(a.Currency); err == nil {
		amount = ingot.FormatAmount(a.Amount, cur)
	}
	return "approve paying " + a.Currency + " " + amount + " to " + MaskPayee(a.Payee)
}

// MaskPayee shows a payee as an approval names it: a wallet's first 4 and
// last 4 digits, or a bank account.
func MaskPayee(payee string) string {
	if strings.HasPrefix(payee, "bank:") {
		return "your linked bank account"
	}
	if len(payee) == 16 {
		return "wallet " + payee[:4] + " **** **** " + payee[12:]
	}
	return payee
}

// VerifyApproval approves with a second factor's proof.
func (s *Service) VerifyApproval(ctx context.Context, holder ingot.Actor, id string, p Proof, cl Client) error {
	h, a, err := s.holderApproval(ctx, holder, id)
	if err != nil {
		return err
	}
	if err := s.checkLock(ctx, h.PhoneHash); err != nil {
		return err
	}
	if err := s.checkFactor(ctx, h, nil, &a, p, cl); err != nil {
		return err
	}
	if err := s.st.ApproveAuthorization(ctx, a.ID, s.now()); isConflict(err) {
		return ingot.Errorf(ingot.CodeConflict, "authorization %s is not pending any more", a.ID)
	} else if err != nil {
		return s.unavailable(ctx, err)
	}
	_ = s.st.ResetFailures(ctx, h.PhoneHash)
	phone, ws, _ := s.holderPhone(ctx, h)
	s.holderEvent(ctx, EventApprovalGranted, h, ws, phone, describe(a), cl)
	return nil
}

// useApproval uses an approval of an action on the holder's own sign-in
// (object "pin", "factor:<id>"), or asks for one.
func (s *Service) useApproval(ctx context.Context, holder ingot.Actor, h Holder, object, approval string) error {
	if approval == "" {
		return s.requestApproval(ctx, h, 0, object, 0, "")
	}
	a, err := s.st.Authorization(ctx, approval)
	if isNotFound(err) || (err == nil && (a.HolderID != h.ID || !a.Binds(0, object, 0, ""))) {
		return ingot.Errorf(ingot.CodeAuthorizationMismatch, "authorization %s approves something else", approval)
	}
	if err != nil {
		return s.unavailable(ctx, err)
	}
	switch {
	case a.Status == ingot.AuthorizationUsed:
		return ingot.Errorf(ingot.CodeAuthorizationUsed, "authorization %s was used already", a.ID)
	case a.Status == ingot.AuthorizationPending && a.ExpiresAt.After(s.now()):
		return ingot.Errorf(ingot.CodeAuthorizationPending, "authorization %s is not verified yet", a.ID)
	case a.Status != ingot.AuthorizationApproved || !a.ExpiresAt.After(s.now()):
		return s.requestApproval(ctx, h, 0, object, 0, "") // expired or denied: a new one
	}
	if err := s.st.UseAuthorization(ctx, a.ID, object, s.now()); isConflict(err) {
		return ingot.Errorf(ingot.CodeAuthorizationUsed, "authorization %s was used already", a.ID)
	} else if err != nil {
		return s.unavailable(ctx, err)
	}
	return nil
}

// Authorization reads one of the holder's approvals.
func (s *Service) Authorization(ctx context.Context, holder ingot.Actor, id string) (ingot.Authorization, error) {
	h, err := s.holderOf(ctx, holder)
	if err != nil {
		return ingot.Authorization{}, err
	}
	a, err := s.st.Authorization(ctx, id)
	if isNotFound(err) || (err == nil && a.HolderID != h.ID) {
		return ingot.Authorization{}, ingot.Errorf(ingot.CodeNotFound, "no authorization %s of yours", id)
	}
	if err != nil {
		return ingot.Authorization{}, s.unavailable(ctx, err)
	}
	if a.Status == ingot.AuthorizationPending && !a.ExpiresAt.After(s.now()) {
		a.Status = "expired"
	}
	return a, nil
}
