// Package featurephone serves holders on feature phones: the USSD
// gateway's callback and incoming SMS commands. The menus and commands are
// package ussd's (no I/O); this package does what they ask, as the phone's
// holder, through auth (the holder, its PIN and lock-out, approvals) and
// ledger (reads and payments), and sends receipts through the SMS sender.
//
// The gateway is trusted (a shared secret, httpapi): the phone number it
// sends is the SIM the session runs on, the possession factor; the PIN
// typed in the session is the knowledge factor. Every payment is approved
// with both (auth.ApproveWithPIN) and carries an idempotency key made of
// the session and its confirmed path, so that a repeated final callback
// pays once. See docs/offline-and-ussd.md.
package featurephone

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/auth"
	"github.com/ingot-cbdc/ingot/ledger"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/ussd"
)

// The channels, as security events and memos name them.
const (
	ChannelUSSD = "ussd"
	ChannelSMS  = "sms"
)

// Options are a Service's dependencies.
type Options struct {
	Ledger *ledger.Service
	Auth   *auth.Service
	// Sender sends SMS answers and receipts (the sign-in's sender).
	Sender auth.Sender
	Logger *slog.Logger
}

// Service answers USSD callbacks and incoming SMS.
type Service struct {
	led    *ledger.Service
	auth   *auth.Service
	sender auth.Sender
	log    *slog.Logger
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Ledger == nil || o.Auth == nil || o.Sender == nil {
		return nil, errors.New("featurephone: the ledger, auth and an SMS sender are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{led: o.Ledger, auth: o.Auth, sender: o.Sender, log: o.Logger}, nil
}

// Callback is a USSD gateway's callback: the gateway's session, the
// service code dialled (*384#), the phone (the SIM) and the choices typed
// so far, `*`-separated.
type Callback struct {
	SessionID   string
	ServiceCode string
	Phone       string
	Text        string
}

// USSD answers a callback with the next screen.
func (s *Service) USSD(ctx context.Context, c Callback, cl auth.Client) ussd.Screen {
	p, err := s.auth.HolderOfPhone(ctx, c.Phone)
	if err != nil && ingot.ErrorCode(err) != ingot.CodeInvalidRequest {
		return ussd.Screen{Text: ussd.BothErrorText(err), End: true}
	}
	if err != nil || len(p.Wallets) == 0 { // not a phone number, or no wallet's
		return ussd.Screen{Text: ussd.NoWalletText, End: true}
	}
	lang, _ := ussd.ParseLang(p.Holder.Language)
	sess := ussd.Session{Registered: p.Registered(), Lang: lang,
		LangPicked: lang != "" && p.Holder.LanguageSession != "" && p.Holder.LanguageSession == c.SessionID}
	a := &actions{s: s, p: p, cl: cl, channel: ChannelUSSD, session: c.SessionID}
	return ussd.Run(ctx, sess, c.Text, a)
}

// SMS answers an incoming SMS command (ussd.ParseSMS) from a phone and
// sends the answer back to it; the answer is returned too. messageID, the
// gateway's id of the message ("" none), makes a PAY idempotent: the same
// message delivered twice pays once.
func (s *Service) SMS(ctx context.Context, phone, text, messageID string, cl auth.Client) (string, error) {
	p, err := s.auth.HolderOfPhone(ctx, phone)
	if err != nil {
		return "", err
	}
	var reply string
	switch {
	case len(p.Wallets) == 0:
		reply = ussd.NoWalletText
	case !p.Registered():
		reply = ussd.UnregisteredText
	default:
		lang, _ := ussd.ParseLang(p.Holder.Language)
		a := &actions{s: s, p: p, cl: cl, channel: ChannelSMS, session: messageID}
		reply = ussd.SMS(ctx, lang, text, messageID, a)
	}
	s.send(ctx, p.Phone, reply)
	return reply, nil
}

// send sends a text message; a failure is logged (masked), never fatal:
// the payment is made, the screen shows it.
func (s *Service) send(ctx context.Context, phone, text string) {
	if err := s.sender.Send(ctx, phone, text); err != nil {
		s.log.WarnContext(ctx, "featurephone: sending an SMS failed", "phone", pii.MaskPhone(phone), "err", err)
	}
}

// actions does what the menus ask, for one phone's holder.
type actions struct {
	s       *Service
	p       *auth.PhoneHolder
	cl      auth.Client
	channel string
	session string           // the USSD session, or the SMS message id
	payees  map[string]payee // found in this callback, by wallet
}

// payee is what a payment needs of its payee beyond ussd.Payee: the phone
// that gets its receipt.
type payee struct {
	phone string // E.164; "" none
}

var _ ussd.Actions = (*actions)(nil)

func (a *actions) CheckPIN(pin string) error { return auth.CheckPIN(pin) }

func (a *actions) Register(ctx context.Context, pin string) error {
	return a.s.auth.RegisterPhone(ctx, a.p, pin, a.channel, a.cl)
}

func (a *actions) SetLang(ctx context.Context, l ussd.Lang, first bool) error {
	session := ""
	if first {
		session = a.session
	}
	return a.s.auth.SetLanguage(ctx, a.p, string(l), session)
}

// payer is the wallet the phone pays from: the holder's first active main
// wallet (by id).
func (a *actions) payer() (ingot.Account, error) {
	for _, w := range a.p.Wallets {
		if w.ParentID == 0 && w.Status == ingot.StatusActive {
			return w, nil
		}
	}
	return ingot.Account{}, ingot.Errorf(ingot.CodeWalletFrozen, "no active wallet has this phone")
}

func (a *actions) Balances(context.Context) ([]ussd.Balance, error) {
	var out []ussd.Balance
	for _, w := range a.p.Wallets {
		if w.ParentID == 0 && w.Status != ingot.StatusClosed {
			out = append(out, ussd.Balance{Wallet: ingot.FormatWalletID(w.ID), Currency: w.Currency, Balance: w.Balance, Available: w.Available()})
		}
	}
	return out, nil
}

func (a *actions) Recent(ctx context.Context, n int) ([]ussd.Entry, error) {
	w, err := a.payer()
	if err != nil {
		return nil, err
	}
	es, _, err := a.s.led.History(ctx, a.p.Actor(), ingot.FormatWalletID(w.ID), "", n)
	if err != nil {
		return nil, err
	}
	zone := a.s.led.Zone()
	out := make([]ussd.Entry, len(es))
	for i, e := range es {
		other := e.Transfer.Credit
		if e.Amount > 0 {
			other = e.Transfer.Debit
		}
		name := string(e.Transfer.Kind)
		if ingot.IsWalletID(other) {
			name = "*" + last4(ingot.FormatWalletID(other))
		}
		out[i] = ussd.Entry{Date: e.Transfer.CreatedAt.In(zone).Format("01-02"), Amount: e.Amount, Currency: e.Transfer.Currency, Other: name}
	}
	return out, nil
}

func (a *actions) Payee(ctx context.Context, to string) (ussd.Payee, error) {
	from, err := a.payer()
	if err != nil {
		return ussd.Payee{}, err
	}
	w, err := a.s.led.Payee(ctx, a.p.Actor(), to, from.Currency)
	if err != nil {
		return ussd.Payee{}, err
	}
	id := ingot.FormatWalletID(w.ID)
	name := "*" + last4(id)
	if len(to) != 16 && w.Holder.Phone != "" {
		name = pii.MaskPhone(w.Holder.Phone)
	}
	if w.Holder.Name != "" {
		name += " " + clip(pii.MaskName(w.Holder.Name), 16)
	}
	a.remember(id, w.Holder.Phone)
	return ussd.Payee{Wallet: id, Currency: w.Currency, Name: name}, nil
}

func (a *actions) Merchant(ctx context.Context, code string) (ussd.Payee, error) {
	from, err := a.payer()
	if err != nil {
		return ussd.Payee{}, err
	}
	w, m, err := a.s.led.MerchantByShortCode(ctx, a.p.Actor(), code)
	if err != nil {
		return ussd.Payee{}, err
	}
	if w.Currency != from.Currency {
		return ussd.Payee{}, ingot.Errorf(ingot.CodeNotFound, "merchant %s takes another currency", code)
	}
	id := ingot.FormatWalletID(w.ID)
	a.remember(id, "") // a merchant's receipts are its statements and webhooks
	return ussd.Payee{Wallet: id, Currency: w.Currency, Name: m.Name, Merchant: true}, nil
}

func (a *actions) remember(wallet, phone string) {
	if a.payees == nil {
		a.payees = map[string]payee{}
	}
	a.payees[wallet] = payee{phone: phone}
}

// Pay approves the payment with the SIM and the PIN, pays it under the
// idempotency key of its session and confirmed path, and sends the
// receipts of a payment made now. A payment made under the key before
// (the gateway repeated the final callback) is answered as it was,
// without the PIN being checked or an approval made again.
func (a *actions) Pay(ctx context.Context, p ussd.Payment, pin string) (ussd.Receipt, error) {
	from, err := a.payer()
	if err != nil {
		return ussd.Receipt{}, err
	}
	to, err := ingot.ParseWalletID(p.Payee.Wallet)
	if err != nil {
		return ussd.Receipt{}, err
	}
	cur, err := ingot.LookupCurrency(p.Payee.Currency)
	if err != nil {
		return ussd.Receipt{}, err
	}
	actor := a.p.Actor()
	var idem *ledger.Idem
	if p.Key != "" && a.session != "" {
		idem = &ledger.Idem{
			IdemKey: ingot.IdemKey{Scope: actor.KeyID, Key: a.channel + ":" + digest(a.session, p.Key)},
			Hash:    []byte(digest("pay", ingot.FormatWalletID(from.ID), p.Payee.Wallet, fmt.Sprint(p.Amount), cur.Code)),
		}
		// A repeated final callback: the receipt again, and nothing else.
		if t, err := a.s.led.PaidBefore(ctx, idem); err != nil || t != nil {
			return receiptOf(t, p), err
		}
	}
	approval, err := a.s.auth.ApproveWithPIN(ctx, a.p, pin, from.ID, p.Payee.Wallet, p.Amount, cur.Code, a.channel, a.cl)
	if err != nil {
		return ussd.Receipt{}, err
	}
	t, err := a.s.led.Pay(ctx, actor, ledger.PayRequest{From: ingot.FormatWalletID(from.ID), To: ingot.FormatWalletID(to),
		Amount: ingot.FormatAmount(p.Amount, cur), Currency: cur.Code, Memo: a.channel, Authorization: approval}, idem)
	if err != nil {
		return ussd.Receipt{}, err
	}
	r := receiptOf(t, p)
	if idem == nil || !idem.Replayed {
		a.receipts(ctx, r, a.payees[p.Payee.Wallet].phone)
	}
	return r, nil
}

// receiptOf is the receipt of a payment made (nil: none).
func receiptOf(t *ingot.Transfer, p ussd.Payment) ussd.Receipt {
	if t == nil {
		return ussd.Receipt{}
	}
	return ussd.Receipt{TransferID: t.ID, Amount: t.Amount, Currency: t.Currency, Balance: t.DebitBalance, Payee: p.Payee.Name}
}

// receipts sends a payment's SMS receipts: to the payer (by USSD; an SMS
// payment's answer is its receipt) and to the payee's phone, in each
// holder's language.
func (a *actions) receipts(ctx context.Context, r ussd.Receipt, payeePhone string) {
	if a.channel == ChannelUSSD {
		lang, _ := ussd.ParseLang(a.p.Holder.Language)
		a.s.send(ctx, a.p.Phone, ussd.PaidText(lang, r))
	}
	if payeePhone == "" {
		return
	}
	var lang ussd.Lang
	if q, err := a.s.auth.HolderOfPhone(ctx, payeePhone); err == nil {
		lang, _ = ussd.ParseLang(q.Holder.Language)
	}
	a.s.send(ctx, payeePhone, ussd.ReceivedText(lang, r.Amount, r.Currency, pii.MaskPhone(a.p.Phone), r.TransferID))
}

func (a *actions) ChangePIN(ctx context.Context, old, pin string) error {
	return a.s.auth.ChangePINWithPIN(ctx, a.p, old, pin, a.channel, a.cl)
}

// digest is the hex SHA-256 of parts, each ended by a zero byte: the
// stored form of a session's payment key (it never holds the PIN).
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func last4(s string) string {
	if len(s) <= 4 {
		return s
	}
	return s[len(s)-4:]
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
