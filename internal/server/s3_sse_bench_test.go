package server_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/gureum/gureum/internal/server"
)

// BenchmarkSSE: PUT and GET of 4 KiB and 64 MiB objects over HTTPS (a real
// TLS connection on loopback, gureum's CA, aws-sdk-go-v2 with its default
// trailing checksum), stored as sent (SSE-S3, plain), with a customer key
// (SSE-C) and with a KMS data key (SSE-KMS). MB/s is the object bytes.
//
//	go test -run '^$' -bench BenchmarkSSE -benchtime 20x ./internal/server
func BenchmarkSSE(b *testing.B) {
	dir := b.TempDir()
	srv, err := server.Open(server.Config{DataDir: dir, Accounts: testAccounts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	ts, tr := serveTLS(b, srv, dir)
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), UsePathStyle: true, HTTPClient: &http.Client{Transport: tr},
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if _, err := c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	out, err := (&testEnv{URL: ts.URL, HTTP: &http.Client{Transport: tr}}).kmsJSON("test", "test", "CreateKey", map[string]any{})
	if err != nil {
		b.Fatal(err)
	}
	kmsKey := out["KeyMetadata"].(map[string]any)["Arn"].(string)
	raw := []byte("0123456789abcdef0123456789abcdef")
	k := sseKey{b64: base64.StdEncoding.EncodeToString(raw), md5: md5b64(string(raw))}
	modes := []struct {
		name string
		put  func(*s3.PutObjectInput)
		get  func(*s3.GetObjectInput)
	}{
		{"plain", func(*s3.PutObjectInput) {}, func(*s3.GetObjectInput) {}},
		{"sse-c", func(in *s3.PutObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(k.b64), aws.String(k.md5)
		}, func(in *s3.GetObjectInput) {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(k.b64), aws.String(k.md5)
		}},
		{"sse-kms", func(in *s3.PutObjectInput) {
			in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, aws.String(kmsKey)
		}, func(*s3.GetObjectInput) {}},
	}
	for _, size := range []int{4 << 10, 64 << 20} {
		body := bytes.Repeat([]byte("0123456789abcdef"), size/16)
		label := "4KiB"
		if size > 4<<10 {
			label = "64MiB"
		}
		for _, m := range modes {
			key := m.name + "-" + label
			b.Run(m.name+"/put-"+label, func(b *testing.B) {
				b.SetBytes(int64(size))
				for i := 0; b.Loop(); i++ {
					in := &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String(key + "-" + strconv.Itoa(i%4)), Body: bytes.NewReader(body)}
					m.put(in)
					if _, err := c.PutObject(ctx(), in); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(m.name+"/get-"+label, func(b *testing.B) {
				b.SetBytes(int64(size))
				for b.Loop() {
					in := &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String(key + "-0")}
					m.get(in)
					out, err := c.GetObject(ctx(), in)
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, out.Body)
					out.Body.Close()
					if n != int64(size) {
						b.Fatalf("%d bytes", n)
					}
				}
			})
		}
	}
}
