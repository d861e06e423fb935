package iam

import (
	"context"
	"maps"
	"strings"

	"github.com/gureum/gureum/internal/operation"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// Resource ARNs of operations, as the Service Authorization Reference
// lists them for IAM
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html):
// an operation on a user acts on arn:aws:iam::ACCOUNT:user/PATH/NAME, a
// list of users on arn:aws:iam::ACCOUNT:user/, account-wide operations on
// "*". Each is computed from the operation's typed input, so a call over
// HTTP and an in-process Invoke are authorized on the same ARN.

// resource is the ARN an operation acts on: what arn makes of the values
// of the input members it reads (in the order members names them; a
// member the input does not send is "").
type resource struct {
	members []string
	arn     func(ctx context.Context, v []string) string
}

// of returns the resources of the operation for in.
func (r resource) of(ctx context.Context, in any) []string {
	v := make([]string, len(r.members))
	for i, m := range r.members {
		v[i] = operation.Field(in, m)
	}
	return []string{r.arn(ctx, v)}
}

var anyResource = resource{arn: func(context.Context, []string) string { return "*" }}

// entityARN is one kind of entity, named by the member; the path is read
// from the store so policies that name paths match. A user operation
// without a user name acts on the calling user.
func (s *Service) entityARN(kind, table, member string) resource {
	return resource{[]string{member}, func(ctx context.Context, v []string) string {
		acct, name := account(ctx), v[0]
		if name == "" {
			if kind == "user" {
				p := request.From(ctx).Principal
				if p.Type == request.User {
					return p.ARN
				}
			}
			return arn(acct, kind, "/", "")
		}
		path := "/"
		_ = s.store.View(ctx, func(tx store.Tx) error {
			type pathOnly struct {
				Path string `json:"path"`
			}
			if r, err := getRecord[pathOnly](tx, table, entityKey(acct, name)); err == nil && r.Path != "" {
				path = r.Path
			}
			return nil
		})
		return arn(acct, kind, path, name)
	}}
}

// listARN is the ARN of a list of one kind of entity.
func listARN(kind string) resource {
	return resource{arn: func(ctx context.Context, _ []string) string { return arn(account(ctx), kind, "/", "") }}
}

// memberARN is the ARN the member holds, or "*" when it is absent.
func memberARN(member string) resource {
	return resource{[]string{member}, func(_ context.Context, v []string) string {
		if v[0] != "" {
			return v[0]
		}
		return "*"
	}}
}

// newEntityARN is the ARN of an entity being created: named by the
// member, at the input's Path.
func newEntityARN(kind, member string) resource {
	return resource{[]string{member, "Path"}, func(ctx context.Context, v []string) string {
		path := v[1]
		if path == "" {
			path = "/"
		}
		return arn(account(ctx), kind, path, v[0])
	}}
}

// mfaARN is the resource of DeleteVirtualMFADevice: the device's ARN,
// which is its serial number (a hardware device's serial is no ARN).
var mfaARN = resource{[]string{"SerialNumber"}, func(_ context.Context, v []string) string {
	if strings.HasPrefix(v[0], "arn:") {
		return v[0]
	}
	return "*"
}}

// opEntry is one operation as a group of operations declares it: its
// handler (the typed input it decodes) and its resource.
type opEntry struct {
	op  *operation.Operation
	res resource
}

// opTable is a group of operations by name.
type opTable = map[string]opEntry

func op[I, O any](fn func(context.Context, *I) (*O, error), res resource) opEntry {
	return opEntry{operation.New("", "", fn), res}
}

// operations is every IAM operation gureum serves, each authorized as
// "iam:" and its name on its resource.
func (s *Service) operations() map[string]*operation.Operation {
	ops := map[string]*operation.Operation{}
	for name, e := range s.operationTable() {
		e.op.Name, e.op.Action, e.op.Resources = name, "iam:"+name, e.res.of
		ops[name] = e.op
	}
	return ops
}

func (s *Service) operationTable() opTable {
	all := opTable{}
	for _, t := range []opTable{s.userOps(), s.credentialOps(), s.groupOps(), s.policyOps(), s.attachedPolicyOps(),
		s.roleOps(), s.instanceProfileOps(), s.accountOps()} {
		maps.Copy(all, t)
	}
	return all
}

func (s *Service) userOps() opTable {
	user := s.entityARN("user", tUsers, "UserName")
	return opTable{
		"CreateUser":                    op(s.createUser, newEntityARN("user", "UserName")),
		"GetUser":                       op(s.getUserOp, user),
		"ListUsers":                     op(s.listUsers, listARN("user")),
		"UpdateUser":                    op(s.updateUser, user),
		"DeleteUser":                    op(s.deleteUser, user),
		"TagUser":                       op(s.tagUser, user),
		"UntagUser":                     op(s.untagUser, user),
		"ListUserTags":                  op(s.listUserTags, user),
		"PutUserPermissionsBoundary":    op(s.putUserPermissionsBoundary, user),
		"DeleteUserPermissionsBoundary": op(s.deleteUserPermissionsBoundary, user),
	}
}

// credentialOps is a user's access keys, login profile, SSH public keys
// and the credentials gureum does not issue (always empty lists, deletes
// that find nothing).
func (s *Service) credentialOps() opTable {
	user := s.entityARN("user", tUsers, "UserName")
	return opTable{
		"CreateAccessKey":                 op(s.createAccessKey, user),
		"ListAccessKeys":                  op(s.listAccessKeys, user),
		"UpdateAccessKey":                 op(s.updateAccessKey, user),
		"DeleteAccessKey":                 op(s.deleteAccessKey, user),
		"GetAccessKeyLastUsed":            op(s.getAccessKeyLastUsed, anyResource),
		"CreateLoginProfile":              op(s.createLoginProfile, user),
		"GetLoginProfile":                 op(s.getLoginProfile, user),
		"UpdateLoginProfile":              op(s.updateLoginProfile, user),
		"DeleteLoginProfile":              op(s.deleteLoginProfile, user),
		"UploadSSHPublicKey":              op(s.uploadSSHPublicKey, user),
		"GetSSHPublicKey":                 op(s.getSSHPublicKey, user),
		"ListSSHPublicKeys":               op(s.listSSHPublicKeys, user),
		"UpdateSSHPublicKey":              op(s.updateSSHPublicKey, user),
		"DeleteSSHPublicKey":              op(s.deleteSSHPublicKey, user),
		"ListServiceSpecificCredentials":  op(s.listServiceSpecificCredentials, user),
		"DeleteServiceSpecificCredential": op(s.deleteServiceSpecificCredential, user),
		"ListSigningCertificates":         op(s.listSigningCertificates, user),
		"DeleteSigningCertificate":        op(s.deleteSigningCertificate, user),
		"ListMFADevices":                  op(s.listMFADevices, user),
		"DeactivateMFADevice":             op(s.deactivateMFADevice, user),
		"ListVirtualMFADevices":           op(s.listVirtualMFADevices, anyResource),
		"DeleteVirtualMFADevice":          op(s.deleteVirtualMFADevice, mfaARN),
	}
}

func (s *Service) groupOps() opTable {
	group := s.entityARN("group", tGroups, "GroupName")
	return opTable{
		"CreateGroup":         op(s.createGroup, newEntityARN("group", "GroupName")),
		"GetGroup":            op(s.getGroupOp, group),
		"ListGroups":          op(s.listGroups, listARN("group")),
		"ListGroupsForUser":   op(s.listGroupsForUser, s.entityARN("user", tUsers, "UserName")),
		"UpdateGroup":         op(s.updateGroup, group),
		"DeleteGroup":         op(s.deleteGroup, group),
		"AddUserToGroup":      op(s.addUserToGroup, group),
		"RemoveUserFromGroup": op(s.removeUserFromGroup, group),
	}
}

// policyOps is managed policies and their versions.
func (s *Service) policyOps() opTable {
	policyArn := memberARN("PolicyArn")
	return opTable{
		"CreatePolicy":            op(s.createPolicy, newEntityARN("policy", "PolicyName")),
		"GetPolicy":               op(s.getPolicy, policyArn),
		"DeletePolicy":            op(s.deletePolicy, policyArn),
		"ListPolicies":            op(s.listPolicies, anyResource),
		"GetPolicyVersion":        op(s.getPolicyVersion, policyArn),
		"CreatePolicyVersion":     op(s.createPolicyVersion, policyArn),
		"ListPolicyVersions":      op(s.listPolicyVersions, policyArn),
		"SetDefaultPolicyVersion": op(s.setDefaultPolicyVersion, policyArn),
		"DeletePolicyVersion":     op(s.deletePolicyVersion, policyArn),
		"ListEntitiesForPolicy":   op(s.listEntitiesForPolicy, policyArn),
		"TagPolicy":               op(s.tagPolicy, policyArn),
		"UntagPolicy":             op(s.untagPolicy, policyArn),
		"ListPolicyTags":          op(s.listPolicyTags, policyArn),
	}
}

// attachedPolicyOps is the managed policies attached to users, groups and
// roles, and their inline policies.
func (s *Service) attachedPolicyOps() opTable {
	user := s.entityARN("user", tUsers, "UserName")
	group := s.entityARN("group", tGroups, "GroupName")
	role := s.entityARN("role", tRoles, "RoleName")
	return opTable{
		"AttachUserPolicy":          op(attach(s, userKind), user),
		"DetachUserPolicy":          op(detach(s, userKind), user),
		"ListAttachedUserPolicies":  op(listAttached(s, userKind), user),
		"AttachGroupPolicy":         op(attach(s, groupKind), group),
		"DetachGroupPolicy":         op(detach(s, groupKind), group),
		"ListAttachedGroupPolicies": op(listAttached(s, groupKind), group),
		"AttachRolePolicy":          op(attach(s, roleKind), role),
		"DetachRolePolicy":          op(detach(s, roleKind), role),
		"ListAttachedRolePolicies":  op(listAttached(s, roleKind), role),
		"PutUserPolicy":             op(putInline(s, userKind), user),
		"GetUserPolicy":             op(getInline(s, userKind), user),
		"DeleteUserPolicy":          op(deleteInline(s, userKind), user),
		"ListUserPolicies":          op(listInline(s, userKind), user),
		"PutGroupPolicy":            op(putInline(s, groupKind), group),
		"GetGroupPolicy":            op(getInline(s, groupKind), group),
		"DeleteGroupPolicy":         op(deleteInline(s, groupKind), group),
		"ListGroupPolicies":         op(listInline(s, groupKind), group),
		"PutRolePolicy":             op(putInline(s, roleKind), role),
		"GetRolePolicy":             op(getInline(s, roleKind), role),
		"DeleteRolePolicy":          op(deleteInline(s, roleKind), role),
		"ListRolePolicies":          op(listInline(s, roleKind), role),
	}
}

func (s *Service) roleOps() opTable {
	role := s.entityARN("role", tRoles, "RoleName")
	return opTable{
		"CreateRole":                    op(s.createRole, newEntityARN("role", "RoleName")),
		"GetRole":                       op(s.getRoleOp, role),
		"ListRoles":                     op(s.listRoles, listARN("role")),
		"UpdateRole":                    op(s.updateRoleOp, role),
		"UpdateRoleDescription":         op(s.updateRoleDescription, role),
		"UpdateAssumeRolePolicy":        op(s.updateAssumeRolePolicy, role),
		"DeleteRole":                    op(s.deleteRole, role),
		"TagRole":                       op(s.tagRole, role),
		"UntagRole":                     op(s.untagRole, role),
		"ListRoleTags":                  op(s.listRoleTags, role),
		"PutRolePermissionsBoundary":    op(s.putRolePermissionsBoundary, role),
		"DeleteRolePermissionsBoundary": op(s.deleteRolePermissionsBoundary, role),
	}
}

func (s *Service) instanceProfileOps() opTable {
	profile := s.entityARN("instance-profile", tProfiles, "InstanceProfileName")
	return opTable{
		"CreateInstanceProfile":         op(s.createInstanceProfile, newEntityARN("instance-profile", "InstanceProfileName")),
		"GetInstanceProfile":            op(s.getInstanceProfile, profile),
		"ListInstanceProfiles":          op(s.listInstanceProfiles, listARN("instance-profile")),
		"ListInstanceProfilesForRole":   op(s.listInstanceProfilesForRole, s.entityARN("role", tRoles, "RoleName")),
		"DeleteInstanceProfile":         op(s.deleteInstanceProfile, profile),
		"AddRoleToInstanceProfile":      op(s.addRoleToInstanceProfile, profile),
		"TagInstanceProfile":            op(s.tagInstanceProfile, profile),
		"UntagInstanceProfile":          op(s.untagInstanceProfile, profile),
		"ListInstanceProfileTags":       op(s.listInstanceProfileTags, profile),
		"RemoveRoleFromInstanceProfile": op(s.removeRoleFromInstanceProfile, profile),
	}
}

// accountOps is the account's alias and summaries, OpenID Connect
// providers and the policy simulator.
func (s *Service) accountOps() opTable {
	return opTable{
		"CreateAccountAlias":             op(s.createAccountAlias, anyResource),
		"DeleteAccountAlias":             op(s.deleteAccountAlias, anyResource),
		"ListAccountAliases":             op(s.listAccountAliases, anyResource),
		"GetAccountAuthorizationDetails": op(s.getAccountAuthorizationDetails, anyResource),
		"GetAccountSummary":              op(s.getAccountSummary, anyResource),
		"CreateOpenIDConnectProvider":    op(s.createOIDCProvider, anyResource),
		"GetOpenIDConnectProvider":       op(s.getOIDCProvider, memberARN("OpenIDConnectProviderArn")),
		"DeleteOpenIDConnectProvider":    op(s.deleteOIDCProvider, memberARN("OpenIDConnectProviderArn")),
		"ListOpenIDConnectProviders":     op(s.listOIDCProviders, anyResource),
		"SimulatePrincipalPolicy":        op(s.simulatePrincipalPolicy, memberARN("PolicySourceArn")),
		"SimulateCustomPolicy":           op(s.simulateCustomPolicy, anyResource),
	}
}
