package sigv4

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// KeyLookup returns the secret key for an access key id, or an error
// wrapping ErrUnknownAccessKey.
type KeyLookup func(ctx context.Context, accessKeyID string) (secret string, err error)

// Verifier authenticates requests. Its zero value is usable: with no Lookup
// every access key is unknown.
type Verifier struct {
	// Lookup finds the secret of an access key id.
	Lookup KeyLookup
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is how far a request time may be from Now; 0 means 15 minutes.
	MaxSkew time.Duration
	// AcceptUnknownKeys lets well-formed requests with unknown access keys
	// pass (--accept-any-key): their signatures are parsed but not checked
	// and Auth.Verified is false. Known keys are still verified.
	AcceptUnknownKeys bool
	// MaxBufferedBody bounds the body a non-S3 request without
	// x-amz-content-sha256 may have, since it is read whole to hash it;
	// 0 means 16 MiB.
	MaxBufferedBody int64
	// DisableV2 answers Signature Version 2 requests with InvalidRequest
	// "Please use AWS4-HMAC-SHA256.", as S3 does in the regions and for the
	// buckets that no longer take it; by default they are verified.
	DisableV2 bool

	// keys caches derived signing keys: the four HMACs of a derivation
	// cost more than verifying the request's own signature, and a client
	// uses one scope all day.
	keys     sync.Map // secret NUL date NUL region NUL service → []byte
	keyCount atomic.Int64
}

// maxCachedKeys bounds the signing key cache; when full it starts over.
const maxCachedKeys = 4096

// signingKey is SigningKey, cached.
func (v *Verifier) signingKey(secret, date, region, service string) []byte {
	ck := secret + "\x00" + date + "\x00" + region + "\x00" + service
	if k, ok := v.keys.Load(ck); ok {
		return k.([]byte)
	}
	k := SigningKey(secret, date, region, service)
	if v.keyCount.Add(1) > maxCachedKeys {
		v.keys.Clear()
		v.keyCount.Store(0)
	}
	v.keys.Store(ck, k)
	return k
}

// Auth is what Verify learned about a request.
type Auth struct {
	// Anonymous is true when the request carries no Authorization header
	// and no presigned X-Amz-Credential/X-Amz-Signature query.
	Anonymous bool
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// SecurityToken is the x-amz-security-token header or the
	// X-Amz-Security-Token query parameter; validating it is the caller's.
	SecurityToken string
	// Region and Service come from the credential scope.
	Region, Service string
	// SignedAt is the request time the signature covers.
	SignedAt time.Time
	// Presigned is true for query-string authentication.
	Presigned bool
	// Verified is true when the signature was checked against the secret;
	// it is false only under AcceptUnknownKeys and for anonymous requests.
	Verified bool
	// PayloadHash is x-amz-content-sha256 as sent, UNSIGNED-PAYLOAD for a
	// presigned S3 request, or the hash computed of a buffered body.
	PayloadHash string
	// SignatureVersion is "AWS4-HMAC-SHA256" or, for Signature Version 2,
	// "AWS": the s3:signatureversion condition key. It is "" for anonymous
	// requests.
	SignatureVersion string
	// Streaming is true when an aws-chunked body was decoded.
	Streaming bool
	// Trailer holds the trailing headers of an aws-chunked body (for
	// example x-amz-checksum-crc32). It is filled only once the body has
	// been read to io.EOF.
	Trailer http.Header
}

const (
	defaultMaxSkew     = 15 * time.Minute
	defaultMaxBuffered = 16 << 20
	maxPresignExpires  = 604800
)

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return defaultMaxSkew
}

func (v *Verifier) maxBuffered() int64 {
	if v.MaxBufferedBody > 0 {
		return v.MaxBufferedBody
	}
	return defaultMaxBuffered
}

// lookup returns the secret of accessKeyID. known is false for an unknown
// key that AcceptUnknownKeys lets pass; an unknown key otherwise is
// InvalidAccessKeyId, and any other failure of Lookup is returned as is.
func (v *Verifier) lookup(ctx context.Context, accessKeyID string) (secret string, known bool, err error) {
	if v.Lookup != nil {
		secret, err = v.Lookup(ctx, accessKeyID)
		if err == nil {
			return secret, true, nil
		}
		if !errors.Is(err, ErrUnknownAccessKey) {
			return "", false, err
		}
	}
	if v.AcceptUnknownKeys {
		return "", false, nil
	}
	return "", false, errUnknownKey(accessKeyID)
}

// Verify authenticates r. Anonymous requests return Auth{Anonymous: true}.
//
// For a signed payload hash Verify replaces r.Body with a reader that
// returns an *Error XAmzContentSHA256Mismatch at EOF if the body's SHA-256
// differs. For the aws-chunked payloads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD,
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER and
// STREAMING-UNSIGNED-PAYLOAD-TRAILER) it replaces r.Body with a decoder that
// strips the framing, verifies every chunk signature chained from the seed
// signature and the trailer signature, and fills Auth.Trailer at EOF; it
// sets r.ContentLength from x-amz-decoded-content-length and removes
// aws-chunked from Content-Encoding. The new bodies close the old one.
//
// The service of the credential scope decides the payload: for "s3" header
// authentication requires x-amz-content-sha256, while for other services a
// missing header means the body is read (at most MaxBufferedBody bytes)
// and hashed.
//
// Signature Version 2 (the "AWS AKID:signature" header and the
// AWSAccessKeyId/Expires/Signature query) is verified too unless
// DisableV2 is set.
//
// Every failure is an *Error with S3's code, except errors of Lookup other
// than ErrUnknownAccessKey, which are returned unchanged.
func (v *Verifier) Verify(r *http.Request) (*Auth, error) {
	values := r.Header.Values("Authorization")
	header := ""
	if len(values) > 0 {
		header = strings.TrimSpace(strings.Join(values, ","))
	}
	_, rawQuery := requestTarget(r)
	params := parseQuery(rawQuery)
	v4Query, v2Query := queryAuthKind(params)
	if header != "" {
		if v4Query || v2Query {
			return nil, errInvalidArgument(msgOneMechanism, "Authorization", header)
		}
		if len(values) > 1 {
			return nil, errInvalidArgument("Unsupported Authorization Type", "Authorization", header)
		}
		if strings.HasPrefix(header, SignatureV2+" ") {
			if v.DisableV2 {
				return nil, errInvalidRequest(msgV2)
			}
			return v.verifyV2Header(r, header, params)
		}
		return v.verifyHeader(r, header, params)
	}
	if v4Query {
		return v.verifyPresigned(r, params)
	}
	if v2Query {
		if v.DisableV2 {
			return nil, errInvalidRequest(msgV2)
		}
		return v.verifyV2Query(r, params)
	}
	return v.verifyAnonymous(r)
}

// queryAuthKind tells whether the query carries presigned V4 or V2
// parameters.
func queryAuthKind(params []queryParam) (v4, v2 bool) {
	for _, p := range params {
		switch {
		case strings.EqualFold(p.name, "X-Amz-Algorithm"),
			strings.EqualFold(p.name, "X-Amz-Credential"),
			strings.EqualFold(p.name, "X-Amz-Signature"):
			v4 = true
		case p.name == "Signature", p.name == "AWSAccessKeyId":
			v2 = true
		}
	}
	return v4, v2
}

// verifyAnonymous checks the payload of a request without credentials: an
// unsigned aws-chunked body is decoded and a payload hash still enforced.
func (v *Verifier) verifyAnonymous(r *http.Request) (*Auth, error) {
	a := &Auth{Anonymous: true}
	payload, present := payloadHeader(r)
	if !present {
		return a, nil
	}
	kind := classifyPayload(payload)
	switch kind {
	case payloadInvalid:
		return nil, errSHA256Invalid(payload)
	case payloadStreamingSigned, payloadStreamingSignedTrailer, payloadECDSA:
		return nil, errInvalidRequest(msgAnonymousSigned)
	}
	a.PayloadHash = payload
	if err := v.wrapBody(r, a, kind, nil); err != nil {
		return nil, err
	}
	return a, nil
}

// checkTime is the skew rule of header authentication, checked after the
// key and the signature as S3 does.
func (v *Verifier) checkTime(raw string, t time.Time) *Error {
	now := v.now()
	skew := v.maxSkew()
	if d := now.Sub(t); d > skew || d < -skew {
		return errSkewed(raw, now, skew)
	}
	return nil
}
