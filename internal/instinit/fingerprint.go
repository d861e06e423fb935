package instinit

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"math/big"
	"strings"
)

// parseKey finds the key in an authorized_keys or .pub line (options
// before it allowed): its type, its blob and the comment after it.
func parseKey(line string) (typ string, blob []byte, comment string, ok bool) {
	f := strings.Fields(line)
	for i := 0; i+1 < len(f); i++ {
		b, err := base64.StdEncoding.DecodeString(f[i+1])
		if err != nil {
			continue
		}
		if s, _, ok := sshString(b); ok && s == f[i] {
			return f[i], b, strings.Join(f[i+2:], " "), true
		}
	}
	return "", nil, "", false
}

// sshString reads an SSH wire-format string from b and returns it and the
// rest of b.
func sshString(b []byte) (string, []byte, bool) {
	if len(b) < 4 {
		return "", nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return "", nil, false
	}
	return string(b[4 : 4+n]), b[4+n:], true
}

// fingerprint is a public key's type, its SHA256 fingerprint as
// ssh-keygen -l shows it, and its comment.
func fingerprint(line string) (typ, fp, comment string, ok bool) {
	typ, blob, comment, ok := parseKey(line)
	if !ok {
		return "", "", "", false
	}
	sum := sha256.Sum256(blob)
	return typ, "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:]), comment, true
}

// keyBits is a public key's size in bits, as ssh-keygen -l shows it.
func keyBits(line string) int {
	typ, blob, _, ok := parseKey(line)
	if !ok {
		return 0
	}
	switch {
	case strings.Contains(typ, "ed25519"):
		return 256
	case strings.HasPrefix(typ, "ecdsa-sha2-nistp"):
		switch strings.TrimPrefix(typ, "ecdsa-sha2-nistp") {
		case "256":
			return 256
		case "384":
			return 384
		case "521":
			return 521
		}
	case typ == "ssh-rsa":
		_, rest, _ := sshString(blob)
		_, rest, ok1 := sshString(rest) // e
		n, _, ok2 := sshString(rest)
		if ok1 && ok2 {
			return new(big.Int).SetBytes([]byte(n)).BitLen()
		}
	case typ == "ssh-dss":
		return 1024
	}
	return 0
}

// keyKind is the name ssh-keygen -l gives a key type, e.g. ED25519.
func keyKind(typ string) string {
	switch {
	case strings.Contains(typ, "ed25519"):
		return "ED25519"
	case strings.HasPrefix(typ, "ecdsa"), strings.HasPrefix(typ, "sk-ecdsa"):
		return "ECDSA"
	case typ == "ssh-rsa":
		return "RSA"
	case typ == "ssh-dss":
		return "DSA"
	}
	return strings.ToUpper(typ)
}
