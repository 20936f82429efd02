package ledger

import (
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/risk"
	"github.com/ingot-cbdc/ingot/store"
)

// chargeCmd is a merchant charging a customer-presented payment code: the
// code's wallet pays the merchant, once — the code is locked and used in
// the payment's batch; an unknown, used or expired code answers
// payment_code_invalid alike. A code a holder made pays only within the
// holder's low-value exemption, or with the holder's approval of exactly
// this payment (sca.go), which the merchant names.
type chargeCmd struct {
	hash          []byte
	merchant      int64
	amount        int64
	reference     string
	purpose       string // ISO 20022 purpose code the merchant gives, "" none
	authorization string // the payer's approval, "" none
	limits        func(currency string) ingot.SCALimits
}

func (c *chargeCmd) locks(ls *lockSet) {
	ls.paymentCode(c.hash) // and its wallet
	ls.credit(c.merchant)
	if c.authorization != "" {
		ls.authorization(c.authorization)
	}
}

func (c *chargeCmd) pairs(s *state, add func(payer, payee int64)) {
	if code := s.merch.codes[string(c.hash)]; code != nil {
		add(code.Wallet, c.merchant)
	}
}

func (c *chargeCmd) channel() string { return risk.ChannelCode }

var errCodeInvalid = ingot.Errorf(ingot.CodePaymentCodeInvalid, "this payment code is unknown, used or expired")

func (c *chargeCmd) apply(s *state, a ingot.Actor) (*ingot.Transfer, error) {
	code := s.merch.codes[string(c.hash)]
	if code == nil || !code.UsedAt.IsZero() || !code.ExpiresAt.After(s.now) {
		return nil, errCodeInvalid
	}
	to, err := s.ownWallet(c.merchant, a)
	if err != nil {
		return nil, err
	}
	if to.WalletKind != ingot.WalletMerchant {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "wallet %s is not a merchant's", ingot.FormatWalletID(to.ID))
	}
	from := s.accounts[code.Wallet]
	if from == nil {
		return nil, errCodeInvalid
	}
	if code.HolderID != "" {
		g := scaGate{holder: ingot.Actor{Role: ingot.RoleHolder, KeyID: "holder:" + code.HolderID, HolderID: code.HolderID, PhoneHash: from.Holder.PhoneHash},
			payer: from.ID, payee: ingot.FormatWalletID(to.ID), payeeWallet: to.ID, amount: c.amount, currency: from.Currency,
			authorization: c.authorization, limits: c.limits(from.Currency)}
		if err := s.approve(&g); err != nil {
			return nil, err
		}
	}
	t, err := s.withPurpose(c.purpose, func() (*ingot.Transfer, error) {
		return s.payWallet(from, to, c.amount, to.Currency, c.reference) // cmd_pay.go: vouchers first
	})
	if err != nil {
		return nil, err
	}
	t.Reference = c.reference
	if err := s.chargeFee(t, to); err != nil {
		return nil, err
	}
	old := *code
	s.onUndo(func() { *code = old })
	code.UsedAt, code.TransferID = s.now, t.ID
	s.merch.touchedCodes[string(code.Hash)] = struct{}{}
	return t, nil
}

// codeHolders locks the exemption counters of the holders whose payment
// codes the batch charges: known only once the codes and their wallets are
// locked.
func codeHolders(ls *lockSet, st *state) {
	for _, c := range st.merch.codes {
		if w := st.accounts[c.Wallet]; c.HolderID != "" && w != nil {
			ls.exemption(store.ExemptionKey{HolderID: c.HolderID, Currency: w.Currency})
		}
	}
}
