package vpcdns

import (
	"golang.org/x/net/dns/dnsmessage"
)

// build encodes rep as the response to req, truncated (TC, no records) if
// it is larger than limit. It returns nil only if encoding fails, which a
// parsed query cannot cause.
func build(req request, rep reply, limit int) []byte {
	msg, err := encode(req, rep, false)
	if err == nil && len(msg) > limit {
		msg, err = encode(req, rep, true)
	}
	if err != nil {
		return nil
	}
	return msg
}

// encode builds the response; truncated drops the records and sets TC.
func encode(req request, rep reply, truncated bool) ([]byte, error) {
	hdr := dnsmessage.Header{
		ID:                 req.hdr.ID,
		Response:           true,
		OpCode:             req.hdr.OpCode,
		RecursionDesired:   req.hdr.RecursionDesired,
		RecursionAvailable: true,
		Truncated:          truncated,
		RCode:              rep.rcode & 0xf, // the rest goes in OPT
	}
	b := dnsmessage.NewBuilder(make([]byte, 0, minUDPSize), hdr)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if req.q.Name.Length > 0 {
		if err := b.Question(req.q); err != nil {
			return nil, err
		}
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	if !truncated {
		for _, r := range rep.answers {
			if err := addResource(&b, r); err != nil {
				return nil, err
			}
		}
	}
	if err := b.StartAdditionals(); err != nil {
		return nil, err
	}
	if req.edns {
		var rh dnsmessage.ResourceHeader
		if err := rh.SetEDNS0(udpMaxSize, rep.rcode, false); err != nil {
			return nil, err
		}
		if err := b.OPTResource(rh, dnsmessage.OPTResource{}); err != nil {
			return nil, err
		}
	}
	return b.Finish()
}

// addResource adds r, one of the record types answered here, to b.
func addResource(b *dnsmessage.Builder, r dnsmessage.Resource) error {
	switch body := r.Body.(type) {
	case *dnsmessage.AResource:
		return b.AResource(r.Header, *body)
	case *dnsmessage.AAAAResource:
		return b.AAAAResource(r.Header, *body)
	case *dnsmessage.PTRResource:
		return b.PTRResource(r.Header, *body)
	}
	return nil
}

// fit returns the upstream response resp if it fits in limit, else a
// truncated copy: its header with TC set and the question, so that the
// client retries over TCP (RFC 2181 9). A response too malformed to
// truncate becomes SERVFAIL.
func fit(resp []byte, req request, limit int) []byte {
	if len(resp) <= limit {
		return resp
	}
	var p dnsmessage.Parser
	hdr, err := p.Start(resp)
	if err != nil {
		return build(req, reply{rcode: dnsmessage.RCodeServerFailure}, limit)
	}
	rep := reply{rcode: hdr.RCode}
	msg, err := encode(req, rep, true)
	if err != nil {
		return nil
	}
	return msg
}
