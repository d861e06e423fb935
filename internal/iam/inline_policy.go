package iam

import (
	"context"
	"strings"

	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/store"
)

// Inline policies: documents embedded in one user, group or role, named
// without regard to case.

func (s *Service) putInline(kind string) func(context.Context, *holderInput) (*struct{}, error) {
	return func(ctx context.Context, in *holderInput) (*struct{}, error) {
		name, err := in.holder(kind)
		if err != nil {
			return nil, err
		}
		pname, err := required("policyName", in.PolicyName)
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
		quota := map[string]int{"User": maxUserInlineSize, "Group": maxGroupInlineSize, "Role": maxRoleInlineSize}[kind]
		if err := checkDocument(doc, policy.Identity, quota, kind+"PolicySize"); err != nil {
			return nil, err
		}
		acct := account(ctx)
		return nil, s.update(ctx, func(tx store.Tx) error {
			h, err := loadHolder(tx, acct, kind, name)
			if err != nil {
				return err
			}
			if h.pp.Inline == nil {
				h.pp.Inline = map[string]string{}
			}
			for k := range h.pp.Inline {
				if strings.EqualFold(k, pname) {
					delete(h.pp.Inline, k)
				}
			}
			h.pp.Inline[pname] = doc
			return h.save()
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

func (s *Service) getInline(kind string) func(context.Context, *holderInput) (*inlinePolicyOutput, error) {
	return func(ctx context.Context, in *holderInput) (*inlinePolicyOutput, error) {
		name, err := in.holder(kind)
		if err != nil {
			return nil, err
		}
		pname, err := required("policyName", in.PolicyName)
		if err != nil {
			return nil, err
		}
		acct := account(ctx)
		out := &inlinePolicyOutput{}
		err = s.view(ctx, func(tx store.Tx) error {
			h, err := loadHolder(tx, acct, kind, name)
			if err != nil {
				return err
			}
			k, doc, ok := findInline(h.pp, pname)
			if !ok {
				return inlineNotFound(kind, h.name, pname)
			}
			out.PolicyName, out.PolicyDocument = k, encodeDocument(doc)
			switch kind {
			case "User":
				out.UserName = h.name
			case "Group":
				out.GroupName = h.name
			case "Role":
				out.RoleName = h.name
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

func (s *Service) deleteInline(kind string) func(context.Context, *holderInput) (*struct{}, error) {
	return func(ctx context.Context, in *holderInput) (*struct{}, error) {
		name, err := in.holder(kind)
		if err != nil {
			return nil, err
		}
		pname, err := required("policyName", in.PolicyName)
		if err != nil {
			return nil, err
		}
		acct := account(ctx)
		return nil, s.update(ctx, func(tx store.Tx) error {
			h, err := loadHolder(tx, acct, kind, name)
			if err != nil {
				return err
			}
			k, _, ok := findInline(h.pp, pname)
			if !ok {
				return inlineNotFound(kind, h.name, pname)
			}
			delete(h.pp.Inline, k)
			return h.save()
		})
	}
}

type listInlineOutput struct {
	PolicyNames []string `xml:"PolicyNames>member"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
}

func (s *Service) listInline(kind string) func(context.Context, *holderInput) (*listInlineOutput, error) {
	return func(ctx context.Context, in *holderInput) (*listInlineOutput, error) {
		name, err := in.holder(kind)
		if err != nil {
			return nil, err
		}
		acct := account(ctx)
		var names []string
		err = s.view(ctx, func(tx store.Tx) error {
			h, err := loadHolder(tx, acct, kind, name)
			if err != nil {
				return err
			}
			names = sortedKeys(h.pp.Inline)
			return nil
		})
		if err != nil {
			return nil, err
		}
		items, trunc, next, err := page(names, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &listInlineOutput{orEmpty(items), trunc, next}, nil
	}
}
