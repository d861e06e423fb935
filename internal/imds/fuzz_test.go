package imds

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
)

// FuzzHandler sends arbitrary paths, methods and headers: the handler
// never panics, answers only the statuses AWS does, and a made-up token
// never opens the tree.
func FuzzHandler(f *testing.F) {
	f.Add("/latest/meta-data/instance-id", uint8(0), "", "")
	f.Add("/latest/api/token", uint8(1), "", "21600")
	f.Add("/2021-07-15/meta-data/iam/security-credentials/app-role", uint8(0), "AQ.abc", "")
	f.Add("/latest/meta-data/public-keys/0/openssh-key", uint8(2), "", "1")
	f.Add("//latest/../meta-data/", uint8(3), "x.y.z", "-1")
	fx := newFixture(f)
	fx.src.mu.Lock()
	fx.src.insts[testVPC+"/"+testIP].HttpTokens = "required"
	fx.src.mu.Unlock()
	methods := []string{http.MethodGet, http.MethodPut, http.MethodHead, http.MethodPost}
	f.Fuzz(func(t *testing.T, path string, m uint8, token, ttl string) {
		method := methods[int(m)%len(methods)]
		r := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: path},
			Header:     http.Header{},
			RemoteAddr: testIP + ":40000",
		}
		if token != "" {
			r.Header.Set(HeaderToken, token)
		}
		if ttl != "" {
			r.Header.Set(HeaderTokenTTL, ttl)
		}
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, r.WithContext(t.Context()))
		switch w.Code {
		case 200, 400, 401, 403, 404, 405:
		default:
			t.Fatalf("%s %q: status %d", method, path, w.Code)
		}
		if w.Code == 200 && method != http.MethodPut {
			if token == "" {
				t.Fatalf("%s %q served without a token though tokens are required", method, path)
			}
			t.Fatalf("%s %q served with made-up token %q", method, path, token)
		}
		if w.Code == 200 && method == http.MethodPut {
			n, err := strconv.Atoi(ttl)
			if path != TokenPath || err != nil || n < 1 || n > MaxTokenTTL {
				t.Fatalf("token issued for %q with ttl %q", path, ttl)
			}
			if _, ok := fx.srv.verifyToken(w.Body.String(), "i-0123456789abcdef0", testVPC); !ok {
				t.Fatalf("issued token %q does not verify", w.Body)
			}
		}
	})
}

// FuzzToken mints tokens for arbitrary instances and VPCs: they verify
// for the same pair only, and tampering breaks them.
func FuzzToken(f *testing.F) {
	f.Add("i-0123456789abcdef0", "vpc-0123456789abcdef0", 60, "garbage")
	f.Add("", "", 1, "")
	f.Add("i-\x00", "vpc-\xff", 21600, "AQ.")
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, inst, vpc string, ttl int, junk string) {
		if _, ok := fx.srv.verifyToken(junk, inst, vpc); ok {
			t.Fatalf("made-up token %q verifies", junk)
		}
		if ttl < 1 || ttl > MaxTokenTTL {
			return
		}
		tok := fx.srv.mintToken(inst, vpc, ttl)
		left, ok := fx.srv.verifyToken(tok, inst, vpc)
		if len(tok) > maxTokenLen {
			if ok {
				t.Fatalf("overlong token verifies")
			}
			return
		}
		if !ok || left != ttl {
			t.Fatalf("minted token: ok %v, %d left of %d", ok, left, ttl)
		}
		if _, ok := fx.srv.verifyToken(tok, inst+"x", vpc); ok {
			t.Fatal("token verifies for another instance")
		}
		if _, ok := fx.srv.verifyToken(tok, inst, vpc+"x"); ok {
			t.Fatal("token verifies in another VPC")
		}
		if _, ok := fx.srv.verifyToken(tok+"A", inst, vpc); ok {
			t.Fatal("extended token verifies")
		}
	})
}
