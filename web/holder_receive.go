package web

import (
	"net/http"

	"github.com/ingot-cbdc/ingot/client"
	"github.com/ingot-cbdc/ingot/emvqr"
)

// Receiving: a QR code for each of the holder's wallets. A merchant
// wallet with its profile shows its static merchant QR code (the API's,
// EMVCo); the API has none for a personal wallet, so a personal wallet
// shows a QR code of its 16-digit id, which the pay form (pasted, or read
// from a picture) takes as the payee like a typed id.

// receiveCode is a wallet's code to be paid with.
type receiveCode struct {
	Wallet   string
	Merchant bool
}

// receiveQRSize is the side of a personal wallet's QR code, in pixels.
const receiveQRSize = 256

func receiveCodes(ws []client.Wallet) []receiveCode {
	out := make([]receiveCode, 0, len(ws))
	for _, w := range ws {
		out = append(out, receiveCode{Wallet: w.ID, Merchant: w.Kind == "merchant" && w.Merchant.Name != ""})
	}
	return out
}

func (w *Web) receiveRoutes() {
	// The QR image, through the visitor's credential (an <img> sends
	// none); only of the holder's own wallets (the API answers 404 for
	// another's).
	w.handle("GET /wallet/receive/{id}/qr.png", func(q *req) {
		if q.s.Kind != kindHolder {
			http.NotFound(q.rw, q.r)
			return
		}
		id := q.r.PathValue("id")
		wl, err := q.client().GetWallet(q.r.Context(), id, nil)
		if err != nil {
			http.NotFound(q.rw, q.r)
			return
		}
		var png []byte
		if wl.Kind == "merchant" && wl.Merchant.Name != "" {
			png, err = q.client().GetStaticQRImage(q.r.Context(), wl.ID)
		} else {
			png, err = emvqr.PNG(wl.ID, receiveQRSize)
		}
		if err != nil {
			http.NotFound(q.rw, q.r)
			return
		}
		q.save()
		q.rw.Header().Set("Content-Type", "image/png")
		_, _ = q.rw.Write(png)
	})
}
