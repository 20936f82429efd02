package emvqr

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseTLV(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   string
		want []DataObject
	}{
		{"empty", "", nil},
		{"one", "000201", []DataObject{{"00", "01"}}},
		{"two", "0002010102ab", []DataObject{{"00", "01"}, {"01", "ab"}}},
		{"order kept", "52045812000201", []DataObject{{"52", "5812"}, {"00", "01"}}},
		{"99 characters", "99" + "99" + string(make99('x')), []DataObject{{"99", string(make99('x'))}}},
		{"length counts characters", "64200002ZH0104最佳运输0202北京", []DataObject{{"64", "0002ZH0104最佳运输0202北京"}}},
		{"template value not parsed", "62070503***", []DataObject{{"62", "0503***"}}},
		{"space and tilde", "5902 ~", []DataObject{{"59", " ~"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTLV(tc.in)
			if err != nil {
				t.Fatalf("ParseTLV(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseTLV(%q) = %q, want %q", tc.in, got, tc.want)
			}
			back, err := EncodeTLV(got)
			if err != nil || back != tc.in {
				t.Errorf("EncodeTLV(ParseTLV(%q)) = %q, %v", tc.in, back, err)
			}
		})
	}
}

func TestParseTLVRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, id string
	}{
		{"truncated header", "000", ""},
		{"trailing garbage", "000201x", ""},
		{"trailing newline", "000201\n", ""},
		{"ID not digits", "0A0201", ""},
		{"ID with sign", "-10201", ""},
		{"length not digits", "000x01", "00"},
		{"length with space", "00 201", "00"},
		{"length 00", "0000", "00"},
		{"value too short", "000501", "00"},
		{"value cut in a character", "5902最", "59"},
		{"duplicate ID", "00020100020101", "00"},
		{"NUL", "5903a\x00b", "59"},
		{"newline in value", "5903a\nb", "59"},
		{"DEL", "5901\x7f", "59"},
		{"C1 control", "5901\u0085", "59"},
		{"invalid UTF-8", "5902\xff\xfe", "59"},
		{"overlong UTF-8", "5901\xc0\xaf", "59"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTLV(tc.in)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseTLV(%q) = %q, %v; want ErrMalformed", tc.in, got, err)
			}
			var e *Error
			if !errors.As(err, &e) || e.ID != tc.id {
				t.Errorf("ParseTLV(%q): %v, want ID %q", tc.in, err, tc.id)
			}
		})
	}
}

func TestEncodeTLVRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		objs []DataObject
	}{
		{"short ID", []DataObject{{"0", "01"}}},
		{"long ID", []DataObject{{"000", "01"}}},
		{"ID not digits", []DataObject{{"a0", "01"}}},
		{"empty value", []DataObject{{"00", ""}}},
		{"100 characters", []DataObject{{"00", string(make99('x')) + "x"}}},
		{"duplicate", []DataObject{{"00", "01"}, {"00", "01"}}},
		{"control", []DataObject{{"59", "a\tb"}}},
		{"invalid UTF-8", []DataObject{{"59", "\xff"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if s, err := EncodeTLV(tc.objs); !errors.Is(err, ErrMalformed) {
				t.Errorf("EncodeTLV(%q) = %q, %v; want ErrMalformed", tc.objs, s, err)
			}
		})
	}
}

func TestEncodeTLVCountsCharacters(t *testing.T) {
	t.Parallel()
	// 99 Chinese characters are 297 bytes and one value.
	v := []rune{}
	for range 99 {
		v = append(v, '北')
	}
	s, err := EncodeTLV([]DataObject{{"01", string(v)}})
	if err != nil || s[:4] != "0199" {
		t.Fatalf("EncodeTLV(99 characters) = %.8q..., %v", s, err)
	}
	if _, err := EncodeTLV([]DataObject{{"01", string(append(v, '京'))}}); !errors.Is(err, ErrMalformed) {
		t.Errorf("EncodeTLV(100 characters): %v, want ErrMalformed", err)
	}
}

func make99(c byte) []byte {
	b := make([]byte, 99)
	for i := range b {
		b[i] = c
	}
	return b
}
