package tlsca

import (
	"crypto/x509"
	"os"
	"testing"
	"time"
)

func TestEnsure(t *testing.T) {
	files := ForDataDir(t.TempDir())
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	c, err := Ensure(files, "eu-west-1", now)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(files.CA())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("CA is not PEM")
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"localhost", "photos.s3.localhost", "site.s3-website.localhost", "site.s3-website-eu-west-1.localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool, CurrentTime: now}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: pool, CurrentTime: now}); err == nil {
		t.Error("the certificate covers example.com")
	}
	for _, p := range []string{files.caKey(), files.serverKey()} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", p, st.Mode(), err)
		}
	}
	// Started again, the same certificate; near its end, a new one from the
	// same CA.
	c2, err := Ensure(files, "eu-west-1", now.Add(24*time.Hour))
	if err != nil || string(c2.Certificate[0]) != string(c.Certificate[0]) {
		t.Fatalf("restart made a new certificate: %v", err)
	}
	later := now.Add(380 * 24 * time.Hour)
	c3, err := Ensure(files, "eu-west-1", later)
	if err != nil || string(c3.Certificate[0]) == string(c.Certificate[0]) {
		t.Fatalf("no renewal: %v", err)
	}
	leaf3, _ := x509.ParseCertificate(c3.Certificate[0])
	if _, err := leaf3.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: pool, CurrentTime: later}); err != nil {
		t.Fatalf("renewed certificate and the old CA: %v", err)
	}
	// Another region's names mean a new certificate too.
	c4, err := Ensure(files, "ap-northeast-2", later)
	if err != nil || string(c4.Certificate[0]) == string(c3.Certificate[0]) {
		t.Fatalf("region change: %v", err)
	}
}
