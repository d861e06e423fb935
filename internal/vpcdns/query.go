package vpcdns

import (
	"context"
	"net/netip"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// rcodeBadVers is BADVERS (RFC 6891), an extended RCode carried in OPT.
const rcodeBadVers dnsmessage.RCode = 16

// request is a parsed query.
type request struct {
	hdr   dnsmessage.Header
	q     dnsmessage.Question
	name  string // q.Name lower case, no trailing dot
	edns  bool   // the query carried an OPT record
	vers  uint8  // its EDNS version
	limit int    // the largest UDP response the client takes
}

// reply is an answer built here rather than upstream.
type reply struct {
	rcode   dnsmessage.RCode
	answers []dnsmessage.Resource
}

// respond answers one query; tcp says which transport it came on. It
// returns nil when the query is dropped: too malformed to answer, or not
// a query at all.
func (s *Server) respond(ctx context.Context, query []byte, tcp bool) []byte {
	req, rc, ok := parse(query)
	if !ok {
		return nil
	}
	limit := req.limit
	if tcp {
		limit = tcpMaxSize
	}
	if rc != dnsmessage.RCodeSuccess {
		return build(req, reply{rcode: rc}, limit)
	}
	if rep, local := s.local(ctx, req); local {
		return build(req, rep, limit)
	}
	if len(s.opts.Forward) == 0 {
		return build(req, reply{rcode: dnsmessage.RCodeServerFailure}, limit)
	}
	resp := s.forward(ctx, query, req.q)
	if resp == nil {
		return build(req, reply{rcode: dnsmessage.RCodeServerFailure}, limit)
	}
	resp[0], resp[1] = byte(req.hdr.ID>>8), byte(req.hdr.ID)
	return fit(resp, req, limit)
}

// parse reads a query. ok is false when it cannot be answered at all (no
// full header, or a response); rc is the error to answer with otherwise,
// RCodeSuccess when the query is well formed. req.q is set when rc is
// RCodeSuccess, and has an empty name when the question could not be read.
func parse(query []byte) (req request, rc dnsmessage.RCode, ok bool) {
	var p dnsmessage.Parser
	hdr, err := p.Start(query)
	if err != nil || hdr.Response {
		return req, 0, false
	}
	req.hdr, req.limit = hdr, minUDPSize
	if hdr.OpCode != 0 {
		return req, dnsmessage.RCodeNotImplemented, true
	}
	qs, err := p.AllQuestions()
	if err != nil || len(qs) != 1 {
		return req, dnsmessage.RCodeFormatError, true
	}
	if err := p.SkipAllAnswers(); err != nil {
		return req, dnsmessage.RCodeFormatError, true
	}
	if err := p.SkipAllAuthorities(); err != nil {
		return req, dnsmessage.RCodeFormatError, true
	}
	for {
		rh, err := p.AdditionalHeader()
		if err == dnsmessage.ErrSectionDone {
			break
		}
		if err != nil {
			return req, dnsmessage.RCodeFormatError, true
		}
		if rh.Type == dnsmessage.TypeOPT {
			if req.edns { // RFC 6891 6.1.1: more than one OPT
				return req, dnsmessage.RCodeFormatError, true
			}
			req.edns = true
			req.vers = uint8(rh.TTL >> 16)
			req.limit = min(max(int(rh.Class), minUDPSize), udpMaxSize)
		}
		if err := p.SkipAdditional(); err != nil {
			return req, dnsmessage.RCodeFormatError, true
		}
	}
	req.q = qs[0]
	req.name = strings.ToLower(strings.TrimSuffix(req.q.Name.String(), "."))
	if req.edns && req.vers != 0 {
		return req, rcodeBadVers, true
	}
	if req.q.Class != dnsmessage.ClassINET && req.q.Class != dnsmessage.ClassANY {
		return req, dnsmessage.RCodeRefused, true
	}
	return req, dnsmessage.RCodeSuccess, true
}

// local answers the names gureum owns: EC2 names (NXDOMAIN when the VPC
// has no such address) and the reverse names of the VPC's private
// addresses. local is false for names to forward.
func (s *Server) local(ctx context.Context, req request) (rep reply, local bool) {
	if owned(req.name) {
		addrs, found, err := s.resolve(ctx, req.name)
		switch {
		case err != nil:
			return reply{rcode: dnsmessage.RCodeServerFailure}, true
		case !found && !isApex(req.name):
			return reply{rcode: dnsmessage.RCodeNameError}, true
		}
		return reply{answers: addressAnswers(req.q, addrs)}, true
	}
	ip, ok := parseReverse(req.name)
	if !ok {
		return reply{}, false
	}
	name := privateName(s.opts.Region, ip)
	addrs, found, err := s.resolve(ctx, name)
	if err != nil {
		return reply{rcode: dnsmessage.RCodeServerFailure}, true
	}
	if found && containsAddr(addrs, ip) {
		return reply{answers: ptrAnswers(req.q, name)}, true
	}
	if ip.IsPrivate() { // never leak RFC 1918 reverse queries upstream
		return reply{rcode: dnsmessage.RCodeNameError}, true
	}
	return reply{}, false
}

// resolve asks Records about name within Options.Timeout.
func (s *Server) resolve(ctx context.Context, name string) ([]netip.Addr, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	addrs, found, err := s.records.Resolve(ctx, s.vpcID, name)
	if err != nil {
		s.log.Warn("vpcdns: records failed", "name", name, "err", err)
	}
	return addrs, found, err
}

func containsAddr(addrs []netip.Addr, ip netip.Addr) bool {
	for _, a := range addrs {
		if a.Unmap() == ip {
			return true
		}
	}
	return false
}

// addressAnswers is the A and AAAA records of addrs that q asks for: A,
// AAAA, or ANY (both). Other types get none, a NOERROR with no data.
func addressAnswers(q dnsmessage.Question, addrs []netip.Addr) []dnsmessage.Resource {
	var out []dnsmessage.Resource
	for _, a := range addrs {
		a = a.Unmap()
		switch {
		case a.Is4() && (q.Type == dnsmessage.TypeA || q.Type == dnsmessage.TypeALL):
			out = append(out, dnsmessage.Resource{Header: answerHeader(q), Body: &dnsmessage.AResource{A: a.As4()}})
		case a.Is6() && (q.Type == dnsmessage.TypeAAAA || q.Type == dnsmessage.TypeALL):
			out = append(out, dnsmessage.Resource{Header: answerHeader(q), Body: &dnsmessage.AAAAResource{AAAA: a.As16()}})
		}
	}
	return out
}

// ptrAnswers is the PTR record naming target that q asks for.
func ptrAnswers(q dnsmessage.Question, target string) []dnsmessage.Resource {
	if q.Type != dnsmessage.TypePTR && q.Type != dnsmessage.TypeALL {
		return nil
	}
	ptr, err := dnsmessage.NewName(target + ".")
	if err != nil {
		return nil
	}
	return []dnsmessage.Resource{{Header: answerHeader(q), Body: &dnsmessage.PTRResource{PTR: ptr}}}
}

func answerHeader(q dnsmessage.Question) dnsmessage.ResourceHeader {
	return dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: answerTTL}
}
