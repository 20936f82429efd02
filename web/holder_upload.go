package web

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	_ "image/gif" // pictures a phone or a screenshot may give
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"strings"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Paying from a picture of a QR code: the pay form may carry a picture
// (a photo from the phone's camera, a screenshot) instead of the pasted
// payload. The server reads the code in it (ZXing's decoder, ported to
// Go) and pays as if the payload had been pasted. Pictures are at most
// maxPicture bytes and maxPixels pixels; anything but a PNG, JPEG or GIF
// picture is refused with a message saying so.

const (
	// maxPicture is the largest picture taken, in bytes.
	maxPicture = 5 << 20
	// maxPixels is the largest picture taken, in pixels (a decoded
	// picture takes 4 bytes a pixel).
	maxPixels = 40_000_000
	// scanSide is the longest side a picture is scanned at: larger ones
	// are scaled down first (a QR code filling a part of a photo keeps
	// enough pixels a module).
	scanSide = 1600
)

// pictureQR reads the QR code in the form's picture field: sent says
// whether a picture was sent at all; err, for the page, why it was not
// read.
func (q *req) pictureQR(field string) (payload string, sent bool, err error) {
	if q.r.MultipartForm == nil {
		return "", false, nil
	}
	fhs := q.r.MultipartForm.File[field]
	if len(fhs) == 0 || fhs[0].Size == 0 && fhs[0].Filename == "" {
		return "", false, nil
	}
	fh := fhs[0]
	if fh.Size > maxPicture {
		return "", true, errors.New(q.t("upload.large"))
	}
	f, err := fh.Open()
	if err != nil {
		return "", true, errors.New(q.t("upload.unreadable"))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPicture+1))
	if err != nil || len(data) > maxPicture {
		return "", true, errors.New(q.t("upload.large"))
	}
	text, err := scanQR(data)
	switch {
	case errors.Is(err, errNotPicture):
		return "", true, errors.New(q.t("upload.notimage"))
	case err != nil:
		return "", true, errors.New(q.t("upload.nocode"))
	}
	return strings.TrimSpace(text), true, nil
}

// errNotPicture: the data is not a PNG, JPEG or GIF picture (of at most
// maxPixels pixels).
var errNotPicture = errors.New("web: not a picture")

// scanQR reads the QR code in a picture.
func scanQR(data []byte) (string, error) {
	if !strings.HasPrefix(http.DetectContentType(data), "image/") {
		return "", errNotPicture
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return "", errNotPicture
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", errNotPicture
	}
	img = shrink(img, scanSide)
	// First as a photo (the code anywhere, at any angle); then as a
	// picture of the code alone (a saved image or a screenshot): ZXing's
	// detector misses about one in fifty of the clean codes some other
	// encoders draw (Ingot's own are ZXing's, emvqr.PNG).
	var res *gozxing.Result
	for _, hint := range []gozxing.DecodeHintType{gozxing.DecodeHintType_TRY_HARDER, gozxing.DecodeHintType_PURE_BARCODE} {
		bmp, berr := gozxing.NewBinaryBitmapFromImage(img)
		if berr != nil {
			return "", berr
		}
		if res, err = gozxingqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{hint: true}); err == nil {
			return res.GetText(), nil
		}
	}
	return "", err
}

// shrink scales a picture whose longest side exceeds side down to about
// side, as grey (each pixel the average of the block it covers).
func shrink(img image.Image, side int) image.Image {
	b := img.Bounds()
	n := (max(b.Dx(), b.Dy()) + side - 1) / side
	if n <= 1 {
		return img
	}
	out := image.NewGray(image.Rect(0, 0, b.Dx()/n, b.Dy()/n))
	for y := range out.Rect.Dy() {
		for x := range out.Rect.Dx() {
			var sum uint32
			for dy := range n {
				for dx := range n {
					sum += uint32(color.GrayModel.Convert(img.At(b.Min.X+x*n+dx, b.Min.Y+y*n+dy)).(color.Gray).Y)
				}
			}
			out.SetGray(x, y, color.Gray{Y: uint8(sum / uint32(n*n))})
		}
	}
	return out
}
