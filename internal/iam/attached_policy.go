package iam

import (
	"context"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// Managed policies attached to users, groups and roles (and used as
// their permissions boundaries), from both sides: the entity's list and
// the policy's entities and counts.

// maxAttached is IAM's quota of managed policies attached to one user,
// group or role.
const maxAttached = 10

// attachments counts, for one account, where each managed policy is
// attached and used as a boundary.
type attachments struct {
	users, groups, roles map[string][]string // policy ARN → entity names
	boundaries           map[string]int
}

func loadAttachments(tx store.Tx, acct string) (*attachments, error) {
	at := &attachments{users: map[string][]string{}, groups: map[string][]string{}, roles: map[string][]string{}, boundaries: map[string]int{}}
	err := scanAccount(tx, tUsers, acct, func(u *userRecord) error {
		for _, a := range u.Attached {
			at.users[a] = append(at.users[a], u.Name)
		}
		if u.Boundary != "" {
			at.boundaries[u.Boundary]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanAccount(tx, tGroups, acct, func(g *groupRecord) error {
		for _, a := range g.Attached {
			at.groups[a] = append(at.groups[a], g.Name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanAccount(tx, tRoles, acct, func(r *roleRecord) error {
		for _, a := range r.Attached {
			at.roles[a] = append(at.roles[a], r.Name)
		}
		if r.Boundary != "" {
			at.boundaries[r.Boundary]++
		}
		return nil
	})
	return at, err
}

func (at *attachments) count(a string) int {
	return len(at.users[a]) + len(at.groups[a]) + len(at.roles[a])
}

type listEntitiesInput struct {
	PolicyArn         string `query:",required"`
	EntityFilter      *string
	PathPrefix        *string
	PolicyUsageFilter *string
	Marker            *string
	MaxItems          *int32
}

type policyGroup struct {
	GroupName string `xml:"GroupName"`
	GroupID   string `xml:"GroupId"`
}

type policyUser struct {
	UserName string `xml:"UserName"`
	UserID   string `xml:"UserId"`
}

type policyRole struct {
	RoleName string `xml:"RoleName"`
	RoleID   string `xml:"RoleId"`
}

type listEntitiesOutput struct {
	PolicyGroups []policyGroup `xml:"PolicyGroups>member"`
	PolicyUsers  []policyUser  `xml:"PolicyUsers>member"`
	PolicyRoles  []policyRole  `xml:"PolicyRoles>member"`
	IsTruncated  bool          `xml:"IsTruncated"`
}

func (s *Service) listEntitiesForPolicy(ctx context.Context, in *listEntitiesInput) (*listEntitiesOutput, error) {
	acct := account(ctx)
	out := &listEntitiesOutput{PolicyGroups: []policyGroup{}, PolicyUsers: []policyUser{}, PolicyRoles: []policyRole{}}
	want := func(kind string) bool {
		if in.EntityFilter == nil {
			return true
		}
		switch *in.EntityFilter {
		case "User", "Group", "Role":
			return *in.EntityFilter == kind
		case "LocalManagedPolicy", "AWSManagedPolicy":
			return false
		}
		return false
	}
	pathOK := func(p string) bool { return in.PathPrefix == nil || strings.HasPrefix(p, *in.PathPrefix) }
	boundary := in.PolicyUsageFilter != nil && *in.PolicyUsageFilter == "PermissionsBoundary"
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getManaged(tx, acct, in.PolicyArn); err != nil {
			return err
		}
		uses := func(pp *principalPolicies) bool {
			if boundary {
				return pp.Boundary == in.PolicyArn
			}
			return containsExact(pp.Attached, in.PolicyArn)
		}
		if want("User") {
			if err := scanAccount(tx, tUsers, acct, func(u *userRecord) error {
				if uses(&u.principalPolicies) && pathOK(u.Path) {
					out.PolicyUsers = append(out.PolicyUsers, policyUser{u.Name, u.ID})
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if want("Group") && !boundary {
			if err := scanAccount(tx, tGroups, acct, func(g *groupRecord) error {
				if uses(&g.principalPolicies) && pathOK(g.Path) {
					out.PolicyGroups = append(out.PolicyGroups, policyGroup{g.Name, g.ID})
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if want("Role") {
			return scanAccount(tx, tRoles, acct, func(r *roleRecord) error {
				if uses(&r.principalPolicies) && pathOK(r.Path) {
					out.PolicyRoles = append(out.PolicyRoles, policyRole{r.Name, r.ID})
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func containsExact(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func attach[R any](s *Service, k kind[R]) func(context.Context, *holderInput) (*struct{}, error) {
	return func(ctx context.Context, in *holderInput) (*struct{}, error) {
		name, a, err := in.with(k.name, "policyArn", in.PolicyArn)
		if err != nil {
			return nil, err
		}
		if err := checkArn("policyArn", a); err != nil {
			return nil, err
		}
		return nil, k.edit(ctx, s, name, func(tx store.Tx, acct string, r *R) error {
			e := k.entity(r)
			m, err := getManaged(tx, acct, a)
			if err != nil {
				return err
			}
			if m.notAttachable {
				return policyNotFound(a)
			}
			if containsExact(e.Attached, a) {
				return nil
			}
			if len(e.Attached) >= maxAttached {
				return limitExceeded("Cannot exceed quota for PoliciesPer%s: %d", k.name, maxAttached)
			}
			e.Attached = append(e.Attached, a)
			return nil
		})
	}
}

func detach[R any](s *Service, k kind[R]) func(context.Context, *holderInput) (*struct{}, error) {
	return func(ctx context.Context, in *holderInput) (*struct{}, error) {
		name, a, err := in.with(k.name, "policyArn", in.PolicyArn)
		if err != nil {
			return nil, err
		}
		return nil, k.edit(ctx, s, name, func(_ store.Tx, _ string, r *R) error {
			e := k.entity(r)
			for i, v := range e.Attached {
				if v == a {
					e.Attached = append(e.Attached[:i], e.Attached[i+1:]...)
					return nil
				}
			}
			return noSuchEntity("Policy %s was not found.", a)
		})
	}
}

// AttachedPolicy is IAM's AttachedPolicy shape.
type AttachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type listAttachedOutput struct {
	AttachedPolicies []AttachedPolicy `xml:"AttachedPolicies>member"`
	IsTruncated      bool             `xml:"IsTruncated"`
	Marker           string           `xml:"Marker,omitempty"`
}

func attachedOf(pp *principalPolicies, prefix *string) []AttachedPolicy {
	var out []AttachedPolicy
	for _, a := range pp.Attached {
		_, path, name, _ := parsePolicyArn(a)
		if prefix != nil && !strings.HasPrefix(path, *prefix) {
			continue
		}
		out = append(out, AttachedPolicy{name, a})
	}
	return out
}

func listAttached[R any](s *Service, k kind[R]) func(context.Context, *holderInput) (*listAttachedOutput, error) {
	return func(ctx context.Context, in *holderInput) (*listAttachedOutput, error) {
		name, err := in.holder(k.name)
		if err != nil {
			return nil, err
		}
		var all []AttachedPolicy
		err = k.view(ctx, s, name, func(_ store.Tx, _ string, r *R) error {
			all = attachedOf(&k.entity(r).principalPolicies, in.PathPrefix)
			return nil
		})
		items, trunc, next, err := paged(all, err, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &listAttachedOutput{items, trunc, next}, nil
	}
}
