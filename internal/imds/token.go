package imds

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"
)

// tokenVersion starts every token's payload, so that the format can change.
const tokenVersion = 1

// maxTokenLen bounds what verifyToken decodes; real tokens are far shorter.
const maxTokenLen = 256

// mintToken returns a session token for the instance in the VPC, valid
// for ttl seconds from now. A token is base64url(payload) "."
// base64url(HMAC-SHA256(key, vpcID NUL payload)) with payload = version,
// expiry (Unix seconds, 8 bytes big-endian) and the instance ID.
func (s *Server) mintToken(instanceID, vpcID string, ttl int) string {
	exp := s.now().Add(time.Duration(ttl) * time.Second).Unix()
	payload := make([]byte, 0, 9+len(instanceID))
	payload = append(payload, tokenVersion)
	payload = binary.BigEndian.AppendUint64(payload, uint64(exp))
	payload = append(payload, instanceID...)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(s.tokenMAC(vpcID, payload))
}

// verifyToken reports whether tok is a token this Server minted for the
// instance in the VPC and has not expired, and how many whole seconds it
// has left.
func (s *Server) verifyToken(tok, instanceID, vpcID string) (left int, ok bool) {
	if len(tok) > maxTokenLen {
		return 0, false
	}
	p, m, found := strings.Cut(tok, ".")
	if !found {
		return 0, false
	}
	enc := base64.RawURLEncoding
	payload, err := enc.DecodeString(p)
	if err != nil || len(payload) < 9 || payload[0] != tokenVersion {
		return 0, false
	}
	mac, err := enc.DecodeString(m)
	if err != nil || !hmac.Equal(mac, s.tokenMAC(vpcID, payload)) {
		return 0, false
	}
	if string(payload[9:]) != instanceID {
		return 0, false
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[1:9])), 0)
	now := s.now()
	if !now.Before(exp) {
		return 0, false
	}
	return int((exp.Sub(now) + time.Second - 1) / time.Second), true
}

func (s *Server) tokenMAC(vpcID string, payload []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(vpcID))
	h.Write([]byte{0})
	h.Write(payload)
	return h.Sum(nil)
}
