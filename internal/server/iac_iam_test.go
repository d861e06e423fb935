package server_test

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gureum/gureum/internal/iam/awsmanaged"
)

// These tests replay what Terraform's AWS provider (v5) calls for each
// IAM resource and the STS data source of the inventory in IAC-CALLS.md:
// create, read with its side reads, update, read, delete, and the
// NoSuchEntity answers it takes as "gone". data aws_iam_policy_document
// is rendered by the provider itself and calls nothing.

// policyDoc asserts that doc is URL-encoded, as IAM returns policy
// documents (the provider URL-decodes them), and that it decodes to JSON
// equal to want.
func policyDoc(t *testing.T, doc *string, want string) {
	t.Helper()
	raw := aws.ToString(doc)
	if !strings.Contains(raw, "%7B") {
		t.Fatalf("policy document not URL-encoded: %s", raw)
	}
	dec, err := url.QueryUnescape(raw)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal([]byte(dec), &a); err != nil {
		t.Fatalf("decoded document %q: %v", dec, err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("document = %s, want %s", ja, jb)
	}
}

func iamTags(kv ...string) []iamtypes.Tag {
	var tags []iamtypes.Tag
	for i := 0; i < len(kv); i += 2 {
		tags = append(tags, iamtypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return tags
}

func tagMap(tags []iamtypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

const (
	iacAssume  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	iacAssume2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`
	iacPolicy  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
	iacPolicy2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"*"}]}`
)

// TestIaCProviderStartup: the provider's credential check and account
// lookup, and data aws_caller_identity.
func TestIaCProviderStartup(t *testing.T) {
	e := newEnv(t)
	id, err := e.sts("test", "test", "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != "000000000000" || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(id.UserId) == "" {
		t.Fatalf("GetCallerIdentity (root): %+v %v", id, err)
	}
	c := e.rootIAM()
	// The account ID fallback: GetUser of the caller, then ListRoles(1).
	u, err := c.GetUser(ctx(), &iam.GetUserInput{})
	if err != nil || !strings.HasPrefix(aws.ToString(u.User.Arn), "arn:aws:iam::000000000000:") {
		t.Fatalf("GetUser (caller): %+v %v", u, err)
	}
	if _, err := c.ListRoles(ctx(), &iam.ListRolesInput{MaxItems: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	// An IAM user's identity.
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("deployer")}); err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("deployer")})
	if err != nil {
		t.Fatal(err)
	}
	id, err = e.sts(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:user/deployer" || !strings.HasPrefix(aws.ToString(id.UserId), "AIDA") {
		t.Fatalf("GetCallerIdentity (user): %+v %v", id, err)
	}
	// A user without IAM rights: GetUser of itself is AccessDenied, which
	// the provider ignores before asking STS.
	_, err = e.iam(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "").GetUser(ctx(), &iam.GetUserInput{})
	if code := apiCode(err); err != nil && code != "AccessDenied" {
		t.Fatalf("GetUser as the user: %v", err)
	}
	// A wrong secret: the check fails with SignatureDoesNotMatch.
	_, err = e.sts(*k.AccessKey.AccessKeyId, "wrong", "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantCode(t, err, "SignatureDoesNotMatch")
	_, err = e.sts("AKIAUNKNOWNUNKNOWN00", "x", "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
}

func TestIaCIAMUser(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	name := aws.String("iac-user")
	boundary := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	out, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: name, Path: aws.String("/iac/"), PermissionsBoundary: aws.String(boundary), Tags: iamTags("Name", "iac")})
	if err != nil || aws.ToString(out.User.Arn) != "arn:aws:iam::000000000000:user/iac/iac-user" {
		t.Fatalf("CreateUser: %+v %v", out, err)
	}
	read := func() *iamtypes.User {
		t.Helper()
		u, err := c.GetUser(ctx(), &iam.GetUserInput{UserName: name})
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		if u.User.UserId == nil || u.User.CreateDate == nil || u.User.Path == nil {
			t.Fatalf("GetUser: %+v", u.User)
		}
		return u.User
	}
	u := read()
	if u.PermissionsBoundary == nil || aws.ToString(u.PermissionsBoundary.PermissionsBoundaryArn) != boundary || u.PermissionsBoundary.PermissionsBoundaryType != iamtypes.PermissionsBoundaryAttachmentTypePolicy ||
		tagMap(u.Tags)["Name"] != "iac" {
		t.Fatalf("user: %+v", u)
	}
	// Update: rename and move, boundary off, tags changed.
	newName := aws.String("iac-user2")
	if _, err := c.UpdateUser(ctx(), &iam.UpdateUserInput{UserName: name, NewUserName: newName, NewPath: aws.String("/")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetUser(ctx(), &iam.GetUserInput{UserName: name})
	wantCode(t, err, "NoSuchEntity")
	name = newName
	if _, err := c.DeleteUserPermissionsBoundary(ctx(), &iam.DeleteUserPermissionsBoundaryInput{UserName: name}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagUser(ctx(), &iam.UntagUserInput{UserName: name, TagKeys: []string{"Name"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagUser(ctx(), &iam.TagUserInput{UserName: name, Tags: iamTags("env", "test")}); err != nil {
		t.Fatal(err)
	}
	u = read()
	if u.PermissionsBoundary != nil || aws.ToString(u.Path) != "/" || len(u.Tags) != 1 || tagMap(u.Tags)["env"] != "test" {
		t.Fatalf("updated user: %+v", u)
	}
	lt, err := c.ListUserTags(ctx(), &iam.ListUserTagsInput{UserName: name})
	if err != nil || len(lt.Tags) != 1 {
		t.Fatalf("ListUserTags: %+v %v", lt, err)
	}
	if _, err := c.PutUserPermissionsBoundary(ctx(), &iam.PutUserPermissionsBoundaryInput{UserName: name, PermissionsBoundary: aws.String(boundary)}); err != nil {
		t.Fatal(err)
	}

	// Give the user everything force_destroy must clean up.
	if _, err := c.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: aws.String("iac-g")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddUserToGroup(ctx(), &iam.AddUserToGroupInput{GroupName: aws.String("iac-g"), UserName: name}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: name}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLoginProfile(ctx(), &iam.CreateLoginProfileInput{UserName: name, Password: aws.String("Correct-Horse-9")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: name, PolicyName: aws.String("inline"), PolicyDocument: aws.String(iacPolicy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: name, PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	// DeleteUser refuses while anything is attached.
	_, err = c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: name})
	wantCode(t, err, "DeleteConflict")

	// Delete: group memberships always; the rest with force_destroy.
	groups, err := c.ListGroupsForUser(ctx(), &iam.ListGroupsForUserInput{UserName: name})
	if err != nil || len(groups.Groups) != 1 {
		t.Fatalf("ListGroupsForUser: %+v %v", groups, err)
	}
	for _, g := range groups.Groups {
		if _, err := c.RemoveUserFromGroup(ctx(), &iam.RemoveUserFromGroupInput{GroupName: g.GroupName, UserName: name}); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := c.ListAccessKeys(ctx(), &iam.ListAccessKeysInput{UserName: name})
	if err != nil || len(keys.AccessKeyMetadata) != 1 {
		t.Fatalf("ListAccessKeys: %+v %v", keys, err)
	}
	for _, k := range keys.AccessKeyMetadata {
		if _, err := c.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: name, AccessKeyId: k.AccessKeyId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteLoginProfile(ctx(), &iam.DeleteLoginProfileInput{UserName: name}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteLoginProfile(ctx(), &iam.DeleteLoginProfileInput{UserName: name})
	wantCode(t, err, "NoSuchEntity") // tolerated
	mfa, err := c.ListMFADevices(ctx(), &iam.ListMFADevicesInput{UserName: name})
	if err != nil || len(mfa.MFADevices) != 0 {
		t.Fatalf("ListMFADevices: %+v %v", mfa, err)
	}
	vmfa, err := c.ListVirtualMFADevices(ctx(), &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeAssigned})
	if err != nil || len(vmfa.VirtualMFADevices) != 0 {
		t.Fatalf("ListVirtualMFADevices: %+v %v", vmfa, err)
	}
	ssh, err := c.ListSSHPublicKeys(ctx(), &iam.ListSSHPublicKeysInput{UserName: name})
	if err != nil || len(ssh.SSHPublicKeys) != 0 {
		t.Fatalf("ListSSHPublicKeys: %+v %v", ssh, err)
	}
	ssc, err := c.ListServiceSpecificCredentials(ctx(), &iam.ListServiceSpecificCredentialsInput{UserName: name})
	if err != nil || len(ssc.ServiceSpecificCredentials) != 0 {
		t.Fatalf("ListServiceSpecificCredentials: %+v %v", ssc, err)
	}
	certs, err := c.ListSigningCertificates(ctx(), &iam.ListSigningCertificatesInput{UserName: name})
	if err != nil || len(certs.Certificates) != 0 {
		t.Fatalf("ListSigningCertificates: %+v %v", certs, err)
	}
	inl, err := c.ListUserPolicies(ctx(), &iam.ListUserPoliciesInput{UserName: name})
	if err != nil || len(inl.PolicyNames) != 1 {
		t.Fatalf("ListUserPolicies: %+v %v", inl, err)
	}
	for _, p := range inl.PolicyNames {
		if _, err := c.DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: name, PolicyName: aws.String(p)}); err != nil {
			t.Fatal(err)
		}
	}
	att, err := c.ListAttachedUserPolicies(ctx(), &iam.ListAttachedUserPoliciesInput{UserName: name})
	if err != nil || len(att.AttachedPolicies) != 1 {
		t.Fatalf("ListAttachedUserPolicies: %+v %v", att, err)
	}
	for _, p := range att.AttachedPolicies {
		if _, err := c.DetachUserPolicy(ctx(), &iam.DetachUserPolicyInput{UserName: name, PolicyArn: p.PolicyArn}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: name}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetUser(ctx(), &iam.GetUserInput{UserName: name})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: name})
	wantCode(t, err, "NoSuchEntity") // tolerated
	// The user-keyed lists of a deleted user: NoSuchEntity.
	_, err = c.ListGroupsForUser(ctx(), &iam.ListGroupsForUserInput{UserName: name})
	wantCode(t, err, "NoSuchEntity")
}

func TestIaCIAMAccessKeyAndLoginProfile(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	name := aws.String("iac-keys")
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: name}); err != nil {
		t.Fatal(err)
	}
	// aws_iam_access_key: the secret only in the create answer.
	k, err := c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: name})
	if err != nil || aws.ToString(k.AccessKey.SecretAccessKey) == "" || k.AccessKey.Status != iamtypes.StatusTypeActive || k.AccessKey.CreateDate == nil {
		t.Fatalf("CreateAccessKey: %+v %v", k, err)
	}
	id := k.AccessKey.AccessKeyId
	find := func() *iamtypes.AccessKeyMetadata {
		t.Helper()
		out, err := c.ListAccessKeys(ctx(), &iam.ListAccessKeysInput{UserName: name})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.AccessKeyMetadata {
			if aws.ToString(m.AccessKeyId) == *id {
				return &m
			}
		}
		return nil
	}
	if m := find(); m == nil || m.Status != iamtypes.StatusTypeActive || m.CreateDate == nil || aws.ToString(m.UserName) != *name {
		t.Fatalf("ListAccessKeys: %+v", m)
	}
	if _, err := c.UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{UserName: name, AccessKeyId: id, Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	if m := find(); m == nil || m.Status != iamtypes.StatusTypeInactive {
		t.Fatalf("after UpdateAccessKey: %+v", m)
	}
	lu, err := c.GetAccessKeyLastUsed(ctx(), &iam.GetAccessKeyLastUsedInput{AccessKeyId: id})
	if err != nil || aws.ToString(lu.UserName) != *name {
		t.Fatalf("GetAccessKeyLastUsed: %+v %v", lu, err)
	}
	if _, err := c.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: name, AccessKeyId: id}); err != nil {
		t.Fatal(err)
	}
	if m := find(); m != nil {
		t.Fatalf("deleted key listed: %+v", m)
	}
	_, err = c.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: name, AccessKeyId: id})
	wantCode(t, err, "NoSuchEntity") // tolerated

	// aws_iam_user_login_profile.
	_, err = c.GetLoginProfile(ctx(), &iam.GetLoginProfileInput{UserName: name})
	wantCode(t, err, "NoSuchEntity")
	lp, err := c.CreateLoginProfile(ctx(), &iam.CreateLoginProfileInput{UserName: name, Password: aws.String("Correct-Horse-9"), PasswordResetRequired: true})
	if err != nil || lp.LoginProfile.CreateDate == nil {
		t.Fatalf("CreateLoginProfile: %+v %v", lp, err)
	}
	got, err := c.GetLoginProfile(ctx(), &iam.GetLoginProfileInput{UserName: name})
	if err != nil || aws.ToString(got.LoginProfile.UserName) != *name || !got.LoginProfile.PasswordResetRequired {
		t.Fatalf("GetLoginProfile: %+v %v", got, err)
	}
	if _, err := c.DeleteLoginProfile(ctx(), &iam.DeleteLoginProfileInput{UserName: name}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetLoginProfile(ctx(), &iam.GetLoginProfileInput{UserName: name})
	wantCode(t, err, "NoSuchEntity")
}

func TestIaCIAMGroupAndMembership(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	g := aws.String("iac-group")
	out, err := c.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: g, Path: aws.String("/iac/")})
	if err != nil || aws.ToString(out.Group.Arn) != "arn:aws:iam::000000000000:group/iac/iac-group" {
		t.Fatalf("CreateGroup: %+v %v", out, err)
	}
	for _, u := range []string{"u1", "u2"} {
		if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
	// aws_iam_group_membership: AddUserToGroup each, read GetGroup's users.
	for _, u := range []string{"u1", "u2"} {
		if _, err := c.AddUserToGroup(ctx(), &iam.AddUserToGroupInput{GroupName: g, UserName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
	gg, err := c.GetGroup(ctx(), &iam.GetGroupInput{GroupName: g})
	if err != nil || len(gg.Users) != 2 || aws.ToString(gg.Group.GroupId) == "" {
		t.Fatalf("GetGroup: %+v %v", gg, err)
	}
	// aws_iam_user_group_membership reads ListGroupsForUser.
	ug, err := c.ListGroupsForUser(ctx(), &iam.ListGroupsForUserInput{UserName: aws.String("u1")})
	if err != nil || len(ug.Groups) != 1 || aws.ToString(ug.Groups[0].GroupName) != *g {
		t.Fatalf("ListGroupsForUser: %+v %v", ug, err)
	}
	// aws_iam_group_policy (inline) and aws_iam_group_policy_attachment.
	pn := aws.String("inline")
	for _, doc := range []string{iacPolicy, iacPolicy2} {
		if _, err := c.PutGroupPolicy(ctx(), &iam.PutGroupPolicyInput{GroupName: g, PolicyName: pn, PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
		gp, err := c.GetGroupPolicy(ctx(), &iam.GetGroupPolicyInput{GroupName: g, PolicyName: pn})
		if err != nil {
			t.Fatal(err)
		}
		policyDoc(t, gp.PolicyDocument, doc)
	}
	ro := aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")
	if _, err := c.AttachGroupPolicy(ctx(), &iam.AttachGroupPolicyInput{GroupName: g, PolicyArn: ro}); err != nil {
		t.Fatal(err)
	}
	ap, err := c.ListAttachedGroupPolicies(ctx(), &iam.ListAttachedGroupPoliciesInput{GroupName: g})
	if err != nil || len(ap.AttachedPolicies) != 1 || aws.ToString(ap.AttachedPolicies[0].PolicyArn) != *ro {
		t.Fatalf("ListAttachedGroupPolicies: %+v %v", ap, err)
	}
	// Update: rename and move the group; members follow.
	g2 := aws.String("iac-group2")
	if _, err := c.UpdateGroup(ctx(), &iam.UpdateGroupInput{GroupName: g, NewGroupName: g2, NewPath: aws.String("/")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetGroup(ctx(), &iam.GetGroupInput{GroupName: g})
	wantCode(t, err, "NoSuchEntity")
	gg, err = c.GetGroup(ctx(), &iam.GetGroupInput{GroupName: g2})
	if err != nil || len(gg.Users) != 2 || aws.ToString(gg.Group.Path) != "/" {
		t.Fatalf("GetGroup after rename: %+v %v", gg, err)
	}
	// Membership update: remove one user.
	if _, err := c.RemoveUserFromGroup(ctx(), &iam.RemoveUserFromGroupInput{GroupName: g2, UserName: aws.String("u2")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.RemoveUserFromGroup(ctx(), &iam.RemoveUserFromGroupInput{GroupName: g2, UserName: aws.String("u2")})
	wantCode(t, err, "NoSuchEntity") // tolerated on delete
	// Delete: policies go first, DeleteGroup refuses before.
	_, err = c.DeleteGroup(ctx(), &iam.DeleteGroupInput{GroupName: g2})
	wantCode(t, err, "DeleteConflict")
	if _, err := c.DetachGroupPolicy(ctx(), &iam.DetachGroupPolicyInput{GroupName: g2, PolicyArn: ro}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DetachGroupPolicy(ctx(), &iam.DetachGroupPolicyInput{GroupName: g2, PolicyArn: ro})
	wantCode(t, err, "NoSuchEntity") // tolerated
	ap, err = c.ListAttachedGroupPolicies(ctx(), &iam.ListAttachedGroupPoliciesInput{GroupName: g2})
	if err != nil || len(ap.AttachedPolicies) != 0 {
		t.Fatalf("after detach: %+v %v", ap, err)
	}
	if _, err := c.DeleteGroupPolicy(ctx(), &iam.DeleteGroupPolicyInput{GroupName: g2, PolicyName: pn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetGroupPolicy(ctx(), &iam.GetGroupPolicyInput{GroupName: g2, PolicyName: pn})
	wantCode(t, err, "NoSuchEntity")
	if _, err := c.RemoveUserFromGroup(ctx(), &iam.RemoveUserFromGroupInput{GroupName: g2, UserName: aws.String("u1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteGroup(ctx(), &iam.DeleteGroupInput{GroupName: g2}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetGroup(ctx(), &iam.GetGroupInput{GroupName: g2})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.DeleteGroup(ctx(), &iam.DeleteGroupInput{GroupName: g2})
	wantCode(t, err, "NoSuchEntity")
}

func TestIaCIAMRole(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	name := aws.String("iac-role")
	out, err := c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: aws.String(iacAssume), Path: aws.String("/iac/"),
		Description: aws.String("first"), MaxSessionDuration: aws.Int32(7200), Tags: iamTags("Name", "iac")})
	if err != nil || aws.ToString(out.Role.Arn) != "arn:aws:iam::000000000000:role/iac/iac-role" {
		t.Fatalf("CreateRole: %+v %v", out, err)
	}
	// Read: GetRole, each inline policy, the attached policies.
	read := func(assume string, inline, attached int) *iamtypes.Role {
		t.Helper()
		r, err := c.GetRole(ctx(), &iam.GetRoleInput{RoleName: name})
		if err != nil {
			t.Fatalf("GetRole: %v", err)
		}
		policyDoc(t, r.Role.AssumeRolePolicyDocument, assume)
		if r.Role.RoleId == nil || r.Role.CreateDate == nil || r.Role.MaxSessionDuration == nil || r.Role.RoleLastUsed == nil {
			t.Fatalf("GetRole: %+v", r.Role)
		}
		names, err := c.ListRolePolicies(ctx(), &iam.ListRolePoliciesInput{RoleName: name})
		if err != nil || len(names.PolicyNames) != inline {
			t.Fatalf("ListRolePolicies: %+v %v", names, err)
		}
		for _, n := range names.PolicyNames {
			p, err := c.GetRolePolicy(ctx(), &iam.GetRolePolicyInput{RoleName: name, PolicyName: aws.String(n)})
			if err != nil || aws.ToString(p.RoleName) != *name {
				t.Fatalf("GetRolePolicy: %+v %v", p, err)
			}
		}
		att, err := c.ListAttachedRolePolicies(ctx(), &iam.ListAttachedRolePoliciesInput{RoleName: name})
		if err != nil || len(att.AttachedPolicies) != attached {
			t.Fatalf("ListAttachedRolePolicies: %+v %v", att, err)
		}
		return r.Role
	}
	r := read(iacAssume, 0, 0)
	if aws.ToString(r.Description) != "first" || aws.ToInt32(r.MaxSessionDuration) != 7200 || tagMap(r.Tags)["Name"] != "iac" {
		t.Fatalf("role: %+v", r)
	}
	// Update: trust policy, description and session, boundary, inline
	// and attached policies, tags.
	if _, err := c.UpdateAssumeRolePolicy(ctx(), &iam.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: aws.String(iacAssume2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateRole(ctx(), &iam.UpdateRoleInput{RoleName: name, Description: aws.String("second"), MaxSessionDuration: aws.Int32(3600)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateRoleDescription(ctx(), &iam.UpdateRoleDescriptionInput{RoleName: name, Description: aws.String("third")}); err != nil {
		t.Fatal(err)
	}
	boundary := aws.String("arn:aws:iam::aws:policy/PowerUserAccess")
	if _, err := c.PutRolePermissionsBoundary(ctx(), &iam.PutRolePermissionsBoundaryInput{RoleName: name, PermissionsBoundary: boundary}); err != nil {
		t.Fatal(err)
	}
	// aws_iam_role_policy: put, read (URL-encoded), update.
	pn := aws.String("inline")
	for _, doc := range []string{iacPolicy, iacPolicy2} {
		if _, err := c.PutRolePolicy(ctx(), &iam.PutRolePolicyInput{RoleName: name, PolicyName: pn, PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
		p, err := c.GetRolePolicy(ctx(), &iam.GetRolePolicyInput{RoleName: name, PolicyName: pn})
		if err != nil {
			t.Fatal(err)
		}
		policyDoc(t, p.PolicyDocument, doc)
	}
	// aws_iam_role_policy_attachment: attach, read by listing.
	ro := aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")
	if _, err := c.AttachRolePolicy(ctx(), &iam.AttachRolePolicyInput{RoleName: name, PolicyArn: ro}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagRole(ctx(), &iam.UntagRoleInput{RoleName: name, TagKeys: []string{"Name"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagRole(ctx(), &iam.TagRoleInput{RoleName: name, Tags: iamTags("env", "test")}); err != nil {
		t.Fatal(err)
	}
	r = read(iacAssume2, 1, 1)
	if aws.ToString(r.Description) != "third" || aws.ToInt32(r.MaxSessionDuration) != 3600 || r.PermissionsBoundary == nil ||
		aws.ToString(r.PermissionsBoundary.PermissionsBoundaryArn) != *boundary || len(r.Tags) != 1 || tagMap(r.Tags)["env"] != "test" {
		t.Fatalf("updated role: %+v", r)
	}
	lt, err := c.ListRoleTags(ctx(), &iam.ListRoleTagsInput{RoleName: name})
	if err != nil || len(lt.Tags) != 1 {
		t.Fatalf("ListRoleTags: %+v %v", lt, err)
	}
	if _, err := c.DeleteRolePermissionsBoundary(ctx(), &iam.DeleteRolePermissionsBoundaryInput{RoleName: name}); err != nil {
		t.Fatal(err)
	}
	// data aws_iam_role / aws_iam_roles.
	roles, err := c.ListRoles(ctx(), &iam.ListRolesInput{PathPrefix: aws.String("/iac/")})
	if err != nil || len(roles.Roles) != 1 {
		t.Fatalf("ListRoles: %+v %v", roles, err)
	}
	// The role in an instance profile, to be removed on delete.
	if _, err := c.CreateInstanceProfile(ctx(), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("iac-role-profile")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddRoleToInstanceProfile(ctx(), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("iac-role-profile"), RoleName: name}); err != nil {
		t.Fatal(err)
	}
	// DeleteRole with anything attached: DeleteConflict (retried).
	_, err = c.DeleteRole(ctx(), &iam.DeleteRoleInput{RoleName: name})
	wantCode(t, err, "DeleteConflict")

	// Delete: instance profiles, then (force_detach_policies) attached
	// and inline policies, then DeleteRole.
	profiles, err := c.ListInstanceProfilesForRole(ctx(), &iam.ListInstanceProfilesForRoleInput{RoleName: name})
	if err != nil || len(profiles.InstanceProfiles) != 1 {
		t.Fatalf("ListInstanceProfilesForRole: %+v %v", profiles, err)
	}
	for _, p := range profiles.InstanceProfiles {
		if _, err := c.RemoveRoleFromInstanceProfile(ctx(), &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: p.InstanceProfileName, RoleName: name}); err != nil {
			t.Fatal(err)
		}
	}
	att, err := c.ListAttachedRolePolicies(ctx(), &iam.ListAttachedRolePoliciesInput{RoleName: name})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range att.AttachedPolicies {
		if _, err := c.DetachRolePolicy(ctx(), &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: p.PolicyArn}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DetachRolePolicy(ctx(), &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: ro})
	wantCode(t, err, "NoSuchEntity") // tolerated by the attachment's delete
	if _, err := c.DeleteRolePolicy(ctx(), &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: pn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRolePolicy(ctx(), &iam.GetRolePolicyInput{RoleName: name, PolicyName: pn})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.DeleteRolePolicy(ctx(), &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: pn})
	wantCode(t, err, "NoSuchEntity") // tolerated
	if _, err := c.DeleteRole(ctx(), &iam.DeleteRoleInput{RoleName: name}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRole(ctx(), &iam.GetRoleInput{RoleName: name})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.DeleteRole(ctx(), &iam.DeleteRoleInput{RoleName: name})
	wantCode(t, err, "NoSuchEntity")
	// The attachment and inline reads of a deleted role: NoSuchEntity.
	_, err = c.ListAttachedRolePolicies(ctx(), &iam.ListAttachedRolePoliciesInput{RoleName: name})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.ListRolePolicies(ctx(), &iam.ListRolePoliciesInput{RoleName: name})
	wantCode(t, err, "NoSuchEntity")
}

func TestIaCIAMPolicy(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	out, err := c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("iac-policy"), Path: aws.String("/iac/"), Description: aws.String("d"),
		PolicyDocument: aws.String(iacPolicy), Tags: iamTags("Name", "iac")})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Policy.Arn
	if aws.ToString(arn) != "arn:aws:iam::000000000000:policy/iac/iac-policy" {
		t.Fatal(aws.ToString(arn))
	}
	// Read: GetPolicy, then the default version's document.
	read := func(doc string, tags int) *iamtypes.Policy {
		t.Helper()
		p, err := c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		if p.Policy.PolicyId == nil || p.Policy.DefaultVersionId == nil || p.Policy.AttachmentCount == nil || len(p.Policy.Tags) != tags {
			t.Fatalf("GetPolicy: %+v", p.Policy)
		}
		v, err := c.GetPolicyVersion(ctx(), &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: p.Policy.DefaultVersionId})
		if err != nil || !v.PolicyVersion.IsDefaultVersion {
			t.Fatalf("GetPolicyVersion: %+v %v", v, err)
		}
		policyDoc(t, v.PolicyVersion.Document, doc)
		return p.Policy
	}
	p := read(iacPolicy, 1)
	if aws.ToString(p.Description) != "d" || aws.ToString(p.Path) != "/iac/" {
		t.Fatalf("policy: %+v", p)
	}
	// Update, six times: prune at five versions (oldest non-default),
	// CreatePolicyVersion without SetAsDefault, then SetDefaultPolicyVersion.
	docs := []string{iacPolicy2, iacPolicy, iacPolicy2, iacPolicy, iacPolicy2, iacPolicy}
	for i, doc := range docs {
		vs, err := c.ListPolicyVersions(ctx(), &iam.ListPolicyVersionsInput{PolicyArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		if len(vs.Versions) >= 5 {
			var oldest *iamtypes.PolicyVersion
			for j := range vs.Versions {
				v := &vs.Versions[j]
				if !v.IsDefaultVersion && (oldest == nil || v.CreateDate.Before(*oldest.CreateDate)) {
					oldest = v
				}
			}
			if _, err := c.DeletePolicyVersion(ctx(), &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: oldest.VersionId}); err != nil {
				t.Fatalf("update %d: DeletePolicyVersion: %v", i, err)
			}
		}
		nv, err := c.CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(doc), SetAsDefault: false})
		if err != nil || nv.PolicyVersion.IsDefaultVersion {
			t.Fatalf("update %d: CreatePolicyVersion: %+v %v", i, nv, err)
		}
		if _, err := c.SetDefaultPolicyVersion(ctx(), &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: nv.PolicyVersion.VersionId}); err != nil {
			t.Fatal(err)
		}
		read(doc, 1)
	}
	// A sixth version without pruning: LimitExceeded.
	_, err = c.CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(iacPolicy2)})
	wantCode(t, err, "LimitExceeded")
	// Tags change with TagPolicy / UntagPolicy.
	if _, err := c.UntagPolicy(ctx(), &iam.UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"Name"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagPolicy(ctx(), &iam.TagPolicyInput{PolicyArn: arn, Tags: iamTags("env", "test", "team", "a")}); err != nil {
		t.Fatal(err)
	}
	p = read(iacPolicy, 2)
	if tagMap(p.Tags)["env"] != "test" {
		t.Fatalf("tags: %+v", p.Tags)
	}
	lt, err := c.ListPolicyTags(ctx(), &iam.ListPolicyTagsInput{PolicyArn: arn})
	if err != nil || len(lt.Tags) != 2 {
		t.Fatalf("ListPolicyTags: %+v %v", lt, err)
	}
	// data aws_iam_policy by name: ListPolicies(PathPrefix), filtered.
	lp, err := c.ListPolicies(ctx(), &iam.ListPoliciesInput{PathPrefix: aws.String("/iac/")})
	if err != nil || len(lp.Policies) != 1 || aws.ToString(lp.Policies[0].PolicyName) != "iac-policy" {
		t.Fatalf("ListPolicies: %+v %v", lp, err)
	}
	// An attached policy cannot go.
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("holder")}); err != nil {
		t.Fatal(err)
	}
	// aws_iam_policy_attachment (exclusive): ListEntitiesForPolicy.
	if _, err := c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("holder"), PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	ents, err := c.ListEntitiesForPolicy(ctx(), &iam.ListEntitiesForPolicyInput{PolicyArn: arn})
	if err != nil || len(ents.PolicyUsers) != 1 || ents.PolicyGroups == nil || ents.PolicyRoles == nil {
		t.Fatalf("ListEntitiesForPolicy: %+v %v", ents, err)
	}
	if p := read(iacPolicy, 2); aws.ToInt32(p.AttachmentCount) != 1 {
		t.Fatalf("AttachmentCount: %+v", p)
	}
	_, err = c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: arn})
	wantCode(t, err, "DeleteConflict")
	if _, err := c.DetachUserPolicy(ctx(), &iam.DetachUserPolicyInput{UserName: aws.String("holder"), PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	// Delete: every non-default version, then the policy.
	vs, err := c.ListPolicyVersions(ctx(), &iam.ListPolicyVersionsInput{PolicyArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs.Versions {
		if v.IsDefaultVersion {
			continue
		}
		if _, err := c.DeletePolicyVersion(ctx(), &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: v.VersionId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: arn})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.ListPolicyVersions(ctx(), &iam.ListPolicyVersionsInput{PolicyArn: arn})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: arn})
	wantCode(t, err, "NoSuchEntity")
}

// TestIaCIAMUserPolicyAndAttachments: aws_iam_user_policy and
// aws_iam_user_policy_attachment.
func TestIaCIAMUserPolicyAndAttachments(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	u := aws.String("iac-pol-user")
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: u}); err != nil {
		t.Fatal(err)
	}
	pn := aws.String("inline")
	_, err := c.GetUserPolicy(ctx(), &iam.GetUserPolicyInput{UserName: u, PolicyName: pn})
	wantCode(t, err, "NoSuchEntity")
	for _, doc := range []string{iacPolicy, iacPolicy2} {
		if _, err := c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: u, PolicyName: pn, PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
		p, err := c.GetUserPolicy(ctx(), &iam.GetUserPolicyInput{UserName: u, PolicyName: pn})
		if err != nil || aws.ToString(p.UserName) != *u || aws.ToString(p.PolicyName) != *pn {
			t.Fatalf("GetUserPolicy: %+v %v", p, err)
		}
		policyDoc(t, p.PolicyDocument, doc)
	}
	if _, err := c.DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: u, PolicyName: pn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetUserPolicy(ctx(), &iam.GetUserPolicyInput{UserName: u, PolicyName: pn})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: u, PolicyName: pn})
	wantCode(t, err, "NoSuchEntity")
	// The attachment: attach, find by listing, detach, absent from the list.
	arn := aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
	attached := func() bool {
		t.Helper()
		out, err := c.ListAttachedUserPolicies(ctx(), &iam.ListAttachedUserPoliciesInput{UserName: u})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.AttachedPolicies {
			if aws.ToString(p.PolicyArn) == *arn && aws.ToString(p.PolicyName) == "IAMReadOnlyAccess" {
				return true
			}
		}
		return false
	}
	if _, err := c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: u, PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	if !attached() {
		t.Fatal("not attached")
	}
	// Attaching twice is no error.
	if _, err := c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: u, PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: u, PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")})
	wantCode(t, err, "NoSuchEntity")
	if _, err := c.DetachUserPolicy(ctx(), &iam.DetachUserPolicyInput{UserName: u, PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	if attached() {
		t.Fatal("still attached")
	}
	_, err = c.DetachUserPolicy(ctx(), &iam.DetachUserPolicyInput{UserName: u, PolicyArn: arn})
	wantCode(t, err, "NoSuchEntity")
}

func TestIaCIAMInstanceProfile(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	name := aws.String("iac-profile")
	for _, r := range []string{"iac-r1", "iac-r2"} {
		if _, err := c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String(r), AssumeRolePolicyDocument: aws.String(iacAssume)}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := c.CreateInstanceProfile(ctx(), &iam.CreateInstanceProfileInput{InstanceProfileName: name, Path: aws.String("/"), Tags: iamTags("Name", "iac")})
	if err != nil || aws.ToString(out.InstanceProfile.Arn) != "arn:aws:iam::000000000000:instance-profile/iac-profile" {
		t.Fatalf("CreateInstanceProfile: %+v %v", out, err)
	}
	// A role that does not exist: NoSuchEntity "The role with name ...".
	_, err = c.AddRoleToInstanceProfile(ctx(), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: name, RoleName: aws.String("missing")})
	if ae := wantCode(t, err, "NoSuchEntity"); !strings.HasPrefix(ae.ErrorMessage(), "The role with name") {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	if _, err := c.AddRoleToInstanceProfile(ctx(), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: name, RoleName: aws.String("iac-r1")}); err != nil {
		t.Fatal(err)
	}
	// Only one role per profile.
	_, err = c.AddRoleToInstanceProfile(ctx(), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: name, RoleName: aws.String("iac-r2")})
	wantCode(t, err, "LimitExceeded")
	// Read (the ready wait needs three hits in a row): the ARN parses,
	// the role is there and GetRole finds it.
	read := func(role string, tags int) {
		t.Helper()
		for i := 0; i < 3; i++ {
			p, err := c.GetInstanceProfile(ctx(), &iam.GetInstanceProfileInput{InstanceProfileName: name})
			if err != nil {
				t.Fatal(err)
			}
			ip := p.InstanceProfile
			if !strings.HasPrefix(aws.ToString(ip.Arn), "arn:aws:iam::") || ip.CreateDate == nil || ip.InstanceProfileId == nil || len(ip.Tags) != tags {
				t.Fatalf("GetInstanceProfile: %+v", ip)
			}
			if role == "" {
				if len(ip.Roles) != 0 {
					t.Fatalf("roles: %+v", ip.Roles)
				}
				continue
			}
			if len(ip.Roles) != 1 || aws.ToString(ip.Roles[0].RoleName) != role {
				t.Fatalf("roles: %+v", ip.Roles)
			}
			if _, err := c.GetRole(ctx(), &iam.GetRoleInput{RoleName: ip.Roles[0].RoleName}); err != nil {
				t.Fatal(err)
			}
		}
	}
	read("iac-r1", 1)
	// Update: swap the role.
	if _, err := c.RemoveRoleFromInstanceProfile(ctx(), &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: name, RoleName: aws.String("iac-r1")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.RemoveRoleFromInstanceProfile(ctx(), &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: name, RoleName: aws.String("iac-r1")})
	wantCode(t, err, "NoSuchEntity") // tolerated
	if _, err := c.AddRoleToInstanceProfile(ctx(), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: name, RoleName: aws.String("iac-r2")}); err != nil {
		t.Fatal(err)
	}
	// Tags change with TagInstanceProfile / UntagInstanceProfile.
	if _, err := c.UntagInstanceProfile(ctx(), &iam.UntagInstanceProfileInput{InstanceProfileName: name, TagKeys: []string{"Name"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagInstanceProfile(ctx(), &iam.TagInstanceProfileInput{InstanceProfileName: name, Tags: iamTags("a", "1", "b", "2")}); err != nil {
		t.Fatal(err)
	}
	read("iac-r2", 2)
	lt, err := c.ListInstanceProfileTags(ctx(), &iam.ListInstanceProfileTagsInput{InstanceProfileName: name})
	if err != nil || len(lt.Tags) != 2 {
		t.Fatalf("ListInstanceProfileTags: %+v %v", lt, err)
	}
	// A profile with a role cannot go.
	_, err = c.DeleteInstanceProfile(ctx(), &iam.DeleteInstanceProfileInput{InstanceProfileName: name})
	wantCode(t, err, "DeleteConflict")
	// Delete: remove the role, then the profile.
	if _, err := c.RemoveRoleFromInstanceProfile(ctx(), &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: name, RoleName: aws.String("iac-r2")}); err != nil {
		t.Fatal(err)
	}
	read("", 2)
	if _, err := c.DeleteInstanceProfile(ctx(), &iam.DeleteInstanceProfileInput{InstanceProfileName: name}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetInstanceProfile(ctx(), &iam.GetInstanceProfileInput{InstanceProfileName: name})
	wantCode(t, err, "NoSuchEntity")
	_, err = c.DeleteInstanceProfile(ctx(), &iam.DeleteInstanceProfileInput{InstanceProfileName: name})
	wantCode(t, err, "NoSuchEntity") // tolerated
}

// TestIaCIAMAWSManagedCatalogue: every AWS managed policy is there, as
// data aws_iam_policy, aws_iam_role_policy_attachment and Ansible's
// iam_managed_policy read them: by ARN with its path, its default version,
// in a ListPolicies(Scope=AWS) walked page by page in AWS's order, filtered
// by path prefix and attachment; attached, one is enforced as written.
func TestIaCIAMAWSManagedCatalogue(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	catalogue := awsmanaged.Listed()

	deny, err := c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AWSDenyAll")})
	if err != nil {
		t.Fatal(err)
	}
	if p := deny.Policy; aws.ToString(p.PolicyName) != "AWSDenyAll" || aws.ToString(p.Path) != "/" || !strings.HasPrefix(aws.ToString(p.PolicyId), "ANPA") ||
		aws.ToString(p.DefaultVersionId) == "" || !p.IsAttachable || p.CreateDate == nil || p.UpdateDate == nil {
		t.Fatalf("AWSDenyAll: %+v", p)
	}
	v, err := c.GetPolicyVersion(ctx(), &iam.GetPolicyVersionInput{PolicyArn: deny.Policy.Arn, VersionId: deny.Policy.DefaultVersionId})
	if err != nil || !v.PolicyVersion.IsDefaultVersion {
		t.Fatalf("GetPolicyVersion: %+v %v", v, err)
	}
	policyDoc(t, v.PolicyVersion.Document, `{"Version":"2012-10-17","Statement":[{"Action":["*"],"Resource":"*","Effect":"Deny","Sid":"DenyAll"}]}`)
	_, err = c.GetPolicyVersion(ctx(), &iam.GetPolicyVersionInput{PolicyArn: deny.Policy.Arn, VersionId: aws.String("v99")})
	wantCode(t, err, "NoSuchEntity")

	// A policy under a path is found by its full ARN only.
	ecs := "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole"
	p, err := c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String(ecs)})
	if err != nil || aws.ToString(p.Policy.Path) != "/service-role/" || aws.ToString(p.Policy.Arn) != ecs {
		t.Fatalf("GetPolicy %s: %+v %v", ecs, p, err)
	}
	_, err = c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonEC2ContainerServiceRole")})
	ae := wantCode(t, err, "NoSuchEntity")
	if ae.ErrorMessage() != "Policy arn:aws:iam::aws:policy/AmazonEC2ContainerServiceRole does not exist or is not attachable." {
		t.Fatal(ae.ErrorMessage())
	}

	// ListPolicies(Scope=AWS), page by page: the whole catalogue in order.
	list := func(in *iam.ListPoliciesInput) []iamtypes.Policy {
		t.Helper()
		var all []iamtypes.Policy
		pages := 0
		for pg := iam.NewListPoliciesPaginator(c, in); pg.HasMorePages(); pages++ {
			out, err := pg.NextPage(ctx())
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, out.Policies...)
		}
		return all
	}
	all := list(&iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws, MaxItems: aws.Int32(100)})
	if len(all) != len(catalogue) || len(all) < 1400 {
		t.Fatalf("ListPolicies(AWS) listed %d policies, the catalogue has %d", len(all), len(catalogue))
	}
	for i, p := range all {
		if aws.ToString(p.Arn) != catalogue[i].ARN {
			t.Fatalf("policy %d is %s, want %s", i, aws.ToString(p.Arn), catalogue[i].ARN)
		}
	}
	if n := aws.ToString(all[0].PolicyName); n != "AdministratorAccess" {
		t.Errorf("first policy listed: %s", n)
	}
	// PathPrefix.
	want := 0
	for _, p := range catalogue {
		if strings.HasPrefix(p.Path, "/service-role/") {
			want++
		}
	}
	sr := list(&iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws, PathPrefix: aws.String("/service-role/"), MaxItems: aws.Int32(1000)})
	if len(sr) != want || want == 0 {
		t.Fatalf("PathPrefix /service-role/: %d policies, want %d", len(sr), want)
	}
	for _, p := range sr {
		if aws.ToString(p.Path) != "/service-role/" {
			t.Fatalf("PathPrefix /service-role/ listed %s", aws.ToString(p.Arn))
		}
	}
	// Scope=Local holds none of them.
	if _, err := c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("mine"), PolicyDocument: aws.String(iacPolicy)}); err != nil {
		t.Fatal(err)
	}
	local := list(&iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	if len(local) != 1 || aws.ToString(local[0].PolicyName) != "mine" {
		t.Fatalf("Scope=Local: %+v", local)
	}
	if n := len(list(&iam.ListPoliciesInput{})); n != len(catalogue)+1 {
		t.Fatalf("Scope=All: %d policies, want %d", n, len(catalogue)+1)
	}

	// Attached AmazonS3ReadOnlyAccess allows reading and nothing else.
	e.bucket("catalogue")
	e.put("catalogue", "k", "v")
	s3ro := "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	reader, _ := e.newUser("reader", s3ro)
	if _, err := reader.ListBuckets(ctx(), &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("ListBuckets with AmazonS3ReadOnlyAccess: %v", err)
	}
	got, err := reader.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("catalogue"), Key: aws.String("k")})
	if err != nil {
		t.Fatalf("GetObject with AmazonS3ReadOnlyAccess: %v", err)
	}
	got.Body.Close()
	_, err = reader.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("catalogue"), Key: aws.String("k2"), Body: strings.NewReader("x")})
	wantCode(t, err, "AccessDenied")
	// AWSDenyAll attached beside it denies the read too.
	if _, err := c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("reader"), PolicyArn: deny.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err = reader.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("catalogue"), Key: aws.String("k")})
	wantCode(t, err, "AccessDenied")

	// OnlyAttached lists exactly the two, with their counts.
	attached := list(&iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws, OnlyAttached: true})
	names := map[string]int32{}
	for _, p := range attached {
		names[aws.ToString(p.PolicyName)] = aws.ToInt32(p.AttachmentCount)
	}
	if len(names) != 2 || names["AmazonS3ReadOnlyAccess"] != 1 || names["AWSDenyAll"] != 1 {
		t.Fatalf("OnlyAttached: %v", names)
	}
	// A role takes one under a path; AWSConfigRole is listed as not
	// attachable and cannot be attached.
	if _, err := c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("ecs"), AssumeRolePolicyDocument: aws.String(iacAssume)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx(), &iam.AttachRolePolicyInput{RoleName: aws.String("ecs"), PolicyArn: aws.String(ecs)}); err != nil {
		t.Fatal(err)
	}
	ar, err := c.ListAttachedRolePolicies(ctx(), &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("ecs"), PathPrefix: aws.String("/service-role/")})
	if err != nil || len(ar.AttachedPolicies) != 1 || aws.ToString(ar.AttachedPolicies[0].PolicyName) != "AmazonEC2ContainerServiceRole" {
		t.Fatalf("ListAttachedRolePolicies: %+v %v", ar, err)
	}
	config := "arn:aws:iam::aws:policy/service-role/AWSConfigRole"
	cp, err := c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String(config)})
	if err != nil || cp.Policy.IsAttachable {
		t.Fatalf("GetPolicy AWSConfigRole: %+v %v", cp, err)
	}
	_, err = c.AttachRolePolicy(ctx(), &iam.AttachRolePolicyInput{RoleName: aws.String("ecs"), PolicyArn: aws.String(config)})
	wantCode(t, err, "NoSuchEntity")
	// The catalogue is AWS's: no one deletes or versions it.
	_, err = c.CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: deny.Policy.Arn, PolicyDocument: aws.String(iacPolicy)})
	if err == nil {
		t.Fatal("created a version of an AWS managed policy")
	}
}

// TestIaCIAMUserCredentialDeletes: the deletes Terraform's force_destroy
// and Ansible's iam_user call for each credential they list check their
// input and name what they cannot find, as IAM does.
func TestIaCIAMUserCredentialDeletes(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	u := aws.String("creds")
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: u}); err != nil {
		t.Fatal(err)
	}
	nobody := aws.String("nobody")
	const serial = "arn:aws:iam::000000000000:mfa/creds"
	tests := []struct {
		name string
		call func(user *string) error
		id   string // the id the call names
		msg  string // for an existing user
	}{
		{"DeleteSSHPublicKey", func(user *string) error {
			_, err := c.DeleteSSHPublicKey(ctx(), &iam.DeleteSSHPublicKeyInput{UserName: user, SSHPublicKeyId: aws.String("APKAEIVFHP46CEXAMPLE")})
			return err
		}, "APKAEIVFHP46CEXAMPLE", "The Public Key with id APKAEIVFHP46CEXAMPLE cannot be found."},
		{"DeleteSigningCertificate", func(user *string) error {
			_, err := c.DeleteSigningCertificate(ctx(), &iam.DeleteSigningCertificateInput{UserName: user, CertificateId: aws.String("TA7SMP42TDN5Z26OBPJE7EXAMPLE")})
			return err
		}, "TA7SMP42TDN5Z26OBPJE7EXAMPLE", "The Certificate with id TA7SMP42TDN5Z26OBPJE7EXAMPLE cannot be found."},
		{"DeleteServiceSpecificCredential", func(user *string) error {
			_, err := c.DeleteServiceSpecificCredential(ctx(), &iam.DeleteServiceSpecificCredentialInput{UserName: user, ServiceSpecificCredentialId: aws.String("ACCAQFODXMPL4YFHP7DZE")})
			return err
		}, "ACCAQFODXMPL4YFHP7DZE", "The Service Specific Credential with id ACCAQFODXMPL4YFHP7DZE cannot be found."},
		{"DeactivateMFADevice", func(user *string) error {
			_, err := c.DeactivateMFADevice(ctx(), &iam.DeactivateMFADeviceInput{UserName: user, SerialNumber: aws.String(serial)})
			return err
		}, serial, "MFA Device with serial number " + serial + " does not exist."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ae := wantCode(t, tt.call(u), "NoSuchEntity")
			if ae.ErrorMessage() != tt.msg {
				t.Errorf("unknown id: %s", ae.ErrorMessage())
			}
			ae = wantCode(t, tt.call(nobody), "NoSuchEntity")
			if ae.ErrorMessage() != "The user with name nobody cannot be found." {
				t.Errorf("unknown user: %s", ae.ErrorMessage())
			}
			wantCode(t, tt.call(aws.String("bad name")), "ValidationError")
		})
	}
	_, err := c.DeleteVirtualMFADevice(ctx(), &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	ae := wantCode(t, err, "NoSuchEntity")
	if ae.ErrorMessage() != "VirtualMFADevice with serial number "+serial+" doesn't exist." {
		t.Errorf("DeleteVirtualMFADevice: %s", ae.ErrorMessage())
	}
	// Malformed ids are ValidationError, worded as IAM words them.
	_, err = c.DeleteSSHPublicKey(ctx(), &iam.DeleteSSHPublicKeyInput{UserName: u, SSHPublicKeyId: aws.String("APKA-short")})
	ae = wantCode(t, err, "ValidationError")
	if ae.ErrorMessage() != "2 validation errors detected: Value 'APKA-short' at 'sSHPublicKeyId' failed to satisfy constraint: Member must have length greater than or equal to 20; "+
		"Value 'APKA-short' at 'sSHPublicKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+" {
		t.Errorf("short id: %s", ae.ErrorMessage())
	}
	_, err = c.DeleteVirtualMFADevice(ctx(), &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String("short")})
	ae = wantCode(t, err, "ValidationError")
	if ae.ErrorMessage() != "1 validation error detected: Value 'short' at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9" {
		t.Errorf("short serial: %s", ae.ErrorMessage())
	}
}

// TestIaCIAMUserSSHKey: aws_iam_user_ssh_key: upload in PEM form, read in
// both encodings, change the status, list, and delete; DeleteUser refuses
// a user that still has a key.
func TestIaCIAMUserSSHKey(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	u := aws.String("git")
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: u}); err != nil {
		t.Fatal(err)
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	up, err := c.UploadSSHPublicKey(ctx(), &iam.UploadSSHPublicKeyInput{UserName: u, SSHPublicKeyBody: aws.String(pemKey)})
	if err != nil {
		t.Fatal(err)
	}
	k := up.SSHPublicKey
	id := k.SSHPublicKeyId
	if !strings.HasPrefix(aws.ToString(id), "APKA") || len(aws.ToString(id)) != 20 || k.Status != iamtypes.StatusTypeActive || k.UploadDate == nil || aws.ToString(k.UserName) != "git" {
		t.Fatalf("UploadSSHPublicKey: %+v", k)
	}
	_, err = c.UploadSSHPublicKey(ctx(), &iam.UploadSSHPublicKeyInput{UserName: u, SSHPublicKeyBody: aws.String(pemKey)})
	wantCode(t, err, "DuplicateSSHPublicKey")
	_, err = c.UploadSSHPublicKey(ctx(), &iam.UploadSSHPublicKeyInput{UserName: u, SSHPublicKeyBody: aws.String("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG4rT3vTt99Ox5kndS4HmgTrKBT8SKzhK4rhGkEVGlCI x")})
	wantCode(t, err, "UnrecognizedPublicKeyEncoding")
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallDER, _ := x509.MarshalPKIXPublicKey(&small.PublicKey)
	_, err = c.UploadSSHPublicKey(ctx(), &iam.UploadSSHPublicKeyInput{UserName: u, SSHPublicKeyBody: aws.String(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: smallDER})))})
	wantCode(t, err, "InvalidPublicKey")

	// The SSH encoding; its MD5 is the fingerprint.
	g, err := c.GetSSHPublicKey(ctx(), &iam.GetSSHPublicKeyInput{UserName: u, SSHPublicKeyId: id, Encoding: iamtypes.EncodingTypeSsh})
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(aws.ToString(g.SSHPublicKey.SSHPublicKeyBody))
	if len(f) != 2 || f[0] != "ssh-rsa" {
		t.Fatalf("SSH encoding: %q", aws.ToString(g.SSHPublicKey.SSHPublicKeyBody))
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(blob)
	fp := hex.EncodeToString(sum[:])
	var pairs []string
	for i := 0; i < len(fp); i += 2 {
		pairs = append(pairs, fp[i:i+2])
	}
	if want := strings.Join(pairs, ":"); aws.ToString(g.SSHPublicKey.Fingerprint) != want || aws.ToString(k.Fingerprint) != want {
		t.Fatalf("fingerprint %s, want %s", aws.ToString(g.SSHPublicKey.Fingerprint), want)
	}
	// Uploaded again in the SSH form, it is the same key.
	_, err = c.UploadSSHPublicKey(ctx(), &iam.UploadSSHPublicKeyInput{UserName: u, SSHPublicKeyBody: aws.String(f[0] + " " + f[1] + " me@host")})
	wantCode(t, err, "DuplicateSSHPublicKey")
	// The PEM encoding.
	g, err = c.GetSSHPublicKey(ctx(), &iam.GetSSHPublicKeyInput{UserName: u, SSHPublicKeyId: id, Encoding: iamtypes.EncodingTypePem})
	if err != nil || strings.TrimSpace(aws.ToString(g.SSHPublicKey.SSHPublicKeyBody)) != strings.TrimSpace(pemKey) {
		t.Fatalf("PEM encoding: %+v %v", g, err)
	}
	_, err = c.GetSSHPublicKey(ctx(), &iam.GetSSHPublicKeyInput{UserName: u, SSHPublicKeyId: aws.String("APKAEIVFHP46CEXAMPLE"), Encoding: iamtypes.EncodingTypeSsh})
	wantCode(t, err, "NoSuchEntity")

	if _, err := c.UpdateSSHPublicKey(ctx(), &iam.UpdateSSHPublicKeyInput{UserName: u, SSHPublicKeyId: id, Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	l, err := c.ListSSHPublicKeys(ctx(), &iam.ListSSHPublicKeysInput{UserName: u})
	if err != nil || len(l.SSHPublicKeys) != 1 || aws.ToString(l.SSHPublicKeys[0].SSHPublicKeyId) != aws.ToString(id) || l.SSHPublicKeys[0].Status != iamtypes.StatusTypeInactive {
		t.Fatalf("ListSSHPublicKeys: %+v %v", l, err)
	}
	_, err = c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: u})
	ae := wantCode(t, err, "DeleteConflict")
	if ae.ErrorMessage() != "Cannot delete entity, must remove referenced objects first." {
		t.Fatal(ae.ErrorMessage())
	}
	if _, err := c.DeleteSSHPublicKey(ctx(), &iam.DeleteSSHPublicKeyInput{UserName: u, SSHPublicKeyId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteSSHPublicKey(ctx(), &iam.DeleteSSHPublicKeyInput{UserName: u, SSHPublicKeyId: id})
	wantCode(t, err, "NoSuchEntity")
	l, err = c.ListSSHPublicKeys(ctx(), &iam.ListSSHPublicKeysInput{UserName: u})
	if err != nil || len(l.SSHPublicKeys) != 0 {
		t.Fatalf("ListSSHPublicKeys after delete: %+v %v", l, err)
	}
	if _, err := c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: u}); err != nil {
		t.Fatal(err)
	}
}

// TestIaCIAMTrustPrincipals: CreateRole and UpdateAssumeRolePolicy refuse
// a trust policy naming an IAM user or role that does not exist in an
// account gureum hosts, with IAM's MalformedPolicyDocument; one created
// just before is found (Terraform retries this error while IAM catches
// up). Accounts, roots, "*", services and ARNs of other accounts pass.
func TestIaCIAMTrustPrincipals(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	trust := func(aws string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":` + aws + `},"Action":"sts:AssumeRole"}]}`
	}
	invalid := func(err error, principal string) {
		t.Helper()
		ae := wantCode(t, err, "MalformedPolicyDocument")
		if want := `Invalid principal in policy: "AWS":"` + principal + `"`; ae.ErrorMessage() != want {
			t.Fatalf("message %q, want %q", ae.ErrorMessage(), want)
		}
	}
	create := func(name, doc string) error {
		_, err := c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(doc)})
		return err
	}
	nobody := "arn:aws:iam::000000000000:user/nobody"
	invalid(create("r1", trust(`"`+nobody+`"`)), nobody)
	// One bad entry among good ones is enough.
	invalid(create("r1", trust(`["000000000000","arn:aws:iam::000000000000:root","`+nobody+`"]`)), nobody)
	// A role cannot trust itself before it exists.
	self := "arn:aws:iam::000000000000:role/r1"
	invalid(create("r1", trust(`"`+self+`"`)), self)
	// The other hosted account is checked too; an account gureum does
	// not host is not.
	alt := "arn:aws:iam::111111111111:role/deployer"
	invalid(create("r1", trust(`"`+alt+`"`)), alt)
	for _, doc := range []string{
		trust(`"*"`),
		trust(`"000000000000"`),
		trust(`"arn:aws:iam::000000000000:root"`),
		trust(`"arn:aws:iam::123456789012:user/nobody"`),
		trust(`"arn:aws:sts::000000000000:assumed-role/r/s"`),
		iacAssume,
	} {
		if err := create("ok", doc); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if _, err := c.DeleteRole(ctx(), &iam.DeleteRoleInput{RoleName: aws.String("ok")}); err != nil {
			t.Fatal(err)
		}
	}
	// Created just before, a user is found, by its ARN with its path.
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("dev"), Path: aws.String("/team/")}); err != nil {
		t.Fatal(err)
	}
	dev := "arn:aws:iam::000000000000:user/team/dev"
	if err := create("r1", trust(`"`+dev+`"`)); err != nil {
		t.Fatal(err)
	}
	invalid(create("r2", trust(`"arn:aws:iam::000000000000:user/dev"`)), "arn:aws:iam::000000000000:user/dev")
	// A role of the other account, created by its root, is found.
	altIAM := e.iam(testAccounts[1].AccessKey, testAccounts[1].SecretKey, "")
	if _, err := altIAM.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("deployer"), AssumeRolePolicyDocument: aws.String(iacAssume)}); err != nil {
		t.Fatal(err)
	}
	if err := create("r2", trust(`"`+alt+`"`)); err != nil {
		t.Fatal(err)
	}
	// UpdateAssumeRolePolicy: the role itself now exists; a deleted user
	// does not.
	update := func(doc string) error {
		_, err := c.UpdateAssumeRolePolicy(ctx(), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r1"), PolicyDocument: aws.String(doc)})
		return err
	}
	if err := update(trust(`"` + self + `"`)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	invalid(update(trust(`"`+dev+`"`)), dev)
	// NotPrincipal is checked as Principal is.
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"` + nobody + `"},"Action":"sts:AssumeRole"}]}`
	invalid(update(doc), nobody)
	r, err := c.GetRole(ctx(), &iam.GetRoleInput{RoleName: aws.String("r1")})
	if err != nil {
		t.Fatal(err)
	}
	policyDoc(t, r.Role.AssumeRolePolicyDocument, trust(`"`+self+`"`))
}
