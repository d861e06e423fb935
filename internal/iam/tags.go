package iam

import (
	"context"

	"github.com/gureum/gureum/internal/store"
)

// Tags of customer managed policies and instance profiles: Terraform's
// aws_iam_policy and aws_iam_instance_profile change them with
// Tag…/Untag… after creating with Tags, and read them back from GetPolicy
// and GetInstanceProfile (or List…Tags).

// policyTagKey returns the store key of the customer managed policy named
// by a, or NoSuchEntity (AWS managed policies cannot be tagged).
func (s *Service) policyTagKey(ctx context.Context, a string) ([]byte, error) {
	if err := checkArn("policyArn", a); err != nil {
		return nil, err
	}
	acct := account(ctx)
	pa, _, name, ok := parsePolicyArn(a)
	if !ok {
		return nil, invalidInput("ARN %s is not valid.", a)
	}
	if pa != acct {
		return nil, policyNotFound(a)
	}
	err := s.view(ctx, func(tx store.Tx) error {
		_, err := getManaged(tx, acct, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	return entityKey(acct, name), nil
}

type tagPolicyInput struct {
	PolicyArn string `query:",required"`
	Tags      []Tag  `query:",required"`
}

func (s *Service) tagPolicy(ctx context.Context, in *tagPolicyInput) (*struct{}, error) {
	key, err := s.policyTagKey(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return nil, s.editTags(ctx, tPolicies, key, policyNotFound(in.PolicyArn), func(have []Tag) ([]Tag, error) {
		tags := mergeTags(have, in.Tags)
		return tags, checkTags(tags)
	})
}

type untagPolicyInput struct {
	PolicyArn string   `query:",required"`
	TagKeys   []string `query:",required"`
}

func (s *Service) untagPolicy(ctx context.Context, in *untagPolicyInput) (*struct{}, error) {
	key, err := s.policyTagKey(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return nil, s.editTags(ctx, tPolicies, key, policyNotFound(in.PolicyArn), func(have []Tag) ([]Tag, error) {
		return removeTags(have, in.TagKeys), nil
	})
}

type listPolicyTagsInput struct {
	PolicyArn string `query:",required"`
	Marker    *string
	MaxItems  *int32
}

func (s *Service) listPolicyTags(ctx context.Context, in *listPolicyTagsInput) (*listTagsOutput, error) {
	key, err := s.policyTagKey(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return s.listTags(ctx, tPolicies, key, policyNotFound(in.PolicyArn), in.Marker, in.MaxItems)
}

func profileNotFound(name string) error {
	return noSuchEntity("Instance Profile %s cannot be found.", name)
}

type tagProfileInput struct {
	InstanceProfileName string `query:",required"`
	Tags                []Tag  `query:",required"`
}

func (s *Service) tagInstanceProfile(ctx context.Context, in *tagProfileInput) (*struct{}, error) {
	key := entityKey(account(ctx), in.InstanceProfileName)
	return nil, s.editTags(ctx, tProfiles, key, profileNotFound(in.InstanceProfileName), func(have []Tag) ([]Tag, error) {
		tags := mergeTags(have, in.Tags)
		return tags, checkTags(tags)
	})
}

type untagProfileInput struct {
	InstanceProfileName string   `query:",required"`
	TagKeys             []string `query:",required"`
}

func (s *Service) untagInstanceProfile(ctx context.Context, in *untagProfileInput) (*struct{}, error) {
	key := entityKey(account(ctx), in.InstanceProfileName)
	return nil, s.editTags(ctx, tProfiles, key, profileNotFound(in.InstanceProfileName), func(have []Tag) ([]Tag, error) {
		return removeTags(have, in.TagKeys), nil
	})
}

type listProfileTagsInput struct {
	InstanceProfileName string `query:",required"`
	Marker              *string
	MaxItems            *int32
}

func (s *Service) listInstanceProfileTags(ctx context.Context, in *listProfileTagsInput) (*listTagsOutput, error) {
	key := entityKey(account(ctx), in.InstanceProfileName)
	return s.listTags(ctx, tProfiles, key, profileNotFound(in.InstanceProfileName), in.Marker, in.MaxItems)
}
