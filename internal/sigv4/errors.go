package sigv4

import (
	"errors"

	"fmt"
	"github.com/gureum/gureum/internal/awsproto"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrUnknownAccessKey is the error a KeyLookup wraps when it has no secret
// for an access key id.
var ErrUnknownAccessKey = errors.New("sigv4: unknown access key")

// Error is an authentication failure with S3's exact code, message, HTTP
// status and extra XML elements, in the order S3 writes them after
// Message. It is the protocols' error itself, so a caller never converts
// one into the other.
type Error = awsproto.Error

// serverTimeFormat is how S3 writes ServerTime, Expires and the like.
const serverTimeFormat = "2006-01-02T15:04:05Z"

const (
	msgMalformedPrefix  = "The authorization header is malformed; "
	msgCredentialPrefix = "Error parsing the X-Amz-Credential parameter; "
	msgMalformedCred    = `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
	msgComponents       = "the authorization header requires three components: Credential, SignedHeaders, and Signature."
	msgMissingDate      = "AWS authentication requires a valid Date or x-amz-date header"
	msgSkewed           = "The difference between the request time and the current time is too large."
	msgUnknownKey       = "The AWS Access Key Id you provided does not exist in our records."
	msgMismatch         = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	msgNotSigned        = "There were headers present in the request which were not signed"
	msgV2               = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
	msgOneMechanism     = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"
	msgQueryRequired    = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	msgQueryAlgorithm   = `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256"`
	msgQueryDate        = `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`
	msgExpiresNumber    = "X-Amz-Expires should be a number"
	msgExpiresNegative  = "X-Amz-Expires must be non-negative"
	msgExpiresWeek      = "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"
	msgExpired          = "Request has expired"
	msgNotYetValid      = "Request is not yet valid"
	msgSHA256Mismatch   = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgSHA256Invalid    = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."
	msgSHA256Missing    = "Missing required header for this request: x-amz-content-sha256"
	msgAnonymousSigned  = "Anonymous requests don't support this x-amz-content-sha256 value. Please use UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER."
	msgIncompleteBody   = "The request body terminated unexpectedly"
	msgChunkSize        = "Only the last chunk is allowed to have a size less than 8192 bytes"
	msgMalformedTrailer = "The request contained trailing data that was not well-formed or did not conform to our published schema."
	msgMissingLength    = "You must provide the Content-Length HTTP header."
)

func newError(status int, code, message string, extra ...[2]string) *Error {
	return &Error{Code: code, Message: message, Status: status, Extra: extra}
}

// errMalformedHeader is AuthorizationHeaderMalformed with detail after S3's prefix.
func errMalformedHeader(detail string) *Error {
	return newError(http.StatusBadRequest, "AuthorizationHeaderMalformed", msgMalformedPrefix+detail)
}

func errQueryParams(message string) *Error {
	return newError(http.StatusBadRequest, "AuthorizationQueryParametersError", message)
}

func errInvalidArgument(message, name, value string) *Error {
	return newError(http.StatusBadRequest, "InvalidArgument", message,
		[2]string{"ArgumentName", name}, [2]string{"ArgumentValue", value})
}

func errInvalidRequest(message string) *Error {
	return newError(http.StatusBadRequest, "InvalidRequest", message)
}

func errAccessDenied(message string, extra ...[2]string) *Error {
	return newError(http.StatusForbidden, "AccessDenied", message, extra...)
}

func errMissingDate() *Error { return errAccessDenied(msgMissingDate) }

func errSkewed(requestTime string, now time.Time, skew time.Duration) *Error {
	return newError(http.StatusForbidden, "RequestTimeTooSkewed", msgSkewed,
		[2]string{"RequestTime", requestTime},
		[2]string{"ServerTime", now.UTC().Format(serverTimeFormat)},
		[2]string{"MaxAllowedSkewMilliseconds", strconv.FormatInt(skew.Milliseconds(), 10)})
}

func errUnknownKey(accessKeyID string) *Error {
	return newError(http.StatusForbidden, "InvalidAccessKeyId", msgUnknownKey,
		[2]string{"AWSAccessKeyId", accessKeyID})
}

// errMismatch is SignatureDoesNotMatch. canonical is "" where no canonical
// request was signed (chunks, trailers, POST policies); S3 then leaves
// CanonicalRequest and CanonicalRequestBytes out.
func errMismatch(accessKeyID, stringToSign, provided, canonical string) *Error {
	e := newError(http.StatusForbidden, "SignatureDoesNotMatch", msgMismatch,
		[2]string{"AWSAccessKeyId", accessKeyID},
		[2]string{"StringToSign", stringToSign},
		[2]string{"SignatureProvided", provided},
		[2]string{"StringToSignBytes", hexBytes(stringToSign)})
	if canonical != "" {
		e.Extra = append(e.Extra,
			[2]string{"CanonicalRequest", canonical},
			[2]string{"CanonicalRequestBytes", hexBytes(canonical)})
	}
	return e
}

func errNotSigned(names []string) *Error {
	return errAccessDenied(msgNotSigned, [2]string{"HeadersNotSigned", strings.Join(names, ", ")})
}

func errExpired(expires string, end, now time.Time) *Error {
	return errAccessDenied(msgExpired,
		[2]string{"X-Amz-Expires", expires},
		[2]string{"Expires", end.UTC().Format(serverTimeFormat)},
		[2]string{"ServerTime", now.UTC().Format(serverTimeFormat)})
}

// IsExpired reports whether e is the failure of a presigned request past
// its expiry (V4 or V2): AccessDenied with the Expires element.
func IsExpired(e *Error) bool {
	return e.Code == "AccessDenied" && e.Field("Expires") != "" && e.Field("ServerTime") != ""
}

func errNotYetValid(amzDate string, now time.Time) *Error {
	return errAccessDenied(msgNotYetValid,
		[2]string{"X-Amz-Date", amzDate},
		[2]string{"ServerTime", now.UTC().Format(serverTimeFormat)})
}

func errSHA256Mismatch(client, computed string) *Error {
	return newError(http.StatusBadRequest, "XAmzContentSHA256Mismatch", msgSHA256Mismatch,
		[2]string{"ClientComputedContentSHA256", client},
		[2]string{"S3ComputedContentSHA256", computed})
}

func errSHA256Invalid(value string) *Error {
	return errInvalidArgument(msgSHA256Invalid, "x-amz-content-sha256", value)
}

func errIncompleteBody() *Error {
	return newError(http.StatusBadRequest, "IncompleteBody", msgIncompleteBody)
}

func errChunkSize(chunk int, size int64) *Error {
	return newError(http.StatusForbidden, "InvalidChunkSizeError", msgChunkSize,
		[2]string{"Chunk", strconv.Itoa(chunk)},
		[2]string{"BadChunkSize", strconv.FormatInt(size, 10)})
}

func errMalformedTrailer() *Error {
	return newError(http.StatusBadRequest, "MalformedTrailerError", msgMalformedTrailer)
}

func errMissingLength() *Error {
	return newError(http.StatusLengthRequired, "MissingContentLength", msgMissingLength)
}

func errNotImplemented(message string) *Error {
	return newError(http.StatusNotImplemented, "NotImplemented", message)
}

func errBodyTooLarge(limit int64) *Error {
	return newError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
		fmt.Sprintf("The request body is larger than the %d bytes this service accepts.", limit))
}

// errPostField is S3's answer to a browser POST that lacks an auth field.
func errPostField(name string) *Error {
	return errInvalidArgument(
		fmt.Sprintf("Bucket POST must contain a field named '%s'.  If it is specified, please check the order of the fields.", name),
		name, "")
}

// maxHexBytes bounds the StringToSignBytes and CanonicalRequestBytes extras,
// which are three times as long as the text they show.
const maxHexBytes = 64 << 10

// hexBytes writes s as S3 does in StringToSignBytes: two lower-case hex
// digits a byte, separated by spaces.
func hexBytes(s string) string {
	if len(s) > maxHexBytes {
		s = s[:maxHexBytes]
	}
	const digits = "0123456789abcdef"
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, digits[s[i]>>4], digits[s[i]&0xf])
	}
	return string(b)
}
