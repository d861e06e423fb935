package iam

import (
	"context"
	"net/url"

	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// Resource ARNs of operations, as the Service Authorization Reference
// lists them for IAM
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html):
// an operation on a user acts on arn:aws:iam::ACCOUNT:user/PATH/NAME, a
// list of users on arn:aws:iam::ACCOUNT:user/, account-wide operations on
// "*".

func anyResource(context.Context, url.Values) string { return "*" }

// entityARN returns a resource function for one kind of entity, named by
// the parameter param; the path is read from the store so policies that
// name paths match.
func (s *Service) entityARN(kind, table, param string) func(context.Context, url.Values) string {
	return func(ctx context.Context, v url.Values) string {
		acct := account(ctx)
		name := v.Get(param)
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
	}
}

func listARN(kind string) func(context.Context, url.Values) string {
	return func(ctx context.Context, _ url.Values) string { return arn(account(ctx), kind, "/", "") }
}

func paramARN(param string) func(context.Context, url.Values) string {
	return func(_ context.Context, v url.Values) string {
		if a := v.Get(param); a != "" {
			return a
		}
		return "*"
	}
}

func newPolicyARN(ctx context.Context, v url.Values) string {
	path := v.Get("Path")
	if path == "" {
		path = "/"
	}
	return arn(account(ctx), "policy", path, v.Get("PolicyName"))
}

func newEntityARN(kind, param string) func(context.Context, url.Values) string {
	return func(ctx context.Context, v url.Values) string {
		path := v.Get("Path")
		if path == "" {
			path = "/"
		}
		return arn(account(ctx), kind, path, v.Get(param))
	}
}

// operations is every IAM operation gureum serves, with the resource it
// is authorized on.
func (s *Service) operations() map[string]op {
	user := s.entityARN("user", tUsers, "UserName")
	group := s.entityARN("group", tGroups, "GroupName")
	role := s.entityARN("role", tRoles, "RoleName")
	profile := s.entityARN("instance-profile", tProfiles, "InstanceProfileName")
	policyArn := paramARN("PolicyArn")
	return map[string]op{
		// Users.
		"CreateUser":                    {handle(s.createUser), newEntityARN("user", "UserName")},
		"GetUser":                       {handle(s.getUserOp), user},
		"ListUsers":                     {handle(s.listUsers), listARN("user")},
		"UpdateUser":                    {handle(s.updateUser), user},
		"DeleteUser":                    {handle(s.deleteUser), user},
		"TagUser":                       {handle(s.tagUser), user},
		"UntagUser":                     {handle(s.untagUser), user},
		"ListUserTags":                  {handle(s.listUserTags), user},
		"PutUserPermissionsBoundary":    {handle(s.putUserPermissionsBoundary), user},
		"DeleteUserPermissionsBoundary": {handle(s.deleteUserPermissionsBoundary), user},
		// Access keys and login profiles.
		"CreateAccessKey":      {handle(s.createAccessKey), user},
		"ListAccessKeys":       {handle(s.listAccessKeys), user},
		"UpdateAccessKey":      {handle(s.updateAccessKey), user},
		"DeleteAccessKey":      {handle(s.deleteAccessKey), user},
		"GetAccessKeyLastUsed": {handle(s.getAccessKeyLastUsed), anyResource},
		"CreateLoginProfile":   {handle(s.createLoginProfile), user},
		"GetLoginProfile":      {handle(s.getLoginProfile), user},
		"UpdateLoginProfile":   {handle(s.updateLoginProfile), user},
		"DeleteLoginProfile":   {handle(s.deleteLoginProfile), user},
		// SSH public keys (for CodeCommit).
		"UploadSSHPublicKey": {handle(s.uploadSSHPublicKey), user},
		"GetSSHPublicKey":    {handle(s.getSSHPublicKey), user},
		"ListSSHPublicKeys":  {handle(s.listSSHPublicKeys), user},
		"UpdateSSHPublicKey": {handle(s.updateSSHPublicKey), user},
		"DeleteSSHPublicKey": {handle(s.deleteSSHPublicKey), user},
		// Credentials gureum does not issue: always empty lists, deletes
		// that find nothing.
		"ListServiceSpecificCredentials":  {handle(s.listServiceSpecificCredentials), user},
		"DeleteServiceSpecificCredential": {handle(s.deleteServiceSpecificCredential), user},
		"ListSigningCertificates":         {handle(s.listSigningCertificates), user},
		"DeleteSigningCertificate":        {handle(s.deleteSigningCertificate), user},
		"ListMFADevices":                  {handle(s.listMFADevices), user},
		"DeactivateMFADevice":             {handle(s.deactivateMFADevice), user},
		"ListVirtualMFADevices":           {handle(s.listVirtualMFADevices), anyResource},
		"DeleteVirtualMFADevice":          {handle(s.deleteVirtualMFADevice), mfaARN},
		// Groups.
		"CreateGroup":         {handle(s.createGroup), newEntityARN("group", "GroupName")},
		"GetGroup":            {handle(s.getGroupOp), group},
		"ListGroups":          {handle(s.listGroups), listARN("group")},
		"ListGroupsForUser":   {handle(s.listGroupsForUser), user},
		"UpdateGroup":         {handle(s.updateGroup), group},
		"DeleteGroup":         {handle(s.deleteGroup), group},
		"AddUserToGroup":      {handle(s.addUserToGroup), group},
		"RemoveUserFromGroup": {handle(s.removeUserFromGroup), group},
		// Managed policies.
		"CreatePolicy":            {handle(s.createPolicy), newPolicyARN},
		"GetPolicy":               {handle(s.getPolicy), policyArn},
		"DeletePolicy":            {handle(s.deletePolicy), policyArn},
		"ListPolicies":            {handle(s.listPolicies), anyResource},
		"GetPolicyVersion":        {handle(s.getPolicyVersion), policyArn},
		"CreatePolicyVersion":     {handle(s.createPolicyVersion), policyArn},
		"ListPolicyVersions":      {handle(s.listPolicyVersions), policyArn},
		"SetDefaultPolicyVersion": {handle(s.setDefaultPolicyVersion), policyArn},
		"DeletePolicyVersion":     {handle(s.deletePolicyVersion), policyArn},
		"ListEntitiesForPolicy":   {handle(s.listEntitiesForPolicy), policyArn},
		"TagPolicy":               {handle(s.tagPolicy), policyArn},
		"UntagPolicy":             {handle(s.untagPolicy), policyArn},
		"ListPolicyTags":          {handle(s.listPolicyTags), policyArn},
		// Attached and inline policies.
		"AttachUserPolicy":          {handle(s.attach("User")), user},
		"DetachUserPolicy":          {handle(s.detach("User")), user},
		"ListAttachedUserPolicies":  {handle(s.listAttached("User")), user},
		"AttachGroupPolicy":         {handle(s.attach("Group")), group},
		"DetachGroupPolicy":         {handle(s.detach("Group")), group},
		"ListAttachedGroupPolicies": {handle(s.listAttached("Group")), group},
		"AttachRolePolicy":          {handle(s.attach("Role")), role},
		"DetachRolePolicy":          {handle(s.detach("Role")), role},
		"ListAttachedRolePolicies":  {handle(s.listAttached("Role")), role},
		"PutUserPolicy":             {handle(s.putInline("User")), user},
		"GetUserPolicy":             {handle(s.getInline("User")), user},
		"DeleteUserPolicy":          {handle(s.deleteInline("User")), user},
		"ListUserPolicies":          {handle(s.listInline("User")), user},
		"PutGroupPolicy":            {handle(s.putInline("Group")), group},
		"GetGroupPolicy":            {handle(s.getInline("Group")), group},
		"DeleteGroupPolicy":         {handle(s.deleteInline("Group")), group},
		"ListGroupPolicies":         {handle(s.listInline("Group")), group},
		"PutRolePolicy":             {handle(s.putInline("Role")), role},
		"GetRolePolicy":             {handle(s.getInline("Role")), role},
		"DeleteRolePolicy":          {handle(s.deleteInline("Role")), role},
		"ListRolePolicies":          {handle(s.listInline("Role")), role},
		// Roles.
		"CreateRole":                    {handle(s.createRole), newEntityARN("role", "RoleName")},
		"GetRole":                       {handle(s.getRoleOp), role},
		"ListRoles":                     {handle(s.listRoles), listARN("role")},
		"UpdateRole":                    {handle(s.updateRoleOp), role},
		"UpdateRoleDescription":         {handle(s.updateRoleDescription), role},
		"UpdateAssumeRolePolicy":        {handle(s.updateAssumeRolePolicy), role},
		"DeleteRole":                    {handle(s.deleteRole), role},
		"TagRole":                       {handle(s.tagRole), role},
		"UntagRole":                     {handle(s.untagRole), role},
		"ListRoleTags":                  {handle(s.listRoleTags), role},
		"PutRolePermissionsBoundary":    {handle(s.putRolePermissionsBoundary), role},
		"DeleteRolePermissionsBoundary": {handle(s.deleteRolePermissionsBoundary), role},
		// Instance profiles.
		"CreateInstanceProfile":         {handle(s.createInstanceProfile), newEntityARN("instance-profile", "InstanceProfileName")},
		"GetInstanceProfile":            {handle(s.getInstanceProfile), profile},
		"ListInstanceProfiles":          {handle(s.listInstanceProfiles), listARN("instance-profile")},
		"ListInstanceProfilesForRole":   {handle(s.listInstanceProfilesForRole), role},
		"DeleteInstanceProfile":         {handle(s.deleteInstanceProfile), profile},
		"AddRoleToInstanceProfile":      {handle(s.addRoleToInstanceProfile), profile},
		"TagInstanceProfile":            {handle(s.tagInstanceProfile), profile},
		"UntagInstanceProfile":          {handle(s.untagInstanceProfile), profile},
		"ListInstanceProfileTags":       {handle(s.listInstanceProfileTags), profile},
		"RemoveRoleFromInstanceProfile": {handle(s.removeRoleFromInstanceProfile), profile},
		// Account.
		"CreateAccountAlias":             {handle(s.createAccountAlias), anyResource},
		"DeleteAccountAlias":             {handle(s.deleteAccountAlias), anyResource},
		"ListAccountAliases":             {handle(s.listAccountAliases), anyResource},
		"GetAccountAuthorizationDetails": {handle(s.getAccountAuthorizationDetails), anyResource},
		"GetAccountSummary":              {handle(s.getAccountSummary), anyResource},
		// OpenID Connect providers.
		"CreateOpenIDConnectProvider": {handle(s.createOIDCProvider), anyResource},
		"GetOpenIDConnectProvider":    {handle(s.getOIDCProvider), paramARN("OpenIDConnectProviderArn")},
		"DeleteOpenIDConnectProvider": {handle(s.deleteOIDCProvider), paramARN("OpenIDConnectProviderArn")},
		"ListOpenIDConnectProviders":  {handle(s.listOIDCProviders), anyResource},
		// The policy simulator.
		"SimulatePrincipalPolicy": {handle(s.simulatePrincipalPolicy), paramARN("PolicySourceArn")},
		"SimulateCustomPolicy":    {handle(s.simulateCustomPolicy), anyResource},
	}
}
