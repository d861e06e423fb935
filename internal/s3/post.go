package s3

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/request"
)

// Browser-based uploads: an HTML form POSTs multipart/form-data to the
// bucket, carrying the key, a base64 policy document, its signature and the
// file. The policy's conditions bound what the form may upload.

const maxFormField = 20 << 10

func errPolicy(msg string) *awsproto.Error {
	return awsproto.New(http.StatusForbidden, "AccessDenied", "Invalid according to Policy: "+msg)
}

// postObject serves a browser-form POST upload.
func (s *Service) postObject(ctx context.Context, w http.ResponseWriter, r *http.Request, t target) error {
	fields, file, err := readPostForm(r)
	if err != nil {
		return err
	}
	key, ok := fields["key"]
	if !ok {
		return invalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", "key", "")
	}
	if fn, ok := fields["${filename}"]; ok {
		key = strings.ReplaceAll(key, "${filename}", fn)
	}
	delete(fields, "${filename}")
	fields["key"] = key
	fields["bucket"] = t.bucket
	if err := validateKey(key); err != nil {
		return err
	}
	minLen, maxLen, err := s.checkPostAuth(ctx, fields)
	if err != nil {
		return err
	}
	if err := checkSSEC(request.From(ctx), maps.Keys(fields)); err != nil {
		return err
	}
	h := http.Header{}
	for k, v := range fields {
		h.Set(k, v)
	}
	if a, ok := fields["acl"]; ok {
		h.Set("x-amz-acl", a)
	}
	rc := request.From(ctx)
	if !rc.Principal.IsAnonymous() {
		rc.AuthType = "POST"
	}
	// The form's fields are the upload's headers, for condition keys too.
	rc.Sources = request.Sources{Header: h, Query: url.Values{}}
	if err := s.authorize(ctx, &route{name: "PutObject", level: levelObject}, target{bucket: t.bucket, key: key}); err != nil {
		return err
	}
	v, err := s.storePostObject(ctx, t.bucket, key, fields, h, file, minLen, maxLen)
	if err != nil {
		return err
	}
	writePostResponse(w, r, t.bucket, key, v, fields)
	return nil
}

// readPostForm reads a POST upload's form fields (lower-cased names) up to
// its file part, which it returns unread.
func readPostForm(r *http.Request) (map[string]string, *multipart.Part, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, nil, awsproto.New(http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	fields := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, awsproto.New(http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
		}
		name := strings.ToLower(p.FormName())
		if name == "file" {
			if fn := p.FileName(); fn != "" {
				fields["${filename}"] = fn
			}
			return fields, p, nil
		}
		v, err := io.ReadAll(io.LimitReader(p, maxFormField+1))
		if err != nil || len(v) > maxFormField {
			return nil, nil, awsproto.New(http.StatusBadRequest, "MaxPostPreDataLengthExceeded", "Your POST request fields preceeding the upload file was too large.")
		}
		fields[name] = string(v)
	}
	return nil, nil, invalidArgument("POST requires exactly one file upload per request.", "file", "0")
}

// storePostObject stores the file of an authorized POST upload as the
// object key, with the form's metadata, ACL, tags and checksum, within
// the policy's content-length-range.
func (s *Service) storePostObject(ctx context.Context, bucket, key string, fields map[string]string, h http.Header, file *multipart.Part, minLen, maxLen int64) (*versionRecord, error) {
	meta := map[string]string{}
	for k, v := range fields {
		if m, ok := strings.CutPrefix(k, "x-amz-meta-"); ok {
			meta[m] = v
		}
	}
	h.Del("x-amz-checksum-algorithm")
	b, err := s.loadBucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	objACL, owner, err := s.objectACL(ctx, b, h)
	if err != nil {
		return nil, err
	}
	attrs, err := parseObjectAttrs(h, meta)
	if err != nil {
		return nil, err
	}
	if ct := file.Header.Get("Content-Type"); ct != "" && fields["content-type"] == "" {
		attrs.headers["Content-Type"] = ct
	}
	if doc, ok := fields["tagging"]; ok {
		// The form's tags are a Tagging document, as PutObjectTagging's body.
		var tg tagging
		if err := xml.Unmarshal([]byte(doc), &tg); err != nil {
			return nil, errMalformedXML()
		}
		if err := validateTags(tg.TagSet, 10); err != nil {
			return nil, err
		}
		attrs.tags = tg.TagSet
	}
	ck, err := parseChecksumRequest(h)
	if err != nil {
		return nil, err
	}
	lock, err := s.lockForWrite(ctx, b, key, h)
	if err != nil {
		return nil, err
	}
	sse, err := s.sseForWrite(ctx, b, key, h)
	if err != nil {
		return nil, err
	}
	body, err := s.ingest(ctx, file, sizeUnknown, ck, fields["content-md5"], false, sse.dataKey())
	if err != nil {
		return nil, err
	}
	if body.size < minLen || (maxLen >= 0 && body.size > maxLen) {
		s.removeBlobs([]string{body.blob})
		if body.size < minLen {
			return nil, awsproto.New(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size").
				With("ProposedSize", strconv.FormatInt(body.size, 10)).With("MinSizeAllowed", strconv.FormatInt(minLen, 10))
		}
		return nil, errEntityTooLarge(body.size, maxLen)
	}
	v := &versionRecord{Key: key, Size: body.size, ETag: etagOf(body.md5), Modified: s.now().UTC(),
		Owner: owner, ACL: objACL, Headers: attrs.headers, Meta: attrs.meta, Tags: attrs.tags,
		StorageClass: attrs.storageClass, ChecksumAlgo: ck.algo, Checksum: body.checksum, Enc: sse.record(body), Lock: lock,
		Segments: []segment{{Blob: body.blob, Size: body.size, IV: body.iv}}}
	if ck.algo != "" {
		v.ChecksumType = "FULL_OBJECT"
	}
	return v, s.commitObject(ctx, bucket, v, nil, putConditions{})
}

// writePostResponse answers a POST upload as its form asks:
// success_action_redirect, or success_action_status 200, 201 (a
// PostResponse document) or 204.
func writePostResponse(w http.ResponseWriter, r *http.Request, bucket, key string, v *versionRecord, fields map[string]string) {
	location := "/" + bucket + "/" + url.PathEscape(key)
	w.Header().Set("ETag", quote(v.ETag))
	w.Header().Set("Location", location)
	if id := visibleVersionID(v); id != "" {
		w.Header().Set("x-amz-version-id", id)
	}
	if redirect := fields["success_action_redirect"]; redirect != "" {
		if u, err := url.Parse(redirect); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			extra := "bucket=" + url.QueryEscape(bucket) + "&key=" + url.QueryEscape(key) + "&etag=" + url.QueryEscape(quote(v.ETag))
			if u.RawQuery != "" {
				u.RawQuery += "&" + extra
			} else {
				u.RawQuery = extra
			}
			w.Header().Set("Location", u.String())
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusSeeOther)
			return
		}
	}
	switch fields["success_action_status"] {
	case "200":
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	case "201":
		// S3's PostResponse carries no namespace (unlike its other documents).
		doc, _ := xml.Marshal(struct {
			XMLName  xml.Name `xml:"PostResponse"`
			Location string   `xml:"Location"`
			Bucket   string   `xml:"Bucket"`
			Key      string   `xml:"Key"`
			ETag     string   `xml:"ETag"`
		}{Location: "http://" + r.Host + location, Bucket: bucket, Key: key, ETag: quote(v.ETag)})
		doc = append([]byte(xml.Header), doc...)
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(doc)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// postPolicy is the policy document of a POST upload.
type postPolicy struct {
	Expiration string            `json:"expiration"`
	Conditions []json.RawMessage `json:"conditions"`
}

// checkPostAuth verifies the form's signature, sets the principal, and
// checks the policy's conditions against the fields. It returns the
// content-length-range bounds (max -1: none).
func (s *Service) checkPostAuth(ctx context.Context, fields map[string]string) (minLen, maxLen int64, err error) {
	maxLen = -1
	rc := request.From(ctx)
	policyB64, hasPolicy := fields["policy"]
	if !hasPolicy {
		rc.Principal = request.Principal{}
		return 0, -1, nil // anonymous: the bucket's permissions decide
	}
	if s.cfg.Verifier == nil || s.cfg.Resolve == nil {
		return 0, 0, errAccessDenied()
	}
	auth, err := s.cfg.Verifier.VerifyPostPolicy(ctx, fields)
	if err != nil {
		return 0, 0, err
	}
	p, err := s.cfg.Resolve(ctx, auth.AccessKeyID)
	if err != nil {
		return 0, 0, err
	}
	rc.Principal = p
	rc.SignatureVersion = auth.SignatureVersion
	raw, err := base64.StdEncoding.DecodeString(policyB64)
	if err != nil {
		return 0, 0, awsproto.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
	}
	// The policy's property names are case-sensitive ("expiration",
	// "conditions"); encoding/json would match them in any case.
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return 0, 0, awsproto.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
	}
	var pol postPolicy
	if e, ok := doc["expiration"]; !ok || json.Unmarshal(e, &pol.Expiration) != nil {
		return 0, 0, awsproto.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Policy missing expiration.")
	}
	if c, ok := doc["conditions"]; !ok || json.Unmarshal(c, &pol.Conditions) != nil {
		return 0, 0, awsproto.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Policy missing conditions.")
	}
	exp, err := time.Parse(time.RFC3339Nano, pol.Expiration)
	if err != nil {
		return 0, 0, awsproto.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid 'expiration' value: '"+pol.Expiration+"'")
	}
	if !s.now().Before(exp) {
		return 0, 0, errPolicy("Policy expired.")
	}
	covered := map[string]bool{}
	for _, c := range pol.Conditions {
		if err := checkCondition(c, fields, covered, &minLen, &maxLen); err != nil {
			return 0, 0, err
		}
	}
	var extra []string
	for k := range fields {
		switch {
		case covered[k], k == "policy", k == "x-amz-signature", k == "signature", k == "awsaccesskeyid", k == "file",
			k == "bucket", strings.HasPrefix(k, "x-ignore-"), strings.HasPrefix(k, "x-amz-checksum-"):
		default:
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		return 0, 0, errPolicy("Extra input fields: " + strings.Join(extra, ", "))
	}
	return minLen, maxLen, nil
}

func checkCondition(raw json.RawMessage, fields map[string]string, covered map[string]bool, minLen, maxLen *int64) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil || len(m) != 1 {
			return awsproto.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
		}
		for k, v := range m {
			k = strings.ToLower(k)
			covered[k] = true
			if fields[k] != v {
				return errPolicy(fmt.Sprintf("Policy Condition failed: [\"eq\", \"$%s\", \"%s\"]", k, v))
			}
		}
		return nil
	}
	var arr []any
	if err := json.Unmarshal(raw, &arr); err != nil || len(arr) != 3 {
		return awsproto.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid Condition: wrong number of arguments.")
	}
	op, _ := arr[0].(string)
	switch strings.ToLower(op) {
	case "content-length-range":
		lo, ok1 := arr[1].(float64)
		hi, ok2 := arr[2].(float64)
		if !ok1 || !ok2 {
			return awsproto.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid content-length-range: bounds must be integers.")
		}
		*minLen, *maxLen = int64(lo), int64(hi)
		return nil
	case "eq", "starts-with":
		name, _ := arr[1].(string)
		want, _ := arr[2].(string)
		field := strings.ToLower(strings.TrimPrefix(name, "$"))
		covered[field] = true
		got := fields[field]
		ok := got == want
		if strings.EqualFold(op, "starts-with") {
			ok = strings.HasPrefix(got, want)
			if field == "content-type" && !ok {
				ok = true
				for _, part := range strings.Split(got, ",") {
					ok = ok && strings.HasPrefix(strings.TrimSpace(part), want)
				}
			}
		}
		if !ok {
			return errPolicy(fmt.Sprintf("Policy Condition failed: [\"%s\", \"%s\", \"%s\"]", op, name, want))
		}
		return nil
	}
	return awsproto.New(http.StatusBadRequest, "InvalidPolicyDocument", "Invalid Policy: Invalid Condition: unknown operation '"+op+"'.")
}
