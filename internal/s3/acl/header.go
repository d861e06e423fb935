package acl

import (
	"net/http"
	"strings"
)

// CannedHeader is the header that names a canned ACL.
const CannedHeader = "x-amz-acl"

// GrantHeaders are the x-amz-grant-* headers and the permission each grants,
// in the order their grants are listed (that of ceph/s3-tests'
// test_object_header_acl_grants).
var GrantHeaders = []struct {
	Name       string
	Permission Permission
}{
	{"x-amz-grant-read", Read},
	{"x-amz-grant-write", Write},
	{"x-amz-grant-read-acp", ReadACP},
	{"x-amz-grant-write-acp", WriteACP},
	{"x-amz-grant-full-control", FullControl},
}

// Resolver checks the grantees a request names against the accounts the
// server knows.
type Resolver struct {
	// ID returns the display name of the account whose canonical user id
	// is id, and whether there is one. Nil knows no ids.
	ID func(id string) (displayName string, ok bool)
	// Email returns the canonical user id and display name of the account
	// with this e-mail address, and whether there is one. Nil knows none,
	// so every e-mail grantee is UnresolvableGrantByEmailAddress.
	Email func(email string) (id, displayName string, ok bool)
}

func (r Resolver) id(id string) (string, bool) {
	if r.ID == nil {
		return "", false
	}
	return r.ID(id)
}

func (r Resolver) email(email string) (string, string, bool) {
	if r.Email == nil {
		return "", "", false
	}
	return r.Email(email)
}

// HasCanned reports whether h names a canned ACL.
func HasCanned(h http.Header) bool { return len(h.Values(CannedHeader)) > 0 }

// HasGrants reports whether h holds any x-amz-grant-* header.
func HasGrants(h http.Header) bool {
	for _, gh := range GrantHeaders {
		if len(h.Values(gh.Name)) > 0 {
			return true
		}
	}
	return false
}

// CheckHeaders applies S3's rule that a request names its ACL either by a
// canned ACL or by grant headers, never both: both is InvalidRequest
// "Specifying both Canned ACLs and Header Grants is not allowed". It holds
// for CreateBucket, PutObject, CopyObject, CreateMultipartUpload,
// PutBucketAcl and PutObjectAcl.
func CheckHeaders(h http.Header) error {
	if HasCanned(h) && HasGrants(h) {
		return ErrCannedAndGrants()
	}
	return nil
}

// FromGrantHeaders builds an ACL owned by owner from the x-amz-grant-*
// headers of h; ok is false when there are none. Each header holds
// comma-separated grantees, each id=…, uri=… or emailAddress=…, the value
// quoted or not: id="1234…", uri="http://acs.amazonaws.com/groups/global/AllUsers".
// resolveID gives the display name of a known canonical id.
//
// Errors: a header S3 cannot read is InvalidArgument "Argument format not
// recognized" naming the header; an unknown id InvalidArgument "Invalid id";
// an unknown group InvalidArgument "Invalid group uri"; an e-mail grantee
// UnresolvableGrantByEmailAddress (use FromGrantHeadersResolver to resolve
// e-mail addresses). Unlike a canned ACL, grant headers give the owner
// nothing it does not name.
func FromGrantHeaders(h http.Header, owner Owner, resolveID func(id string) (string, bool)) (acl ACL, ok bool, err error) {
	return FromGrantHeadersResolver(h, owner, Resolver{ID: resolveID})
}

// FromGrantHeadersResolver is FromGrantHeaders with a full Resolver.
func FromGrantHeadersResolver(h http.Header, owner Owner, r Resolver) (acl ACL, ok bool, err error) {
	acl.Owner = owner
	for _, gh := range GrantHeaders {
		values := h.Values(gh.Name)
		if len(values) == 0 {
			continue
		}
		ok = true
		value := strings.Join(values, ",")
		grantees, perr := parseGrantees(value)
		if perr {
			return ACL{}, false, errBadGrantHeader(gh.Name, value)
		}
		for _, kv := range grantees {
			g, err := headerGrantee(kv[0], kv[1], r)
			if err != nil {
				return ACL{}, false, err
			}
			acl.Grants = append(acl.Grants, Grant{g, gh.Permission})
		}
	}
	if !ok {
		return ACL{}, false, nil
	}
	return acl, true, nil
}

// headerGrantee resolves one key=value grantee of a grant header.
func headerGrantee(key, value string, r Resolver) (Grantee, error) {
	switch strings.ToLower(key) {
	case "id":
		name, ok := r.id(value)
		if !ok {
			return Grantee{}, errInvalidID("id", value)
		}
		return Grantee{Type: TypeCanonicalUser, ID: value, DisplayName: name}, nil
	case "uri":
		if !KnownGroup(value) {
			return Grantee{}, errInvalidGroup("uri", value)
		}
		return Group(value), nil
	default: // "emailaddress", checked by parseGrantees
		id, name, ok := r.email(value)
		if !ok {
			return Grantee{}, errUnresolvableEmail(value)
		}
		return Grantee{Type: TypeCanonicalUser, ID: id, DisplayName: name}, nil
	}
}

// parseGrantees splits a grant header's value into key, value pairs. bad
// is true when the value is not a comma-separated list of id=, uri= or
// emailAddress= grantees with non-empty values. Quoted values run to the
// next quote and may hold commas; unquoted ones run to the next comma and
// are trimmed.
func parseGrantees(s string) (kvs [][2]string, bad bool) {
	i := 0
	for {
		i = skipSpace(s, i)
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return nil, true
		}
		key := strings.TrimRight(s[i:i+eq], " \t")
		switch strings.ToLower(key) {
		case "id", "uri", "emailaddress":
		default:
			return nil, true
		}
		i = skipSpace(s, i+eq+1)
		var value string
		if i < len(s) && s[i] == '"' {
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, true
			}
			value = s[i+1 : i+1+end]
			i = skipSpace(s, i+end+2)
			if i < len(s) && s[i] != ',' {
				return nil, true
			}
		} else {
			end := strings.IndexByte(s[i:], ',')
			if end < 0 {
				end = len(s) - i
			}
			value = strings.TrimRight(s[i:i+end], " \t")
			i += end
			if strings.ContainsAny(value, "\"=") {
				return nil, true
			}
		}
		if value == "" {
			return nil, true
		}
		kvs = append(kvs, [2]string{key, value})
		if i >= len(s) {
			return kvs, false
		}
		i++ // the comma
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}
