package acl

import (
	"errors"
	"regexp"
	"testing"

	"github.com/gureum/gureum/internal/awsproto"
)

var (
	alice = Owner{ID: CanonicalID("111111111111"), DisplayName: "alice"}
	bob   = Owner{ID: CanonicalID("222222222222"), DisplayName: "bob"}
	carol = Owner{ID: CanonicalID("333333333333"), DisplayName: "carol"}
)

// resolver knows alice, bob and carol, and bob's e-mail address.
var resolver = Resolver{
	ID: func(id string) (string, bool) {
		for _, o := range []Owner{alice, bob, carol} {
			if o.ID == id {
				return o.DisplayName, true
			}
		}
		return "", false
	},
	Email: func(email string) (string, string, bool) {
		if email == "bob@example.com" {
			return bob.ID, bob.DisplayName, true
		}
		return "", "", false
	},
}

func user(o Owner, p Permission) Grant     { return Grant{User(o), p} }
func group(uri string, p Permission) Grant { return Grant{Group(uri), p} }

// wantAWSError checks err is an *awsproto.Error with this status, code,
// message and extras.
func wantAWSError(t *testing.T, err error, status int, code, message string, extra ...[2]string) {
	t.Helper()
	var ae *awsproto.Error
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *awsproto.Error %s", err, code)
	}
	if ae.Status != status || ae.Code != code || ae.Message != message {
		t.Fatalf("err = %d %s %q, want %d %s %q", ae.Status, ae.Code, ae.Message, status, code, message)
	}
	for _, kv := range extra {
		if got := ae.ExtraValue(kv[0]); got != kv[1] {
			t.Errorf("%s = %q, want %q", kv[0], got, kv[1])
		}
	}
}

func TestCanonicalID(t *testing.T) {
	id := CanonicalID("000000000000")
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(id) {
		t.Fatalf("CanonicalID = %q, want 64 hex digits", id)
	}
	if id != CanonicalID("000000000000") || id == CanonicalID("000000000001") {
		t.Fatal("CanonicalID is not a stable function of the account")
	}
	// The derivation internal/s3 uses for bucket owners (s3.CanonicalID):
	// both must give an account the same id.
	if want := "d0f952280b984eb37633e5159a2744a2facf043faf713bfa3060c3e9161d769e"; id != want {
		t.Fatalf("CanonicalID(000000000000) = %s, want %s", id, want)
	}
}

func TestCanned(t *testing.T) {
	tests := []struct {
		name        string
		owner, bown Owner
		want        []Grant
	}{
		// Buckets: the owner is the bucket owner.
		{"private", alice, alice, []Grant{user(alice, FullControl)}},
		{"public-read", alice, alice, []Grant{user(alice, FullControl), group(AllUsers, Read)}},
		{"public-read-write", alice, alice, []Grant{user(alice, FullControl), group(AllUsers, Read), group(AllUsers, Write)}},
		{"aws-exec-read", alice, alice, []Grant{user(alice, FullControl), user(EC2, Read)}},
		{"authenticated-read", alice, alice, []Grant{user(alice, FullControl), group(AuthenticatedUsers, Read)}},
		{"bucket-owner-read", alice, alice, []Grant{user(alice, FullControl)}},
		{"bucket-owner-full-control", alice, alice, []Grant{user(alice, FullControl)}},
		{"log-delivery-write", alice, alice, []Grant{user(alice, FullControl), group(LogDelivery, Write), group(LogDelivery, ReadACP)}},
		// Objects bob writes in alice's bucket.
		{"private", bob, alice, []Grant{user(bob, FullControl)}},
		{"public-read", bob, alice, []Grant{user(bob, FullControl), group(AllUsers, Read)}},
		{"authenticated-read", bob, alice, []Grant{user(bob, FullControl), group(AuthenticatedUsers, Read)}},
		{"bucket-owner-read", bob, alice, []Grant{user(bob, FullControl), user(alice, Read)}},
		{"bucket-owner-full-control", bob, alice, []Grant{user(bob, FullControl), user(alice, FullControl)}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.owner.DisplayName+"-in-"+tt.bown.DisplayName, func(t *testing.T) {
			got, err := Canned(tt.name, tt.owner, tt.bown)
			if err != nil {
				t.Fatal(err)
			}
			want := ACL{Owner: tt.owner, Grants: tt.want}
			if !got.Equal(want) {
				t.Fatalf("Canned(%q) =\n%+v\nwant\n%+v", tt.name, got, want)
			}
		})
	}
	for _, name := range CannedNames {
		if _, err := Canned(name, alice, bob); err != nil {
			t.Errorf("Canned(%q): %v", name, err)
		}
	}
}

func TestCannedUnknown(t *testing.T) {
	for _, name := range []string{"", "public", "Private", "public-ready", " private"} {
		_, err := Canned(name, alice, alice)
		wantAWSError(t, err, 400, "InvalidArgument", "", [2]string{"ArgumentName", "x-amz-acl"}, [2]string{"ArgumentValue", name})
	}
}

func TestAllows(t *testing.T) {
	aclOf := func(gs ...Grant) ACL { return ACL{Owner: alice, Grants: gs} }
	type who struct {
		id   string
		auth bool
	}
	var (
		owner = who{alice.ID, true}
		other = who{bob.ID, true}
		anon  = who{"", false}
	)
	tests := []struct {
		name string
		acl  ACL
		who  who
		perm Permission
		want bool
	}{
		{"owner full control reads", Private(alice), owner, Read, true},
		{"owner full control writes", Private(alice), owner, Write, true},
		{"private other read", Private(alice), other, Read, false},
		{"private anon read", Private(alice), anon, Read, false},
		{"owner keeps READ_ACP with no grants", aclOf(), owner, ReadACP, true},
		{"owner keeps WRITE_ACP with no grants", aclOf(), owner, WriteACP, true},
		{"owner loses READ with no grants", aclOf(), owner, Read, false},
		{"owner loses WRITE with no grants", aclOf(), owner, Write, false},
		{"user READ reads", aclOf(user(bob, Read)), other, Read, true},
		{"user READ does not write", aclOf(user(bob, Read)), other, Write, false},
		{"user READ does not read acl", aclOf(user(bob, Read)), other, ReadACP, false},
		{"user READ_ACP reads acl", aclOf(user(bob, ReadACP)), other, ReadACP, true},
		{"user READ_ACP does not read", aclOf(user(bob, ReadACP)), other, Read, false},
		{"user WRITE writes", aclOf(user(bob, Write)), other, Write, true},
		{"user WRITE_ACP writes acl", aclOf(user(bob, WriteACP)), other, WriteACP, true},
		{"user WRITE_ACP does not write", aclOf(user(bob, WriteACP)), other, Write, false},
		{"user FULL_CONTROL writes acl", aclOf(user(bob, FullControl)), other, WriteACP, true},
		{"grant to someone else", aclOf(user(carol, FullControl)), other, Read, false},
		{"anon does not match empty id", aclOf(Grant{Grantee{Type: TypeCanonicalUser}, Read}), anon, Read, false},
		{"AllUsers anon", aclOf(group(AllUsers, Read)), anon, Read, true},
		{"AllUsers signed", aclOf(group(AllUsers, Read)), other, Read, true},
		{"AllUsers READ not WRITE", aclOf(group(AllUsers, Read)), anon, Write, false},
		{"AllUsers WRITE", aclOf(group(AllUsers, Write)), anon, Write, true},
		{"AuthenticatedUsers anon", aclOf(group(AuthenticatedUsers, Read)), anon, Read, false},
		{"AuthenticatedUsers signed", aclOf(group(AuthenticatedUsers, Read)), other, Read, true},
		{"AuthenticatedUsers signed, no canonical id", aclOf(group(AuthenticatedUsers, Read)), who{"", true}, Read, true},
		{"LogDelivery matches nobody", aclOf(group(LogDelivery, FullControl)), other, Write, false},
		{"e-mail grant matches nobody", aclOf(Grant{Grantee{Type: TypeEmail, Email: "bob@example.com"}, Read}), other, Read, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.acl.Allows(tt.who.id, tt.who.auth, tt.perm); got != tt.want {
				t.Fatalf("Allows(%q, %v, %s) = %v, want %v", tt.who.id, tt.who.auth, tt.perm, got, tt.want)
			}
		})
	}
}

func TestIsPublic(t *testing.T) {
	tests := []struct {
		canned string
		want   bool
	}{
		{"private", false},
		{"public-read", true},
		{"public-read-write", true},
		{"authenticated-read", true},
		{"aws-exec-read", false},
		{"bucket-owner-read", false},
		{"bucket-owner-full-control", false},
		{"log-delivery-write", false},
	}
	for _, tt := range tests {
		a, err := Canned(tt.canned, bob, alice)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.IsPublic(); got != tt.want {
			t.Errorf("%s: IsPublic = %v, want %v", tt.canned, got, tt.want)
		}
		w := a.WithoutPublic()
		if w.IsPublic() {
			t.Errorf("%s: WithoutPublic is public", tt.canned)
		}
		if !tt.want && !w.Equal(a) {
			t.Errorf("%s: WithoutPublic changed a private ACL: %+v", tt.canned, w)
		}
		if !w.Allows(bob.ID, true, FullControl) {
			t.Errorf("%s: WithoutPublic dropped the owner's grant", tt.canned)
		}
		if a.Allows("", false, Read) != (tt.canned == "public-read" || tt.canned == "public-read-write") {
			t.Errorf("%s: anonymous read = %v", tt.canned, a.Allows("", false, Read))
		}
		if w.Allows("", false, Read) || w.Allows(carol.ID, true, Read) {
			t.Errorf("%s: WithoutPublic still lets others read", tt.canned)
		}
	}
	// WithoutPublic must not touch its receiver.
	a, _ := Canned("public-read-write", alice, alice)
	_ = a.WithoutPublic()
	if len(a.Grants) != 3 {
		t.Fatalf("WithoutPublic changed its receiver: %+v", a)
	}
}

func TestGroupsFirst(t *testing.T) {
	a, _ := Canned("public-read-write", alice, alice)
	got := a.GroupsFirst()
	want := ACL{Owner: alice, Grants: []Grant{group(AllUsers, Read), group(AllUsers, Write), user(alice, FullControl)}}
	if !got.Equal(want) {
		t.Fatalf("GroupsFirst = %+v, want %+v", got, want)
	}
	if a.Grants[0].Grantee.Type != TypeCanonicalUser {
		t.Fatal("GroupsFirst changed its receiver")
	}
}

func TestStorageRoundTrip(t *testing.T) {
	acls := []ACL{
		Private(alice),
		{Owner: alice},
		{Owner: Owner{ID: "x"}, Grants: []Grant{group(LogDelivery, Write), user(bob, ReadACP), {Grantee{Type: TypeEmail, Email: "e@x"}, Read}}},
	}
	for _, name := range CannedNames {
		a, _ := Canned(name, bob, alice)
		acls = append(acls, a)
	}
	for _, a := range acls {
		b := a.Marshal()
		got, err := Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(a) {
			t.Fatalf("round trip of %s = %+v, want %+v", b, got, a)
		}
	}
	// The stored form is stable: this is what version 1 looks like.
	const v1 = `{"v":1,"o":{"id":"o","dn":"n"},"g":[{"t":"CanonicalUser","id":"o","dn":"n","p":"FULL_CONTROL"},{"t":"Group","uri":"http://acs.amazonaws.com/groups/global/AllUsers","p":"READ"}]}`
	a, _ := Canned("public-read", Owner{"o", "n"}, Owner{"o", "n"})
	if got := string(a.Marshal()); got != v1 {
		t.Fatalf("Marshal = %s\nwant %s", got, v1)
	}
	for _, bad := range []string{``, `{`, `{"v":2}`, `{"v":1,"g":[{"t":"Group","p":"ALL"}]}`, `[]`} {
		if _, err := Unmarshal([]byte(bad)); err == nil {
			t.Errorf("Unmarshal(%q) succeeded", bad)
		}
	}
}
