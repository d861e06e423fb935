package clients

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// TestHTTPS: gureum serves HTTPS with a certificate of its local CA; the
// Go SDK trusting the CA and boto3 with AWS_CA_BUNDLE work over it, and
// aws:SecureTransport tells the two ports apart.
func TestHTTPS(t *testing.T) {
	resp, err := http.Get(server.url + "/_gureum/health")
	if err != nil {
		t.Fatal(err)
	}
	var health struct {
		Endpoints map[string]string `json:"endpoints"`
	}
	err = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	httpsURL, ca := health.Endpoints["https"], health.Endpoints["ca"]
	if err != nil || !strings.HasPrefix(httpsURL, "https://127.0.0.1:") || ca == "" {
		t.Fatalf("health endpoints: %+v %v", health.Endpoints, err)
	}
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("the CA is not PEM")
	}
	// Without the CA, the certificate is not trusted.
	if _, err := http.Get(httpsURL + "/_gureum/health"); err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	client := func(endpoint string) *s3.Client {
		return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true, HTTPClient: hc,
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	}
	ctx := context.Background()
	sc := client(httpsURL)
	bucket := bucketName("https")
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket over HTTPS: %v", err)
	}
	if _, err := sc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("over tls")}); err != nil {
		t.Fatal(err)
	}
	// A policy that denies every request not over TLS.
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	if _, err := sc.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	o, err := sc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	if err != nil {
		t.Fatalf("GetObject over HTTPS: %v", err)
	}
	b, _ := io.ReadAll(o.Body)
	o.Body.Close()
	if string(b) != "over tls" {
		t.Fatalf("body %q", b)
	}
	_, err = client(server.url).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("GetObject over HTTP with the policy: %v", err)
	}
	// boto3 with AWS_CA_BUNDLE.
	py := lookBoto3(t)
	// Then SSE-C (boto3 encodes the key and its MD5) and Object Lock.
	script := `import boto3, os, datetime, botocore
s3 = boto3.client("s3", endpoint_url=os.environ["GUREUM_HTTPS"], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
b = os.environ["BUCKET"]
print(s3.get_object(Bucket=b, Key="k")["Body"].read().decode())
# No body: over HTTPS botocore sends it aws-chunked, without Content-Length.
s3.put_object(Bucket=b, Key="empty")
assert s3.head_object(Bucket=b, Key="empty")["ContentLength"] == 0
key = os.urandom(32)
s3.put_object(Bucket=b, Key="ssec", Body=b"customer secret", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
got = s3.get_object(Bucket=b, Key="ssec", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
assert got["Body"].read() == b"customer secret" and got["SSECustomerAlgorithm"] == "AES256"
try:
    s3.get_object(Bucket=b, Key="ssec")
    raise SystemExit("SSE-C object read without its key")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidRequest", e.response
lb = b + "-lock"
s3.create_bucket(Bucket=lb, ObjectLockEnabledForBucket=True)
until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
v = s3.put_object(Bucket=lb, Key="w", Body=b"worm", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)["VersionId"]
assert s3.get_object_retention(Bucket=lb, Key="w")["Retention"]["Mode"] == "COMPLIANCE"
try:
    s3.delete_object(Bucket=lb, Key="w", VersionId=v, BypassGovernanceRetention=True)
    raise SystemExit("a COMPLIANCE version was deleted")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied", e.response
print("ok")`
	cmd := exec.Command(py, "-c", script)
	cmd.Env = append(os.Environ(), "AWS_CA_BUNDLE="+ca, "GUREUM_HTTPS="+httpsURL, "BUCKET="+bucket)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "over tls\nok" {
		t.Fatalf("boto3 with AWS_CA_BUNDLE: %v\n%s", err, out)
	}
}
