package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"time"

	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
)

func TestCheckIJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		body   string
		status int    // 0: accepted
		loc    string // the location named
	}{
		{"plain", `{"from":"1","to":"2","amount":"1.00","currency":"CNY","memo":"lunch 午饭 🍜"}`, 0, ""},
		{"empty object", `{}`, 0, ""},
		{"scalar", `"x"`, 0, ""},
		{"same name in sibling objects", `{"a":{"x":1},"b":{"x":2}}`, 0, ""},
		{"same name at two depths", `{"x":{"x":{"x":1}}}`, 0, ""},
		{"names differing in more than case", `{"amount":"1","amounts":"2"}`, 0, ""},
		{"dotless i is not i", `{"ıd":"1","id":"2"}`, 0, ""},
		{"escaped U+FFFD", `{"memo":"\ufffd"}`, 0, ""},
		{"literal U+FFFD", "{\"memo\":\"\xef\xbf\xbd\"}", 0, ""},
		{"surrogate pair", `{"memo":"\ud83c\udf5c"}`, 0, ""},
		{"escaped backslash then u", `{"memo":"\\ud800"}`, 0, ""},
		{"zero width joiner", "{\"name\":\"👨\u200d👩\"}", 0, ""},
		{"syntax error left to huma", `{"amount":`, 0, ""},
		{"trailing data left to huma", `{"a":1}{"a":1,"a":2}`, 0, ""},
		{"numbers", `{"n":1e400,"m":-0.0}`, 0, ""},

		{"duplicate", `{"amount":"1.00","amount":"400.00"}`, 400, "body"},
		{"duplicate escaped", `{"amount":"1.00","\u0061mount":"400.00"}`, 400, "body"},
		{"duplicate nested", `{"holder":{"name":"a","phone":"1","name":"b"},"currency":"CNY"}`, 400, "body.holder"},
		{"duplicate in array item", `{"transfers":[{"memo":"a"},{"memo":"b","memo":"c"}]}`, 400, "body.transfers[1]"},
		{"duplicate in nested arrays", `{"a":[[{"k":1}],[{"k":1,"k":1}]]}`, 400, "body.a[1][0]"},
		{"names differing in case", `{"amount":"1","Amount":"2"}`, 400, "body"},
		{"names differing in case, upper first", `{"AMOUNT":"1","amount":"2"}`, 400, "body"},
		{"Kelvin sign folds to k", `{"key":1,"Key":2}`, 400, "body"},
		{"long s folds to s", `{"memo":"a","ſmemo":"b","ſMEMO":"c"}`, 400, "body"},
		{"case duplicate among many", `{` + manyNames(40) + `,"K39":0}`, 400, "body"},
		{"duplicate among many", `{` + manyNames(40) + `,"k7":0}`, 400, "body"},
		{"invalid UTF-8", "{\"memo\":\"\xff\"}", 400, "body"},
		{"invalid UTF-8 outside strings", "{\"memo\":\"a\"}\xc3", 400, "body"},
		{"lone high surrogate", `{"memo":"a\ud800"}`, 400, "body.memo"},
		{"lone high surrogate before escape", `{"memo":"\ud800\u0041"}`, 400, "body.memo"},
		{"lone low surrogate", `{"memo":"\udc00x"}`, 400, "body.memo"},
		{"lone surrogate after a pair", `{"memo":"\ud83c\udf5c\udf5c"}`, 400, "body.memo"},
		{"lone surrogate in a name", `{"\ud800":1}`, 400, "body[\"\\ufffd\"]"},
		{"noncharacter", `{"memo":"\uffff"}`, 400, "body.memo"},
		{"noncharacter FDD0", "{\"memo\":\"\ufdd0\"}", 400, "body.memo"},
		{"plane 16 noncharacter", `{"memo":"\udbff\udfff"}`, 400, "body.memo"},

		{"NUL in memo", `{"memo":"a\u0000b"}`, 422, "body.memo"},
		{"newline in memo", `{"memo":"a\nb"}`, 422, "body.memo"},
		{"tab in holder name", `{"holder":{"name":"Zhang\tSan"}}`, 422, "body.holder.name"},
		{"DEL in label", "{\"label\":\"x\u007f\"}", 422, "body.label"},
		{"C1 control", "{\"reference\":\"x\u0085\"}", 422, "body.reference"},
		{"line separator", "{\"memo\":\"x\u2028\"}", 422, "body.memo"},
		{"paragraph separator", `{"memo":"\u2029"}`, 422, "body.memo"},
		{"bidi override", "{\"name\":\"abc\u202edcba\"}", 422, "body.name"},
		{"bidi isolate", `{"name":"\u2066x\u2069"}`, 422, "body.name"},
		{"control in batch memo", `{"transfers":[{"memo":"ok"},{"memo":"ok"},{"memo":"\u0007"}]}`, 422, "body.transfers[2].memo"},
		{"control in array of strings", `{"scopes":["a","b\u0000"]}`, 422, "body.scopes[1]"},
		{"control after nested object", `{"a":{"b":1},"c":"\u0001"}`, 422, "body.c"},
		{"control in a name", `{"me\u0000mo":"x"}`, 422, "body[\"me\\x00mo\"]"},
		{"control in an odd name's value", `{"a b":"\u0001"}`, 422, "body[\"a b\"]"},
		{"control in top-level string", `"\u0000"`, 422, "body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := checkIJSON([]byte(c.body))
			if c.status == 0 {
				if e != nil {
					t.Fatalf("refused %d %s: %s", e.status, e.location, e.message)
				}
				return
			}
			if e == nil {
				t.Fatalf("accepted, want %d at %s", c.status, c.loc)
			}
			if e.status != c.status || e.location != c.loc {
				t.Fatalf("got %d at %s (%s), want %d at %s", e.status, e.location, e.message, c.status, c.loc)
			}
		})
	}
}

// manyNames is "k0":0,...,"k<n-1>":0.
func manyNames(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, `"k`+strconv.Itoa(i)+`":0`)
	}
	return strings.Join(parts, ",")
}

func TestCheckIJSONDepth(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	if e := checkIJSON([]byte(deep)); e != nil {
		t.Fatalf("deep nesting: %v (left to the decoder)", e)
	}
	deep = strings.Repeat(`{"a":`, 100) + `{"b":1,"b":2}` + strings.Repeat("}", 100)
	if e := checkIJSON([]byte(deep)); e == nil || e.status != 400 {
		t.Fatalf("duplicate at depth 100: %v", e)
	}
}

// FuzzCheckIJSON checks checkIJSON against oracles that work differently:
// json.Unmarshal (which keeps the last of duplicate names, so a body with
// duplicates loses tokens when decoded and encoded again) and a walk of the
// decoded value for control characters.
func FuzzCheckIJSON(f *testing.F) {
	for _, s := range []string{
		`{"from":"1","to":"2","amount":"1.00","currency":"CNY","memo":"x"}`,
		`{"amount":"1.00","amount":"400.00"}`,
		`{"transfers":[{"memo":"a"},{"memo":"b","memo":"c"}],"atomic":true}`,
		`{"holder":{"name":"a\u0000","phone":"1"}}`,
		`{"memo":"\ud800"}`, `{"memo":"\ud83c\udf5c"}`, `{"m":"\\ud800"}`,
		"{\"memo\":\"\xff\"}", `[1,"a",{"b":null}]`, `{"a":{"a":{}}}`, `"\u2028"`, `{"\u0061":1,"a":2}`, `{"a":1,"A":2}`, `{"k":{"\u212a":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e := checkIJSON(body)
		if !utf8.Valid(body) {
			if e == nil || e.status != 400 {
				t.Fatalf("invalid UTF-8 accepted: %q", body)
			}
			return
		}
		if !json.Valid(body) {
			return // refused or not, huma answers 400 for what is left
		}
		if e != nil {
			if e.status != 400 && e.status != 422 {
				t.Fatalf("status %d", e.status)
			}
			if !strings.HasPrefix(e.location, "body") || e.message == "" {
				t.Fatalf("bad error %+v", e)
			}
			if (strings.HasPrefix(e.message, "duplicate") || strings.HasPrefix(e.message, "member names")) &&
				!loses(t, body) && !foldDuplicate(decode(t, body)) {
				t.Fatalf("duplicate reported in %q, but decoding keeps every member", body)
			}
			return
		}
		if loses(t, body) || foldDuplicate(decode(t, body)) {
			t.Fatalf("accepted %q, with duplicate member names", body)
		}
		if s, ok := findControl(decode(t, body)); ok {
			t.Fatalf("accepted %q with a control character in %q", body, s)
		}
	})
}

// loses reports whether decoding and encoding body again yields fewer JSON
// tokens: what duplicate member names do.
func loses(t *testing.T, body []byte) bool {
	again, err := json.Marshal(decode(t, body))
	if err != nil {
		t.Fatal(err)
	}
	return countTokens(t, body) != countTokens(t, again)
}

// decode decodes a valid JSON body as encoding/json does, numbers kept as
// written.
func decode(t *testing.T, body []byte) any {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%q: %v", body, err)
	}
	return v
}

func countTokens(t *testing.T, b []byte) int {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n := 0
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		n++
	}
}

// foldDuplicate reports whether an object in v has two names equal under
// strings.EqualFold (as encoding/json matches names).
func foldDuplicate(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if foldDuplicate(e) {
				return true
			}
		}
	case map[string]any:
		var names []string
		for k, e := range x {
			for _, n := range names {
				if strings.EqualFold(n, k) {
					return true
				}
			}
			names = append(names, k)
			if foldDuplicate(e) {
				return true
			}
		}
	}
	return false
}

func findControl(v any) (string, bool) {
	check := func(s string) bool { return strings.IndexFunc(s, isControl) >= 0 }
	switch x := v.(type) {
	case string:
		return x, check(x)
	case []any:
		for _, e := range x {
			if s, ok := findControl(e); ok {
				return s, true
			}
		}
	case map[string]any:
		for k, e := range x {
			if check(k) {
				return k, true
			}
			if s, ok := findControl(e); ok {
				return s, true
			}
		}
	}
	return "", false
}

func TestReadAtMost(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("0123456789"), 100) // 1000 bytes
	for _, c := range []struct {
		size, limit int64
		want        int
	}{
		{1001, 2000, 1000}, // Content-Length right
		{10, 2000, 1000},   // Content-Length too small
		{512, 1000, 1000},  // exactly the limit: the caller refuses it
		{512, 999, 999},
		{1, 1, 1},
	} {
		for _, r := range []io.Reader{bytes.NewReader(body), iotest.OneByteReader(bytes.NewReader(body)), iotest.DataErrReader(bytes.NewReader(body))} {
			got, err := readAtMost(r, c.size, c.limit)
			if err != nil || !bytes.Equal(got, body[:c.want]) {
				t.Fatalf("size %d limit %d: %d bytes, %v", c.size, c.limit, len(got), err)
			}
		}
	}
	if _, err := readAtMost(iotest.ErrReader(io.ErrUnexpectedEOF), 10, 100); err == nil {
		t.Fatal("a read error was lost")
	}
}

// TestCheckBodyKeepsLongHandlers: once checkBody has read a body, a handler
// that runs longer than the operation's BodyReadTimeout is not cancelled.
func TestCheckBodyKeepsLongHandlers(t *testing.T) {
	t.Parallel()
	s := &server{hard: newHardening(Hardening{}, prometheus.NewRegistry())}
	mux := http.NewServeMux()
	s.api = humago.New(mux, huma.DefaultConfig("test", "1"))
	s.api.UseMiddleware(s.checkBody)
	type in struct {
		Body struct {
			N int `json:"n"`
		}
	}
	type out struct {
		Body struct {
			Err string `json:"err"`
		}
	}
	huma.Register(s.api, huma.Operation{Method: "POST", Path: "/slow", BodyReadTimeout: 100 * time.Millisecond},
		func(ctx context.Context, i *in) (*out, error) {
			time.Sleep(400 * time.Millisecond)
			o := &out{}
			if err := ctx.Err(); err != nil {
				o.Body.Err = err.Error()
			}
			return o, nil
		})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, err := http.Post(srv.URL+"/slow", "application/json", strings.NewReader(`{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var o struct{ Err *string }
	if err := json.NewDecoder(res.Body).Decode(&o); err != nil || res.StatusCode != 200 || o.Err == nil || *o.Err != "" {
		t.Fatalf("%d, err %v, the handler's context: %v", res.StatusCode, err, o.Err)
	}
}
