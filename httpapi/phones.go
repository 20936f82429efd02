package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/featurephone"
)

// Feature phones (docs/offline-and-ussd.md): the USSD gateway's callback, which
// answers text/plain screens, and under the sandbox the delivery of an
// incoming SMS command.

// MaxUSSDBytes is the largest USSD callback body the API takes.
const MaxUSSDBytes = 4 << 10

type ussdIn struct {
	Secret  string `header:"X-Ussd-Secret" doc:"The secret shared with the gateway (ingot serve --ussd-secret)."`
	RawBody []byte `contentType:"application/x-www-form-urlencoded" doc:"sessionId, serviceCode, phoneNumber and text (the choices so far, *-separated), form-encoded."`
}

type incomingSMSIn struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"The message's id: the same message delivered twice pays once."`
	Body           struct {
		Phone string `json:"phone" maxLength:"64" doc:"The phone that sent it (E.164, or a number of the default region)."`
		Text  string `json:"text" maxLength:"480" doc:"The message: BAL, or PAY <phone or wallet id> <amount> <PIN>."`
	}
}

// IncomingSMS is Ingot's answer to an SMS, also sent back to the phone.
type IncomingSMS struct {
	Reply string `json:"reply" doc:"The answer, which was also sent to the phone (GET /v1/sandbox/sms)."`
}

func (s *server) phoneRoutes() {
	if s.phones == nil {
		return
	}
	if len(s.ussdSecret) > 0 {
		huma.Register(s.api, huma.Operation{
			OperationID: "ussdCallback", Method: http.MethodPost, Path: "/v1/ussd",
			Summary:     "The USSD gateway's callback: the next screen of a feature phone's session (CON continues, END ends)",
			Description: "Authenticated by the header X-Ussd-Secret (the secret shared with the gateway), not by a bearer credential; a missing or wrong one is 401. The route exists only when the server has a secret. See docs/offline-and-ussd.md.",
			Tags:        []string{"Feature phones"}, MaxBodyBytes: MaxUSSDBytes, DefaultStatus: http.StatusOK,
			Responses: map[string]*huma.Response{"200": {Description: "The screen: \"CON <text>\" or \"END <text>\"", Content: map[string]*huma.MediaType{
				"text/plain": {Schema: &huma.Schema{Type: "string"}},
			}}},
		}, s.ussd)
	}
	if s.sandbox != nil {
		post(s, "sandboxIncomingSMS", "/v1/sandbox/sms/incoming", "Deliver an SMS from a phone to Ingot's SMS commands (BAL, PAY); the answer is sent back by SMS", http.StatusOK, "Sandbox", s.incomingSMS)
	}
}

var errUSSDSecret = ingot.Errorf(ingot.CodeUnauthorized, "a valid X-Ussd-Secret header is required")

// ussd answers a gateway's callback. Its secret is compared in constant
// time (as SHA-256 digests, so that not even its length shows).
func (s *server) ussd(ctx context.Context, in *ussdIn) (*Document, error) {
	got := sha256.Sum256([]byte(in.Secret))
	if in.Secret == "" || subtle.ConstantTimeCompare(got[:], s.ussdSecret) != 1 {
		return nil, s.problem(ctx, errUSSDSecret)
	}
	form, err := url.ParseQuery(string(in.RawBody))
	if err != nil {
		return nil, s.problem(ctx, ingot.Errorf(ingot.CodeMalformedRequest, "the body is not form-encoded (application/x-www-form-urlencoded)"))
	}
	c := featurephone.Callback{SessionID: form.Get("sessionId"), ServiceCode: form.Get("serviceCode"), Phone: form.Get("phoneNumber"), Text: form.Get("text")}
	switch {
	case c.SessionID == "" || c.Phone == "":
		return nil, s.problem(ctx, ingot.Errorf(ingot.CodeInvalidRequest, "sessionId and phoneNumber are required"))
	case len(c.SessionID) > 128 || len(c.Phone) > 64 || len(c.ServiceCode) > 64 || len(c.Text) > 1024:
		return nil, s.problem(ctx, ingot.Errorf(ingot.CodeInvalidRequest, "a field is too long (sessionId 128, phoneNumber 64, serviceCode 64, text 1024 bytes)"))
	case hasControl(c.SessionID + c.Phone + c.ServiceCode + c.Text):
		return nil, s.problem(ctx, ingot.Errorf(ingot.CodeInvalidRequest, "a field holds a control character"))
	}
	screen := s.phones.USSD(ctx, c, info(ctx).client)
	return &Document{ContentType: "text/plain; charset=utf-8", Body: []byte(screen.String())}, nil
}

// hasControl reports a control character (C0, DEL, C1) in s.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) })
}

func (s *server) incomingSMS(ctx context.Context, in *incomingSMSIn) (*Body[IncomingSMS], error) {
	ri := info(ctx)
	if err := sandboxAllowed(ri.actor); err != nil {
		return nil, s.problem(ctx, err)
	}
	id := ""
	if in.IdempotencyKey != "" {
		if err := checkIdemKey(in.IdempotencyKey); err != nil {
			return nil, s.problem(ctx, err)
		}
		id = ri.actor.KeyID + ":" + in.IdempotencyKey
	}
	reply, err := s.phones.SMS(ctx, in.Body.Phone, in.Body.Text, id, ri.client)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &Body[IncomingSMS]{Body: IncomingSMS{Reply: reply}}, nil
}
