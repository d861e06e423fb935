package s3

import (
	"net/http"
	"strconv"

	"github.com/gureum/gureum/internal/awsproto"
)

// S3's errors, with AWS's codes, statuses and messages.

func errNoSuchBucket(bucket string) *awsproto.Error {
	return awsproto.New(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", bucket)
}

func errNoSuchKey(key string) *awsproto.Error {
	return awsproto.New(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.").With("Key", key)
}

func errNoSuchVersion(key, version string) *awsproto.Error {
	return awsproto.New(http.StatusNotFound, "NoSuchVersion", "The specified version does not exist.").With("Key", key).With("VersionId", version)
}

func errInvalidVersionID(version string) *awsproto.Error {
	return invalidArgument("Invalid version id specified", "versionId", version)
}

func errNoSuchUpload(uploadID string) *awsproto.Error {
	return awsproto.New(http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").With("UploadId", uploadID)
}

func errInvalidBucketName(bucket string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.").With("BucketName", bucket)
}

func errBucketAlreadyExists(bucket string) *awsproto.Error {
	return awsproto.New(http.StatusConflict, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").With("BucketName", bucket)
}

func errBucketAlreadyOwnedByYou(bucket string) *awsproto.Error {
	return awsproto.New(http.StatusConflict, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", bucket)
}

func errBucketNotEmpty(bucket string, versioned bool) *awsproto.Error {
	msg := "The bucket you tried to delete is not empty"
	if versioned {
		msg = "The bucket you tried to delete is not empty. You must delete all versions in the bucket."
	}
	return awsproto.New(http.StatusConflict, "BucketNotEmpty", msg).With("BucketName", bucket)
}

func errAccessDenied() *awsproto.Error {
	return awsproto.New(http.StatusForbidden, "AccessDenied", "Access Denied")
}

func errMalformedXML() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

func errInvalidRequest(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidRequest", msg)
}

func invalidArgument(msg, name, value string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidArgument", msg).With("ArgumentName", name).With("ArgumentValue", value)
}

func errPreconditionFailed(condition string) *awsproto.Error {
	return awsproto.New(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold").With("Condition", condition)
}

func errInvalidRange(requested string, size int64) *awsproto.Error {
	return awsproto.New(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable").
		With("RangeRequested", requested).With("ActualObjectSize", strconv.FormatInt(size, 10))
}

func errBadDigest(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "BadDigest", msg)
}

func errEntityTooLarge(size, max int64) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").
		With("ProposedSize", strconv.FormatInt(size, 10)).With("MaxSizeAllowed", strconv.FormatInt(max, 10))
}

func errMissingContentLength() *awsproto.Error {
	return awsproto.New(http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
}

func errIncompleteBody() *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
}

func errInvalidTag(msg string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidTag", msg)
}

func errNotImplemented(op string) *awsproto.Error {
	// S3's own sentence is about headers; the caller sent none here, so
	// the operation is named instead.
	return awsproto.New(http.StatusNotImplemented, "NotImplemented", "The operation "+op+" is not implemented by gureum.").With("Operation", op)
}

// errNotImplementedHeader is S3's answer to a request header that asks
// for something it does not do.
func errNotImplementedHeader(header string) *awsproto.Error {
	return awsproto.New(http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented.").With("Header", header)
}

func errMethodNotAllowed(method, resourceType string) *awsproto.Error {
	return awsproto.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.").
		With("Method", method).With("ResourceType", resourceType)
}

// errInvalidPartNumber is S3's answer to a GET or HEAD of a part the object
// does not have.
func errInvalidPartNumber(n int) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.").
		With("PartNumber", strconv.Itoa(n))
}
