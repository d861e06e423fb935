package imds

import (
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"
)

var errTest = errors.New("test failure")

const credPath = "/latest/meta-data/iam/security-credentials/" + testRole

// roleCreds is the JSON of the role's credentials.
type roleCreds struct {
	Code, LastUpdated, Type, AccessKeyId, SecretAccessKey, Token, Expiration string
}

func (f *fixture) creds(t *testing.T) (roleCreds, int) {
	t.Helper()
	w := f.req(http.MethodGet, credPath, testIP)
	var c roleCreds
	if w.Code == 200 {
		if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
			t.Fatalf("credentials JSON: %v\n%s", err, w.Body)
		}
	}
	return c, w.Code
}

// TestCredentialsCache walks the clock over the life of credentials: they
// are fetched once, kept until less than five minutes remain, then
// replaced, with LastUpdated the time of the fetch.
func TestCredentialsCache(t *testing.T) {
	f := newFixture(t)
	f.src.credTTL = time.Hour
	start := f.clock.Now()
	steps := []struct {
		name    string
		advance time.Duration
		key     string
		updated time.Time
		calls   int
	}{
		{"first", 0, "ASIAEXAMPLE1", start, 1},
		{"again", 0, "ASIAEXAMPLE1", start, 1},
		{"later", 30 * time.Minute, "ASIAEXAMPLE1", start, 1},
		// Expiration is start+1h truncated to the second: exactly 5 min
		// remain here, which is not yet less than 5 min.
		{"5 min left", 25*time.Minute - 500*time.Millisecond, "ASIAEXAMPLE1", start, 1},
		{"under 5 min", time.Second, "ASIAEXAMPLE2", start.Add(55*time.Minute + 500*time.Millisecond), 2},
		{"new ones kept", time.Minute, "ASIAEXAMPLE2", start.Add(55*time.Minute + 500*time.Millisecond), 2},
	}
	for _, s := range steps {
		f.clock.Advance(s.advance)
		c, code := f.creds(t)
		if code != 200 {
			t.Fatalf("%s: %d", s.name, code)
		}
		if c.AccessKeyId != s.key || c.LastUpdated != awsTime(s.updated) || f.src.calls() != s.calls {
			t.Fatalf("%s: key %s updated %s after %d calls; want %s %s %d", s.name, c.AccessKeyId, c.LastUpdated, f.src.calls(), s.key, awsTime(s.updated), s.calls)
		}
	}
	// iam/info shares the cache.
	w := f.req(http.MethodGet, "/latest/meta-data/iam/info", testIP)
	var info struct{ Code, LastUpdated string }
	if err := json.Unmarshal(w.Body.Bytes(), &info); err != nil || info.LastUpdated != awsTime(steps[4].updated) || f.src.calls() != 2 {
		t.Fatalf("info: %v %+v after %d calls", err, info, f.src.calls())
	}
}

// TestCredentialsRefreshFailure: a failed refresh serves the cached
// credentials until they expire, then answers 500.
func TestCredentialsRefreshFailure(t *testing.T) {
	f := newFixture(t)
	f.src.credTTL = time.Hour
	if c, code := f.creds(t); code != 200 || c.AccessKeyId != "ASIAEXAMPLE1" {
		t.Fatalf("first: %d %+v", code, c)
	}
	f.src.mu.Lock()
	f.src.credErr = errTest
	f.src.mu.Unlock()
	f.clock.Advance(58 * time.Minute)
	if c, code := f.creds(t); code != 200 || c.AccessKeyId != "ASIAEXAMPLE1" {
		t.Fatalf("refresh failing: %d %+v", code, c)
	}
	f.clock.Advance(2 * time.Minute)
	if _, code := f.creds(t); code != 500 {
		t.Fatalf("expired, refresh failing: %d", code)
	}
	f.src.mu.Lock()
	f.src.credErr = nil
	f.src.mu.Unlock()
	if c, code := f.creds(t); code != 200 || c.AccessKeyId == "ASIAEXAMPLE1" {
		t.Fatalf("recovered: %d %+v", code, c)
	}
}

func TestCredentialsInvalidFromSource(t *testing.T) {
	f := newFixture(t)
	f.src.expired = true
	if _, code := f.creds(t); code != 500 {
		t.Fatalf("expired credentials from the source: %d", code)
	}
}

// TestCredentialsPerRole: a new role for the same instance fetches new
// credentials at once.
func TestCredentialsPerRole(t *testing.T) {
	f := newFixture(t)
	if c, _ := f.creds(t); c.SecretAccessKey != "secret/app-role/1" {
		t.Fatalf("first: %+v", c)
	}
	inst := fullInstance()
	inst.RoleName = "other-role"
	f.src.put(inst)
	w := f.req(http.MethodGet, "/latest/meta-data/iam/security-credentials/other-role", testIP)
	var c roleCreds
	if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil || c.SecretAccessKey != "secret/other-role/2" {
		t.Fatalf("other role: %v %+v", err, c)
	}
	if w := f.req(http.MethodGet, credPath, testIP); w.Code != 404 {
		t.Fatalf("old role still served: %d", w.Code)
	}
}

// TestCredentialsSweep: expired entries leave the cache when a new one is
// added.
func TestCredentialsSweep(t *testing.T) {
	f := newFixture(t)
	f.src.credTTL = time.Hour
	f.creds(t)
	f.clock.Advance(2 * time.Hour)
	inst := fullInstance()
	inst.RoleName = "other-role"
	f.src.put(inst)
	f.req(http.MethodGet, "/latest/meta-data/iam/security-credentials/other-role", testIP)
	f.srv.creds.mu.Lock()
	n := len(f.srv.creds.entries)
	f.srv.creds.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d entries after the sweep, want 1", n)
	}
}

// TestCredentialsConcurrent: parallel callers share one fetch.
func TestCredentialsConcurrent(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if w := f.req(http.MethodGet, credPath, testIP); w.Code != 200 {
				t.Errorf("%d", w.Code)
			}
		})
	}
	wg.Wait()
	if n := f.src.calls(); n != 1 {
		t.Fatalf("%d fetches", n)
	}
}
