package sigv4

import (
	"bytes"
	"io"
	"strconv"
	"testing"
)

// BenchmarkVerifyHeader verifies a GET signed by the SDK.
func BenchmarkVerifyHeader(b *testing.B) {
	req := clientRequest(b, "GET", "/bucket/some/key.txt?versionId=3", nil, map[string]string{"Range": "bytes=0-99"})
	r := sdkSign(b, req, EmptySHA256, "s3", testTime, testCreds)
	v := newVerifier(testTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChunkedDecode verifies and decodes 1 MiB of aws-chunked data in
// 64 KiB chunks.
func BenchmarkChunkedDecode(b *testing.B) {
	data := bytes.Repeat([]byte("gureum!!"), 1<<17)
	for _, payload := range []string{StreamingSignedPayload, StreamingSignedPayloadTrailer, StreamingUnsignedPayloadTrailer} {
		b.Run(payload, func(b *testing.B) {
			headers := map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"}
			var trailers []string
			if payload == StreamingSignedPayload {
				headers = nil
			} else {
				trailers = []string{crc32Trailer}
			}
			r, e := streamingRequest(b, payload, len(data), headers)
			body := e.encode(data, 64<<10, trailers...)
			header := r.Header.Clone()
			header.Set("Content-Length", strconv.Itoa(len(body)))
			v := newVerifier(testTime)
			buf := make([]byte, 32<<10)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				r.Header = header.Clone()
				r.Body = io.NopCloser(bytes.NewReader(body))
				r.ContentLength = int64(len(body))
				if _, err := v.Verify(r); err != nil {
					b.Fatal(err)
				}
				if n, err := io.CopyBuffer(io.Discard, r.Body, buf); err != nil || n != int64(len(data)) {
					b.Fatal(n, err)
				}
			}
		})
	}
}
