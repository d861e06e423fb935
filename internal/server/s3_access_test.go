package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/gureum/gureum/internal/s3/acl"
	"github.com/gureum/gureum/internal/server"
)

// openBucket makes a bucket whose Block Public Access is off and whose
// ACLs are enabled (ObjectWriter), as a learner would set one up to share.
func (e *testEnv) openBucket(name string) {
	e.t.Helper()
	if _, err := e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(name), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.S3.DeletePublicAccessBlock(ctx(), &s3.DeletePublicAccessBlockInput{Bucket: aws.String(name)}); err != nil {
		e.t.Fatal(err)
	}
}

func setPAB(t *testing.T, c *s3.Client, bucket string, acls, ignore, policy, restrict bool) {
	t.Helper()
	_, err := c.PutPublicAccessBlock(ctx(), &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket), PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: aws.Bool(acls), IgnorePublicAcls: aws.Bool(ignore), BlockPublicPolicy: aws.Bool(policy), RestrictPublicBuckets: aws.Bool(restrict)}})
	if err != nil {
		t.Fatal(err)
	}
}

// TestACLsAndIgnorePublicAcls: a public-read object ACL opens the object;
// IgnorePublicAcls closes it again without changing the ACL;
// BlockPublicAcls refuses new public ACLs.
func TestACLsAndIgnorePublicAcls(t *testing.T) {
	e := newEnv(t)
	e.openBucket("acls")
	e.put("acls", "private.txt", "p")
	if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("acls"), Key: aws.String("pub.txt"), Body: stringsReader("hello"),
		ACL: s3types.ObjectCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if code, body := e.anonGet("/acls/pub.txt"); code != 200 || body != "hello" {
		t.Fatalf("public-read object: %d %s", code, body)
	}
	if code, _ := e.anonGet("/acls/private.txt"); code != 403 {
		t.Fatalf("private object: %d", code)
	}
	acl, err := e.S3.GetObjectAcl(ctx(), &s3.GetObjectAclInput{Bucket: aws.String("acls"), Key: aws.String("pub.txt")})
	if err != nil || len(acl.Grants) != 2 || *acl.Grants[1].Grantee.URI != "http://acs.amazonaws.com/groups/global/AllUsers" || acl.Grants[1].Permission != s3types.PermissionRead {
		t.Fatalf("GetObjectAcl: %+v %v", acl, err)
	}
	setPAB(t, e.S3, "acls", false, true, false, false)
	if code, _ := e.anonGet("/acls/pub.txt"); code != 403 {
		t.Fatalf("IgnorePublicAcls did not hide the public ACL: %d", code)
	}
	setPAB(t, e.S3, "acls", true, false, false, false)
	_, err = e.S3.PutObjectAcl(ctx(), &s3.PutObjectAclInput{Bucket: aws.String("acls"), Key: aws.String("private.txt"), ACL: s3types.ObjectCannedACLPublicRead})
	wantCode(t, err, "AccessDenied")
	_, err = e.S3.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: aws.String("acls"), ACL: s3types.BucketCannedACLPublicRead})
	wantCode(t, err, "AccessDenied")
	// Without the block, a public-read bucket ACL lets anyone list.
	if _, err := e.S3.DeletePublicAccessBlock(ctx(), &s3.DeletePublicAccessBlockInput{Bucket: aws.String("acls")}); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.anonGet("/acls"); code != 403 {
		t.Fatalf("anonymous list before the bucket ACL: %d", code)
	}
	if _, err := e.S3.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: aws.String("acls"), ACL: s3types.BucketCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if code, body := e.anonGet("/acls"); code != 200 || !strings.Contains(body, "<Key>pub.txt</Key>") {
		t.Fatalf("anonymous list with public-read: %d %s", code, body)
	}
	// The account-level setting applies to every bucket of the account.
	putAccountPAB(t, e, "000000000000", `<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><BlockPublicAcls>false</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>`)
	if code, _ := e.anonGet("/acls"); code != 403 {
		t.Fatalf("account IgnorePublicAcls: %d", code)
	}
	resp := controlRequest(t, e, "GET", "000000000000", "")
	if resp.code != 200 || !strings.Contains(resp.body, "<IgnorePublicAcls>true</IgnorePublicAcls>") {
		t.Fatalf("GetPublicAccessBlock (account): %d %s", resp.code, resp.body)
	}
	if r := controlRequest(t, e, "DELETE", "000000000000", ""); r.code != 204 {
		t.Fatalf("delete account PAB: %d %s", r.code, r.body)
	}
	if code, _ := e.anonGet("/acls"); code != 200 {
		t.Fatalf("after deleting the account PAB: %d", code)
	}
	if r := controlRequest(t, e, "GET", "000000000000", ""); r.code != 404 || !strings.Contains(r.body, "NoSuchPublicAccessBlockConfiguration") {
		t.Fatalf("no account PAB: %d %s", r.code, r.body)
	}
	// Another account's configuration is not this caller's to read.
	if r := controlRequest(t, e, "GET", "111111111111", ""); r.code != 403 {
		t.Fatalf("other account's PAB: %d", r.code)
	}
}

type rawResp struct {
	code int
	body string
}

func controlRequest(t *testing.T, e *testEnv, method, account, body string) rawResp {
	t.Helper()
	req, _ := http.NewRequest(method, e.URL+"/v20180820/configuration/publicAccessBlock", bytes.NewReader([]byte(body)))
	req.Header.Set("x-amz-account-id", account)
	sum := sha256.Sum256([]byte(body))
	h := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", h)
	if err := v4.NewSigner().SignHTTP(ctx(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, h, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResp{resp.StatusCode, string(b)}
}

func putAccountPAB(t *testing.T, e *testEnv, account, doc string) {
	t.Helper()
	if r := controlRequest(t, e, "PUT", account, doc); r.code != 200 {
		t.Fatalf("PutPublicAccessBlock (account): %d %s", r.code, r.body)
	}
}

// TestRestrictPublicBuckets: with a public bucket policy,
// RestrictPublicBuckets limits its grants to the owner's account.
func TestRestrictPublicBuckets(t *testing.T) {
	e := newEnv(t)
	e.openBucket("site")
	e.put("site", "index.html", "<h1>hi</h1>")
	pol := strings.ReplaceAll(publicReadPolicy, "%s", "site")
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("site"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	kim, _ := e.newUser("kim") // no identity policy: only the bucket policy can allow
	get := func(c *s3.Client) error {
		out, err := c.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("index.html")})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	if code, _ := e.anonGet("/site/index.html"); code != 200 {
		t.Fatalf("anonymous before: %d", code)
	}
	if err := get(e.Alt); err != nil {
		t.Fatalf("other account before: %v", err)
	}
	if err := get(kim); err != nil {
		t.Fatalf("same-account user before: %v", err)
	}
	setPAB(t, e.S3, "site", false, false, false, true)
	if code, _ := e.anonGet("/site/index.html"); code != 403 {
		t.Fatalf("anonymous with RestrictPublicBuckets: %d", code)
	}
	wantCode(t, get(e.Alt), "AccessDenied")
	if err := get(kim); err != nil {
		t.Fatalf("the owner's account keeps the policy's grants: %v", err)
	}
}

// TestRestrictPublicBucketsKeepsTagDenies: RestrictPublicBuckets drops a
// public policy's allows for other accounts, not its denies — including
// a deny on s3:ExistingObjectTag, which needs the object read first.
func TestRestrictPublicBucketsKeepsTagDenies(t *testing.T) {
	e := newEnv(t)
	e.bucket("tagged") // ACLs disabled: only the tag condition needs the object
	setPAB(t, e.S3, "tagged", false, false, false, true)
	e.put("tagged", "secret.txt", "x")
	if _, err := e.S3.PutObjectTagging(ctx(), &s3.PutObjectTaggingInput{Bucket: aws.String("tagged"), Key: aws.String("secret.txt"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("Class"), Value: aws.String("secret")}}}}); err != nil {
		t.Fatal(err)
	}
	pol := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::tagged/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::tagged/*",
		 "Condition":{"StringEquals":{"s3:ExistingObjectTag/Class":"secret"}}}]}`
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("tagged"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.Alt.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("tagged"), Key: aws.String("secret.txt")})
	ae := wantCode(t, err, "AccessDenied")
	if !strings.Contains(ae.ErrorMessage(), "with an explicit deny in a resource-based policy") {
		t.Fatalf("the tag deny did not apply: %s", ae.ErrorMessage())
	}
}

// TestCrossAccountBucketPolicy: another account's root needs the bucket
// policy; another account's user needs both its own identity policy and
// the bucket policy.
func TestCrossAccountBucketPolicy(t *testing.T) {
	e := newEnv(t)
	e.bucket("partner")
	e.put("partner", "data.csv", "x,y")
	get := func(c *s3.Client) error {
		out, err := c.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("partner"), Key: aws.String("data.csv")})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	wantCode(t, get(e.Alt), "AccessDenied")
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::partner","arn:aws:s3:::partner/*"]}]}`
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("partner"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	if err := get(e.Alt); err != nil {
		t.Fatalf("other account's root with the policy: %v", err)
	}
	// A user of the other account, with and without its own allow.
	altIAM := e.iam(testAccounts[1].AccessKey, testAccounts[1].SecretKey, "")
	if _, err := altIAM.CreateUser(ctx(), &iamCreateUser{UserName: aws.String("lee")}); err != nil {
		t.Fatal(err)
	}
	k, err := altIAM.CreateAccessKey(ctx(), &iamCreateKey{UserName: aws.String("lee")})
	if err != nil {
		t.Fatal(err)
	}
	lee := e.s3As(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	wantCode(t, get(lee), "AccessDenied")
	if _, err := altIAM.AttachUserPolicy(ctx(), &iamAttachUser{UserName: aws.String("lee"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	if err := get(lee); err != nil {
		t.Fatalf("other account's user with both allows: %v", err)
	}
	// Still nothing the policy does not grant.
	_, err = lee.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("partner"), Key: aws.String("x"), Body: stringsReader("x")})
	wantCode(t, err, "AccessDenied")
}

// TestPresignedAndPostActAsSigner: a presigned URL and a browser POST are
// judged as the user who signed them.
func TestPresignedAndPostActAsSigner(t *testing.T) {
	e := newEnv(t)
	e.bucket("drop")
	e.put("drop", "a.txt", "A")
	mo, key := e.newUser("mo")
	ps := s3.NewPresignClient(mo)
	u, err := ps.PresignGetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("drop"), Key: aws.String("a.txt")})
	if err != nil {
		t.Fatal(err)
	}
	resp, se, _ := doRaw(t, mustReq("GET", u.URL))
	if resp.StatusCode != 403 || se.Code != "AccessDenied" || !strings.Contains(se.Message, "user/mo") {
		t.Fatalf("presigned by a user without permission: %d %+v", resp.StatusCode, se)
	}
	keyCond := []any{[]any{"starts-with", "$key", ""}}
	req := postFormAs(t, e, *key.AccessKeyId, *key.SecretAccessKey, "drop", map[string]string{"key": "form.txt"}, keyCond, []byte("F"))
	resp, se, _ = doRaw(t, req)
	if resp.StatusCode != 403 || se.Code != "AccessDenied" || !strings.Contains(se.Message, "user/mo") {
		t.Fatalf("POST by a user without permission: %d %+v", resp.StatusCode, se)
	}
	if _, err := e.rootIAM().AttachUserPolicy(ctx(), &iamAttachUser{UserName: aws.String("mo"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3FullAccess")}); err != nil {
		t.Fatal(err)
	}
	resp, _, body := doRaw(t, mustReq("GET", u.URL))
	if resp.StatusCode != 200 || string(body) != "A" {
		t.Fatalf("presigned after the allow: %d %s", resp.StatusCode, body)
	}
	req = postFormAs(t, e, *key.AccessKeyId, *key.SecretAccessKey, "drop", map[string]string{"key": "form.txt"}, keyCond, []byte("F"))
	resp, se, _ = doRaw(t, req)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST after the allow: %d %+v", resp.StatusCode, se)
	}
}

// TestOwnershipControlsAndACLErrors: ACLs disabled by BucketOwnerEnforced.
func TestOwnershipControlsAndACLErrors(t *testing.T) {
	e := newEnv(t)
	e.bucket("enforced")
	_, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("enforced"), Key: aws.String("k"), Body: stringsReader("v"), ACL: s3types.ObjectCannedACLPublicRead})
	ae := wantCode(t, err, "AccessControlListNotSupported")
	if ae.ErrorMessage() != "The bucket does not allow ACLs" {
		t.Fatal(ae.ErrorMessage())
	}
	if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("enforced"), Key: aws.String("k"), Body: stringsReader("v"),
		ACL: s3types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Fatalf("bucket-owner-full-control under BucketOwnerEnforced: %v", err)
	}
	_, err = e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("acl-on-create"), ACL: s3types.BucketCannedACLPublicRead})
	wantCode(t, err, "InvalidBucketAclWithObjectOwnership")
	// Switching to ObjectWriter enables ACLs; back to enforced is refused
	// while the bucket ACL grants others.
	if _, err := e.S3.PutBucketOwnershipControls(ctx(), &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("enforced"),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipObjectWriter}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S3.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: aws.String("enforced"), GrantRead: aws.String(`uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"`)}); err != nil {
		// AuthenticatedUsers is public: Block Public Access (on by default) refuses it.
		wantCode(t, err, "AccessDenied")
	}
	if _, err := e.S3.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: aws.String("enforced"), GrantRead: aws.String(`id="` + canonicalOf("111111111111") + `"`)}); err != nil {
		t.Fatal(err)
	}
	// The other account may now list through the ACL.
	if _, err := e.Alt.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("enforced")}); err != nil {
		t.Fatalf("ACL grant to another account: %v", err)
	}
	_, err = e.S3.PutBucketOwnershipControls(ctx(), &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("enforced"),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}})
	wantCode(t, err, "InvalidBucketAclWithObjectOwnership")
	if _, err := e.S3.DeleteBucketOwnershipControls(ctx(), &s3.DeleteBucketOwnershipControlsInput{Bucket: aws.String("enforced")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.S3.GetBucketOwnershipControls(ctx(), &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("enforced")})
	wantCode(t, err, "OwnershipControlsNotFoundError")
	_, err = e.S3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("enforced")})
	wantCode(t, err, "NoSuchBucketPolicy")
	_, err = e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("enforced"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::enforced/*"}]}`)})
	ae = wantCode(t, err, "MalformedPolicy")
	if ae.ErrorMessage() != "Missing required field Principal" {
		t.Fatal(ae.ErrorMessage())
	}
	_, err = e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("enforced"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::elsewhere/*"}]}`)})
	ae = wantCode(t, err, "MalformedPolicy")
	if ae.ErrorMessage() != "Policy has invalid resource" {
		t.Fatal(ae.ErrorMessage())
	}
}

// TestOwnerEnforcedEquivalentACLs: with ACLs disabled, an ACL equal to
// "bucket owner full control" is accepted and nothing else is. A new
// object's canned private is that ACL from the owner's account (rclone
// sends it on every upload) but not from another account
// (rclone/rclone#6413); PutBucketAcl and PutObjectAcl refuse canned
// private even from the owner (hashicorp/terraform-provider-aws#34079).
func TestOwnerEnforcedEquivalentACLs(t *testing.T) {
	e := newEnv(t)
	e.bucket("owned")
	owner := canonicalOf("000000000000")
	put := func(c *s3.Client, key string, acl s3types.ObjectCannedACL) error {
		_, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("owned"), Key: aws.String(key), Body: stringsReader("v"), ACL: acl})
		return err
	}
	if err := put(e.S3, "mine", s3types.ObjectCannedACLPrivate); err != nil {
		t.Fatalf("the owner's PutObject with ACL private: %v", err)
	}
	if _, err := e.S3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("owned"), Key: aws.String("copy"), CopySource: aws.String("owned/mine"),
		ACL: s3types.ObjectCannedACLPrivate}); err != nil {
		t.Fatalf("the owner's CopyObject with ACL private: %v", err)
	}
	// The other account may write (bucket policy), but not with its own private ACL.
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("owned"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::owned/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, put(e.Alt, "theirs", s3types.ObjectCannedACLPrivate), "AccessControlListNotSupported")
	_, err := e.Alt.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("owned"), Key: aws.String("theirs"), ACL: s3types.ObjectCannedACLPrivate})
	wantCode(t, err, "AccessControlListNotSupported")
	if err := put(e.Alt, "theirs", s3types.ObjectCannedACLBucketOwnerFullControl); err != nil {
		t.Fatalf("the other account's PutObject with bucket-owner-full-control: %v", err)
	}
	if err := put(e.Alt, "theirs", ""); err != nil {
		t.Fatalf("the other account's PutObject without an ACL: %v", err)
	}
	// Setting ACLs: canned private is refused; an XML ACL of owner full control is not.
	_, err = e.S3.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: aws.String("owned"), ACL: s3types.BucketCannedACLPrivate})
	wantCode(t, err, "AccessControlListNotSupported")
	_, err = e.S3.PutObjectAcl(ctx(), &s3.PutObjectAclInput{Bucket: aws.String("owned"), Key: aws.String("mine"), ACL: s3types.ObjectCannedACLPrivate})
	wantCode(t, err, "AccessControlListNotSupported")
	full := &s3types.AccessControlPolicy{Owner: &s3types.Owner{ID: aws.String(owner)}, Grants: []s3types.Grant{{
		Grantee: &s3types.Grantee{Type: s3types.TypeCanonicalUser, ID: aws.String(owner)}, Permission: s3types.PermissionFullControl}}}
	if _, err := e.S3.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: aws.String("owned"), AccessControlPolicy: full}); err != nil {
		t.Fatalf("PutBucketAcl of bucket owner full control: %v", err)
	}
	if _, err := e.S3.PutObjectAcl(ctx(), &s3.PutObjectAclInput{Bucket: aws.String("owned"), Key: aws.String("mine"), AccessControlPolicy: full}); err != nil {
		t.Fatalf("PutObjectAcl of bucket owner full control: %v", err)
	}
	// Less than full control to the owner, no grants at all, or a grant to
	// anyone else: refused.
	_, err = e.S3.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: aws.String("owned"), GrantRead: aws.String(`id="` + owner + `"`)})
	wantCode(t, err, "AccessControlListNotSupported")
	_, err = e.S3.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: aws.String("owned"),
		AccessControlPolicy: &s3types.AccessControlPolicy{Owner: &s3types.Owner{ID: aws.String(owner)}, Grants: []s3types.Grant{}}})
	wantCode(t, err, "AccessControlListNotSupported")
	full.Grants = append(full.Grants, s3types.Grant{Grantee: &s3types.Grantee{Type: s3types.TypeCanonicalUser, ID: aws.String(canonicalOf("111111111111"))}, Permission: s3types.PermissionRead})
	_, err = e.S3.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: aws.String("owned"), AccessControlPolicy: full})
	wantCode(t, err, "AccessControlListNotSupported")
}

// TestRootKeepsBucketPolicyAccess: the owner's root may always get, put
// and delete its bucket policy, even one that denies it explicitly, and
// even one put with x-amz-confirm-remove-self-bucket-access: "Bucket owner
// root principals can only be blocked from performing these API actions by
// VPC endpoint policies and AWS Organizations policies" (DeleteBucketPolicy,
// S3 API Reference). An IAM user of the account is denied.
func TestRootKeepsBucketPolicyAccess(t *testing.T) {
	e := newEnv(t)
	e.bucket("locked")
	deny := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",
		"Action":["s3:PutBucketPolicy","s3:GetBucketPolicy","s3:DeleteBucketPolicy"],"Resource":"arn:aws:s3:::locked"}]}`)
	_, key := e.newUser("admin", "arn:aws:iam::aws:policy/AdministratorAccess")
	admin := e.s3As(*key.AccessKeyId, *key.SecretAccessKey, "")
	for _, confirm := range []*bool{nil, aws.Bool(true)} {
		if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("locked"), Policy: deny,
			ConfirmRemoveSelfBucketAccess: confirm}); err != nil {
			t.Fatal(err)
		}
		_, err := admin.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("locked")})
		wantCode(t, err, "AccessDenied")
		if _, err := e.S3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("locked")}); err != nil {
			t.Fatalf("root's GetBucketPolicy under a policy denying it (confirm %v): %v", confirm != nil, err)
		}
		if _, err := e.S3.DeleteBucketPolicy(ctx(), &s3.DeleteBucketPolicyInput{Bucket: aws.String("locked")}); err != nil {
			t.Fatalf("root's DeleteBucketPolicy under a policy denying it (confirm %v): %v", confirm != nil, err)
		}
	}
}

// TestBucketPolicyOwnerAccountOnly: another account is refused the bucket
// policy operations with 403 without permission and with 405 with it
// ("…not using an identity that belongs to the bucket owner's account",
// GetBucketPolicy, S3 API Reference; s3tools/s3cmd#885).
func TestBucketPolicyOwnerAccountOnly(t *testing.T) {
	e := newEnv(t)
	e.bucket("mine")
	pol := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},
		"Action":["s3:GetBucketPolicy","s3:PutBucketPolicy","s3:DeleteBucketPolicy"],"Resource":"arn:aws:s3:::mine"}]}`)
	try := func() []error {
		_, err1 := e.Alt.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("mine")})
		_, err2 := e.Alt.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("mine"), Policy: pol})
		_, err3 := e.Alt.DeleteBucketPolicy(ctx(), &s3.DeleteBucketPolicyInput{Bucket: aws.String("mine")})
		return []error{err1, err2, err3}
	}
	for _, err := range try() {
		wantCode(t, err, "AccessDenied")
	}
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("mine"), Policy: pol}); err != nil {
		t.Fatal(err)
	}
	for _, err := range try() {
		wantCode(t, err, "MethodNotAllowed")
	}
	if _, err := e.S3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("mine")}); err != nil {
		t.Fatalf("the owner's GetBucketPolicy: %v", err)
	}
}

// TestLegacyBucketDefaults: the opt-in pre-2023 defaults.
func TestLegacyBucketDefaults(t *testing.T) {
	e := newEnvWith(t, server.Config{LegacyBucketDefaults: true})
	if _, err := e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("old"), ACL: s3types.BucketCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	_, err := e.S3.GetPublicAccessBlock(ctx(), &s3.GetPublicAccessBlockInput{Bucket: aws.String("old")})
	wantCode(t, err, "NoSuchPublicAccessBlockConfiguration")
	if code, _ := e.anonGet("/old"); code != 200 {
		t.Fatalf("public-read legacy bucket: %d", code)
	}
}

type (
	iamCreateUser = iam.CreateUserInput
	iamCreateKey  = iam.CreateAccessKeyInput
	iamAttachUser = iam.AttachUserPolicyInput
)

func canonicalOf(account string) string { return acl.CanonicalID(account) }

// TestMissingKeyAnswersByListPermission: a missing key is NoSuchKey to a
// caller who may list it (s3:prefix matching the key), AccessDenied to
// one who may not, so denials do not reveal which keys exist.
func TestMissingKeyAnswersByListPermission(t *testing.T) {
	e := newEnv(t)
	e.bucket("probe")
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::probe","Condition":{"StringLike":{"s3:prefix":"public/*"}}}]}`
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("probe"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.Alt.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("probe"), Key: aws.String("public/none")})
	wantStatus(t, err, 404)
	_, err = e.Alt.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("probe"), Key: aws.String("private/none")})
	wantStatus(t, err, 403)
	_, err = e.Alt.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("probe"), Key: aws.String("public/none")})
	wantCode(t, err, "NoSuchKey")
}

// TestAnonymousMissingKeyByListPermission: the same rule for anonymous
// callers: a public s3:ListBucket makes a missing key 404, without it 403.
func TestAnonymousMissingKeyByListPermission(t *testing.T) {
	e := newEnv(t)
	e.bucket("pub")
	if _, err := e.S3.DeletePublicAccessBlock(ctx(), &s3.DeletePublicAccessBlockInput{Bucket: aws.String("pub")}); err != nil {
		t.Fatal(err)
	}
	getOnly := fmt.Sprintf(publicReadPolicy, "pub")
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("pub"), Policy: aws.String(getOnly)}); err != nil {
		t.Fatal(err)
	}
	if code, body := e.anonGet("/pub/missing"); code != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Fatalf("no public list: %d %s", code, body)
	}
	withList := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/*"},{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::pub"}]}`
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("pub"), Policy: aws.String(withList)}); err != nil {
		t.Fatal(err)
	}
	if code, body := e.anonGet("/pub/missing"); code != 404 || !strings.Contains(body, "<Code>NoSuchKey</Code>") {
		t.Fatalf("public list: %d %s", code, body)
	}
	// A user allowed s3:GetObject but not s3:ListBucket: 403 for a missing
	// key, by GET and by HEAD; the bucket's own root: 404.
	e.bucket("private")
	reader, _ := e.newUser("reader")
	if _, err := e.rootIAM().PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("get"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::private/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err := reader.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("private"), Key: aws.String("missing")})
	wantCode(t, err, "AccessDenied")
	_, err = reader.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("private"), Key: aws.String("missing")})
	wantStatus(t, err, 403)
	_, err = e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("private"), Key: aws.String("missing")})
	wantStatus(t, err, 404)
}

// TestExpectedBucketOwner: x-amz-expected-bucket-owner and
// x-amz-source-expected-bucket-owner refuse a bucket another account owns.
func TestExpectedBucketOwner(t *testing.T) {
	e := newEnv(t)
	e.bucket("mine")
	if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("mine"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	other := testAccounts[1].ID
	_, err := e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("mine"), ExpectedBucketOwner: aws.String(other)})
	wantCode(t, err, "AccessDenied")
	_, err = e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("mine"), Key: aws.String("k2"), Body: strings.NewReader("v"), ExpectedBucketOwner: aws.String(other)})
	wantCode(t, err, "AccessDenied")
	if _, err := e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("mine"), Key: aws.String("k2")}); err == nil {
		t.Fatal("the refused PUT stored its object")
	}
	if _, err := e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("mine"), ExpectedBucketOwner: aws.String("000000000000")}); err != nil {
		t.Fatalf("own account expected: %v", err)
	}
	_, err = e.S3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("mine"), Key: aws.String("copy"), CopySource: aws.String("mine/k"), ExpectedSourceBucketOwner: aws.String(other)})
	wantCode(t, err, "AccessDenied")
	if _, err := e.S3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("mine"), Key: aws.String("copy"), CopySource: aws.String("mine/k"), ExpectedSourceBucketOwner: aws.String("000000000000"), ExpectedBucketOwner: aws.String("000000000000")}); err != nil {
		t.Fatalf("copy with the right owners: %v", err)
	}
}

// TestObjectWriterOwnsItsObject: with ACLs enabled (ObjectWriter) an
// object another account uploads is that account's: the bucket owner
// needs the object's ACL to read it.
func TestObjectWriterOwnsItsObject(t *testing.T) {
	e := newEnv(t)
	e.openBucket("shared-drop")
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared-drop/*"}]}`
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("shared-drop"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Alt.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("shared-drop"), Key: aws.String("theirs"), Body: stringsReader("x")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.S3.GetObjectAcl(ctx(), &s3.GetObjectAclInput{Bucket: aws.String("shared-drop"), Key: aws.String("theirs")})
	wantCode(t, err, "AccessDenied")
	acl, err := e.Alt.GetObjectAcl(ctx(), &s3.GetObjectAclInput{Bucket: aws.String("shared-drop"), Key: aws.String("theirs")})
	if err != nil || *acl.Owner.ID != canonicalOf("111111111111") {
		t.Fatalf("writer's ACL: %+v %v", acl, err)
	}
	// With bucket-owner-full-control the bucket owner may read it.
	if _, err := e.Alt.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("shared-drop"), Key: aws.String("shared"), Body: stringsReader("y"),
		ACL: s3types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Fatal(err)
	}
	if got := e.get("shared-drop", "shared"); got != "y" {
		t.Fatal(got)
	}
}

// TestRecreateBucketResetsACL: re-creating an owned bucket in us-east-1
// answers 200 and resets its ACL, S3's legacy behaviour there.
func TestRecreateBucketResetsACL(t *testing.T) {
	e := newEnvWith(t, server.Config{LegacyBucketDefaults: true})
	if _, err := e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("again"), ACL: s3types.BucketCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if code, _ := e.anonGet("/again"); code != 200 {
		t.Fatalf("public-read before: %d", code)
	}
	if _, err := e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("again")}); err != nil {
		t.Fatalf("re-create in us-east-1: %v", err)
	}
	if code, _ := e.anonGet("/again"); code != 403 {
		t.Fatalf("ACL not reset: %d", code)
	}
}

// TestRefererCondition: the classic "only from my site" bucket policy
// (aws:Referer, which the edge takes from the request) opens objects to
// anonymous requests that carry the referer, and to no others.
func TestRefererCondition(t *testing.T) {
	e := newEnv(t)
	e.openBucket("hotlink")
	if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("hotlink"), Key: aws.String("cat.jpg"), Body: strings.NewReader("meow")}); err != nil {
		t.Fatal(err)
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::hotlink/*",` +
		`"Condition":{"StringLike":{"aws:Referer":"https://example.com/*"}}}]}`
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("hotlink"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	get := func(referer string) int {
		req, _ := http.NewRequest("GET", e.URL+"/hotlink/cat.jpg", nil)
		if referer != "" {
			req.Header.Set("Referer", referer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for ref, want := range map[string]int{"https://example.com/gallery": 200, "https://elsewhere.example/": 403, "": 403} {
		if got := get(ref); got != want {
			t.Errorf("Referer %q: %d, want %d", ref, got, want)
		}
	}
}
