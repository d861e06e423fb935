package ec2

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/store"
)

// Key pairs: CreateKeyPair (rsa, ed25519; the private key is returned once
// and never stored), ImportKeyPair, DescribeKeyPairs, DeleteKeyPair.
//
// Fingerprints are AWS's: a created RSA key's is the SHA-1 of its DER
// PKCS#8 private key, an imported RSA key's the MD5 of its DER public key,
// both colon-separated hex; an ed25519 key's is the base64 SHA-256 of its
// SSH public key blob.

// KeyPair is a stored key pair (EC2's KeyPairInfo).
type KeyPair struct {
	KeyPairID   string    `xml:"keyPairId" json:"id"`
	KeyType     string    `xml:"keyType" json:"type"`
	Tags        []Tag     `xml:"tagSet>item" json:"tags,omitempty"`
	PublicKey   string    `xml:"publicKey,omitempty" json:"pub"`
	CreateTime  time.Time `xml:"createTime" json:"time"`
	KeyName     string    `xml:"keyName" json:"name"`
	Fingerprint string    `xml:"keyFingerprint" json:"fp"`
}

func (s *Service) keyPairOps() opTable {
	return opTable{
		"CreateKeyPair":    handle(s.createKeyPair),
		"ImportKeyPair":    handle(s.importKeyPair),
		"DescribeKeyPairs": handle(s.describeKeyPairs),
		"DeleteKeyPair":    handle(s.deleteKeyPair),
	}
}

// keyPairByName finds a key pair by name (nil when there is none).
func keyPairByName(tx store.Tx, sc scope, name string) (*KeyPair, error) {
	var found *KeyPair
	err := scanRes(tx, sc, "key-", func(k *KeyPair) error {
		if k.KeyName == name {
			found = k
		}
		return nil
	})
	return found, err
}

func colonHex(b []byte) string {
	h := hex.EncodeToString(b)
	var sb strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(h[i : i+2])
	}
	return sb.String()
}

// sshString appends an SSH wire string.
func sshString(b []byte, s []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func sshMPInt(b []byte, n *big.Int) []byte {
	v := n.Bytes()
	if len(v) > 0 && v[0]&0x80 != 0 {
		v = append([]byte{0}, v...)
	}
	return sshString(b, v)
}

func ed25519Blob(pub ed25519.PublicKey) []byte {
	return sshString(sshString(nil, []byte("ssh-ed25519")), pub)
}

func rsaBlob(pub *rsa.PublicKey) []byte {
	b := sshString(nil, []byte("ssh-rsa"))
	b = sshMPInt(b, big.NewInt(int64(pub.E)))
	return sshMPInt(b, pub.N)
}

func ed25519Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(ed25519Blob(pub))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// openSSHEd25519 renders an unencrypted OpenSSH private key.
func openSSHEd25519(pub ed25519.PublicKey, priv ed25519.PrivateKey, comment string) []byte {
	var check [4]byte
	_, _ = rand.Read(check[:])
	sec := append([]byte(nil), check[:]...)
	sec = append(sec, check[:]...)
	sec = sshString(sec, []byte("ssh-ed25519"))
	sec = sshString(sec, pub)
	sec = sshString(sec, priv)
	sec = sshString(sec, []byte(comment))
	for i := byte(1); len(sec)%8 != 0; i++ {
		sec = append(sec, i)
	}
	b := []byte("openssh-key-v1\x00")
	b = sshString(b, []byte("none"))
	b = sshString(b, []byte("none"))
	b = sshString(b, nil)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = sshString(b, ed25519Blob(pub))
	b = sshString(b, sec)
	return pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: b})
}

type createKeyPairInput struct {
	KeyName          string
	KeyType          string
	KeyFormat        string
	TagSpecification []TagSpecification
	DryRun           bool
}

type createKeyPairOutput struct {
	KeyPairID   string `xml:"keyPairId"`
	Tags        []Tag  `xml:"tagSet>item,omitempty"`
	KeyName     string `xml:"keyName"`
	Fingerprint string `xml:"keyFingerprint"`
	KeyMaterial string `xml:"keyMaterial"`
}

func validKeyName(name string) error {
	if name == "" {
		return errMissingParameter("KeyName")
	}
	if len(name) > 255 {
		return errInvalidParameterValue("Value (%s) for parameter KeyName is invalid. Length exceeds maximum of 255.", name)
	}
	return nil
}

func (s *Service) createKeyPair(ctx context.Context, in *createKeyPairInput) (*createKeyPairOutput, error) {
	if err := validKeyName(in.KeyName); err != nil {
		return nil, err
	}
	typ := in.KeyType
	if typ == "" {
		typ = "rsa"
	}
	if typ != "rsa" && typ != "ed25519" {
		return nil, errInvalidParameterValue("Value (%s) for parameter KeyType is invalid. Valid values are: rsa, ed25519.", in.KeyType)
	}
	switch in.KeyFormat {
	case "", "pem":
	case "ppk":
		return nil, errUnsupportedOperation("The key format 'ppk' is not supported by gureum; use 'pem'.")
	default:
		return nil, errInvalidParameterValue("Value (%s) for parameter KeyFormat is invalid. Valid values are: pem, ppk.", in.KeyFormat)
	}
	tags, err := tagsFor(in.TagSpecification, "key-pair")
	if err != nil {
		return nil, err
	}
	k := &KeyPair{KeyPairID: newID("key"), KeyType: typ, KeyName: in.KeyName, Tags: tags, CreateTime: s.now().UTC().Truncate(time.Millisecond)}
	var material []byte
	if typ == "rsa" {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		p8, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, err
		}
		sum := sha1.Sum(p8)
		k.Fingerprint = colonHex(sum[:])
		k.PublicKey = "ssh-rsa " + base64.StdEncoding.EncodeToString(rsaBlob(&priv.PublicKey)) + " " + in.KeyName
		material = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)})
	} else {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		k.Fingerprint = ed25519Fingerprint(pub)
		k.PublicKey = "ssh-ed25519 " + base64.StdEncoding.EncodeToString(ed25519Blob(pub)) + " " + in.KeyName
		material = openSSHEd25519(pub, priv, "")
	}
	if err := s.putKeyPair(ctx, k); err != nil {
		return nil, err
	}
	return &createKeyPairOutput{KeyPairID: k.KeyPairID, Tags: k.Tags, KeyName: k.KeyName, Fingerprint: k.Fingerprint,
		KeyMaterial: strings.TrimRight(string(material), "\n")}, nil
}

func (s *Service) putKeyPair(ctx context.Context, k *KeyPair) error {
	sc := scopeOf(ctx)
	return s.store.Update(ctx, func(tx store.Tx) error {
		other, err := keyPairByName(tx, sc, k.KeyName)
		if err != nil {
			return err
		}
		if other != nil {
			return errInvalidKeyPairDuplicate(k.KeyName)
		}
		return putRes(tx, sc, k.KeyPairID, k)
	})
}

type importKeyPairInput struct {
	KeyName           string
	PublicKeyMaterial string // base64 of the key file's bytes
	TagSpecification  []TagSpecification
	DryRun            bool
}

type importKeyPairOutput struct {
	KeyFingerprint string `xml:"keyFingerprint"`
	KeyName        string `xml:"keyName"`
	KeyPairID      string `xml:"keyPairId"`
	Tags           []Tag  `xml:"tagSet>item,omitempty"`
}

// parsePublicKey reads an OpenSSH public key line ("ssh-rsa AAAA… comment"
// or "ssh-ed25519 …"), returning its type, fingerprint and normal form.
func parsePublicKey(material []byte) (typ, fp, line string, err error) {
	bad := errInvalidParameterValue("Value for parameter PublicKeyMaterial is invalid. Key is not in valid OpenSSH public key format")
	fields := strings.Fields(string(bytes.TrimSpace(material)))
	if len(fields) < 2 {
		return "", "", "", bad
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return "", "", "", bad
	}
	read := func() []byte {
		if len(blob) < 4 {
			return nil
		}
		n := binary.BigEndian.Uint32(blob)
		if uint32(len(blob)-4) < n {
			blob = nil
			return nil
		}
		v := blob[4 : 4+n]
		blob = blob[4+n:]
		return v
	}
	raw := fields[1]
	switch string(read()) {
	case "ssh-rsa":
		if fields[0] != "ssh-rsa" {
			return "", "", "", bad
		}
		e, n := read(), read()
		if e == nil || n == nil {
			return "", "", "", bad
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 1024 {
			return "", "", "", errInvalidParameterValue("Value for parameter PublicKeyMaterial is invalid. Length of key is less than 1024 bits")
		}
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return "", "", "", bad
		}
		sum := md5.Sum(der)
		return "rsa", colonHex(sum[:]), "ssh-rsa " + raw, nil
	case "ssh-ed25519":
		if fields[0] != "ssh-ed25519" {
			return "", "", "", bad
		}
		pub := read()
		if len(pub) != ed25519.PublicKeySize {
			return "", "", "", bad
		}
		return "ed25519", ed25519Fingerprint(pub), "ssh-ed25519 " + raw, nil
	}
	return "", "", "", bad
}

func (s *Service) importKeyPair(ctx context.Context, in *importKeyPairInput) (*importKeyPairOutput, error) {
	if err := validKeyName(in.KeyName); err != nil {
		return nil, err
	}
	if in.PublicKeyMaterial == "" {
		return nil, errMissingParameter("PublicKeyMaterial")
	}
	material, err := base64.StdEncoding.DecodeString(in.PublicKeyMaterial)
	if err != nil {
		material = []byte(in.PublicKeyMaterial)
	}
	typ, fp, line, err := parsePublicKey(material)
	if err != nil {
		return nil, err
	}
	tags, err := tagsFor(in.TagSpecification, "key-pair")
	if err != nil {
		return nil, err
	}
	k := &KeyPair{KeyPairID: newID("key"), KeyType: typ, KeyName: in.KeyName, Tags: tags, Fingerprint: fp,
		PublicKey: line + " " + in.KeyName, CreateTime: s.now().UTC().Truncate(time.Millisecond)}
	if err := s.putKeyPair(ctx, k); err != nil {
		return nil, err
	}
	return &importKeyPairOutput{KeyFingerprint: fp, KeyName: k.KeyName, KeyPairID: k.KeyPairID, Tags: tags}, nil
}

type describeKeyPairsInput struct {
	KeyName          []string
	KeyPairId        []string
	IncludePublicKey bool
	Filter           []Filter
	DryRun           bool
}

type describeKeyPairsOutput struct {
	KeyPairs []*KeyPair `xml:"keySet>item"`
}

func (k *KeyPair) filter(name string) ([]string, bool) {
	switch name {
	case "key-name":
		return []string{k.KeyName}, true
	case "key-pair-id":
		return []string{k.KeyPairID}, true
	case "fingerprint":
		return []string{k.Fingerprint}, true
	case "key-type":
		return []string{k.KeyType}, true
	}
	return nil, false
}

func (s *Service) describeKeyPairs(ctx context.Context, in *describeKeyPairsInput) (*describeKeyPairsOutput, error) {
	sc := scopeOf(ctx)
	out := &describeKeyPairsOutput{}
	err := s.store.View(ctx, func(tx store.Tx) error {
		all, err := listRes[KeyPair](tx, sc, "key-")
		if err != nil {
			return err
		}
		names, ids := map[string]bool{}, map[string]bool{}
		for _, k := range all {
			names[k.KeyName], ids[k.KeyPairID] = true, true
		}
		for _, n := range in.KeyName {
			if !names[n] {
				return errKeyPairNotFound(n)
			}
		}
		for _, id := range in.KeyPairId {
			if !ids[id] {
				return errKeyPairNotFound(id)
			}
		}
		for _, k := range all {
			if len(in.KeyName) > 0 && !contains(in.KeyName, k.KeyName) {
				continue
			}
			if len(in.KeyPairId) > 0 && !contains(in.KeyPairId, k.KeyPairID) {
				continue
			}
			ok, err := matchFilters(in.Filter, k.Tags, k.filter)
			if err != nil {
				return err
			}
			if ok {
				if !in.IncludePublicKey {
					k.PublicKey = ""
				}
				out.KeyPairs = append(out.KeyPairs, k)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type deleteKeyPairInput struct {
	KeyName   string
	KeyPairId string
	DryRun    bool
}

type deleteKeyPairOutput struct {
	Return    bool   `xml:"return"`
	KeyPairID string `xml:"keyPairId,omitempty"`
}

// deleteKeyPair deletes by name or id; as on AWS, deleting a name that
// does not exist succeeds.
func (s *Service) deleteKeyPair(ctx context.Context, in *deleteKeyPairInput) (*deleteKeyPairOutput, error) {
	if in.KeyName == "" && in.KeyPairId == "" {
		return nil, errMissingParameter("KeyName or KeyPairId")
	}
	sc := scopeOf(ctx)
	out := &deleteKeyPairOutput{Return: true}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var k *KeyPair
		var err error
		if in.KeyPairId != "" {
			k, err = getRes[KeyPair](tx, sc, in.KeyPairId)
			if isNotFound(err) || (err == nil && !strings.HasPrefix(in.KeyPairId, "key-")) {
				return errKeyPairNotFound(in.KeyPairId)
			}
		} else {
			k, err = keyPairByName(tx, sc, in.KeyName)
		}
		if err != nil || k == nil {
			return err
		}
		out.KeyPairID = k.KeyPairID
		return delRes(tx, sc, k.KeyPairID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
