package emvqr

import (
	"strings"
	"testing"
)

func TestCRC16(t *testing.T) {
	t.Parallel()
	body := func(payload string) string { return strings.TrimSuffix(payload[:len(payload)-4], crcPrefix) }
	for _, tc := range []struct {
		name string
		data string
		want uint16
	}{
		// The check value of CRC-16/CCITT-FALSE in the catalogue of
		// parametrised CRC algorithms (Greg Cook's "reveng" catalogue, the
		// usual reference for CRC parameters): width 16, poly 0x1021,
		// init 0xFFFF, refin/refout false, xorout 0, check 0x29B1.
		{"check value", "123456789", 0x29B1},
		{"empty is the initial value", "", 0xFFFF},
		{"one byte", "A", 0xB915}, // binascii.crc_hqx(b"A", 0xFFFF)
		{"EMVCo sample, UTF-8 bytes", body(emvcoSample) + crcPrefix, 0xA13A},
		{"Mastercard sample", body(mastercardSample) + crcPrefix, 0x6F6D},
		{"Pix dynamic sample", body(pixDynamicSample) + crcPrefix, 0xEEAB},
		{"Pix static sample", body(pixStaticSample) + crcPrefix, 0x170E},
		{"Ingot dynamic", body(dynamicString) + crcPrefix, 0x562C},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := crc16(tc.data); got != tc.want {
				t.Errorf("crc16(%q) = %04X, want %04X", tc.data, got, tc.want)
			}
		})
	}
}

func TestChecksum(t *testing.T) {
	t.Parallel()
	for _, payload := range []string{emvcoSample, mastercardSample, pixDynamicSample, dynamicString, staticString, leadingZeroString} {
		body, want := payload[:len(payload)-8], payload[len(payload)-4:]
		if got := checksum(body); got != want {
			t.Errorf("checksum(%q) = %s, want %s", body, got, want)
		}
	}
}
