package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/server"
)

func (e *testEnv) awsConfig(ak, sk, token string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(ak, sk, token),
		HTTPClient:   e.HTTP,
		BaseEndpoint: aws.String(e.URL),
	}
}

func (e *testEnv) iam(ak, sk, token string) *iam.Client {
	return iam.NewFromConfig(e.awsConfig(ak, sk, token), func(o *iam.Options) { o.RetryMaxAttempts = 1 })
}

func (e *testEnv) sts(ak, sk, token string) *sts.Client {
	return sts.NewFromConfig(e.awsConfig(ak, sk, token), func(o *sts.Options) { o.RetryMaxAttempts = 1 })
}

func (e *testEnv) s3As(ak, sk, token string) *s3.Client {
	return s3.NewFromConfig(e.awsConfig(ak, sk, token), func(o *s3.Options) {
		o.UsePathStyle = true
		o.RetryMaxAttempts = 1
	})
}

// rootIAM is the default account root's IAM client.
func (e *testEnv) rootIAM() *iam.Client { return e.iam("test", "test", "") }

// newUser creates an IAM user with an access key and returns an S3 client
// acting as it.
func (e *testEnv) newUser(name string, managed ...string) (*s3.Client, iamtypes.AccessKey) {
	e.t.Helper()
	c := e.rootIAM()
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		e.t.Fatalf("CreateUser: %v", err)
	}
	for _, m := range managed {
		if _, err := c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(m)}); err != nil {
			e.t.Fatalf("AttachUserPolicy: %v", err)
		}
	}
	k, err := c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		e.t.Fatalf("CreateAccessKey: %v", err)
	}
	return e.s3As(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, ""), *k.AccessKey
}

// inlineKey gives an existing user an inline policy and an access key, and
// returns the key and the principal the server resolves it to.
func (e *testEnv) inlineKey(user, policy string) (ak, sk string, p request.Principal) {
	e.t.Helper()
	root := e.rootIAM()
	if _, err := root.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String("inline"), PolicyDocument: aws.String(policy)}); err != nil {
		e.t.Fatal(err)
	}
	k, err := root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		e.t.Fatal(err)
	}
	ak, sk = *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey
	p, err = e.srv.IAM.Principal(ctx(), ak, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return ak, sk, p
}

// anonGet fetches a path without credentials.
func (e *testEnv) anonGet(path string) (int, string) {
	e.t.Helper()
	resp, err := http.Get(e.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const publicReadPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}`

// TestLearnerStory walks the story: a new bucket blocks public
// access; a public policy is refused while BlockPublicPolicy is on; with
// Block Public Access off the policy makes the object public; a private
// bucket beside it stays private.
func TestLearnerStory(t *testing.T) {
	e := newEnv(t)
	e.bucket("photos")
	e.bucket("private-stuff")
	e.put("photos", "cat.png", "meow")
	e.put("private-stuff", "diary.txt", "secret")

	if code, body := e.anonGet("/photos/cat.png"); code != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Fatalf("anonymous GET of a new bucket: %d %s", code, body)
	}
	pab, err := e.S3.GetPublicAccessBlock(ctx(), &s3.GetPublicAccessBlockInput{Bucket: aws.String("photos")})
	if err != nil {
		t.Fatal(err)
	}
	c := pab.PublicAccessBlockConfiguration
	if !*c.BlockPublicAcls || !*c.IgnorePublicAcls || !*c.BlockPublicPolicy || !*c.RestrictPublicBuckets {
		t.Fatalf("new bucket's Block Public Access: %+v", c)
	}
	oc, err := e.S3.GetBucketOwnershipControls(ctx(), &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("photos")})
	if err != nil || oc.OwnershipControls.Rules[0].ObjectOwnership != s3types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("new bucket's ownership: %v %v", oc, err)
	}

	pol := strings.ReplaceAll(publicReadPolicy, "%s", "photos")
	_, err = e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("photos"), Policy: aws.String(pol)})
	ae := wantCode(t, err, "AccessDenied")
	if !strings.Contains(ae.ErrorMessage(), "because public policies are blocked by the BlockPublicPolicy block public access setting") {
		t.Fatalf("message: %s", ae.ErrorMessage())
	}

	if _, err := e.S3.DeletePublicAccessBlock(ctx(), &s3.DeletePublicAccessBlockInput{Bucket: aws.String("photos")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("photos"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	if code, body := e.anonGet("/photos/cat.png"); code != 200 || body != "meow" {
		t.Fatalf("anonymous GET after the public policy: %d %s", code, body)
	}
	// Virtual-hosted-style, as a browser with a DNS name would.
	req, _ := http.NewRequest("GET", e.URL+"/cat.png", nil)
	req.Host = "photos.s3.localhost"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("virtual-hosted anonymous GET: %d", resp.StatusCode)
	}
	// The policy grants GetObject only: listing stays private.
	if code, _ := e.anonGet("/photos"); code != 403 {
		t.Fatalf("anonymous list: %d", code)
	}
	if code, _ := e.anonGet("/private-stuff/diary.txt"); code != 403 {
		t.Fatalf("the private bucket answered anonymously: %d", code)
	}
	st, err := e.S3.GetBucketPolicyStatus(ctx(), &s3.GetBucketPolicyStatusInput{Bucket: aws.String("photos")})
	if err != nil || !*st.PolicyStatus.IsPublic {
		t.Fatalf("policy status: %v %v", st, err)
	}

	// The IAM user for the IDE: nothing without a policy …
	alice, _ := e.newUser("alice")
	_, err = alice.ListBuckets(ctx(), &s3.ListBucketsInput{})
	ae = wantCode(t, err, "AccessDenied")
	want := `User: arn:aws:iam::000000000000:user/alice is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action`
	if ae.ErrorMessage() != want {
		t.Fatalf("message:\n got %s\nwant %s", ae.ErrorMessage(), want)
	}
	// … and with AmazonS3ReadOnlyAccess it lists and reads but cannot write.
	if _, err := e.rootIAM().AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("alice"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	lb, err := alice.ListBuckets(ctx(), &s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 2 {
		t.Fatalf("ListBuckets as alice: %v %v", lb, err)
	}
	g, err := alice.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("private-stuff"), Key: aws.String("diary.txt")})
	if err != nil {
		t.Fatal(err)
	}
	g.Body.Close()
	_, err = alice.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String("dog.png"), Body: stringsReader("woof")})
	ae = wantCode(t, err, "AccessDenied")
	want = `User: arn:aws:iam::000000000000:user/alice is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::photos/dog.png" because no identity-based policy allows the s3:PutObject action`
	if ae.ErrorMessage() != want {
		t.Fatalf("message:\n got %s\nwant %s", ae.ErrorMessage(), want)
	}
}

// TestExplicitDenyInBucketPolicyBeatsIdentityAllow: an explicit deny in
// a resource policy wins over AmazonS3FullAccess.
func TestExplicitDenyInBucketPolicyBeatsIdentityAllow(t *testing.T) {
	e := newEnv(t)
	e.bucket("vault")
	e.put("vault", "gold", "au")
	bob, _ := e.newUser("bob", "arn:aws:iam::aws:policy/AmazonS3FullAccess")
	if _, err := bob.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("vault"), Key: aws.String("gold")}); err != nil {
		t.Fatalf("full access before the deny: %v", err)
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::vault/*"}]}`
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String("vault"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	_, err := bob.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("vault"), Key: aws.String("gold")})
	ae := wantCode(t, err, "AccessDenied")
	if !strings.HasSuffix(ae.ErrorMessage(), "with an explicit deny in a resource-based policy") {
		t.Fatalf("message: %s", ae.ErrorMessage())
	}
	// Other actions stay allowed; the root still reads.
	if _, err := bob.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("silver"), Body: stringsReader("ag")}); err != nil {
		t.Fatal(err)
	}
	if got := e.get("vault", "gold"); got != "au" {
		t.Fatal(got)
	}
}

// TestConditionsSourceIPAndPrefix: aws:SourceIp and s3:prefix conditions
// in an identity policy.
func TestConditionsSourceIPAndPrefix(t *testing.T) {
	e := newEnv(t)
	e.bucket("home")
	e.put("home", "carol/notes.txt", "mine")
	e.put("home", "dave/notes.txt", "his")
	c := e.rootIAM()
	carol, _ := e.newUser("carol")
	doc := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::home","Condition":{"StringLike":{"s3:prefix":["${aws:username}/*"]}}},
	  {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}},
	  {"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::home/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`
	if _, err := c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("home"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("home"), Prefix: aws.String("carol/")}); err != nil {
		t.Fatalf("list own prefix: %v", err)
	}
	_, err := carol.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("home"), Prefix: aws.String("dave/")})
	wantCode(t, err, "AccessDenied")
	_, err = carol.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("home")})
	wantCode(t, err, "AccessDenied")
	g, err := carol.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("home"), Key: aws.String("carol/notes.txt")})
	if err != nil {
		t.Fatalf("get from 127.0.0.1: %v", err)
	}
	g.Body.Close()
	_, err = carol.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("home"), Key: aws.String("dave/notes.txt")})
	wantCode(t, err, "AccessDenied")
	// The test's address is 127.0.0.1, not in 203.0.113.0/24.
	_, err = carol.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("home"), Key: aws.String("carol/x"), Body: stringsReader("x")})
	wantCode(t, err, "AccessDenied")
}

// TestInactiveKeyIsInvalid: an inactive key is an unknown key.
func TestInactiveKeyIsInvalid(t *testing.T) {
	e := newEnv(t)
	erin, key := e.newUser("erin", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	if _, err := erin.ListBuckets(ctx(), &s3.ListBucketsInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rootIAM().UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{UserName: aws.String("erin"), AccessKeyId: key.AccessKeyId,
		Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err := erin.ListBuckets(ctx(), &s3.ListBucketsInput{})
	wantCode(t, err, "InvalidAccessKeyId")
	_, err = e.iam(*key.AccessKeyId, *key.SecretAccessKey, "").ListUsers(ctx(), &iam.ListUsersInput{})
	wantCode(t, err, "InvalidClientTokenId")
	// Active again, it works again; deleted, it is gone.
	if _, err := e.rootIAM().UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{UserName: aws.String("erin"), AccessKeyId: key.AccessKeyId,
		Status: iamtypes.StatusTypeActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := erin.ListBuckets(ctx(), &s3.ListBucketsInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rootIAM().DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: aws.String("erin"), AccessKeyId: key.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = erin.ListBuckets(ctx(), &s3.ListBucketsInput{})
	wantCode(t, err, "InvalidAccessKeyId")
}

// testClock is a clock a test can move.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

const trustAlice = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"sts:AssumeRole"}]}`

// TestRoleSession: AssumeRole by trust policy, the session's identity and
// permissions, a session policy narrowing them, and expiry.
func TestRoleSession(t *testing.T) {
	clock := &testClock{}
	e := newEnvWith(t, server.Config{Now: clock.Now})
	e.bucket("reports")
	e.put("reports", "q1.csv", "1,2,3")
	c := e.rootIAM()
	_, key := e.newUser("alice")
	if _, err := c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("Reader"), AssumeRolePolicyDocument: aws.String(trustAlice)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx(), &iam.AttachRolePolicyInput{RoleName: aws.String("Reader"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3FullAccess")}); err != nil {
		t.Fatal(err)
	}
	aliceSTS := e.sts(*key.AccessKeyId, *key.SecretAccessKey, "")
	id, err := aliceSTS.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:iam::000000000000:user/alice" || *id.Account != "000000000000" {
		t.Fatalf("GetCallerIdentity: %v %v", id, err)
	}
	// A role nobody trusts it for.
	if _, err := c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("Admin"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = aliceSTS.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/Admin"), RoleSessionName: aws.String("probe")})
	wantCode(t, err, "AccessDenied")

	ar, err := aliceSTS.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/Reader"),
		RoleSessionName: aws.String("audit"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	cr := ar.Credentials
	if !strings.HasPrefix(*cr.AccessKeyId, "ASIA") || *ar.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/Reader/audit" {
		t.Fatalf("AssumeRole: %+v %+v", *cr.AccessKeyId, *ar.AssumedRoleUser.Arn)
	}
	sess := e.sts(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)
	id, err = sess.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:sts::000000000000:assumed-role/Reader/audit" || !strings.HasSuffix(*id.UserId, ":audit") {
		t.Fatalf("session identity: %v %v", id, err)
	}
	rs3 := e.s3As(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)
	if _, err := rs3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("reports"), Key: aws.String("q2.csv"), Body: stringsReader("4")}); err != nil {
		t.Fatalf("role session write: %v", err)
	}
	// A wrong token is refused.
	_, err = e.s3As(*cr.AccessKeyId, *cr.SecretAccessKey, "forged").ListBuckets(ctx(), &s3.ListBucketsInput{})
	wantCode(t, err, "InvalidToken")

	// A session policy narrows the role to reading.
	ro, err := aliceSTS.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/Reader"),
		RoleSessionName: aws.String("narrow"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`),
		PolicyArns: []ststypes.PolicyDescriptorType{}})
	if err != nil {
		t.Fatal(err)
	}
	nc := ro.Credentials
	ns3 := e.s3As(*nc.AccessKeyId, *nc.SecretAccessKey, *nc.SessionToken)
	g, err := ns3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("reports"), Key: aws.String("q1.csv")})
	if err != nil {
		t.Fatal(err)
	}
	g.Body.Close()
	_, err = ns3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("reports"), Key: aws.String("q3.csv"), Body: stringsReader("5")})
	ae := wantCode(t, err, "AccessDenied")
	if !strings.Contains(ae.ErrorMessage(), "because no session policy allows the s3:PutObject action") {
		t.Fatalf("message: %s", ae.ErrorMessage())
	}

	// After 15 minutes the session has expired. The request is signed at
	// the moved clock too, so only the token's age is wrong.
	clock.advance(16 * time.Minute)
	for _, tc := range []struct{ service, path, body, code string }{
		{"s3", "/reports/q1.csv", "", "ExpiredToken"},
		{"sts", "/", "Action=GetCallerIdentity&Version=2011-06-15", "ExpiredToken"},
	} {
		method := "GET"
		if tc.body != "" {
			method = "POST"
		}
		req, _ := http.NewRequest(method, e.URL+tc.path, bytes.NewReader([]byte(tc.body)))
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		sum := sha256.Sum256([]byte(tc.body))
		h := hex.EncodeToString(sum[:])
		req.Header.Set("X-Amz-Content-Sha256", h)
		creds := aws.Credentials{AccessKeyID: *cr.AccessKeyId, SecretAccessKey: *cr.SecretAccessKey, SessionToken: *cr.SessionToken}
		if err := v4.NewSigner().SignHTTP(ctx(), creds, req, h, tc.service, "us-east-1", clock.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "<Code>"+tc.code+"</Code>") {
			t.Fatalf("%s after expiry: %d %s", tc.service, resp.StatusCode, b)
		}
	}
}

// TestIAMPermissions: IAM calls are authorized like any other.
func TestIAMPermissions(t *testing.T) {
	e := newEnv(t)
	_, key := e.newUser("frank")
	fi := e.iam(*key.AccessKeyId, *key.SecretAccessKey, "")
	_, err := fi.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("mallory")})
	ae := wantCode(t, err, "AccessDenied")
	want := "User: arn:aws:iam::000000000000:user/frank is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::000000000000:user/mallory because no identity-based policy allows the iam:CreateUser action"
	if ae.ErrorMessage() != want {
		t.Fatalf("message:\n got %s\nwant %s", ae.ErrorMessage(), want)
	}
	if _, err := e.rootIAM().AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("frank"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	lu, err := fi.ListUsers(ctx(), &iam.ListUsersInput{})
	if err != nil || len(lu.Users) != 1 {
		t.Fatalf("ListUsers: %v %v", lu, err)
	}
	_, err = fi.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("mallory")})
	wantCode(t, err, "AccessDenied")
	// STS: who-am-I needs no permission; GetAccessKeyInfo does.
	fs := e.sts(*key.AccessKeyId, *key.SecretAccessKey, "")
	if _, err := fs.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = fs.GetAccessKeyInfo(ctx(), &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String("AKIAALTALTALTALTALT1")})
	wantCode(t, err, "AccessDenied")
	info, err := e.sts("test", "test", "").GetAccessKeyInfo(ctx(), &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String("AKIAALTALTALTALTALT1")})
	if err != nil || *info.Account != "111111111111" {
		t.Fatalf("GetAccessKeyInfo: %v %v", info, err)
	}
	// GetUser without a name is the caller.
	u, err := fi.GetUser(ctx(), &iam.GetUserInput{})
	if err != nil || *u.User.UserName != "frank" {
		t.Fatalf("GetUser: %v %v", u, err)
	}
}

var _ = url.Values{}
