package main

import (
	"strings"
	"testing"

	"github.com/ingot-cbdc/ingot/internal/testdb"
)

// TestServeDevelopers: `ingot serve --sandbox` serves the developer
// sandbox with a central bank key of its own, listed under its name while
// the server runs and revoked when it stops; without --sandbox there is no
// /developers and no such key.
func TestServeDevelopers(t *testing.T) {
	t.Parallel()
	db := testdb.NewDSN(t, "sqlite")
	sandboxKey := func(p *proc) (active, revoked int) {
		t.Helper()
		items, _ := p.must(200, "GET", "/v1/api-keys?limit=500", procAdminKey, nil).body["items"].([]any)
		for _, it := range items {
			k := it.(map[string]any)
			if k["name"] != "developer sandbox (web, in memory)" {
				continue
			}
			if _, ok := k["revoked_at"]; ok {
				revoked++
			} else {
				active++
			}
		}
		return active, revoked
	}

	p := startProc(t, "sandbox", db, "--sandbox")
	if r := p.must(200, "GET", "/developers", "", nil); !strings.Contains(string(r.raw), `name="csrf_token"`) {
		t.Fatalf("/developers under --sandbox shows no form: %s", r)
	}
	if a, r := sandboxKey(p); a != 1 || r != 0 {
		t.Fatalf("while the sandbox runs: %d active and %d revoked sandbox keys; want 1 and 0", a, r)
	}
	p.stopGracefully()

	q := startProc(t, "live", db)
	q.must(404, "GET", "/developers", "", nil)
	if a, r := sandboxKey(q); a != 0 || r != 1 {
		t.Fatalf("after the sandbox stopped: %d active and %d revoked sandbox keys; want 0 and 1", a, r)
	}
}
