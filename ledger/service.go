package ledger

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

// Service is what the API calls: it authenticates keys, authorizes the
// caller, validates and resolves input, and hands money movements to the
// Engine. It holds no state that matters for correctness; its caches hold
// only facts that never change (key -> role, reserve account ids).
type Service struct {
	st  store.Store
	eng *Engine
	log *slog.Logger

	keys     sync.Map // sha256 hex -> cachedKey
	accounts sync.Map // "kind|operator|currency" -> int64
	pii      *pii.Keys
	bank     *bankSide // bank_service.go
}

// WithPII gives the service the data key that seals holders' personal data
// at rest. Without one, wallets cannot be opened.
func (s *Service) WithPII(k *pii.Keys) *Service {
	s.pii = k
	return s
}

type cachedKey struct {
	actor Actor
	until time.Time
}

// NewService returns a service over a store and its engine.
func NewService(st store.Store, eng *Engine, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{st: st, eng: eng, log: log}
}

// Store returns the service's store (for health checks and tools).
func (s *Service) Store() store.Store { return s.st }

// ---- keys and authentication ----

// NewSecret returns a new random API key secret: 256 bits, base64url.
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return "ik_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashSecret is the stored form of an API key secret.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Bootstrap makes the central bank's key on the first start of an empty
// database: adminKey when it is not empty, else a random key, which it
// returns so that it can be shown once. It returns "" when a central bank
// key exists already or adminKey was used.
func (s *Service) Bootstrap(ctx context.Context, adminKey string) (string, error) {
	n, err := s.st.CountAPIKeys(ctx, ingot.RoleCentralBank)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "", nil
	}
	secret, shown := adminKey, ""
	if secret == "" {
		secret = NewSecret()
		shown = secret
	}
	key := ingot.APIKey{ID: newID(), Role: ingot.RoleCentralBank, Hash: HashSecret(secret), CreatedAt: time.Now().UTC()}
	if _, err := s.st.CreateAPIKey(ctx, key, nil); err != nil {
		return "", err
	}
	return shown, nil
}

var errUnauthorized = ingot.Errorf(ingot.CodeUnauthorized, "a valid API key is required: Authorization: Bearer <key>")

// Authenticate returns the actor of an API key secret.
func (s *Service) Authenticate(ctx context.Context, secret string) (Actor, error) {
	if secret == "" || len(secret) > 256 {
		return Actor{}, errUnauthorized
	}
	h := HashSecret(secret)
	ck := string(h)
	if v, ok := s.keys.Load(ck); ok {
		c := v.(cachedKey)
		if time.Now().Before(c.until) {
			return c.actor, nil
		}
	}
	k, err := s.st.APIKeyByHash(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return Actor{}, errUnauthorized
	}
	if err != nil {
		return Actor{}, unavailable(err)
	}
	a := Actor{KeyID: k.ID, Role: k.Role, OperatorID: k.OperatorID}
	s.keys.Store(ck, cachedKey{actor: a, until: time.Now().Add(30 * time.Second)})
	return a, nil
}

func (s *Service) requireRole(a Actor, r ingot.Role) error {
	if a.Role != r {
		switch r {
		case ingot.RoleCentralBank:
			return ingot.Errorf(ingot.CodeForbidden, "only the central bank may do this")
		default:
			return ingot.Errorf(ingot.CodeForbidden, "only an operator may do this")
		}
	}
	return nil
}

// unavailable wraps a storage failure as a retryable error, logging the
// cause (which never contains request data).
func unavailable(err error) error {
	var ie *ingot.Error
	if errors.As(err, &ie) {
		return err
	}
	slog.Error("storage failure", "err", err)
	return ingot.Errorf(ingot.CodeUnavailable, "storage is unavailable; retry with the same Idempotency-Key")
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// ---- idempotency for writes outside the engine ----

// checkReplay turns an existing idempotency record into a replay, or a
// conflict when the request differs.
func checkReplay(rec *store.IdemRecord, idem *Idem) (*Result, error) {
	if string(rec.Hash) != string(idem.Hash) {
		return nil, ingot.Errorf(ingot.CodeIdempotencyConflict, "this Idempotency-Key was used with a different request")
	}
	return &Result{Replay: rec}, nil
}

func (s *Service) record(idem *Idem, res *Result) (*store.IdemRecord, error) {
	if idem == nil {
		return nil, nil
	}
	body, err := idem.Render(res)
	if err != nil {
		return nil, err
	}
	return &store.IdemRecord{IdemKey: idem.IdemKey, Hash: idem.Hash, Status: idem.Status, Body: body, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}, nil
}

// ---- operators ----

var operatorCode = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,31}$`)

func checkName(field, v string, maxLen int) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return ingot.Errorf(ingot.CodeInvalidRequest, "%s is required", field)
	}
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxLen {
		return ingot.Errorf(ingot.CodeInvalidRequest, "%s must be valid text of at most %d characters", field, maxLen)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return ingot.Errorf(ingot.CodeInvalidRequest, "%s has control characters", field)
		}
	}
	return nil
}

// CreateOperator registers an operator and makes its first API key.
func (s *Service) CreateOperator(ctx context.Context, a Actor, name, code string, idem *Idem) (*Result, error) {
	if err := s.requireRole(a, ingot.RoleCentralBank); err != nil {
		return nil, err
	}
	if err := checkName("name", name, 200); err != nil {
		return nil, err
	}
	if !operatorCode.MatchString(code) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "code must be 2-32 upper-case letters, digits, '_' or '-', like \"ICBC\"")
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	op := ingot.Operator{ID: newID(), Name: strings.TrimSpace(name), Code: code, CreatedAt: now}
	secret := NewSecret()
	key := ingot.APIKey{ID: newID(), Role: ingot.RoleOperator, OperatorID: op.ID, Hash: HashSecret(secret), CreatedAt: now}
	res := &Result{Operator: &op}
	// The stored response leaves the key out: secrets are never stored.
	rec, err := s.record(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateOperator(ctx, op, key, rec)
	if errors.Is(err, store.ErrConflict) {
		return nil, ingot.Errorf(ingot.CodeConflict, "an operator with code %s exists already", code)
	}
	if err != nil {
		return nil, unavailable(err)
	}
	if existing != nil {
		return checkReplay(existing, idem)
	}
	res.APIKey = secret
	return res, nil
}

// Operators lists operators for the central bank.
func (s *Service) Operators(ctx context.Context, a Actor, cursor string, limit int) ([]ingot.Operator, string, error) {
	if err := s.requireRole(a, ingot.RoleCentralBank); err != nil {
		return nil, "", err
	}
	after, err := decodeCursor(cursor, "op")
	if err != nil {
		return nil, "", err
	}
	limit = clampLimit(limit)
	ops, err := s.st.Operators(ctx, after, limit+1)
	if err != nil {
		return nil, "", unavailable(err)
	}
	next := ""
	if len(ops) > limit {
		ops = ops[:limit]
		next = encodeCursor("op", ops[limit-1].ID)
	}
	return ops, next, nil
}

// Me returns the calling operator and its reserve accounts.
func (s *Service) Me(ctx context.Context, a Actor) (ingot.Operator, []ingot.Account, error) {
	if err := s.requireRole(a, ingot.RoleOperator); err != nil {
		return ingot.Operator{}, nil, err
	}
	op, err := s.st.Operator(ctx, a.OperatorID)
	if err != nil {
		return ingot.Operator{}, nil, unavailable(err)
	}
	res, err := s.st.Accounts(ctx, a.OperatorID, ingot.AccountReserve, 0, 1000)
	if err != nil {
		return ingot.Operator{}, nil, unavailable(err)
	}
	return op, res, nil
}

// ---- issuance ----

// account resolves the issuance account or an operator's reserve, creating
// it on first use. Ids never change, so they are cached.
func (s *Service) account(ctx context.Context, kind ingot.AccountKind, operatorID, currency string) (int64, error) {
	k := string(kind) + "|" + operatorID + "|" + currency
	if v, ok := s.accounts.Load(k); ok {
		return v.(int64), nil
	}
	acc, err := s.st.EnsureAccount(ctx, kind, operatorID, currency)
	if err != nil {
		return 0, unavailable(err)
	}
	s.accounts.Store(k, acc.ID)
	return acc.ID, nil
}

// Issue mints (burn false) or burns an amount for an operator's reserve.
func (s *Service) Issue(ctx context.Context, a Actor, burn bool, operatorID, amount, currency string, idem *Idem) (*Result, error) {
	if err := s.requireRole(a, ingot.RoleCentralBank); err != nil {
		return nil, err
	}
	cur, err := ingot.LookupCurrency(currency)
	if err != nil {
		return nil, err
	}
	v, err := ingot.ParseAmount(amount, cur)
	if err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(operatorID); err != nil {
		return nil, notFound("operator " + strconv.Quote(operatorID))
	}
	if _, err := s.st.Operator(ctx, operatorID); errors.Is(err, store.ErrNotFound) {
		return nil, notFound("operator " + operatorID)
	} else if err != nil {
		return nil, unavailable(err)
	}
	iss, err := s.account(ctx, ingot.AccountIssuance, "", cur.Code)
	if err != nil {
		return nil, err
	}
	res, err := s.account(ctx, ingot.AccountReserve, operatorID, cur.Code)
	if err != nil {
		return nil, err
	}
	c := &Command{Op: OpMint, Actor: a, Debit: iss, Credit: res, Amount: v, Currency: cur.Code, Idem: idem}
	if burn {
		c.Op, c.Debit, c.Credit = OpBurn, res, iss
	}
	return s.eng.Do(ctx, c)
}

// Supply is the issued amount of a currency and where it is held.
type Supply struct {
	Currency                  ingot.Currency
	Issued, Reserves, Wallets int64
	Held                      int64
}

// Supply reads the supply of a currency, for the central bank.
func (s *Service) Supply(ctx context.Context, a Actor, currency string) (Supply, error) {
	if err := s.requireRole(a, ingot.RoleCentralBank); err != nil {
		return Supply{}, err
	}
	cur, err := ingot.LookupCurrency(currency)
	if err != nil {
		return Supply{}, err
	}
	t, err := s.st.Totals(ctx, cur.Code)
	if err != nil {
		return Supply{}, unavailable(err)
	}
	return Supply{Currency: cur, Issued: -t.Issuance, Reserves: t.Reserves, Wallets: t.Wallets, Held: t.Held}, nil
}

// ---- wallets ----

// CreateWallet opens a wallet at the calling operator.
func (s *Service) CreateWallet(ctx context.Context, a Actor, h ingot.Holder, currency string, kind ingot.WalletKind, idem *Idem) (*Result, error) {
	if err := s.requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	acc, err := s.newWallet(a.OperatorID, WalletRequest{Holder: h, Currency: currency, Kind: kind}, time.Now())
	if err != nil {
		return nil, err
	}
	lim, err := s.Limits(ctx, []ingot.Account{acc})
	if err != nil {
		return nil, err
	}
	res := &Result{Account: &acc, Limits: &lim[0]}
	rec, err := s.record(idem, res)
	if err != nil {
		return nil, err
	}
	existing, err := s.st.CreateAccount(ctx, acc, rec)
	if err != nil {
		return nil, unavailable(err)
	}
	if existing != nil {
		return checkReplay(existing, idem)
	}
	return res, nil
}

// ownWallet reads a wallet of the calling operator; any other wallet is
// not_found, so that operators cannot probe each other's customers.
func (s *Service) ownWallet(ctx context.Context, a Actor, id string) (ingot.Account, error) {
	if err := s.requireRole(a, ingot.RoleOperator); err != nil {
		return ingot.Account{}, err
	}
	wid, err := ingot.ParseWalletID(id)
	if err != nil {
		return ingot.Account{}, err
	}
	acc, err := s.st.Account(ctx, wid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (acc.Kind != ingot.AccountWallet || acc.OperatorID != a.OperatorID)) {
		return ingot.Account{}, notFound("wallet " + id)
	}
	if err != nil {
		return ingot.Account{}, unavailable(err)
	}
	return acc, nil
}

// Wallet reads one of the operator's wallets.
func (s *Service) Wallet(ctx context.Context, a Actor, id string) (ingot.Account, error) {
	return s.ownWallet(ctx, a, id)
}

// Wallets lists the operator's wallets by id.
func (s *Service) Wallets(ctx context.Context, a Actor, cursor string, limit int) ([]ingot.Account, string, error) {
	if err := s.requireRole(a, ingot.RoleOperator); err != nil {
		return nil, "", err
	}
	c, err := decodeCursor(cursor, "w")
	if err != nil {
		return nil, "", err
	}
	var after int64
	if c != "" {
		if after, err = strconv.ParseInt(c, 10, 64); err != nil {
			return nil, "", errBadCursor
		}
	}
	limit = clampLimit(limit)
	ws, err := s.st.Accounts(ctx, a.OperatorID, ingot.AccountWallet, after, limit+1)
	if err != nil {
		return nil, "", unavailable(err)
	}
	next := ""
	if len(ws) > limit {
		ws = ws[:limit]
		next = encodeCursor("w", strconv.FormatInt(ws[limit-1].ID, 10))
	}
	return ws, next, nil
}

// SetWalletStatus freezes, unfreezes or closes a wallet.
func (s *Service) SetWalletStatus(ctx context.Context, a Actor, id string, op Op, idem *Idem) (*Result, error) {
	w, err := s.ownWallet(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return s.eng.Do(ctx, &Command{Op: op, Actor: a, Wallet: w.ID, Parent: w.ParentID, Idem: idem})
}

// Fund tops up a wallet from the operator's reserve (withdraw false) or
// withdraws from it to the reserve.
func (s *Service) Fund(ctx context.Context, a Actor, walletID, amount string, withdraw bool, idem *Idem) (*Result, error) {
	w, err := s.ownWallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	cur := ingot.MustCurrency(w.Currency)
	v, err := ingot.ParseAmount(amount, cur)
	if err != nil {
		return nil, err
	}
	res, err := s.account(ctx, ingot.AccountReserve, a.OperatorID, cur.Code)
	if err != nil {
		return nil, err
	}
	c := &Command{Op: OpTopUp, Actor: a, Debit: res, Credit: w.ID, Amount: v, Currency: cur.Code, Idem: idem}
	if withdraw {
		c.Op, c.Debit, c.Credit = OpWithdraw, w.ID, res
	}
	return s.eng.Do(ctx, c)
}

// ---- payments ----

// PayRequest is a payment as the API takes it.
type PayRequest struct {
	From, To, Amount, Currency, Memo string
}

// MaxMemo is the longest memo, in bytes.
const MaxMemo = 512

func parsePay(p PayRequest) (Item, error) {
	from, err := ingot.ParseWalletID(p.From)
	if err != nil {
		return Item{}, ingot.Errorf(ingot.CodeInvalidWalletID, "from: %s", err.(*ingot.Error).Detail)
	}
	to, err := ingot.ParseWalletID(p.To)
	if err != nil {
		return Item{}, ingot.Errorf(ingot.CodeInvalidWalletID, "to: %s", err.(*ingot.Error).Detail)
	}
	cur, err := ingot.LookupCurrency(p.Currency)
	if err != nil {
		return Item{}, err
	}
	v, err := ingot.ParseAmount(p.Amount, cur)
	if err != nil {
		return Item{}, err
	}
	if len(p.Memo) > MaxMemo || !utf8.ValidString(p.Memo) {
		return Item{}, ingot.Errorf(ingot.CodeInvalidRequest, "memo must be valid UTF-8 of at most %d bytes", MaxMemo)
	}
	return Item{From: from, To: to, Amount: v, Currency: cur.Code, Memo: p.Memo}, nil
}

// Pay moves money from one of the operator's wallets to any wallet.
func (s *Service) Pay(ctx context.Context, a Actor, p PayRequest, idem *Idem) (*Result, error) {
	if err := s.requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	it, err := parsePay(p)
	if err != nil {
		return nil, err
	}
	res, err := s.eng.Do(ctx, &Command{Op: OpPay, Actor: a, Debit: it.From, Credit: it.To, Amount: it.Amount, Currency: it.Currency, Memo: it.Memo, Idem: idem})
	if ingot.ErrorCode(err) == ingot.CodeInsufficientFunds {
		return s.reverseWaterfall(ctx, a, it, idem, err) // bank_service.go
	}
	return res, err
}

// MaxBatchItems is the most transfers one batch request carries.
const MaxBatchItems = 8000

// PayBatch applies many payments. Items that fail validation are answered
// with their error; with atomic, any failure fails them all.
func (s *Service) PayBatch(ctx context.Context, a Actor, ps []PayRequest, atomic bool, idem *Idem) (*Result, error) {
	if err := s.requireRole(a, ingot.RoleOperator); err != nil {
		return nil, err
	}
	if len(ps) == 0 || len(ps) > MaxBatchItems {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "transfers must hold 1 to %d items", MaxBatchItems)
	}
	items := make([]Item, 0, len(ps))
	index := make([]int, 0, len(ps)) // position of each valid item
	pre := make([]ItemResult, len(ps))
	for i, p := range ps {
		it, err := parsePay(p)
		if err != nil {
			if atomic {
				return nil, ingot.Errorf(ingot.ErrorCode(err), "transfers[%d]: %s", i, err.(*ingot.Error).Detail)
			}
			pre[i].Err = err.(*ingot.Error)
			continue
		}
		items = append(items, it)
		index = append(index, i)
	}
	if len(items) == 0 {
		// Nothing can move, so nothing is stored; a key used before for
		// another request is still a conflict.
		if idem != nil {
			rec, err := s.st.Idempotency(ctx, idem.IdemKey)
			if err == nil {
				if _, err := checkReplay(&rec, idem); err != nil {
					return nil, err
				}
			} else if !errors.Is(err, store.ErrNotFound) {
				return nil, unavailable(err)
			}
		}
		return &Result{Items: pre}, nil
	}
	// Items that failed validation are part of the stored response too.
	var cidem *Idem
	if idem != nil {
		c := *idem
		inner := idem.Render
		c.Render = func(r *Result) ([]byte, error) { return inner(mergeItems(pre, index, r)) }
		cidem = &c
	}
	res, err := s.eng.Do(ctx, &Command{Op: OpBatch, Actor: a, Items: items, Atomic: atomic, Idem: cidem})
	if err != nil || res.Replay != nil {
		return res, err
	}
	return mergeItems(pre, index, res), nil
}

func mergeItems(pre []ItemResult, index []int, r *Result) *Result {
	out := make([]ItemResult, len(pre))
	copy(out, pre)
	for j, i := range index {
		out[i] = r.Items[j]
	}
	return &Result{Items: out}
}

// Transfer reads a transfer. Operators see transfers one of whose accounts
// is theirs; the central bank sees issuance transfers. Others: not_found.
func (s *Service) Transfer(ctx context.Context, a Actor, id string) (ingot.Transfer, error) {
	if _, err := uuid.Parse(id); err != nil {
		return ingot.Transfer{}, notFound("transfer " + strconv.Quote(id))
	}
	t, err := s.st.Transfer(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return ingot.Transfer{}, notFound("transfer " + id)
	}
	if err != nil {
		return ingot.Transfer{}, unavailable(err)
	}
	for _, acc := range []int64{t.Debit, t.Credit} {
		x, err := s.st.Account(ctx, acc)
		if err != nil {
			return ingot.Transfer{}, unavailable(err)
		}
		if (a.Role == ingot.RoleOperator && x.OperatorID == a.OperatorID) ||
			(a.Role == ingot.RoleCentralBank && x.Kind == ingot.AccountIssuance) {
			return t, nil
		}
	}
	return ingot.Transfer{}, notFound("transfer " + id)
}

// Entry is a line of a wallet's statement.
type Entry struct {
	Transfer     ingot.Transfer
	Amount       int64 // signed: negative when the wallet paid
	BalanceAfter int64
}

// History lists a wallet's transfers, newest first.
func (s *Service) History(ctx context.Context, a Actor, walletID, cursor string, limit int) ([]Entry, string, error) {
	w, err := s.ownWallet(ctx, a, walletID)
	if err != nil {
		return nil, "", err
	}
	c, err := decodeCursor(cursor, "t")
	if err != nil {
		return nil, "", err
	}
	var before int64
	if c != "" {
		if before, err = strconv.ParseInt(c, 10, 64); err != nil || before <= 0 {
			return nil, "", errBadCursor
		}
	}
	limit = clampLimit(limit)
	ts, err := s.st.AccountTransfers(ctx, w.ID, before, limit+1)
	if err != nil {
		return nil, "", unavailable(err)
	}
	next := ""
	if len(ts) > limit {
		ts = ts[:limit]
		next = encodeCursor("t", strconv.FormatInt(ts[limit-1].Seq, 10))
	}
	out := make([]Entry, len(ts))
	for i, t := range ts {
		if t.Debit == w.ID {
			out[i] = Entry{Transfer: t, Amount: -t.Amount, BalanceAfter: t.DebitBalance}
		} else {
			out[i] = Entry{Transfer: t, Amount: t.Amount, BalanceAfter: t.CreditBalance}
		}
	}
	return out, next, nil
}

// ---- holds ----

// PlaceHold reserves an amount of one of the operator's wallets until
// expiresAt (at most MaxHold ahead).
func (s *Service) PlaceHold(ctx context.Context, a Actor, walletID, amount string, expiresAt time.Time, idem *Idem) (*Result, error) {
	w, err := s.ownWallet(ctx, a, walletID)
	if err != nil {
		return nil, err
	}
	v, err := ingot.ParseAmount(amount, ingot.MustCurrency(w.Currency))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if !expiresAt.After(now) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at must be in the future")
	}
	if expiresAt.After(now.Add(MaxHold)) {
		return nil, ingot.Errorf(ingot.CodeInvalidRequest, "expires_at must be within %d days", int(MaxHold/(24*time.Hour)))
	}
	return s.eng.Do(ctx, &Command{Op: OpHold, Actor: a, Wallet: w.ID, Amount: v, Currency: w.Currency, ExpiresAt: expiresAt, Idem: idem})
}

// MaxHold is the longest a hold may last.
const MaxHold = 30 * 24 * time.Hour

// Hold reads one of the operator's holds.
func (s *Service) Hold(ctx context.Context, a Actor, id string) (ingot.Hold, error) {
	if err := s.requireRole(a, ingot.RoleOperator); err != nil {
		return ingot.Hold{}, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return ingot.Hold{}, notFound("hold " + strconv.Quote(id))
	}
	h, err := s.st.Hold(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && h.OperatorID != a.OperatorID) {
		return ingot.Hold{}, notFound("hold " + id)
	}
	if err != nil {
		return ingot.Hold{}, unavailable(err)
	}
	return h, nil
}

// CaptureHold pays (part of) a hold to a wallet and releases the rest.
// amount "" captures the whole hold.
func (s *Service) CaptureHold(ctx context.Context, a Actor, id, to, amount string, idem *Idem) (*Result, error) {
	h, err := s.Hold(ctx, a, id)
	if err != nil {
		return nil, err
	}
	toID, err := ingot.ParseWalletID(to)
	if err != nil {
		return nil, err
	}
	var v int64
	if amount != "" {
		if v, err = ingot.ParseAmount(amount, ingot.MustCurrency(h.Currency)); err != nil {
			return nil, err
		}
	}
	return s.eng.Do(ctx, &Command{Op: OpCapture, Actor: a, HoldID: h.ID, Credit: toID, Amount: v, Idem: idem})
}

// VoidHold releases a hold.
func (s *Service) VoidHold(ctx context.Context, a Actor, id string, idem *Idem) (*Result, error) {
	h, err := s.Hold(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return s.eng.Do(ctx, &Command{Op: OpVoid, Actor: a, HoldID: h.ID, Idem: idem})
}

// ExpireHolds releases every pending hold past its expiry; it returns how
// many it looked at. Run it periodically (RunExpiry).
func (s *Service) ExpireHolds(ctx context.Context) (int, error) {
	ids, err := s.st.ExpiredHolds(ctx, time.Now(), 1000)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	_, err = s.eng.Do(ctx, &Command{Op: OpExpire, HoldIDs: ids})
	return len(ids), err
}

// RunExpiry releases expired holds every interval until ctx ends.
func (s *Service) RunExpiry(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for {
				n, err := s.ExpireHolds(ctx)
				if err != nil {
					s.log.Warn("hold expiry failed", "err", err)
				}
				if err != nil || n < 1000 {
					break
				}
			}
		}
	}
}

// ---- cursors ----

var errBadCursor = ingot.Errorf(ingot.CodeInvalidCursor, "cursor is not one this API issued")

func encodeCursor(kind, v string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + v))
}

func decodeCursor(c, kind string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", errBadCursor
	}
	k, v, ok := strings.Cut(string(b), ":")
	if !ok || k != kind || v == "" {
		return "", errBadCursor
	}
	return v, nil
}

// DefaultLimit and MaxLimit bound list pages.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

func clampLimit(n int) int {
	if n <= 0 {
		return DefaultLimit
	}
	return min(n, MaxLimit)
}
