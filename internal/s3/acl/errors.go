package acl

import (
	"net/http"

	"github.com/gureum/gureum/internal/awsproto"
)

// The errors of setting an ACL, with S3's codes and messages. Where each was
// seen:
//   - InvalidArgument "" x-amz-acl: AWS's answer to an unknown canned ACL
//     (versitygw issues #1367, #1379, quoting S3; node-s3-uploader #44).
//   - InvalidArgument "Argument format not recognized" <header>: a grant
//     header S3 cannot read; "Invalid id" id: an unknown canonical id in a
//     header (versitygw #1384, quoting S3).
//   - InvalidArgument "Invalid id" CanonicalUser/ID: an unknown id in an
//     AccessControlPolicy (ceph/s3-tests' fails_on_aws notes).
//   - InvalidArgument "Invalid group uri": an unknown group (aws-sdk-ruby
//     #826, marcel/aws-s3 #39).
//   - UnresolvableGrantByEmailAddress "The e-mail address you provided does
//     not match any account on record." (aws-sdk-ruby #826; s3-tests
//     test_bucket_acl_grant_email_not_exist).
//   - MalformedACLError "The XML you provided was not well-formed or did not
//     validate against our published schema" (S3 error code list).
//   - InvalidRequest "Specifying both Canned ACLs and Header Grants is not
//     allowed" (moto #4023 and knox #90, quoting S3).
//   - UnexpectedContent "This request does not support content" (minio-java
//     #253, aws-sdk-php #223, quoting S3).
//   - MissingSecurityHeader "Your request was missing a required header"
//     with MissingHeaderName x-amz-acl: PutBucketAcl/PutObjectAcl with no ACL
//     at all (S3 error code list).
//   - AccessDenied "Access Denied": an AccessControlPolicy whose Owner is not
//     the resource's owner (s3-tests test_object_giveaway, removed with the
//     boto2 tests; scality/cloudserver #367).
//   - AccessControlListNotSupported "The bucket does not allow ACLs": ACLs
//     set on a bucket with ObjectOwnership BucketOwnerEnforced (s3-tests
//     object ownership tests; AWS user guide).

func invalidArgument(msg, name, value string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidArgument", msg).With("ArgumentName", name).With("ArgumentValue", value)
}

func errInvalidCanned(name string) *awsproto.Error {
	return invalidArgument("", "x-amz-acl", name)
}

func errBadGrantHeader(header, value string) *awsproto.Error {
	return invalidArgument("Argument format not recognized", header, value)
}

func errInvalidID(argName, id string) *awsproto.Error {
	return invalidArgument("Invalid id", argName, id)
}

func errInvalidGroup(argName, uri string) *awsproto.Error {
	return invalidArgument("Invalid group uri", argName, uri)
}

func errUnresolvableEmail(email string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "UnresolvableGrantByEmailAddress", "The e-mail address you provided does not match any account on record.").With("EmailAddress", email)
}

// ErrMalformedACL returns S3's MalformedACLError: an AccessControlPolicy
// that is not XML or not of S3's schema.
func ErrMalformedACL() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema")
}

// ErrCannedAndGrants returns S3's answer to a request with both x-amz-acl
// and x-amz-grant-* headers.
func ErrCannedAndGrants() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed")
}

// ErrUnexpectedContent returns S3's answer to PutBucketAcl or PutObjectAcl
// with an ACL in both the headers and the body.
func ErrUnexpectedContent() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "UnexpectedContent", "This request does not support content")
}

// ErrMissingACL returns S3's answer to PutBucketAcl or PutObjectAcl with no
// ACL in either the headers or the body.
func ErrMissingACL() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "MissingSecurityHeader", "Your request was missing a required header").With("MissingHeaderName", "x-amz-acl")
}

// ErrOwnerChange returns S3's answer to an AccessControlPolicy whose Owner
// is not the owner of the bucket or object: an ACL cannot give a resource
// away.
func ErrOwnerChange() *awsproto.Error {
	return awsproto.New(http.StatusForbidden, "AccessDenied", "Access Denied")
}

// ErrACLNotSupported returns S3's answer to setting an ACL other than
// bucket-owner-full-control on a bucket whose ObjectOwnership is
// BucketOwnerEnforced.
func ErrACLNotSupported() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "AccessControlListNotSupported", "The bucket does not allow ACLs")
}
