package kms

import (
	"net/http"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/awsjson"
)

// KMS's errors, with the codes of botocore's model and AWS's messages. The
// API reference gives every client error HTTP 400 (AccessDeniedException
// included: KMS does not answer 403) and DryRunOperationException 412;
// https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html.

func errNotFound(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "NotFoundException", msg)
}

// errKeyNotFound is KMS's answer for a well-formed key that does not exist.
func errKeyNotFound(arn string) *awsproto.Error {
	return errNotFound("Key '" + arn + "' does not exist")
}

// errInvalidKeyID is KMS's answer for a key id that cannot be one.
func errInvalidKeyID(ref string) *awsproto.Error {
	return errNotFound("Invalid keyId '" + ref + "'")
}

func errAliasNotFound(aliasARN string) *awsproto.Error {
	return errNotFound("Alias " + aliasARN + " is not found.")
}

func errDisabled(arn string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "DisabledException", arn+" is disabled.")
}

func errInvalidState(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "KMSInvalidStateException", msg)
}

func errPendingDeletion(arn string) *awsproto.Error {
	return errInvalidState(arn + " is pending deletion.")
}

// errInvalidCiphertext carries no message: KMS tells nothing about why a
// ciphertext (or its encryption context) was refused.
func errInvalidCiphertext() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidCiphertextException", "")
}

func errIncorrectKey() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "IncorrectKeyException",
		"The key ID in the request does not identify a CMK that can perform this operation.")
}

func errValidation(msg string) *awsproto.Error { return awsjson.ValidationException(msg) }

func errAlreadyExists(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "AlreadyExistsException", msg)
}

// errNotAuthorized is KMS's answer to a change of an alias under
// alias/aws/, which only AWS may make; like KMS it says nothing more.
func errNotAuthorized() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "NotAuthorizedException", "")
}

func errMalformedPolicy(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "MalformedPolicyDocumentException", msg)
}

func errTag(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "TagException", msg)
}

func errInvalidMarker() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidMarkerException", "Invalid marker")
}

func errInvalidGrantID() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidGrantIdException", "Invalid grant ID")
}

func errInvalidGrantToken() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidGrantTokenException", "Invalid grant token")
}

func errInvalidKeyUsage(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidKeyUsageException", msg)
}

func errUnsupported(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "UnsupportedOperationException", msg)
}

func errDryRun() *awsproto.Error {
	return awsproto.New(http.StatusPreconditionFailed, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
}

// errNotImplemented answers what AWS KMS has and gureum's does not.
func errNotImplemented(msg string) *awsproto.Error {
	return awsproto.New(http.StatusNotImplemented, "NotImplemented", msg)
}
