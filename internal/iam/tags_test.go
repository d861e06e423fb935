package iam

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/gureum/gureum/internal/awsproto"
)

// TestPolicyAndProfileTags: Tag/Untag/List…Tags of customer managed
// policies and instance profiles edit the tags GetPolicy and
// GetInstanceProfile show; unknown ones, other accounts' and AWS managed
// policies are NoSuchEntity. ListVirtualMFADevices is an empty list.
func TestPolicyAndProfileTags(t *testing.T) {
	s, ctx := newTestService(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
	if _, err := s.createPolicy(ctx, &createPolicyInput{PolicyName: "p", Path: new("/x/"), PolicyDocument: doc, Tags: []Tag{{Key: "a", Value: "1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.createInstanceProfile(ctx, &createProfileInput{InstanceProfileName: "ip"}); err != nil {
		t.Fatal(err)
	}
	call := func(v url.Values) (string, error) {
		t.Helper()
		out, err := callForm(ctx, s, v)
		if err != nil {
			return "", err
		}
		return render(t, v.Get("Action"), out), nil
	}
	const arn = "arn:aws:iam::000000000000:policy/x/p"
	for _, v := range []url.Values{
		{"Action": {"TagPolicy"}, "PolicyArn": {arn}, "Tags.member.1.Key": {"b"}, "Tags.member.1.Value": {"2"}},
		{"Action": {"UntagPolicy"}, "PolicyArn": {arn}, "TagKeys.member.1": {"a"}},
		{"Action": {"TagInstanceProfile"}, "InstanceProfileName": {"ip"}, "Tags.member.1.Key": {"c"}, "Tags.member.1.Value": {"3"}},
	} {
		if _, err := call(v); err != nil {
			t.Fatalf("%s: %v", v.Get("Action"), err)
		}
	}
	for _, tt := range []struct {
		in   url.Values
		want string
	}{
		{url.Values{"Action": {"ListPolicyTags"}, "PolicyArn": {arn}}, "<Tags><member><Key>b</Key><Value>2</Value></member></Tags>"},
		{url.Values{"Action": {"GetPolicy"}, "PolicyArn": {arn}}, "<Tags><member><Key>b</Key><Value>2</Value></member></Tags>"},
		{url.Values{"Action": {"ListInstanceProfileTags"}, "InstanceProfileName": {"ip"}}, "<Tags><member><Key>c</Key><Value>3</Value></member></Tags>"},
		{url.Values{"Action": {"GetInstanceProfile"}, "InstanceProfileName": {"ip"}}, "<Tags><member><Key>c</Key><Value>3</Value></member></Tags>"},
		{url.Values{"Action": {"ListVirtualMFADevices"}, "AssignmentStatus": {"Assigned"}}, "<VirtualMFADevices></VirtualMFADevices>"},
	} {
		body, err := call(tt.in)
		if err != nil || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %v\n%s", tt.in.Get("Action"), err, body)
		}
	}
	if _, err := call(url.Values{"Action": {"UntagInstanceProfile"}, "InstanceProfileName": {"ip"}, "TagKeys.member.1": {"c"}}); err != nil {
		t.Fatal(err)
	}
	if body, _ := call(url.Values{"Action": {"ListInstanceProfileTags"}, "InstanceProfileName": {"ip"}}); !strings.Contains(body, "<Tags></Tags>") {
		t.Errorf("after untag: %s", body)
	}
	for _, tt := range []struct {
		in   url.Values
		code string
	}{
		{url.Values{"Action": {"TagPolicy"}, "PolicyArn": {"arn:aws:iam::000000000000:policy/x/none"}, "Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}}, "NoSuchEntity"},
		{url.Values{"Action": {"TagPolicy"}, "PolicyArn": {"arn:aws:iam::000000000000:policy/y/p"}, "Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}}, "NoSuchEntity"},
		{url.Values{"Action": {"TagPolicy"}, "PolicyArn": {"arn:aws:iam::aws:policy/ReadOnlyAccess"}, "Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}}, "NoSuchEntity"},
		{url.Values{"Action": {"ListPolicyTags"}, "PolicyArn": {"arn:aws:iam::111111111111:policy/x/p"}}, "NoSuchEntity"},
		{url.Values{"Action": {"TagInstanceProfile"}, "InstanceProfileName": {"none"}, "Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}}, "NoSuchEntity"},
		{url.Values{"Action": {"ListInstanceProfileTags"}, "InstanceProfileName": {"none"}}, "NoSuchEntity"},
		{url.Values{"Action": {"ListVirtualMFADevices"}, "AssignmentStatus": {"Some"}}, "ValidationError"},
	} {
		_, err := call(tt.in)
		var ae *awsproto.Error
		if !errors.As(err, &ae) || ae.Code != tt.code {
			t.Errorf("%v: want %s, got %v", tt.in, tt.code, err)
		}
	}
}
