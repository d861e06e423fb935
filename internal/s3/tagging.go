package s3

import (
	"context"

	"github.com/gureum/gureum/internal/store"
)

type ObjectTaggingInput struct {
	Bucket    string   `loc:"uri,Bucket"`
	Key       string   `loc:"uri,Key"`
	VersionID string   `loc:"query,versionId"`
	Tagging   *tagging `loc:"body"`
}

type PutObjectTaggingOutput struct {
	VersionID string `loc:"header,x-amz-version-id"`
}

// PutObjectTagging replaces the tags of an object version.
func (s *Service) PutObjectTagging(ctx context.Context, in *ObjectTaggingInput) (*PutObjectTaggingOutput, error) {
	if in.Tagging == nil {
		return nil, errMalformedXML()
	}
	if err := validateTags(in.Tagging.TagSet, 10); err != nil {
		return nil, err
	}
	v, err := s.updateVersion(ctx, in.Bucket, in.Key, in.VersionID, func(v *versionRecord) { v.Tags = in.Tagging.TagSet })
	if err != nil {
		return nil, err
	}
	return &PutObjectTaggingOutput{VersionID: visibleVersionID(v)}, nil
}

// GetObjectTagging returns the tags of an object version.
func (s *Service) GetObjectTagging(ctx context.Context, in *ObjectTaggingInput) (*GetTaggingOutput, error) {
	var v *versionRecord
	err := s.store.View(ctx, func(tx store.Tx) error {
		if _, err := getBucket(tx, in.Bucket); err != nil {
			return err
		}
		var err error
		v, err = lookupObject(tx, in.Bucket, in.Key, in.VersionID)
		if err == nil && v.DeleteMarker {
			err = errMethodNotAllowed("GET", "DeleteMarker")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetTaggingOutput{VersionID: visibleVersionID(v), Body: &tagging{TagSet: v.Tags}}, nil
}

// DeleteObjectTagging removes the tags of an object version.
func (s *Service) DeleteObjectTagging(ctx context.Context, in *ObjectTaggingInput) (*DeleteObjectOutput, error) {
	v, err := s.updateVersion(ctx, in.Bucket, in.Key, in.VersionID, func(v *versionRecord) { v.Tags = nil })
	if err != nil {
		return nil, err
	}
	return &DeleteObjectOutput{Status: 204, VersionID: visibleVersionID(v)}, nil
}

func visibleVersionID(v *versionRecord) string {
	if v.VersionID == "null" {
		return ""
	}
	return v.VersionID
}

// updateVersion changes one version's record in place (tags, ACLs later).
func (s *Service) updateVersion(ctx context.Context, bucket, key, versionID string, fn func(*versionRecord)) (*versionRecord, error) {
	var v *versionRecord
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := getBucket(tx, bucket); err != nil {
			return err
		}
		var err error
		v, err = lookupObject(tx, bucket, key, versionID)
		if err != nil {
			return err
		}
		if v.DeleteMarker {
			return errMethodNotAllowed("PUT", "DeleteMarker")
		}
		fn(v)
		return tx.Put(tVersions, versionKey(bucket, key, v.Seq), marshal(v))
	})
	return v, err
}
