package iam

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/gureum/gureum/internal/awsproto"
)

// TestEntityLifecycle: users, groups and roles share their create,
// rename, delete, tag and boundary rules: a name taken without regard to
// case is EntityAlreadyExists, a delete with a dependent left is
// DeleteConflict with IAM's words for it, a rename carries the entity's
// references along, tags and boundaries edit the record.
func TestEntityLifecycle(t *testing.T) {
	s, ctx := newTestService(t)
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
	const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	const boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	steps := []struct {
		v    url.Values
		code string // "" for success
		msg  string // a prefix of the error message, or text the rendered output holds
	}{
		{url.Values{"Action": {"CreateUser"}, "UserName": {"alice"}, "PermissionsBoundary": {boundary}}, "", ""},
		{url.Values{"Action": {"CreateUser"}, "UserName": {"ALICE"}}, "EntityAlreadyExists", "User with name ALICE already exists."},
		{url.Values{"Action": {"CreateGroup"}, "GroupName": {"devs"}}, "", ""},
		{url.Values{"Action": {"CreateGroup"}, "GroupName": {"Devs"}}, "EntityAlreadyExists", "Group with name Devs already exists."},
		{url.Values{"Action": {"CreateRole"}, "RoleName": {"app"}, "AssumeRolePolicyDocument": {trust}}, "", ""},
		{url.Values{"Action": {"CreateRole"}, "RoleName": {"APP"}, "AssumeRolePolicyDocument": {trust}}, "EntityAlreadyExists", "Role with name APP already exists."},
		{url.Values{"Action": {"CreateUser"}, "UserName": {"bob"}, "PermissionsBoundary": {"arn:aws:iam::aws:policy/None"}}, "InvalidInput", "Policy arn:aws:iam::aws:policy/None does not exist"},
		{url.Values{"Action": {"GetUser"}, "UserName": {"bob"}}, "NoSuchEntity", "The user with name bob cannot be found."},
		{url.Values{"Action": {"CreateInstanceProfile"}, "InstanceProfileName": {"web"}}, "", ""},
		{url.Values{"Action": {"AddRoleToInstanceProfile"}, "InstanceProfileName": {"web"}, "RoleName": {"app"}}, "", ""},
		{url.Values{"Action": {"AddUserToGroup"}, "GroupName": {"devs"}, "UserName": {"alice"}}, "", ""},
		{url.Values{"Action": {"PutGroupPolicy"}, "GroupName": {"devs"}, "PolicyName": {"p"}, "PolicyDocument": {doc}}, "", ""},
		{url.Values{"Action": {"PutRolePolicy"}, "RoleName": {"app"}, "PolicyName": {"p"}, "PolicyDocument": {doc}}, "", ""},
		// Dependents block deletes, policies first.
		{url.Values{"Action": {"DeleteUser"}, "UserName": {"alice"}}, "DeleteConflict", "Cannot delete entity, must delete groups first."},
		{url.Values{"Action": {"DeleteGroup"}, "GroupName": {"devs"}}, "DeleteConflict", "Cannot delete entity, must delete policies first."},
		{url.Values{"Action": {"DeleteRole"}, "RoleName": {"app"}}, "DeleteConflict", "Cannot delete entity, must delete policies first."},
		{url.Values{"Action": {"DeleteGroupPolicy"}, "GroupName": {"devs"}, "PolicyName": {"P"}}, "", ""},
		{url.Values{"Action": {"DeleteRolePolicy"}, "RoleName": {"app"}, "PolicyName": {"p"}}, "", ""},
		{url.Values{"Action": {"DeleteGroup"}, "GroupName": {"devs"}}, "DeleteConflict", "Cannot delete entity, must remove users from group first."},
		{url.Values{"Action": {"DeleteRole"}, "RoleName": {"app"}}, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first."},
		// A renamed group keeps its members; a renamed user its groups.
		{url.Values{"Action": {"UpdateGroup"}, "GroupName": {"devs"}, "NewGroupName": {"builders"}, "NewPath": {"/eng/"}}, "", ""},
		{url.Values{"Action": {"UpdateGroup"}, "GroupName": {"builders"}, "NewGroupName": {"bad name"}}, "ValidationError", "1 validation error detected: Value 'bad name' at 'newGroupName'"},
		{url.Values{"Action": {"UpdateUser"}, "UserName": {"alice"}, "NewUserName": {"carol"}}, "", ""},
		{url.Values{"Action": {"ListGroupsForUser"}, "UserName": {"carol"}}, "", "<GroupName>builders</GroupName>"},
		{url.Values{"Action": {"GetGroup"}, "GroupName": {"builders"}}, "", "<Path>/eng/</Path>"},
		// Tags and boundaries.
		{url.Values{"Action": {"TagRole"}, "RoleName": {"app"}, "Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"a"}}, "", ""},
		{url.Values{"Action": {"TagRole"}, "RoleName": {"app"}, "Tags.member.1.Key": {"TEAM"}, "Tags.member.1.Value": {"b"}}, "", ""},
		{url.Values{"Action": {"ListRoleTags"}, "RoleName": {"app"}}, "", "<Tags><member><Key>TEAM</Key><Value>b</Value></member></Tags>"},
		{url.Values{"Action": {"UntagUser"}, "UserName": {"nobody"}, "TagKeys.member.1": {"team"}}, "NoSuchEntity", "The user with name nobody cannot be found."},
		{url.Values{"Action": {"GetUser"}, "UserName": {"carol"}}, "", "<PermissionsBoundaryArn>" + boundary + "</PermissionsBoundaryArn>"},
		{url.Values{"Action": {"DeleteUserPermissionsBoundary"}, "UserName": {"carol"}}, "", ""},
		{url.Values{"Action": {"PutRolePermissionsBoundary"}, "RoleName": {"app"}, "PermissionsBoundary": {"arn:aws:iam::000000000000:policy/none"}}, "InvalidInput", "Policy arn:aws:iam::000000000000:policy/none does not exist"},
		{url.Values{"Action": {"PutRolePermissionsBoundary"}, "RoleName": {"app"}, "PermissionsBoundary": {boundary}}, "", ""},
		{url.Values{"Action": {"GetRole"}, "RoleName": {"app"}}, "", "<PermissionsBoundaryArn>" + boundary + "</PermissionsBoundaryArn>"},
		// With the dependents gone, the deletes go through.
		{url.Values{"Action": {"RemoveUserFromGroup"}, "GroupName": {"builders"}, "UserName": {"carol"}}, "", ""},
		{url.Values{"Action": {"DeleteGroup"}, "GroupName": {"builders"}}, "", ""},
		{url.Values{"Action": {"DeleteUser"}, "UserName": {"carol"}}, "", ""},
		{url.Values{"Action": {"RemoveRoleFromInstanceProfile"}, "InstanceProfileName": {"web"}, "RoleName": {"app"}}, "", ""},
		{url.Values{"Action": {"DeleteRole"}, "RoleName": {"app"}}, "", ""},
		{url.Values{"Action": {"GetRole"}, "RoleName": {"app"}}, "NoSuchEntity", "The role with name app cannot be found."},
	}
	for _, st := range steps {
		out, err := callForm(ctx, s, st.v)
		action := st.v.Get("Action")
		if st.code != "" {
			var ae *awsproto.Error
			if !errors.As(err, &ae) || ae.Code != st.code || !strings.HasPrefix(ae.Message, st.msg) {
				t.Fatalf("%v: got %v, want %s %q…", st.v, err, st.code, st.msg)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", st.v, err)
		}
		if st.msg != "" {
			if body := render(t, action, out); !strings.Contains(body, st.msg) {
				t.Errorf("%s: no %s in\n%s", action, st.msg, body)
			}
		}
	}
}
