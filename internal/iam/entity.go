package iam

import (
	"fmt"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

func (s *Service) checkBoundary(tx store.Tx, acct, a string) error {
	if err := checkArn("permissionsBoundary", a); err != nil {
		return err
	}
	if _, err := getManaged(tx, acct, a); err != nil {
		return invalidInput("Policy %s does not exist or is not attachable.", a)
	}
	return nil
}

// Holders: users, groups and roles carry inline and attached policies the
// same way.

type holder struct {
	kind   string // User, Group, Role
	name   string
	path   string
	pp     *principalPolicies
	save   func() error
	inline int // inline policy size quota
}

func loadHolder(tx store.Tx, acct, kind, name string) (*holder, error) {
	switch kind {
	case "User":
		u, err := getUser(tx, acct, name)
		if err != nil {
			return nil, err
		}
		return &holder{kind, u.Name, u.Path, &u.principalPolicies, func() error { return putRecord(tx, tUsers, entityKey(acct, u.Name), u) }, maxUserInlineSize}, nil
	case "Group":
		g, err := getGroup(tx, acct, name)
		if err != nil {
			return nil, err
		}
		return &holder{kind, g.Name, g.Path, &g.principalPolicies, func() error { return putRecord(tx, tGroups, entityKey(acct, g.Name), g) }, maxGroupInlineSize}, nil
	case "Role":
		r, err := getRole(tx, acct, name)
		if err != nil {
			return nil, err
		}
		return &holder{kind, r.Name, r.Path, &r.principalPolicies, func() error { return putRecord(tx, tRoles, entityKey(acct, r.Name), r) }, maxRoleInlineSize}, nil
	}
	return nil, fmt.Errorf("iam: unknown holder kind %s", kind)
}

// holderInput binds UserName, GroupName or RoleName, whichever the
// operation has, plus the policy fields.
type holderInput struct {
	UserName       *string
	GroupName      *string
	RoleName       *string
	PolicyName     *string
	PolicyDocument *string
	PolicyArn      *string
	PathPrefix     *string
	Marker         *string
	MaxItems       *int32
}

func (in *holderInput) holder(kind string) (string, error) {
	var p *string
	switch kind {
	case "User":
		p = in.UserName
	case "Group":
		p = in.GroupName
	case "Role":
		p = in.RoleName
	}
	if p == nil {
		return "", validation("1 validation error detected: Value null at '%sName' failed to satisfy constraint: Member must not be null", strings.ToLower(kind))
	}
	return *p, nil
}

func required(name string, p *string) (string, error) {
	if p == nil {
		return "", validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", name)
	}
	return *p, nil
}
