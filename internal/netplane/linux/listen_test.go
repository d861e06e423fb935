package linux

import (
	"io"
	"net"
	"testing"
)

// TestListen: a listener opened in the VPC network at 169.254.169.254
// answers instances of every subnet, through their default route; a VPC
// without a network has none.
func TestListen(t *testing.T) {
	l := newLab(t)
	const vpc = "vpc-0000000000000001"
	l.vpc(vpc, "10.0.0.0/16")
	l.subnet(vpc, "subnet-00000000000000a1", "10.0.1.0/24")
	l.subnet(vpc, "subnet-00000000000000a2", "10.0.2.0/24")
	a, b := l.instance("a"), l.instance("b")
	l.plug(iface(vpc, "subnet-00000000000000a1", "10.0.1.0/24", "eni-00000000000000a1", a, "10.0.1.10"))
	l.plug(iface(vpc, "subnet-00000000000000a2", "10.0.2.0/24", "eni-00000000000000a2", b, "10.0.2.10"))

	c, err := l.dp.Listen(l.ctx, vpc, "tcp", "169.254.169.254:80")
	if err != nil {
		t.Fatal(err)
	}
	ln := c.(net.Listener)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, c.RemoteAddr().(*net.TCPAddr).IP.String())
			c.Close()
		}
	}()
	defer func() { ln.Close(); <-done }()
	l.reaches(a, "169.254.169.254:80", "10.0.1.10")
	l.reaches(b, "169.254.169.254:80", "10.0.2.10")

	// The resolver's address (base + 2) lies inside the first subnet:
	// the router answers ARP for it there.
	u, err := l.dp.Listen(l.ctx, vpc, "udp", "10.0.0.2:53")
	if err != nil {
		t.Fatal(err)
	}
	u.Close()
	if _, err := l.dp.Listen(l.ctx, "vpc-0000000000000009", "tcp", "169.254.169.254:80"); err == nil {
		t.Fatal("Listen in a VPC without a network succeeded")
	}
	if _, err := l.dp.Listen(l.ctx, vpc, "tcp", "nonsense"); err == nil {
		t.Fatal("Listen on a bad address succeeded")
	}
}
