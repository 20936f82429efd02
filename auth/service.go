package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/pii"
	"github.com/ingot-cbdc/ingot/store"
)

// The numbers of the rules (docs/security.md).
const (
	MaxFailures  = 5                // failures in a row that lock a phone out
	LockFor      = 15 * time.Minute // how long
	CodeTTL      = 5 * time.Minute  // a code, an enrolment, a login
	MaxTries     = 5                // wrong codes per code
	AccessTTL    = 5 * time.Minute  // an access token
	IdleTimeout  = 5 * time.Minute  // a session without requests ends
	SessionMax   = 12 * time.Hour   // a session ends anyway
	touchEvery   = 15 * time.Second // how stale LastSeenAt may get (idle is measured to this)
	keyCacheTTL  = time.Second      // a revoked key stops working within this, on every process
	keyTouchTime = time.Minute      // LastUsedAt's precision
)

// Sender sends text messages (the SMS codes) to E.164 phone numbers.
type Sender interface {
	Send(ctx context.Context, phone, text string) error
}

// Options configure a Service.
type Options struct {
	// PII seals and hashes personal data: phone lookup hashes, TOTP
	// secrets, codes' hashes. Required.
	PII *pii.Keys
	// Sender sends the SMS codes. Required.
	Sender Sender
	// PublicURL is where the service is reached, e.g.
	// https://wallet.example.com: WebAuthn's relying party (its host is the
	// RP id, its origin the only origin allowed). Default
	// http://localhost:8080.
	PublicURL string
	// Now is the clock; nil is time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Service signs holders in, keeps their sessions and factors, approves
// their payments, authenticates every request's credential and records
// security events.
type Service struct {
	st   Store
	opt  Options
	log  *slog.Logger
	wa   *webauthn.WebAuthn
	keys keyCache
}

// New returns a Service over st.
func New(st Store, opt Options) (*Service, error) {
	if opt.PII == nil || opt.Sender == nil {
		return nil, errors.New("auth: a data key and an SMS sender are required")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.PublicURL == "" {
		opt.PublicURL = "http://localhost:8080"
	}
	u, err := url.Parse(opt.PublicURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("auth: public URL %q is not an http(s) URL", opt.PublicURL)
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "Ingot",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
	})
	if err != nil {
		return nil, fmt.Errorf("auth: webauthn: %w", err)
	}
	return &Service{st: st, opt: opt, log: opt.Logger, wa: wa}, nil
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// unavailable turns a storage failure into a retryable error, logging the
// cause; an *ingot.Error passes as it is.
func (s *Service) unavailable(ctx context.Context, err error) error {
	if ingot.AsError(err) != nil {
		return err
	}
	s.log.ErrorContext(ctx, "auth: storage failure", "err", err)
	return ingot.Errorf(ingot.CodeUnavailable, "storage is unavailable; retry")
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

// phone normalizes a phone number and returns it with its lookup hash.
func (s *Service) phone(raw string) (string, []byte, error) {
	p, err := pii.NormalizePhone(raw, pii.DefaultRegion)
	if err != nil {
		return "", nil, ingot.Errorf(ingot.CodeInvalidRequest, "phone is not a valid phone number (E.164, or a number of the default region %s)", pii.DefaultRegion)
	}
	return p, s.opt.PII.LookupHash(pii.KindPhone, p), nil
}

// codeHash is the stored form of a code: a keyed hash bound to what it was
// sent for, so that a code's hash says nothing outside its row.
func (s *Service) codeHash(ref, code string) []byte {
	return s.opt.PII.LookupHash("auth_code", ref+":"+code)
}

// sendCode sends a new code for ref to a phone, with the text made from
// it, and returns its hash.
func (s *Service) sendCode(ctx context.Context, ref, phone string, text func(code string) string) ([]byte, error) {
	code := newCode()
	if err := s.opt.Sender.Send(ctx, phone, text(code)); err != nil {
		s.log.WarnContext(ctx, "auth: sending an SMS failed", "phone", pii.MaskPhone(phone), "err", err)
		return nil, ingot.Errorf(ingot.CodeUnavailable, "the text message could not be sent; retry")
	}
	return s.codeHash(ref, code), nil
}

// holderPhone is a holder's E.164 phone: opened from one of its wallets.
func (s *Service) holderPhone(ctx context.Context, h Holder) (string, []ingot.Account, error) {
	ws, err := s.st.HolderWallets(ctx, h.PhoneHash)
	if err != nil {
		return "", nil, s.unavailable(ctx, err)
	}
	for _, w := range ws {
		if p, err := s.opt.PII.Open(w.Holder.Phone, "holder_phone:"+strconv.FormatInt(w.ID, 10)); err == nil {
			return p, ws, nil
		}
	}
	return "", ws, ingot.Errorf(ingot.CodeNotFound, "no wallet has this holder's phone any more")
}

// operatorsOf are the distinct operators of wallets, sorted.
func operatorsOf(ws []ingot.Account) []string {
	var ops []string
	for _, w := range ws {
		if !slices.Contains(ops, w.OperatorID) {
			ops = append(ops, w.OperatorID)
		}
	}
	slices.Sort(ops)
	return ops
}

// Record stores a security event and writes it on the log (masked).
// Failing to store one is logged, never fatal to the request.
func (s *Service) Record(ctx context.Context, e SecurityEvent) {
	if e.ID == "" {
		e.ID = newID()
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.now()
	}
	s.log.InfoContext(ctx, "security event", "type", e.Type, "subject", e.Subject, "holder", e.HolderID, "key", e.KeyID,
		"operators", e.Operators, "address", e.Address, "detail", e.Detail)
	if err := s.st.AddSecurityEvent(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "auth: storing a security event failed", "type", e.Type, "err", err)
	}
}

// holderEvent records an event about a holder, for the operators of its
// wallets.
func (s *Service) holderEvent(ctx context.Context, typ string, h Holder, ws []ingot.Account, phone, detail string, c Client) {
	subject := ""
	if phone != "" {
		subject = pii.MaskPhone(phone)
	}
	s.Record(ctx, SecurityEvent{Type: typ, Operators: operatorsOf(ws), HolderID: h.ID, Subject: subject, Detail: detail, Address: c.Address})
}

// Client is what the transport knows of the caller.
type Client struct {
	Address    string // the client's IP address
	CertSHA256 []byte // the SHA-256 of its verified TLS client certificate; nil: none
}

// Events lists security events for the central bank (all) or an operator
// (those of its holders and keys), newest first. The central bank reads
// holders pseudonymously (controllable anonymity, docs/security.md): a
// holder's event keeps its HolderID but not its Subject (the holder's
// masked phone) nor its Address (the holder's).
func (s *Service) Events(ctx context.Context, a ingot.Actor, f EventFilter) ([]SecurityEvent, error) {
	switch a.Role {
	case ingot.RoleCentralBank:
		if a.IssuerID != "" && a.IssuerID != ingot.AdminIssuerID {
			// Security events are platform-wide: another issuer's key would
			// read every operator's (docs/cross-border.md).
			return nil, ingot.Errorf(ingot.CodeForbidden, "security events are the platform administrator's; they are not split per issuer")
		}
		f.OperatorID = ""
	case ingot.RoleOperator:
		f.OperatorID = a.OperatorID
	default:
		return nil, ingot.Errorf(ingot.CodeForbidden, "only the central bank and operators read security events")
	}
	es, err := s.st.SecurityEvents(ctx, f)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	if a.Role == ingot.RoleCentralBank {
		for i := range es {
			if !organisationEvents[es[i].Type] {
				es[i].Subject, es[i].Address = "", ""
			}
		}
	}
	return es, nil
}

// organisationEvents are the security events of organisations' acts (their
// keys, webhook endpoints and reveals), whose subject and address are an
// organisation's. An event of any other type is a holder's: its subject is
// the holder's masked phone and its address the holder's, so a type added
// later counts as a holder's until it is listed here.
var organisationEvents = map[string]bool{
	EventKeyCreated: true, EventKeyRevoked: true, EventKeyNewAddress: true, EventWebhookDisabled: true,
	EventRevealRequested: true, EventRevealApproved: true, EventPIIRevealed: true, EventProviderCreated: true,
}

// mustJSON marshals values the service made itself.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("auth: " + err.Error())
	}
	return b
}
