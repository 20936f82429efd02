package web

import (
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/ingot-cbdc/ingot/client"
	"github.com/ingot-cbdc/ingot/emvqr"
)

// A holder's second factors on the wallet page: the list (SMS is always
// one), an authenticator app (TOTP: its otpauth URI as a QR code drawn
// here, and its secret as text, then a first code), a passkey (the
// browser's WebAuthn, static/passkey.js), and removing one (the API asks
// for a fresh approval first).

// totpSetup is an authenticator app being set up: its secret and its
// otpauth URI as a QR code (a data: URL, so that the secret is never
// served at an address of its own).
type totpSetup struct {
	Secret string
	QR     template.URL
}

// factorRow is a factor as the page lists it.
type factorRow struct {
	ID, Kind  string
	CreatedAt time.Time // zero for SMS
}

func factorRows(fs []client.Factor) []factorRow {
	out := make([]factorRow, len(fs))
	for i, f := range fs {
		out[i] = factorRow{ID: f.ID, Kind: f.Kind}
		if f.CreatedAt != nil {
			out[i].CreatedAt = *f.CreatedAt
		}
	}
	return out
}

// totpQRSize is the side of the authenticator app's QR code, in pixels.
const totpQRSize = 256

func (w *Web) factorRoutes() {
	w.handle("POST /wallet/totp", func(q *req) {
		if !q.holder() {
			return
		}
		t, err := q.client().AddTOTP(q.r.Context())
		if err != nil {
			q.wallet(http.StatusUnprocessableEntity, "", q.problem(err), nil)
			return
		}
		png, err := emvqr.PNG(t.OtpauthURI, totpQRSize)
		if err != nil {
			q.wallet(http.StatusInternalServerError, "", err.Error(), nil)
			return
		}
		setup := &totpSetup{Secret: t.Secret, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}
		q.walletWith(http.StatusOK, "", "", nil, func(d *walletData) { d.TOTP = setup })
	})
	w.handle("POST /wallet/totp/confirm", func(q *req) {
		if !q.holder() {
			return
		}
		if _, err := q.client().ConfirmTOTP(q.r.Context(), client.CodeRequest{Code: strings.TrimSpace(q.r.PostFormValue("code"))}); err != nil {
			q.wallet(http.StatusUnprocessableEntity, "", q.problem(err), nil)
			return
		}
		q.wallet(http.StatusOK, q.t("factor.added"), "", nil)
	})
	// The passkey's creation options, for the page's script (JSON).
	w.handle("POST /wallet/passkeys/options", func(q *req) {
		if q.s.Kind != kindHolder {
			writeJSON(q, http.StatusUnauthorized, map[string]string{"error": q.t("error.session")})
			return
		}
		o, err := q.client().PasskeyOptions(q.r.Context())
		if err != nil {
			writeJSON(q, http.StatusBadGateway, map[string]string{"error": q.problem(err)})
			return
		}
		writeJSON(q, http.StatusOK, o)
	})
	w.handle("POST /wallet/passkeys", func(q *req) {
		if !q.holder() {
			return
		}
		cred := strings.TrimSpace(q.r.PostFormValue("credential"))
		if cred == "" || !json.Valid([]byte(cred)) {
			q.wallet(http.StatusUnprocessableEntity, "", q.t("passkey.failed"), nil)
			return
		}
		if _, err := q.client().AddPasskey(q.r.Context(), client.PasskeyRequest{Credential: json.RawMessage(cred)}); err != nil {
			q.wallet(http.StatusUnprocessableEntity, "", q.problem(err), nil)
			return
		}
		q.wallet(http.StatusOK, q.t("factor.added"), "", nil)
	})
	w.handle("POST /wallet/factors/remove", func(q *req) {
		if !q.holder() {
			return
		}
		q.removeFactor(&approval{Purpose: "remove", To: q.r.PostFormValue("factor")}, "")
	})
}

// removeFactor removes the factor a.To; the API first asks for an
// approval, shown on the page.
func (q *req) removeFactor(a *approval, authorization string) {
	var opts []client.CallOption
	if authorization != "" {
		opts = append(opts, client.WithAuthorization(authorization))
	}
	err := q.client().RemoveFactor(q.r.Context(), a.To, opts...)
	if needsApproval(err, a) {
		a.Purpose = "remove"
		q.wallet(http.StatusOK, "", "", a)
		return
	}
	if err != nil {
		q.wallet(http.StatusUnprocessableEntity, "", q.problem(err), nil)
		return
	}
	q.wallet(http.StatusOK, q.t("factor.removed"), "", nil)
}

// writeJSON answers the page's script, keeping the session alive.
func writeJSON(q *req, status int, v any) {
	q.save()
	q.rw.Header().Set("Content-Type", "application/json")
	q.rw.WriteHeader(status)
	_ = json.NewEncoder(q.rw).Encode(v)
}
