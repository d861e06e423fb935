package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/store"
)

// Role is IAM's Role shape.
type Role struct {
	Path                     string                       `xml:"Path"`
	RoleName                 string                       `xml:"RoleName"`
	RoleID                   string                       `xml:"RoleId"`
	Arn                      string                       `xml:"Arn"`
	CreateDate               query.Time                   `xml:"CreateDate"`
	AssumeRolePolicyDocument string                       `xml:"AssumeRolePolicyDocument,omitempty"`
	Description              string                       `xml:"Description,omitempty"`
	MaxSessionDuration       int32                        `xml:"MaxSessionDuration,omitempty"`
	PermissionsBoundary      *AttachedPermissionsBoundary `xml:"PermissionsBoundary,omitempty"`
	Tags                     memberList[Tag]              `xml:"Tags,omitempty"`
	RoleLastUsed             *roleLastUsed                `xml:"RoleLastUsed,omitempty"`
}

type roleLastUsed struct {
	LastUsedDate *query.Time `xml:"LastUsedDate,omitempty"`
	Region       string      `xml:"Region,omitempty"`
}

// RoleARN returns a role's ARN.
func RoleARN(acct, path, name string) string { return arn(acct, "role", path, name) }

func (r *roleRecord) arn(acct string) string { return RoleARN(acct, r.Path, r.Name) }

func (r *roleRecord) shape(acct string, full bool) Role {
	out := Role{Path: r.Path, RoleName: r.Name, RoleID: r.ID, Arn: r.arn(acct), CreateDate: query.Time(r.Created),
		AssumeRolePolicyDocument: encodeDocument(r.Trust), Description: r.Description, MaxSessionDuration: r.MaxSession}
	if full {
		out.PermissionsBoundary = boundaryOf(r.Boundary)
		out.Tags = r.Tags
		out.RoleLastUsed = &roleLastUsed{}
		if r.LastUsed != nil {
			t := query.Time(*r.LastUsed)
			out.RoleLastUsed = &roleLastUsed{&t, r.LastRegion}
		}
	}
	return out
}

func getRole(tx store.Tx, acct, name string) (*roleRecord, error) {
	return roleKind.get(tx, acct, name)
}

const maxTrustPolicySize = 2048

type createRoleInput struct {
	RoleName                 string `query:",required"`
	Path                     *string
	AssumeRolePolicyDocument string `query:",required"`
	Description              *string
	MaxSessionDuration       *int32
	PermissionsBoundary      *string
	Tags                     []Tag
}

type roleOutput struct {
	Role Role `xml:"Role"`
}

func checkMaxSession(v *int32) (int32, error) {
	if v == nil {
		return 3600, nil
	}
	if *v < 3600 || *v > 43200 {
		return 0, validation("1 validation error detected: Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200", *v)
	}
	return *v, nil
}

func (s *Service) createRole(ctx context.Context, in *createRoleInput) (*roleOutput, error) {
	path, err := checkNew("roleName", in.RoleName, roleKind.maxName, in.Path, in.Tags)
	if err != nil {
		return nil, err
	}
	if err := checkDocument(in.AssumeRolePolicyDocument, policy.Trust, maxTrustPolicySize, "ACLSizePerRole"); err != nil {
		return nil, err
	}
	maxSession, err := checkMaxSession(in.MaxSessionDuration)
	if err != nil {
		return nil, err
	}
	acct := account(ctx)
	r := &roleRecord{entity: entity{Name: in.RoleName, ID: newID("AROA", 21), Path: path, Created: s.now().UTC()}, Trust: in.AssumeRolePolicyDocument,
		MaxSession: maxSession, Tags: in.Tags}
	if in.Description != nil {
		r.Description = *in.Description
	}
	err = s.insert(ctx, tRoles, entityKey(acct, r.Name), r, roleKind.exists(r.Name), func(tx store.Tx) error {
		if err := s.checkTrustPrincipals(tx, acct, r.Trust); err != nil {
			return err
		}
		return s.newBoundary(tx, acct, in.PermissionsBoundary, &r.entity)
	})
	if err != nil {
		return nil, err
	}
	out := r.shape(acct, false)
	out.Tags = r.Tags
	out.PermissionsBoundary = boundaryOf(r.Boundary)
	return &roleOutput{out}, nil
}

type roleNameInput struct {
	RoleName string `query:",required"`
}

func (s *Service) getRoleOp(ctx context.Context, in *roleNameInput) (*roleOutput, error) {
	acct := account(ctx)
	var r *roleRecord
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		r, err = getRole(tx, acct, in.RoleName)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &roleOutput{r.shape(acct, true)}, nil
}

type listRolesOutput struct {
	Roles       []Role `xml:"Roles>member"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

func (s *Service) listRoles(ctx context.Context, in *listInput) (*listRolesOutput, error) {
	items, trunc, next, err := listEntities(ctx, s, roleKind, in, func(acct string, r *roleRecord) Role { return r.shape(acct, false) })
	if err != nil {
		return nil, err
	}
	return &listRolesOutput{items, trunc, next}, nil
}

type updateRoleInput struct {
	RoleName           string `query:",required"`
	Description        *string
	MaxSessionDuration *int32
}

func (s *Service) updateRole(ctx context.Context, in *updateRoleInput) (*struct{}, error) {
	var maxSession int32
	if in.MaxSessionDuration != nil {
		var err error
		if maxSession, err = checkMaxSession(in.MaxSessionDuration); err != nil {
			return nil, err
		}
	}
	return nil, roleKind.edit(ctx, s, in.RoleName, func(_ store.Tx, _ string, r *roleRecord) error {
		if in.Description != nil {
			r.Description = *in.Description
		}
		if maxSession != 0 {
			r.MaxSession = maxSession
		}
		return nil
	})
}

// updateRoleOp is UpdateRole: its response has an (empty) result
// element, which botocore requires.
func (s *Service) updateRoleOp(ctx context.Context, in *updateRoleInput) (*struct{}, error) {
	if _, err := s.updateRole(ctx, in); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

func (s *Service) updateRoleDescription(ctx context.Context, in *updateRoleInput) (*roleOutput, error) {
	if _, err := s.updateRole(ctx, &updateRoleInput{RoleName: in.RoleName, Description: in.Description}); err != nil {
		return nil, err
	}
	return s.getRoleOp(ctx, &roleNameInput{in.RoleName})
}

type updateAssumeRolePolicyInput struct {
	RoleName       string `query:",required"`
	PolicyDocument string `query:",required"`
}

func (s *Service) updateAssumeRolePolicy(ctx context.Context, in *updateAssumeRolePolicyInput) (*struct{}, error) {
	if err := checkDocument(in.PolicyDocument, policy.Trust, maxTrustPolicySize, "ACLSizePerRole"); err != nil {
		return nil, err
	}
	return nil, roleKind.edit(ctx, s, in.RoleName, func(tx store.Tx, acct string, r *roleRecord) error {
		if err := s.checkTrustPrincipals(tx, acct, in.PolicyDocument); err != nil {
			return err
		}
		r.Trust = in.PolicyDocument
		return nil
	})
}

func (s *Service) deleteRole(ctx context.Context, in *roleNameInput) (*struct{}, error) {
	return nil, roleKind.delete(ctx, s, in.RoleName, func(tx store.Tx, acct string, r *roleRecord) error {
		if err := policiesLeft(&r.principalPolicies); err != nil {
			return err
		}
		inProfile, err := listedIn(tx, tProfiles, acct, r.Name, func(p *profileRecord) []string { return p.Roles })
		if err != nil {
			return err
		}
		if inProfile {
			return deleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
		return nil
	})
}

type tagRoleInput struct {
	RoleName string `query:",required"`
	Tags     []Tag  `query:",required"`
}

func (s *Service) tagRole(ctx context.Context, in *tagRoleInput) (*struct{}, error) {
	return nil, s.tag(ctx, roleKind.tagged(ctx, in.RoleName), in.Tags)
}

type untagRoleInput struct {
	RoleName string   `query:",required"`
	TagKeys  []string `query:",required"`
}

func (s *Service) untagRole(ctx context.Context, in *untagRoleInput) (*struct{}, error) {
	return nil, s.untag(ctx, roleKind.tagged(ctx, in.RoleName), in.TagKeys)
}

type listRoleTagsInput struct {
	RoleName string `query:",required"`
	Marker   *string
	MaxItems *int32
}

func (s *Service) listRoleTags(ctx context.Context, in *listRoleTagsInput) (*listTagsOutput, error) {
	return s.listTags(ctx, roleKind.tagged(ctx, in.RoleName), in.Marker, in.MaxItems)
}

type roleBoundaryInput struct {
	RoleName            string `query:",required"`
	PermissionsBoundary string `query:",required"`
}

func (s *Service) putRolePermissionsBoundary(ctx context.Context, in *roleBoundaryInput) (*struct{}, error) {
	return nil, roleKind.putBoundary(ctx, s, in.RoleName, in.PermissionsBoundary)
}

func (s *Service) deleteRolePermissionsBoundary(ctx context.Context, in *roleNameInput) (*struct{}, error) {
	return nil, roleKind.deleteBoundary(ctx, s, in.RoleName)
}

// checkTrustPrincipals rejects a trust policy that names, as an AWS
// principal, an IAM user or role that does not exist, as CreateRole and
// UpdateAssumeRolePolicy do: IAM resolves such ARNs to the entities'
// unique ids when it stores the policy, and answers MalformedPolicyDocument
// "Invalid principal in policy" for one it cannot resolve (so a role's
// trust policy cannot name the role being created). Account ids, root
// ARNs, "*", role sessions, services and identity providers name nothing
// to resolve. gureum can only look in the accounts it hosts: an ARN of
// another account or partition is taken as it is. The lookup is in the
// same transaction as the write, so an entity created just before is
// found.
func (s *Service) checkTrustPrincipals(tx store.Tx, acct, doc string) error {
	p, err := policy.Parse([]byte(doc))
	if err != nil {
		return malformedPolicy(reasonOf(err))
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		for _, ps := range []*policy.Principals{st.Principal, st.NotPrincipal} {
			if ps == nil {
				continue
			}
			for _, a := range ps.AWS {
				ok, err := s.principalExists(tx, acct, a)
				if err != nil {
					return err
				}
				if !ok {
					return malformedPolicy(`Invalid principal in policy: "AWS":"` + a + `"`)
				}
			}
		}
	}
	return nil
}

// principalExists reports whether an AWS principal of a trust policy can
// be resolved: false only for the ARN of an IAM user or role, in an
// account gureum hosts, that no user or role of that path and name is.
func (s *Service) principalExists(tx store.Tx, acct, a string) (bool, error) {
	rest, ok := strings.CutPrefix(a, "arn:aws:iam::")
	if !ok {
		return true, nil
	}
	owner, res, ok := strings.Cut(rest, ":")
	if !ok || !s.hosts(acct, owner) {
		return true, nil
	}
	kind, pathName, ok := strings.Cut(res, "/")
	if !ok || (kind != "user" && kind != "role") {
		return true, nil
	}
	i := strings.LastIndex(pathName, "/")
	path, name := "/"+pathName[:i+1], pathName[i+1:]
	table := tUsers
	if kind == "role" {
		table = tRoles
	}
	type entity struct {
		Path string `json:"path"`
	}
	e, err := getRecord[entity](tx, table, entityKey(owner, name))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return e.Path == path, nil
}

// hosts reports whether gureum serves account id: the caller's account
// or one of the configured ones.
func (s *Service) hosts(caller, id string) bool {
	if id == caller {
		return true
	}
	if s.accounts == nil {
		return false
	}
	for _, a := range s.accounts.Accounts() {
		if a.ID == id {
			return true
		}
	}
	return false
}
