package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gureum/gureum/internal/server"
)

const s3ReadDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`

func TestIAMUsersAndKeys(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	out, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("Alice"), Path: aws.String("/eng/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("core")}}})
	if err != nil {
		t.Fatal(err)
	}
	u := out.User
	if *u.Arn != "arn:aws:iam::000000000000:user/eng/Alice" || !strings.HasPrefix(*u.UserId, "AIDA") || len(*u.UserId) != 21 {
		t.Fatalf("user: %+v", u)
	}
	// Names are unique without regard to case.
	_, err = c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("alice")})
	ae := wantCode(t, err, "EntityAlreadyExists")
	if ae.ErrorMessage() != "User with name alice already exists." {
		t.Fatal(ae.ErrorMessage())
	}
	_, err = c.GetUser(ctx(), &iam.GetUserInput{UserName: aws.String("nobody")})
	ae = wantCode(t, err, "NoSuchEntity")
	if ae.ErrorMessage() != "The user with name nobody cannot be found." {
		t.Fatal(ae.ErrorMessage())
	}
	_, err = c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("bad name!")})
	wantCode(t, err, "ValidationError")

	// Two keys at most; the secret is returned once.
	var keys []string
	for i := 0; i < 2; i++ {
		k, err := c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("Alice")})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(*k.AccessKey.AccessKeyId, "AKIA") || len(*k.AccessKey.SecretAccessKey) != 40 {
			t.Fatalf("key: %+v", k.AccessKey)
		}
		keys = append(keys, *k.AccessKey.AccessKeyId)
	}
	_, err = c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("Alice")})
	ae = wantCode(t, err, "LimitExceeded")
	if ae.ErrorMessage() != "Cannot exceed quota for AccessKeysPerUser: 2" {
		t.Fatal(ae.ErrorMessage())
	}
	lk, err := c.ListAccessKeys(ctx(), &iam.ListAccessKeysInput{UserName: aws.String("Alice")})
	if err != nil || len(lk.AccessKeyMetadata) != 2 || lk.AccessKeyMetadata[0].Status != iamtypes.StatusTypeActive {
		t.Fatalf("ListAccessKeys: %v %v", lk, err)
	}
	lu, err := c.GetAccessKeyLastUsed(ctx(), &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(keys[0])})
	if err != nil || *lu.UserName != "Alice" || *lu.AccessKeyLastUsed.ServiceName != "N/A" {
		t.Fatalf("GetAccessKeyLastUsed: %v %v", lu, err)
	}
	// Deleting a user with keys is a conflict.
	_, err = c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("Alice")})
	wantCode(t, err, "DeleteConflict")

	// Tags, rename, list with a path prefix, pagination.
	if _, err := c.TagUser(ctx(), &iam.TagUserInput{UserName: aws.String("Alice"), Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListUserTags(ctx(), &iam.ListUserTagsInput{UserName: aws.String("Alice")})
	if err != nil || len(tags.Tags) != 2 {
		t.Fatalf("tags: %v %v", tags, err)
	}
	if _, err := c.UpdateUser(ctx(), &iam.UpdateUserInput{UserName: aws.String("Alice"), NewUserName: aws.String("Alicia")}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"u1", "u2", "u3"} {
		if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range pg.Users {
			names = append(names, *u.UserName)
		}
	}
	if pages != 2 || strings.Join(names, ",") != "Alicia,u1,u2,u3" {
		t.Fatalf("paginated users: %d pages %v", pages, names)
	}
	eng, err := c.ListUsers(ctx(), &iam.ListUsersInput{PathPrefix: aws.String("/eng/")})
	if err != nil || len(eng.Users) != 1 {
		t.Fatalf("path prefix: %v %v", eng, err)
	}
	// The renamed user's keys still work and resolve to the new name.
	for _, k := range keys {
		if _, err := c.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: aws.String("Alicia"), AccessKeyId: aws.String(k)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteUser(ctx(), &iam.DeleteUserInput{UserName: aws.String("Alicia")}); err != nil {
		t.Fatal(err)
	}

	// Login profiles.
	if _, err := c.CreateLoginProfile(ctx(), &iam.CreateLoginProfileInput{UserName: aws.String("u1"), Password: aws.String("short")}); err == nil {
		t.Fatal("short password accepted")
	}
	if _, err := c.CreateLoginProfile(ctx(), &iam.CreateLoginProfileInput{UserName: aws.String("u1"), Password: aws.String("Correct-Horse-9"), PasswordResetRequired: true}); err != nil {
		t.Fatal(err)
	}
	lp, err := c.GetLoginProfile(ctx(), &iam.GetLoginProfileInput{UserName: aws.String("u1")})
	if err != nil || !lp.LoginProfile.PasswordResetRequired {
		t.Fatalf("login profile: %v %v", lp, err)
	}
	_, err = c.GetLoginProfile(ctx(), &iam.GetLoginProfileInput{UserName: aws.String("u2")})
	wantCode(t, err, "NoSuchEntity")
}

func TestIAMManagedPolicies(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	_, err := c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`)})
	ae := wantCode(t, err, "MalformedPolicyDocument")
	if ae.ErrorMessage() != "Policy statement must contain actions." {
		t.Fatal(ae.ErrorMessage())
	}
	_, err = c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`)})
	ae = wantCode(t, err, "MalformedPolicyDocument")
	if ae.ErrorMessage() != "Policy document should not specify a principal." {
		t.Fatal(ae.ErrorMessage())
	}
	_, err = c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{not json`)})
	wantCode(t, err, "MalformedPolicyDocument")

	cp, err := c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("S3Read"), Path: aws.String("/app/"), PolicyDocument: aws.String(s3ReadDoc), Description: aws.String("read")})
	if err != nil {
		t.Fatal(err)
	}
	arn := *cp.Policy.Arn
	if arn != "arn:aws:iam::000000000000:policy/app/S3Read" || *cp.Policy.DefaultVersionId != "v1" {
		t.Fatalf("policy: %+v", cp.Policy)
	}
	_, err = c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("S3Read"), PolicyDocument: aws.String(s3ReadDoc)})
	wantCode(t, err, "EntityAlreadyExists")

	// Versions: at most five.
	for i := 2; i <= 5; i++ {
		if _, err := c.CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(s3ReadDoc)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(s3ReadDoc)})
	wantCode(t, err, "LimitExceeded")
	if _, err := c.SetDefaultPolicyVersion(ctx(), &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v3")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeletePolicyVersion(ctx(), &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v3")})
	wantCode(t, err, "DeleteConflict")
	if _, err := c.DeletePolicyVersion(ctx(), &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	pv, err := c.GetPolicyVersion(ctx(), &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v3")})
	if err != nil || !pv.PolicyVersion.IsDefaultVersion {
		t.Fatalf("GetPolicyVersion: %v %v", pv, err)
	}
	// The document comes back URL-encoded, as IAM returns it.
	doc, err := url.QueryUnescape(*pv.PolicyVersion.Document)
	if err != nil || doc != s3ReadDoc {
		t.Fatalf("document: %q %v", *pv.PolicyVersion.Document, err)
	}
	_, err = c.GetPolicyVersion(ctx(), &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	wantCode(t, err, "NoSuchEntity")

	// Attach to a user, a group and a role; listings; DeleteConflict.
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("gina")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: aws.String("devs")}); err != nil {
		t.Fatal(err)
	}
	// The trust policy names alice, who must exist, as in AWS.
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trustAlice)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("gina"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachGroupPolicy(ctx(), &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx(), &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("gina"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")})
	wantCode(t, err, "NoSuchEntity")
	gp, err := c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || *gp.Policy.AttachmentCount != 3 {
		t.Fatalf("GetPolicy: %v %v", gp, err)
	}
	ents, err := c.ListEntitiesForPolicy(ctx(), &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || len(ents.PolicyUsers) != 1 || len(ents.PolicyGroups) != 1 || len(ents.PolicyRoles) != 1 {
		t.Fatalf("ListEntitiesForPolicy: %v %v", ents, err)
	}
	_, err = c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	ae = wantCode(t, err, "DeleteConflict")
	if ae.ErrorMessage() != "Cannot delete a policy attached to entities." {
		t.Fatal(ae.ErrorMessage())
	}
	au, err := c.ListAttachedUserPolicies(ctx(), &iam.ListAttachedUserPoliciesInput{UserName: aws.String("gina")})
	if err != nil || len(au.AttachedPolicies) != 1 || *au.AttachedPolicies[0].PolicyName != "S3Read" {
		t.Fatalf("attached: %v %v", au, err)
	}
	// Scope: AWS-managed policies carry their real documents.
	aws1, err := c.ListPolicies(ctx(), &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws, MaxItems: aws.Int32(1000)})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, p := range aws1.Policies {
		found[*p.PolicyName] = true
	}
	for _, n := range []string{"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "IAMFullAccess", "IAMReadOnlyAccess", "AmazonS3FullAccess",
		"AmazonS3ReadOnlyAccess", "AmazonEC2FullAccess", "AmazonEC2ReadOnlyAccess", "AmazonVPCFullAccess"} {
		if !found[n] {
			t.Errorf("AWS managed policy %s missing", n)
		}
	}
	local, err := c.ListPolicies(ctx(), &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	if err != nil || len(local.Policies) != 1 {
		t.Fatalf("local: %v %v", local, err)
	}
	admin, err := c.GetPolicyVersion(ctx(), &iam.GetPolicyVersionInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess"), VersionId: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := url.QueryUnescape(*admin.PolicyVersion.Document); !strings.Contains(d, `"Action": "*"`) {
		t.Fatalf("AdministratorAccess: %s", d)
	}
	_, err = c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	if err == nil {
		t.Fatal("deleted an AWS managed policy")
	}
}

func TestIAMGroupsInlineAndRoles(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	hank, _ := e.newUser("hank")
	e.bucket("shared")
	// Membership brings the group's inline policy.
	if _, err := c.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: aws.String("readers")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutGroupPolicy(ctx(), &iam.PutGroupPolicyInput{GroupName: aws.String("readers"), PolicyName: aws.String("read"), PolicyDocument: aws.String(s3ReadDoc)}); err != nil {
		t.Fatal(err)
	}
	_, err := hank.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("shared")})
	wantCode(t, err, "AccessDenied")
	if _, err := c.AddUserToGroup(ctx(), &iam.AddUserToGroupInput{GroupName: aws.String("readers"), UserName: aws.String("hank")}); err != nil {
		t.Fatal(err)
	}
	if _, err := hank.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("shared")}); err != nil {
		t.Fatalf("as a group member: %v", err)
	}
	gg, err := c.GetGroup(ctx(), &iam.GetGroupInput{GroupName: aws.String("readers")})
	if err != nil || len(gg.Users) != 1 {
		t.Fatalf("GetGroup: %v %v", gg, err)
	}
	_, err = c.DeleteGroup(ctx(), &iam.DeleteGroupInput{GroupName: aws.String("readers")})
	wantCode(t, err, "DeleteConflict")
	gpol, err := c.GetGroupPolicy(ctx(), &iam.GetGroupPolicyInput{GroupName: aws.String("readers"), PolicyName: aws.String("read")})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := url.QueryUnescape(*gpol.PolicyDocument); d != s3ReadDoc {
		t.Fatalf("inline document: %s", d)
	}
	if _, err := c.RemoveUserFromGroup(ctx(), &iam.RemoveUserFromGroupInput{GroupName: aws.String("readers"), UserName: aws.String("hank")}); err != nil {
		t.Fatal(err)
	}
	_, err = hank.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("shared")})
	wantCode(t, err, "AccessDenied")

	// User inline policies.
	if _, err := c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("hank"), PolicyName: aws.String("mine"), PolicyDocument: aws.String(s3ReadDoc)}); err != nil {
		t.Fatal(err)
	}
	lp, err := c.ListUserPolicies(ctx(), &iam.ListUserPoliciesInput{UserName: aws.String("hank")})
	if err != nil || len(lp.PolicyNames) != 1 {
		t.Fatalf("ListUserPolicies: %v %v", lp, err)
	}
	_, err = c.GetUserPolicy(ctx(), &iam.GetUserPolicyInput{UserName: aws.String("hank"), PolicyName: aws.String("nope")})
	wantCode(t, err, "NoSuchEntity")
	if _, err := c.DeleteUserPolicy(ctx(), &iam.DeleteUserPolicyInput{UserName: aws.String("hank"), PolicyName: aws.String("mine")}); err != nil {
		t.Fatal(err)
	}

	// Roles: trust policy validation, instance profiles, descriptions.
	_, err = c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(s3ReadDoc)})
	wantCode(t, err, "MalformedPolicyDocument")
	if _, err := c.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("web"), Description: aws.String("web tier"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagRole(ctx(), &iam.TagRoleInput{RoleName: aws.String("web"), Tags: []iamtypes.Tag{{Key: aws.String("tier"), Value: aws.String("front")}, {Key: aws.String("x"), Value: aws.String("y")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagRole(ctx(), &iam.UntagRoleInput{RoleName: aws.String("web"), TagKeys: []string{"X"}}); err != nil {
		t.Fatal(err)
	}
	rt, err := c.ListRoleTags(ctx(), &iam.ListRoleTagsInput{RoleName: aws.String("WEB")})
	if err != nil || len(rt.Tags) != 1 || *rt.Tags[0].Key != "tier" {
		t.Fatalf("role tags: %+v %v", rt, err)
	}
	_, err = c.TagRole(ctx(), &iam.TagRoleInput{RoleName: aws.String("nope"), Tags: []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "NoSuchEntity")
	gr, err := c.GetRole(ctx(), &iam.GetRoleInput{RoleName: aws.String("web")})
	if err != nil || *gr.Role.MaxSessionDuration != 3600 || *gr.Role.Description != "web tier" {
		t.Fatalf("GetRole: %v %v", gr, err)
	}
	if _, err := c.CreateInstanceProfile(ctx(), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddRoleToInstanceProfile(ctx(), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	ip, err := c.GetInstanceProfile(ctx(), &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("web")})
	if err != nil || len(ip.InstanceProfile.Roles) != 1 || !strings.HasPrefix(*ip.InstanceProfile.InstanceProfileId, "AIPA") {
		t.Fatalf("instance profile: %v %v", ip, err)
	}
	_, err = c.DeleteRole(ctx(), &iam.DeleteRoleInput{RoleName: aws.String("web")})
	wantCode(t, err, "DeleteConflict")
	fr, err := c.ListInstanceProfilesForRole(ctx(), &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("web")})
	if err != nil || len(fr.InstanceProfiles) != 1 {
		t.Fatalf("profiles for role: %v %v", fr, err)
	}

	// Account alias and authorization details.
	if _, err := c.CreateAccountAlias(ctx(), &iam.CreateAccountAliasInput{AccountAlias: aws.String("my-lab")}); err != nil {
		t.Fatal(err)
	}
	al, err := c.ListAccountAliases(ctx(), &iam.ListAccountAliasesInput{})
	if err != nil || len(al.AccountAliases) != 1 || al.AccountAliases[0] != "my-lab" {
		t.Fatalf("aliases: %v %v", al, err)
	}
	_, err = c.CreateAccountAlias(ctx(), &iam.CreateAccountAliasInput{AccountAlias: aws.String("Bad--Alias")})
	wantCode(t, err, "ValidationError")
	det, err := c.GetAccountAuthorizationDetails(ctx(), &iam.GetAccountAuthorizationDetailsInput{})
	if err != nil || len(det.UserDetailList) != 1 || len(det.GroupDetailList) != 1 || len(det.RoleDetailList) != 1 || len(det.RoleDetailList[0].InstanceProfileList) != 1 {
		t.Fatalf("authorization details: %+v %v", det, err)
	}
}

func TestIAMSimulate(t *testing.T) {
	e := newEnv(t)
	c := e.rootIAM()
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("ivy")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("ivy"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("ivy"), PolicyName: aws.String("nodelete"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"NoSecrets","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::vault/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.SimulatePrincipalPolicy(ctx(), &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::000000000000:user/ivy"),
		ActionNames:     []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns:    []string{"arn:aws:s3:::photos/a.png", "arn:aws:s3:::vault/key"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]iamtypes.PolicyEvaluationDecisionType{}
	for _, r := range out.EvaluationResults {
		got[*r.EvalActionName+" "+*r.EvalResourceName] = r.EvalDecision
		if r.EvalDecision == iamtypes.PolicyEvaluationDecisionTypeAllowed && (len(r.MatchedStatements) == 0 || *r.MatchedStatements[0].SourcePolicyId != "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess") {
			t.Errorf("allowed without the matched statement: %+v", r.MatchedStatements)
		}
	}
	want := map[string]iamtypes.PolicyEvaluationDecisionType{
		"s3:GetObject arn:aws:s3:::photos/a.png": "allowed",
		"s3:GetObject arn:aws:s3:::vault/key":    "explicitDeny",
		"s3:PutObject arn:aws:s3:::photos/a.png": "implicitDeny",
		"s3:PutObject arn:aws:s3:::vault/key":    "implicitDeny",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	cu, err := c.SimulateCustomPolicy(ctx(), &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`},
		ActionNames:     []string{"ec2:RunInstances"},
		ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:RequestedRegion"), ContextKeyType: iamtypes.ContextKeyTypeEnumString,
			ContextKeyValues: []string{"eu-west-1"}}},
	})
	if err != nil || cu.EvaluationResults[0].EvalDecision != "allowed" {
		t.Fatalf("SimulateCustomPolicy: %+v %v", cu, err)
	}
}

// TestIAMSurvivesRestart: users, keys and policies are in the store.
func TestIAMSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := newEnvWith(t, server.Config{DataDir: dir})
	e.bucket("keep")
	_, key := e.newUser("judy", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	e.ts.Close()
	e.srv.Close()
	e2 := newEnvWith(t, server.Config{DataDir: dir})
	judy := e2.s3As(*key.AccessKeyId, *key.SecretAccessKey, "")
	if _, err := judy.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("keep")}); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	_, err := judy.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("keep"), Key: aws.String("k"), Body: stringsReader("v")})
	wantCode(t, err, "AccessDenied")
}

// TestSessionTokenCannotCallIAM: GetSessionToken's credentials work with
// S3 and STS's GetCallerIdentity, but IAM answers them (without MFA) as
// an invalid token, as AWS does.
func TestSessionTokenCannotCallIAM(t *testing.T) {
	e := newTLSEnv(t, server.Config{}) // over HTTPS with gureum's CA
	root := e.rootIAM()
	if _, err := root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("tok")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("tok"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("tok")})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.sts(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "").GetSessionToken(ctx(), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	c := st.Credentials
	if _, err := e.iam(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetUser(ctx(), &iam.GetUserInput{}); err == nil {
		t.Fatal("IAM answered GetSessionToken credentials")
	} else {
		wantCode(t, err, "InvalidClientTokenId")
	}
	if _, err := e.sts(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if _, err := e.s3As(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).ListBuckets(ctx(), &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("S3 with the session: %v", err)
	}
	// The user's own keys still call IAM.
	if _, err := e.iam(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "").GetUser(ctx(), &iam.GetUserInput{}); err != nil {
		t.Fatalf("long-term keys: %v", err)
	}
}
