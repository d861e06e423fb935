package sigv4

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Signature Version 2, which S3 still answers for old clients (s3cmd with
// signature_v2, boto 2, libs3):
//
//	Authorization: AWS AKID:base64(HMAC-SHA1(secret, StringToSign))
//	StringToSign = Method \n Content-MD5 \n Content-Type \n Date \n
//	               CanonicalizedAmzHeaders CanonicalizedResource
//
// and its query form AWSAccessKeyId, Expires and Signature, where Expires
// takes the place of Date.

// SignatureV2 is the SignatureVersion of a request signed with Signature
// Version 2, the value of the s3:signatureversion condition key.
const SignatureV2 = "AWS"

// v2SubResources are the query parameters CanonicalizedResource keeps.
var v2SubResources = []string{
	"accelerate", "acl", "analytics", "cors", "delete", "encryption", "intelligent-tiering", "inventory",
	"legal-hold", "lifecycle", "location", "logging", "metrics", "notification", "object-lock",
	"ownershipControls", "partNumber", "policy", "policyStatus", "publicAccessBlock", "replication",
	"requestPayment", "response-cache-control", "response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type", "response-expires", "restore", "retention",
	"select", "select-type", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning",
	"versions", "website",
}

const msgV2Header = "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"

// v2Request is what both forms of Signature Version 2 carry.
type v2Request struct {
	accessKeyID, signature, date string
	query                        bool
}

// verifyV2Header authenticates "Authorization: AWS AKID:signature".
func (v *Verifier) verifyV2Header(r *http.Request, header string, params []queryParam) (*Auth, error) {
	cred := strings.TrimSpace(strings.TrimPrefix(header, "AWS "))
	akid, sig, ok := strings.Cut(cred, ":")
	if !ok || akid == "" || sig == "" {
		return nil, errInvalidArgument(msgV2Header, "Authorization", header)
	}
	raw, t, ok := requestTime(r, true)
	if !ok {
		return nil, errMissingDate()
	}
	date := r.Header.Get("Date")
	if r.Header.Get("X-Amz-Date") != "" {
		date = ""
	}
	a, err := v.verifyV2(r, params, v2Request{accessKeyID: akid, signature: sig, date: date})
	if err != nil && date == "" && r.Header.Get("Date") != "" {
		// With x-amz-date the Date line of the string to sign is empty,
		// as AWS documents; botocore puts the Date header there anyway.
		if a2, err2 := v.verifyV2(r, params, v2Request{accessKeyID: akid, signature: sig, date: r.Header.Get("Date")}); err2 == nil {
			a, err = a2, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if err := v.checkTime(raw, t); err != nil {
		return nil, err
	}
	a.SignedAt = t
	a.SecurityToken = r.Header.Get("X-Amz-Security-Token")
	return a, v.wrapV2Body(r, a)
}

// verifyV2Query authenticates AWSAccessKeyId, Expires and Signature.
func (v *Verifier) verifyV2Query(r *http.Request, params []queryParam) (*Auth, error) {
	var akid, sig, expires, token string
	for _, p := range params {
		switch {
		case p.name == "AWSAccessKeyId" && akid == "":
			akid = p.value
		case p.name == "Signature" && sig == "":
			sig = p.value
		case p.name == "Expires" && expires == "":
			expires = p.value
		case strings.EqualFold(p.name, "x-amz-security-token") && token == "":
			token = p.value
		}
	}
	if akid == "" || sig == "" || expires == "" {
		return nil, errAccessDenied("Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	}
	end, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || end < 0 || end > 1<<40 {
		return nil, errAccessDenied("Invalid date (should be seconds since epoch): " + expires)
	}
	a, verr := v.verifyV2(r, params, v2Request{accessKeyID: akid, signature: sig, date: expires, query: true})
	if verr != nil {
		return nil, verr
	}
	now := v.now()
	if until := time.Unix(end, 0); now.After(until) {
		return nil, errAccessDenied(msgExpired,
			[2]string{"Expires", until.UTC().Format(serverTimeFormat)},
			[2]string{"ServerTime", now.UTC().Format(serverTimeFormat)})
	}
	a.Presigned = true
	a.SecurityToken = token
	return a, v.wrapV2Body(r, a)
}

// verifyV2 looks the key up and checks the signature.
func (v *Verifier) verifyV2(r *http.Request, params []queryParam, req v2Request) (*Auth, error) {
	secret, known, err := v.lookup(r.Context(), req.accessKeyID)
	if err != nil {
		return nil, err
	}
	a := &Auth{AccessKeyID: req.accessKeyID, Service: "s3", Verified: known, SignatureVersion: SignatureV2}
	if !known {
		return a, nil
	}
	got, derr := base64.StdEncoding.DecodeString(req.signature)
	path, _ := requestTarget(r)
	var first string
	for _, resource := range v2Resources(r, path, params) {
		sts := v2StringToSign(r, params, req, resource)
		if first == "" {
			first = sts
		}
		m := hmac.New(sha1.New, []byte(secret))
		m.Write([]byte(sts))
		if derr == nil && hmac.Equal(m.Sum(nil), got) {
			return a, nil
		}
	}
	return nil, errMismatch(req.accessKeyID, first, req.signature, "")
}

// v2Resources returns the CanonicalizedResource candidates of r: the path
// as sent; for a path-style bucket request (/bucket) also /bucket/, the
// form AWS's examples give and botocore signs; and, for a
// virtual-hosted request, the bucket of the Host before the path.
func v2Resources(r *http.Request, path string, params []queryParam) []string {
	sub := v2SubResourceString(params)
	out := []string{path + sub}
	if len(path) > 1 && !strings.Contains(path[1:], "/") {
		out = append(out, path+"/"+sub)
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if bucket, _, ok := strings.Cut(host, "."); ok && bucket != "" && net.ParseIP(host) == nil &&
		path != "/"+bucket && !strings.HasPrefix(path, "/"+bucket+"/") {
		out = append(out, "/"+bucket+path+sub)
	}
	return out
}

// v2SubResourceString is "?acl" or "?partNumber=1&uploadId=x": the
// sub-resources of the query, sorted, with their values decoded.
func v2SubResourceString(params []queryParam) string {
	var kept []queryParam
	for _, p := range params {
		if _, found := slices.BinarySearch(v2SubResources, p.name); found {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return ""
	}
	slices.SortStableFunc(kept, func(a, b queryParam) int { return strings.Compare(a.name, b.name) })
	var b strings.Builder
	for i, p := range kept {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		if p.value != "" {
			b.WriteByte('=')
			b.WriteString(p.value)
		}
	}
	return b.String()
}

// v2StringToSign builds the string a Signature Version 2 request signs.
func v2StringToSign(r *http.Request, params []queryParam, req v2Request, resource string) string {
	amz := map[string][]string{}
	for k, vs := range r.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") {
			amz[lk] = append(amz[lk], vs...)
		}
	}
	if req.query {
		for _, p := range params {
			if lk := strings.ToLower(p.name); strings.HasPrefix(lk, "x-amz-") {
				amz[lk] = append(amz[lk], p.value)
			}
		}
	}
	names := make([]string, 0, len(amz))
	for k := range amz {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(r.Header.Get("Content-Md5"))
	b.WriteByte('\n')
	b.WriteString(r.Header.Get("Content-Type"))
	b.WriteByte('\n')
	b.WriteString(req.date)
	b.WriteByte('\n')
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte(':')
		for i, v := range amz[k] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.TrimSpace(v))
		}
		b.WriteByte('\n')
	}
	b.WriteString(resource)
	return b.String()
}

// wrapV2Body enforces an x-amz-content-sha256 that a V2 client sent.
func (v *Verifier) wrapV2Body(r *http.Request, a *Auth) error {
	payload, present := payloadHeader(r)
	if !present {
		return nil
	}
	kind := classifyPayload(payload)
	switch kind {
	case payloadInvalid:
		return errSHA256Invalid(payload)
	case payloadSHA256:
		a.PayloadHash = payload
		return v.wrapBody(r, a, kind, nil)
	}
	return nil
}
