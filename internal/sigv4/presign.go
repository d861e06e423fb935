package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// presigned holds the X-Amz-* parameters of a presigned URL.
type presigned struct {
	algorithm, credential, date, expires, signedHeaders, signature, token string
}

// presignedParams picks the parameters out of the query. S3 accepts their
// names in any letter case; the first of a repeated name counts.
func presignedParams(params []queryParam) (p presigned, complete bool) {
	var seen [6]bool
	for _, q := range params {
		var i int
		var dst *string
		switch {
		case strings.EqualFold(q.name, "X-Amz-Algorithm"):
			i, dst = 0, &p.algorithm
		case strings.EqualFold(q.name, "X-Amz-Credential"):
			i, dst = 1, &p.credential
		case strings.EqualFold(q.name, "X-Amz-Date"):
			i, dst = 2, &p.date
		case strings.EqualFold(q.name, "X-Amz-Expires"):
			i, dst = 3, &p.expires
		case strings.EqualFold(q.name, "X-Amz-SignedHeaders"):
			i, dst = 4, &p.signedHeaders
		case strings.EqualFold(q.name, "X-Amz-Signature"):
			i, dst = 5, &p.signature
		case strings.EqualFold(q.name, "X-Amz-Security-Token"):
			if p.token == "" {
				p.token = q.value
			}
			continue
		default:
			continue
		}
		if !seen[i] {
			seen[i], *dst = true, q.value
		}
	}
	for _, s := range seen {
		if !s {
			return p, false
		}
	}
	return p, true
}

// parseExpires parses X-Amz-Expires with S3's three complaints.
func parseExpires(s string) (int64, *Error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			if strings.HasPrefix(s, "-") {
				return 0, errQueryParams(msgExpiresNegative)
			}
			return 0, errQueryParams(msgExpiresWeek)
		}
		return 0, errQueryParams(msgExpiresNumber)
	}
	if n < 0 {
		return 0, errQueryParams(msgExpiresNegative)
	}
	if n > maxPresignExpires {
		return 0, errQueryParams(msgExpiresWeek)
	}
	return n, nil
}

// verifyPresigned authenticates a presigned URL. The checks run in S3's
// order: the parameters, the signed headers, the key, the signature and,
// last, the validity period.
func (v *Verifier) verifyPresigned(r *http.Request, params []queryParam) (*Auth, error) {
	p, complete := presignedParams(params)
	if !complete {
		return nil, errQueryParams(msgQueryRequired)
	}
	switch p.algorithm {
	case Algorithm:
	case "AWS4-ECDSA-P256-SHA256":
		return nil, errNotImplemented("Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not implemented.")
	default:
		return nil, errQueryParams(msgQueryAlgorithm)
	}
	sc, detail := parseCredential(p.credential)
	if detail != "" {
		return nil, errQueryParams(msgCredentialPrefix + detail)
	}
	t, ok := parseAmzDate(p.date)
	if !ok {
		return nil, errQueryParams(msgQueryDate)
	}
	if day := t.Format(ShortDateFormat); day != sc.date {
		return nil, errQueryParams(`Invalid credential date "` + sc.date + `". This date is not the same as X-Amz-Date: "` + day + `".`)
	}
	expires, eerr := parseExpires(p.expires)
	if eerr != nil {
		return nil, eerr
	}
	signed, ok := parseSignedHeaders(p.signedHeaders)
	if !ok {
		return nil, errQueryParams("X-Amz-SignedHeaders is malformed")
	}
	if err := checkSignedHeaders(r, signed); err != nil {
		return nil, err
	}

	// The payload: S3 signs UNSIGNED-PAYLOAD, or an X-Amz-Content-Sha256
	// query parameter (as MinIO accepts); a signed x-amz-content-sha256
	// header is still enforced on the body. Other services sign the hash
	// of the body.
	payload, kind := UnsignedPayload, payloadUnsigned
	sent, present := payloadHeader(r)
	if present && !signedIncludes(signed, "x-amz-content-sha256") {
		present = false
	}
	for _, q := range params {
		if strings.EqualFold(q.name, "X-Amz-Content-Sha256") {
			payload, sent, present = q.value, q.value, true
			break
		}
	}
	if present {
		if kind = classifyPayload(sent); kind == payloadInvalid {
			return nil, errSHA256Invalid(sent)
		}
		if kind == payloadECDSA {
			return nil, errNotImplemented("The chunk encoding algorithm " + sent + " is not supported.")
		}
	}

	secret, known, err := v.lookup(r.Context(), sc.accessKeyID)
	if err != nil {
		return nil, err
	}
	auth := &Auth{
		AccessKeyID:      sc.accessKeyID,
		SecurityToken:    p.token,
		Region:           sc.region,
		Service:          sc.service,
		SignedAt:         t,
		Presigned:        true,
		Verified:         known,
		SignatureVersion: Algorithm,
		PayloadHash:      payload,
	}
	if present {
		auth.PayloadHash = sent
	} else if sc.service != "s3" {
		kind = payloadNone
		if payload, err = v.bufferBody(r); err != nil {
			return nil, err
		}
		auth.PayloadHash = payload
	}
	var key []byte
	if known {
		key = v.signingKey(secret, sc.date, sc.region, sc.service)
		path, _ := requestTarget(r)
		uri := canonicalURIEscaped(path)
		if sc.service == "s3" {
			uri = canonicalURIS3(path)
		}
		if err := checkRequestSignature(r, key, p.date, sc, uri, canonicalQuery(params, true), signed, p.signedHeaders, payload, p.signature); err != nil {
			return nil, err
		}
	}

	now := v.now()
	if t.Sub(now) > v.maxSkew() {
		return nil, errNotYetValid(p.date, now)
	}
	if end := t.Add(time.Duration(expires) * time.Second); expires == 0 || now.After(end) {
		return nil, errExpired(p.expires, end, now)
	}

	seed := &chunkSigning{key: key, amzDate: p.date, scope: sc.String(), seed: strings.ToLower(p.signature), accessKeyID: sc.accessKeyID}
	if err := v.wrapBody(r, auth, kind, seed); err != nil {
		return nil, err
	}
	return auth, nil
}

func signedIncludes(signed []string, name string) bool {
	for _, s := range signed {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}
