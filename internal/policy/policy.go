package policy

// Policy versions; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Policy is a parsed and compiled policy document.
type Policy struct {
	// Version is the document's Version, "" when absent (then 2008-10-17
	// rules apply: no policy variables).
	Version string
	// ID is the optional Id element.
	ID string
	// Statements are the statements in document order.
	Statements []Statement

	// array records that Statement was written as an array.
	array bool
	// keyFamilies holds the lower-cased condition keys up to any "/"
	// ("s3:existingobjecttag" for s3:ExistingObjectTag/owner).
	keyFamilies map[string]bool
	// byAction remembers which statements name an action (nil for a
	// Policy not made by Parse: then every statement is visited).
	byAction *actionIndex
}

// Denies returns a policy of p's Deny statements only, with its own key
// families and action index (RestrictPublicBuckets applies only these of a
// public bucket policy to other accounts).
func (p *Policy) Denies() *Policy {
	d := &Policy{Version: p.Version, ID: p.ID, array: p.array, byAction: &actionIndex{}}
	for i := range p.Statements {
		if p.Statements[i].Effect == "Deny" {
			d.Statements = append(d.Statements, p.Statements[i])
			d.noteKeys(&d.Statements[len(d.Statements)-1])
		}
	}
	return d
}

// UsesKey reports whether any condition of p names the key family, e.g.
// "s3:ExistingObjectTag" (a tag key after "/" is ignored), so a caller
// can skip gathering values no statement reads.
func (p *Policy) UsesKey(family string) bool {
	return p.keyFamilies[lowerASCII(family)]
}

// KeyFamilies adds to set the lower-cased key families (as UsesKey
// names them) that the policies' conditions and policy variables read.
func KeyFamilies(set map[string]bool, sources ...*Source) {
	for _, s := range sources {
		if s == nil || s.Policy == nil {
			continue
		}
		for k := range s.Policy.keyFamilies {
			set[k] = true
		}
	}
}

// Statement is one statement of a policy.
type Statement struct {
	// Sid is the optional statement id.
	Sid string
	// Effect is "Allow" or "Deny".
	Effect string
	// Principal is the Principal element, nil when absent.
	Principal *Principals
	// NotPrincipal is the NotPrincipal element, nil when absent.
	NotPrincipal *Principals
	// Action and NotAction hold the action patterns as written; exactly one is set.
	Action    []string
	NotAction []string
	// Resource and NotResource hold the resource patterns as written; nil when absent.
	Resource    []string
	NotResource []string
	// Condition holds one entry per operator and key, in no particular order.
	Condition []Condition

	hasResource    bool
	hasNotResource bool
	hasAction      bool
	hasNotAction   bool
	actions        []pattern
	resources      []pattern
}

// Principals is a Principal or NotPrincipal element. "*" sets Wildcard;
// {"AWS": "*"} is recorded in AWS as "*".
type Principals struct {
	// Wildcard is set by "Principal": "*".
	Wildcard bool
	// AWS holds account ids, account root ARNs, user and role ARNs,
	// assumed-role session ARNs, or "*".
	AWS []string
	// Service holds service principals, e.g. "cloudfront.amazonaws.com".
	Service []string
	// Federated holds identity providers.
	Federated []string
	// CanonicalUser holds S3 canonical user ids.
	CanonicalUser []string

	refs []awsRef
}

// Condition is one operator-key pair of a Condition block with its values.
type Condition struct {
	// Operator is the operator as written, e.g. "ForAnyValue:StringLikeIfExists".
	Operator string
	// Key is the condition key as written, e.g. "aws:SourceIp".
	Key string
	// Values are the values as written; numbers and booleans are converted to strings.
	Values []string

	key string // lower-cased key
	op  operator
	// compiled values; which slice is used depends on the operator family.
	pats  []pattern
	arns  [][]pattern
	nums  []float64
	times []int64 // unix nanoseconds
	nets  []prefix
	bins  []string
}

// IsAllow reports whether the statement's Effect is Allow.
func (s *Statement) IsAllow() bool { return s.Effect == "Allow" }
