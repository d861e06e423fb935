package vpcdns

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// errMismatch is an upstream reply that does not answer the query sent.
var errMismatch = errors.New("vpcdns: reply does not match the query")

// forward sends query to the upstream resolvers in order and returns the
// first usable reply, with the upstream's ID still in it. An upstream that
// fails, times out or answers SERVFAIL or REFUSED is passed over; nil
// means none answered at all.
func (s *Server) forward(ctx context.Context, query []byte, q dnsmessage.Question) []byte {
	var last []byte
	for _, up := range s.opts.Forward {
		if ctx.Err() != nil {
			break
		}
		resp, err := s.exchange(ctx, up, query, q)
		if err != nil {
			s.log.Debug("vpcdns: upstream failed", "upstream", up, "name", q.Name.String(), "err", err)
			continue
		}
		if rc := dnsmessage.RCode(resp[3] & 0xf); rc == dnsmessage.RCodeServerFailure || rc == dnsmessage.RCodeRefused {
			last = resp
			continue
		}
		return resp
	}
	return last
}

// exchange asks one upstream over UDP, then over TCP when the UDP reply
// is truncated, each attempt within Options.Timeout.
func (s *Server) exchange(ctx context.Context, upstream string, query []byte, q dnsmessage.Question) ([]byte, error) {
	resp, err := s.attempt(ctx, "udp", upstream, query, q)
	if err != nil {
		return nil, err
	}
	if resp[2]&0x02 == 0 { // TC
		return resp, nil
	}
	return s.attempt(ctx, "tcp", upstream, query, q)
}

// attempt sends query with a fresh random ID over network and reads the
// reply that matches it; over UDP, replies that do not match (late or
// spoofed) are ignored until the timeout.
func (s *Server) attempt(ctx context.Context, network, upstream string, query []byte, q dnsmessage.Question) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, network, upstream)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}

	id := uint16(rand.Uint32())
	msg := append([]byte(nil), query...)
	binary.BigEndian.PutUint16(msg, id)
	if network == "tcp" {
		return exchangeTCP(c, msg, id, q)
	}
	if _, err := c.Write(msg); err != nil {
		return nil, err
	}
	buf := make([]byte, tcpMaxSize)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return nil, err
		}
		if matches(buf[:n], id, q) {
			return append([]byte(nil), buf[:n]...), nil
		}
	}
}

// exchangeTCP sends msg length-prefixed on c and reads one reply.
func exchangeTCP(c net.Conn, msg []byte, id uint16, q dnsmessage.Question) ([]byte, error) {
	out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(msg)), uint16(len(msg)))
	if _, err := c.Write(append(out, msg...)); err != nil {
		return nil, err
	}
	var prefix [2]byte
	if _, err := io.ReadFull(c, prefix[:]); err != nil {
		return nil, err
	}
	resp := make([]byte, binary.BigEndian.Uint16(prefix[:]))
	if _, err := io.ReadFull(c, resp); err != nil {
		return nil, err
	}
	if !matches(resp, id, q) {
		return nil, fmt.Errorf("%w (tcp)", errMismatch)
	}
	return resp, nil
}

// matches reports whether resp is a response with ID id answering q. A
// response without a question (FORMERR from some servers) matches on the
// ID alone.
func matches(resp []byte, id uint16, q dnsmessage.Question) bool {
	var p dnsmessage.Parser
	hdr, err := p.Start(resp)
	if err != nil || !hdr.Response || hdr.ID != id {
		return false
	}
	got, err := p.Question()
	if err == dnsmessage.ErrSectionDone {
		return true
	}
	return err == nil && got.Type == q.Type && got.Class == q.Class &&
		strings.EqualFold(got.Name.String(), q.Name.String())
}
