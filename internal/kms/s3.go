package kms

import (
	"context"

	"github.com/gureum/gureum/internal/request"
)

// KMS for S3: the calls S3 makes on behalf of its caller for SSE-KMS.
// They run the same operations as the API, authorized as the caller in
// ctx, with the condition keys a call through S3 carries on AWS:
// kms:ViaService s3.<region>.amazonaws.com (which is what lets every
// principal of an account use alias/aws/s3 through S3, and only through
// it) and kms:CallerAccount. Their errors are *awsproto.Error values with
// KMS's codes (NotFoundException, DisabledException,
// KMSInvalidStateException, AccessDeniedException,
// InvalidCiphertextException …), for S3 to answer in its own words.

// DefaultS3Key is the key S3 uses when an SSE-KMS request names none.
const DefaultS3Key = "alias/aws/s3"

// GenerateDataKeyFor returns a new 256-bit data key, in plaintext and
// encrypted under keyID (id, ARN, alias name or alias ARN; "" = the
// account's alias/aws/s3, created on first use), authorizing
// kms:GenerateDataKey as the caller in ctx.
func (s *Service) GenerateDataKeyFor(ctx context.Context, keyID string, encCtx map[string]string) (plaintext, blob []byte, keyARN string, err error) {
	if keyID == "" {
		keyID = DefaultS3Key
	}
	spec := "AES_256"
	out, err := s.viaS3(ctx, "GenerateDataKey", &generateDataKeyInput{KeyID: keyID, EncryptionContext: encCtx, KeySpec: &spec})
	if err != nil {
		return nil, nil, "", err
	}
	o := out.(*generateDataKeyOutput)
	return o.Plaintext, o.CiphertextBlob, o.KeyID, nil
}

// DecryptFor decrypts a data key blob, authorizing kms:Decrypt as the
// caller in ctx.
func (s *Service) DecryptFor(ctx context.Context, blob []byte, encCtx map[string]string) (plaintext []byte, keyARN string, err error) {
	out, err := s.viaS3(ctx, "Decrypt", &decryptInput{CiphertextBlob: blob, EncryptionContext: encCtx})
	if err != nil {
		return nil, "", err
	}
	o := out.(*decryptOutput)
	return o.Plaintext, o.KeyID, nil
}

// viaS3 invokes an operation as S3's caller. The request stays S3's: the
// operation name the access log shows is put back afterwards.
func (s *Service) viaS3(ctx context.Context, name string, in any) (any, error) {
	rc := request.From(ctx)
	op := rc.Operation
	defer func() { rc.Operation = op }()
	return s.ops.Invoke(withVia(ctx, "s3."+rc.Region+".amazonaws.com"), name, in)
}
