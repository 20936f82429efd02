package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/ingot-cbdc/ingot/httpapi"
	"github.com/ingot-cbdc/ingot/ussd"
)

// The feature-phone tests drive whole USSD sessions through the callback
// (POST /v1/ussd, form-encoded, text/plain screens) and SMS commands
// through the sandbox's incoming route, over real HTTP, on both stores.

const ussdSecret = "gateway-secret-for-tests"

// forEachPhoneStore is forEachStore with the USSD route on.
func forEachPhoneStore(t *testing.T, f func(t *testing.T, e *env)) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, newEnvLog(t, open, 0, io.Discard, func(o *httpapi.Options) { o.USSDSecret = ussdSecret }))
		})
	}
}

// dial sends one USSD callback with a secret and returns its status and
// body.
func (e *env) dial(secret, session, phone, text string) (int, string) {
	e.t.Helper()
	form := url.Values{"sessionId": {session}, "serviceCode": {"*384#"}, "phoneNumber": {phone}, "text": {text}}
	r, err := http.NewRequest("POST", e.url+"/v1/ussd", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		r.Header.Set("X-Ussd-Secret", secret)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode == 200 && !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		e.t.Fatalf("Content-Type %q", res.Header.Get("Content-Type"))
	}
	return res.StatusCode, string(b)
}

// screen sends a callback of a session and checks the screen: a CON or an
// END (end) that contains want, at most 160 characters after the prefix.
func (e *env) screen(session, phone, text string, end bool, want string) string {
	e.t.Helper()
	status, body := e.dial(ussdSecret, session, phone, text)
	if status != 200 {
		e.t.Fatalf("%q: status %d: %s", text, status, body)
	}
	prefix := "CON "
	if end {
		prefix = "END "
	}
	if !strings.HasPrefix(body, prefix) || !strings.Contains(body, want) {
		e.t.Fatalf("%q: %q, want %s...%q", text, body, prefix, want)
	}
	if n := utf8.RuneCountInString(body) - 4; n > ussd.MaxScreen {
		e.t.Fatalf("%q: %d characters: %q", text, n, body)
	}
	return body[4:]
}

// walk types choices one by one in a new session, checking each screen
// continues, and returns the last screen (which must end and contain want).
func (e *env) walk(session, phone, want string, choices ...string) string {
	e.t.Helper()
	e.screen(session, phone, "", false, "")
	for i := range choices {
		text := strings.Join(choices[:i+1], "*")
		if i < len(choices)-1 {
			e.screen(session, phone, text, false, "")
		} else {
			return e.screen(session, phone, text, true, want)
		}
	}
	return ""
}

// sms delivers an SMS command from a phone and returns Ingot's answer.
func (e *env) sms(phone, text, id string) string {
	e.t.Helper()
	var hdr []string
	if id != "" {
		hdr = []string{"Idempotency-Key", id}
	}
	return e.must(e.req("POST", "/v1/sandbox/sms/incoming", adminKey, map[string]any{"phone": phone, "text": text}, hdr...), 200).str("reply")
}

// lastText is the newest text message to a phone.
func (e *env) lastText(phone string) string {
	e.t.Helper()
	r := e.must(e.req("GET", "/v1/sandbox/sms?phone="+url.QueryEscape(phone), adminKey, nil), 200)
	ms, _ := r.body["messages"].([]any)
	if len(ms) == 0 {
		e.t.Fatalf("no text message to %s", phone)
	}
	text, _ := ms[0].(map[string]any)["text"].(string)
	return text
}

const ussdPIN = "246810"

func TestUSSDSessions(t *testing.T) {
	forEachPhoneStore(t, func(t *testing.T, e *env) {
		a := e.newHolder("USA", "13800138001", "1000.00")
		b := e.newHolder("USB", "+8613900139002", "")

		// First use: no PIN yet, so the phone chooses one (twice); then
		// the first session asks the language.
		e.screen("s1", a.phone, "", false, "choose a 6-digit PIN")
		e.screen("s1", a.phone, ussdPIN, false, "PIN again")
		e.screen("s1", a.phone, ussdPIN+"*"+ussdPIN, true, "Your PIN is set")
		e.screen("s2", a.phone, "", false, "1 English\n2 中文")
		e.screen("s2", a.phone, "1", false, "1 Balance\n2 Send money")
		e.screen("s2", a.phone, "1*1", true, "Balance\nCNY 1000.00 *"+a.wallets[0][12:])

		// Send to a phone number (E.164 here, national for b's wallet).
		last := e.walk("s3", a.phone, "Paid CNY 100.00 to +86 139****9002 L* W**", "2", "+8613900139002", "100", "1", ussdPIN)
		if e.balance(a.opKey, a.wallets[0]) != "900.00" || e.balance(b.opKey, b.wallets[0]) != "100.00" {
			t.Fatal("balances after the payment")
		}
		// The gateway repeats the final callback: the same receipt, nothing
		// paid again, no second receipt.
		again := e.screen("s3", a.phone, "2*+8613900139002*100*1*"+ussdPIN, true, "Paid CNY 100.00")
		if again != last || e.balance(a.opKey, a.wallets[0]) != "900.00" || e.balance(b.opKey, b.wallets[0]) != "100.00" {
			t.Fatalf("the repeated callback paid again: %q / %q", again, last)
		}
		if ev := e.must(e.req("GET", "/v1/security-events?type=approval.granted", a.opKey, nil), 200); len(ev.items()) != 1 {
			t.Fatalf("approvals after the repeat: %s", ev.raw)
		}
		if s := e.lastText(a.phone); !strings.HasPrefix(s, "Ingot: you paid CNY 100.00 to +86 139****9002") {
			t.Fatalf("payer's receipt %q", s)
		}
		if s := e.lastText(b.phone); !strings.HasPrefix(s, "Ingot: you received CNY 100.00 from +86 138****8001") {
			t.Fatalf("payee's receipt %q", s)
		}
		// The same payment in another session is another payment.
		e.walk("s4", a.phone, "Paid CNY 100.00", "2", "13900139002", "100", "1", ussdPIN)
		// Send to a wallet id.
		e.walk("s5", a.phone, "Paid CNY 50.00 to *"+b.wallets[0][12:], "2", b.wallets[0], "50", "1", ussdPIN)
		if e.balance(a.opKey, a.wallets[0]) != "750.00" || e.balance(b.opKey, b.wallets[0]) != "250.00" {
			t.Fatal("balances after three payments")
		}

		// Pay a merchant by its short code.
		m := e.merchantWallet(b.opKey)
		e.must(e.req("PUT", "/v1/wallets/"+m+"/merchant", b.opKey, map[string]any{"name": "Lao Wang Noodles", "city": "Beijing",
			"country": "CN", "mcc": "5812", "short_code": "8801"}), 200)
		other := e.merchantWallet(a.opKey)
		e.problem(e.req("PUT", "/v1/wallets/"+other+"/merchant", a.opKey, map[string]any{"name": "Copy", "city": "Beijing",
			"country": "CN", "mcc": "5812", "short_code": "8801"}), 409, "conflict")
		e.problem(e.req("PUT", "/v1/wallets/"+other+"/merchant", a.opKey, map[string]any{"name": "Copy", "city": "Beijing",
			"country": "CN", "mcc": "5812", "short_code": "88a"}), 422, "invalid_request")
		e.screen("s6", a.phone, "3*8801*25", false, "Pay CNY 25.00 to Lao Wang Noodles?\n1 Confirm\n2 Cancel")
		e.screen("s6", a.phone, "3*8801*25*2", true, "Cancelled")
		e.walk("s7", a.phone, "Paid CNY 25.00 to Lao Wang Noodles", "3", "8801", "25", "1", ussdPIN)
		if e.balance(b.opKey, m) != "25.00" {
			t.Fatalf("merchant's balance %s", e.balance(b.opKey, m))
		}
		e.walk("s8", a.phone, "No merchant has the code 9999", "3", "9999")

		// The last 5 transactions, newest first.
		recent := e.walk("s9", a.phone, "Last 5", "4")
		if lines := strings.Split(recent, "\n"); len(lines) != 6 || !strings.Contains(lines[1], "-25.00") || !strings.Contains(lines[2], "-50.00 *"+b.wallets[0][12:]) ||
			!strings.Contains(lines[5], "+1000.00 topup") {
			t.Fatalf("last 5: %q", recent)
		}

		// Change the PIN, then pay with the new one.
		e.walk("s10", a.phone, "Your PIN is changed", "5", ussdPIN, "135790", "135790")
		e.walk("s11", a.phone, "Wrong PIN", "2", b.wallets[0], "1", "1", ussdPIN)
		e.walk("s12", a.phone, "Paid CNY 1.00", "2", b.wallets[0], "1", "1", "135790")

		// b chooses Chinese: remembered for its later sessions.
		e.screen("c1", b.phone, ussdPIN+"*"+ussdPIN, true, "PIN已设置")
		e.screen("c2", b.phone, "2", false, "Ingot钱包\n1 查询余额")
		e.screen("c2", b.phone, "2*1", true, "余额\nCNY 251.00")
		e.screen("c3", b.phone, "", false, "Ingot钱包")
		e.screen("c3", b.phone, "2*"+a.phone+"*1.5", false, "向+86 138****8001 L* W**转账CNY 1.50？\n1 确认\n2 取消")
		e.screen("c3", b.phone, "2*"+a.phone+"*1.5*1*"+ussdPIN, true, "已向+86 138****8001 L* W**支付CNY 1.50")
		if s := e.lastText(a.phone); !strings.HasPrefix(s, "Ingot: you received CNY 1.50") {
			t.Fatalf("a's receipt in a's language: %q", s)
		}
		e.screen("c4", b.phone, "6*1", true, "Language: English.")
		e.screen("c5", b.phone, "", false, "Ingot wallet")

		// A phone with no wallet; a phone that is not one.
		e.screen("x1", "13700137000", "", true, "no wallet has this phone")
		e.screen("x2", "12", "", true, "no wallet has this phone")

		// SMS commands: the answer is also sent to the phone.
		if r := e.sms(a.phone, "BAL", ""); r != "Ingot Balance\nCNY 725.50 *"+a.wallets[0][12:] || e.lastText(a.phone) != r {
			t.Fatalf("BAL: %q", r)
		}
		r := e.sms(a.phone, "PAY 13900139002 10 135790", "msg-1")
		if !strings.HasPrefix(r, "Ingot: you paid CNY 10.00 to +86 139****9002") {
			t.Fatalf("PAY: %q", r)
		}
		if r2 := e.sms(a.phone, "PAY 13900139002 10 135790", "msg-1"); r2 != r {
			t.Fatalf("the same message again: %q", r2)
		}
		if e.balance(a.opKey, a.wallets[0]) != "715.50" {
			t.Fatalf("balance after SMS payments %s", e.balance(a.opKey, a.wallets[0]))
		}
		if s := e.lastText(b.phone); !strings.HasPrefix(s, "Ingot: you received CNY 10.00") {
			t.Fatalf("payee's receipt %q", s)
		}
		if r := e.sms(a.phone, "PAY 13900139002 10 000000", "msg-2"); r != "Ingot: Wrong PIN. Nothing was done." {
			t.Fatalf("wrong PIN: %q", r)
		}
		if r := e.sms(a.phone, "hello", ""); !strings.Contains(r, "PAY <phone> <amount> <PIN>") {
			t.Fatalf("help: %q", r)
		}
		if r := e.sms("13700137000", "BAL", ""); r != ussd.NoWalletText {
			t.Fatalf("no wallet: %q", r)
		}
		e.problem(e.req("POST", "/v1/sandbox/sms/incoming", "", map[string]any{"phone": a.phone, "text": "BAL"}), 401, "unauthorized")
	})
}

// TestUSSDLockout: wrong PINs typed on the phone count with the sign-in's
// failures; the fifth locks the phone on every channel.
func TestUSSDLockout(t *testing.T) {
	forEachPhoneStore(t, func(t *testing.T, e *env) {
		a := e.newHolder("ULA", "13800138011", "100.00")
		b := e.newHolder("ULB", "13900139012", "")
		e.screen("r", a.phone, ussdPIN+"*"+ussdPIN, true, "Your PIN is set")
		e.screen("l", a.phone, "1", false, "1 Balance")
		for i := 1; i <= 5; i++ {
			want := "Wrong PIN"
			if i == 5 {
				want = "Too many wrong PINs"
			}
			e.screen("w"+string(rune('0'+i)), a.phone, "2*"+b.wallets[0]+"*1*1*000000", true, want)
		}
		// Locked: the right PIN too, by USSD, by SMS and at the web's login.
		e.screen("w6", a.phone, "2*"+b.wallets[0]+"*1*1*"+ussdPIN, true, "Too many wrong PINs")
		if r := e.sms(a.phone, "PAY "+b.wallets[0]+" 1 "+ussdPIN, ""); !strings.Contains(r, "Too many wrong PINs") {
			t.Fatalf("SMS while locked: %q", r)
		}
		e.problem(e.req("POST", "/v1/auth/login", "", map[string]any{"phone": a.phone, "pin": ussdPIN}), 429, "too_many_attempts")
		if e.balance(a.opKey, a.wallets[0]) != "100.00" {
			t.Fatal("paid while locked")
		}
		ev := e.must(e.req("GET", "/v1/security-events?type=signin.locked", a.opKey, nil), 200)
		if len(ev.items()) != 1 {
			t.Fatalf("signin.locked events: %s", ev.raw)
		}
		// After the lock, the right PIN pays; the approval is recorded.
		e.clock.advance(16 * 60 * 1e9)
		e.screen("w7", a.phone, "2*"+b.wallets[0]+"*1*1*"+ussdPIN, true, "Paid CNY 1.00")
		ev = e.must(e.req("GET", "/v1/security-events?type=approval.granted", a.opKey, nil), 200)
		if items := ev.items(); len(items) != 1 || !strings.HasPrefix(items[0].(map[string]any)["detail"].(string), "ussd (SIM and PIN): approve paying CNY 1.00") {
			t.Fatalf("approval.granted: %s", ev.raw)
		}
	})
}

// TestUSSDSecret: the callback needs the gateway's secret (401), and
// exists only when the server has one (404).
func TestUSSDSecret(t *testing.T) {
	forEachPhoneStore(t, func(t *testing.T, e *env) {
		e.newHolder("USS", "13800138021", "")
		for _, secret := range []string{"", "wrong", ussdSecret + "x"} {
			status, body := e.dial(secret, "s", "13800138021", "")
			if status != 401 || !strings.Contains(body, `"code":"unauthorized"`) {
				t.Fatalf("secret %q: %d %s", secret, status, body)
			}
		}
		if status, body := e.dial(ussdSecret, "s", "13800138021", ""); status != 200 || !strings.HasPrefix(body, "CON ") {
			t.Fatalf("%d %s", status, body)
		}
		if status, _ := e.dial(ussdSecret, "", "13800138021", ""); status != 422 {
			t.Fatalf("no session id: %d", status)
		}
	})
	e := newEnv(t, openSQLite, 0)
	if status, _ := e.dial(ussdSecret, "s", "13800138021", ""); status != 404 {
		t.Fatalf("without a secret: %d, want 404", status)
	}
}

// TestUSSDRepeatsAndLogs: a gateway that sends the final callback several
// times at once pays once; the logs carry neither the phones nor the PIN.
func TestUSSDRepeatsAndLogs(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs syncLog
			e := newEnvLog(t, open, 0, &logs, func(o *httpapi.Options) { o.USSDSecret = ussdSecret })
			a := e.newHolder("URA", "13800138031", "100.00")
			b := e.newHolder("URB", "13900139032", "")
			e.screen("r", a.phone, ussdPIN+"*"+ussdPIN, true, "Your PIN is set")
			e.screen("l", a.phone, "1", false, "1 Balance")
			final := "2*" + b.phone + "*7*1*" + ussdPIN
			var wg sync.WaitGroup
			bodies := make([]string, 4)
			for i := range bodies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, bodies[i] = e.dial(ussdSecret, "rep", a.phone, final)
				}()
			}
			wg.Wait()
			for _, body := range bodies {
				if !strings.HasPrefix(body, "END Paid CNY 7.00") || body != bodies[0] {
					t.Fatalf("answers %q", bodies)
				}
			}
			if e.balance(a.opKey, a.wallets[0]) != "93.00" || e.balance(b.opKey, b.wallets[0]) != "7.00" {
				t.Fatal("paid more than once")
			}
			for _, secret := range []string{"13800138031", "13900139032", ussdPIN, ussdSecret} {
				if strings.Contains(logs.String(), secret) {
					t.Fatalf("the logs hold %q", secret)
				}
			}
		})
	}
}

// syncLog is a log buffer safe for the server's goroutines.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
