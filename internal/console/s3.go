package console

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/restxml"
	"github.com/gureum/gureum/internal/request"
	s3svc "github.com/gureum/gureum/internal/s3"
)

// S3 pages: buckets, a bucket's objects by folder, uploads, an object's
// details and download, and the Permissions tab (Block Public Access and
// the bucket policy).

func (c *Console) routeS3() {
	c.handle("GET "+Prefix+"s3", c.signedIn(c.buckets))
	c.handle("POST "+Prefix+"s3/create", c.signedIn(c.createBucket))
	c.handle("GET "+Prefix+"s3/bucket/{bucket}", c.signedIn(c.objects))
	c.handle("POST "+Prefix+"s3/bucket/{bucket}/upload", c.signedIn(c.upload))
	c.handle("POST "+Prefix+"s3/bucket/{bucket}/delete-objects", c.signedIn(c.deleteObjects))
	c.handle("POST "+Prefix+"s3/bucket/{bucket}/delete", c.signedIn(c.deleteBucket))
	c.handle("GET "+Prefix+"s3/bucket/{bucket}/permissions", c.signedIn(c.permissions))
	c.handle("POST "+Prefix+"s3/bucket/{bucket}/bpa", c.signedIn(c.putBPA))
	c.handle("POST "+Prefix+"s3/bucket/{bucket}/policy", c.signedIn(c.putPolicy))
	c.handle("POST "+Prefix+"s3/bucket/{bucket}/ownership", c.signedIn(c.putOwnership))
	c.handle("POST "+Prefix+"s3/bucket/{bucket}/acl", c.signedIn(c.putACL))
	c.handle("GET "+Prefix+"s3/object/{bucket}/{key...}", c.signedIn(c.object))
	c.handle("GET "+Prefix+"s3/download/{bucket}/{key...}", c.signedIn(c.download))
}

// s3call calls an S3 operation as the session's principal; its typed
// input is decoded from the parts of a request the console builds, with
// the same decoder the wire uses.
func (c *Console) s3call(r *http.Request, s *session, name, bucket, key string, h http.Header, q url.Values, body io.Reader, size int64) (any, error) {
	return c.s3callIn(r, s, "", name, bucket, key, h, q, body, size)
}

// s3callIn is s3call sent to region's endpoint ("": the console's), as
// S3's console creates a bucket through its region's endpoint.
func (c *Console) s3callIn(r *http.Request, s *session, region, name, bucket, key string, h http.Header, q url.Values, body io.Reader, size int64) (any, error) {
	op, err := c.cfg.S3.Lookup(name)
	if err != nil {
		return nil, err
	}
	if h == nil {
		h = http.Header{}
	}
	if body == nil {
		body = http.NoBody
	}
	req := &http.Request{Method: http.MethodGet, Header: h, URL: &url.URL{RawQuery: q.Encode()}, Body: io.NopCloser(body), ContentLength: size}
	in := op.NewInput()
	uri := func(n string) string {
		switch n {
		case "Bucket":
			return bucket
		case "Key":
			return key
		}
		return ""
	}
	if err := restxml.Decode(req, uri, in); err != nil {
		return nil, err
	}
	ctx := c.callContext(r, s)
	if region != "" {
		request.From(ctx).Region = region
	}
	return c.cfg.S3.Call(ctx, op, in)
}

type bucketRow struct {
	Name, Region, Created, Access string
}

func (c *Console) buckets(w http.ResponseWriter, r *http.Request, s *session) {
	out, err := c.s3call(r, s, "ListBuckets", "", "", nil, nil, nil, 0)
	if err != nil {
		c.fail(w, s, err)
		return
	}
	var rows []bucketRow
	for _, b := range out.(*s3svc.ListBucketsOutput).Body.Buckets {
		rows = append(rows, bucketRow{Name: b.Name, Region: b.BucketRegion, Created: time.Time(b.CreationDate).Format("January 2, 2006, 15:04:05 (UTC)"),
			Access: c.access(r, s, b.Name)})
	}
	c.render(w, s, "buckets.html", "Buckets", "s3", map[string]any{"Buckets": rows, "Region": c.cfg.Region})
}

// access is the Access column of the bucket list, as S3's console words
// it: "Public", "Objects can be public" or "Bucket and objects not public".
func (c *Console) access(r *http.Request, s *session, bucket string) string {
	if out, err := c.s3call(r, s, "GetBucketPolicyStatus", bucket, "", nil, url.Values{"policyStatus": {""}}, nil, 0); err == nil {
		if st := out.(*s3svc.GetBucketPolicyStatusOutput).Body; st != nil && st.IsPublic {
			return "Public"
		}
	}
	ignoreACLs, allOn := false, false
	if out, err := c.s3call(r, s, "GetPublicAccessBlock", bucket, "", nil, url.Values{"publicAccessBlock": {""}}, nil, 0); err == nil {
		if b := out.(*s3svc.GetPublicAccessBlockOutput).Body; b != nil {
			ignoreACLs, allOn = b.IgnorePublicAcls, b.BlockPublicAcls && b.IgnorePublicAcls && b.BlockPublicPolicy && b.RestrictPublicBuckets
		}
	}
	// A bucket ACL granting the AllUsers or AuthenticatedUsers group makes
	// the bucket public too, unless Block Public Access ignores ACLs.
	if !ignoreACLs {
		if out, err := c.s3call(r, s, "GetBucketAcl", bucket, "", nil, url.Values{"acl": {""}}, nil, 0); err == nil {
			for _, g := range readGrants(out.(*s3svc.GetACLOutput).Body) {
				if g.Public {
					return "Public"
				}
			}
		}
	}
	if allOn {
		return "Bucket and objects not public"
	}
	return "Objects can be public"
}

func (c *Console) createBucket(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	region := r.PostFormValue("region")
	h := http.Header{}
	switch r.PostFormValue("ownership") {
	case "ObjectWriter", "BucketOwnerPreferred":
		h.Set("x-amz-object-ownership", r.PostFormValue("ownership"))
	default:
		h.Set("x-amz-object-ownership", "BucketOwnerEnforced")
	}
	var body io.Reader
	var size int64
	if region != "" && region != "us-east-1" {
		doc := `<CreateBucketConfiguration><LocationConstraint>` + templateEscape(region) + `</LocationConstraint></CreateBucketConfiguration>`
		body, size = strings.NewReader(doc), int64(len(doc))
	}
	_, err := c.s3callIn(r, s, region, "CreateBucket", name, "", h, nil, body, size)
	if err == nil && r.PostFormValue("block_public_access") == "" {
		// Block Public Access off, as the form asked.
		_, err = c.s3call(r, s, "DeletePublicAccessBlock", name, "", nil, url.Values{"publicAccessBlock": {""}}, nil, 0)
	}
	if err != nil {
		c.back(w, r, s, Prefix+"s3", err, "")
		return
	}
	c.back(w, r, s, Prefix+"s3/bucket/"+url.PathEscape(name), nil, "Successfully created bucket \""+name+"\"")
}

func templateEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// asAWS is the AWS error err is, if it is one.
func asAWS(err error) (*awsproto.Error, bool) {
	if err == nil {
		return nil, false
	}
	return awsproto.As(err)
}

type objectsData struct {
	Bucket, Prefix, Next, Token string
	Folders                     []string
	Objects                     []objectRow
	Crumbs                      []crumb
}

type objectRow struct {
	Key, Name, Modified, Class string
	Size                       int64
}

type crumb struct{ Name, Prefix string }

func (c *Console) objects(w http.ResponseWriter, r *http.Request, s *session) {
	bucket, prefix := r.PathValue("bucket"), r.URL.Query().Get("prefix")
	q := url.Values{"list-type": {"2"}, "prefix": {prefix}, "delimiter": {"/"}, "max-keys": {"100"}}
	if t := r.URL.Query().Get("token"); t != "" {
		q.Set("continuation-token", t)
	}
	out, err := c.s3call(r, s, "ListObjectsV2", bucket, "", nil, q, nil, 0)
	if err != nil {
		c.fail(w, s, err)
		return
	}
	res := out.(*s3svc.ListObjectsV2Output).Body
	d := objectsData{Bucket: bucket, Prefix: prefix, Next: res.NextContinuationToken, Token: r.URL.Query().Get("token")}
	for _, p := range res.CommonPrefixes {
		d.Folders = append(d.Folders, p.Prefix)
	}
	for _, o := range res.Contents {
		d.Objects = append(d.Objects, objectRow{Key: o.Key, Name: strings.TrimPrefix(o.Key, prefix), Size: o.Size,
			Modified: time.Time(o.LastModified).Format("January 2, 2006, 15:04:05 (UTC)"), Class: o.StorageClass})
	}
	acc := ""
	for part := range strings.SplitSeq(strings.TrimSuffix(prefix, "/"), "/") {
		if part == "" {
			continue
		}
		acc += part + "/"
		d.Crumbs = append(d.Crumbs, crumb{Name: part, Prefix: acc})
	}
	c.render(w, s, "objects.html", bucket, "s3", d)
}

// upload stores each file of the form as an object under the prefix.
func (c *Console) upload(w http.ResponseWriter, r *http.Request, s *session) {
	bucket, prefix := r.PathValue("bucket"), r.PostFormValue("prefix")
	to := Prefix + "s3/bucket/" + url.PathEscape(bucket) + "?prefix=" + url.QueryEscape(prefix)
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File["files"]
	}
	if len(files) == 0 {
		c.refuse(w, r, s, to, "Choose files to upload.")
		return
	}
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			c.back(w, r, s, to, err, "")
			return
		}
		h := http.Header{}
		if ct := fh.Header.Get("Content-Type"); ct != "" {
			h.Set("Content-Type", ct)
		}
		if fh.Size > multipartAbove {
			err = c.putMultipart(r, s, bucket, prefix+fh.Filename, h, f, fh.Size)
		} else {
			h.Set("Content-Length", strconv.FormatInt(fh.Size, 10))
			_, err = c.s3call(r, s, "PutObject", bucket, prefix+fh.Filename, h, nil, f, fh.Size)
		}
		f.Close()
		if err != nil {
			c.back(w, r, s, to, err, "")
			return
		}
	}
	c.back(w, r, s, to, nil, "Upload succeeded: "+strconv.Itoa(len(files))+" file(s)")
}

// multipartAbove is the size above which an upload is a multipart upload
// of partSize parts, as S3's console does for large files.
const (
	multipartAbove = 16 << 20
	partSize       = 8 << 20
)

// putMultipart uploads size bytes of f to key in parts; a failed part
// aborts the upload, so that no parts are left behind.
func (c *Console) putMultipart(r *http.Request, s *session, bucket, key string, h http.Header, f io.Reader, size int64) error {
	out, err := c.s3call(r, s, "CreateMultipartUpload", bucket, key, h, url.Values{"uploads": {""}}, nil, 0)
	if err != nil {
		return err
	}
	id := out.(*s3svc.CreateMultipartUploadOutput).Body.UploadID
	var doc strings.Builder
	doc.WriteString("<CompleteMultipartUpload>")
	for n, left := 1, size; left > 0; n++ {
		part := min(left, partSize)
		ph := http.Header{"Content-Length": {strconv.FormatInt(part, 10)}}
		q := url.Values{"partNumber": {strconv.Itoa(n)}, "uploadId": {id}}
		out, err := c.s3call(r, s, "UploadPart", bucket, key, ph, q, io.LimitReader(f, part), part)
		if err != nil {
			_, _ = c.s3call(r, s, "AbortMultipartUpload", bucket, key, nil, url.Values{"uploadId": {id}}, nil, 0)
			return err
		}
		fmt.Fprintf(&doc, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", n, html.EscapeString(out.(*s3svc.UploadPartOutput).ETag))
		left -= part
	}
	doc.WriteString("</CompleteMultipartUpload>")
	body := doc.String()
	_, err = c.s3call(r, s, "CompleteMultipartUpload", bucket, key, http.Header{"Content-Length": {strconv.Itoa(len(body))}},
		url.Values{"uploadId": {id}}, strings.NewReader(body), int64(len(body)))
	if err != nil {
		_, _ = c.s3call(r, s, "AbortMultipartUpload", bucket, key, nil, url.Values{"uploadId": {id}}, nil, 0)
	}
	return err
}

func (c *Console) deleteObjects(w http.ResponseWriter, r *http.Request, s *session) {
	bucket, prefix := r.PathValue("bucket"), r.PostFormValue("prefix")
	to := Prefix + "s3/bucket/" + url.PathEscape(bucket) + "?prefix=" + url.QueryEscape(prefix)
	keys := r.PostForm["key"]
	for _, k := range keys {
		if _, err := c.s3call(r, s, "DeleteObject", bucket, k, nil, nil, nil, 0); err != nil {
			c.back(w, r, s, to, err, "")
			return
		}
	}
	c.back(w, r, s, to, nil, "Successfully deleted "+strconv.Itoa(len(keys))+" object(s)")
}

// deleteBucket deletes a bucket, emptying it first when the form says
// so (S3's console asks for that separately: "Empty bucket").
func (c *Console) deleteBucket(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	if r.PostFormValue("confirm") != bucket {
		c.refuse(w, r, s, Prefix+"s3/bucket/"+url.PathEscape(bucket)+"/permissions", "To confirm deletion, enter the name of the bucket.")
		return
	}
	if r.PostFormValue("empty") != "" {
		for {
			out, err := c.s3call(r, s, "ListObjectsV2", bucket, "", nil, url.Values{"list-type": {"2"}, "max-keys": {"1000"}}, nil, 0)
			if err != nil {
				c.back(w, r, s, Prefix+"s3", err, "")
				return
			}
			res := out.(*s3svc.ListObjectsV2Output).Body
			for _, o := range res.Contents {
				if _, err := c.s3call(r, s, "DeleteObject", bucket, o.Key, nil, nil, nil, 0); err != nil {
					c.back(w, r, s, Prefix+"s3", err, "")
					return
				}
			}
			if !res.IsTruncated {
				break
			}
		}
	}
	if _, err := c.s3call(r, s, "DeleteBucket", bucket, "", nil, nil, nil, 0); err != nil {
		c.back(w, r, s, Prefix+"s3", err, "")
		return
	}
	c.back(w, r, s, Prefix+"s3", nil, "Successfully deleted bucket \""+bucket+"\"")
}

type permissionsData struct {
	Ownership    string
	Grants       []grantRow
	Bucket       string
	BPA          map[string]bool
	BPAOn        bool
	Policy       string
	PolicyPublic bool
	Example      string
}

func (c *Console) permissions(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	d := permissionsData{Bucket: bucket, BPA: map[string]bool{},
		Example: `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`}
	out, err := c.s3call(r, s, "GetPublicAccessBlock", bucket, "", nil, url.Values{"publicAccessBlock": {""}}, nil, 0)
	if ae, ok := asAWS(err); err != nil && (!ok || ae.Code != "NoSuchPublicAccessBlockConfiguration") {
		c.fail(w, s, err)
		return
	}
	if err == nil {
		b := out.(*s3svc.GetPublicAccessBlockOutput).Body
		d.BPA = map[string]bool{"BlockPublicAcls": b.BlockPublicAcls, "IgnorePublicAcls": b.IgnorePublicAcls,
			"BlockPublicPolicy": b.BlockPublicPolicy, "RestrictPublicBuckets": b.RestrictPublicBuckets}
		d.BPAOn = b.BlockPublicAcls && b.IgnorePublicAcls && b.BlockPublicPolicy && b.RestrictPublicBuckets
	}
	out, err = c.s3call(r, s, "GetBucketPolicy", bucket, "", nil, url.Values{"policy": {""}}, nil, 0)
	if ae, ok := asAWS(err); err != nil && (!ok || ae.Code != "NoSuchBucketPolicy") {
		c.fail(w, s, err)
		return
	}
	if err == nil {
		body := out.(*s3svc.GetBucketPolicyOutput).Body
		raw, _ := io.ReadAll(body)
		body.Close()
		var pretty bytes.Buffer
		if json.Indent(&pretty, raw, "", "  ") == nil {
			raw = pretty.Bytes()
		}
		d.Policy = string(raw)
	}
	d.PolicyPublic = c.access(r, s, bucket) == "Public"
	if out, err := c.s3call(r, s, "GetBucketOwnershipControls", bucket, "", nil, url.Values{"ownershipControls": {""}}, nil, 0); err == nil {
		if oc := out.(*s3svc.GetBucketOwnershipControlsOutput).Body; oc != nil && len(oc.Rules) > 0 {
			d.Ownership = oc.Rules[0].ObjectOwnership
		}
	}
	if out, err := c.s3call(r, s, "GetBucketAcl", bucket, "", nil, url.Values{"acl": {""}}, nil, 0); err == nil {
		d.Grants = readGrants(out.(*s3svc.GetACLOutput).Body)
	}
	c.render(w, s, "permissions.html", bucket+" permissions", "s3", d)
}

// putACL replaces the bucket's ACL with a canned one: private, public
// read (Everyone may list the objects) or authenticated read; granting
// Everyone needs the acknowledgement S3's console asks for.
func (c *Console) putACL(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	to := Prefix + "s3/bucket/" + url.PathEscape(bucket) + "/permissions"
	canned := r.PostFormValue("acl")
	switch canned {
	case "private", "authenticated-read":
	case "public-read":
		if r.PostFormValue("acknowledge_acl") == "" {
			c.refuse(w, r, s, to, "To grant Everyone (public access), acknowledge that you understand the effects of these changes on this bucket.")
			return
		}
	default:
		c.refuse(w, r, s, to, "Choose an access control list.")
		return
	}
	_, err := c.s3call(r, s, "PutBucketAcl", bucket, "", http.Header{"X-Amz-Acl": {canned}}, url.Values{"acl": {""}}, nil, 0)
	c.back(w, r, s, to, err, "Successfully edited the access control list.")
}

// putBPA sets the bucket's Block Public Access; turning any of it off
// needs the acknowledgement S3's console asks for.
func (c *Console) putBPA(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	to := Prefix + "s3/bucket/" + url.PathEscape(bucket) + "/permissions"
	var v [4]bool
	allOn := true
	for i, k := range []string{"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"} {
		v[i] = r.PostFormValue(k) != ""
		allOn = allOn && v[i]
	}
	if !allOn && r.PostFormValue("acknowledge") == "" {
		c.refuse(w, r, s, to, "To turn off Block Public Access, acknowledge that the current settings might result in this bucket and the objects within becoming public.")
		return
	}
	doc := "<PublicAccessBlockConfiguration><BlockPublicAcls>" + strconv.FormatBool(v[0]) + "</BlockPublicAcls><IgnorePublicAcls>" + strconv.FormatBool(v[1]) +
		"</IgnorePublicAcls><BlockPublicPolicy>" + strconv.FormatBool(v[2]) + "</BlockPublicPolicy><RestrictPublicBuckets>" + strconv.FormatBool(v[3]) +
		"</RestrictPublicBuckets></PublicAccessBlockConfiguration>"
	_, err := c.s3call(r, s, "PutPublicAccessBlock", bucket, "", nil, url.Values{"publicAccessBlock": {""}}, strings.NewReader(doc), int64(len(doc)))
	c.back(w, r, s, to, err, "Successfully edited Block Public Access settings for this bucket.")
}

func (c *Console) putPolicy(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	to := Prefix + "s3/bucket/" + url.PathEscape(bucket) + "/permissions"
	doc := strings.TrimSpace(r.PostFormValue("policy"))
	var err error
	if doc == "" {
		_, err = c.s3call(r, s, "DeleteBucketPolicy", bucket, "", nil, url.Values{"policy": {""}}, nil, 0)
		c.back(w, r, s, to, err, "Successfully deleted bucket policy.")
		return
	}
	_, err = c.s3call(r, s, "PutBucketPolicy", bucket, "", nil, url.Values{"policy": {""}}, strings.NewReader(doc), int64(len(doc)))
	c.back(w, r, s, to, err, "Successfully edited bucket policy.")
}

type objectData struct {
	Bucket, Key, URL string
	Headers          map[string]string
	Presigned        string
	Expires          string
	CanPresign       bool
	Versions         []versionRow
}

type versionRow struct {
	ID, Modified, Kind string
	Size               int64
	Latest             bool
}

func (c *Console) object(w http.ResponseWriter, r *http.Request, s *session) {
	bucket, key := r.PathValue("bucket"), r.PathValue("key")
	out, err := c.s3call(r, s, "HeadObject", bucket, key, nil, nil, nil, 0)
	if err != nil {
		c.fail(w, s, err)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	d := objectData{Bucket: bucket, Key: key, URL: scheme + "://" + r.Host + "/" + url.PathEscape(bucket) + "/" + escapeKey(key),
		Headers: out.(*s3svc.GetObjectOutput).Headers, CanPresign: s.keyID != ""}
	if m, err := strconv.Atoi(r.URL.Query().Get("presign")); err == nil && m >= 1 && m <= 10080 {
		d.Presigned, _ = c.presignGet(r, s, bucket, key, time.Duration(m)*time.Minute)
		d.Expires = c.cfg.Now().Add(time.Duration(m) * time.Minute).UTC().Format("January 2, 2006, 15:04:05 (UTC)")
	}
	if vo, err := c.s3call(r, s, "ListObjectVersions", bucket, "", nil, url.Values{"versions": {""}, "prefix": {key}}, nil, 0); err == nil {
		for _, v := range vo.(*s3svc.ListObjectVersionsOutput).Body.Entries {
			if v.Key != key {
				continue
			}
			row := versionRow{ID: v.VersionID, Modified: time.Time(v.LastModified).Format("January 2, 2006, 15:04:05 (UTC)"), Latest: v.IsLatest, Kind: "Object"}
			if v.XMLName.Local == "DeleteMarker" {
				row.Kind = "Delete marker"
			}
			if v.Size != nil {
				row.Size = *v.Size
			}
			d.Versions = append(d.Versions, row)
		}
	}
	c.render(w, s, "object.html", key, "s3", d)
}

// download streams an object to the signed-in browser.
func (c *Console) download(w http.ResponseWriter, r *http.Request, s *session) {
	bucket, key := r.PathValue("bucket"), r.PathValue("key")
	out, err := c.s3call(r, s, "GetObject", bucket, key, nil, nil, nil, 0)
	if err != nil {
		c.fail(w, s, err)
		return
	}
	o := out.(*s3svc.GetObjectOutput)
	defer o.Body.Close()
	ct := o.Headers["Content-Type"]
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	// An object is the uploader's bytes: never a page or a script of the
	// console's origin.
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	name := key[strings.LastIndex(key, "/")+1:]
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	_, _ = io.Copy(w, o.Body)
}

// escapeKey escapes a key for a path-style URL, keeping its slashes.
func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// grantRow is one grant of an ACL as the Permissions tab lists it.
type grantRow struct {
	Grantee, Permission string
	Public              bool // granted to AllUsers or AuthenticatedUsers
}

// readGrants reads an AccessControlPolicy document's grants.
func readGrants(body io.ReadCloser) []grantRow {
	defer body.Close()
	var doc struct {
		Grants []struct {
			Grantee struct {
				ID, DisplayName, URI, EmailAddress string
			} `xml:"Grantee"`
			Permission string `xml:"Permission"`
		} `xml:"AccessControlList>Grant"`
	}
	if xml.NewDecoder(io.LimitReader(body, 1<<20)).Decode(&doc) != nil {
		return nil
	}
	var out []grantRow
	for _, g := range doc.Grants {
		who := g.Grantee.DisplayName
		switch {
		case g.Grantee.URI == "http://acs.amazonaws.com/groups/global/AllUsers":
			who = "Everyone (public access)"
		case g.Grantee.URI == "http://acs.amazonaws.com/groups/global/AuthenticatedUsers":
			who = "Authenticated users group (anyone with an AWS account)"
		case g.Grantee.URI == "http://acs.amazonaws.com/groups/s3/LogDelivery":
			who = "S3 log delivery group"
		case who == "" && g.Grantee.ID != "":
			who = "Canonical ID " + g.Grantee.ID
		case who == "":
			who = g.Grantee.EmailAddress + g.Grantee.URI
		}
		public := strings.HasSuffix(g.Grantee.URI, "/groups/global/AllUsers") || strings.HasSuffix(g.Grantee.URI, "/groups/global/AuthenticatedUsers")
		out = append(out, grantRow{Grantee: who, Permission: g.Permission, Public: public})
	}
	return out
}

// putOwnership sets Object Ownership (ACLs disabled: BucketOwnerEnforced;
// enabled: BucketOwnerPreferred or ObjectWriter).
func (c *Console) putOwnership(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	to := Prefix + "s3/bucket/" + url.PathEscape(bucket) + "/permissions"
	o := r.PostFormValue("ownership")
	switch o {
	case "BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter":
	default:
		c.refuse(w, r, s, to, "Choose an Object Ownership setting.")
		return
	}
	if o != "BucketOwnerEnforced" && r.PostFormValue("acknowledge") == "" {
		c.refuse(w, r, s, to, "To enable ACLs, acknowledge that ACLs will be restored: AWS recommends keeping them disabled and using policies to control access.")
		return
	}
	doc := "<OwnershipControls><Rule><ObjectOwnership>" + o + "</ObjectOwnership></Rule></OwnershipControls>"
	_, err := c.s3call(r, s, "PutBucketOwnershipControls", bucket, "", nil, url.Values{"ownershipControls": {""}}, strings.NewReader(doc), int64(len(doc)))
	c.back(w, r, s, to, err, "Successfully edited Object Ownership.")
}
