package sigv4

import (
	"net/http"
	"strings"
	"time"
)

// authorization is a parsed AWS4-HMAC-SHA256 Authorization header.
type authorization struct {
	scope
	signedHeaders    []string
	signedHeadersRaw string
	signature        string
}

// maxAuthorization bounds the Authorization header the parser looks at; the
// longest real ones, with dozens of signed headers, are under 2 KiB.
const maxAuthorization = 16 << 10

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/
// SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex". Spaces around
// the commas and the equal signs are tolerated; the three components may
// come in any order.
func parseAuthorization(h string) (*authorization, *Error) {
	h = strings.TrimSpace(h)
	algo, rest, _ := strings.Cut(h, " ")
	switch algo {
	case Algorithm:
	case "AWS":
		return nil, errInvalidRequest(msgV2)
	case "AWS4-ECDSA-P256-SHA256":
		return nil, errNotImplemented("Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not implemented.")
	default:
		return nil, errInvalidArgument("Unsupported Authorization Type", "Authorization", h)
	}
	if len(h) > maxAuthorization {
		return nil, errMalformedHeader(msgComponents)
	}
	a := &authorization{}
	var haveCred, haveSigned, haveSig bool
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return nil, errMalformedHeader(`the authorization component "` + part + `" is malformed.`)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch name {
		case "Credential":
			if haveCred {
				return nil, errMalformedHeader(`the authorization component "` + part + `" is malformed.`)
			}
			sc, detail := parseCredential(value)
			if detail != "" {
				return nil, errMalformedHeader(detail)
			}
			a.scope, haveCred = sc, true
		case "SignedHeaders":
			names, ok := parseSignedHeaders(value)
			if !ok || haveSigned {
				return nil, errMalformedHeader(`the authorization component "` + part + `" is malformed.`)
			}
			a.signedHeaders, a.signedHeadersRaw, haveSigned = names, value, true
		case "Signature":
			if haveSig {
				return nil, errMalformedHeader(`the authorization component "` + part + `" is malformed.`)
			}
			a.signature, haveSig = value, true
		default:
			return nil, errMalformedHeader(`the authorization component "` + part + `" is malformed.`)
		}
	}
	if !haveCred || !haveSigned || !haveSig {
		return nil, errMalformedHeader(msgComponents)
	}
	return a, nil
}

// requestTime returns the time of a header-signed request: x-amz-date, or
// else the Date header in any of HTTP's formats or RFC 1123 with a numeric
// zone. For Signature Version 4 x-amz-date must be ISO 8601 basic; v2
// also takes it in the Date header's formats.
func requestTime(r *http.Request, v2 bool) (raw string, t time.Time, ok bool) {
	if vs, present := r.Header["X-Amz-Date"]; v2 && present && (len(vs) == 0 || vs[0] == "") {
		// Signature Version 2 takes x-amz-date over Date whenever it is
		// sent: an empty one is a missing date (S3: 403 AccessDenied).
		return "", time.Time{}, false
	}
	if raw = r.Header.Get("X-Amz-Date"); raw != "" {
		if t, ok = parseAmzDate(raw); ok || !v2 {
			return raw, t, ok
		}
		t, ok = parseHTTPDate(raw)
		return raw, t, ok
	}
	if raw = r.Header.Get("Date"); raw != "" {
		t, ok = parseHTTPDate(raw)
		return raw, t, ok
	}
	return "", time.Time{}, false
}

// parseHTTPDate parses a Date header, including "Tue, 27 Mar 2007
// 19:36:42 +0000", which S3's examples use.
func parseHTTPDate(s string) (time.Time, bool) {
	t, err := http.ParseTime(s)
	if err != nil {
		t, err = time.Parse(time.RFC1123Z, s)
	}
	return t.UTC(), err == nil
}

// verifyHeader authenticates a request by its Authorization header. The
// checks run in S3's order: the header, the date, the payload hash, the
// signed headers, the key, the signature and, last, the clock.
func (v *Verifier) verifyHeader(r *http.Request, header string, params []queryParam) (*Auth, error) {
	a, perr := parseAuthorization(header)
	if perr != nil {
		return nil, perr
	}
	rawTime, t, ok := requestTime(r, false)
	if !ok {
		return nil, errMissingDate()
	}
	if day := t.Format(ShortDateFormat); day != a.date {
		return nil, errMalformedHeader(`Invalid credential date "` + a.date + `". This date is not the same as X-Amz-Date: "` + day + `".`)
	}
	payload, present := payloadHeader(r)
	kind := payloadNone
	if present {
		if kind = classifyPayload(payload); kind == payloadInvalid {
			return nil, errSHA256Invalid(payload)
		}
	} else if a.service == "s3" {
		return nil, errInvalidRequest(msgSHA256Missing)
	}
	if kind == payloadECDSA {
		return nil, errNotImplemented("The chunk encoding algorithm " + payload + " is not supported.")
	}
	if err := checkSignedHeaders(r, a.signedHeaders); err != nil {
		return nil, err
	}
	secret, known, err := v.lookup(r.Context(), a.accessKeyID)
	if err != nil {
		return nil, err
	}
	auth := &Auth{
		AccessKeyID:      a.accessKeyID,
		SecurityToken:    r.Header.Get("X-Amz-Security-Token"),
		Region:           a.region,
		Service:          a.service,
		SignedAt:         t,
		Verified:         known,
		SignatureVersion: Algorithm,
		PayloadHash:      payload,
	}
	if !present {
		// A service other than S3 signs the hash of the body itself.
		sum, err := v.bufferBody(r)
		if err != nil {
			return nil, err
		}
		payload, auth.PayloadHash = sum, sum
	}
	amzDate := t.Format(AmzDateFormat)
	var key []byte
	if known {
		key = v.signingKey(secret, a.date, a.region, a.service)
		path, _ := requestTarget(r)
		uri := canonicalURIEscaped(path)
		if a.service == "s3" {
			uri = canonicalURIS3(path)
		}
		if err := checkRequestSignature(r, key, amzDate, a.scope, uri, canonicalQuery(params, false), a.signedHeaders, a.signedHeadersRaw, payload, a.signature); err != nil {
			return nil, err
		}
	}
	if err := v.checkTime(rawTime, t); err != nil {
		return nil, err
	}
	seed := &chunkSigning{key: key, amzDate: amzDate, scope: a.scope.String(), seed: strings.ToLower(a.signature), accessKeyID: a.accessKeyID}
	if err := v.wrapBody(r, auth, kind, seed); err != nil {
		return nil, err
	}
	return auth, nil
}

// Scope returns the region and service of the credential scope of a signed
// request without verifying anything, for routing before Verify runs. ok
// is false for a request that has no well-formed credential.
func Scope(r *http.Request) (region, service string, ok bool) {
	var cred string
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, Algorithm+" ") {
		for _, part := range strings.Split(h[len(Algorithm)+1:], ",") {
			if name, value, _ := strings.Cut(strings.TrimSpace(part), "="); strings.TrimSpace(name) == "Credential" {
				cred = strings.TrimSpace(value)
			}
		}
	} else {
		_, rawQuery := requestTarget(r)
		for _, p := range parseQuery(rawQuery) {
			if strings.EqualFold(p.name, "X-Amz-Credential") {
				cred = p.value
				break
			}
		}
	}
	if cred == "" {
		return "", "", false
	}
	sc, detail := parseCredential(cred)
	if detail != "" {
		return "", "", false
	}
	return sc.region, sc.service, true
}
