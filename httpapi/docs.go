package httpapi

import (
	"embed"
	"io/fs"
	"net/http"
)

// The API reference at /docs: Stoplight Elements rendering /openapi.json,
// its script and styles served from the binary (httpapi/docsui, vendored
// from the npm package), so that it works in a closed network. huma's own
// /docs, which loads them from a CDN, is switched off.

//go:embed docsui/web-components.min.js docsui/styles.min.css docsui/LICENSE
var docsUI embed.FS

// docsVersion is the vendored Stoplight Elements' version.
const docsVersion = "9.0.25"

// docsCSP lets the page run only its own script and styles from this host
// (Elements sets inline styles on its elements, hence 'unsafe-inline' for
// styles only) and fetch only this host's /openapi.json.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const docsPage = `<!doctype html>
<!-- Stoplight Elements ` + docsVersion + `, served by Ingot (httpapi/docsui) -->
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ingot API reference</title>
<link rel="stylesheet" href="/docs/assets/styles.min.css">
<script src="/docs/assets/web-components.min.js"></script>
</head>
<body style="height:100vh;margin:0">
<elements-api apiDescriptionUrl="/openapi.json" router="hash" layout="sidebar" tryItCredentialsPolicy="omit"></elements-api>
</body>
</html>
`

// docsRoutes serves /docs and its assets.
func (s *server) docsRoutes() {
	assets, err := fs.Sub(docsUI, "docsui")
	if err != nil {
		panic(err) // the embedded directory is part of the build
	}
	files := http.StripPrefix("/docs/assets/", http.FileServerFS(assets))
	s.mux.HandleFunc("GET /docs", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", docsCSP)
		h.Set("X-Frame-Options", "DENY")
		_, _ = w.Write([]byte(docsPage))
	})
	s.mux.HandleFunc("GET /docs/assets/{file}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", docsCSP)
		files.ServeHTTP(w, r)
	})
}
