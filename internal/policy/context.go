package policy

import "strings"

// Context holds condition key values for a request. AWS matches condition
// key names case-insensitively
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html),
// so keys are stored lower-cased; use Set, Add and Get rather than indexing
// the map with mixed-case keys.
type Context map[string][]string

// Set replaces the values of key.
func (c Context) Set(key string, values ...string) {
	c[strings.ToLower(key)] = values
}

// Add appends values to key, making it multivalued.
func (c Context) Add(key string, values ...string) {
	k := strings.ToLower(key)
	c[k] = append(c[k], values...)
}

// Get returns the values of key and whether the key is present.
func (c Context) Get(key string) ([]string, bool) {
	v, ok := c[strings.ToLower(key)]
	return v, ok
}

// Principal is who makes a request, as the edge authenticated it.
type Principal struct {
	// Anonymous is set for unsigned requests.
	Anonymous bool
	// Account is the 12-digit account the principal belongs to.
	Account string
	// ARN is the principal's own ARN: arn:aws:iam::111122223333:user/alice,
	// arn:aws:sts::111122223333:assumed-role/R/sess, arn:aws:iam::111122223333:root.
	ARN string
	// RoleARN is, for an assumed-role session, the role's ARN
	// (arn:aws:iam::111122223333:role/R); a resource policy naming the role
	// matches its sessions.
	RoleARN string
	// Type is aws:PrincipalType: "Account", "User", "AssumedRole",
	// "FederatedUser" or "Anonymous".
	Type string
	// UserID is aws:userid.
	UserID string
	// Username is aws:username; IAM users only.
	Username string
	// CanonicalID is the S3 canonical user id, matched by CanonicalUser principals.
	CanonicalID string
	// Service is the service principal (e.g. "cloudfront.amazonaws.com") when
	// an AWS service makes the request on its own behalf.
	Service string
	// Federated is the identity provider (e.g. "cognito-identity.amazonaws.com"
	// or a SAML provider ARN) for AssumeRoleWithWebIdentity/SAML trust checks.
	Federated string
}

// Principal types, the values of aws:PrincipalType; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltype.
const (
	TypeAccount       = "Account"
	TypeUser          = "User"
	TypeAssumedRole   = "AssumedRole"
	TypeFederatedUser = "FederatedUser"
	TypeAnonymous     = "Anonymous"
)

// Request is one authorization question: may Principal perform Action on
// Resource given Context?
type Request struct {
	Principal Principal
	// Action is service:Operation, e.g. "s3:GetObject"; case-insensitive.
	Action string
	// Resource is an ARN, or "*" for actions that take no resource.
	Resource string
	// Context holds the condition keys; principal keys missing from it are
	// filled from Principal.
	Context Context
	// Keys, when set, supplies the keys Context does not hold, when a
	// condition or policy variable asks for one (key lower-cased), so a
	// caller gathers only the keys that are read.
	Keys func(key string) ([]string, bool)
}

// Lower-cased global condition keys Evaluate derives from the principal; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html.
const (
	keyPrincipalArn     = "aws:principalarn"
	keyPrincipalAccount = "aws:principalaccount"
	keyPrincipalType    = "aws:principaltype"
	keyUsername         = "aws:username"
	keyUserID           = "aws:userid"
)

// lookup resolves condition keys for one request: the context first, then
// the principal's own keys. It is built once per Evaluate and shared by all
// statements, so a single value slice per derived key is reused.
type lookup struct {
	ctx   Context
	keys  func(string) ([]string, bool)
	vals  [5][1]string
	found [5]bool
}

// init prepares the derived principal keys of req.
func (l *lookup) init(req *Request) {
	*l = lookup{ctx: req.Context, keys: req.Keys}
	p := &req.Principal
	set := func(i int, v string) {
		if v != "" {
			l.vals[i][0], l.found[i] = v, true
		}
	}
	if p.Anonymous {
		set(2, TypeAnonymous)
		return
	}
	// aws:PrincipalArn is the role's ARN for a role session, not the session's.
	if p.RoleARN != "" {
		set(0, p.RoleARN)
	} else {
		set(0, p.ARN)
	}
	set(1, p.Account)
	set(2, p.Type)
	if p.Type == "" || p.Type == TypeUser {
		set(3, p.Username)
	}
	set(4, p.UserID)
}

// get returns the values of a lower-cased key; a nil lookup has none.
func (l *lookup) get(key string) ([]string, bool) {
	if l == nil {
		return nil, false
	}
	if v, ok := l.ctx[key]; ok {
		return v, true
	}
	if l.keys != nil {
		if v, ok := l.keys(key); ok {
			return v, true
		}
	}
	i := -1
	switch key {
	case keyPrincipalArn:
		i = 0
	case keyPrincipalAccount:
		i = 1
	case keyPrincipalType:
		i = 2
	case keyUsername:
		i = 3
	case keyUserID:
		i = 4
	}
	if i < 0 || !l.found[i] {
		return nil, false
	}
	return l.vals[i][:], true
}
