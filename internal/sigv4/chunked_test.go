package sigv4

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// docChunks are the chunk signatures of the examples in "Signature
// Calculations for the Authorization Header: Transferring Payload in
// Multiple Chunks" and its "Including Trailing Headers" variant, for
// 65,536 and 1,024 bytes of 'a' and the final chunk.
var (
	docSeed        = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
	docChunkSigs   = []string{"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497", "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"}
	docTrailerSeed = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
	docTrailerSigs = []string{"b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2", "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7", "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"}
	docTrailerSig  = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
)

// docChunkedRequest is the request of the examples, with trailer for the
// variant with a trailing checksum.
func docChunkedRequest(t *testing.T, sigs []string, trailerSig string) *http.Request {
	var body bytes.Buffer
	fmt.Fprintf(&body, "10000;chunk-signature=%s\r\n%s\r\n", sigs[0], strings.Repeat("a", 65536))
	fmt.Fprintf(&body, "400;chunk-signature=%s\r\n%s\r\n", sigs[1], strings.Repeat("a", 1024))
	fmt.Fprintf(&body, "0;chunk-signature=%s\r\n", sigs[2])
	head := "PUT /examplebucket/chunkObject.txt HTTP/1.1\nHost: s3.amazonaws.com\nx-amz-date: " + docStamp +
		"\nx-amz-storage-class: REDUCED_REDUNDANCY\nContent-Encoding: aws-chunked\nx-amz-decoded-content-length: 66560\n"
	if trailerSig == "" {
		body.WriteString("\r\n")
		if body.Len() != 66824 {
			t.Fatalf("body of %d bytes, the documentation says 66824", body.Len())
		}
		head += "x-amz-content-sha256: " + StreamingSignedPayload + "\nContent-Length: 66824\n" +
			"Authorization: AWS4-HMAC-SHA256 Credential=" + docKey + "/" + docScope + ",SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=" + docSeed + "\n"
	} else {
		fmt.Fprintf(&body, "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:%s\r\n\r\n", trailerSig)
		head += "x-amz-content-sha256: " + StreamingSignedPayloadTrailer + "\nx-amz-trailer: x-amz-checksum-crc32c\nContent-Length: " + strconv.Itoa(body.Len()) + "\n" +
			"Authorization: AWS4-HMAC-SHA256 Credential=" + docKey + "/" + docScope + ",SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,Signature=" + docTrailerSeed + "\n"
	}
	return rawRequest(t, head, body.Bytes())
}

func TestChunkedDocExamples(t *testing.T) {
	for _, trailer := range []bool{false, true} {
		t.Run(fmt.Sprint("trailer=", trailer), func(t *testing.T) {
			sigs, tsig := docChunkSigs, ""
			if trailer {
				sigs, tsig = docTrailerSigs, docTrailerSig
			}
			r := docChunkedRequest(t, sigs, tsig)
			a, err := newVerifier(docTime).Verify(r)
			if err != nil {
				t.Fatal(err)
			}
			if !a.Streaming || !a.Verified || r.ContentLength != 66560 || r.Header.Get("Content-Encoding") != "" {
				t.Fatalf("auth = %+v, length %d, encoding %q", a, r.ContentLength, r.Header.Get("Content-Encoding"))
			}
			if len(a.Trailer) != 0 {
				t.Error("Trailer before EOF")
			}
			kept := a.Trailer // as the request's context keeps it
			got, err := readBody(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, bytes.Repeat([]byte("a"), 66560)) {
				t.Fatalf("decoded %d bytes", len(got))
			}
			if trailer && (a.Trailer.Get("x-amz-checksum-crc32c") != "sOO8/Q==" || kept.Get("x-amz-checksum-crc32c") != "sOO8/Q==") {
				t.Errorf("trailer = %v, the map kept before EOF %v", a.Trailer, kept)
			}
		})
	}
}

func TestChunkedDocExampleBadSignatures(t *testing.T) {
	bad := strings.Repeat("1", 64)
	for i := range 3 {
		for _, trailer := range []bool{false, true} {
			sigs, tsig := append([]string(nil), docChunkSigs...), ""
			if trailer {
				sigs, tsig = append([]string(nil), docTrailerSigs...), docTrailerSig
			}
			sigs[i] = bad
			r := docChunkedRequest(t, sigs, tsig)
			if _, err := newVerifier(docTime).Verify(r); err != nil {
				t.Fatal(err)
			}
			_, err := readBody(r)
			wantError(t, err, "SignatureDoesNotMatch", msgMismatch, [2]string{"SignatureProvided", bad}, [2]string{"AWSAccessKeyId", docKey})
			if sts := asError(err).Field("StringToSign"); !strings.HasPrefix(sts, "AWS4-HMAC-SHA256-PAYLOAD\n"+docStamp+"\n"+docScope+"\n") {
				t.Errorf("StringToSign = %q", sts)
			}
		}
	}
	r := docChunkedRequest(t, docTrailerSigs, bad)
	if _, err := newVerifier(docTime).Verify(r); err != nil {
		t.Fatal(err)
	}
	_, err := readBody(r)
	wantError(t, err, "SignatureDoesNotMatch", msgMismatch, [2]string{"SignatureProvided", bad})
	want := "AWS4-HMAC-SHA256-TRAILER\n" + docStamp + "\n" + docScope + "\n" + docTrailerSigs[2] + "\n" + sha256Hex("x-amz-checksum-crc32c:sOO8/Q==\n")
	if sts := asError(err).Field("StringToSign"); sts != want {
		t.Errorf("StringToSign = %q, want %q", sts, want)
	}
}

// chunkEncoder writes aws-chunked bodies, signing chunks when key is set.
type chunkEncoder struct {
	key         []byte
	date, scope string
	prev        string
}

func (e *chunkEncoder) sign(algo string, hashes ...string) string {
	sts := algo + "\n" + e.date + "\n" + e.scope + "\n" + e.prev + "\n" + strings.Join(hashes, "\n")
	e.prev = Sign(e.key, sts)
	return e.prev
}

// encode frames data in chunks of size (the last may be shorter), then the
// final chunk and the trailers.
func (e *chunkEncoder) encode(data []byte, size int, trailers ...string) []byte {
	var b bytes.Buffer
	for len(data) > 0 {
		n := min(size, len(data))
		e.writeChunk(&b, data[:n])
		data = data[n:]
	}
	e.writeChunk(&b, nil)
	e.writeTrailers(&b, trailers...)
	return b.Bytes()
}

func (e *chunkEncoder) writeChunk(b *bytes.Buffer, data []byte) {
	fmt.Fprintf(b, "%x", len(data))
	if e.key != nil {
		fmt.Fprintf(b, ";chunk-signature=%s", e.sign("AWS4-HMAC-SHA256-PAYLOAD", EmptySHA256, sha256HexBytes(data)))
	}
	b.WriteString("\r\n")
	if len(data) > 0 {
		b.Write(data)
		b.WriteString("\r\n")
	}
}

func (e *chunkEncoder) writeTrailers(b *bytes.Buffer, trailers ...string) {
	var signed strings.Builder
	for _, tr := range trailers {
		b.WriteString(tr + "\r\n")
		signed.WriteString(tr + "\n")
	}
	if e.key != nil && len(trailers) > 0 {
		fmt.Fprintf(b, "x-amz-trailer-signature:%s\r\n", e.sign("AWS4-HMAC-SHA256-TRAILER", sha256Hex(signed.String())))
	}
	b.WriteString("\r\n")
}

// streamingRequest signs a PUT with the SDK whose payload is the aws-chunked
// encoding of data, and returns it with an encoder primed with its seed.
func streamingRequest(t testing.TB, payload string, decoded int, headers map[string]string) (*http.Request, *chunkEncoder) {
	h := map[string]string{
		"Content-Encoding":     "aws-chunked",
		"X-Amz-Content-Sha256": payload,
	}
	if decoded >= 0 {
		h["X-Amz-Decoded-Content-Length"] = strconv.Itoa(decoded)
	}
	for k, v := range headers {
		h[k] = v
	}
	req := clientRequest(t, "PUT", "/bucket/key", nil, h)
	r := sdkSign(t, req, payload, "s3", testTime, testCreds)
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	e := &chunkEncoder{date: testTime.Format(AmzDateFormat), scope: a.scope.String(), prev: a.signature}
	if payload != StreamingUnsignedPayloadTrailer {
		e.key = SigningKey(testSecret, a.date, a.region, a.service)
	}
	return r, e
}

func setBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
}

var testData = func() []byte {
	b := make([]byte, 3*minChunkSize+123)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

const crc32Trailer = "x-amz-checksum-crc32:AAAAAA=="

func TestChunkedBodies(t *testing.T) {
	tests := []struct {
		name     string
		payload  string
		headers  map[string]string
		decoded  int // -1: len(testData)
		body     func(e *chunkEncoder) []byte
		wantErr  string // from Verify
		readErr  string // from reading the body
		trailers http.Header
	}{
		{name: "signed", payload: StreamingSignedPayload, body: func(e *chunkEncoder) []byte { return e.encode(testData, minChunkSize) }},
		{name: "signed, one chunk", payload: StreamingSignedPayload, body: func(e *chunkEncoder) []byte { return e.encode(testData, 1<<20) }},
		{name: "signed, empty object", payload: StreamingSignedPayload, decoded: 0, body: func(e *chunkEncoder) []byte { return e.encode(nil, 1) }},
		{name: "signed, no final CRLF", payload: StreamingSignedPayload, body: func(e *chunkEncoder) []byte {
			b := e.encode(testData, minChunkSize)
			return b[:len(b)-2]
		}},
		{name: "signed trailer", payload: StreamingSignedPayloadTrailer, headers: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"},
			body:     func(e *chunkEncoder) []byte { return e.encode(testData, minChunkSize, crc32Trailer) },
			trailers: http.Header{"X-Amz-Checksum-Crc32": {"AAAAAA=="}}},
		{name: "signed trailers, two of them", payload: StreamingSignedPayloadTrailer, headers: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32, x-amz-meta-late"},
			body:     func(e *chunkEncoder) []byte { return e.encode(testData, 10000, crc32Trailer, "x-amz-meta-late:yes") },
			trailers: http.Header{"X-Amz-Checksum-Crc32": {"AAAAAA=="}, "X-Amz-Meta-Late": {"yes"}}},
		{name: "unsigned trailer", payload: StreamingUnsignedPayloadTrailer, headers: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"},
			body:     func(e *chunkEncoder) []byte { return e.encode(testData, 9000, crc32Trailer) },
			trailers: http.Header{"X-Amz-Checksum-Crc32": {"AAAAAA=="}}},
		{name: "unsigned, no trailer", payload: StreamingUnsignedPayloadTrailer, body: func(e *chunkEncoder) []byte { return e.encode(testData, 1<<16) }},

		{name: "no decoded length", payload: StreamingSignedPayload, decoded: -2, body: func(e *chunkEncoder) []byte { return e.encode(testData, minChunkSize) }, wantErr: "MissingContentLength"},
		{name: "decoded length above the content", payload: StreamingUnsignedPayloadTrailer, decoded: len(testData) + 1,
			body: func(e *chunkEncoder) []byte { return e.encode(testData, minChunkSize) }, readErr: "IncompleteBody"},
		{name: "decoded length below the content", payload: StreamingUnsignedPayloadTrailer, decoded: len(testData) - 1,
			body: func(e *chunkEncoder) []byte { return e.encode(testData, minChunkSize) }, readErr: "IncompleteBody"},
		{name: "a chunk below 8192 bytes that is not the last", payload: StreamingSignedPayload,
			body: func(e *chunkEncoder) []byte { return e.encode(testData, minChunkSize-1) }, readErr: "InvalidChunkSizeError"},
		{name: "unsigned, a chunk below 8192 bytes that is not the last", payload: StreamingUnsignedPayloadTrailer,
			body: func(e *chunkEncoder) []byte { return e.encode(testData, 100) }, readErr: "InvalidChunkSizeError"},
		{name: "body ends before the final chunk", payload: StreamingSignedPayload, body: func(e *chunkEncoder) []byte {
			b := e.encode(testData, minChunkSize)
			return b[:bytes.LastIndex(b, []byte("0;chunk-signature="))]
		}, readErr: "IncompleteBody"},
		{name: "body ends in a chunk", payload: StreamingSignedPayload, body: func(e *chunkEncoder) []byte {
			return e.encode(testData, minChunkSize)[:5000]
		}, readErr: "IncompleteBody"},
		{name: "no CRLF after the data", payload: StreamingSignedPayload, body: func(e *chunkEncoder) []byte {
			b := e.encode(testData, minChunkSize)
			i := bytes.Index(b, []byte("\r\n")) + 2 + minChunkSize
			return append(b[:i:i], b[i+2:]...)
		}, readErr: "IncompleteBody"},
		{name: "size not hex", payload: StreamingSignedPayload, body: func(e *chunkEncoder) []byte {
			b := e.encode(testData, minChunkSize)
			b[0] = 'x'
			return b
		}, readErr: "IncompleteBody"},
		{name: "no chunk signature", payload: StreamingSignedPayload, body: func(*chunkEncoder) []byte {
			return (&chunkEncoder{}).encode(testData, minChunkSize)
		}, readErr: "IncompleteBody"},
		{name: "chunks signed with another key", payload: StreamingSignedPayload, body: func(e *chunkEncoder) []byte {
			e.key = SigningKey("other", "20261128", "us-east-1", "s3")
			return e.encode(testData, minChunkSize)
		}, readErr: "SignatureDoesNotMatch"},
		{name: "chunks in another order", payload: StreamingSignedPayload, body: func(e *chunkEncoder) []byte {
			b := e.encode(testData[:2*minChunkSize], minChunkSize)
			first := bytes.Index(b[1:], []byte("2000;")) + 1
			second := bytes.Index(b[first+1:], []byte("2000;")) + first + 1
			final := bytes.Index(b, []byte("0;chunk-signature="))
			for bytes.Index(b[final+1:], []byte("0;chunk-signature=")) >= 0 {
				final += bytes.Index(b[final+1:], []byte("0;chunk-signature=")) + 1
			}
			out := append([]byte{}, b[second:final]...)
			out = append(out, b[first:second]...)
			return append(out, b[final:]...)
		}, decoded: 2 * minChunkSize, readErr: "SignatureDoesNotMatch"},
		{name: "trailer not declared", payload: StreamingUnsignedPayloadTrailer,
			body: func(e *chunkEncoder) []byte { return e.encode(testData, minChunkSize, crc32Trailer) }, readErr: "MalformedTrailerError"},
		{name: "declared trailer not sent", payload: StreamingUnsignedPayloadTrailer, headers: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"},
			body: func(e *chunkEncoder) []byte { return e.encode(testData, minChunkSize) }, readErr: "MalformedTrailerError"},
		{name: "declared trailer, no trailer payload", payload: StreamingSignedPayload, headers: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"},
			body: func(e *chunkEncoder) []byte { return e.encode(testData, minChunkSize) }, readErr: "MalformedTrailerError"},
		{name: "trailer in a payload without trailers", payload: StreamingSignedPayload,
			body: func(e *chunkEncoder) []byte { return e.encode(testData, minChunkSize, crc32Trailer) }, readErr: "MalformedTrailerError"},
		{name: "signed trailer without signature", payload: StreamingSignedPayloadTrailer, headers: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"},
			body: func(e *chunkEncoder) []byte {
				b := e.encode(testData, minChunkSize, crc32Trailer)
				i := bytes.Index(b, []byte("x-amz-trailer-signature:"))
				return append(b[:i:i], "\r\n"...)
			}, readErr: "MalformedTrailerError"},
		{name: "signed trailer of another value", payload: StreamingSignedPayloadTrailer, headers: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"},
			body: func(e *chunkEncoder) []byte {
				return bytes.Replace(e.encode(testData, minChunkSize, crc32Trailer), []byte("AAAAAA=="), []byte("BBBBBB=="), 1)
			}, readErr: "SignatureDoesNotMatch"},
		{name: "trailer line without colon", payload: StreamingUnsignedPayloadTrailer, headers: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"},
			body: func(e *chunkEncoder) []byte { return e.encode(testData, minChunkSize, "x-amz-checksum-crc32") }, readErr: "MalformedTrailerError"},
		{name: "too many trailers", payload: StreamingUnsignedPayloadTrailer, headers: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"},
			body: func(e *chunkEncoder) []byte {
				return e.encode(testData, minChunkSize, strings.Split(strings.Repeat(crc32Trailer+"\n", 100), "\n")[:100]...)
			}, readErr: "MalformedTrailerError"},
		{name: "data after the end", payload: StreamingSignedPayload, body: func(e *chunkEncoder) []byte {
			return append(e.encode(testData, minChunkSize), "more"...)
		}, readErr: "IncompleteBody"},
		{name: "a line too long", payload: StreamingUnsignedPayloadTrailer, body: func(e *chunkEncoder) []byte {
			return []byte("2000" + strings.Repeat(" ", 1<<16))
		}, readErr: "IncompleteBody"},
		{name: "a huge chunk size", payload: StreamingUnsignedPayloadTrailer, body: func(e *chunkEncoder) []byte {
			return []byte("fffffffffffffff\r\n")
		}, readErr: "IncompleteBody"},
		{name: "a chunk size of 16 digits", payload: StreamingUnsignedPayloadTrailer, body: func(e *chunkEncoder) []byte {
			return []byte("0000000000000001\r\n")
		}, readErr: "IncompleteBody"},
	}
	for _, tt := range tests {
		for _, tiny := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/tiny=%v", tt.name, tiny), func(t *testing.T) {
				decoded := tt.decoded
				if decoded == 0 && !strings.Contains(tt.name, "empty") {
					decoded = len(testData)
				}
				r, e := streamingRequest(t, tt.payload, decoded, tt.headers)
				body := tt.body(e)
				setBody(r, body)
				if tiny {
					r.Body = io.NopCloser(iotest.OneByteReader(bytes.NewReader(body)))
				}
				a, err := newVerifier(testTime).Verify(r)
				if errCode(err) != tt.wantErr {
					t.Fatalf("Verify: %v, want %q", err, tt.wantErr)
				}
				if err != nil {
					return
				}
				var got []byte
				if tiny {
					got, err = io.ReadAll(iotest.OneByteReader(r.Body))
				} else {
					got, err = readBody(r)
				}
				if errCode(err) != tt.readErr {
					t.Fatalf("read: %v (%+v), want %q", err, asError(err), tt.readErr)
				}
				if err != nil {
					if _, again := r.Body.Read(make([]byte, 10)); errCode(again) != tt.readErr {
						t.Errorf("read after the error: %v", again)
					}
					return
				}
				if r.ContentLength != int64(decoded) || !a.Streaming {
					t.Errorf("ContentLength = %d, auth = %+v", r.ContentLength, a)
				}
				if want := testData[:max(decoded, 0)]; !bytes.Equal(got, want) {
					t.Errorf("decoded %d bytes, want %d", len(got), len(want))
				}
				if tt.trailers == nil {
					tt.trailers = http.Header{}
				}
				if fmt.Sprint(a.Trailer) != fmt.Sprint(tt.trailers) {
					t.Errorf("trailer = %v, want %v", a.Trailer, tt.trailers)
				}
			})
		}
	}
}

func TestChunkSizeError(t *testing.T) {
	r, e := streamingRequest(t, StreamingSignedPayload, len(testData), nil)
	setBody(r, e.encode(testData, 8000))
	if _, err := newVerifier(testTime).Verify(r); err != nil {
		t.Fatal(err)
	}
	_, err := readBody(r)
	wantError(t, err, "InvalidChunkSizeError", msgChunkSize, [2]string{"Chunk", "1"}, [2]string{"BadChunkSize", "8000"})
	if asError(err).Status != http.StatusForbidden {
		t.Errorf("status %d", asError(err).Status)
	}
}

func TestChunkedUnknownKey(t *testing.T) {
	r, e := streamingRequest(t, StreamingSignedPayloadTrailer, len(testData), map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"})
	e.key = SigningKey("not the secret", "20261128", "us-east-1", "s3")
	setBody(r, e.encode(testData, minChunkSize, crc32Trailer))
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testKey, "AKIASTRANGER", 1))
	v := newVerifier(testTime)
	v.AcceptUnknownKeys = true
	a, err := v.Verify(r)
	if err != nil || a.Verified {
		t.Fatalf("auth = %+v, %v", a, err)
	}
	got, err := readBody(r)
	if err != nil || !bytes.Equal(got, testData) || a.Trailer.Get("x-amz-checksum-crc32") != "AAAAAA==" {
		t.Fatalf("read %d bytes, %v, trailer %v", len(got), err, a.Trailer)
	}
}

func TestChunkedAnonymous(t *testing.T) {
	body := "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n"
	r := rawRequest(t, "PUT /b/k HTTP/1.1\nHost: x\nx-amz-content-sha256: "+StreamingUnsignedPayloadTrailer+
		"\nx-amz-decoded-content-length: 3\nx-amz-trailer: x-amz-checksum-crc32\nContent-Encoding: aws-chunked, gzip\nContent-Length: "+strconv.Itoa(len(body))+"\n", []byte(body))
	a, err := newVerifier(testTime).Verify(r)
	if err != nil || !a.Anonymous || !a.Streaming {
		t.Fatalf("auth = %+v, %v", a, err)
	}
	if r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Content-Length") != "3" {
		t.Errorf("headers %v", r.Header)
	}
	got, err := readBody(r)
	if err != nil || string(got) != "abc" || a.Trailer.Get("X-Amz-Checksum-Crc32") != "NSRBwg==" {
		t.Fatalf("read %q, %v, trailer %v", got, err, a.Trailer)
	}
}

// TestChunkedTransferEncoding sends an aws-chunked body in HTTP's chunked
// coding, as the SDKs do for streams of unknown length.
func TestChunkedTransferEncoding(t *testing.T) {
	r, e := streamingRequest(t, StreamingUnsignedPayloadTrailer, len(testData), map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"})
	body := e.encode(testData, minChunkSize, crc32Trailer)
	r.Header.Del("Content-Length")
	r.ContentLength = -1
	r.TransferEncoding = []string{"chunked"}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.RequestURI = ""
	r.URL.Scheme, r.URL.Host = "http", r.Host
	s := onTheWire(t, r)
	if len(s.TransferEncoding) != 1 {
		t.Fatalf("Transfer-Encoding %v", s.TransferEncoding)
	}
	a, err := newVerifier(testTime.Add(time.Second)).Verify(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readBody(s)
	if err != nil || !bytes.Equal(got, testData) || a.Trailer.Get("x-amz-checksum-crc32") != "AAAAAA==" {
		t.Fatalf("read %d, %v, %v", len(got), err, a.Trailer)
	}
}

// TestChunkedMemory feeds a decoder a chunk header that declares a huge
// chunk and then a gigabyte of data: the decoder must stream it without
// buffering.
func TestChunkedMemory(t *testing.T) {
	const size = 1 << 30
	src := io.MultiReader(strings.NewReader(fmt.Sprintf("%x\r\n", size)), io.LimitReader(zeros{}, size), strings.NewReader("\r\n0\r\n\r\n"))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c := newChunkedReader(io.NopCloser(src), chunkedConfig{length: size})
	n, err := io.CopyBuffer(io.Discard, c, make([]byte, 1<<16))
	runtime.ReadMemStats(&after)
	if err != nil || n != size {
		t.Fatalf("copied %d, %v", n, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("%d bytes allocated to decode a chunk of %d", alloc, size)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestBodiesClose checks that every body Verify puts in place closes the
// original one.
func TestBodiesClose(t *testing.T) {
	r, e := streamingRequest(t, StreamingSignedPayload, len(testData), nil)
	body := e.encode(testData, minChunkSize)
	closed := false
	setBody(r, body)
	r.Body = closeFunc{bytes.NewReader(body), func() { closed = true }}
	if _, err := newVerifier(testTime).Verify(r); err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if !closed {
		t.Error("the chunked decoder did not close the original body")
	}

	form := []byte("Action=ListUsers")
	r = sdkSign(t, clientRequest(t, "POST", "/", form, nil), sha256HexBytes(form), "iam", testTime, testCreds)
	closed = false
	r.Body = closeFunc{bytes.NewReader(form), func() { closed = true }}
	if _, err := newVerifier(testTime).Verify(r); err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if !closed {
		t.Error("the buffered body did not close the original body")
	}
}
