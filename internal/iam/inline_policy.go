package iam

import (
	"context"
	"strings"

	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/store"
)

// Inline policies: documents embedded in one user, group or role, named
// without regard to case.

func putInline[R any](s *Service, k kind[R]) func(context.Context, *holderInput) (*struct{}, error) {
	return func(ctx context.Context, in *holderInput) (*struct{}, error) {
		name, pname, err := in.with(k.name, "policyName", in.PolicyName)
		if err != nil {
			return nil, err
		}
		doc, err := required("policyDocument", in.PolicyDocument)
		if err != nil {
			return nil, err
		}
		if err := checkName("policyName", pname, 128); err != nil {
			return nil, err
		}
		if err := checkDocument(doc, policy.Identity, k.inlineQuota, k.name+"PolicySize"); err != nil {
			return nil, err
		}
		return nil, k.edit(ctx, s, name, func(_ store.Tx, _ string, r *R) error {
			e := k.entity(r)
			if e.Inline == nil {
				e.Inline = map[string]string{}
			}
			for key := range e.Inline {
				if strings.EqualFold(key, pname) {
					delete(e.Inline, key)
				}
			}
			e.Inline[pname] = doc
			return nil
		})
	}
}

type inlinePolicyOutput struct {
	XMLName        struct{} `xml:"-"`
	UserName       string   `xml:"UserName,omitempty"`
	GroupName      string   `xml:"GroupName,omitempty"`
	RoleName       string   `xml:"RoleName,omitempty"`
	PolicyName     string   `xml:"PolicyName"`
	PolicyDocument string   `xml:"PolicyDocument"`
}

func inlineNotFound(kind, holder, pname string) error {
	return noSuchEntity("The %s policy with name %s cannot be found.", strings.ToLower(kind), pname)
}

func findInline(pp *principalPolicies, pname string) (string, string, bool) {
	for k, v := range pp.Inline {
		if strings.EqualFold(k, pname) {
			return k, v, true
		}
	}
	return "", "", false
}

func getInline[R any](s *Service, k kind[R]) func(context.Context, *holderInput) (*inlinePolicyOutput, error) {
	return func(ctx context.Context, in *holderInput) (*inlinePolicyOutput, error) {
		name, pname, err := in.with(k.name, "policyName", in.PolicyName)
		if err != nil {
			return nil, err
		}
		out := &inlinePolicyOutput{}
		err = k.view(ctx, s, name, func(_ store.Tx, _ string, r *R) error {
			e := k.entity(r)
			key, doc, ok := findInline(&e.principalPolicies, pname)
			if !ok {
				return inlineNotFound(k.name, e.Name, pname)
			}
			out.PolicyName, out.PolicyDocument = key, encodeDocument(doc)
			switch k.name {
			case "User":
				out.UserName = e.Name
			case "Group":
				out.GroupName = e.Name
			case "Role":
				out.RoleName = e.Name
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

func deleteInline[R any](s *Service, k kind[R]) func(context.Context, *holderInput) (*struct{}, error) {
	return func(ctx context.Context, in *holderInput) (*struct{}, error) {
		name, pname, err := in.with(k.name, "policyName", in.PolicyName)
		if err != nil {
			return nil, err
		}
		return nil, k.edit(ctx, s, name, func(_ store.Tx, _ string, r *R) error {
			e := k.entity(r)
			key, _, ok := findInline(&e.principalPolicies, pname)
			if !ok {
				return inlineNotFound(k.name, e.Name, pname)
			}
			delete(e.Inline, key)
			return nil
		})
	}
}

type listInlineOutput struct {
	PolicyNames []string `xml:"PolicyNames>member"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
}

func listInline[R any](s *Service, k kind[R]) func(context.Context, *holderInput) (*listInlineOutput, error) {
	return func(ctx context.Context, in *holderInput) (*listInlineOutput, error) {
		name, err := in.holder(k.name)
		if err != nil {
			return nil, err
		}
		var names []string
		err = k.view(ctx, s, name, func(_ store.Tx, _ string, r *R) error {
			names = sortedKeys(k.entity(r).Inline)
			return nil
		})
		items, trunc, next, err := paged(names, err, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &listInlineOutput{items, trunc, next}, nil
	}
}
