// Package edge is gureum's front door: one HTTP listener for every AWS
// service. It gives each request an id, authenticates it (SigV4 → a
// principal), finds the service it is for, and hands it on; it also keeps
// the access log, metrics and health endpoints.
//
// The service is read from the SigV4 credential scope, as AWS's own
// endpoints are per service; an unsigned request can only be S3 (anonymous
// S3 is the one anonymous AWS API), addressed by path or by Host.
package edge

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/awsjson"
	"github.com/gureum/gureum/internal/awsproto/ec2query"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/sigv4"
)

// Credentials resolves access keys: their secrets (for SigV4) and the
// principals they stand for. The static account list implements it now;
// IAM's users and role sessions join it later.
type Credentials interface {
	// SecretKey returns the secret of an access key, or an error wrapping
	// sigv4.ErrUnknownAccessKey.
	SecretKey(ctx context.Context, accessKeyID string) (string, error)
	// Principal returns whom an access key (and session token) acts as.
	Principal(ctx context.Context, accessKeyID, sessionToken string) (request.Principal, error)
	// DefaultPrincipal is whom an unknown key acts as under --accept-any-key.
	DefaultPrincipal() request.Principal
}

// Service is one AWS service behind the edge.
type Service struct {
	Name    string
	Handler http.Handler
	// Protocol picks the error envelope for failures the edge itself
	// reports (authentication): "restxml", "query", "ec2query" or "json".
	Protocol string
}

// Config wires the edge.
type Config struct {
	Region            string // default region of unsigned requests
	Credentials       Credentials
	AcceptAnyKey      bool
	Services          []Service
	Logger            *slog.Logger
	Version           string
	Now               func() time.Time
	MaxSkew           time.Duration
	VirtualHostSuffix []string
	// Engines names the engines behind the services for the health
	// endpoint, e.g. {"compute": "docker"}.
	Engines map[string]string
	// Console serves /_console/ (the web console signs its users in
	// itself: no SigV4 there).
	Console http.Handler
}

// Edge is the HTTP handler in front of every service.
type Edge struct {
	// listeners says which address serves what (set once listening).
	listeners atomic.Pointer[map[string]string]
	cfg       Config
	verifier  *sigv4.Verifier
	services  map[string]Service
	metrics   *metrics
	log       *slog.Logger
	idPrefix  [4]byte
	idSeq     atomic.Uint64
}

// New returns the edge handler.
func New(cfg Config) *Edge {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	e := &Edge{cfg: cfg, services: map[string]Service{}, metrics: newMetrics(), log: cfg.Logger}
	for _, s := range cfg.Services {
		e.services[s.Name] = s
	}
	e.verifier = &sigv4.Verifier{
		Lookup:            cfg.Credentials.SecretKey,
		Now:               cfg.Now,
		MaxSkew:           cfg.MaxSkew,
		AcceptUnknownKeys: cfg.AcceptAnyKey,
	}
	_, _ = rand.Read(e.idPrefix[:])
	e.idSeq.Store(uint64(cfg.Now().UnixNano()))
	return e
}

// Verifier is the SigV4 verifier the edge uses (services that verify form
// signatures share it).
func (e *Edge) Verifier() *sigv4.Verifier { return e.verifier }

// ResolvePrincipal maps a verified access key to its principal, honouring
// --accept-any-key.
func (e *Edge) ResolvePrincipal(ctx context.Context, accessKeyID, token string) (request.Principal, error) {
	p, err := e.cfg.Credentials.Principal(ctx, accessKeyID, token)
	if err != nil && e.cfg.AcceptAnyKey && errors.Is(err, sigv4.ErrUnknownAccessKey) {
		return e.cfg.Credentials.DefaultPrincipal(), nil
	}
	return p, err
}

func (e *Edge) newIDs() (id, hostID string) {
	var b [12]byte
	copy(b[:4], e.idPrefix[:])
	binary.BigEndian.PutUint64(b[4:], e.idSeq.Add(1))
	id = strings.ToUpper(hex.EncodeToString(b[4:]))
	return id, base64.StdEncoding.EncodeToString(b[:])
}

// ServeHTTP implements http.Handler.
func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := e.cfg.Now()
	id, hostID := e.newIDs()
	rc := &request.Context{ID: id, HostID: hostID, Start: start, Region: e.cfg.Region, UserAgent: r.UserAgent(), Referer: r.Referer(), Secure: r.TLS != nil}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		rc.SourceIP = ap.Addr().Unmap()
	}
	rw := &responseWriter{ResponseWriter: w}
	// Work on a copy: net/http must keep seeing its own body on the
	// request it made, or it cannot answer early (an error before the
	// body is read, or no 100 Continue) without draining the body first.
	r = r.WithContext(request.With(r.Context(), rc))
	var body *countingBody
	if r.Body != nil && r.Body != http.NoBody {
		body = &countingBody{ReadCloser: r.Body}
		r.Body = body
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			e.log.Error("panic serving request", "request_id", id, "panic", v, "stack", string(debug.Stack()))
			if !rw.wroteHeader {
				e.writeError(rw, r, rc.Service, awsproto.InternalError())
			}
		}
		e.finish(rc, rw, body)
	}()

	if e.cfg.Console != nil && strings.HasPrefix(r.URL.Path, "/_console/") {
		rc.Service = "console"
		e.cfg.Console.ServeHTTP(rw, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/_gureum/") {
		rc.Service, rc.Operation = "gureum", strings.TrimPrefix(r.URL.Path, "/_gureum/")
		e.serveInternal(rw, r)
		return
	}
	rc.Service = scopeService(r)
	svc, ok := e.services[rc.Service]
	if err := e.authenticate(r, rc); err != nil {
		e.writeError(rw, r, rc.Service, err)
		return
	}
	if !ok {
		e.writeError(rw, r, rc.Service, awsproto.Newf(http.StatusNotImplemented, "NotImplemented",
			"The service '%s' is not implemented by gureum yet.", rc.Service))
		return
	}
	svc.Handler.ServeHTTP(rw, r)
}

// authenticate verifies the request's signature and sets the principal.
func (e *Edge) authenticate(r *http.Request, rc *request.Context) error {
	auth, err := e.verifier.Verify(r)
	if err != nil {
		return err
	}
	if auth.Anonymous {
		return nil
	}
	rc.Presigned = auth.Presigned
	rc.SignatureVersion = auth.SignatureVersion
	rc.AuthType = "REST-HEADER"
	if auth.Presigned {
		rc.AuthType = "REST-QUERY-STRING"
	}
	rc.Trailer = auth.Trailer
	if auth.Region != "" {
		rc.Region = auth.Region
	}
	p, err := e.ResolvePrincipal(r.Context(), auth.AccessKeyID, auth.SecurityToken)
	if err != nil {
		return err
	}
	rc.Principal = p
	return nil
}

// scopeService is the service named in the request's (unverified)
// credential scope; unsigned requests are S3, the one API that takes them.
func scopeService(r *http.Request) string {
	if _, service, ok := sigv4.Scope(r); ok && service != "" {
		return service
	}
	return "s3"
}

// writeError renders an error the edge itself raised in the envelope of
// the service the request was for.
func (e *Edge) writeError(w http.ResponseWriter, r *http.Request, service string, err error) {
	rc := request.From(r.Context())
	var ae *awsproto.Error // the SigV4 verifier's errors are awsproto errors
	switch {
	case errors.As(err, &ae):
	default:
		e.log.Error("internal error", "request_id", rc.ID, "err", err)
		ae = awsproto.InternalError()
	}
	w.Header().Set("x-amz-request-id", rc.ID)
	proto := "query"
	if s, ok := e.services[service]; ok {
		proto = s.Protocol
	} else if service == "s3" {
		proto = "restxml"
	} else if r.Header.Get("X-Amz-Target") != "" || (jsonServices[service] && !queryForm(r)) {
		// A JSON service (one that also speaks the query protocol, as
		// SQS, is answered in the protocol the request used).
		proto = "json"
	}
	switch {
	case proto == "ec2query" && ae.Code == "RequestTimeTooSkewed":
		// EC2 words a request signed too long ago its own way.
		ae = &awsproto.Error{Code: "RequestExpired", Message: "Request has expired.", Status: http.StatusBadRequest}
	case proto != "restxml":
		ae = queryAuthError(ae)
	}
	switch proto {
	case "restxml":
		w.Header().Set("x-amz-id-2", rc.HostID)
		awsproto.WriteS3Error(w, r, ae, rc.ID, rc.HostID)
	case "json":
		// Answered in the JSON version the request was sent in (KMS's
		// 1.1, DynamoDB's 1.0).
		version := "1.0"
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.1") {
			version = "1.1"
		}
		awsjson.WriteError(w, ae, rc.ID, version)
	case "ec2query":
		ec2query.WriteError(w, ae, rc.ID)
	default:
		awsproto.WriteQueryError(w, ae, rc.ID)
	}
}

func (e *Edge) finish(rc *request.Context, rw *responseWriter, body *countingBody) {
	status := rw.status
	if status == 0 {
		status = http.StatusOK
	}
	var in int64
	if body != nil {
		in = body.n
	}
	d := e.cfg.Now().Sub(rc.Start)
	op := rc.Operation
	if op == "" {
		op = "unknown"
	}
	e.metrics.observe(rc.Service, op, status, d, in, rw.n)
	if e.log.Enabled(context.Background(), slog.LevelInfo) {
		principal := "anonymous"
		if !rc.Principal.IsAnonymous() {
			principal = rc.Principal.ARN
		}
		e.log.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("request_id", rc.ID), slog.String("principal", principal),
			slog.String("service", rc.Service), slog.String("operation", op),
			slog.Int("status", status), slog.Int64("bytes_in", in), slog.Int64("bytes_out", rw.n),
			slog.Duration("latency", d))
	}
}

func (e *Edge) serveInternal(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_gureum/health":
		services := map[string]string{}
		for name := range e.services {
			services[name] = "running"
		}
		for _, name := range []string{"iam", "sts", "ec2"} {
			if _, ok := services[name]; !ok {
				services[name] = "not implemented"
			}
		}
		names := make([]string, 0, len(services))
		for n := range services {
			names = append(names, n)
		}
		sort.Strings(names)
		b, _ := json.Marshal(struct {
			Status    string            `json:"status"`
			Version   string            `json:"version"`
			Services  map[string]string `json:"services"`
			Engines   map[string]string `json:"engines,omitempty"`
			Endpoints map[string]string `json:"endpoints,omitempty"`
		}{"ok", e.cfg.Version, services, e.cfg.Engines, e.endpoints()})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(append(b, '\n'))
	case "/_gureum/metrics":
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		e.metrics.write(w)
	default:
		http.NotFound(w, r)
	}
}

// responseWriter records the status and bytes of a response. It passes
// ReadFrom through so file bodies still go out by sendfile.
type responseWriter struct {
	http.ResponseWriter
	status      int
	n           int64
	wroteHeader bool
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

func (w *responseWriter) ReadFrom(r io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(w.ResponseWriter, r)
	}
	w.n += n
	return n, err
}

func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// HeadersSent reports whether the status line has been written.
func (w *responseWriter) HeadersSent() bool { return w.wroteHeader }

// Unwrap lets http.ResponseController reach the connection.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

// Listen opens the TCP listener (separate so tests can use port 0).
func Listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// NewServer returns an http.Server for h with limits suited to S3 (large
// bodies, slow clients) and defences against slow-header attacks.
func NewServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// queryAuthError rewords an authentication failure (raised in S3's words
// by sigv4 and the credential store) as IAM, STS and the other query and
// JSON services word it.
func queryAuthError(e *awsproto.Error) *awsproto.Error {
	switch e.Code {
	case "InvalidAccessKeyId", "InvalidToken":
		return &awsproto.Error{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Status: http.StatusForbidden}
	case "AccessDenied":
		if sigv4.IsExpired(e) {
			return &awsproto.Error{Code: "ExpiredToken", Message: "The security token included in the request is expired", Status: http.StatusForbidden}
		}
	case "ExpiredToken":
		return &awsproto.Error{Code: "ExpiredToken", Message: "The security token included in the request is expired", Status: http.StatusForbidden}
	case "SignatureDoesNotMatch":
		return &awsproto.Error{Code: "SignatureDoesNotMatch", Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", Status: http.StatusForbidden}
	case "RequestTimeTooSkewed":
		return &awsproto.Error{Code: "SignatureDoesNotMatch", Message: "Signature expired: the request time is too far from the current time.", Status: http.StatusForbidden}
	case "AuthorizationHeaderMalformed":
		return &awsproto.Error{Code: "IncompleteSignature", Message: e.Message, Status: http.StatusBadRequest}
	}
	return e
}

// queryForm reports whether a request uses the query protocol: a form
// body, or an Action in the URL.
func queryForm(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") || r.URL.Query().Has("Action")
}

// SetEndpoints records the addresses gureum listens on, by what they
// serve ("http", "https"), for the health endpoint.
func (e *Edge) SetEndpoints(m map[string]string) { e.listeners.Store(&m) }

func (e *Edge) endpoints() map[string]string {
	if m := e.listeners.Load(); m != nil {
		return *m
	}
	return nil
}
