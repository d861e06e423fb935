package policy

// Error is a policy grammar or validation error. Reason is AWS's wording for
// the problem, as IAM returns it in MalformedPolicyDocument or S3 in
// MalformedPolicy.
type Error struct {
	// Reason is the message AWS puts in the error, e.g. "Syntax errors in policy.".
	Reason string

	code errCode
	arg  string
}

// Error returns the reason.
func (e *Error) Error() string { return e.Reason }

// errCode identifies a grammar problem independently of its wording, so that
// ParseAs can word it the way the service that owns the policy kind does.
type errCode int

const (
	errSyntax         errCode = iota // not JSON, or a value of the wrong JSON type
	errNotObject                     // the document does not start with '{'
	errUnknownField                  // a top-level or statement field AWS does not define
	errVersion                       // Version is neither 2012-10-17 nor 2008-10-17
	errNoStatement                   // Statement is absent
	errEmptyStatement                // Statement is an empty array
	errNoEffect                      // Effect is absent
	errEffect                        // Effect is neither Allow nor Deny
	errBothAction                    // Action and NotAction together
	errNoAction                      // neither Action nor NotAction
	errAction                        // an action without a service prefix
	errBothResource                  // Resource and NotResource together
	errBothPrincipal                 // Principal and NotPrincipal together
	errPrincipal                     // a principal element AWS rejects
	errOperator                      // an unknown condition operator
	errConditionValue                // a condition value the operator cannot use
)

// IAM's wording, from MalformedPolicyDocument responses; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_policies.html
// and https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html.
const (
	reasonSyntax          = "Syntax errors in policy."
	reasonLegacy          = "The policy failed legacy parsing"
	reasonNoActions       = "Policy statement must contain actions."
	reasonNoResources     = "Policy statement must contain resources."
	reasonNoPrincipalHere = "Policy document should not specify a principal."
	reasonVendor          = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	reasonSid             = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	reasonSidUnique       = "Statement IDs (SID) in a single policy must be unique."
	reasonTrustResource   = "Has prohibited field Resource."
	reasonTrustPrincipal  = "Missing required field Principal."
	reasonTrustAction     = "AssumeRole policy may only specify STS AssumeRole actions."
)

// S3's wording, from MalformedPolicy responses to PutBucketPolicy; see
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html and
// https://repost.aws/knowledge-center/s3-invalid-principal-in-policy-error.
const (
	reasonS3Json        = "This policy contains invalid Json"
	reasonS3FirstByte   = "Policies must be valid JSON and the first byte must be '{'"
	reasonS3NoStatement = "Missing required field Statement"
	reasonS3Empty       = "Could not parse the policy: Statement is empty!"
	reasonS3Principal   = "Missing required field Principal"
	reasonS3BadPrinc    = "Invalid principal in policy"
	reasonS3Action      = "Policy has invalid action"
	reasonS3NoAction    = "Missing required field Action"
	reasonS3Resource    = "Policy has invalid resource"
	reasonS3NoResource  = "Missing required field Resource"
	reasonS3NoEffect    = "Missing required field Effect"
	reasonS3Version     = "Invalid policy version"
)

// newError returns a grammar error worded as IAM words it.
func newError(code errCode, arg string) *Error {
	return &Error{Reason: iamReason(code, arg), code: code, arg: arg}
}

// iamReason words a grammar error as IAM does.
func iamReason(code errCode, arg string) string {
	switch code {
	case errVersion:
		return reasonLegacy
	case errNoAction:
		return reasonNoActions
	case errAction:
		return reasonVendor
	case errPrincipal:
		return "Invalid principal in policy: " + arg
	default:
		return reasonSyntax
	}
}

// s3Reason words a grammar error as S3 does for a bucket policy.
func s3Reason(code errCode, arg string) string {
	switch code {
	case errNotObject:
		return reasonS3FirstByte
	case errSyntax, errBothAction, errBothResource, errBothPrincipal:
		return reasonS3Json
	case errUnknownField:
		return "Unknown field " + arg
	case errVersion:
		return reasonS3Version
	case errNoStatement:
		return reasonS3NoStatement
	case errEmptyStatement:
		return reasonS3Empty
	case errNoEffect:
		return reasonS3NoEffect
	case errEffect:
		return "Invalid effect: " + arg
	case errNoAction:
		return reasonS3NoAction
	case errAction:
		return reasonS3Action
	case errPrincipal:
		return reasonS3BadPrinc
	case errOperator:
		return "Invalid Condition type : " + arg
	default:
		return reasonS3Json
	}
}

// reword returns err worded for kind k; errors that are not grammar errors
// are returned unchanged.
func reword(err error, k Kind) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	if k == Resource {
		return &Error{Reason: s3Reason(e.code, e.arg), code: e.code, arg: e.arg}
	}
	return e
}
