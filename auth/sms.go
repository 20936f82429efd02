package auth

import (
	"context"
	"time"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/pii"
)

// SandboxSender keeps text messages in the database instead of sending
// them (ingot serve --sandbox), so that any process can show them (GET
// /v1/sandbox/sms). The phone is sealed, and found by its lookup hash.
type SandboxSender struct {
	st  Store
	pii *pii.Keys
	now func() time.Time
}

// NewSandboxSender returns the sandbox's sender; now nil is time.Now.
func NewSandboxSender(st Store, keys *pii.Keys, now func() time.Time) *SandboxSender {
	if now == nil {
		now = time.Now
	}
	return &SandboxSender{st: st, pii: keys, now: now}
}

// Send stores the message.
func (x *SandboxSender) Send(ctx context.Context, phone, text string) error {
	id := newID()
	sealed, err := x.pii.Seal(phone, "sms_phone:"+id)
	if err != nil {
		return err
	}
	return x.st.AddSMS(ctx, SMS{ID: id, PhoneHash: x.pii.LookupHash(pii.KindPhone, phone), Phone: sealed, Text: text,
		SentAt: x.now().UTC().Truncate(time.Microsecond)})
}

// MaxMessages is the most messages one Messages call lists.
const MaxMessages = 100

// Messages lists the sandbox's messages to a phone, newest first, with the
// phone opened (the central bank reads them; the sandbox's phones are
// test phones).
func (s *Service) Messages(ctx context.Context, a ingot.Actor, rawPhone string) ([]SMS, error) {
	if a.Role != ingot.RoleCentralBank {
		return nil, ingot.Errorf(ingot.CodeForbidden, "only the central bank reads the sandbox's text messages")
	}
	_, ph, err := s.phone(rawPhone)
	if err != nil {
		return nil, err
	}
	ms, err := s.st.SMSTo(ctx, ph, MaxMessages)
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	for i := range ms {
		p, err := s.opt.PII.Open(ms[i].Phone, "sms_phone:"+ms[i].ID)
		if err != nil {
			p = ""
		}
		ms[i].Phone = p
	}
	return ms, nil
}
