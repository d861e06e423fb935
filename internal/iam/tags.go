package iam

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/gureum/gureum/internal/recfield"

	"github.com/gureum/gureum/internal/store"
)

// Tags: users, roles, customer managed policies and instance profiles
// keep theirs in their records, as "tags"; Tag…, Untag… and List…Tags of
// each are written once, over a tagged record. (Terraform's aws_iam_policy
// and aws_iam_instance_profile change them with Tag…/Untag… after creating
// with Tags, and read them back from Get… or List…Tags.)

// tagged is a taggable record: where it is stored, and the error when it
// is not there.
type tagged struct {
	table   string
	key     []byte
	missing error
}

// checkTags checks tags as IAM constrains them: at most 50, keys unique
// without regard to case.
func checkTags(tags []Tag) error {
	if len(tags) > 50 {
		return limitExceeded("Cannot exceed quota for TagsPerResource: 50")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")
		}
		k := strings.ToLower(t.Key)
		if seen[k] {
			return invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

// mergeTags adds or replaces tags by key (keys are case-insensitive).
func mergeTags(have, add []Tag) []Tag {
	out := append([]Tag(nil), have...)
	for _, t := range add {
		found := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				found = true
			}
		}
		if !found {
			out = append(out, t)
		}
	}
	return out
}

func removeTags(have []Tag, keys []string) []Tag {
	var out []Tag
	for _, t := range have {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// tag adds tags to the record, or replaces those of the same keys.
func (s *Service) tag(ctx context.Context, t tagged, add []Tag) error {
	return s.editTags(ctx, t, func(have []Tag) ([]Tag, error) {
		tags := mergeTags(have, add)
		return tags, checkTags(tags)
	})
}

// untag removes the tags of the keys from the record.
func (s *Service) untag(ctx context.Context, t tagged, keys []string) error {
	return s.editTags(ctx, t, func(have []Tag) ([]Tag, error) {
		return removeTags(have, keys), nil
	})
}

// editTags rewrites the tags of the record, whatever its type: every
// taggable record keeps them as "tags".
func (s *Service) editTags(ctx context.Context, t tagged, fn func([]Tag) ([]Tag, error)) error {
	return s.update(ctx, func(tx store.Tx) error {
		raw, err := tx.Get(t.table, t.key)
		if err != nil {
			return notFound(err, t.missing)
		}
		if raw, err = recfield.EditList(raw, "tags", fn); err != nil {
			return err
		}
		return tx.Put(t.table, t.key, raw)
	})
}

// listTags pages the tags of the record.
func (s *Service) listTags(ctx context.Context, t tagged, marker *string, maxItems *int32) (*listTagsOutput, error) {
	var rec struct {
		Tags []Tag `json:"tags"`
	}
	err := s.view(ctx, func(tx store.Tx) error {
		raw, err := tx.Get(t.table, t.key)
		if err != nil {
			return notFound(err, t.missing)
		}
		return json.Unmarshal(raw, &rec)
	})
	items, trunc, next, err := paged(rec.Tags, err, marker, maxItems)
	if err != nil {
		return nil, err
	}
	return &listTagsOutput{items, trunc, next}, nil
}

type listTagsOutput struct {
	Tags        []Tag  `xml:"Tags>member"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}
