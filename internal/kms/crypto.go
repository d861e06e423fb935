package kms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"sort"
	"strings"

	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// Cryptographic operations: Encrypt, Decrypt, GenerateDataKey,
// GenerateDataKeyWithoutPlaintext, ReEncrypt and GenerateRandom.
//
// A ciphertext blob is gureum's own format (AWS's is opaque too):
//
//	0x01 | n | key name (n bytes: account/region/key-id) | nonce (12) | AES-256-GCM ciphertext and tag
//
// sealed under the key's material with, as additional data, the blob's
// header (so the key it names cannot be swapped) followed by the
// encryption context in a canonical form (pairs sorted by key, each
// string length-prefixed, so no two contexts encode alike). Decrypt finds
// the key from the blob; a different encryption context, or any changed
// byte, fails authentication and is InvalidCiphertextException.

const blobVersion = 1

// recipientInfo is a Nitro Enclave's attestation (RecipientInfo), which
// gureum cannot honour.
type recipientInfo struct {
	KeyEncryptionAlgorithm *string `json:"KeyEncryptionAlgorithm"`
	AttestationDocument    []byte  `json:"AttestationDocument"`
}

type encryptInput struct {
	KeyID               string            `json:"KeyId" aws:"required,min=1,max=2048"`
	Plaintext           []byte            `json:"Plaintext" aws:"required,min=1,max=4096,sensitive"`
	EncryptionContext   map[string]string `json:"EncryptionContext"`
	GrantTokens         []string          `json:"GrantTokens" aws:"max=10"`
	EncryptionAlgorithm *string           `json:"EncryptionAlgorithm" aws:"enum=SYMMETRIC_DEFAULT|RSAES_OAEP_SHA_1|RSAES_OAEP_SHA_256|SM2PKE"`
	DryRun              *bool             `json:"DryRun"`
}

type encryptOutput struct {
	CiphertextBlob      []byte `json:"CiphertextBlob"`
	KeyID               string `json:"KeyId"`
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
}

type decryptInput struct {
	CiphertextBlob      []byte            `json:"CiphertextBlob" aws:"min=1,max=6144"`
	EncryptionContext   map[string]string `json:"EncryptionContext"`
	GrantTokens         []string          `json:"GrantTokens" aws:"max=10"`
	KeyID               *string           `json:"KeyId" aws:"min=1,max=2048"`
	EncryptionAlgorithm *string           `json:"EncryptionAlgorithm" aws:"enum=SYMMETRIC_DEFAULT|RSAES_OAEP_SHA_1|RSAES_OAEP_SHA_256|SM2PKE"`
	Recipient           *recipientInfo    `json:"Recipient"`
	DryRun              *bool             `json:"DryRun"`
	DryRunModifiers     []string          `json:"DryRunModifiers" aws:"enum=IGNORE_CIPHERTEXT"`
}

type decryptOutput struct {
	KeyID               string `json:"KeyId"`
	Plaintext           []byte `json:"Plaintext"`
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
}

type generateDataKeyInput struct {
	KeyID             string            `json:"KeyId" aws:"required,min=1,max=2048"`
	EncryptionContext map[string]string `json:"EncryptionContext"`
	NumberOfBytes     *int32            `json:"NumberOfBytes" aws:"min=1,max=1024"`
	KeySpec           *string           `json:"KeySpec" aws:"enum=AES_256|AES_128"`
	GrantTokens       []string          `json:"GrantTokens" aws:"max=10"`
	Recipient         *recipientInfo    `json:"Recipient"`
	DryRun            *bool             `json:"DryRun"`
}

type generateDataKeyOutput struct {
	CiphertextBlob []byte `json:"CiphertextBlob"`
	Plaintext      []byte `json:"Plaintext,omitempty"`
	KeyID          string `json:"KeyId"`
}

type reEncryptInput struct {
	CiphertextBlob                 []byte            `json:"CiphertextBlob" aws:"min=1,max=6144"`
	SourceEncryptionContext        map[string]string `json:"SourceEncryptionContext"`
	SourceKeyID                    *string           `json:"SourceKeyId" aws:"min=1,max=2048"`
	DestinationKeyID               string            `json:"DestinationKeyId" aws:"required,min=1,max=2048"`
	DestinationEncryptionContext   map[string]string `json:"DestinationEncryptionContext"`
	SourceEncryptionAlgorithm      *string           `json:"SourceEncryptionAlgorithm" aws:"enum=SYMMETRIC_DEFAULT|RSAES_OAEP_SHA_1|RSAES_OAEP_SHA_256|SM2PKE"`
	DestinationEncryptionAlgorithm *string           `json:"DestinationEncryptionAlgorithm" aws:"enum=SYMMETRIC_DEFAULT|RSAES_OAEP_SHA_1|RSAES_OAEP_SHA_256|SM2PKE"`
	GrantTokens                    []string          `json:"GrantTokens" aws:"max=10"`
	DryRun                         *bool             `json:"DryRun"`
	DryRunModifiers                []string          `json:"DryRunModifiers" aws:"enum=IGNORE_CIPHERTEXT"`
}

type reEncryptOutput struct {
	CiphertextBlob                 []byte `json:"CiphertextBlob"`
	SourceKeyID                    string `json:"SourceKeyId"`
	KeyID                          string `json:"KeyId"`
	SourceEncryptionAlgorithm      string `json:"SourceEncryptionAlgorithm"`
	DestinationEncryptionAlgorithm string `json:"DestinationEncryptionAlgorithm"`
}

type generateRandomInput struct {
	NumberOfBytes    *int32         `json:"NumberOfBytes" aws:"min=1,max=1024"`
	CustomKeyStoreID *string        `json:"CustomKeyStoreId" aws:"min=1,max=64"`
	Recipient        *recipientInfo `json:"Recipient"`
}

type generateRandomOutput struct {
	Plaintext []byte `json:"Plaintext"`
}

func (s *Service) registerCrypto() {
	add(s, "Encrypt", "kms:Encrypt", func(ctx context.Context, in *encryptInput) ([]need, error) {
		return s.cryptoNeeds(ctx, in.KeyID, "kms:Encrypt", "Encrypt", in.EncryptionContext)
	}, s.encrypt)
	add(s, "Decrypt", "kms:Decrypt", s.decryptNeeds, s.decrypt)
	add(s, "GenerateDataKey", "kms:GenerateDataKey", func(ctx context.Context, in *generateDataKeyInput) ([]need, error) {
		return s.cryptoNeeds(ctx, in.KeyID, "kms:GenerateDataKey", "GenerateDataKey", in.EncryptionContext)
	}, s.generateDataKey)
	add(s, "GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext", func(ctx context.Context, in *generateDataKeyInput) ([]need, error) {
		return s.cryptoNeeds(ctx, in.KeyID, "kms:GenerateDataKeyWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", in.EncryptionContext)
	}, s.generateDataKeyWithoutPlaintext)
	add(s, "ReEncrypt", "kms:ReEncryptFrom", s.reEncryptNeeds, s.reEncrypt)
	add(s, "GenerateRandom", "kms:GenerateRandom", everywhere[generateRandomInput]("kms:GenerateRandom"), s.generateRandom)
}

// cryptoNeeds is the need of a cryptographic action on the key a KeyId
// names (another account's by ARN), with its encryption context.
func (s *Service) cryptoNeeds(ctx context.Context, text, action, grantOp string, encCtx map[string]string) ([]need, error) {
	nds, err := s.onKey(ctx, text, true, action, grantOp)
	if err != nil {
		return nil, err
	}
	nds[0].encCtx = encCtx
	nds[0].keys.Set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
	return nds, nil
}

// usableKey resolves a KeyId for a cryptographic operation and reads the
// key's material in one snapshot: the key must be enabled. An AWS managed
// alias without its key yet is made first (key) and read again.
func (s *Service) usableKey(ctx context.Context, text string) (*keyRecord, []byte, error) {
	r, err := parseRef(ctx, text, true)
	if err != nil {
		return nil, nil, err
	}
	var k *keyRecord
	var material []byte
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		if k, err = s.resolve(tx, r); err != nil {
			return err
		}
		material, err = materialIn(tx, k)
		return err
	})
	var missing errManagedMissing
	if errors.As(err, &missing) {
		if k, _, err = s.key(ctx, text, true); err != nil {
			return nil, nil, err
		}
		return s.materialOf(ctx, k)
	}
	return k, material, err
}

// materialOf reads a key's material, checking again (in the same
// snapshot) that the key is usable.
func (s *Service) materialOf(ctx context.Context, k *keyRecord) (*keyRecord, []byte, error) {
	var material []byte
	err := s.store.View(ctx, func(tx store.Tx) error {
		cur, err := getJSON[keyRecord](tx, tKeys, string(k.name()))
		if errors.Is(err, store.ErrNotFound) || (err == nil && cur.gone(s.now())) {
			return errKeyNotFound(k.ARN())
		}
		if err != nil {
			return err
		}
		k = cur
		material, err = materialIn(tx, k)
		return err
	})
	return k, material, err
}

// materialIn checks that k, as read in tx, is usable and reads its
// material there.
func materialIn(tx store.Tx, k *keyRecord) ([]byte, error) {
	if err := k.usable(); err != nil {
		return nil, err
	}
	m, err := tx.Get(tMaterial, k.name())
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), m...), nil
}

// symmetricOnly refuses an encryption algorithm a symmetric key does not
// have.
func symmetricOnly(k *keyRecord, alg *string) error {
	if alg != nil && *alg != "SYMMETRIC_DEFAULT" {
		return errInvalidKeyUsage("The operation failed because the KMS key " + k.ARN() + " does not support the " + *alg + " encryption algorithm.")
	}
	return nil
}

func (s *Service) encrypt(ctx context.Context, in *encryptInput) (*encryptOutput, error) {
	k, material, err := s.usableKey(ctx, in.KeyID)
	if err != nil {
		return nil, err
	}
	if err := symmetricOnly(k, in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	blob, err := seal(k, material, in.Plaintext, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return &encryptOutput{CiphertextBlob: blob, KeyID: k.ARN(), EncryptionAlgorithm: "SYMMETRIC_DEFAULT"}, nil
}

// blobKey finds the key a ciphertext names; keyID, when given, must name
// the same key.
func (s *Service) blobKey(ctx context.Context, blob []byte, keyID *string) (*keyRecord, error) {
	if len(blob) == 0 {
		return nil, errValidation("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null")
	}
	name, ok := blobKeyName(blob)
	if !ok {
		return nil, errInvalidCiphertext()
	}
	parts := strings.Split(name, "/")
	if len(parts) != 3 {
		return nil, errInvalidCiphertext()
	}
	if parts[1] != request.From(ctx).Region {
		// A ciphertext of another region's key: no key here made it.
		return nil, errInvalidCiphertext()
	}
	k, _, err := s.key(ctx, scope{parts[0], parts[1]}.keyARN(parts[2]), true)
	if err != nil {
		return nil, err
	}
	if keyID != nil {
		named, _, err := s.key(ctx, *keyID, true)
		if err != nil {
			return nil, err
		}
		if named.Account != k.Account || named.ID != k.ID {
			return nil, errIncorrectKey()
		}
	}
	return k, nil
}

func (s *Service) decryptNeeds(ctx context.Context, in *decryptInput) ([]need, error) {
	k, err := s.blobKey(ctx, in.CiphertextBlob, in.KeyID)
	if err != nil {
		return nil, err
	}
	nd := keyNeed("kms:Decrypt", k, "Decrypt")
	nd.encCtx, nd.ciphertext = in.EncryptionContext, true
	nd.keys.Set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
	return []need{nd}, nil
}

func (s *Service) decrypt(ctx context.Context, in *decryptInput) (*decryptOutput, error) {
	if in.Recipient != nil {
		return nil, errNotImplemented("gureum's KMS has no Nitro Enclaves: Recipient is not implemented.")
	}
	k, err := s.blobKey(ctx, in.CiphertextBlob, in.KeyID)
	if err != nil {
		return nil, err
	}
	if err := symmetricOnly(k, in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	k, material, err := s.materialOf(ctx, k)
	if err != nil {
		return nil, err
	}
	plain, err := unseal(material, in.CiphertextBlob, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return &decryptOutput{KeyID: k.ARN(), Plaintext: plain, EncryptionAlgorithm: "SYMMETRIC_DEFAULT"}, nil
}

// dataKeyLength is the length of a data key GenerateDataKey is asked for:
// NumberOfBytes or KeySpec, exactly one of them.
func dataKeyLength(n *int32, spec *string) (int, error) {
	switch {
	case n != nil && spec != nil:
		return 0, errValidation("Please specify either number of bytes or key spec, not both.")
	case n != nil:
		return int(*n), nil
	case spec != nil && *spec == "AES_128":
		return 16, nil
	case spec != nil:
		return 32, nil
	}
	return 0, errValidation("Please specify either number of bytes or key spec.")
}

// dataKey makes a data key and seals it under the key a KeyId names.
func (s *Service) dataKey(ctx context.Context, in *generateDataKeyInput) (plain, blob []byte, k *keyRecord, err error) {
	if in.Recipient != nil {
		return nil, nil, nil, errNotImplemented("gureum's KMS has no Nitro Enclaves: Recipient is not implemented.")
	}
	n, err := dataKeyLength(in.NumberOfBytes, in.KeySpec)
	if err != nil {
		return nil, nil, nil, err
	}
	k, material, err := s.usableKey(ctx, in.KeyID)
	if err != nil {
		return nil, nil, nil, err
	}
	plain = make([]byte, n)
	if _, err := rand.Read(plain); err != nil {
		return nil, nil, nil, err
	}
	blob, err = seal(k, material, plain, in.EncryptionContext)
	return plain, blob, k, err
}

func (s *Service) generateDataKey(ctx context.Context, in *generateDataKeyInput) (*generateDataKeyOutput, error) {
	plain, blob, k, err := s.dataKey(ctx, in)
	if err != nil {
		return nil, err
	}
	return &generateDataKeyOutput{CiphertextBlob: blob, Plaintext: plain, KeyID: k.ARN()}, nil
}

func (s *Service) generateDataKeyWithoutPlaintext(ctx context.Context, in *generateDataKeyInput) (*generateDataKeyOutput, error) {
	_, blob, k, err := s.dataKey(ctx, in)
	if err != nil {
		return nil, err
	}
	return &generateDataKeyOutput{CiphertextBlob: blob, KeyID: k.ARN()}, nil
}

func (s *Service) reEncryptNeeds(ctx context.Context, in *reEncryptInput) ([]need, error) {
	src, err := s.blobKey(ctx, in.CiphertextBlob, in.SourceKeyID)
	if err != nil {
		return nil, err
	}
	dst, err := s.cryptoNeeds(ctx, in.DestinationKeyID, "kms:ReEncryptTo", "ReEncryptTo", in.DestinationEncryptionContext)
	if err != nil {
		return nil, err
	}
	from := keyNeed("kms:ReEncryptFrom", src, "ReEncryptFrom")
	from.encCtx, from.ciphertext = in.SourceEncryptionContext, true
	from.keys.Set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
	return []need{from, dst[0]}, nil
}

// reEncrypt decrypts a ciphertext and encrypts its plaintext again under
// another key (or context) without the plaintext leaving KMS.
func (s *Service) reEncrypt(ctx context.Context, in *reEncryptInput) (*reEncryptOutput, error) {
	src, err := s.blobKey(ctx, in.CiphertextBlob, in.SourceKeyID)
	if err != nil {
		return nil, err
	}
	if err := symmetricOnly(src, in.SourceEncryptionAlgorithm); err != nil {
		return nil, err
	}
	src, srcMaterial, err := s.materialOf(ctx, src)
	if err != nil {
		return nil, err
	}
	plain, err := unseal(srcMaterial, in.CiphertextBlob, in.SourceEncryptionContext)
	if err != nil {
		return nil, err
	}
	dst, dstMaterial, err := s.usableKey(ctx, in.DestinationKeyID)
	if err != nil {
		return nil, err
	}
	if err := symmetricOnly(dst, in.DestinationEncryptionAlgorithm); err != nil {
		return nil, err
	}
	blob, err := seal(dst, dstMaterial, plain, in.DestinationEncryptionContext)
	clear(plain)
	if err != nil {
		return nil, err
	}
	return &reEncryptOutput{CiphertextBlob: blob, SourceKeyID: src.ARN(), KeyID: dst.ARN(),
		SourceEncryptionAlgorithm: "SYMMETRIC_DEFAULT", DestinationEncryptionAlgorithm: "SYMMETRIC_DEFAULT"}, nil
}

func (s *Service) generateRandom(_ context.Context, in *generateRandomInput) (*generateRandomOutput, error) {
	switch {
	case in.CustomKeyStoreID != nil:
		return nil, errNotImplemented("gureum's KMS has no custom key stores.")
	case in.Recipient != nil:
		return nil, errNotImplemented("gureum's KMS has no Nitro Enclaves: Recipient is not implemented.")
	case in.NumberOfBytes == nil:
		return nil, errValidation("NumberOfBytes is required.")
	}
	b := make([]byte, *in.NumberOfBytes)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &generateRandomOutput{Plaintext: b}, nil
}

// seal encrypts plaintext under a key's material, binding the encryption
// context.
func seal(k *keyRecord, material, plaintext []byte, encCtx map[string]string) ([]byte, error) {
	gcm, err := newGCM(material)
	if err != nil {
		return nil, err
	}
	name := k.name()
	header := make([]byte, 0, 2+len(name)+gcm.NonceSize())
	header = append(header, blobVersion, byte(len(name)))
	header = append(header, name...)
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	header = append(header, nonce...)
	return gcm.Seal(header, nonce, plaintext, additionalData(header, encCtx)), nil
}

// blobKeyName returns the key name a blob carries.
func blobKeyName(blob []byte) (string, bool) {
	if len(blob) < 2 || blob[0] != blobVersion {
		return "", false
	}
	n := int(blob[1])
	if len(blob) < 2+n+12+16 {
		return "", false
	}
	return string(blob[2 : 2+n]), true
}

// unseal decrypts a blob under a key's material with the encryption
// context given; any mismatch is InvalidCiphertextException.
func unseal(material, blob []byte, encCtx map[string]string) ([]byte, error) {
	gcm, err := newGCM(material)
	if err != nil {
		return nil, err
	}
	if _, ok := blobKeyName(blob); !ok {
		return nil, errInvalidCiphertext()
	}
	hl := 2 + int(blob[1]) + gcm.NonceSize()
	header := blob[:hl]
	plain, err := gcm.Open(nil, header[hl-gcm.NonceSize():], blob[hl:], additionalData(header, encCtx))
	if err != nil {
		return nil, errInvalidCiphertext()
	}
	return plain, nil
}

func newGCM(material []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(material)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// additionalData is the blob's header followed by the encryption context
// in canonical form: pairs sorted by key, each string preceded by its
// length.
func additionalData(header []byte, encCtx map[string]string) []byte {
	keys := make([]string, 0, len(encCtx))
	for k := range encCtx {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ad := append([]byte(nil), header...)
	for _, k := range keys {
		ad = binary.AppendUvarint(ad, uint64(len(k)))
		ad = append(ad, k...)
		ad = binary.AppendUvarint(ad, uint64(len(encCtx[k])))
		ad = append(ad, encCtx[k]...)
	}
	return ad
}
