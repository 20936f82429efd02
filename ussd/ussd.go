// Package ussd is the menu of Ingot's channel for feature phones: a USSD
// session's screens as a function of the choices typed so far, and the
// SMS commands. It does no I/O. What the menus need done (read balances,
// find a payee, pay, change the PIN) they ask of an Actions the caller
// implements (package featurephone, over auth and ledger), so that every
// rule of the menus is testable alone.
//
// A USSD gateway sends the whole path of choices, `*`-separated, with
// every callback of a session ("", "2", "2*13812345678", ...). Run replays
// the path from the first screen on every callback. Actions with effects
// (registering a PIN, setting the language, paying, changing the PIN) run
// only for the path's last choice; the steps before it only read, so a
// callback never repeats an effect of an earlier one. A payment carries
// its confirmed path (Payment.Key), which the caller binds to the
// gateway's session id as the payment's idempotency key: a repeated final
// callback pays once. The PIN is never part of the key.
package ussd

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxScreen is the most characters (runes) of a screen's text, after
// "CON " or "END ".
const MaxScreen = 160

// Screen is what the phone shows: a text and whether the session ends
// (END: nothing more to enter) or continues (CON: the holder types a
// choice).
type Screen struct {
	Text string
	End  bool
}

// String is the screen as the gateway takes it: "CON <text>" or "END
// <text>".
func (s Screen) String() string {
	if s.End {
		return "END " + s.Text
	}
	return "CON " + s.Text
}

func con(text string) Screen { return Screen{Text: fit(text)} }
func end(text string) Screen { return Screen{Text: fit(text), End: true} }

// fit cuts a text to MaxScreen runes. The menus are written to fit (the
// tests check every screen with the longest values); this only guards
// against a value longer than any the tests thought of.
func fit(s string) string {
	if utf8.RuneCountInString(s) <= MaxScreen {
		return s
	}
	r := []rune(s)
	return string(r[:MaxScreen-1]) + "…"
}

// Lang is a menu language.
type Lang string

// The languages of the menus.
const (
	English Lang = "en"
	Chinese Lang = "zh"
)

// ParseLang reads a stored language; anything else is not one.
func ParseLang(s string) (Lang, bool) {
	switch Lang(s) {
	case English, Chinese:
		return Lang(s), true
	}
	return "", false
}

// Session is what the caller knows of the phone's holder when a callback
// arrives.
type Session struct {
	// Registered: the phone's holder has a PIN. A phone with wallets and
	// no holder yet is first asked to choose one.
	Registered bool
	// Lang is the holder's language; "" when not chosen yet, and the first
	// screen asks for it.
	Lang Lang
	// LangPicked: the language was chosen on the first screen of this
	// session, so the path's first choice is that pick.
	LangPicked bool
}

// Actions are what the menus ask of the rest of Ingot, for the phone's
// holder. Errors are *ingot.Error values (or wrap one); the menus show
// their code's text.
type Actions interface {
	// CheckPIN refuses a PIN that cannot be chosen (not 6 digits, too
	// easy to guess), with no effect.
	CheckPIN(pin string) error
	// Register gives a phone that has wallets and no holder its holder,
	// with this PIN.
	Register(ctx context.Context, pin string) error
	// SetLang remembers the holder's language; first: chosen on the first
	// screen of this session (so that the session's later callbacks know
	// their path begins with the pick).
	SetLang(ctx context.Context, l Lang, first bool) error
	// Balances are the holder's wallets' balances.
	Balances(ctx context.Context) ([]Balance, error)
	// Recent is the paying wallet's last n entries, newest first.
	Recent(ctx context.Context, n int) ([]Entry, error)
	// Payee finds the wallet a phone number (national or E.164) or a
	// 16-digit wallet id stands for, in the paying wallet's currency.
	Payee(ctx context.Context, to string) (Payee, error)
	// Merchant finds a merchant by its short code.
	Merchant(ctx context.Context, code string) (Payee, error)
	// Pay checks the PIN (with the sign-in's lock-out), approves the
	// payment with the SIM and the PIN, and pays it under the key
	// p.Key, once.
	Pay(ctx context.Context, p Payment, pin string) (Receipt, error)
	// ChangePIN checks the current PIN (with the lock-out) and sets the
	// new one.
	ChangePIN(ctx context.Context, old, pin string) error
}

// Balance is a wallet's balance, in minor units of Currency.
type Balance struct {
	Wallet    string // 16 digits
	Currency  string
	Balance   int64
	Available int64
}

// Entry is a line of a wallet's history.
type Entry struct {
	Date     string // MM-DD, in the deployment's zone
	Amount   int64  // signed: negative when the wallet paid
	Currency string
	Other    string // the other side, short: a merchant's name, "*1234"
}

// Payee is who a payment goes to, as the holder confirms it.
type Payee struct {
	Wallet   string // 16 digits
	Currency string // the payment's currency
	Name     string // masked: "+86 138****5678 W** L*", a merchant's name
	Merchant bool
}

// Payment is a payment the holder confirmed.
type Payment struct {
	Payee  Payee
	Amount int64
	// Key is the confirmed path of choices (without the PIN); with the
	// gateway's session id it makes the payment's idempotency key.
	Key string
}

// Receipt is a payment made.
type Receipt struct {
	TransferID string
	Amount     int64
	Currency   string
	Balance    int64 // the payer's balance after
	Payee      string
}

// Split cuts a gateway's text into its choices: "" is none, "2*100" is
// ["2", "100"]. Choices are trimmed of spaces.
func Split(text string) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	in := strings.Split(text, "*")
	for i := range in {
		in[i] = strings.TrimSpace(in[i])
	}
	return in
}

// Menu choices.
const (
	choiceBalance  = "1"
	choiceSend     = "2"
	choiceMerchant = "3"
	choiceRecent   = "4"
	choicePIN      = "5"
	choiceLang     = "6"
	confirmYes     = "1"
	confirmNo      = "2"
)

// RecentCount is how many entries "last transactions" shows.
const RecentCount = 5

// Run answers a callback: the screen after the choices in text.
func Run(ctx context.Context, s Session, text string, act Actions) Screen {
	all := Split(text)
	m := &machine{ctx: ctx, act: act, all: all}
	if !s.Registered {
		return m.register(all)
	}
	in := all
	lang := s.Lang
	if _, ok := ParseLang(string(lang)); !ok || s.LangPicked {
		if len(in) == 0 {
			return con(chooseLang)
		}
		l, ok := pickLang(in[0])
		if !ok {
			return end(invalidBoth)
		}
		lang, in = l, in[1:]
		if len(in) == 0 {
			if err := act.SetLang(ctx, l, true); err != nil {
				return end(textsOf(l).errorText(err))
			}
		}
	}
	m.t = textsOf(lang)
	m.lang = lang
	prefix := all[:len(all)-len(in)] // the language picked on first use
	in = navigate(in)
	m.all = append(slices.Clone(prefix), in...)
	if len(in) == 0 {
		return con(m.t.menu)
	}
	rest := in[1:]
	switch in[0] {
	case choiceBalance:
		return m.only(rest, m.balance)
	case choiceSend:
		return m.send(rest)
	case choiceMerchant:
		return m.merchant(rest)
	case choiceRecent:
		return m.only(rest, m.recent)
	case choicePIN:
		return m.changePIN(rest)
	case choiceLang:
		return m.language(rest)
	}
	return end(m.t.invalid)
}

// Navigation choices, on every screen after the menu: back one screen, or
// to the menu.
const (
	choiceBack = "0"
	choiceHome = "00"
)

// navigate applies the path's navigation choices: "0" takes back the
// choice before it, "00" every one before it. What is left is the path of
// the screen the holder is on (a PIN or an amount is never "0" or "00").
func navigate(in []string) []string {
	out := make([]string, 0, len(in))
	for _, c := range in {
		switch c {
		case choiceBack:
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case choiceHome:
			out = out[:0]
		default:
			out = append(out, c)
		}
	}
	return out
}

// con is a screen that continues, with the navigation choices under it.
func (m *machine) con(text string) Screen { return con(text + m.t.back) }

func pickLang(c string) (Lang, bool) {
	switch c {
	case "1":
		return English, true
	case "2":
		return Chinese, true
	}
	return "", false
}

// machine is one callback's walk along its path.
type machine struct {
	ctx  context.Context
	act  Actions
	all  []string // every choice of the path
	t    *texts
	lang Lang
}

// only shows a final screen when nothing follows the choice.
func (m *machine) only(rest []string, f func() Screen) Screen {
	if len(rest) > 0 {
		return end(m.t.invalid)
	}
	return f()
}

// register: a phone with wallets and no PIN chooses one (twice).
func (m *machine) register(in []string) Screen {
	switch len(in) {
	case 0:
		return con(welcomeBoth)
	case 1:
		if err := m.act.CheckPIN(in[0]); err != nil {
			return end(english.pinError(err) + "\n" + chinese.pinError(err))
		}
		return con(repeatPINBoth)
	case 2:
		if in[0] != in[1] {
			return end(pinsDifferBoth)
		}
		if err := m.act.Register(m.ctx, in[0]); err != nil {
			return end(english.pinError(err) + "\n" + chinese.pinError(err))
		}
		return end(registeredBoth)
	}
	return end(invalidBoth)
}

func (m *machine) balance() Screen {
	bs, err := m.act.Balances(m.ctx)
	if err != nil {
		return end(m.t.errorText(err))
	}
	return end(m.t.balances(m.t.balanceHead, bs))
}

func (m *machine) recent() Screen {
	es, err := m.act.Recent(m.ctx, RecentCount)
	if err != nil {
		return end(m.t.errorText(err))
	}
	return end(m.t.recent(es))
}

func (m *machine) send(rest []string) Screen {
	if len(rest) == 0 {
		return m.con(m.t.askPayee)
	}
	p, err := m.act.Payee(m.ctx, rest[0])
	if err != nil {
		return end(m.t.payeeError(rest[0], err))
	}
	return m.pay(p, rest[1:], m.t.confirmSend)
}

func (m *machine) merchant(rest []string) Screen {
	if len(rest) == 0 {
		return m.con(m.t.askMerchant)
	}
	p, err := m.act.Merchant(m.ctx, rest[0])
	if err != nil {
		return end(m.t.merchantError(rest[0], err))
	}
	return m.pay(p, rest[1:], m.t.confirmPay)
}

// pay walks a payment's last steps: the amount, the confirmation of
// amount and payee, then the PIN, which pays.
func (m *machine) pay(p Payee, rest []string, confirm func(amount, payee string) string) Screen {
	if len(rest) == 0 {
		return m.con(m.t.askAmount(p.Currency))
	}
	amount, shown, err := parseAmount(rest[0], p.Currency)
	if err != nil {
		return end(m.t.errorText(err))
	}
	if len(rest) == 1 {
		return m.con(confirm(shown, p.Name))
	}
	switch rest[1] {
	case confirmYes:
	case confirmNo:
		if len(rest) == 2 {
			return end(m.t.cancelled)
		}
		return end(m.t.invalid)
	default:
		return end(m.t.invalid)
	}
	switch len(rest) {
	case 2:
		return m.con(m.t.askPIN(shown))
	case 3:
		key := strings.Join(m.all[:len(m.all)-1], "*")
		r, err := m.act.Pay(m.ctx, Payment{Payee: p, Amount: amount, Key: key}, rest[2])
		if err != nil {
			return end(m.t.errorText(err))
		}
		return end(m.t.paid(r, p.Name))
	}
	return end(m.t.invalid)
}

func (m *machine) changePIN(rest []string) Screen {
	switch len(rest) {
	case 0:
		return m.con(m.t.askOldPIN)
	case 1:
		return m.con(m.t.askNewPIN)
	case 2:
		if err := m.act.CheckPIN(rest[1]); err != nil {
			return end(m.t.pinError(err))
		}
		return m.con(m.t.repeatNewPIN)
	case 3:
		if rest[1] != rest[2] {
			return end(m.t.pinsDiffer)
		}
		if err := m.act.ChangePIN(m.ctx, rest[0], rest[1]); err != nil {
			return end(m.t.pinError(err))
		}
		return end(m.t.pinChanged)
	}
	return end(m.t.invalid)
}

func (m *machine) language(rest []string) Screen {
	switch len(rest) {
	case 0:
		return m.con(chooseLang)
	case 1:
		l, ok := pickLang(rest[0])
		if !ok {
			return end(m.t.invalid)
		}
		if err := m.act.SetLang(m.ctx, l, false); err != nil {
			return end(m.t.errorText(err))
		}
		return end(textsOf(l).langSet)
	}
	return end(m.t.invalid)
}
