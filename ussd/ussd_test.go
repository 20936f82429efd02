package ussd_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/ussd"
)

// fake does what the menus ask, recording the effects. long makes every
// value it answers as long as it can be, to test the screens' length.
type fake struct {
	long     bool
	pin      string
	lang     []ussd.Lang // SetLang calls
	first    []bool
	register []string
	paid     []ussd.Payment
	changed  []string
}

func (f *fake) CheckPIN(pin string) error {
	if len(pin) != 6 {
		return ingot.Errorf(ingot.CodeInvalidRequest, "6 digits")
	}
	if pin == "123456" || pin == "111111" {
		return ingot.Errorf(ingot.CodeWeakPIN, "weak")
	}
	return nil
}

func (f *fake) Register(_ context.Context, pin string) error {
	f.register = append(f.register, pin)
	return nil
}

func (f *fake) SetLang(_ context.Context, l ussd.Lang, first bool) error {
	f.lang, f.first = append(f.lang, l), append(f.first, first)
	return nil
}

func (f *fake) Balances(context.Context) ([]ussd.Balance, error) {
	b := ussd.Balance{Wallet: "6217000000001234", Currency: "CNY", Balance: 12345, Available: 12345}
	if f.long {
		b = ussd.Balance{Wallet: "6217000000001234", Currency: "CNY", Balance: ingot.MaxAmount, Available: ingot.MaxAmount - 1}
		return []ussd.Balance{b, b, b, b, b, b}, nil
	}
	return []ussd.Balance{b}, nil
}

func (f *fake) Recent(_ context.Context, n int) ([]ussd.Entry, error) {
	e := ussd.Entry{Date: "11-28", Amount: -2500, Currency: "CNY", Other: "*1234"}
	if f.long {
		e = ussd.Entry{Date: "11-28", Amount: -ingot.MaxAmount, Currency: "CNY", Other: strings.Repeat("商", 25)}
	}
	out := make([]ussd.Entry, n)
	for i := range out {
		out[i] = e
	}
	return out, nil
}

func (f *fake) Payee(_ context.Context, to string) (ussd.Payee, error) {
	if to == "404" {
		return ussd.Payee{}, ingot.Errorf(ingot.CodeNotFound, "none")
	}
	name := "+86 139****0000 W** L*"
	if f.long {
		name = "+86 139****0000 " + strings.Repeat("王", 16)
	}
	return ussd.Payee{Wallet: "6217000000005678", Currency: "CNY", Name: name}, nil
}

func (f *fake) Merchant(_ context.Context, code string) (ussd.Payee, error) {
	if code == "404" {
		return ussd.Payee{}, ingot.Errorf(ingot.CodeNotFound, "none")
	}
	name := "Lucky Noodles"
	if f.long {
		name = strings.Repeat("M", 25)
	}
	return ussd.Payee{Wallet: "6217000000009999", Currency: "CNY", Name: name, Merchant: true}, nil
}

func (f *fake) Pay(_ context.Context, p ussd.Payment, pin string) (ussd.Receipt, error) {
	if pin != f.pin {
		return ussd.Receipt{}, ingot.Errorf(ingot.CodeInvalidCredentials, "wrong")
	}
	f.paid = append(f.paid, p)
	bal := int64(100)
	if f.long {
		bal = ingot.MaxAmount
	}
	return ussd.Receipt{TransferID: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Amount: p.Amount, Currency: p.Payee.Currency, Balance: bal, Payee: p.Payee.Name}, nil
}

func (f *fake) ChangePIN(_ context.Context, old, pin string) error {
	if old != f.pin {
		return ingot.Errorf(ingot.CodeInvalidCredentials, "wrong")
	}
	f.changed = append(f.changed, pin)
	return nil
}

// paths are choices through every screen of the menus.
var paths = []string{
	"", "1", "2", "2*13800138000", "2*13800138000*12.50", "2*13800138000*12.50*1", "2*13800138000*12.50*1*246810",
	"2*13800138000*12.50*1*000000", "2*13800138000*12.50*2", "2*13800138000*12.5x", "2*404", "2*13800138000*90000000000000000.00",
	"2*13800138000*90000000000000000.00*1", "2*13800138000*90000000000000000.00*1*246810", "2*13800138000*12.50*3",
	"3", "3*8801", "3*8801*5", "3*8801*5*1", "3*8801*5*1*246810", "3*404", "3*8801*90000000000000000.00*1*246810",
	"4", "5", "5*246810", "5*246810*135790", "5*246810*135790*135790", "5*246810*135790*135791", "5*246810*123456",
	"5*000000*135790*135790", "6", "6*1", "6*2", "6*3", "7", "1*1",
}

// TestScreensFit walks every screen in both languages, with ordinary and
// with the longest values, and checks that each fits in MaxScreen
// characters without being cut.
func TestScreensFit(t *testing.T) {
	t.Parallel()
	for _, lang := range []ussd.Lang{ussd.English, ussd.Chinese} {
		for _, long := range []bool{false, true} {
			for _, p := range paths {
				f := &fake{long: long, pin: "246810"}
				sc := ussd.Run(context.Background(), ussd.Session{Registered: true, Lang: lang}, p, f)
				checkFits(t, string(lang)+" "+p, sc)
			}
		}
	}
	// Before a language and before a PIN: both languages on one screen.
	for _, p := range []string{"", "1", "2", "3", "1*1", "2*4"} {
		checkFits(t, "first use "+p, ussd.Run(context.Background(), ussd.Session{Registered: true}, p, &fake{}))
	}
	for _, p := range []string{"", "135790", "123456", "12", "135790*135790", "135790*135791", "1*2*3"} {
		checkFits(t, "unregistered "+p, ussd.Run(context.Background(), ussd.Session{}, p, &fake{}))
	}
	// The SMS answers.
	for _, lang := range []ussd.Lang{ussd.English, ussd.Chinese} {
		for _, long := range []bool{false, true} {
			for _, text := range []string{"BAL", "PAY 13800138000 12.50 246810", "PAY 13800138000 12.50 000000", "HELLO", "PAY 404 1 246810"} {
				r := ussd.SMS(context.Background(), lang, text, "k", &fake{long: long, pin: "246810"})
				if n := utf8.RuneCountInString(r); n > ussd.MaxScreen {
					t.Errorf("SMS %s %q: %d characters: %q", lang, text, n, r)
				}
			}
		}
	}
}

func checkFits(t *testing.T, name string, sc ussd.Screen) {
	t.Helper()
	if n := utf8.RuneCountInString(sc.Text); n > ussd.MaxScreen || strings.HasSuffix(sc.Text, "…") {
		t.Errorf("%s: %d characters (or cut): %q", name, n, sc.Text)
	}
	if sc.Text == "" {
		t.Errorf("%s: empty screen", name)
	}
	if s := sc.String(); !strings.HasPrefix(s, "CON ") && !strings.HasPrefix(s, "END ") {
		t.Errorf("%s: %q", name, s)
	}
}

func run(f *fake, s ussd.Session, text string) ussd.Screen {
	return ussd.Run(context.Background(), s, text, f)
}

var registeredEN = ussd.Session{Registered: true, Lang: ussd.English}

func TestSendMoney(t *testing.T) {
	t.Parallel()
	f := &fake{pin: "246810"}
	steps := []struct {
		text string
		end  bool
		want string
	}{
		{"", false, "1 Balance"},
		{"2", false, "phone number or the 16-digit wallet ID"},
		{"2*13800138000", false, "Amount in CNY"},
		{"2*13800138000*12.5", false, "Send CNY 12.50 to +86 139****0000 W** L*?\n1 Confirm\n2 Cancel"},
		{"2*13800138000*12.5*1", false, "Enter your PIN to pay CNY 12.50"},
		{"2*13800138000*12.5*1*246810", true, "Paid CNY 12.50 to +86 139****0000 W** L*. Ref 2e3f4a5b. Balance CNY 1.00."},
	}
	for _, s := range steps {
		sc := run(f, registeredEN, s.text)
		if sc.End != s.end || !strings.Contains(sc.Text, s.want) {
			t.Fatalf("%q: %v %q, want %v %q", s.text, sc.End, sc.Text, s.end, s.want)
		}
	}
	if len(f.paid) != 1 || f.paid[0].Amount != 1250 || f.paid[0].Key != "2*13800138000*12.5*1" || f.paid[0].Payee.Wallet != "6217000000005678" {
		t.Fatalf("paid %+v", f.paid)
	}
	// Only the last choice has effects: a path that goes on after the
	// PIN pays nothing more.
	if sc := run(f, registeredEN, "2*13800138000*12.5*1*246810*1"); !sc.End || len(f.paid) != 1 {
		t.Fatalf("after the end: %+v, paid %d", sc, len(f.paid))
	}
	// Cancel, a wrong PIN, a payee not found, a bad amount.
	for text, want := range map[string]string{
		"2*13800138000*12.5*2":        "Cancelled",
		"2*13800138000*12.5*1*000000": "Wrong PIN",
		"2*404":                       "No wallet found for 404",
		"2*13800138000*0.00":          "Invalid amount",
		"2*13800138000*1.234":         "Invalid amount",
		"2*13800138000*12.5*9":        "Invalid choice",
	} {
		if sc := run(f, registeredEN, text); !sc.End || !strings.Contains(sc.Text, want) {
			t.Errorf("%q: %+v, want %q", text, sc, want)
		}
	}
	if len(f.paid) != 1 {
		t.Fatalf("paid %d times", len(f.paid))
	}
}

// TestNavigation: "0" goes back one screen and "00" to the menu, from any
// screen after it; a payment reached after going back pays once, its key
// the path without the detours.
func TestNavigation(t *testing.T) {
	t.Parallel()
	f := &fake{pin: "246810"}
	for text, want := range map[string]string{
		"0":                                "1 Balance",
		"2*0":                              "1 Balance",
		"2*13800138000*0":                  "phone number or the 16-digit wallet ID\n0 Back 00 Menu",
		"2*13800138000*12.5*0":             "Amount in CNY",
		"2*13800138000*12.5*1*0":           "Send CNY 12.50 to",
		"2*13800138000*12.5*1*00":          "1 Balance",
		"2*13800138000*0*0*3":              "The merchant's code:",
		"5*0":                              "1 Balance",
		"5*135790*0":                       "Your current PIN:",
		"2*13800138000*12.5*00*2*13800138": "Amount in CNY",
	} {
		if sc := run(f, registeredEN, text); sc.End || !strings.Contains(sc.Text, want) {
			t.Errorf("%q: %+v, want %q", text, sc, want)
		}
	}
	sc := run(f, registeredEN, "2*404*0*13800138000*99*0*12.5*1*0*1*246810")
	if !sc.End || !strings.HasPrefix(sc.Text, "Paid CNY 12.50") {
		t.Fatalf("paid after detours: %+v", sc)
	}
	if len(f.paid) != 1 || f.paid[0].Key != "2*13800138000*12.5*1" || f.paid[0].Amount != 1250 {
		t.Fatalf("paid %+v", f.paid)
	}
	// On first use, the language choice is not taken back: "0" after the
	// first screen of the menu shows the menu, in the language chosen.
	first := ussd.Session{Registered: true}
	if sc := run(f, first, "2*1*0"); sc.End || !strings.Contains(sc.Text, "1 查询余额") {
		t.Fatalf("back after the language choice: %+v", sc)
	}
	if len(f.paid) != 1 {
		t.Fatalf("paid %d times", len(f.paid))
	}
}

func TestPayMerchantChinese(t *testing.T) {
	t.Parallel()
	f := &fake{pin: "246810"}
	s := ussd.Session{Registered: true, Lang: ussd.Chinese}
	if sc := run(f, s, "3*8801*25"); sc.End || sc.Text != "向Lucky Noodles付款CNY 25.00？\n1 确认\n2 取消\n0 返回 00 主菜单" {
		t.Fatalf("%+v", sc)
	}
	if sc := run(f, s, "3*8801*25*1*246810"); !sc.End || !strings.HasPrefix(sc.Text, "已向Lucky Noodles支付CNY 25.00。") {
		t.Fatalf("%+v", sc)
	}
	if sc := run(f, s, "3*404"); !sc.End || sc.Text != "没有编号为404的商户。" {
		t.Fatalf("%+v", sc)
	}
	if len(f.paid) != 1 || !f.paid[0].Payee.Merchant || f.paid[0].Key != "3*8801*25*1" {
		t.Fatalf("%+v", f.paid)
	}
}

func TestLanguageChoice(t *testing.T) {
	t.Parallel()
	f := &fake{}
	first := ussd.Session{Registered: true}
	if sc := run(f, first, ""); sc.End || !strings.Contains(sc.Text, "1 English\n2 中文") {
		t.Fatalf("%+v", sc)
	}
	if sc := run(f, first, "2"); sc.End || !strings.HasPrefix(sc.Text, "Ingot钱包") {
		t.Fatalf("%+v", sc)
	}
	if len(f.lang) != 1 || f.lang[0] != ussd.Chinese || !f.first[0] {
		t.Fatalf("SetLang %v %v", f.lang, f.first)
	}
	// The session's next callbacks begin with the pick; it is not set again.
	picked := ussd.Session{Registered: true, Lang: ussd.Chinese, LangPicked: true}
	if sc := run(f, picked, "2*1"); !sc.End || !strings.HasPrefix(sc.Text, "余额\nCNY 123.45 *1234") {
		t.Fatalf("%+v", sc)
	}
	if len(f.lang) != 1 {
		t.Fatalf("SetLang again: %v", f.lang)
	}
	// A later session: straight to the menu; 6 changes the language.
	if sc := run(f, ussd.Session{Registered: true, Lang: ussd.Chinese}, "6*1"); !sc.End || sc.Text != "Language: English." {
		t.Fatalf("%+v", sc)
	}
	if len(f.lang) != 2 || f.lang[1] != ussd.English || f.first[1] {
		t.Fatalf("SetLang %v %v", f.lang, f.first)
	}
}

func TestRegisterAndChangePIN(t *testing.T) {
	t.Parallel()
	f := &fake{pin: "246810"}
	for text, want := range map[string]string{
		"":              "choose a 6-digit PIN",
		"135790":        "Enter the PIN again",
		"123456":        "too easy",
		"135790*135791": "The PINs differ",
		"12":            "A PIN is 6 digits.\nPIN为6位数字。",
	} {
		if sc := run(f, ussd.Session{}, text); !strings.Contains(sc.Text, want) {
			t.Errorf("%q: %+v, want %q", text, sc, want)
		}
	}
	if len(f.register) != 0 {
		t.Fatal("registered early")
	}
	if sc := run(f, ussd.Session{}, "135790*135790"); !sc.End || !strings.Contains(sc.Text, "Your PIN is set") || len(f.register) != 1 {
		t.Fatalf("%+v %v", sc, f.register)
	}
	if sc := run(f, registeredEN, "5*246810*135790*135790"); !sc.End || sc.Text != "Your PIN is changed." || len(f.changed) != 1 {
		t.Fatalf("%+v", sc)
	}
	if sc := run(f, registeredEN, "5*000000*135790*135790"); !sc.End || !strings.Contains(sc.Text, "Wrong PIN") || len(f.changed) != 1 {
		t.Fatalf("%+v", sc)
	}
	if sc := run(f, registeredEN, "5*246810*111111"); !sc.End || !strings.Contains(sc.Text, "too easy") {
		t.Fatalf("%+v", sc)
	}
}

func TestParseSMS(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]ussd.Command{
		"BAL":                         {Kind: ussd.CommandBalance},
		" bal ":                       {Kind: ussd.CommandBalance},
		"余额":                          {Kind: ussd.CommandBalance},
		"PAY 13800138000 12.50 2468":  {Kind: ussd.CommandPay, To: "13800138000", Amount: "12.50", PIN: "2468"},
		"pay +8613800138000 1 246810": {Kind: ussd.CommandPay, To: "+8613800138000", Amount: "1", PIN: "246810"},
		"PAY 13800138000 12.50":       {},
		"BAL 1":                       {},
		"":                            {},
		"hello":                       {},
	} {
		if got := ussd.ParseSMS(text); got != want {
			t.Errorf("%q: %+v, want %+v", text, got, want)
		}
	}
}

func TestSMSCommands(t *testing.T) {
	t.Parallel()
	f := &fake{pin: "246810"}
	if r := ussd.SMS(context.Background(), ussd.English, "PAY 13800138000 12.50 246810", "m1", f); !strings.HasPrefix(r, "Ingot: you paid CNY 12.50 to +86 139****0000") {
		t.Fatal(r)
	}
	if len(f.paid) != 1 || f.paid[0].Key != "m1" {
		t.Fatalf("%+v", f.paid)
	}
	if r := ussd.SMS(context.Background(), ussd.English, "PAY 13800138000 12.50 999999", "m2", f); r != "Ingot: Wrong PIN. Nothing was done." {
		t.Fatal(r)
	}
	if r := ussd.SMS(context.Background(), ussd.Chinese, "BAL", "", f); r != "Ingot 余额\nCNY 123.45 *1234" {
		t.Fatal(r)
	}
	if r := ussd.SMS(context.Background(), ussd.English, "what", "", f); !strings.Contains(r, "PAY <phone> <amount> <PIN>") {
		t.Fatal(r)
	}
}

func FuzzRun(f *testing.F) {
	for _, p := range paths {
		f.Add(p, false)
	}
	f.Fuzz(func(t *testing.T, text string, chinese bool) {
		lang := ussd.English
		if chinese {
			lang = ussd.Chinese
		}
		sc := ussd.Run(context.Background(), ussd.Session{Registered: true, Lang: lang}, text, &fake{pin: "246810"})
		if utf8.RuneCountInString(sc.Text) > ussd.MaxScreen {
			t.Fatalf("%q: %q", text, sc.Text)
		}
	})
}

func FuzzParseSMS(f *testing.F) {
	for _, s := range []string{"BAL", "PAY 13800138000 12.50 246810", "付款 +8613800138000 1 246810", "", "pay a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := ussd.ParseSMS(text)
		switch c.Kind {
		case ussd.CommandPay:
			if c.To == "" || c.Amount == "" || c.PIN == "" {
				t.Fatalf("%q: %+v", text, c)
			}
		case ussd.CommandBalance, ussd.CommandHelp:
			if c.To != "" || c.Amount != "" || c.PIN != "" {
				t.Fatalf("%q: %+v", text, c)
			}
		default:
			t.Fatalf("%q: kind %q", text, c.Kind)
		}
	})
}
