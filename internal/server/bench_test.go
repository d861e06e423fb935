package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gureum/gureum/internal/server"
)

// Benchmarks of the request hot paths through the whole handler (edge,
// SigV4 verification, routing, S3, store), without the network: requests
// are signed once and replayed. Run: go test -bench . -benchmem ./internal/server/

func benchServer(b *testing.B) http.Handler {
	b.Helper()
	srv, err := server.Open(server.Config{DataDir: b.TempDir(), Accounts: testAccounts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	return srv.Handler
}

func signedReq(b *testing.B, method, path string, body []byte) *http.Request {
	req := httptest.NewRequest(method, "http://127.0.0.1:4566"+path, bytes.NewReader(body))
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	req.Header.Set("x-amz-content-sha256", h)
	if err := v4.NewSigner().SignHTTP(ctx(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, h, "s3", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	return req
}

func serve(b *testing.B, h http.Handler, req *http.Request, body []byte, want int) {
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != want {
		b.Fatalf("%s %s: %d %s", req.Method, req.URL, w.Code, w.Body.String())
	}
}

func BenchmarkPutObject4K(b *testing.B) {
	h := benchServer(b)
	serve(b, h, signedReq(b, "PUT", "/bench", nil), nil, 200)
	body := bytes.Repeat([]byte("x"), 4096)
	req := signedReq(b, "PUT", "/bench/key", body)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(b, h, req, body, 200)
	}
}

func BenchmarkPutObject4KParallel(b *testing.B) {
	h := benchServer(b)
	serve(b, h, signedReq(b, "PUT", "/bench", nil), nil, 200)
	body := bytes.Repeat([]byte("x"), 4096)
	b.SetBytes(int64(len(body)))
	b.SetParallelism(4)
	var n int64
	reqs := make(chan *http.Request, 64)
	for i := 0; i < 64; i++ {
		reqs <- signedReq(b, "PUT", fmt.Sprintf("/bench/key%d", i), body)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := <-reqs
			r2 := req.Clone(req.Context())
			reqs <- req
			serve(b, h, r2, body, 200)
		}
	})
	_ = n
}

func BenchmarkGetObject4K(b *testing.B) {
	h := benchServer(b)
	serve(b, h, signedReq(b, "PUT", "/bench", nil), nil, 200)
	body := bytes.Repeat([]byte("x"), 4096)
	serve(b, h, signedReq(b, "PUT", "/bench/key", body), body, 200)
	req := signedReq(b, "GET", "/bench/key", nil)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(b, h, req, nil, 200)
	}
}

func BenchmarkListObjectsV2(b *testing.B) {
	h := benchServer(b)
	serve(b, h, signedReq(b, "PUT", "/bench", nil), nil, 200)
	for i := 0; i < 5000; i++ {
		serve(b, h, signedReq(b, "PUT", fmt.Sprintf("/bench/dir%d/key%05d", i%10, i), nil), nil, 200)
	}
	req := signedReq(b, "GET", "/bench?list-type=2&max-keys=1000", nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(b, h, req, nil, 200)
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "keys/s")
}

// BenchmarkPutObject64M measures the large-PUT path: SigV4 payload hash,
// MD5, blob write and fsync.
func BenchmarkPutObject64M(b *testing.B) {
	h := benchServer(b)
	serve(b, h, signedReq(b, "PUT", "/bench", nil), nil, 200)
	body := bytes.Repeat([]byte("0123456789abcdef"), 4<<20)
	req := signedReq(b, "PUT", "/bench/big", body)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(b, h, req, body, 200)
	}
}
