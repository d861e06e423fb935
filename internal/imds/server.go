package imds

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// Header names of IMDSv2, as AWS spells them.
const (
	HeaderToken    = "X-Aws-Ec2-Metadata-Token"
	HeaderTokenTTL = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
)

// TokenPath is where IMDSv2 session tokens are issued (PUT only).
const TokenPath = "/latest/api/token"

// MaxTokenTTL is the longest session a token may have, in seconds (six
// hours).
const MaxTokenTTL = 21600

// Server serves the metadata of instances, one VPC per Handler. It is safe
// for concurrent use.
type Server struct {
	src   Source
	now   func() time.Time
	log   *slog.Logger
	key   []byte
	creds credCache
}

// NewServer returns a Server asking src about instances. Its token key is
// random, so tokens do not survive a restart (clients then ask for a new
// one, as they do on AWS when a token expires).
func NewServer(src Source, opts ...Option) *Server {
	s := &Server{src: src, now: time.Now, log: slog.Default(), key: make([]byte, 32)}
	if _, err := rand.Read(s.key); err != nil {
		panic(fmt.Sprintf("imds: no randomness for the token key: %v", err))
	}
	for _, o := range opts {
		o(s)
	}
	s.creds.init()
	return s
}

// Handler returns the service for the VPC vpcID. The caller is the
// instance whose private IP in that VPC is the request's RemoteAddr.
func (s *Server) Handler(vpcID string) http.Handler {
	return &handler{s: s, vpcID: vpcID}
}

// Serve answers the connections of ln (a listener inside the VPC vpcID's
// network, at 169.254.169.254:80) until ln is closed, then closes the
// connections still open and returns nil; other accept errors are
// returned.
func (s *Server) Serve(ln net.Listener, vpcID string) error {
	hs := &http.Server{
		Handler:           s.Handler(vpcID),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
	}
	err := hs.Serve(ln)
	hs.Close()
	if errors.Is(err, net.ErrClosed) || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// connKey carries the request's net.Conn in its context, to set the hop
// limit of token responses.
type connKey struct{}

type handler struct {
	s     *Server
	vpcID string
}

// ServeHTTP identifies the caller, applies the instance's metadata options
// and answers from its tree.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Server", "EC2ws")
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		writeStatus(w, r, http.StatusNotFound)
		return
	}
	inst, err := h.s.src.Lookup(r.Context(), h.vpcID, ap.Addr().Unmap())
	if err != nil {
		if !errors.Is(err, ErrNoInstance) {
			h.s.log.Error("imds: looking up the caller", "vpc", h.vpcID, "ip", ap.Addr().Unmap(), "err", err)
			writeStatus(w, r, http.StatusInternalServerError)
			return
		}
		writeStatus(w, r, http.StatusNotFound)
		return
	}
	if inst.HttpEndpoint == "disabled" {
		writeStatus(w, r, http.StatusForbidden)
		return
	}
	if r.URL.Path == TokenPath {
		if r.Method != http.MethodPut {
			writeStatus(w, r, http.StatusMethodNotAllowed)
			return
		}
		h.putToken(w, r, inst)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeStatus(w, r, http.StatusMethodNotAllowed)
		return
	}
	if vals, ok := r.Header[HeaderToken]; ok {
		left, ok := h.s.verifyToken(firstOf(vals), inst.InstanceID, h.vpcID)
		if !ok {
			writeStatus(w, r, http.StatusUnauthorized)
			return
		}
		w.Header().Set(HeaderTokenTTL, strconv.Itoa(left))
	} else if inst.HttpTokens == "required" {
		writeStatus(w, r, http.StatusUnauthorized)
		return
	}
	h.get(w, r, inst)
}

// putToken issues a session token: PUT /latest/api/token with the TTL in
// seconds in X-aws-ec2-metadata-token-ttl-seconds.
func (h *handler) putToken(w http.ResponseWriter, r *http.Request, inst *Instance) {
	// A proxy adds X-Forwarded-For; AWS refuses tokens through one, so a
	// misconfigured proxy on the instance cannot hand them out.
	if _, ok := r.Header["X-Forwarded-For"]; ok {
		writeStatus(w, r, http.StatusForbidden)
		return
	}
	ttl, ok := parseTTL(r.Header.Values(HeaderTokenTTL))
	if !ok {
		writeStatus(w, r, http.StatusBadRequest)
		return
	}
	tok := h.s.mintToken(inst.InstanceID, h.vpcID, ttl)
	if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
		if err := setHopLimit(c, hopLimit(inst.HttpPutResponseHopLimit)); err != nil {
			// Without the hop limit the token could travel further than
			// the instance allows: better no token.
			h.s.log.Error("imds: setting the hop limit", "vpc", h.vpcID, "instance", inst.InstanceID, "err", err)
			writeStatus(w, r, http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set(HeaderTokenTTL, strconv.Itoa(ttl))
	writeBody(w, r, "text/plain", []byte(tok))
}

// parseTTL reads the token TTL header: exactly one decimal 1..MaxTokenTTL.
func parseTTL(vals []string) (int, bool) {
	if len(vals) != 1 || len(vals[0]) == 0 || len(vals[0]) > 6 {
		return 0, false
	}
	for _, c := range vals[0] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(vals[0])
	if err != nil || n < 1 || n > MaxTokenTTL {
		return 0, false
	}
	return n, true
}

// hopLimit is the IP TTL of token responses for the instance's setting.
func hopLimit(n int) int {
	switch {
	case n < 1:
		return 1
	case n > 64:
		return 64
	}
	return n
}

func firstOf(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}
