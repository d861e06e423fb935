package kms

import (
	"context"
	"sort"
	"strings"

	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/store"
)

// Tags: TagResource, UntagResource and ListResourceTags.

// maxTags is how many tags a key may have.
const maxTags = 50

// Tag is KMS's Tag shape.
type Tag struct {
	TagKey   string `json:"TagKey" aws:"required,min=1,max=128"`
	TagValue string `json:"TagValue" aws:"required,max=256"`
}

type tagResourceInput struct {
	KeyID string `json:"KeyId" aws:"required,min=1,max=2048"`
	Tags  []Tag  `json:"Tags" aws:"required"`
}

type untagResourceInput struct {
	KeyID   string   `json:"KeyId" aws:"required,min=1,max=2048"`
	TagKeys []string `json:"TagKeys" aws:"required"`
}

type listResourceTagsInput struct {
	KeyID  string  `json:"KeyId" aws:"required,min=1,max=2048"`
	Limit  *int32  `json:"Limit" aws:"min=1,max=1000"`
	Marker *string `json:"Marker" aws:"min=1,max=1024"`
}

type listResourceTagsOutput struct {
	Tags       []Tag   `json:"Tags"`
	NextMarker *string `json:"NextMarker,omitempty"`
	Truncated  bool    `json:"Truncated"`
}

func (s *Service) registerTags() {
	add(s, "TagResource", "kms:TagResource", func(ctx context.Context, in *tagResourceInput) ([]need, error) {
		if err := checkTags(in.Tags); err != nil {
			return nil, err
		}
		nds, err := s.onKey(ctx, in.KeyID, false, "kms:TagResource", "")
		if err == nil {
			requestTags(nds[0].keys, in.Tags)
		}
		return nds, err
	}, s.tagResource)
	add(s, "UntagResource", "kms:UntagResource", func(ctx context.Context, in *untagResourceInput) ([]need, error) {
		nds, err := s.onKey(ctx, in.KeyID, false, "kms:UntagResource", "")
		if err == nil && len(in.TagKeys) > 0 {
			nds[0].keys.Set("aws:TagKeys", in.TagKeys...)
		}
		return nds, err
	}, s.untagResource)
	add(s, "ListResourceTags", "kms:ListResourceTags", func(ctx context.Context, in *listResourceTagsInput) ([]need, error) {
		return s.onKey(ctx, in.KeyID, false, "kms:ListResourceTags", "")
	}, s.listResourceTags)
}

// checkTags applies KMS's rules to the tags of one request.
func checkTags(tags []Tag) error {
	seen := map[string]bool{}
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.TagKey), "aws:") {
			return errTag("Tags beginning with aws: are reserved")
		}
		if seen[t.TagKey] {
			return errTag("Duplicate tag keys")
		}
		seen[t.TagKey] = true
	}
	if len(tags) > maxTags {
		return errTag("Too many tags")
	}
	return nil
}

// requestTags sets the aws:RequestTag and aws:TagKeys condition keys.
func requestTags(keys policy.Context, tags []Tag) {
	if len(tags) == 0 {
		return
	}
	names := make([]string, 0, len(tags))
	for _, t := range tags {
		keys.Set("aws:RequestTag/"+t.TagKey, t.TagValue)
		names = append(names, t.TagKey)
	}
	keys.Set("aws:TagKeys", names...)
}

// mergeTags sets tags on a key's tags: a new value for a key it has, or
// a new tag.
func mergeTags(have, set []Tag) []Tag {
	out := append([]Tag(nil), have...)
	for _, t := range set {
		found := false
		for i := range out {
			if out[i].TagKey == t.TagKey {
				out[i].TagValue, found = t.TagValue, true
				break
			}
		}
		if !found {
			out = append(out, t)
		}
	}
	return out
}

func (s *Service) tagResource(ctx context.Context, in *tagResourceInput) (*struct{}, error) {
	_, err := s.updateKey(ctx, in.KeyID, false, func(_ store.Tx, k *keyRecord) error {
		if err := k.notPending(); err != nil {
			return err
		}
		k.Tags = mergeTags(k.Tags, in.Tags)
		if len(k.Tags) > maxTags {
			return errTag("Too many tags")
		}
		return nil
	})
	return nil, err
}

func (s *Service) untagResource(ctx context.Context, in *untagResourceInput) (*struct{}, error) {
	_, err := s.updateKey(ctx, in.KeyID, false, func(_ store.Tx, k *keyRecord) error {
		if err := k.notPending(); err != nil {
			return err
		}
		kept := k.Tags[:0]
		for _, t := range k.Tags {
			drop := false
			for _, name := range in.TagKeys {
				drop = drop || name == t.TagKey
			}
			if !drop {
				kept = append(kept, t)
			}
		}
		k.Tags = kept
		return nil
	})
	return nil, err
}

// listResourceTags lists a key's tags by key.
func (s *Service) listResourceTags(ctx context.Context, in *listResourceTagsInput) (*listResourceTagsOutput, error) {
	k, _, err := s.key(ctx, in.KeyID, false)
	if err != nil {
		return nil, err
	}
	prefix := string(k.name()) + "/"
	start, err := decodeMarker(in.Marker, prefix)
	if err != nil {
		return nil, err
	}
	tags := append([]Tag(nil), k.Tags...)
	sort.Slice(tags, func(i, j int) bool { return tags[i].TagKey < tags[j].TagKey })
	n := limit(in.Limit, 50, 50)
	out := &listResourceTagsOutput{Tags: []Tag{}}
	for _, t := range tags {
		if prefix+t.TagKey < start {
			continue
		}
		if len(out.Tags) == n {
			m := encodeMarker(prefix + t.TagKey)
			out.NextMarker, out.Truncated = &m, true
			break
		}
		out.Tags = append(out.Tags, t)
	}
	return out, nil
}
