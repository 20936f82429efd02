// Package gen writes the Go client's types and methods (client/api.go) from
// the server's OpenAPI 3.1 document: one struct per component schema, one
// method per operation, named after its operationId with the first letter
// upper-cased. The client's tests regenerate the file from a running server
// and fail when it changed (go test ./client -run TestGenerated -update
// rewrites it).
package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// schema is the part of a JSON Schema that huma emits.
type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 json.RawMessage    `json:"type"`
	Format               string             `json:"format"`
	ContentEncoding      string             `json:"contentEncoding"`
	Description          string             `json:"description"`
	Items                *schema            `json:"items"`
	Properties           map[string]*schema `json:"properties"`
	Required             []string           `json:"required"`
	AdditionalProperties json.RawMessage    `json:"additionalProperties"`
	OneOf                []*schema          `json:"oneOf"`
	Enum                 []any              `json:"enum"`
}

type param struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Required    bool    `json:"required"`
	Description string  `json:"description"`
	Schema      *schema `json:"schema"`
}

type media struct {
	Schema *schema `json:"schema"`
}

type operation struct {
	OperationID string  `json:"operationId"`
	Summary     string  `json:"summary"`
	Description string  `json:"description"`
	Parameters  []param `json:"parameters"`
	RequestBody *struct {
		Required bool             `json:"required"`
		Content  map[string]media `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]media `json:"content"`
	} `json:"responses"`
	Security []map[string][]string `json:"security"`
}

type document struct {
	Paths      map[string]map[string]*operation `json:"paths"`
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

// handWritten are schemas client/*.go defines by hand: the problem (Error)
// and the generic page (List[T]).
var handWritten = map[string]bool{"Problem": true}

// TypeName is the Go name of a component schema: huma's name, with the
// input bodies' InBody suffix made Request and Struct made Input.
func TypeName(name string) string {
	if m := listRE.FindStringSubmatch(name); m != nil {
		return "List[" + TypeName(m[1]) + "]"
	}
	if s, ok := strings.CutSuffix(name, "InBody"); ok {
		return s + "Request"
	}
	if s, ok := strings.CutSuffix(name, "Struct"); ok {
		return s + "Input"
	}
	return name
}

// unions are the oneOf types met while generating: name to alternatives.
var unions = map[string][]string{}

var listRE = regexp.MustCompile(`^List([A-Z]\w*)$`)

// MethodName is the client method of an operationId.
func MethodName(operationID string) string {
	r := []rune(operationID)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// initialisms are written in capitals in Go names.
var initialisms = map[string]string{
	"id": "ID", "url": "URL", "api": "API", "qr": "QR", "pin": "PIN", "sms": "SMS", "totp": "TOTP",
	"mcc": "MCC", "uri": "URI", "ip": "IP", "http": "HTTP", "json": "JSON", "csv": "CSV", "utc": "UTC",
	"webauthn": "WebAuthn", "kyc": "KYC", "iban": "IBAN", "emv": "EMV", "ids": "IDs", "sha256": "SHA256",
}

// GoName makes a snake_case JSON name a Go identifier.
func GoName(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
		if i, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(i)
			continue
		}
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

func lowerName(s string) string {
	n := GoName(s)
	for _, i := range initialisms {
		if strings.HasPrefix(n, i) {
			return strings.ToLower(i) + n[len(i):]
		}
	}
	r := []rune(n)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

func (s *schema) types() []string {
	if len(s.Type) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(s.Type, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(s.Type, &many)
	return many
}

func refName(ref string) string { return strings.TrimPrefix(ref, "#/components/schemas/") }

// goType is the Go type of a schema; optional values of non-nullable kinds
// stay plain values (tagged omitempty) except times and booleans, which are
// pointers (a false must be sendable).
func goType(s *schema, required bool) string {
	if s == nil {
		return "json.RawMessage"
	}
	if s.Ref != "" {
		return TypeName(refName(s.Ref))
	}
	if len(s.OneOf) > 0 {
		var alts []string
		for _, a := range s.OneOf {
			if a.Ref == "" {
				return "BatchResult" // a transfer or an item's error (types.go)
			}
			alts = append(alts, refName(a.Ref))
		}
		n := strings.Join(alts, "Or")
		unions[n] = alts
		return n
	}
	ts := s.types()
	null := slices.Contains(ts, "null")
	var t string
	for _, x := range ts {
		if x != "null" {
			t = x
		}
	}
	ptr := func(g string) string {
		if null {
			return "*" + g
		}
		return g
	}
	switch t {
	case "string":
		switch {
		case s.Format == "date-time" && (null || !required):
			return "*time.Time"
		case s.Format == "date-time":
			return "time.Time"
		case s.ContentEncoding == "base64":
			return "[]byte"
		}
		return ptr("string")
	case "integer":
		if s.Format == "int64" || s.Format == "" {
			return ptr("int64")
		}
		return ptr("int32")
	case "number":
		return ptr("float64")
	case "boolean":
		if !required {
			return "*bool" // an optional false must be sendable (omitempty drops a plain false)
		}
		return ptr("bool")
	case "array":
		return "[]" + goType(s.Items, true)
	case "object":
		var ap schema
		if len(s.AdditionalProperties) > 0 && json.Unmarshal(s.AdditionalProperties, &ap) == nil {
			return "map[string]" + goType(&ap, true)
		}
	}
	return "json.RawMessage"
}

// comment writes text as a Go comment, wrapped at about 100 columns.
func comment(b *bytes.Buffer, indent, text string) {
	line := indent + "//"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 100 && line != indent+"//" {
			b.WriteString(line + "\n")
			line = indent + "//"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
}

// Generate returns the Go source of package client's generated file from an
// OpenAPI document.
func Generate(spec []byte) ([]byte, error) {
	var doc document
	if err := json.Unmarshal(spec, &doc); err != nil {
		return nil, fmt.Errorf("gen: openapi document: %w", err)
	}
	clear(unions)
	var b bytes.Buffer
	b.WriteString(`// Code generated by client/internal/gen from the server's /openapi.json; DO NOT EDIT.
// Regenerate with: go test ./client -run TestGenerated -update

package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

var (
	_ = json.RawMessage(nil)
	_ = fmt.Errorf
	_ = strconv.Itoa
	_ = time.Time{}
	_ = url.PathEscape
)

`)
	// Types.
	names := make([]string, 0, len(doc.Components.Schemas))
	for n := range doc.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := doc.Components.Schemas[n]
		if handWritten[n] || listRE.MatchString(n) {
			continue
		}
		tn := TypeName(n)
		desc := fmt.Sprintf("%s is the API's schema %s.", tn, n)
		if s.Description != "" {
			desc += " " + s.Description
		}
		comment(&b, "", desc)
		fmt.Fprintf(&b, "type %s struct {\n", tn)
		props := make([]string, 0, len(s.Properties))
		for p := range s.Properties {
			props = append(props, p)
		}
		sort.Strings(props)
		for _, p := range props {
			ps := s.Properties[p]
			req := slices.Contains(s.Required, p)
			if ps.Description != "" {
				comment(&b, "\t", ps.Description)
			}
			if len(ps.Enum) > 0 {
				vals := make([]string, len(ps.Enum))
				for i, v := range ps.Enum {
					vals[i] = fmt.Sprint(v)
				}
				comment(&b, "\t", "One of: "+strings.Join(vals, ", ")+".")
			}
			tag := p
			if !req {
				tag += ",omitempty"
			}
			fmt.Fprintf(&b, "\t%s %s `json:%q`\n", GoName(p), goType(ps, req), tag)
		}
		b.WriteString("}\n\n")
	}

	// Operations, sorted by method name.
	type op struct {
		method, path string
		o            *operation
	}
	var ops []op
	for path, m := range doc.Paths {
		for method, o := range m {
			ops = append(ops, op{strings.ToUpper(method), path, o})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].o.OperationID < ops[j].o.OperationID })
	for _, x := range ops {
		if err := writeOp(&b, x.method, x.path, x.o); err != nil {
			return nil, err
		}
	}
	writeUnions(&b, doc.Components.Schemas)
	out, err := format.Source(b.Bytes())
	if err != nil {
		return b.Bytes(), fmt.Errorf("gen: format: %w", err)
	}
	return out, nil
}

func writeOp(b *bytes.Buffer, method, path string, o *operation) error {
	name := MethodName(o.OperationID)
	// Arguments: path parameters in path order, then required query
	// parameters, then the body; optional query parameters in a struct.
	var args []string
	var pathArgs = map[string]string{}
	var required, optional []param
	for _, p := range o.Parameters {
		switch {
		case p.In == "path":
		case p.In == "query" && p.Required:
			required = append(required, p)
		case p.In == "query":
			optional = append(optional, p)
		case p.In == "header" && (p.Name == "Idempotency-Key" || p.Name == "Ingot-Authorization"):
			// CallOptions: WithIdempotencyKey, WithAuthorization.
		default:
			return fmt.Errorf("gen: %s: parameter %s in %s is not supported", o.OperationID, p.Name, p.In)
		}
	}
	pathExpr := []string{}
	rest := path
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			if rest != "" {
				pathExpr = append(pathExpr, quote(rest))
			}
			break
		}
		j := strings.IndexByte(rest, '}')
		if i > 0 {
			pathExpr = append(pathExpr, quote(rest[:i]))
		}
		pn := rest[i+1 : j]
		var ps *param
		for k := range o.Parameters {
			if o.Parameters[k].In == "path" && o.Parameters[k].Name == pn {
				ps = &o.Parameters[k]
			}
		}
		if ps == nil {
			return fmt.Errorf("gen: %s: path parameter %s undeclared", o.OperationID, pn)
		}
		v := lowerName(pn)
		t := goType(ps.Schema, true)
		pathArgs[pn] = v
		args = append(args, v+" "+t)
		if t == "string" {
			pathExpr = append(pathExpr, "url.PathEscape("+v+")")
		} else {
			pathExpr = append(pathExpr, "strconv.FormatInt(int64("+v+"), 10)")
		}
		rest = rest[j+1:]
	}
	for _, p := range required {
		args = append(args, lowerName(p.Name)+" "+goType(p.Schema, true))
	}
	bodyArg := "nil"
	isRaw := false
	if o.RequestBody != nil {
		if m, ok := o.RequestBody.Content["application/json"]; ok {
			t := goType(m.Schema, true)
			if o.RequestBody.Required {
				args = append(args, "body "+t)
			} else {
				args = append(args, "body *"+t)
			}
			bodyArg = "body"
		} else if len(o.RequestBody.Content) == 1 {
			// Another media type (a CSV file): the body as is.
			for ct := range o.RequestBody.Content {
				args = append(args, "body []byte")
				bodyArg, isRaw = "RawBody{ContentType: "+strconv.Quote(ct)+", Data: body}", true
			}
		} else {
			return fmt.Errorf("gen: %s: request body is neither JSON nor of one media type", o.OperationID)
		}
	}
	paramsType := name + "Params"
	if len(optional) > 0 {
		args = append(args, "params *"+paramsType)
	}

	// Result.
	var result string // "": none; "[]byte": raw; else a JSON type
	var codes []string
	for c := range o.Responses {
		if c != "default" {
			codes = append(codes, c)
		}
	}
	sort.Strings(codes)
	var others []string
	for _, c := range codes {
		for ct, m := range o.Responses[c].Content {
			if ct == "application/json" {
				result = goType(m.Schema, true)
			} else {
				others = append(others, ct)
			}
		}
	}
	sort.Strings(others)
	if result == "" && len(others) > 0 {
		result = "[]byte"
	}

	// Optional query parameters' struct.
	if len(optional) > 0 {
		comment(b, "", fmt.Sprintf("%s are the optional query parameters of %s.", paramsType, name))
		fmt.Fprintf(b, "type %s struct {\n", paramsType)
		for _, p := range optional {
			if p.Description != "" {
				comment(b, "\t", p.Description)
			}
			fmt.Fprintf(b, "\t%s %s\n", GoName(p.Name), goType(p.Schema, true))
		}
		b.WriteString("}\n\n")
	}

	// Doc comment.
	doc := fmt.Sprintf("%s calls %s, %s %s: %s.", name, o.OperationID, method, path, strings.TrimSuffix(o.Summary, "."))
	if o.Description != "" {
		doc += " " + o.Description
	}
	if len(o.Security) == 0 {
		doc += " It needs no credential."
	}
	if len(others) > 0 {
		if result == "[]byte" {
			doc += " It returns the body as is (" + strings.Join(others, ", ") + ")."
		} else {
			doc += " It decodes the JSON answer; other representations (" + strings.Join(others, ", ") + ") are read with the Raw variant of this method."
		}
	}
	comment(b, "", doc)
	sig := "ctx context.Context"
	for _, a := range args {
		sig += ", " + a
	}
	sig += ", opts ...CallOption"
	switch {
	case result == "":
		fmt.Fprintf(b, "func (c *Client) %s(%s) error {\n", name, sig)
	case result == "[]byte" || result == "json.RawMessage":
		fmt.Fprintf(b, "func (c *Client) %s(%s) (%s, error) {\n", name, sig, result)
	default:
		fmt.Fprintf(b, "func (c *Client) %s(%s) (*%s, error) {\n", name, sig, result)
	}
	query := "nil"
	var rawBody bytes.Buffer
	pre := &rawBody
	if len(required)+len(optional) > 0 {
		query = "q"
		pre.WriteString("\tq := url.Values{}\n")
		for _, p := range required {
			fmt.Fprintf(pre, "\tq.Set(%q, %s)\n", p.Name, toString(lowerName(p.Name), goType(p.Schema, true)))
		}
		if len(optional) > 0 {
			pre.WriteString("\tif params != nil {\n")
			for _, p := range optional {
				f := "params." + GoName(p.Name)
				t := goType(p.Schema, true)
				zero := `""`
				if t == "time.Time" {
					fmt.Fprintf(pre, "\t\tif !%s.IsZero() {\n\t\t\tq.Set(%q, %s.Format(time.RFC3339Nano))\n\t\t}\n", f, p.Name, f)
					continue
				}
				switch t {
				case "int64", "int32", "float64":
					zero = "0"
				case "bool":
					zero = "false"
				}
				fmt.Fprintf(pre, "\t\tif %s != %s {\n\t\t\tq.Set(%q, %s)\n\t\t}\n", f, zero, p.Name, toString(f, t))
			}
			pre.WriteString("\t}\n")
		}
	}
	pathE := strings.Join(pathExpr, " + ")
	if o.RequestBody != nil && !o.RequestBody.Required && !isRaw {
		pre.WriteString("\tvar in any\n\tif body != nil {\n\t\tin = body\n\t}\n")
		bodyArg = "in"
	}
	b.WriteString(rawBody.String())
	call := fmt.Sprintf("c.do(ctx, %q, %s, %s, %s, %%s, opts)", method, pathE, query, bodyArg)
	switch {
	case result == "":
		fmt.Fprintf(b, "\treturn %s\n", fmt.Sprintf(call, "nil"))
	case result == "[]byte" || result == "json.RawMessage":
		fmt.Fprintf(b, "\tvar out %s\n\tif err := %s; err != nil {\n\t\treturn nil, err\n\t}\n\treturn out, nil\n", result, fmt.Sprintf(call, "&out"))
	default:
		fmt.Fprintf(b, "\tvar out %s\n\tif err := %s; err != nil {\n\t\treturn nil, err\n\t}\n\treturn &out, nil\n", result, fmt.Sprintf(call, "&out"))
	}
	b.WriteString("}\n\n")
	if len(others) > 0 && result != "[]byte" {
		comment(b, "", fmt.Sprintf("%sRaw is %s returning the body as is, in any representation (%s, %s): choose it with the parameters.",
			name, name, "application/json", strings.Join(others, ", ")))
		fmt.Fprintf(b, "func (c *Client) %sRaw(%s) ([]byte, error) {\n", name, sig)
		b.WriteString(rawBody.String())
		fmt.Fprintf(b, "\tvar out []byte\n\tif err := %s; err != nil {\n\t\treturn nil, err\n\t}\n\treturn out, nil\n}\n\n", fmt.Sprintf(call, "&out"))
	}
	return nil
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func toString(v, t string) string {
	switch t {
	case "string":
		return v
	case "bool":
		return "strconv.FormatBool(" + v + ")"
	case "float64":
		return "strconv.FormatFloat(" + v + ", 'f', -1, 64)"
	}
	return "strconv.FormatInt(int64(" + v + "), 10)"
}

// writeUnions writes a struct per oneOf of component schemas, with one
// pointer field per alternative, set by UnmarshalJSON to the alternative
// whose properties the object has (all of its required ones and no other).
func writeUnions(b *bytes.Buffer, schemas map[string]*schema) {
	names := make([]string, 0, len(unions))
	for n := range unions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		alts := unions[n]
		tn := make([]string, len(alts))
		for i, a := range alts {
			tn[i] = TypeName(a)
		}
		comment(b, "", fmt.Sprintf("%s is one of %s: exactly one field is set.", n, strings.Join(tn, ", ")))
		fmt.Fprintf(b, "type %s struct {\n", n)
		for _, t := range tn {
			fmt.Fprintf(b, "\t%s *%s\n", t, t)
		}
		b.WriteString("}\n\n")
		comment(b, "", "UnmarshalJSON sets the field of the alternative the object is.")
		fmt.Fprintf(b, "func (u *%s) UnmarshalJSON(data []byte) error {\n", n)
		b.WriteString("\tvar m map[string]json.RawMessage\n\tif err := json.Unmarshal(data, &m); err != nil {\n\t\treturn err\n\t}\n")
		for i, a := range alts {
			s := schemas[a]
			var props []string
			for p := range s.Properties {
				props = append(props, fmt.Sprintf("%q", p))
			}
			sort.Strings(props)
			var req []string
			for _, r := range s.Required {
				req = append(req, fmt.Sprintf("%q", r))
			}
			sort.Strings(req)
			fmt.Fprintf(b, "\tif isObject(m, []string{%s}, []string{%s}) {\n\t\tu.%s = new(%s)\n\t\treturn json.Unmarshal(data, u.%s)\n\t}\n",
				strings.Join(req, ", "), strings.Join(props, ", "), tn[i], tn[i], tn[i])
		}
		fmt.Fprintf(b, "\treturn fmt.Errorf(\"ingot: the object is none of %s\")\n}\n\n", strings.Join(tn, ", "))
		comment(b, "", "MarshalJSON writes the alternative that is set.")
		fmt.Fprintf(b, "func (u %s) MarshalJSON() ([]byte, error) {\n", n)
		for _, t := range tn {
			fmt.Fprintf(b, "\tif u.%s != nil {\n\t\treturn json.Marshal(u.%s)\n\t}\n", t, t)
		}
		b.WriteString("\treturn []byte(\"null\"), nil\n}\n\n")
	}
}
