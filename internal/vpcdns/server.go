package vpcdns

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Records answers the names gureum owns for one VPC.
type Records interface {
	// Resolve returns the addresses of name as seen from inside vpcID.
	// name is lower case without the trailing dot. A private DNS name
	// (ip-10-0-1-5.ec2.internal) MUST resolve to its address when an
	// instance or network interface in vpcID has it; a public DNS name
	// (ec2-203-0-113-5.compute-1.amazonaws.com) MUST resolve to the
	// private address of the instance holding that public address when
	// it is in vpcID (as AWS does with enableDnsHostnames), and MAY
	// resolve to the public address otherwise. found is false when the
	// name does not exist; err is for failures, never for absence.
	Resolve(ctx context.Context, vpcID, name string) (addrs []netip.Addr, found bool, err error)
}

// Options configures a Server.
type Options struct {
	// Forward lists the upstream resolvers (ip:port) tried in order for
	// names gureum does not own. Empty means no forwarding: such names
	// get SERVFAIL, as from a resolver in an isolated network.
	Forward []string
	// EnableDNSSupport reports the VPC's enableDnsSupport attribute; it
	// is asked on every query. When it returns false the resolver does
	// not answer (UDP queries are dropped, TCP connections closed), as
	// AWS. Nil means enabled.
	EnableDNSSupport func() bool
	// Region is the region whose private DNS names answer reverse (PTR)
	// queries; empty means us-east-1.
	Region string
	// Timeout bounds one attempt on one upstream resolver and one call
	// to Records; zero means 2 s.
	Timeout time.Duration
	// Logger receives failures of Records and of upstream resolvers;
	// nil discards them.
	Logger *slog.Logger
}

// Server is the resolver of one VPC. Its methods are safe for concurrent
// use; one Server may serve several sockets.
type Server struct {
	records Records
	vpcID   string
	opts    Options
	log     *slog.Logger
}

const (
	headerLen   = 12               // a DNS message header
	maxInflight = 256              // UDP queries handled at once
	maxConns    = 256              // TCP connections served at once
	tcpIdle     = 10 * time.Second // RFC 7766 suggests seconds
	udpMaxSize  = 1232             // our EDNS payload size (DNS flag day 2020)
	defaultWait = 2 * time.Second  // default Options.Timeout
	answerTTL   = 60               // seconds, as AWS for EC2 names
	minUDPSize  = 512              // RFC 1035
	tcpMaxSize  = 65535            // the TCP length prefix
	acceptPause = 100 * time.Millisecond
)

// NewServer returns the resolver of vpcID answering EC2 names from records.
func NewServer(records Records, vpcID string, opts Options) *Server {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultWait
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if records == nil {
		records = noRecords{}
	}
	return &Server{records: records, vpcID: vpcID, opts: opts, log: log.With("vpc", vpcID)}
}

// noRecords is the Records of a Server built without one.
type noRecords struct{}

var _ Records = noRecords{}

func (noRecords) Resolve(context.Context, string, string) ([]netip.Addr, bool, error) {
	return nil, false, nil
}

// enabled reports whether the VPC's enableDnsSupport is on.
func (s *Server) enabled() bool {
	return s.opts.EnableDNSSupport == nil || s.opts.EnableDNSSupport()
}

// ServeUDP answers queries arriving on pc until pc is closed, then waits
// for the queries in flight and returns nil. It returns the error of a
// failed read otherwise.
func (s *Server) ServeUDP(pc net.PacketConn) error {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	sem := make(chan struct{}, maxInflight)
	buf := make([]byte, tcpMaxSize)
	for {
		n, addr, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		if n < headerLen {
			continue
		}
		query := append([]byte(nil), buf[:n]...)
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if !s.enabled() {
				return
			}
			if resp := s.respond(ctx, query, false); resp != nil {
				_, _ = pc.WriteTo(resp, addr)
			}
		}()
	}
}

// ServeTCP answers length-prefixed queries (RFC 1035 4.2.2) on the
// connections l accepts until l is closed, then closes those connections,
// waits for them and returns nil. It returns the error of a failed accept
// otherwise.
func (s *Server) ServeTCP(l net.Listener) error {
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
	)
	defer func() {
		cancel()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(acceptPause)
				continue
			}
			return err
		}
		if !s.enabled() {
			c.Close()
			continue
		}
		mu.Lock()
		full := len(conns) >= maxConns
		if !full {
			conns[c] = struct{}{}
		}
		mu.Unlock()
		if full {
			c.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveConn(ctx, c)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
		}()
	}
}

// serveConn answers the queries of one TCP connection in order, until the
// client closes it, idles, or sends a message too short to answer.
func (s *Server) serveConn(ctx context.Context, c net.Conn) {
	defer c.Close()
	var prefix [2]byte
	for {
		_ = c.SetReadDeadline(time.Now().Add(tcpIdle))
		if _, err := io.ReadFull(c, prefix[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint16(prefix[:]))
		if n < headerLen {
			return
		}
		query := make([]byte, n)
		if _, err := io.ReadFull(c, query); err != nil {
			return
		}
		if !s.enabled() {
			return
		}
		resp := s.respond(ctx, query, true)
		if resp == nil {
			continue
		}
		out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(resp)), uint16(len(resp)))
		_ = c.SetWriteDeadline(time.Now().Add(tcpIdle))
		if _, err := c.Write(append(out, resp...)); err != nil {
			return
		}
	}
}
