package iam

import (
	"context"
	"strconv"

	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/store"
)

// Versions of customer managed policies: up to five each, one of them the
// default (the one that applies).

// maxPolicyVersions is IAM's quota of versions a managed policy.
const maxPolicyVersions = 5

// PolicyVer is IAM's PolicyVersion shape.
type PolicyVer struct {
	Document         string     `xml:"Document,omitempty"`
	VersionID        string     `xml:"VersionId"`
	IsDefaultVersion bool       `xml:"IsDefaultVersion"`
	CreateDate       query.Time `xml:"CreateDate"`
}

type policyVersionInput struct {
	PolicyArn string `query:",required"`
	VersionID string `query:"VersionId,required"`
}

type policyVersionOutput struct {
	PolicyVersion PolicyVer `xml:"PolicyVersion"`
}

func versionNotFound(a, v string) error {
	return noSuchEntity("Policy %s version %s does not exist or is not attachable.", a, v)
}

func (s *Service) getPolicyVersion(ctx context.Context, in *policyVersionInput) (*policyVersionOutput, error) {
	acct := account(ctx)
	var out PolicyVer
	err := s.view(ctx, func(tx store.Tx) error {
		m, err := getManaged(tx, acct, in.PolicyArn)
		if err != nil {
			return err
		}
		for _, v := range m.rec.Versions {
			if v.ID == in.VersionID {
				out = PolicyVer{encodeDocument(v.Doc), v.ID, v.ID == m.rec.Default, query.Time(v.Created)}
				return nil
			}
		}
		return versionNotFound(in.PolicyArn, in.VersionID)
	})
	if err != nil {
		return nil, err
	}
	return &policyVersionOutput{out}, nil
}

type createPolicyVersionInput struct {
	PolicyArn      string `query:",required"`
	PolicyDocument string `query:",required"`
	SetAsDefault   *bool
}

func (s *Service) createPolicyVersion(ctx context.Context, in *createPolicyVersionInput) (*policyVersionOutput, error) {
	if err := checkDocument(in.PolicyDocument, policy.Identity, maxManagedPolicySize, "PolicySize"); err != nil {
		return nil, err
	}
	var out PolicyVer
	err := s.editPolicy(ctx, in.PolicyArn, func(m *managed) error {
		if len(m.rec.Versions) >= maxPolicyVersions {
			return limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		now := s.now().UTC()
		v := policyVersion{ID: "v" + strconv.Itoa(m.rec.Next), Doc: in.PolicyDocument, Created: now}
		m.rec.Next++
		m.rec.Versions = append(m.rec.Versions, v)
		def := in.SetAsDefault != nil && *in.SetAsDefault
		if def {
			m.rec.Default = v.ID
		}
		m.rec.Updated = now
		out = PolicyVer{VersionID: v.ID, IsDefaultVersion: def, CreateDate: query.Time(now)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &policyVersionOutput{out}, nil
}

type listPolicyVersionsInput struct {
	PolicyArn string `query:",required"`
	Marker    *string
	MaxItems  *int32
}

type listPolicyVersionsOutput struct {
	Versions    []PolicyVer `xml:"Versions>member"`
	IsTruncated bool        `xml:"IsTruncated"`
	Marker      string      `xml:"Marker,omitempty"`
}

func (s *Service) listPolicyVersions(ctx context.Context, in *listPolicyVersionsInput) (*listPolicyVersionsOutput, error) {
	acct := account(ctx)
	var all []PolicyVer
	err := s.view(ctx, func(tx store.Tx) error {
		m, err := getManaged(tx, acct, in.PolicyArn)
		if err != nil {
			return err
		}
		for i := len(m.rec.Versions) - 1; i >= 0; i-- {
			v := m.rec.Versions[i]
			all = append(all, PolicyVer{VersionID: v.ID, IsDefaultVersion: v.ID == m.rec.Default, CreateDate: query.Time(v.Created)})
		}
		return nil
	})
	items, trunc, next, err := paged(all, err, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &listPolicyVersionsOutput{items, trunc, next}, nil
}

// editPolicy lets fn change the customer managed policy a (an AWS managed
// policy cannot be changed) and stores it, in one write transaction.
func (s *Service) editPolicy(ctx context.Context, a string, fn func(m *managed) error) error {
	acct := account(ctx)
	return s.update(ctx, func(tx store.Tx) error {
		m, err := getManaged(tx, acct, a)
		if err != nil {
			return err
		}
		if m.aws {
			return awsOwned(m.arn)
		}
		if err := fn(m); err != nil {
			return err
		}
		return putRecord(tx, tPolicies, entityKey(acct, m.rec.Name), m.rec)
	})
}

func (s *Service) setDefaultPolicyVersion(ctx context.Context, in *policyVersionInput) (*struct{}, error) {
	return nil, s.editPolicy(ctx, in.PolicyArn, func(m *managed) error {
		for _, v := range m.rec.Versions {
			if v.ID == in.VersionID {
				m.rec.Default = v.ID
				m.rec.Updated = s.now().UTC()
				return nil
			}
		}
		return versionNotFound(in.PolicyArn, in.VersionID)
	})
}

func (s *Service) deletePolicyVersion(ctx context.Context, in *policyVersionInput) (*struct{}, error) {
	return nil, s.editPolicy(ctx, in.PolicyArn, func(m *managed) error {
		for i, v := range m.rec.Versions {
			if v.ID == in.VersionID {
				if v.ID == m.rec.Default {
					return deleteConflict("Cannot delete the default version of a policy.")
				}
				m.rec.Versions = append(m.rec.Versions[:i], m.rec.Versions[i+1:]...)
				return nil
			}
		}
		return versionNotFound(in.PolicyArn, in.VersionID)
	})
}
