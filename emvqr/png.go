package emvqr

import (
	"errors"
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// MaxPNGSize is the largest image PNG draws, in pixels a side.
const MaxPNGSize = 2048

// PNG draws payload (as Encode returns it) as a QR code in a PNG image of
// size by size pixels: black modules on white, with the quiet zone of four
// modules the QR standard asks for, at error correction level M (about 15%
// of the symbol can be lost). size must be 1 to MaxPNGSize; one too small
// for a pixel a module gives the smallest image that has one (about 60
// pixels for Ingot's payloads). Its errors are a caller's mistakes, not an
// *Error.
func PNG(payload string, size int) ([]byte, error) {
	if size < 1 || size > MaxPNGSize {
		return nil, fmt.Errorf("emvqr: PNG size %d is not 1 to %d", size, MaxPNGSize)
	}
	if payload == "" {
		return nil, errors.New("emvqr: PNG of an empty payload")
	}
	return qrcode.Encode(payload, qrcode.Medium, size)
}
