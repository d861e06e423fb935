package imds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"
)

const (
	testVPC  = "vpc-0123456789abcdef0"
	testIP   = "10.0.1.5"
	otherIP  = "10.0.1.6"
	testRole = "app-role"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 5, 1, 12, 0, 0, 500_000_000, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeSource serves fixed instances, keyed by VPC and IP, and numbered
// credentials valid for ttl from the clock's now.
type fakeSource struct {
	clock *fakeClock

	mu        sync.Mutex
	insts     map[string]*Instance
	lookupErr error
	credErr   error
	credTTL   time.Duration
	credCalls int
	expired   bool // return credentials that have already expired
}

func newSource(clock *fakeClock, insts ...*Instance) *fakeSource {
	f := &fakeSource{clock: clock, insts: map[string]*Instance{}, credTTL: 6 * time.Hour}
	for _, i := range insts {
		f.put(i)
	}
	return f
}

func (f *fakeSource) put(inst *Instance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.insts[inst.VpcID+"/"+inst.PrivateIP.String()] = inst
}

func (f *fakeSource) Lookup(_ context.Context, vpcID string, ip netip.Addr) (*Instance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lookupErr != nil {
		return nil, f.lookupErr
	}
	inst, ok := f.insts[vpcID+"/"+ip.String()]
	if !ok {
		return nil, fmt.Errorf("%s in %s: %w", ip, vpcID, ErrNoInstance)
	}
	cp := *inst
	return &cp, nil
}

func (f *fakeSource) Credentials(_ context.Context, inst *Instance) (Credentials, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.credCalls++
	if f.credErr != nil {
		return Credentials{}, f.credErr
	}
	exp := f.clock.Now().Add(f.credTTL).Truncate(time.Second)
	if f.expired {
		exp = f.clock.Now().Add(-time.Second)
	}
	return Credentials{
		AccessKeyID:     fmt.Sprintf("ASIAEXAMPLE%d", f.credCalls),
		SecretAccessKey: fmt.Sprintf("secret/%s/%d", inst.RoleName, f.credCalls),
		Token:           fmt.Sprintf("token-%d", f.credCalls),
		Expiration:      exp,
	}, nil
}

func (f *fakeSource) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.credCalls
}

// fullInstance has every optional part: public IP, key, profile, user
// data.
func fullInstance() *Instance {
	return &Instance{
		InstanceID:              "i-0123456789abcdef0",
		ImageID:                 "ami-0abcdef1234567890",
		InstanceType:            "t3.micro",
		AccountID:               "123456789012",
		Region:                  "us-east-1",
		AvailabilityZone:        "us-east-1a",
		PrivateIP:               netip.MustParseAddr(testIP),
		PrivateDNSName:          "ip-10-0-1-5.ec2.internal",
		PublicIP:                netip.MustParseAddr("203.0.113.7"),
		PublicDNSName:           "ec2-203-0-113-7.compute-1.amazonaws.com",
		MAC:                     "0a:1b:2c:3d:4e:5f",
		InterfaceID:             "eni-0123456789abcdef0",
		SubnetID:                "subnet-0123456789abcdef0",
		VpcID:                   testVPC,
		SubnetCIDR:              netip.MustParsePrefix("10.0.1.0/24"),
		VpcCIDR:                 netip.MustParsePrefix("10.0.0.0/16"),
		SecurityGroupNames:      []string{"default", "web"},
		SecurityGroupIDs:        []string{"sg-0123456789abcdef0", "sg-0fedcba9876543210"},
		KeyName:                 "my-key",
		PublicKey:               "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample my-key",
		UserData:                []byte("#!/bin/sh\necho hi\n"),
		HttpTokens:              "optional",
		HttpPutResponseHopLimit: 1,
		HttpEndpoint:            "enabled",
		RoleName:                testRole,
		InstanceProfileArn:      "arn:aws:iam::123456789012:instance-profile/app",
		InstanceProfileID:       "AIPAEXAMPLEPROFILE01",
		LaunchTime:              time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
	}
}

// bareInstance has none of the optional parts.
func bareInstance() *Instance {
	i := fullInstance()
	i.InstanceID = "i-0fedcba9876543210"
	i.PrivateIP = netip.MustParseAddr(otherIP)
	i.PrivateDNSName = "ip-10-0-1-6.ec2.internal"
	i.MAC = "0a:1b:2c:3d:4e:60"
	i.PublicIP, i.PublicDNSName = netip.Addr{}, ""
	i.KeyName, i.PublicKey = "", ""
	i.UserData = nil
	i.RoleName, i.InstanceProfileArn, i.InstanceProfileID = "", "", ""
	return i
}

// fixture is a Server over a fake source with the full instance at
// testIP and the bare one at otherIP, on a fake clock.
type fixture struct {
	clock *fakeClock
	src   *fakeSource
	srv   *Server
	h     http.Handler
}

func newFixture(t testing.TB, insts ...*Instance) *fixture {
	t.Helper()
	clock := newClock()
	if len(insts) == 0 {
		insts = []*Instance{fullInstance(), bareInstance()}
	}
	src := newSource(clock, insts...)
	srv := NewServer(src, WithClock(clock.Now), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	return &fixture{clock: clock, src: src, srv: srv, h: srv.Handler(testVPC)}
}

// req is one request: method, path, caller IP and headers (name, value,
// name, value…).
func (f *fixture) req(method, path, ip string, hdr ...string) *httptest.ResponseRecorder {
	return serve(f.h, method, path, ip, hdr...)
}

func serve(h http.Handler, method, path, ip string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://169.254.169.254"+path, nil)
	r.RemoteAddr = ip + ":40000"
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// token gets a token for ip with the TTL, failing the test otherwise.
func (f *fixture) token(t testing.TB, ip string, ttl int) string {
	t.Helper()
	w := f.req(http.MethodPut, TokenPath, ip, HeaderTokenTTL, fmt.Sprint(ttl))
	if w.Code != http.StatusOK {
		t.Fatalf("PUT token: %d %s", w.Code, w.Body)
	}
	return w.Body.String()
}

func TestNoInstanceIsWrapped(t *testing.T) {
	f := newFixture(t)
	_, err := f.src.Lookup(context.Background(), testVPC, netip.MustParseAddr("10.9.9.9"))
	if !errors.Is(err, ErrNoInstance) {
		t.Fatalf("fake source: %v", err)
	}
}
