// Package web is Ingot's web interface, served by `ingot serve` at /: the
// holder's wallet and the consoles of operators and the central bank, as
// server-rendered pages (html/template, embedded in the binary) that call
// the REST API in-process with the visitor's own credential. No script
// runs inline and nothing loads from another host (a strict
// Content-Security-Policy says so); every form carries a CSRF token; the
// session is a sealed cookie (session.go). Chinese and English (i18n.go).
package web

import (
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ingot-cbdc/ingot/pii"
)

//go:embed templates/*.html static/*
var files embed.FS

// Options configure the web.
type Options struct {
	// API is the REST API's handler, called in-process.
	API http.Handler
	// Keys seal the session cookie.
	Keys *pii.Keys
	// Zone is the time zone dates are shown in.
	Zone   *time.Location
	Logger *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Sandbox, under `ingot serve --sandbox` only, serves the developer
	// sandbox (/developers, developers.go); nil: none.
	Sandbox *Sandbox
}

// Web serves the pages.
type Web struct {
	api   http.Handler
	keys  *pii.Keys
	zone  *time.Location
	log   *slog.Logger
	now   func() time.Time
	pages map[string]*template.Template
	mux   *http.ServeMux
	devs  *developers // the developer sandbox; nil: none
}

// csp allows this host's script, styles and images only, and forms that
// post to this host.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// New makes the web.
func New(o Options) (*Web, error) {
	if o.API == nil || o.Keys == nil {
		return nil, errors.New("web: the API and the keys are required")
	}
	w := &Web{api: o.API, keys: o.Keys, zone: o.Zone, log: o.Logger, now: o.Now, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	if w.zone == nil {
		w.zone = time.UTC
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if w.now == nil {
		w.now = time.Now
	}
	var err error
	if w.devs, err = newDevelopers(o.Sandbox); err != nil {
		return nil, err
	}
	funcs := template.FuncMap{"money": money, "when": func(t time.Time) string { return t.In(w.zone).Format("2006-01-02 15:04") },
		"deref": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", n)
		if err != nil {
			return nil, err
		}
		w.pages[base] = t
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}
	w.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	w.routes()
	return w, nil
}

// ServeHTTP serves a page with the security headers.
func (w *Web) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	h := rw.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.mux.ServeHTTP(rw, r)
}

// req is one page request: its session and language.
type req struct {
	w    *Web
	rw   http.ResponseWriter
	r    *http.Request
	s    *session
	lang string
	t    func(string) string
	// newKey is an API key made by this request, shown once.
	newKey string
	// wide: the page's tables need more than the text column (the risk
	// pages).
	wide bool
}

// page is what every template gets.
type page struct {
	Lang, CSRF, Title string
	T                 func(string) string
	Kind              string // the session's kind: "", holder, org
	Sandbox           bool   // the developer sandbox is served
	Role              string
	Flash, Error      string
	Data              any
	Wide              bool // the main column is wider (tables of many columns)
}

// handle wraps a page handler: it loads the session, checks a POST's CSRF
// token (a stale form starts over), and saves the session afterwards.
func (w *Web) handle(pattern string, f func(q *req)) {
	w.mux.HandleFunc(pattern, func(rw http.ResponseWriter, r *http.Request) {
		q := &req{w: w, rw: rw, r: r, s: load(w.keys, r, w.now())}
		q.lang = pickLang(q.s, r)
		q.t = translator(q.lang)
		if r.Method == http.MethodPost {
			// A form with a file (a picture of a QR code: holder_upload.go)
			// may be larger; its CSRF token is checked the same.
			var err error
			if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/form-data") {
				r.Body = http.MaxBytesReader(rw, r.Body, maxPicture+64<<10)
				if err = r.ParseMultipartForm(1 << 20); errors.As(err, new(*http.MaxBytesError)) {
					q.render(http.StatusRequestEntityTooLarge, "start", "", q.t("upload.large"), nil)
					return
				}
			} else {
				r.Body = http.MaxBytesReader(rw, r.Body, 64<<10)
				err = r.ParseForm()
			}
			if err != nil || !q.s.validCSRF(r) {
				q.s = &session{CSRF: newToken(), Lang: q.s.Lang}
				q.save()
				q.render(http.StatusForbidden, "start", "", q.t("error.csrf"), nil)
				return
			}
		}
		f(q)
	})
}

func (q *req) save() {
	if err := save(q.w.keys, q.rw, q.r, q.s, q.w.now()); err != nil {
		q.w.log.Error("web: saving a session", "err", err)
	}
}

// render saves the session and writes a page.
func (q *req) render(status int, name, flash, errText string, data any) {
	q.save()
	q.rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.rw.WriteHeader(status)
	p := page{Lang: q.lang, CSRF: q.s.CSRF, T: q.t, Kind: q.s.Kind, Role: q.s.Role, Flash: flash, Error: errText, Data: data,
		Title: q.t("app"), Sandbox: q.w.devs != nil, Wide: q.wide}
	if err := q.w.pages[name].Execute(q.rw, p); err != nil {
		q.w.log.Error("web: rendering a page", "page", name, "err", err)
	}
}

// redirect saves the session and sends the browser to path (303: GET).
func (q *req) redirect(path string) {
	q.save()
	http.Redirect(q.rw, q.r, path, http.StatusSeeOther)
}

// cred is the session's credential for the API.
func (q *req) cred() string {
	if q.s.Kind == kindHolder {
		return q.s.Access
	}
	return q.s.Key
}

// problem is an API error as the page shows it; an ended session sends
// the visitor to sign in again.
func (q *req) problem(err error) string {
	if d, ok := detail(err); ok {
		return d
	}
	q.w.log.Error("web: calling the API", "err", err)
	return err.Error()
}

type tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

// idemKey is a form's idempotency key, made when the form is shown: a
// form sent twice (a double click, a reload) does its work once.
func idemKey() string { return uuid.NewString() }

func (w *Web) routes() {
	w.handle("GET /{$}", func(q *req) { q.render(http.StatusOK, "start", "", "", nil) })
	w.handle("POST /lang", func(q *req) {
		if l := q.r.PostFormValue("lang"); l == "en" || l == "zh" {
			q.s.Lang = l
		}
		back := q.r.PostFormValue("back")
		if u, err := url.Parse(back); err != nil || u.Host != "" || !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
			back = "/"
		}
		q.redirect(back)
	})
	w.handle("POST /signout", func(q *req) {
		if q.s.Kind == kindHolder {
			_ = q.client().Logout(q.r.Context())
		}
		q.s = &session{CSRF: newToken(), Lang: q.s.Lang}
		q.redirect("/")
	})
	w.holderRoutes()   // holder.go
	w.consoleRoutes()  // console.go
	w.merchantRoutes() // merchant.go
	w.consentRoutes()  // holder_consent.go: open finance's consent screen
	w.developerRoutes()
}

// Mount serves the API's paths (/v1/..., /openapi.*, /docs, /schemas/...,
// /healthz, /readyz, /metrics) with api, and every other path with the web.
func Mount(api, web http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if isAPIPath(r.URL.Path) {
			api.ServeHTTP(rw, r)
			return
		}
		web.ServeHTTP(rw, r)
	})
}

func isAPIPath(p string) bool {
	switch p {
	case "/healthz", "/readyz", "/metrics", "/docs", "/oauth/token":
		return true
	}
	for _, prefix := range []string{"/v1/", "/openapi", "/docs/", "/schemas/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}
