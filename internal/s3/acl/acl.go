// Package acl holds S3 access control lists: the canned ACLs, the
// x-amz-grant-* headers and the AccessControlPolicy document that set them,
// the document GetBucketAcl and GetObjectAcl return, and the rule that says
// whether an ACL lets a requester do something.
//
// It is pure: no I/O, no store. Grantee ids and e-mail addresses are checked
// through a Resolver the caller passes, so the package knows nothing of
// gureum's accounts. Keeping ACLs apart from the S3 handlers lets the policy
// evaluator, Block Public Access and the handlers share one reading of them,
// and lets the parsers be fuzzed on their own.
//
// Errors are *awsproto.Error with S3's codes and messages; errors.go names
// where each one was seen.
package acl

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// Permission is what a grant allows.
type Permission string

// The permissions of an S3 ACL grant.
const (
	Read        Permission = "READ"
	Write       Permission = "WRITE"
	ReadACP     Permission = "READ_ACP"
	WriteACP    Permission = "WRITE_ACP"
	FullControl Permission = "FULL_CONTROL"
)

// Valid reports whether p is one of S3's five permissions.
func (p Permission) Valid() bool {
	switch p {
	case Read, Write, ReadACP, WriteACP, FullControl:
		return true
	}
	return false
}

// The predefined groups S3 grants to by URI.
const (
	AllUsers           = "http://acs.amazonaws.com/groups/global/AllUsers"
	AuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	LogDelivery        = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// The grantee types, as xsi:type names them.
const (
	TypeCanonicalUser = "CanonicalUser"
	TypeGroup         = "Group"
	TypeEmail         = "AmazonCustomerByEmail"
)

// EC2 is the canonical user S3 grants READ in the aws-exec-read canned ACL
// (Amazon EC2 reading AMI bundles). S3 answers it as a CanonicalUser grant
// with this id and the display name "za-team".
var EC2 = Owner{ID: "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c", DisplayName: "za-team"}

// Owner is the owner of a bucket or object: a canonical user id and the
// display name S3 shows with it.
type Owner struct {
	ID          string
	DisplayName string
}

// Grantee is who a grant is for. Type is TypeCanonicalUser (ID, and
// DisplayName when known), TypeGroup (URI) or TypeEmail (Email). A stored
// ACL holds no TypeEmail grantees: S3 resolves them to canonical users when
// the ACL is set.
type Grantee struct {
	Type        string
	ID          string
	DisplayName string
	URI         string
	Email       string
}

// Grant is one grantee and one permission.
type Grant struct {
	Grantee    Grantee
	Permission Permission
}

// ACL is the access control list of a bucket or object: its owner and its
// grants, in the order S3 lists them.
type ACL struct {
	Owner  Owner
	Grants []Grant
}

// CanonicalID returns the canonical user id gureum gives an account: 64 hex
// digits, stable for the account. It is the derivation internal/s3 already
// uses for bucket owners (s3.CanonicalID), so both agree.
func CanonicalID(account string) string {
	sum := sha256.Sum256([]byte("gureum-canonical-user:" + account))
	return hex.EncodeToString(sum[:])
}

// User returns a canonical-user grantee for o.
func User(o Owner) Grantee {
	return Grantee{Type: TypeCanonicalUser, ID: o.ID, DisplayName: o.DisplayName}
}

// Group returns a group grantee for uri.
func Group(uri string) Grantee { return Grantee{Type: TypeGroup, URI: uri} }

// KnownGroup reports whether uri is one of S3's predefined groups.
func KnownGroup(uri string) bool {
	return uri == AllUsers || uri == AuthenticatedUsers || uri == LogDelivery
}

// Private returns the ACL S3 gives a new bucket or object: the owner has
// FULL_CONTROL and nobody else has anything.
func Private(owner Owner) ACL {
	return ACL{Owner: owner, Grants: []Grant{{User(owner), FullControl}}}
}

// CannedNames lists the canned ACLs, in the order of AWS's canned ACL table.
var CannedNames = []string{
	"private", "public-read", "public-read-write", "aws-exec-read", "authenticated-read",
	"bucket-owner-read", "bucket-owner-full-control", "log-delivery-write",
}

// Canned expands a canned ACL (the x-amz-acl header) as AWS's canned ACL
// table defines it. For a bucket pass bucketOwner == owner; for an object,
// owner is the object's owner (its writer) and bucketOwner the bucket's.
//
// The owner's FULL_CONTROL grant comes first, then the others in the order
// the table names them. bucket-owner-read and bucket-owner-full-control add
// nothing when the bucket owner is the owner (so on a bucket, where AWS
// ignores them, they act as private). An unknown name is S3's
// InvalidArgument with an empty message, naming x-amz-acl.
func Canned(name string, owner, bucketOwner Owner) (ACL, error) {
	a := Private(owner)
	add := func(g Grantee, p Permission) { a.Grants = append(a.Grants, Grant{g, p}) }
	switch name {
	case "private":
	case "public-read":
		add(Group(AllUsers), Read)
	case "public-read-write":
		add(Group(AllUsers), Read)
		add(Group(AllUsers), Write)
	case "aws-exec-read":
		add(User(EC2), Read)
	case "authenticated-read":
		add(Group(AuthenticatedUsers), Read)
	case "bucket-owner-read":
		if bucketOwner.ID != owner.ID {
			add(User(bucketOwner), Read)
		}
	case "bucket-owner-full-control":
		if bucketOwner.ID != owner.ID {
			add(User(bucketOwner), FullControl)
		}
	case "log-delivery-write":
		add(Group(LogDelivery), Write)
		add(Group(LogDelivery), ReadACP)
	default:
		return ACL{}, errInvalidCanned(name)
	}
	return a, nil
}

// Allows reports whether a lets a requester do what perm names. canonicalID
// is the requester's canonical user id ("" for an anonymous request);
// authenticated is true for any signed request, of any account.
//
// A grant matches when it names the requester's canonical id, AllUsers, or
// (for a signed request) AuthenticatedUsers, and its permission is perm or
// FULL_CONTROL. LogDelivery grants match no requester: they are for S3's own
// log delivery. As in S3, the owner of the resource may always read and
// write its ACL (READ_ACP, WRITE_ACP), whatever the grants say.
func (a ACL) Allows(canonicalID string, authenticated bool, perm Permission) bool {
	if canonicalID != "" && canonicalID == a.Owner.ID && (perm == ReadACP || perm == WriteACP) {
		return true
	}
	for _, g := range a.Grants {
		if g.Permission != perm && g.Permission != FullControl {
			continue
		}
		switch g.Grantee.Type {
		case TypeCanonicalUser:
			if canonicalID != "" && g.Grantee.ID == canonicalID {
				return true
			}
		case TypeGroup:
			switch g.Grantee.URI {
			case AllUsers:
				return true
			case AuthenticatedUsers:
				if authenticated {
					return true
				}
			}
		}
	}
	return false
}

// IsPublic reports whether a grants anything to AllUsers or
// AuthenticatedUsers: S3 Block Public Access counts such an ACL as public
// (BlockPublicAcls refuses it, IgnorePublicAcls disregards its grants).
func (a ACL) IsPublic() bool {
	return slices.ContainsFunc(a.Grants, isPublicGrant)
}

// WithoutPublic returns a copy of a without its AllUsers and
// AuthenticatedUsers grants: the ACL S3 evaluates under IgnorePublicAcls.
func (a ACL) WithoutPublic() ACL {
	c := a.Clone()
	c.Grants = slices.DeleteFunc(c.Grants, isPublicGrant)
	return c
}

func isPublicGrant(g Grant) bool {
	return g.Grantee.Type == TypeGroup && (g.Grantee.URI == AllUsers || g.Grantee.URI == AuthenticatedUsers)
}

// Clone returns a copy of a that shares no memory with it.
func (a ACL) Clone() ACL {
	a.Grants = slices.Clone(a.Grants)
	return a
}

// GroupsFirst returns a copy of a with its group grants moved before the
// others, each kind kept in order. It is the order Ceph RGW answers in,
// which ceph/s3-tests' check_grants relies on (it sorts by DisplayName only
// when the first grant has one, and a group grant has none); AWS lists
// grants as they were set, owner first for canned ACLs.
func (a ACL) GroupsFirst() ACL {
	c := a.Clone()
	slices.SortStableFunc(c.Grants, func(x, y Grant) int {
		gx, gy := x.Grantee.Type == TypeGroup, y.Grantee.Type == TypeGroup
		switch {
		case gx && !gy:
			return -1
		case gy && !gx:
			return 1
		}
		return 0
	})
	return c
}

// Equal reports whether a and b have the same owner and the same grants in
// the same order.
func (a ACL) Equal(b ACL) bool {
	return a.Owner == b.Owner && slices.Equal(a.Grants, b.Grants)
}
