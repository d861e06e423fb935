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
