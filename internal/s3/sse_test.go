package s3

import (
	"bytes"
	"crypto/rand"
	"testing"
)

// TestCTRAt: a stream positioned at any offset (also across the counter's
// low 64 bits, and for the two layers of DSSE) decrypts what the stream
// from 0 encrypted.
func TestCTRAt(t *testing.T) {
	data := make([]byte, 1000)
	_, _ = rand.Read(data)
	for _, keyLen := range []int{32, 64} {
		key := make([]byte, keyLen)
		_, _ = rand.Read(key)
		for _, iv := range [][]byte{newIV(), bytes.Repeat([]byte{0xff}, 16)} {
			enc := xorAt(key, iv, 0, data)
			if bytes.Equal(enc, data) {
				t.Fatal("not encrypted")
			}
			for _, off := range []int{0, 1, 15, 16, 17, 500, 999} {
				if got := xorAt(key, iv, int64(off), enc[off:]); !bytes.Equal(got, data[off:]) {
					t.Fatalf("key %d bytes, iv %x, offset %d: wrong plaintext", keyLen, iv, off)
				}
			}
		}
	}
	// Two layers are not one: DSSE's bytes differ from SSE-KMS's under
	// the first key alone.
	key := make([]byte, 64)
	_, _ = rand.Read(key)
	iv := newIV()
	if bytes.Equal(xorAt(key, iv, 0, data), xorAt(key[:32], iv, 0, data)) {
		t.Fatal("the second layer did nothing")
	}
}

// FuzzSSEAndLockHeaders: the SSE-C and Object Lock headers never panic
// and never yield a key of the wrong size.
func FuzzSSEAndLockHeaders(f *testing.F) {
	f.Add("AES256", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "mo2A2gG51BgjmOeW5dn6Ew==", "2030-01-01T00:00:00.000Z")
	f.Add("", "", "", "")
	f.Add("AES256", "!!", "x", "2030-01-01T00:00:00Z")
	f.Fuzz(func(t *testing.T, algo, key, sum, date string) {
		h := make(map[string][]string)
		h["X-Amz-Server-Side-Encryption-Customer-Algorithm"] = []string{algo}
		h["X-Amz-Server-Side-Encryption-Customer-Key"] = []string{key}
		h["X-Amz-Server-Side-Encryption-Customer-Key-Md5"] = []string{sum}
		ck, err := parseSSEC(h, sseCPrefix)
		if err == nil && ck != nil && len(ck.key) != 32 {
			t.Fatalf("a %d-byte key", len(ck.key))
		}
		_, _ = parseLockDate(date)
	})
}
