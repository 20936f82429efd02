package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/ingot-cbdc/ingot"
	"github.com/ingot-cbdc/ingot/httpapi"
)

// TestEveryRouteHasAScope walks the OpenAPI document: every operation that
// needs a credential declares its scope (or that it is a holder's own), the
// scope is one some role's keys may have, and every declared route exists.
func TestEveryRouteHasAScope(t *testing.T) {
	e := newEnv(t, openSQLite, 0)
	r := e.must(e.req("GET", "/openapi.json", "", nil), 200)
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string              `json:"operationId"`
			Security    []map[string]any    `json:"security"`
			Responses   map[string]struct{} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.raw, &doc); err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, role := range []ingot.Role{ingot.RoleCentralBank, ingot.RoleOperator, ingot.RoleAuditor} {
		for _, s := range ingot.RoleScopes(role) {
			all[s] = true
		}
	}
	secured, public := 0, 0
	seen := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			seen[op.OperationID] = true
			if len(op.Security) == 0 {
				public++
				if len(path) < 9 || path[:9] != "/v1/auth/" {
					t.Errorf("%s %s (%s) needs no credential but is not a sign-in route", method, path, op.OperationID)
				}
				continue
			}
			secured++
			scope, holder, ok := httpapi.RouteAccess(op.OperationID)
			switch {
			case !ok:
				t.Errorf("%s %s (%s) declares no scope", method, path, op.OperationID)
			case scope == "" && !holder && httpapi.RouteProvider(op.OperationID) == "":
				t.Errorf("%s %s (%s) is usable by no one", method, path, op.OperationID)
			case scope != "" && !all[scope]:
				t.Errorf("%s %s (%s) needs scope %q, which no role's key may have", method, path, op.OperationID, scope)
			}
		}
	}
	for _, id := range httpapi.RouteIDs() {
		if !seen[id] {
			t.Errorf("the access table declares %s, which no route has", id)
		}
	}
	if secured < 50 || public < 6 {
		t.Fatalf("walked %d secured and %d public operations; the document looks incomplete", secured, public)
	}
}
