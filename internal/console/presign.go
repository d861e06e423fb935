package console

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/sigv4"
)

// presignGet returns a SigV4 presigned GET URL for an object, valid for
// expires, signed with the session's access key (a root session signed
// in with its keys; other sessions have none to sign with).
func (c *Console) presignGet(r *http.Request, s *session, bucket, key string, expires time.Duration) (string, bool) {
	if s.keyID == "" {
		return "", false
	}
	secret, err := c.cfg.Identities.SecretKey(r.Context(), s.keyID)
	if err != nil || secret == "" {
		return "", false
	}
	now := c.cfg.Now().UTC()
	date, stamp := now.Format("20060102"), now.Format("20060102T150405Z")
	scope := date + "/" + c.cfg.Region + "/s3/aws4_request"
	q := url.Values{
		"X-Amz-Algorithm":     {"AWS4-HMAC-SHA256"},
		"X-Amz-Credential":    {s.keyID + "/" + scope},
		"X-Amz-Date":          {stamp},
		"X-Amz-Expires":       {strconv.Itoa(int(expires / time.Second))},
		"X-Amz-SignedHeaders": {"host"},
	}
	path := "/" + uriEncode(bucket, false) + "/" + uriEncode(key, true)
	canonicalQuery := strings.ReplaceAll(q.Encode(), "+", "%20")
	canonical := "GET\n" + path + "\n" + canonicalQuery + "\nhost:" + r.Host + "\n\nhost\nUNSIGNED-PAYLOAD"
	h := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(h[:])
	sig := sigv4.Sign(sigv4.SigningKey(secret, date, c.cfg.Region, "s3"), toSign)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path + "?" + canonicalQuery + "&X-Amz-Signature=" + sig, true
}

// uriEncode is SigV4's UriEncode: unreserved characters stay, every
// other byte is %XX; slashes stay in an object key.
func uriEncode(s string, keepSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case 'A' <= ch && ch <= 'Z', 'a' <= ch && ch <= 'z', '0' <= ch && ch <= '9', ch == '-', ch == '.', ch == '_', ch == '~':
			b.WriteByte(ch)
		case ch == '/' && keepSlash:
			b.WriteByte(ch)
		default:
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{ch})))
		}
	}
	return b.String()
}
