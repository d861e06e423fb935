package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm the package verifies.
const Algorithm = "AWS4-HMAC-SHA256"

// The values of x-amz-content-sha256 that are not a hash.
const (
	UnsignedPayload                 = "UNSIGNED-PAYLOAD"
	StreamingSignedPayload          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingSignedPayloadTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	streamingECDSAPayload           = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
	streamingECDSAPayloadTrailer    = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
)

// EmptySHA256 is the hex SHA-256 of no bytes.
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

const (
	// AmzDateFormat is the layout of X-Amz-Date.
	AmzDateFormat = "20060102T150405Z"
	// ShortDateFormat is the layout of the date in a credential scope.
	ShortDateFormat = "20060102"
	terminator      = "aws4_request"
)

// SigningKey derives the SigV4 signing key of secret for a scope; date is
// YYYYMMDD.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

// Sign returns the hex HMAC-SHA256 of stringToSign under a signing key.
func Sign(key []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(key, stringToSign))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signatureEqual compares a computed MAC with the hex a client sent, in
// constant time. Either letter case of hex is accepted, as S3 does.
func signatureEqual(mac []byte, provided string) bool {
	if len(provided) != 2*sha256.Size {
		return false
	}
	var got [sha256.Size]byte
	if _, err := hex.Decode(got[:], []byte(provided)); err != nil {
		return false
	}
	return hmac.Equal(mac, got[:])
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// scope is a parsed credential: the access key id and the scope of the key.
type scope struct {
	accessKeyID string
	date        string // YYYYMMDD
	region      string
	service     string
}

func (s scope) String() string {
	return s.date + "/" + s.region + "/" + s.service + "/" + terminator
}

// parseCredential splits "AKID/YYYYMMDD/REGION/SERVICE/aws4_request". On
// failure it returns S3's detail text, which each caller puts in its own error.
func parseCredential(s string) (scope, string) {
	if strings.Count(s, "/") != 4 {
		return scope{}, msgMalformedCred
	}
	parts := strings.SplitN(s, "/", 5)
	c := scope{accessKeyID: parts[0], date: parts[1], region: parts[2], service: parts[3]}
	// SDK clients made with region "" (boto3's region_name='') sign with
	// an empty region; the signature still covers it, so it is accepted
	// and the request acts in the server's default region.
	if c.accessKeyID == "" || c.service == "" {
		return scope{}, msgMalformedCred
	}
	if !validShortDate(c.date) {
		return scope{}, `incorrect date format "` + c.date + `". This date in the credential must be in the format "yyyyMMdd".`
	}
	if parts[4] != terminator {
		return scope{}, `incorrect terminal "` + parts[4] + `". This endpoint uses "aws4_request".`
	}
	return c, ""
}

func validShortDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	_, err := time.Parse(ShortDateFormat, s)
	return err == nil
}

// parseAmzDate parses the ISO 8601 basic format of X-Amz-Date.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(AmzDateFormat) {
		return time.Time{}, false
	}
	t, err := time.Parse(AmzDateFormat, s)
	return t, err == nil
}

// requestTarget returns the path and query of r as the client sent them.
// It prefers RequestURI, which survives routers that rewrite r.URL.
func requestTarget(r *http.Request) (path, query string) {
	if u := r.RequestURI; u != "" && u != "*" {
		if !strings.HasPrefix(u, "/") {
			// absolute-form: scheme://authority/path?query
			if i := strings.Index(u, "://"); i >= 0 {
				u = u[i+3:]
				if j := strings.IndexAny(u, "/?"); j >= 0 {
					u = u[j:]
				} else {
					u = ""
				}
			}
		}
		path, query, _ = strings.Cut(u, "?")
	} else if r.URL != nil {
		query = r.URL.RawQuery
		if o := r.URL.Opaque; o != "" {
			// The SDK's pre-escaped form: "//host/path".
			o = strings.TrimPrefix(o, "//")
			if i := strings.IndexByte(o, '/'); i >= 0 {
				path = o[i:]
			}
		} else {
			path = r.URL.EscapedPath()
		}
	}
	if path == "" {
		path = "/"
	}
	return path, query
}

// unreserved marks the bytes SigV4 never escapes.
var unreserved = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['.'], t['_'], t['~'] = true, true, true, true
	return t
}()

const upperHex = "0123456789ABCDEF"

func writeEscaped(b *strings.Builder, c byte) {
	if unreserved[c] {
		b.WriteByte(c)
		return
	}
	b.WriteByte('%')
	b.WriteByte(upperHex[c>>4])
	b.WriteByte(upperHex[c&0xf])
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// canonicalURIS3 is S3's canonical URI: the path as sent, each escape
// decoded and every byte encoded again the way the SDKs encode keys, so that
// "a+b" and "a%2Bb", "~" and "%7E", "%c3%bc" and "%C3%BC" sign alike. An
// escaped slash stays escaped: it is not the same path as a slash. A '%'
// that starts no escape stands for itself. S3 neither removes dot segments
// nor merges slashes, and neither does this.
func canonicalURIS3(raw string) string {
	clean := true
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; !unreserved[c] && c != '/' {
			clean = false
			break
		}
	}
	if clean {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw) + 16)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]) {
			d := unhex(raw[i+1])<<4 | unhex(raw[i+2])
			i += 2
			if d == '/' {
				b.WriteString("%2F")
			} else {
				writeEscaped(&b, d)
			}
			continue
		}
		if c == '/' {
			b.WriteByte('/')
			continue
		}
		writeEscaped(&b, c)
	}
	return b.String()
}

// canonicalURIEscaped is the canonical URI of every service but S3: the path
// as sent, escaped once more (the SDKs' default). For the "/" that IAM, STS
// and EC2 use it is "/".
func canonicalURIEscaped(raw string) string {
	var b strings.Builder
	b.Grow(len(raw) + 16)
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c == '/' {
			b.WriteByte('/')
		} else {
			writeEscaped(&b, c)
		}
	}
	return b.String()
}

// queryParam is one decoded name=value pair of a query string.
type queryParam struct{ name, value string }

// parseQuery decodes a raw query string as S3 does: '+' is a space, a '%'
// that starts no escape stands for itself, and "acl" is the name acl with
// an empty value.
func parseQuery(raw string) []queryParam {
	if raw == "" {
		return nil
	}
	params := make([]queryParam, 0, strings.Count(raw, "&")+1)
	for raw != "" {
		var piece string
		piece, raw, _ = strings.Cut(raw, "&")
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		params = append(params, queryParam{queryUnescape(name), queryUnescape(value)})
	}
	return params
}

func queryUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func uriEncode(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if !unreserved[s[i]] {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		writeEscaped(&b, s[i])
	}
	return b.String()
}

// canonicalQuery encodes each name and value, sorts the pairs by name and
// then value, and joins them. skipSignature leaves out the X-Amz-Signature
// (in any letter case) that a presigned URL carries: the first, the one
// verified; another one appended to the URL stays in, so it breaks the
// signature instead of riding along unsigned.
func canonicalQuery(params []queryParam, skipSignature bool) string {
	if len(params) == 0 {
		return ""
	}
	enc := make([]queryParam, 0, len(params))
	for _, p := range params {
		if skipSignature && strings.EqualFold(p.name, "X-Amz-Signature") {
			skipSignature = false
			continue
		}
		enc = append(enc, queryParam{uriEncode(p.name), uriEncode(p.value)})
	}
	slices.SortFunc(enc, func(a, b queryParam) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// headerValues returns the values of a signed header. Go moves Host,
// Content-Length and Transfer-Encoding out of r.Header; they come back here.
func headerValues(r *http.Request, name string) []string {
	switch strings.ToLower(name) {
	case "host":
		h := r.Host
		if h == "" && r.URL != nil {
			h = r.URL.Host
		}
		return []string{h}
	case "content-length":
		if v := r.Header.Values("Content-Length"); len(v) > 0 {
			return v
		}
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
		return nil
	case "transfer-encoding":
		if v := r.Header.Values("Transfer-Encoding"); len(v) > 0 {
			return v
		}
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
		return nil
	}
	if v, ok := r.Header[name]; ok {
		return v
	}
	return r.Header[textproto.CanonicalMIMEHeaderKey(name)]
}

// writeHeaderValue writes v without its leading and trailing whitespace
// and with each run of spaces inside made one space. With tabs, tabs inside
// count as spaces too: S3, botocore and the Java SDK collapse all
// whitespace, while the Go SDK leaves inner tabs alone.
func writeHeaderValue(b *strings.Builder, v string, tabs bool) {
	v = strings.Trim(v, " \t")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' && tabs {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteByte(c)
	}
}

// canonicalRequest builds the canonical request of r over the signed
// headers, with the canonical URI and query computed by the caller; tabs
// is passed to writeHeaderValue.
func canonicalRequest(r *http.Request, uri, query string, signed []string, signedRaw, payloadHash string, tabs bool) string {
	var b strings.Builder
	b.Grow(256 + len(uri) + len(query) + len(signedRaw)*2)
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range headerValues(r, name) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeHeaderValue(&b, v, tabs)
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(signedRaw)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// checkRequestSignature compares the signature of the canonical request of
// r with the one sent. A request whose signed header values hold a tab is
// also tried the Go SDK's way, which keeps tabs.
func checkRequestSignature(r *http.Request, key []byte, amzDate string, sc scope, uri, query string, signed []string, signedRaw, payloadHash, provided string) *Error {
	canonical := canonicalRequest(r, uri, query, signed, signedRaw, payloadHash, true)
	sts := stringToSign(amzDate, sc, canonical)
	if signatureEqual(hmacSHA256(key, sts), provided) {
		return nil
	}
	if signedValuesHaveTab(r, signed) {
		alt := canonicalRequest(r, uri, query, signed, signedRaw, payloadHash, false)
		if signatureEqual(hmacSHA256(key, stringToSign(amzDate, sc, alt)), provided) {
			return nil
		}
	}
	return errMismatch(sc.accessKeyID, sts, provided, canonical)
}

func signedValuesHaveTab(r *http.Request, signed []string) bool {
	for _, name := range signed {
		for _, v := range headerValues(r, name) {
			if strings.IndexByte(strings.Trim(v, " \t"), '\t') >= 0 {
				return true
			}
		}
	}
	return false
}

// stringToSign is the string a request signature signs.
func stringToSign(amzDate string, sc scope, canonical string) string {
	return Algorithm + "\n" + amzDate + "\n" + sc.String() + "\n" + sha256Hex(canonical)
}

// maxSignedHeaders bounds the names a signature may cover; the SDKs sign
// a dozen or two.
const maxSignedHeaders = 256

// parseSignedHeaders splits a SignedHeaders value. It reports false for an
// empty name, which no client signs, and for more than maxSignedHeaders.
func parseSignedHeaders(s string) ([]string, bool) {
	if s == "" {
		return nil, true
	}
	if strings.Count(s, ";") >= maxSignedHeaders {
		return nil, false
	}
	names := strings.Split(s, ";")
	for _, n := range names {
		if n == "" {
			return nil, false
		}
	}
	return names, true
}

// checkSignedHeaders is S3's rule that host and every x-amz-* header of the
// request be signed. x-amz-content-sha256 may go unsigned, as on S3.
func checkSignedHeaders(r *http.Request, signed []string) *Error {
	set := make(map[string]bool, len(signed))
	for _, s := range signed {
		set[strings.ToLower(s)] = true
	}
	var missing []string
	if !set["host"] {
		missing = append(missing, "host")
	}
	for k := range r.Header {
		if len(k) < 6 || !strings.EqualFold(k[:6], "x-amz-") || strings.EqualFold(k, "x-amz-content-sha256") {
			continue
		}
		if k = strings.ToLower(k); !set[k] {
			missing = append(missing, k)
		}
	}
	if missing == nil {
		return nil
	}
	slices.Sort(missing)
	return errNotSigned(missing)
}
