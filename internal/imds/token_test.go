package imds

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const idPath = "/latest/meta-data/instance-id"

// TestTokenPut covers PUT /latest/api/token: TTL bounds, proxies and
// methods.
func TestTokenPut(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		hdr    []string
		code   int
	}{
		{"ttl 1", http.MethodPut, TokenPath, []string{HeaderTokenTTL, "1"}, 200},
		{"ttl max", http.MethodPut, TokenPath, []string{HeaderTokenTTL, "21600"}, 200},
		{"header case", http.MethodPut, TokenPath, []string{"x-aws-ec2-metadata-token-ttl-seconds", "60"}, 200},
		{"ttl missing", http.MethodPut, TokenPath, nil, 400},
		{"ttl empty", http.MethodPut, TokenPath, []string{HeaderTokenTTL, ""}, 400},
		{"ttl 0", http.MethodPut, TokenPath, []string{HeaderTokenTTL, "0"}, 400},
		{"ttl over", http.MethodPut, TokenPath, []string{HeaderTokenTTL, "21601"}, 400},
		{"ttl negative", http.MethodPut, TokenPath, []string{HeaderTokenTTL, "-5"}, 400},
		{"ttl plus", http.MethodPut, TokenPath, []string{HeaderTokenTTL, "+5"}, 400},
		{"ttl text", http.MethodPut, TokenPath, []string{HeaderTokenTTL, "abc"}, 400},
		{"ttl huge", http.MethodPut, TokenPath, []string{HeaderTokenTTL, "99999999999999999999"}, 400},
		{"ttl twice", http.MethodPut, TokenPath, []string{HeaderTokenTTL, "60", HeaderTokenTTL, "60"}, 400},
		{"forwarded", http.MethodPut, TokenPath, []string{HeaderTokenTTL, "60", "X-Forwarded-For", "10.0.1.9"}, 403},
		{"forwarded empty", http.MethodPut, TokenPath, []string{HeaderTokenTTL, "60", "X-Forwarded-For", ""}, 403},
		{"GET token", http.MethodGet, TokenPath, []string{HeaderTokenTTL, "60"}, 405},
		{"POST token", http.MethodPost, TokenPath, []string{HeaderTokenTTL, "60"}, 405},
		{"PUT data", http.MethodPut, idPath, []string{HeaderTokenTTL, "60"}, 405},
		{"POST data", http.MethodPost, idPath, nil, 405},
		{"DELETE data", http.MethodDelete, idPath, nil, 405},
		{"PUT token slash", http.MethodPut, TokenPath + "/", []string{HeaderTokenTTL, "60"}, 405},
		{"PUT versioned token", http.MethodPut, "/2021-07-15/api/token", []string{HeaderTokenTTL, "60"}, 405},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.req(tt.method, tt.path, testIP, tt.hdr...)
			if w.Code != tt.code {
				t.Fatalf("%s %s: %d, want %d: %s", tt.method, tt.path, w.Code, tt.code, w.Body)
			}
			if tt.code != 200 {
				want := strconv.Itoa(tt.code) + " - " + http.StatusText(tt.code)
				if !strings.Contains(w.Body.String(), "<h1>"+want+"</h1>") || w.Header().Get(HeaderTokenTTL) != "" {
					t.Errorf("error response: %v %s", w.Header(), w.Body)
				}
				return
			}
			if got, want := w.Header().Get(HeaderTokenTTL), tt.hdr[1]; got != want {
				t.Errorf("TTL header %q, want %q", got, want)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/plain" {
				t.Errorf("Content-Type %q", ct)
			}
			if w.Body.Len() == 0 || w.Body.Len() > maxTokenLen {
				t.Errorf("token of %d bytes", w.Body.Len())
			}
		})
	}
}

// TestTokenGet covers GETs with and without tokens, under both HttpTokens
// settings.
func TestTokenGet(t *testing.T) {
	required := fullInstance()
	required.HttpTokens = "required"
	f := newFixture(t, required, bareInstance())
	other := newFixture(t, fullInstance())
	good := f.token(t, testIP, 60)
	tests := []struct {
		name string
		ip   string
		hdr  []string
		code int
	}{
		{"required, no token", testIP, nil, 401},
		{"required, token", testIP, []string{HeaderToken, good}, 200},
		{"required, header case", testIP, []string{"x-aws-ec2-metadata-token", good}, 200},
		{"required, empty token", testIP, []string{HeaderToken, ""}, 401},
		{"required, garbage", testIP, []string{HeaderToken, "garbage"}, 401},
		{"required, tampered", testIP, []string{HeaderToken, tamper(good)}, 401},
		{"required, another server's token", testIP, []string{HeaderToken, other.token(t, testIP, 60)}, 401},
		{"optional, no token", otherIP, nil, 200},
		{"optional, its token", otherIP, []string{HeaderToken, f.token(t, otherIP, 60)}, 200},
		{"optional, invalid token", otherIP, []string{HeaderToken, "garbage"}, 401},
		{"optional, another instance's token", otherIP, []string{HeaderToken, good}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.req(http.MethodGet, idPath, tt.ip, tt.hdr...)
			if w.Code != tt.code {
				t.Fatalf("GET: %d, want %d: %s", w.Code, tt.code, w.Body)
			}
			if tt.code == 401 && !strings.Contains(w.Body.String(), "401 - Unauthorized") {
				t.Errorf("401 body: %s", w.Body)
			}
		})
	}
}

func tamper(tok string) string {
	b := []byte(tok)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

// TestTokenExpiry moves the clock over a token's life.
func TestTokenExpiry(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, testIP, 10)
	steps := []struct {
		advance time.Duration
		code    int
		ttl     string
	}{
		{0, 200, "10"},
		{4 * time.Second, 200, "6"},
		{5*time.Second + 400*time.Millisecond, 200, "1"},
		{600 * time.Millisecond, 401, ""},
		{time.Hour, 401, ""},
	}
	for _, s := range steps {
		f.clock.Advance(s.advance)
		w := f.req(http.MethodGet, idPath, testIP, HeaderToken, tok)
		if w.Code != s.code || w.Header().Get(HeaderTokenTTL) != s.ttl {
			t.Fatalf("at %s: %d ttl %q, want %d ttl %q", f.clock.Now(), w.Code, w.Header().Get(HeaderTokenTTL), s.code, s.ttl)
		}
	}
}

// TestTokenBoundToVPC: the same instance ID behind another VPC's handler
// does not accept the token.
func TestTokenBoundToVPC(t *testing.T) {
	a := fullInstance()
	b := fullInstance()
	b.VpcID = "vpc-0fedcba9876543210"
	f := newFixture(t, a, b)
	tok := f.token(t, testIP, 60)
	hb := f.srv.Handler(b.VpcID)
	if w := serve(hb, http.MethodGet, idPath, testIP); w.Code != 200 {
		t.Fatalf("other VPC, v1: %d", w.Code)
	}
	if w := serve(hb, http.MethodGet, idPath, testIP, HeaderToken, tok); w.Code != 401 {
		t.Fatalf("other VPC, token: %d", w.Code)
	}
}

func TestEndpointDisabled(t *testing.T) {
	inst := fullInstance()
	inst.HttpEndpoint = "disabled"
	f := newFixture(t, inst)
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, idPath}, {http.MethodGet, "/"}, {http.MethodPut, TokenPath},
	} {
		w := f.req(r.method, r.path, testIP, HeaderTokenTTL, "60")
		if w.Code != 403 || !strings.Contains(w.Body.String(), "403 - Forbidden") {
			t.Errorf("%s %s: %d %s", r.method, r.path, w.Code, w.Body)
		}
	}
}

// TestUnknownCaller: an address that is no instance's gets 404 for
// everything; a failing Source answers 500.
func TestUnknownCaller(t *testing.T) {
	f := newFixture(t)
	for _, r := range []struct{ method, path, ip string }{
		{http.MethodGet, "/", "10.0.1.99"},
		{http.MethodGet, idPath, "10.0.1.99"},
		{http.MethodPut, TokenPath, "10.0.1.99"},
		{http.MethodGet, idPath, "not-an-ip"},
	} {
		w := f.req(r.method, r.path, r.ip, HeaderTokenTTL, "60")
		if w.Code != 404 {
			t.Errorf("%s %s from %s: %d", r.method, r.path, r.ip, w.Code)
		}
	}
	if w := f.req(http.MethodGet, idPath, "[::ffff:"+testIP+"]"); w.Code != 200 {
		t.Errorf("IPv4-mapped caller: %d", w.Code)
	}
	f.src.mu.Lock()
	f.src.lookupErr = errTest
	f.src.mu.Unlock()
	if w := f.req(http.MethodGet, idPath, testIP); w.Code != 500 {
		t.Errorf("source failing: %d", w.Code)
	}
}

func TestParseTTL(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "21600": 21600, "0060": 60, "000001": 1} {
		if got, ok := parseTTL([]string{in}); !ok || got != want {
			t.Errorf("parseTTL(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "0", "21601", "1e3", " 1", "1 ", "0x10", "1000000"} {
		if _, ok := parseTTL([]string{in}); ok {
			t.Errorf("parseTTL(%q) ok", in)
		}
	}
}

func TestHopLimitBounds(t *testing.T) {
	for in, want := range map[int]int{-1: 1, 0: 1, 1: 1, 2: 2, 64: 64, 65: 64} {
		if got := hopLimit(in); got != want {
			t.Errorf("hopLimit(%d) = %d", in, got)
		}
	}
}
