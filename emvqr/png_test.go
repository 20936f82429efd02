package emvqr

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

// scan reads the QR code in a PNG with a real decoder (ZXing's, ported to
// Go): finder patterns located in the image, as a phone's camera does, not
// a reading of known module positions.
func scan(t *testing.T, pngData []byte) (text, ecLevel string, size image.Point) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(pngData))
	if err != nil || format != "png" {
		t.Fatalf("image.Decode: %q, %v", format, err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR decoder: %v", err)
	}
	ec, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string)
	return res.GetText(), ec, img.Bounds().Size()
}

func TestPNGRoundTrip(t *testing.T) {
	t.Parallel()
	longest := dynamicPayload
	longest.GUID = "cn.ingot.example.operator.abcdef" // 32 characters
	longest.Reference = "0190a3c4-7b2e-7c1d-9f00-5e8a2b6c4d31-0190a3c4-7b2e-7c"
	longest.Amount = "1234567890.12"
	longest.Name = "Lao Wang Noodles & Dumpli"
	longest.City = "Beijing Chaoyan"
	longest.BillRef = "T12-0042-0043-0044-0045-0"
	for _, tc := range []struct {
		name string
		p    Payload
		size int
	}{
		{"dynamic, 256 px", dynamicPayload, 256},
		{"static, 512 px", staticPayload, 512},
		{"every field at its longest, 400 px", longest, 400},
		{"dynamic, 1000 px", dynamicPayload, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			payload, err := Encode(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			img, err := PNG(payload, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			text, ec, size := scan(t, img)
			if text != payload {
				t.Fatalf("scanned %q\nwant    %q", text, payload)
			}
			if ec != "M" {
				t.Errorf("error correction level %q, want M", ec)
			}
			if size != image.Pt(tc.size, tc.size) {
				t.Errorf("image %v, want %dx%d", size, tc.size, tc.size)
			}
			p, err := Decode(text, tc.p.GUID)
			if err != nil || p != tc.p {
				t.Errorf("Decode(scanned) = %+v, %v", p, err)
			}
		})
	}
}

// TestPNGSmallest: a size below one pixel a module still gives a code that
// scans, a little larger than asked.
func TestPNGSmallest(t *testing.T) {
	t.Parallel()
	img, err := PNG(dynamicString, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != cfg.Height || cfg.Width < 21+8 || cfg.Width > 100 {
		t.Errorf("smallest image %dx%d", cfg.Width, cfg.Height)
	}
	if text, _, _ := scan(t, img); text != dynamicString {
		t.Errorf("scanned %q", text)
	}
}

func TestPNGRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		payload string
		size    int
	}{
		{"size 0", dynamicString, 0},
		{"negative size", dynamicString, -4},
		{"size above the maximum", dynamicString, MaxPNGSize + 1},
		{"empty payload", "", 256},
		{"too long for a QR code", string(make([]byte, 3000)), 256},
	} {
		if img, err := PNG(tc.payload, tc.size); err == nil {
			t.Errorf("%s: PNG gave %d bytes, want an error", tc.name, len(img))
		}
	}
}

// TestPNGScansForEveryPayload: ZXing's decoder, as a phone runs it, reads
// every code PNG draws, whatever the payload: dynamic codes (a request id
// each) and bare wallet ids, at the sizes the API and the web wallet use.
// (Codes of another Go encoder were missed about once in fifty.)
func TestPNGScansForEveryPayload(t *testing.T) {
	t.Parallel()
	for i := range 300 {
		p := dynamicPayload
		p.Reference = fmt.Sprintf("01a2%04x-%04x-7%03x-8%03x-%012x", i, i*7919%65536, i%4096, i*31%4096, uint64(i)*0x9e3779b97f4a7c15>>16)
		payload, err := Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		wallet := fmt.Sprintf("%016d", uint64(i)*0x9e3779b97f4a7c15%1e16)
		for _, c := range []struct {
			text string
			size int
		}{{payload, 384}, {wallet, 256}} {
			img, err := PNG(c.text, c.size)
			if err != nil {
				t.Fatal(err)
			}
			if text, _, _ := scan(t, img); text != c.text {
				t.Fatalf("scanned %q\nwant    %q", text, c.text)
			}
		}
	}
}
