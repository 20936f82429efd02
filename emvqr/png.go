package emvqr

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
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
//
// The encoder is ZXing's (gozxing's port), the one the readers most phones
// use were written against: codes drawn by another Go encoder
// (skip2/go-qrcode) were missed by ZXing's detector about once in fifty,
// depending on the payload (TestPNGScansForEveryPayload).
func PNG(payload string, size int) ([]byte, error) {
	if size < 1 || size > MaxPNGSize {
		return nil, fmt.Errorf("emvqr: PNG size %d is not 1 to %d", size, MaxPNGSize)
	}
	if payload == "" {
		return nil, errors.New("emvqr: PNG of an empty payload")
	}
	m, err := qrcode.NewQRCodeWriter().Encode(payload, gozxing.BarcodeFormat_QR_CODE, size, size, map[gozxing.EncodeHintType]any{
		gozxing.EncodeHintType_ERROR_CORRECTION: decoder.ErrorCorrectionLevel_M,
		gozxing.EncodeHintType_MARGIN:           4,
	})
	if err != nil {
		return nil, fmt.Errorf("emvqr: PNG: %w", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		return nil, fmt.Errorf("emvqr: PNG: %w", err)
	}
	return b.Bytes(), nil
}
