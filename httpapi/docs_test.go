package httpapi_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestDocsOffline: /docs is a page whose script and styles come from this
// server (the vendored Stoplight Elements), under a Content-Security-Policy
// that allows no other host, so that it renders in a closed network; the
// assets are served with their types, and nothing in the page names
// another host.
func TestDocsOffline(t *testing.T) {
	e := newEnv(t, openSQLite, 0)
	page := e.must(e.req("GET", "/docs", "", nil), 200)
	if ct := page.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("/docs Content-Type %q", ct)
	}
	csp := page.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") || !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("/docs CSP %q", csp)
	}
	if hosts := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).FindAll(page.raw, -1); len(hosts) > 0 {
		t.Fatalf("/docs loads from another host: %s", hosts)
	}
	for _, asset := range []struct{ path, ctype, marker string }{
		{"/docs/assets/web-components.min.js", "javascript", "elements-api"},
		{"/docs/assets/styles.min.css", "text/css", "sl-"},
	} {
		if !bytes.Contains(page.raw, []byte(`"`+asset.path+`"`)) {
			t.Errorf("/docs does not use %s", asset.path)
		}
		a := e.must(e.req("GET", asset.path, "", nil), 200)
		if ct := a.header.Get("Content-Type"); !strings.Contains(ct, asset.ctype) {
			t.Errorf("%s Content-Type %q", asset.path, ct)
		}
		if len(a.raw) < 100_000 || !bytes.Contains(a.raw, []byte(asset.marker)) {
			t.Errorf("%s: %d bytes, not the vendored asset", asset.path, len(a.raw))
		}
	}
	e.must(e.req("GET", "/docs/assets/missing.js", "", nil), 404)
	e.must(e.req("GET", "/openapi.json", "", nil), 200)
}
