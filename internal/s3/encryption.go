package s3

import (
	"context"
	"encoding/xml"
)

// bucketSSE is a bucket's default encryption as its owner set it. Without
// one, a bucket encrypts with SSE-S3 (AES256), as every S3 bucket has
// since January 2023.
type bucketSSE struct {
	Algorithm string `json:"algo"`
	KeyID     string `json:"key,omitempty"`
	BucketKey bool   `json:"bucketKey,omitempty"`
}

type sseByDefault struct {
	SSEAlgorithm   string `xml:"SSEAlgorithm"`
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
}

type sseRule struct {
	Default          *sseByDefault `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled *bool         `xml:"BucketKeyEnabled"`
}

type sseConfiguration struct {
	XMLName xml.Name  `xml:"ServerSideEncryptionConfiguration"`
	Rules   []sseRule `xml:"Rule"`
}

type PutBucketEncryptionInput struct {
	Bucket     string            `loc:"uri,Bucket"`
	ContentMD5 string            `loc:"header,Content-MD5"`
	Config     *sseConfiguration `loc:"body"`
}

type GetBucketEncryptionOutput struct {
	Body *sseConfiguration `loc:"body"`
}

// PutBucketEncryption sets the bucket's default encryption: one rule,
// SSE-S3 (AES256) or SSE-KMS (aws:kms, aws:kms:dsse) with an optional key.
func (s *Service) PutBucketEncryption(ctx context.Context, in *PutBucketEncryptionInput) (*struct{}, error) {
	if in.Config == nil || len(in.Config.Rules) != 1 || in.Config.Rules[0].Default == nil {
		return nil, errMalformedXML()
	}
	r := in.Config.Rules[0]
	sse := &bucketSSE{Algorithm: r.Default.SSEAlgorithm, KeyID: r.Default.KMSMasterKeyID}
	switch sse.Algorithm {
	case "AES256":
		if sse.KeyID != "" {
			return nil, invalidArgument("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse", "ApplyServerSideEncryptionByDefault", "")
		}
	case "aws:kms", "aws:kms:dsse":
	default:
		return nil, errMalformedXML()
	}
	if r.BucketKeyEnabled != nil {
		sse.BucketKey = *r.BucketKeyEnabled
	}
	return &struct{}{}, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.SSE = sse
		return nil
	})
}

// GetBucketEncryption returns the bucket's default encryption (SSE-S3
// when its owner set none).
func (s *Service) GetBucketEncryption(ctx context.Context, in *BucketInput) (*GetBucketEncryptionOutput, error) {
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	sse := b.SSE
	if sse == nil {
		sse = &bucketSSE{Algorithm: "AES256"}
	}
	bk := sse.BucketKey
	return &GetBucketEncryptionOutput{Body: &sseConfiguration{Rules: []sseRule{{
		Default:          &sseByDefault{SSEAlgorithm: sse.Algorithm, KMSMasterKeyID: sse.KeyID},
		BucketKeyEnabled: &bk,
	}}}}, nil
}

// DeleteBucketEncryption returns the bucket to the default, SSE-S3.
func (s *Service) DeleteBucketEncryption(ctx context.Context, in *BucketInput) (*NoContentOutput, error) {
	return noContent, s.updateBucket(ctx, in.Bucket, func(b *bucketRecord) error {
		b.SSE = nil
		return nil
	})
}
