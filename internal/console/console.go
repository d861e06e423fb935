// Package console is gureum's web console, served at /_console/ by
// gureum itself: server-rendered pages (html/template, assets embedded,
// no build step, nothing fetched from elsewhere). It is a client of the
// services like any other: every action is an operation called through
// the service's operation.Service as the signed-in principal, so the
// same authorization decides, and a denial shows AWS's message for it,
// never the data.
package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/operation"
	"github.com/gureum/gureum/internal/request"
)

// Prefix is where the console is served.
const Prefix = "/_console/"

// cookieName is the session cookie.
const cookieName = "gureum_console"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Identities signs principals in.
type Identities interface {
	// SecretKey returns an access key's secret.
	SecretKey(ctx context.Context, accessKeyID string) (string, error)
	// Principal resolves an access key to its principal.
	Principal(ctx context.Context, accessKeyID, token string) (request.Principal, error)
	// SignIn checks an IAM user's console password; account is an
	// account id or alias.
	SignIn(ctx context.Context, account, user, password string) (request.Principal, error)
}

// Config wires the console.
type Config struct {
	S3, IAM, EC2, STS *operation.Service
	Identities        Identities
	Region            string
	// SessionTTL is how long a sign-in lasts (default 12 hours, as AWS's
	// console sessions).
	SessionTTL time.Duration
	// RootPassword, when set, signs in an account's root user with its
	// account ID (one of RootKeys, account ID → the root's access key).
	RootPassword string
	RootKeys     map[string]string
	Logger       *slog.Logger
	Now          func() time.Time
}

// Console serves the web console.
type Console struct {
	cfg   Config
	pages *template.Template
	mux   *http.ServeMux
	// routes are the patterns of every page and form, for the tests
	// that go through all of them.
	routes []string

	mu       sync.Mutex
	sessions map[string]*session
}

// session is one signed-in browser.
type session struct {
	id        string
	csrf      string
	principal request.Principal
	expires   time.Time
	// flash is a message for the next page (a success or an error).
	flash *flash
	// csv holds new access keys' secrets until their .csv is downloaded.
	csv map[string]string
	// keyID is the access key a root session signed in with (presigned
	// URLs are signed with it).
	keyID string
	// pem holds new key pairs' private keys until downloaded; pemName is
	// the last one, offered on the instances page.
	pem     map[string]string
	pemName string
}

type flash struct {
	Error   bool
	Code    string
	Message string
}

// New returns the console.
func New(cfg Config) *Console {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	c := &Console{cfg: cfg, sessions: map[string]*session{}, mux: http.NewServeMux()}
	c.pages = template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
	static, _ := fs.Sub(staticFS, "static")
	c.mux.Handle("GET "+Prefix+"static/", http.StripPrefix(Prefix+"static/", http.FileServerFS(static)))
	c.handle("GET "+Prefix+"{$}", c.home)
	c.handle("GET "+Prefix+"signin", c.signinPage)
	c.handle("POST "+Prefix+"signin", c.signin)
	c.handle("POST "+Prefix+"signout", c.signedIn(c.signout))
	c.routeS3()
	c.routeIAM()
	c.routeIAMMore()
	c.routeEC2()
	c.routeEC2More()
	c.routeVPC()
	c.routeEC2Net()
	c.routeSG()
	return c
}

// handle registers a page or a form.
func (c *Console) handle(pattern string, h http.HandlerFunc) {
	c.routes = append(c.routes, pattern)
	c.mux.HandleFunc(pattern, h)
}

// Routes are the patterns ("GET /_console/s3/bucket/{bucket}") of every
// page and form the console serves, but its static files.
func (c *Console) Routes() []string { return slices.Clone(c.routes) }

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	c.mux.ServeHTTP(w, r)
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	if c.session(r) == nil {
		http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+"s3", http.StatusSeeOther)
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// session returns the request's live session, or nil.
func (c *Console) session(r *http.Request) *session {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sessions[ck.Value]
	if s == nil {
		return nil
	}
	if !c.cfg.Now().Before(s.expires) {
		delete(c.sessions, s.id)
		return nil
	}
	return s
}

// startSession signs p in and sets the cookie.
func (c *Console) startSession(w http.ResponseWriter, r *http.Request, p request.Principal) {
	s := &session{id: newToken(), csrf: newToken(), principal: p, expires: c.cfg.Now().Add(c.cfg.SessionTTL), keyID: p.AccessKeyID}
	c.mu.Lock()
	for id, o := range c.sessions { // forget the expired
		if !c.cfg.Now().Before(o.expires) {
			delete(c.sessions, id)
		}
	}
	c.sessions[s.id] = s
	c.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.id, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, Expires: s.expires, MaxAge: int(c.cfg.SessionTTL / time.Second)})
}

// signedIn wraps a handler that needs a session: without one the browser
// goes to the sign-in page; a POST must carry the session's CSRF token.
func (c *Console) signedIn(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := c.session(r)
		if s == nil {
			if r.Method != http.MethodGet {
				http.Error(w, "Your session has expired. Sign in again.", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, Prefix+"signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		// The access log names who acted, and which page.
		rc := request.From(r.Context())
		rc.Principal, rc.Operation = s.principal, r.Pattern
		if r.Method == http.MethodPost {
			if err := r.ParseMultipartForm(64 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				http.Error(w, "Bad form.", http.StatusBadRequest)
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrf)) != 1 {
				http.Error(w, "The form's security token is missing or wrong. Reload the page and try again.", http.StatusForbidden)
				return
			}
		}
		h(w, r, s)
	}
}

// callContext is the request context of an operation the console calls
// as the session's principal.
func (c *Console) callContext(r *http.Request, s *session) context.Context {
	rc := &request.Context{ID: strings.ToUpper(newToken()[:16]), Start: c.cfg.Now(), Region: c.cfg.Region, Principal: s.principal,
		UserAgent: "gureum-console", Secure: r.TLS != nil, Referer: r.Referer()}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		rc.SourceIP, _ = netip.ParseAddr(host)
	}
	return request.With(r.Context(), rc)
}

// invokeQuery calls a query-protocol operation (IAM, STS, EC2) with its
// parameters as the wire names them.
func (c *Console) invokeQuery(r *http.Request, s *session, svc *operation.Service, decode func(url.Values, any) error, name string, params url.Values) (any, error) {
	op, err := svc.Lookup(name)
	if err != nil {
		return nil, err
	}
	in := op.NewInput()
	if err := decode(params, in); err != nil {
		return nil, err
	}
	return svc.Call(c.callContext(r, s), op, in)
}

func (c *Console) iam(r *http.Request, s *session, name string, params url.Values) (any, error) {
	return c.invokeQuery(r, s, c.cfg.IAM, query.Decode, name, params)
}

// page is what every template gets.
type page struct {
	Refresh bool // reload every few seconds (a state is changing)
	Title   string
	Section string
	Session *session
	Who     string
	CSRF    string
	Flash   *flash
	Data    any
}

// render writes a page; a session's flash is shown once.
func (c *Console) render(w http.ResponseWriter, s *session, name, title, section string, data any) {
	p := page{Title: title, Section: section, Session: s, Data: data}
	if m, ok := data.(map[string]any); ok {
		p.Refresh, _ = m["Refresh"].(bool)
	}
	if s != nil {
		p.Who, p.CSRF = s.principal.ARN, s.csrf
		c.mu.Lock()
		p.Flash, s.flash = s.flash, nil
		c.mu.Unlock()
	}
	var b bytes.Buffer
	if err := c.pages.ExecuteTemplate(&b, name, p); err != nil {
		c.cfg.Logger.Error("console: rendering", "page", name, "err", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// fail shows a denial or an error as AWS words it, and nothing else.
func (c *Console) fail(w http.ResponseWriter, s *session, err error) {
	ae, ok := awsproto.As(err)
	if !ok {
		c.cfg.Logger.Error("console: internal error", "err", err)
	}
	w.WriteHeader(ae.Status)
	c.render(w, s, "error.html", ae.Code, "", ae)
}

// back redirects to a page with a flash message for it.
func (c *Console) back(w http.ResponseWriter, r *http.Request, s *session, to string, err error, ok string) {
	f := &flash{Message: ok}
	if err != nil {
		ae, _ := awsproto.As(err)
		f = &flash{Error: true, Code: ae.Code, Message: ae.Message}
	}
	c.mu.Lock()
	s.flash = f
	c.mu.Unlock()
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// regions is what the bucket form offers.
var regions = []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2"}

// refuse redirects to a page with a message saying why nothing was done.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, s *session, to, msg string) {
	c.mu.Lock()
	s.flash = &flash{Error: true, Message: msg}
	c.mu.Unlock()
	http.Redirect(w, r, to, http.StatusSeeOther)
}

var funcs = template.FuncMap{
	"list": func() []string { return regions },
	"add":  func(a, b int) int { return a + b },
	"sub":  func(a, b int) int { return a - b },
	// fit shortens s to n characters, ending in "…", for a label that
	// must stay inside its box in the VPC drawing.
	"fit": func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n-1]) + "…"
		}
		return s
	},
	"prefix":   func() string { return Prefix },
	"pathesc":  url.PathEscape,
	"queryesc": url.QueryEscape,
	"base":     func(prefix, key string) string { return strings.TrimPrefix(key, prefix) },
	"size": func(n int64) string {
		switch {
		case n < 1<<10:
			return itoa(n) + " B"
		case n < 1<<20:
			return itoa(n>>10) + " KB"
		case n < 1<<30:
			return itoa(n>>20) + " MB"
		}
		return itoa(n>>30) + " GB"
	},
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}
