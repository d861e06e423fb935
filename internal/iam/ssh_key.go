package iam

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/store"
)

// SSH public keys: a user's keys for CodeCommit over SSH
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSSHPublicKey.html).
// IAM takes RSA keys of at least 2,048 bits, in OpenSSH ("ssh-rsa AAAA…")
// or PEM form, at most five a user, and hands them back in either form.
// Nothing in gureum authenticates with them; they are kept so that tools
// that manage them (Terraform's aws_iam_user_ssh_key) find what they
// uploaded, and DeleteUser refuses a user that still has one.

// maxSSHKeys is IAM's quota PublicKeysPerUser.
const maxSSHKeys = 5

// sshKeyRecord is one SSH public key, kept in its user's record.
type sshKeyRecord struct {
	ID          string    `json:"id"`
	Body        string    `json:"body"` // as uploaded, trimmed
	Fingerprint string    `json:"fingerprint"`
	Status      string    `json:"status"`
	Uploaded    time.Time `json:"uploaded"`
}

// SSHPublicKey is IAM's SSHPublicKey shape.
type SSHPublicKey struct {
	UserName         string     `xml:"UserName"`
	SSHPublicKeyID   string     `xml:"SSHPublicKeyId"`
	Fingerprint      string     `xml:"Fingerprint"`
	SSHPublicKeyBody string     `xml:"SSHPublicKeyBody"`
	Status           string     `xml:"Status"`
	UploadDate       query.Time `xml:"UploadDate"`
}

// SSHPublicKeyMetadata is IAM's SSHPublicKeyMetadata shape.
type SSHPublicKeyMetadata struct {
	UserName       string     `xml:"UserName"`
	SSHPublicKeyID string     `xml:"SSHPublicKeyId"`
	Status         string     `xml:"Status"`
	UploadDate     query.Time `xml:"UploadDate"`
}

func sshKeyNotFound(id string) error {
	return noSuchEntity("The Public Key with id %s cannot be found.", id)
}

func sshPublicKeyBodyConstraint(v *string) constraint {
	return constraint{"sSHPublicKeyBody", v, 1, 16384, sshKeyBodyRe, `[\u0009\u000A\u000D\u0020-\u00FF]+`}
}

// findSSHKey returns the index of key id in u's keys, or -1.
func findSSHKey(u *userRecord, id string) int {
	return slices.IndexFunc(u.SSHKeys, func(k sshKeyRecord) bool { return k.ID == id })
}

type uploadSSHPublicKeyInput struct {
	UserName         string `query:",required"`
	SSHPublicKeyBody string `query:"SSHPublicKeyBody,required"`
}

type sshPublicKeyOutput struct {
	SSHPublicKey SSHPublicKey `xml:"SSHPublicKey"`
}

func (s *Service) uploadSSHPublicKey(ctx context.Context, in *uploadSSHPublicKeyInput) (*sshPublicKeyOutput, error) {
	if err := checkConstraints(userNameConstraint(&in.UserName, 64), sshPublicKeyBodyConstraint(&in.SSHPublicKeyBody)); err != nil {
		return nil, err
	}
	body := strings.TrimSpace(in.SSHPublicKeyBody)
	key, err := parseSSHPublicKey(body)
	if err != nil {
		return nil, err
	}
	rec := sshKeyRecord{ID: newID("APKA", 20), Body: body, Fingerprint: sshFingerprint(key), Status: "Active", Uploaded: s.now().UTC()}
	var name string
	err = userKind.edit(ctx, s, in.UserName, func(_ store.Tx, _ string, u *userRecord) error {
		name = u.Name
		for _, k := range u.SSHKeys {
			if k.Fingerprint == rec.Fingerprint {
				return awsproto.New(http.StatusBadRequest, "DuplicateSSHPublicKey", "The request was rejected because the SSH public key is already associated with the specified IAM user.")
			}
		}
		if len(u.SSHKeys) >= maxSSHKeys {
			return limitExceeded("Cannot exceed quota for PublicKeysPerUser: %d", maxSSHKeys)
		}
		u.SSHKeys = append(u.SSHKeys, rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &sshPublicKeyOutput{SSHPublicKey{name, rec.ID, rec.Fingerprint, rec.Body, rec.Status, query.Time(rec.Uploaded)}}, nil
}

type getSSHPublicKeyInput struct {
	UserName       string `query:",required"`
	SSHPublicKeyID string `query:"SSHPublicKeyId,required"`
	Encoding       string `query:",required"`
}

func (s *Service) getSSHPublicKey(ctx context.Context, in *getSSHPublicKeyInput) (*sshPublicKeyOutput, error) {
	err := checkConstraints(userNameConstraint(&in.UserName, 64), credentialIDConstraint("sSHPublicKeyId", &in.SSHPublicKeyID, 20))
	if err != nil {
		return nil, err
	}
	if in.Encoding != "SSH" && in.Encoding != "PEM" {
		return nil, validation("1 validation error detected: Value '%s' at 'encoding' failed to satisfy constraint: Member must satisfy enum value set: [SSH, PEM]", in.Encoding)
	}
	acct := account(ctx)
	var out SSHPublicKey
	err = s.view(ctx, func(tx store.Tx) error {
		u, err := getUser(tx, acct, in.UserName)
		if err != nil {
			return err
		}
		i := findSSHKey(u, in.SSHPublicKeyID)
		if i < 0 {
			return sshKeyNotFound(in.SSHPublicKeyID)
		}
		k := u.SSHKeys[i]
		body, err := encodeSSHPublicKey(k.Body, in.Encoding)
		if err != nil {
			return err
		}
		out = SSHPublicKey{u.Name, k.ID, k.Fingerprint, body, k.Status, query.Time(k.Uploaded)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &sshPublicKeyOutput{out}, nil
}

type listSSHPublicKeysOutput struct {
	SSHPublicKeys []SSHPublicKeyMetadata `xml:"SSHPublicKeys>member"`
	IsTruncated   bool                   `xml:"IsTruncated"`
	Marker        string                 `xml:"Marker,omitempty"`
}

// listSSHPublicKeys lists the keys of the named user, or of the calling
// user; the root user has none.
func (s *Service) listSSHPublicKeys(ctx context.Context, in *userCredentialsInput) (*listSSHPublicKeysOutput, error) {
	if err := checkConstraints(userNameConstraint(in.UserName, 64)); err != nil {
		return nil, err
	}
	var all []SSHPublicKeyMetadata
	var err error
	if name, ok := callerUser(ctx, in.UserName); ok {
		acct := account(ctx)
		err = s.view(ctx, func(tx store.Tx) error {
			u, err := getUser(tx, acct, name)
			if err != nil {
				return err
			}
			for _, k := range u.SSHKeys {
				all = append(all, SSHPublicKeyMetadata{u.Name, k.ID, k.Status, query.Time(k.Uploaded)})
			}
			return nil
		})
	}
	items, trunc, next, err := paged(all, err, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &listSSHPublicKeysOutput{items, trunc, next}, nil
}

type updateSSHPublicKeyInput struct {
	UserName       string `query:",required"`
	SSHPublicKeyID string `query:"SSHPublicKeyId,required"`
	Status         string `query:",required"`
}

func (s *Service) updateSSHPublicKey(ctx context.Context, in *updateSSHPublicKeyInput) (*struct{}, error) {
	err := checkConstraints(userNameConstraint(&in.UserName, 64), credentialIDConstraint("sSHPublicKeyId", &in.SSHPublicKeyID, 20))
	if err != nil {
		return nil, err
	}
	if in.Status != "Active" && in.Status != "Inactive" && in.Status != "Expired" {
		return nil, validation("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]", in.Status)
	}
	return nil, userKind.edit(ctx, s, in.UserName, func(_ store.Tx, _ string, u *userRecord) error {
		i := findSSHKey(u, in.SSHPublicKeyID)
		if i < 0 {
			return sshKeyNotFound(in.SSHPublicKeyID)
		}
		u.SSHKeys[i].Status = in.Status
		return nil
	})
}

type deleteSSHPublicKeyInput struct {
	UserName       string `query:",required"`
	SSHPublicKeyID string `query:"SSHPublicKeyId,required"`
}

func (s *Service) deleteSSHPublicKey(ctx context.Context, in *deleteSSHPublicKeyInput) (*struct{}, error) {
	err := checkConstraints(userNameConstraint(&in.UserName, 64), credentialIDConstraint("sSHPublicKeyId", &in.SSHPublicKeyID, 20))
	if err != nil {
		return nil, err
	}
	return nil, userKind.edit(ctx, s, in.UserName, func(_ store.Tx, _ string, u *userRecord) error {
		i := findSSHKey(u, in.SSHPublicKeyID)
		if i < 0 {
			return sshKeyNotFound(in.SSHPublicKeyID)
		}
		u.SSHKeys = slices.Delete(u.SSHKeys, i, i+1)
		return nil
	})
}

func unrecognizedKeyEncoding() error {
	return awsproto.New(http.StatusBadRequest, "UnrecognizedPublicKeyEncoding", "The request was rejected because the public key encoding format is unsupported or unrecognized.")
}

func invalidPublicKey() error {
	return awsproto.New(http.StatusBadRequest, "InvalidPublicKey", "The request was rejected because the public key is malformed or otherwise invalid.")
}

// parseSSHPublicKey reads an RSA public key in OpenSSH form
// ("ssh-rsa BASE64 [comment]") or PEM form (PUBLIC KEY or RSA PUBLIC KEY),
// as UploadSSHPublicKey takes it.
func parseSSHPublicKey(body string) (*rsa.PublicKey, error) {
	var key *rsa.PublicKey
	switch {
	case strings.HasPrefix(body, "-----BEGIN "):
		block, _ := pem.Decode([]byte(body))
		if block == nil {
			return nil, invalidPublicKey()
		}
		switch block.Type {
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, invalidPublicKey()
			}
			rk, ok := k.(*rsa.PublicKey)
			if !ok {
				return nil, unrecognizedKeyEncoding()
			}
			key = rk
		case "RSA PUBLIC KEY":
			k, err := x509.ParsePKCS1PublicKey(block.Bytes)
			if err != nil {
				return nil, invalidPublicKey()
			}
			key = k
		default:
			return nil, unrecognizedKeyEncoding()
		}
	case strings.HasPrefix(body, "ssh-rsa "):
		f := strings.Fields(body)
		blob, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil {
			return nil, invalidPublicKey()
		}
		k, err := parseSSHWire(blob)
		if err != nil {
			return nil, invalidPublicKey()
		}
		key = k
	default:
		return nil, unrecognizedKeyEncoding()
	}
	if key.N.BitLen() < 2048 {
		return nil, invalidPublicKey()
	}
	return key, nil
}

// parseSSHWire decodes the SSH wire form of an RSA public key (RFC 4253
// section 6.6): string "ssh-rsa", mpint e, mpint n.
func parseSSHWire(b []byte) (*rsa.PublicKey, error) {
	next := func() ([]byte, error) {
		if len(b) < 4 {
			return nil, errors.New("short")
		}
		n := binary.BigEndian.Uint32(b)
		if uint64(len(b)-4) < uint64(n) {
			return nil, errors.New("short")
		}
		v := b[4 : 4+n]
		b = b[4+n:]
		return v, nil
	}
	typ, err := next()
	if err != nil || string(typ) != "ssh-rsa" {
		return nil, errors.New("not ssh-rsa")
	}
	e, err := next()
	if err != nil {
		return nil, err
	}
	n, err := next()
	if err != nil || len(b) != 0 {
		return nil, errors.New("malformed")
	}
	ei := new(big.Int).SetBytes(e)
	if !ei.IsInt64() || ei.Int64() < 3 || ei.Int64() > 1<<31-1 {
		return nil, errors.New("bad exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(ei.Int64())}, nil
}

// sshWire encodes an RSA public key in the SSH wire form.
func sshWire(k *rsa.PublicKey) []byte {
	var b bytes.Buffer
	put := func(v []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(v)))
		b.Write(v)
	}
	mpint := func(i *big.Int) []byte {
		v := i.Bytes()
		if len(v) > 0 && v[0]&0x80 != 0 {
			v = append([]byte{0}, v...)
		}
		return v
	}
	put([]byte("ssh-rsa"))
	put(mpint(big.NewInt(int64(k.E))))
	put(mpint(k.N))
	return b.Bytes()
}

// sshFingerprint is the MD5 fingerprint of a key, as ssh-keygen -l -E md5
// prints it and IAM returns it: hex pairs separated by colons.
func sshFingerprint(k *rsa.PublicKey) string {
	sum := md5.Sum(sshWire(k))
	h := hex.EncodeToString(sum[:])
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		pairs = append(pairs, h[i:i+2])
	}
	return strings.Join(pairs, ":")
}

// encodeSSHPublicKey returns a stored key in the encoding GetSSHPublicKey
// asks for: SSH gives the key as uploaded when it was uploaded in that
// form, "ssh-rsa BASE64" otherwise; PEM gives a PUBLIC KEY block.
func encodeSSHPublicKey(body, encoding string) (string, error) {
	if encoding == "SSH" && strings.HasPrefix(body, "ssh-rsa ") {
		return body, nil
	}
	k, err := parseSSHPublicKey(body)
	if err != nil {
		return "", err
	}
	if encoding == "SSH" {
		return "ssh-rsa " + base64.StdEncoding.EncodeToString(sshWire(k)), nil
	}
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}
