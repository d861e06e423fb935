package s3

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/url"
	"testing"

	"github.com/gureum/gureum/internal/awsproto/restxml"
)

// FuzzXMLBodies feeds arbitrary bytes to every S3 request document gureum
// parses. Decoding must fail with MalformedXML or succeed; never panic.
func FuzzXMLBodies(f *testing.F) {
	for _, seed := range []string{
		`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>`,
		`<Delete><Quiet>true</Quiet><Object><Key>a</Key><VersionId>v</VersionId></Object></Delete>`,
		`<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`,
		`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`,
		`<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`,
		`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Delete>&a;</Delete>`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		uri := func(string) string { return "bucket" }
		req := func() *http.Request {
			return &http.Request{Method: "POST", URL: &url.URL{RawQuery: "uploadId=x"}, Header: http.Header{}, Body: ioNopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
		}
		_ = restxml.Decode(req(), uri, new(CompleteMultipartUploadInput))
		_ = restxml.Decode(req(), uri, new(PutBucketTaggingInput))
		_ = restxml.Decode(req(), uri, new(PutBucketVersioningInput))
		_ = restxml.Decode(req(), uri, new(CreateBucketInput))
		_ = restxml.Decode(req(), uri, new(ObjectTaggingInput))
		var d deleteRequest
		_ = xml.Unmarshal(body, &d)
		if in := new(PutBucketTaggingInput); restxml.Decode(req(), uri, in) == nil && in.Tagging != nil {
			_ = validateTags(in.Tagging.TagSet, 50)
		}
		_, _ = parseTagQuery(string(body))
		_, _ = parseCopySource(string(body))
		_, _, _, _ = parseRange(string(body), 1000)
	})
}
