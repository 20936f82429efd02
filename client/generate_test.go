package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"reflect"
	"sort"
	"testing"

	"github.com/ingot-cbdc/ingot/client"
	"github.com/ingot-cbdc/ingot/client/internal/gen"
)

var update = flag.Bool("update", false, "rewrite api.go from the server's /openapi.json")

// openAPI fetches the served OpenAPI document.
func openAPI(t *testing.T) []byte {
	t.Helper()
	s := newServer(t, "sqlite")
	res, err := http.Get(s.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d %v", res.StatusCode, err)
	}
	return b
}

// TestGenerated checks that api.go is what the generator makes of the
// served OpenAPI document: a route, parameter or schema changed on the
// server without regenerating fails here (-update regenerates).
func TestGenerated(t *testing.T) {
	got, err := gen.Generate(openAPI(t))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("api.go", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("api.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("api.go is out of date with the server's /openapi.json: go test ./client -run TestGenerated -update")
	}
}

// TestEveryOperation checks that every operation of the served OpenAPI
// document has a method on *client.Client named after its operationId with
// the first letter upper-cased.
func TestEveryOperation(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPI(t), &doc); err != nil {
		t.Fatal(err)
	}
	ct := reflect.TypeFor[*client.Client]()
	var ops, missing []string
	for path, methods := range doc.Paths {
		for m, op := range methods {
			ops = append(ops, op.OperationID)
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", m, path)
				continue
			}
			name := gen.MethodName(op.OperationID)
			fn, ok := ct.MethodByName(name)
			if !ok {
				missing = append(missing, name+" ("+m+" "+path+")")
				continue
			}
			// Every method takes a context first.
			if fn.Type.NumIn() < 2 || fn.Type.In(1) != reflect.TypeFor[context.Context]() {
				t.Errorf("%s does not take a context.Context first: %s", name, fn.Type)
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no client method for %s", m)
	}
	if len(ops) < 90 {
		t.Errorf("only %d operations in /openapi.json", len(ops))
	}
	t.Logf("%d operations, %d client methods", len(ops), ct.NumMethod())
}
