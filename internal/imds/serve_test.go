package imds

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

// recListener hands every accepted connection to conns as well.
type recListener struct {
	net.Listener
	conns chan net.Conn
}

func (l recListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.conns <- c
	}
	return c, err
}

// startServe runs f.srv.Serve on a loopback listener for the test, with
// the instances at 127.0.0.1, and returns its base URL and its accepted
// connections.
func startServe(t *testing.T, f *fixture) (string, <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rl := recListener{Listener: ln, conns: make(chan net.Conn, 16)}
	done := make(chan error, 1)
	go func() { done <- f.srv.Serve(rl, testVPC) }()
	t.Cleanup(func() {
		ln.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve after Close: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after Close")
		}
	})
	return "http://" + ln.Addr().String(), rl.conns
}

// loopbackInstance is the full instance at 127.0.0.1.
func loopbackInstance() *Instance {
	i := fullInstance()
	i.PrivateIP = netip.MustParseAddr("127.0.0.1")
	return i
}

func do(t *testing.T, c *http.Client, method, url string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// TestServe runs the v2 flow over a real connection and checks that
// closing the listener ends Serve with nil (in startServe's cleanup).
func TestServe(t *testing.T) {
	f := newFixture(t, loopbackInstance())
	base, _ := startServe(t, f)
	c := &http.Client{Timeout: 5 * time.Second}
	code, tok, _ := do(t, c, http.MethodPut, base+TokenPath, HeaderTokenTTL, "60")
	if code != 200 {
		t.Fatalf("PUT token: %d", code)
	}
	code, body, hdr := do(t, c, http.MethodGet, base+idPath, HeaderToken, tok)
	if code != 200 || body != "i-0123456789abcdef0" || hdr.Get(HeaderTokenTTL) != "60" {
		t.Fatalf("GET: %d %q %v", code, body, hdr)
	}
}

func TestServeAcceptError(t *testing.T) {
	f := newFixture(t)
	want := errors.New("accept failed")
	if err := f.srv.Serve(failListener{want}, testVPC); !errors.Is(err, want) {
		t.Fatalf("Serve: %v", err)
	}
}

type failListener struct{ err error }

func (l failListener) Accept() (net.Conn, error) { return nil, l.err }
func (l failListener) Close() error              { return nil }
func (l failListener) Addr() net.Addr            { return &net.TCPAddr{} }
