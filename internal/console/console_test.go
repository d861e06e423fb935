package console

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/request"
)

type fakeIdentities struct{}

func (fakeIdentities) SecretKey(_ context.Context, id string) (string, error) {
	if id == "AKROOT" {
		return "s3cret", nil
	}
	return "", errors.New("unknown key")
}

func (fakeIdentities) Principal(_ context.Context, id, _ string) (request.Principal, error) {
	return request.Principal{Type: request.Root, Account: "000000000000", ARN: "arn:aws:iam::000000000000:root"}, nil
}

func (fakeIdentities) SignIn(context.Context, string, string, string) (request.Principal, error) {
	return request.Principal{}, errors.New("no")
}

// TestSessionExpiry: a session ends after its TTL; the browser is sent
// to sign in again, and a form posted with the old cookie does nothing.
func TestSessionExpiry(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	c := New(Config{Identities: fakeIdentities{}, SessionTTL: time.Hour, Now: func() time.Time { return now }})
	srv := httptest.NewServer(c)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.PostForm(srv.URL+Prefix+"signin", url.Values{"kind": {"root"}, "access_key_id": {"AKROOT"}, "secret_access_key": {"s3cret"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	signedIn := func() bool {
		resp, err := cl.Get(srv.URL + Prefix + "signin")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusSeeOther // a live session skips the sign-in page
	}
	if !signedIn() {
		t.Fatal("no session after sign-in")
	}
	now = now.Add(59 * time.Minute)
	if !signedIn() {
		t.Fatal("session ended early")
	}
	now = now.Add(2 * time.Minute)
	if signedIn() {
		t.Fatal("session outlived its TTL")
	}
	resp, err = cl.PostForm(srv.URL+Prefix+"s3/create", url.Values{"name": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST with an expired session: %d", resp.StatusCode)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/_console/s3": "/_console/s3", "https://evil.example/": Prefix, "//evil.example": Prefix,
		"/_console/\\evil": Prefix, "": Prefix} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
