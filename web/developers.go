package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/client"
	"github.com/ingot-cbdc/ingot/pii"
)

// The developer sandbox, /developers, served only under `ingot serve
// --sandbox`: a developer with no key yet makes a sandbox operator (its
// ingot_test_ key shown once, and kept in the page's sealed cookie so that
// the page acts as that operator: developers_state.go), mints test money
// into its reserve, opens test wallets with fictional phones whose text
// messages show on the page, opens sandbox bank accounts, links them and
// tops up through them, makes the sandbox bank fail, and watches the
// deliveries of a webhook endpoint; with the key's curl and Go client
// snippets for this server.
//
// Everything but three acts is done with the developer's operator key,
// through the API like any app. The three are the central bank's:
// registering the operator, minting into its reserve, and reading the
// sandbox's text messages; the page does them with a central bank key of
// the sandbox that has only those scopes (Sandbox.CentralBankKey), and
// bounds them: one operator per browser (and a few a minute per process),
// a mint of at most 1,000,000.00 into a reserve of at most 10,000,000.00,
// and the text messages of the test wallets' phones only.

// Sandbox gives the developer sandbox its powers. `ingot serve --sandbox`
// makes it; without it /developers is not found.
type Sandbox struct {
	// CentralBankKey is a central bank API key of the sandbox (ingot_test_),
	// with the scopes operators:write, issuance:write and sandbox only, kept
	// in memory: the page registers developers' operators, mints into their
	// reserves and reads their test phones' text messages with it.
	CentralBankKey string
}

// developers is the sandbox page's side of the process.
type developers struct {
	cb string // the sandbox's central bank key
	// made paces new sandbox operators, whoever asks: a burst of 10, then
	// one per 30 seconds.
	made *rate.Limiter
}

// newDevelopers checks the sandbox's powers: nil when there is no sandbox.
func newDevelopers(s *Sandbox) (*developers, error) {
	if s == nil {
		return nil, nil
	}
	if !strings.HasPrefix(s.CentralBankKey, "ingot_test_") {
		return nil, errors.New("web: the developer sandbox needs a central bank key of the sandbox (ingot_test_)")
	}
	return &developers{cb: s.CentralBankKey, made: rate.NewLimiter(rate.Every(30*time.Second), 10)}, nil
}

// The sandbox's bounds, and its test bank's code.
const (
	devCurrency   = "CNY"
	devMaxMint    = "1000000.00"
	devMaxReserve = "10000000.00"
	devBank       = "SANDBOX"
)

// devData is what the page shows.
type devData struct {
	Op        *client.Me
	NewKey    string // the operator's key, just made: shown once
	Secret    string // a webhook endpoint's signing secret, just made: shown once
	Base      string // this server's URL, for the snippets
	Wallets   []devWalletView
	Ops       []client.BankOperation
	Endpoints []devEndpointView
	Events    []string // the webhook event types
	Phone     string   // a fictional phone for the next wallet
	MaxMint   string
	Idem      devIdems
}

// devIdems are the page's forms' idempotency keys.
type devIdems struct{ Op, Mint, Wallet, Account, TopUp, Hook string }

type devWalletView struct {
	client.Wallet
	Phone, Name string
	SMS         []client.SMSMessage
	Accounts    []devAccountView
}

type devAccountView struct {
	ID, Number, Balance, Currency string
}

type devEndpointView struct {
	client.WebhookEndpoint
	Deliveries []client.WebhookDelivery
}

func (w *Web) developerRoutes() {
	if w.devs == nil {
		return // not a sandbox: /developers is not found
	}
	w.handle("GET /developers", func(q *req) { q.developers(http.StatusOK, q.devLoad(), "", "", devData{}) })
	w.handle("POST /developers/operator", func(q *req) {
		d := q.devLoad()
		if d.OperatorID != "" {
			q.developers(http.StatusConflict, d, "", q.t("dev.op.have"), devData{})
			return
		}
		if !q.w.devs.made.Allow() {
			q.developers(http.StatusTooManyRequests, d, "", q.t("dev.op.busy"), devData{})
			return
		}
		name := strings.TrimSpace(q.r.PostFormValue("name"))
		if name == "" {
			name = q.t("dev.op.default")
		}
		op, err := q.devClient(q.w.devs.cb).CreateOperator(q.r.Context(), client.CreateOperatorRequest{Name: name, Code: devCode()},
			client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			q.developers(http.StatusUnprocessableEntity, d, "", q.problem(err), devData{})
			return
		}
		if op.APIKey == "" { // the form sent twice: the key was the first answer's
			q.developers(http.StatusConflict, d, "", q.t("dev.op.twice"), devData{})
			return
		}
		*d = devState{OperatorID: op.ID, Key: op.APIKey}
		q.developers(http.StatusOK, d, q.t("dev.op.made"), "", devData{NewKey: op.APIKey})
	})
	w.handle("POST /developers/forget", func(q *req) {
		q.devSave(&devState{})
		q.redirect("/developers")
	})
	w.devHandle("POST /developers/mint", func(q *req, d *devState) (string, error) {
		cur := ingot.MustCurrency(devCurrency)
		amount := strings.TrimSpace(q.r.PostFormValue("amount"))
		v, err := ingot.ParseAmount(amount, cur)
		if err != nil {
			return "", errors.New(q.t("dev.amount.bad"))
		}
		if maxMint, _ := ingot.ParseAmount(devMaxMint, cur); v > maxMint {
			return "", fmt.Errorf(q.t("dev.mint.max"), money(q.lang, devMaxMint, devCurrency))
		}
		me, err := q.devClient(d.Key).GetMe(q.r.Context())
		if err != nil {
			return "", err
		}
		maxReserve, _ := ingot.ParseAmount(devMaxReserve, cur)
		for _, r := range me.Reserves {
			if b, err := ingot.ParseAmount(r.Balance, cur); err == nil && r.Currency == devCurrency && b+v > maxReserve {
				return "", fmt.Errorf(q.t("dev.mint.full"), money(q.lang, devMaxReserve, devCurrency))
			}
		}
		_, err = q.devClient(q.w.devs.cb).Mint(q.r.Context(), client.IssueRequest{OperatorID: d.OperatorID, Amount: amount, Currency: devCurrency},
			client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			return "", err
		}
		return q.t("dev.mint.done") + " " + money(q.lang, amount, devCurrency), nil
	})
	w.devHandle("POST /developers/wallets", func(q *req, d *devState) (string, error) {
		name := strings.TrimSpace(q.r.PostFormValue("name"))
		raw := strings.TrimSpace(q.r.PostFormValue("phone"))
		if raw == "" {
			raw = devPhone()
		}
		phone, err := pii.NormalizePhone(raw, "")
		if err != nil {
			return "", errors.New(q.t("dev.wallet.phone.bad"))
		}
		wl, err := q.devClient(d.Key).CreateWallet(q.r.Context(), client.CreateWalletRequest{Currency: devCurrency, Holder: client.HolderInput{Name: name, Phone: phone}},
			client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			return "", err
		}
		if d.wallet(wl.ID) == nil {
			d.Wallets = keepLast(append(d.Wallets, devWallet{ID: wl.ID, Phone: phone, Name: name}), devMaxWallets)
		}
		return q.t("dev.wallet.made") + " " + wl.ID + " (" + phone + ")", nil
	})
	w.devHandle("POST /developers/bank-accounts", func(q *req, d *devState) (string, error) {
		wl := d.wallet(q.r.PostFormValue("wallet"))
		if wl == nil {
			return "", errors.New(q.t("dev.wallet.none"))
		}
		idem := q.r.PostFormValue("idem")
		number := devAccountNumber(idem) // the same form sent twice: the same account
		c := q.devClient(d.Key)
		_, err := c.SandboxOpenAccount(q.r.Context(), client.SandboxOpenRequest{BankCode: devBank, AccountNumber: number, HolderName: wl.Name,
			Currency: devCurrency, Balance: strings.TrimSpace(q.r.PostFormValue("balance"))})
		if err != nil && client.Code(err) != "conflict" {
			return "", err
		}
		ba, err := c.LinkBankAccount(q.r.Context(), wl.ID, client.LinkRequest{BankCode: devBank, AccountNumber: number, HolderName: wl.Name},
			client.WithIdempotencyKey(idem))
		if err != nil {
			return "", err
		}
		if d.account(ba.ID) == nil {
			d.Accounts = keepLast(append(d.Accounts, devAccount{Wallet: wl.ID, Bank: devBank, Number: number, ID: ba.ID}), devMaxAccounts)
		}
		return fmt.Sprintf(q.t("dev.bank.linked"), devBank+" "+number, wl.ID), nil
	})
	w.devHandle("POST /developers/topups", func(q *req, d *devState) (string, error) {
		a := d.account(q.r.PostFormValue("account"))
		if a == nil {
			return "", errors.New(q.t("dev.bank.none"))
		}
		res, err := q.devClient(d.Key).TopUp(q.r.Context(), a.Wallet, client.FundRequest{Amount: strings.TrimSpace(q.r.PostFormValue("amount")), BankAccountID: a.ID},
			client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			return "", err
		}
		op := res.BankOperation
		if op == nil {
			return q.t("done"), nil
		}
		d.Ops = slices.Insert(slices.DeleteFunc(d.Ops, func(id string) bool { return id == op.ID }), 0, op.ID)
		d.Ops = d.Ops[:min(len(d.Ops), devMaxOps)]
		msg := fmt.Sprintf(q.t("dev.topup.done"), money(q.lang, op.Amount, op.Currency), q.t("dev.op.status."+op.Status))
		if op.LastError != "" {
			msg += ": " + op.LastError
		}
		return msg, nil
	})
	w.devHandle("POST /developers/faults", func(q *req, d *devState) (string, error) {
		n, err := strconv.Atoi(q.r.PostFormValue("count"))
		if err != nil || n < 0 || n > 10 {
			return "", errors.New(q.t("dev.fault.count.bad"))
		}
		f, err := q.devClient(d.Key).SandboxFaults(q.r.Context(), client.SandboxFault{Mode: q.r.PostFormValue("mode"), Count: int64(n)})
		if err != nil {
			return "", err
		}
		if f.Mode == "none" || f.Count == 0 {
			return q.t("dev.fault.cleared"), nil
		}
		return fmt.Sprintf(q.t("dev.fault.set"), f.Count, q.t("dev.fault."+f.Mode)), nil
	})
	w.handle("POST /developers/webhooks", func(q *req) {
		d := q.devLoad()
		if !q.devOperator(d) {
			return
		}
		ep, err := q.devClient(d.Key).CreateWebhookEndpoint(q.r.Context(), client.CreateEndpointRequest{URL: strings.TrimSpace(q.r.PostFormValue("url")),
			Events: q.r.PostForm["events"], Description: q.t("dev.title")}, client.WithIdempotencyKey(q.r.PostFormValue("idem")))
		if err != nil {
			q.developers(http.StatusUnprocessableEntity, d, "", q.problem(err), devData{})
			return
		}
		q.developers(http.StatusOK, d, q.t("dev.hook.made"), "", devData{Secret: ep.Secret})
	})
}

// devHandle registers a form of the sandbox that needs its operator: f
// acts and returns the page's message, or the error to show.
func (w *Web) devHandle(pattern string, f func(q *req, d *devState) (string, error)) {
	w.handle(pattern, func(q *req) {
		d := q.devLoad()
		if !q.devOperator(d) {
			return
		}
		flash, err := f(q, d)
		if err != nil {
			msg, ok := detail(err) // the API's problem, or the page's own refusal
			if !ok {
				msg = err.Error()
			}
			q.developers(http.StatusUnprocessableEntity, d, "", msg, devData{})
			return
		}
		q.developers(http.StatusOK, d, flash, "", devData{})
	})
}

// devOperator reports whether the sandbox has its operator, answering the
// page with an error when not.
func (q *req) devOperator(d *devState) bool {
	if d.OperatorID == "" {
		q.developers(http.StatusConflict, d, "", q.t("dev.op.first"), devData{})
		return false
	}
	return true
}

// devClient is an API client with one of the sandbox's credentials, served
// in-process as the page's visitor; never with the session's, whose
// holder tokens its answers do not refresh.
func (q *req) devClient(cred string) *client.Client {
	alone := *q
	alone.s = &session{}
	return client.New(apiBase, client.WithHTTPClient(&http.Client{Transport: &visitor{q: &alone}}),
		client.WithAPIKey(cred), client.WithRetries(2, time.Second))
}

// developers renders the sandbox page: shown carries what is shown once.
func (q *req) developers(status int, d *devState, flash, errText string, shown devData) {
	v := shown
	v.Base, v.MaxMint, v.Phone, v.Events = baseURL(q.r), devMaxMint, devPhone(), ingot.EventTypes
	v.Idem = devIdems{Op: idemKey(), Mint: idemKey(), Wallet: idemKey(), Account: idemKey(), TopUp: idemKey(), Hook: idemKey()}
	if d.OperatorID != "" {
		ctx, oc, cb := q.r.Context(), q.devClient(d.Key), q.devClient(q.w.devs.cb)
		me, err := oc.GetMe(ctx)
		switch {
		case unauthorized(err): // its key was revoked: the sandbox starts over
			*d = devState{}
			status, errText = http.StatusUnauthorized, q.t("dev.op.ended")
		case err != nil:
			status, errText = http.StatusBadGateway, q.problem(err)
		default:
			v.Op = me
			for i := len(d.Wallets) - 1; i >= 0; i-- { // newest first
				dw := d.Wallets[i]
				wl, err := oc.GetWallet(ctx, dw.ID, nil)
				if err != nil {
					continue
				}
				wv := devWalletView{Wallet: *wl, Phone: dw.Phone, Name: dw.Name}
				if sms, err := cb.SandboxSMS(ctx, dw.Phone); err == nil {
					wv.SMS = sms.Messages[:min(len(sms.Messages), 3)]
				}
				for _, a := range d.Accounts {
					if a.Wallet != dw.ID {
						continue
					}
					av := devAccountView{ID: a.ID, Number: a.Bank + " " + a.Number}
					if sa, err := oc.SandboxGetAccount(ctx, a.Bank, a.Number); err == nil {
						av.Balance, av.Currency = sa.Balance, sa.Currency
					}
					wv.Accounts = append(wv.Accounts, av)
				}
				v.Wallets = append(v.Wallets, wv)
			}
			for _, id := range d.Ops {
				if op, err := oc.GetBankOperation(ctx, id); err == nil {
					v.Ops = append(v.Ops, *op)
				}
			}
			if eps, err := oc.ListWebhookEndpoints(ctx); err == nil {
				for _, ep := range eps.Items {
					ev := devEndpointView{WebhookEndpoint: ep}
					if ds, err := oc.ListWebhookDeliveries(ctx, ep.ID, &client.ListWebhookDeliveriesParams{Limit: 10}); err == nil {
						ev.Deliveries = ds.Items
					}
					v.Endpoints = append(v.Endpoints, ev)
				}
			}
		}
	}
	q.devSave(d)
	q.render(status, "developers", flash, errText, v)
}

// baseURL is this server's address as the visitor reached it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// devCode is a new sandbox operator's code: DEV and six random letters
// and digits.
func devCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := []byte("DEV")
	for range 6 {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b = append(b, alphabet[n.Int64()])
	}
	return string(b)
}

// devAreaCodes are North American area codes; with 555-0100 to 555-0199,
// numbers reserved for fiction, they make the sandbox's test phones
// (numbers nobody has, which the phone library accepts as valid).
var devAreaCodes = []string{"201", "202", "212", "213", "305", "312", "415", "617", "702", "718"}

// devPhone is a fictional phone number, E.164: +1 NXX 555 01XX.
func devPhone() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(devAreaCodes)*100)))
	i := int(n.Int64())
	return fmt.Sprintf("+1%s55501%02d", devAreaCodes[i/100], i%100)
}

// devAccountNumber is a sandbox bank account's number, 16 digits made
// from the form's idempotency key.
func devAccountNumber(idem string) string {
	h := sha256.Sum256([]byte("sandbox account " + idem))
	return fmt.Sprintf("62%014d", binary.BigEndian.Uint64(h[:8])%100000000000000)
}
