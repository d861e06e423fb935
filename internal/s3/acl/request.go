package acl

import "net/http"

// Resolve checks the grantees of an ACL parsed from an AccessControlPolicy
// and returns it as S3 stores it: each canonical user with the display name
// the Resolver gives (the one in the document is ignored), each e-mail
// grantee turned into the canonical user it names, and the owner given
// owner's display name when its id is owner's.
//
// An unknown id is InvalidArgument "Invalid id" naming CanonicalUser/ID; an
// unknown e-mail address UnresolvableGrantByEmailAddress.
func Resolve(a ACL, owner Owner, r Resolver) (ACL, error) {
	c := a.Clone()
	if c.Owner.ID == owner.ID {
		c.Owner.DisplayName = owner.DisplayName
	}
	for i := range c.Grants {
		g := &c.Grants[i].Grantee
		switch g.Type {
		case TypeCanonicalUser:
			name, ok := r.id(g.ID)
			if !ok {
				return ACL{}, errInvalidID("CanonicalUser/ID", g.ID)
			}
			g.DisplayName = name
		case TypeEmail:
			id, name, ok := r.email(g.Email)
			if !ok {
				return ACL{}, errUnresolvableEmail(g.Email)
			}
			*g = Grantee{Type: TypeCanonicalUser, ID: id, DisplayName: name}
		}
	}
	return c, nil
}

// ForRequest reads the ACL a PutBucketAcl or PutObjectAcl request sets, in
// the one form S3 lets it take: a canned ACL (x-amz-acl), grant headers
// (x-amz-grant-*), or an AccessControlPolicy body. owner owns the bucket or
// object; bucketOwner owns the bucket (the same, for PutBucketAcl).
//
// S3's rules, in the order they are checked:
//   - x-amz-acl with x-amz-grant-*: InvalidRequest "Specifying both Canned
//     ACLs and Header Grants is not allowed";
//   - headers with a non-empty body: UnexpectedContent "This request does
//     not support content";
//   - neither headers nor body: MissingSecurityHeader;
//   - a body that is not an AccessControlPolicy: MalformedACLError;
//   - a body whose Owner ID is not owner's: AccessDenied (an ACL cannot
//     change who owns a resource);
//   - unknown grantees: as Resolve and FromGrantHeaders say.
//
// Whether the requester may write the ACL at all (WRITE_ACP), and whether
// Block Public Access or BucketOwnerEnforced refuses it, is for the caller.
func ForRequest(h http.Header, body []byte, owner, bucketOwner Owner, r Resolver) (ACL, error) {
	if err := CheckHeaders(h); err != nil {
		return ACL{}, err
	}
	canned, grants := HasCanned(h), HasGrants(h)
	if (canned || grants) && len(body) > 0 {
		return ACL{}, ErrUnexpectedContent()
	}
	switch {
	case canned:
		return Canned(h.Get(CannedHeader), owner, bucketOwner)
	case grants:
		a, _, err := FromGrantHeadersResolver(h, owner, r)
		return a, err
	case len(body) == 0:
		return ACL{}, ErrMissingACL()
	}
	a, err := ParseXML(body)
	if err != nil {
		return ACL{}, err
	}
	if a.Owner.ID != owner.ID {
		return ACL{}, ErrOwnerChange()
	}
	return Resolve(a, owner, r)
}

// ForCreate reads the ACL a request that creates a bucket or object sets
// (CreateBucket, PutObject, CopyObject, CreateMultipartUpload, and POST
// Object's form once turned into headers): a canned ACL, grant headers, or,
// with neither, Private(owner). Both is InvalidRequest, as CheckHeaders
// says. For a bucket pass bucketOwner == owner.
func ForCreate(h http.Header, owner, bucketOwner Owner, r Resolver) (ACL, error) {
	if err := CheckHeaders(h); err != nil {
		return ACL{}, err
	}
	if HasCanned(h) {
		return Canned(h.Get(CannedHeader), owner, bucketOwner)
	}
	a, ok, err := FromGrantHeadersResolver(h, owner, r)
	if err != nil {
		return ACL{}, err
	}
	if !ok {
		return Private(owner), nil
	}
	return a, nil
}
