package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot/emvqr"
	"github.com/ingot-cbdc/ingot/web"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// signIn signs the holder in with its PIN and an SMS code.
func (s *site) signIn(phone string) *browser {
	s.t.Helper()
	b := s.browser()
	b.get("/signin", 200)
	b.post("/signin", url.Values{"phone": {phone}, "pin": {"385912"}}, 200)
	b.post("/signin/verify", url.Values{"method": {"sms"}, "code": {s.lastCode(phone)}}, 200)
	b.has("My wallets")
	return b
}

// raw is an API answer's body, unparsed.
func (s *site) raw(path, key string) []byte {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		s.t.Fatalf("GET %s: %d: %s", path, res.StatusCode, b)
	}
	return b
}

// postFile sends a multipart form from the last page (its CSRF token and
// first idempotency key) with a file.
func (b *browser) postFile(path string, form url.Values, field, name string, data []byte, want int) string {
	b.s.t.Helper()
	if m := csrfRe.FindStringSubmatch(b.page); m != nil && form.Get("csrf_token") == "" {
		form.Set("csrf_token", m[1])
	}
	if m := idemRe.FindStringSubmatch(b.page); m != nil && form.Get("idem") == "" {
		form.Set("idem", m[1])
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	res, err := b.c.Post(b.s.url+path, mw.FormDataContentType(), &body)
	if err != nil {
		b.s.t.Fatal(err)
	}
	return b.read(res, "POST "+path+" (multipart)", want)
}

// scanPNG reads the QR code in a PNG image, as the wallet reads an
// uploaded picture.
func scanPNG(t *testing.T, data []byte) string {
	t.Helper()
	text, err := web.ScanQR(data)
	if err != nil {
		t.Fatalf("no QR code in the image: %v", err)
	}
	return text
}

// TestScanQRReadsEveryCode: the wallet reads every receive code it draws,
// whatever the wallet id.
func TestScanQRReadsEveryCode(t *testing.T) {
	for range 500 {
		id := uuid.Must(uuid.NewV7()).String()
		data, err := emvqr.PNG(id, web.ReceiveQRSize)
		if err != nil {
			t.Fatal(err)
		}
		if text, err := web.ScanQR(data); err != nil || text != id {
			t.Fatalf("the receive code of %s reads %q, %v", id, text, err)
		}
	}
}

func (b *browser) getRaw(path string) (*http.Response, []byte) {
	b.s.t.Helper()
	res, err := b.c.Get(b.s.url + path)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res, data
}

// TestWalletTOTP: an authenticator app added from the wallet page (its QR
// code drawn by the server, its key as text, a first code), then used to
// sign in, then removed with an approval.
func TestWalletTOTP(t *testing.T) {
	eachStore(t, false, func(t *testing.T, s *site) {
		h := newHolder(s, "13800138301")
		b := s.signIn(h.phone)
		b.has("Sign-in and approval factors", "Text message", `action="/wallet/totp"`, `data-webauthn-create="/wallet/passkeys/options"`)

		b.post("/wallet/totp", url.Values{}, 200)
		secret := regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`).FindStringSubmatch(b.page)
		img := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).FindStringSubmatch(b.page)
		if secret == nil || img == nil {
			t.Fatalf("no key or QR code for the authenticator app:\n%s", b.page)
		}
		pngData, err := base64.StdEncoding.DecodeString(html.UnescapeString(img[1]))
		if err != nil {
			t.Fatal(err)
		}
		uri, err := url.Parse(scanPNG(t, pngData))
		if err != nil || uri.Scheme != "otpauth" || uri.Host != "totp" || uri.Query().Get("secret") != secret[1] || uri.Query().Get("issuer") != "Ingot" {
			t.Fatalf("the QR code says %v (%v); key %s", uri, err, secret[1])
		}
		b.post("/wallet/totp/confirm", url.Values{"code": {"000000"}}, 422)
		code, err := totp.GenerateCodeCustom(secret[1], time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		b.post("/wallet/totp/confirm", url.Values{"code": {code}}, 200)
		b.has("The factor was added.", "Authenticator app")

		// Sign in again with the app (the next time step's code: each code
		// is taken once).
		b.post("/signout", url.Values{}, 200)
		b.get("/signin", 200)
		b.post("/signin", url.Values{"phone": {h.phone}, "pin": {"385912"}}, 200)
		b.has(`value="totp"`, "Authenticator app")
		code, _ = totp.GenerateCodeCustom(secret[1], time.Now().Add(30*time.Second), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		b.post("/signin/verify", url.Values{"method": {"totp"}, "code": {code}}, 200)
		b.has("My wallets", h.wallet)

		// Removing it asks for an approval first.
		id := regexp.MustCompile(`name="factor" value="([^"]+)"`).FindStringSubmatch(b.page)
		if id == nil {
			t.Fatalf("no remove button:\n%s", b.page)
		}
		b.post("/wallet/factors/remove", url.Values{"factor": {id[1]}}, 200)
		b.has("Remove a sign-in factor", `name="purpose" value="remove"`)
		b.post("/wallet/approve/sms", hidden(t, b.page, "/wallet/approve/sms"), 200)
		form := hidden(t, b.page, "/wallet/approve")
		form.Set("method", "sms")
		form.Set("code", s.lastCode(h.phone))
		b.post("/wallet/approve", form, 200)
		b.has("The factor was removed.")
		if strings.Contains(b.page, `name="factor" value="`) {
			t.Fatalf("the factor is still listed:\n%s", b.page)
		}
		// A factor that is not the holder's: the API's error, shown.
		b.post("/wallet/factors/remove", url.Values{"factor": {"0190a3c4-7b2e-7c1d-9f00-5e8a2b6c4d31"}}, 422)
		b.has("no factor")
	}, atLocalhost())
}

// TestWalletPasskeyOptions: the passkey's creation options, as the page's
// script fetches them (JSON, CSRF-protected), name this site as the
// relying party; a passkey form without the browser's answer is refused.
func TestWalletPasskeyOptions(t *testing.T) {
	eachStore(t, false, func(t *testing.T, s *site) {
		h := newHolder(s, "13800138302")
		b := s.signIn(h.phone)
		csrf := csrfRe.FindStringSubmatch(b.page)[1]
		res, err := b.c.PostForm(s.url+"/wallet/passkeys/options", url.Values{"csrf_token": {csrf}})
		if err != nil {
			t.Fatal(err)
		}
		var o struct {
			PublicKey struct {
				Challenge string `json:"challenge"`
				RP        struct {
					ID string `json:"id"`
				} `json:"rp"`
				User struct {
					ID string `json:"id"`
				} `json:"user"`
			} `json:"publicKey"`
		}
		err = json.NewDecoder(res.Body).Decode(&o)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || o.PublicKey.Challenge == "" || o.PublicKey.RP.ID != "localhost" || o.PublicKey.User.ID == "" {
			t.Fatalf("options: %d %s %+v %v", res.StatusCode, res.Header.Get("Content-Type"), o, err)
		}
		res, _ = b.c.PostForm(s.url+"/wallet/passkeys/options", url.Values{"csrf_token": {"forged"}})
		res.Body.Close()
		if res.StatusCode != 403 {
			t.Fatalf("options without the CSRF token: %d", res.StatusCode)
		}
		b = s.signIn(h.phone)
		b.post("/wallet/passkeys", url.Values{"credential": {""}}, 422)
		b.has("The passkey did not answer")
		b.post("/wallet/passkeys", url.Values{"credential": {`{"id":"x","type":"public-key"}`}}, 422)
		b.has("not a WebAuthn registration response")
		// Without a passkey, the sign-in offers none.
		b.post("/signout", url.Values{}, 200)
		b.get("/signin", 200)
		b.post("/signin", url.Values{"phone": {h.phone}, "pin": {"385912"}}, 200)
		if strings.Contains(b.page, "data-webauthn-get") {
			t.Fatal("a passkey is offered to a holder without one")
		}
		b.post("/signin/verify", url.Values{"method": {"webauthn"}, "credential": {""}}, 422)
		b.has("The passkey did not answer")
	}, atLocalhost())
}

// TestWalletPicture: paying a merchant's QR code from a picture of it
// (the API's own PNG of a payment request), and pictures refused: not a
// picture, no code in it, too large.
func TestWalletPicture(t *testing.T) {
	eachStore(t, false, func(t *testing.T, s *site) {
		h := newHolder(s, "13800138303")
		m := s.api("POST", "/v1/wallets", h.key, map[string]any{"holder": map[string]any{"name": "Wang Wei", "phone": "13900139111", "kind": "business"},
			"currency": "CNY", "kind": "merchant"}, 201)["id"].(string)
		s.api("PUT", "/v1/wallets/"+m+"/merchant", h.key, map[string]any{"name": "Lao Wang Noodles", "city": "Beijing", "country": "CN", "mcc": "5812"}, 200)
		pr := s.api("POST", "/v1/payment-requests", h.key, map[string]any{"merchant_wallet": m, "amount": "38.00", "reference": "TABLE-12"}, 201)
		pic := s.raw("/v1/payment-requests/"+pr["id"].(string)+"/qr.png", h.key)

		b := s.signIn(h.phone)
		b.has(`enctype="multipart/form-data"`, `type="file" accept="image/*" capture="environment"`)
		b.postFile("/wallet/pay", url.Values{"from": {h.wallet}}, "picture", "code.png", pic, 200)
		b.has("Paid: CN¥38.00 → " + m)
		if st := s.api("GET", "/v1/payment-requests/"+pr["id"].(string), h.key, nil, 200)["status"]; st != "paid" {
			t.Fatalf("the request is %v after paying its picture", st)
		}

		// A personal wallet's receive code, as a picture, pays that wallet.
		s.enroll("13900139000")
		pb := s.signIn("13900139000")
		pb.has("Receive", `src="/wallet/receive/`+h.payee+`/qr.png"`)
		res, code := pb.getRaw("/wallet/receive/" + h.payee + "/qr.png")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || scanPNG(t, code) != h.payee {
			t.Fatalf("receive code: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if res, _ := pb.getRaw("/wallet/receive/" + h.wallet + "/qr.png"); res.StatusCode != 404 {
			t.Fatalf("another holder's receive code: %d", res.StatusCode)
		}
		b.get("/wallet", 200)
		b.postFile("/wallet/pay", url.Values{"from": {h.wallet}, "amount": {"5.00"}}, "picture", "wallet.png", code, 200)
		b.has("Paid: CN¥5.00 → " + h.payee)

		// Refused pictures, with a message saying why.
		b.get("/wallet", 200)
		b.postFile("/wallet/pay", url.Values{"from": {h.wallet}}, "picture", "notes.txt", []byte("pay me 100 yuan"), 422)
		b.has("That file is not a picture")
		var blank bytes.Buffer
		_ = png.Encode(&blank, image.NewGray(image.Rect(0, 0, 200, 200)))
		b.postFile("/wallet/pay", url.Values{"from": {h.wallet}}, "picture", "blank.png", blank.Bytes(), 422)
		b.has("No QR code was found")
		big := append(append([]byte{}, pic...), make([]byte, 5<<20)...)
		b.postFile("/wallet/pay", url.Values{"from": {h.wallet}}, "picture", "big.png", big, 422)
		b.has("The picture is too large")
		b.get("/wallet", 200)
		b.postFile("/wallet/pay", url.Values{"from": {h.wallet}}, "picture", "huge.png", make([]byte, 7<<20), 413)
		b.has("The picture is too large")
		// Neither a payee nor a picture.
		b.get("/wallet", 200)
		b.postFile("/wallet/pay", url.Values{"from": {h.wallet}, "amount": {"1.00"}}, "picture", "", nil, 422)
		b.has("Enter a wallet id or a QR code")
		// A multipart form without the CSRF token is refused like any form.
		b.postFile("/wallet/pay", url.Values{"from": {h.wallet}, "csrf_token": {"forged"}}, "picture", "code.png", pic, 403)
	}, atLocalhost())
}

// TestWalletBank: a holder tops up from the linked bank account and
// withdraws to it from the wallet page; the withdrawal needs approval
// (bound to its amount and the bank account), and the operation's state
// is shown and looked up again.
func TestWalletBank(t *testing.T) {
	eachStore(t, false, func(t *testing.T, s *site) {
		h := newHolder(s, "13800138304")
		b := s.signIn(h.phone)
		b.has("No bank account is linked")
		s.api("POST", "/v1/sandbox/bank/accounts", h.key, map[string]any{"bank_code": "ICBC", "account_number": "6222021234566789",
			"holder_name": "Li Wei", "currency": "CNY", "balance": "1000.00"}, 201)
		ba := s.api("POST", "/v1/wallets/"+h.wallet+"/bank-accounts", h.key, map[string]any{"bank_code": "ICBC", "account_number": "6222021234566789", "holder_name": "Li Wei"}, 201)["id"].(string)
		bankBal := func() any {
			return s.api("GET", "/v1/sandbox/bank/accounts/ICBC/6222021234566789", h.key, nil, 200)["balance"]
		}

		b.get("/wallet", 200)
		b.has("Bank account", "ICBC ****6789", `value="`+h.wallet+`|`+ba+`"`)
		bankIdem := func() string { return hidden(t, b.page, "/wallet/bank").Get("idem") }
		b.post("/wallet/bank", url.Values{"account": {h.wallet + "|" + ba}, "amount": {"300.00"}, "direction": {"topup"}, "idem": {bankIdem()}}, 200)
		b.has("Bank operation", "Top-up: CN¥300.00 · Completed", "CN¥1,300.00")
		if bal := bankBal(); bal != "700.00" {
			t.Fatalf("bank balance %v after a top-up of 300.00", bal)
		}
		op := regexp.MustCompile(`href="/wallet/bank/([^"]+)"`).FindStringSubmatch(b.page)
		if op == nil {
			t.Fatalf("no link to the operation:\n%s", b.page)
		}
		b.get("/wallet/bank/"+op[1], 200)
		b.has("Top-up: CN¥300.00 · Completed")
		b.get("/wallet/bank/0190a3c4-7b2e-7c1d-9f00-5e8a2b6c4d31", 404)

		// A withdrawal above the exemption: approved, then done.
		b.get("/wallet", 200)
		b.post("/wallet/bank", url.Values{"account": {h.wallet + "|" + ba}, "amount": {"400.00"}, "direction": {"withdraw"}, "idem": {bankIdem()}}, 200)
		b.has("Approve this payment", "CN¥400.00 → Bank account", `name="purpose" value="withdraw"`)
		b.post("/wallet/approve/sms", hidden(t, b.page, "/wallet/approve/sms"), 200)
		form := hidden(t, b.page, "/wallet/approve")
		form.Set("code", s.lastCode(h.phone))
		b.post("/wallet/approve", form, 200)
		b.has("Withdrawal: CN¥400.00 · Completed")
		if bal := bankBal(); bal != "1100.00" {
			t.Fatalf("bank balance %v after withdrawing 400.00", bal)
		}
		if bal := s.api("GET", "/v1/wallets/"+h.wallet, h.key, nil, 200)["balance"]; bal != "900.00" {
			t.Fatalf("wallet balance %v after +300 and -400", bal)
		}
		// More than the bank account holds: the bank refuses, the operation
		// failed.
		b.get("/wallet", 200)
		b.post("/wallet/bank", url.Values{"account": {h.wallet + "|" + ba}, "amount": {"5000.00"}, "direction": {"topup"}, "idem": {bankIdem()}}, 422)
		b.has("Top-up: CN¥5,000.00 · Failed", `class="error" role="alert">Failed`)
	}, atLocalhost())
}

// TestWalletHistory: the history's filters (dates, direction, kind,
// search) and its pages.
func TestWalletHistory(t *testing.T) {
	eachStore(t, false, func(t *testing.T, s *site) {
		h := newHolder(s, "13800138305")
		for i := range 24 { // 24 payments by the operator on the holder's behalf, and the top-up: 25 entries
			s.api("POST", "/v1/transfers", h.key, map[string]any{"from": h.wallet, "to": h.payee, "amount": "1.00", "currency": "CNY", "memo": fmt.Sprintf("lunch %02d", i)}, 201)
		}
		s.api("POST", "/v1/transfers", h.key, map[string]any{"from": h.payee, "to": h.wallet, "amount": "0.50", "currency": "CNY", "memo": "change"}, 201)
		b := s.signIn(h.phone)
		b.has(`href="/wallet/history"`)
		rows := func() int { return len(regexp.MustCompile(`<tr><td>\d{4}-\d\d-\d\d`).FindAllString(b.page, -1)) }

		b.get("/wallet/history", 200)
		b.has(`name="from" type="date"`, `name="q" type="search"`, "change", "lunch 23")
		if n := rows(); n != 20 {
			t.Fatalf("%d rows on the first page, want 20", n)
		}
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(b.page)
		if next == nil {
			t.Fatalf("no next page:\n%s", b.page)
		}
		b.get(html.UnescapeString(next[1]), 200)
		if n := rows(); n != 6 || strings.Contains(b.page, `rel="next"`) {
			t.Fatalf("%d rows on the last page (want 6), or a next page", n)
		}
		b.has("lunch 00", "Top-up")

		for _, tc := range []struct {
			query string
			rows  int
			has   string
		}{
			{"q=LUNCH+1", 10, "lunch 19"},
			{"q=" + h.payee + "&direction=in", 1, "change"},
			{"direction=in", 2, "Top-up"},
			{"kind=topup", 1, "CN¥1,000.00"},
			{"direction=out&q=lunch+07", 1, "lunch 07"},
			{"from=" + time.Now().AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + time.Now().AddDate(0, 0, 1).Format(time.DateOnly) + "&q=change", 1, "change"},
			{"from=" + time.Now().AddDate(0, 0, 2).Format(time.DateOnly), 0, "Nothing found."},
			{"to=" + time.Now().AddDate(0, 0, -2).Format(time.DateOnly), 0, "Nothing found."},
		} {
			b.get("/wallet/history?wallet="+h.wallet+"&"+tc.query, 200)
			if n := rows(); n != tc.rows || !strings.Contains(b.page, tc.has) {
				t.Fatalf("%s: %d rows (want %d), or %q missing:\n%s", tc.query, n, tc.rows, tc.has, b.page)
			}
		}
		b.get("/wallet/history?from=yesterday", 422)
		b.has("A date is not a day")
		// Another's wallet id falls back to the holder's own.
		b.get("/wallet/history?wallet="+h.payee, 200)
		b.has("History "+h.wallet, "lunch 23")
	}, atLocalhost())
}

// TestWalletPurpose: a payment abroad whose currency's issuer requires a
// purpose code is refused without one, saying why, and paid with the one
// chosen on the form, which the payment then carries.
func TestWalletPurpose(t *testing.T) {
	eachStore(t, false, func(t *testing.T, s *site) {
		h := newHolder(s, "13800138304")
		hkKey := s.api("POST", "/v1/operators", adminKey, map[string]any{"name": "Bank of Hong Kong", "code": "WPHK", "country": "HK"}, 201)["api_key"].(string)
		abroad := s.openWallet(hkKey, "Chan Tai Man", "13900139222")
		s.api("PUT", "/v1/cross-border/rules", adminKey, map[string]any{"currency": "CNY", "blocked_tiers": []int{}, "purpose_required": true}, 200)

		b := s.signIn(h.phone)
		b.has(`name="purpose_code"`, `<option value="GDDS">Goods (GDDS)</option>`)
		b.post("/wallet/pay", url.Values{"from": {h.wallet}, "to": {abroad}, "amount": {"20.00"}}, 422)
		b.has("purpose code")
		b.get("/wallet", 200)
		b.post("/wallet/pay", url.Values{"from": {h.wallet}, "to": {abroad}, "amount": {"20.00"}, "purpose_code": {"GDDS"}}, 200)
		b.has("Paid: CN¥20.00 → " + abroad)
		items := s.api("GET", "/v1/wallets/"+abroad+"/transactions", hkKey, nil, 200)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["transfer"].(map[string]any)["purpose"] != "GDDS" {
			t.Fatalf("the payment abroad: %v", items)
		}
	})
}

// TestWalletExchange: a holder with wallets in two currencies asks for a
// quote on the wallet page, sees what it pays and gets, and exchanges; the
// quote cannot be used twice; one wallet currency shows no exchange.
func TestWalletExchange(t *testing.T) {
	eachStore(t, false, func(t *testing.T, s *site) {
		h := newHolder(s, "13800138305")
		b := s.signIn(h.phone)
		if strings.Contains(b.page, `action="/wallet/exchange/quote"`) {
			t.Fatal("an exchange is offered to a holder with CNY wallets only")
		}
		hk := s.api("POST", "/v1/issuers", adminKey, map[string]any{"name": "HKMA", "country": "HK", "currencies": []string{"HKD"}}, 201)
		hkma := hk["api_key"].(string)
		s.api("POST", "/v1/issuers/"+hk["id"].(string)+"/operators/"+h.opID, hkma, nil, 204)
		s.api("POST", "/v1/issuance/mint", hkma, map[string]any{"operator_id": h.opID, "amount": "5000.00", "currency": "HKD"}, 201)
		s.api("PUT", "/v1/fx/rates", h.key, map[string]any{"base": "CNY", "quote": "HKD", "bid": "1.0850", "ask": "1.0900", "max_amount": "5000.00",
			"valid_until": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, 200)
		hkd := s.api("POST", "/v1/wallets", h.key, map[string]any{"holder": map[string]any{"name": "Li Wei", "phone": h.phone}, "currency": "HKD"}, 201)["id"].(string)

		b.get("/wallet", 200)
		b.has(`action="/wallet/exchange/quote"`, "Exchange")
		b.post("/wallet/exchange/quote", url.Values{"from": {h.wallet}, "to": {h.wallet}, "amount": {"100.00"}}, 422)
		b.has("Choose two of your wallets in different currencies.")
		b.get("/wallet", 200)
		b.post("/wallet/exchange/quote", url.Values{"from": {h.wallet}, "to": {hkd}, "amount": {"100.00"}}, 200)
		b.has("CN¥100.00 → HK$108.50", "Rate 1.0850 HKD/CNY", `action="/wallet/exchange"`)
		form := url.Values{"quote": {regexp.MustCompile(`name="quote" value="([0-9a-f-]{36})"`).FindStringSubmatch(b.page)[1]},
			"from": {h.wallet}, "to": {hkd}, "idem": {"fx-web-1"}}
		b.post("/wallet/exchange", form, 200)
		b.has("Exchanged: CN¥100.00 → HK$108.50")
		if got := s.api("GET", "/v1/wallets/"+hkd, h.key, nil, 200)["balance"]; got != "108.50" {
			t.Fatalf("the HKD wallet holds %v", got)
		}
		// The HKD wallet pays in HKD from the same pay form.
		b.get("/wallet", 200)
		b.post("/wallet/pay", url.Values{"from": {hkd}, "to": {h.payee}, "amount": {"8.50"}}, 422)
		b.has("the transfer is in HKD but the accounts are in HKD and CNY")
		other := s.api("POST", "/v1/wallets", h.key, map[string]any{"holder": map[string]any{"name": "Wang Fang", "phone": "13900139000"}, "currency": "HKD"}, 201)["id"].(string)
		b.get("/wallet", 200)
		b.post("/wallet/pay", url.Values{"from": {hkd}, "to": {other}, "amount": {"8.50"}}, 200)
		b.has("Paid: HK$8.50 → " + other)
		// The same quote again, under another key: used.
		b.get("/wallet", 200)
		form.Set("idem", "fx-web-2")
		b.post("/wallet/exchange", form, 422)
		b.has("This quote expired or was used. Ask for a new one.")
	})
}
