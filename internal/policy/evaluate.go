package policy

import (
	"strings"
	"sync"
	"sync/atomic"
)

// Source is one policy taking part in an evaluation.
type Source struct {
	// Kind is how the policy is used.
	Kind Kind
	// Name identifies the policy in results, e.g.
	// "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
	// "user/alice/inline/MyPolicy" or "bucket policy".
	Name string
	// Policy is the parsed document.
	Policy *Policy
}

// Input is every policy that applies to one request.
type Input struct {
	// Identity holds all identity-based policies of the principal.
	Identity []Source
	// IdentityAllowsAll is set when the principal is an account root: its
	// identity permissions are everything (in another account's resources
	// the resource side must still allow, as for any principal).
	IdentityAllowsAll bool
	// Resource is the resource-based policy (or role trust policy), nil if none.
	Resource *Source
	// ResourceAccount is the account owning the resource; "" means the
	// principal's own account.
	ResourceAccount string
	// Boundary is the principal's permissions boundary, nil if none.
	Boundary *Source
	// Session holds the session policies, nil if none were passed.
	Session []Source
	// UsedKeys, when not nil, holds the lower-cased condition-key
	// families (see Policy.UsesKey) that the identity, boundary and
	// session policies read, so callers gather only those values.
	UsedKeys map[string]bool
	// ExtraAllow is set when something outside policies allows (an S3 ACL
	// grant); it counts like a resource-policy allow.
	ExtraAllow bool
}

// Decision is the outcome of an evaluation.
type Decision int

const (
	// ImplicitDeny: nothing allowed the request.
	ImplicitDeny Decision = iota
	// Allow: the request is allowed.
	Allow
	// ExplicitDeny: a Deny statement matched.
	ExplicitDeny
)

// String returns the decision as IAM's policy simulator spells it.
func (d Decision) String() string {
	switch d {
	case Allow:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// Match is a statement that matched a request.
type Match struct {
	// Source is the Name of the policy.
	Source string
	// Kind is the Kind of the policy.
	Kind Kind
	// Sid is the statement's Sid.
	Sid string
	// Index is the statement's position in the policy.
	Index int
	// Effect is "Allow" or "Deny".
	Effect string
}

// Result is the outcome of Evaluate.
type Result struct {
	// Decision is the final decision.
	Decision Decision
	// DenyKind is, for ExplicitDeny, the kind of policy that denied.
	DenyKind Kind
	// Missing is, for ImplicitDeny, the kind of policy that failed to allow.
	Missing Kind
	// Matched lists every statement that matched, Allow and Deny, in
	// evaluation order (identity, resource, boundary, session).
	Matched []Match
}

// Allowed reports whether the decision is Allow.
func (r Result) Allowed() bool { return r.Decision == Allow }

// Reason returns the tail AWS appends to an access-denied message, e.g.
// "because no identity-based policy allows the s3:PutObject action" or
// "with an explicit deny in a resource-based policy"; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_access-denied-error-messages.html.
// It returns "" for Allow.
func (r Result) Reason(action string) string {
	switch r.Decision {
	case ExplicitDeny:
		return "with an explicit deny in " + article(r.DenyKind.String())
	case ImplicitDeny:
		return "because no " + r.Missing.String() + " allows the " + action + " action"
	}
	return ""
}

// article prefixes s with "a" or "an".
func article(s string) string {
	if s != "" && (s[0] == 'a' || s[0] == 'e' || s[0] == 'i' || s[0] == 'o' || s[0] == 'u') {
		return "an " + s
	}
	return "a " + s
}

// outcome summarises one kind of policy for one request.
type outcome struct {
	allow grant // strongest allow; grantDirect for any identity-style allow
	deny  bool
}

// evaluator carries one request through the policies.
type evaluator struct {
	req      *Request
	action   string // the request's action, lower-cased once
	look     *lookup
	boundary bool
	res      *Result
}

// Evaluate decides a request the way AWS does; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
// and, across accounts,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html.
//
//   - An explicit Deny in any applicable policy wins.
//   - Same account: allowed when an identity policy, the resource policy or
//     ExtraAllow allows, and the boundary and session policies (when
//     present) allow. A resource policy naming the requester's own ARN
//     (IAM user, role session, federated user) is not limited by an implicit
//     deny in the boundary or session policies; one naming the role of a
//     session, "*", or the account is. A resource policy naming the account
//     (id or :root ARN) delegates to IAM and allows nothing on its own
//     except to the account root.
//   - A role trust policy must itself allow, even in the same account.
//   - Across accounts: an identity policy (within boundary and session
//     policies) must allow, and so must the resource policy or ExtraAllow.
//   - Anonymous requests are allowed only by the resource policy or ExtraAllow.
//
// Principal keys (aws:PrincipalArn, aws:PrincipalAccount,
// aws:PrincipalType, aws:username, aws:userid) missing from the context are
// filled from req.Principal; req is not modified.
func Evaluate(in *Input, req *Request) Result {
	var r Result
	var l lookup
	l.init(req)
	e := evaluator{req: req, action: lowerASCII(req.Action), look: &l, boundary: in.Boundary != nil, res: &r}
	p := &req.Principal
	anon := p.Anonymous
	resAcct := in.ResourceAccount
	if resAcct == "" {
		resAcct = p.Account
	}
	cross := !anon && resAcct != p.Account

	var id, rs, bd, ss outcome
	if !anon {
		for i := range in.Identity {
			id.merge(e.policy(&in.Identity[i], false))
		}
		// A root's identity side allows everything; across accounts the
		// resource side must still allow.
		if in.IdentityAllowsAll {
			id.allow = grantDirect
		}
	}
	trust := false
	if in.Resource != nil && in.Resource.Policy != nil {
		rs = e.policy(in.Resource, true)
		trust = in.Resource.Kind == Trust
	}
	hasBoundary := !anon && in.Boundary != nil && in.Boundary.Policy != nil
	if hasBoundary {
		bd = e.policy(in.Boundary, false)
	}
	hasSession := !anon && in.Session != nil
	if hasSession {
		for i := range in.Session {
			ss.merge(e.policy(&in.Session[i], false))
		}
	}

	resKind := Resource
	if in.Resource != nil {
		resKind = in.Resource.Kind
	}
	switch {
	case id.deny:
		return r.deny(Identity)
	case rs.deny:
		return r.deny(resKind)
	case bd.deny:
		return r.deny(Boundary)
	case ss.deny:
		return r.deny(Session)
	}

	if anon {
		if rs.allow != grantNone || in.ExtraAllow {
			return r.allow()
		}
		return r.missing(resKind)
	}
	boundaryOK := !hasBoundary || bd.allow != grantNone
	sessionOK := !hasSession || ss.allow != grantNone
	if cross {
		switch {
		case id.allow == grantNone:
			return r.missing(Identity)
		case !boundaryOK:
			return r.missing(Boundary)
		case !sessionOK:
			return r.missing(Session)
		case rs.allow == grantNone && !in.ExtraAllow:
			return r.missing(resKind)
		}
		return r.allow()
	}
	if trust && rs.allow == grantNone {
		return r.missing(Trust)
	}
	switch {
	case id.allow == grantNone && rs.allow < grantIndirect && !in.ExtraAllow:
		return r.missing(Identity)
	case rs.allow == grantDirect:
		return r.allow()
	case !boundaryOK:
		return r.missing(Boundary)
	case !sessionOK:
		return r.missing(Session)
	}
	return r.allow()
}

// deny records an explicit deny by a policy of kind k.
func (r *Result) deny(k Kind) Result {
	r.Decision, r.DenyKind = ExplicitDeny, k
	return *r
}

// allow records an allow.
func (r *Result) allow() Result {
	r.Decision = Allow
	return *r
}

// missing records an implicit deny for want of an allow in kind k.
func (r *Result) missing(k Kind) Result {
	r.Decision, r.Missing = ImplicitDeny, k
	return *r
}

// merge folds another policy's outcome of the same kind into o.
func (o *outcome) merge(x outcome) {
	if x.allow > o.allow {
		o.allow = x.allow
	}
	o.deny = o.deny || x.deny
}

// policy evaluates every statement of one policy, recording matches.
// Statements whose Action or NotAction rules the action out are skipped
// through the policy's action index.
func (e *evaluator) policy(src *Source, resource bool) outcome {
	var o outcome
	if src.Policy == nil {
		return o
	}
	if idx, ok := src.Policy.statementsFor(e.action); ok {
		for _, i := range idx {
			e.visit(src, i, resource, true, &o)
		}
		return o
	}
	for i := range src.Policy.Statements {
		e.visit(src, i, resource, false, &o)
	}
	return o
}

// visit evaluates statement i of src into o, recording a match.
func (e *evaluator) visit(src *Source, i int, resource, actionMatched bool, o *outcome) {
	s := &src.Policy.Statements[i]
	g := e.statement(s, resource, actionMatched)
	if g == grantNone {
		return
	}
	e.res.Matched = append(e.res.Matched, Match{Source: src.Name, Kind: src.Kind, Sid: s.Sid, Index: i, Effect: s.Effect})
	if s.Effect == "Deny" {
		o.deny = true
	} else if g > o.allow {
		o.allow = g
	}
}

// actionIndex maps a lower-cased action to the indexes, in order, of the
// statements whose Action or NotAction admits it. Matching an action
// reads nothing but the statement and the action, so the answer never
// changes for a policy; a principal's cached policies answer each action
// once. At most maxIndexedActions are kept (SimulatePrincipalPolicy takes
// action names from its caller).
type actionIndex struct {
	m    sync.Map // string → *indexed
	n    atomic.Int32
	last atomic.Pointer[indexed] // the last action asked for: most requests repeat it
}

type indexed struct {
	action string
	idx    []int
}

const maxIndexedActions = 512

// statementsFor returns the statements of p that admit action, or false
// when p has no index (then the caller visits every statement).
func (p *Policy) statementsFor(action string) ([]int, bool) {
	if p.byAction == nil {
		return nil, false
	}
	if l := p.byAction.last.Load(); l != nil && l.action == action {
		return l.idx, true
	}
	if v, ok := p.byAction.m.Load(action); ok {
		l := v.(*indexed)
		p.byAction.last.Store(l)
		return l.idx, true
	}
	idx := []int{}
	for i := range p.Statements {
		if p.Statements[i].matchAction(action) {
			idx = append(idx, i)
		}
	}
	if p.byAction.n.Load() < maxIndexedActions {
		// A copy of action keeps it, and the evaluator it comes from,
		// off the heap.
		l := &indexed{strings.Clone(action), idx}
		if _, loaded := p.byAction.m.LoadOrStore(l.action, l); !loaded {
			p.byAction.n.Add(1)
		}
	}
	return idx, true
}

// statement reports whether s applies to the request and, for a resource
// policy, how strongly its principal names the requester. actionMatched
// says the action is already known to match.
func (e *evaluator) statement(s *Statement, resource, actionMatched bool) grant {
	g := grantDirect
	if resource {
		p := &e.req.Principal
		switch {
		case s.Principal != nil:
			g = s.Principal.match(p)
		case s.NotPrincipal != nil:
			g = grantNone
			// A Deny with NotPrincipal always applies to a principal that
			// has a permissions boundary; see
			// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html.
			if !s.NotPrincipal.excludes(p) || (s.Effect == "Deny" && e.boundary && !p.Anonymous) {
				g = grantIndirect
			}
		default:
			g = grantNone
		}
		if g == grantNone {
			return grantNone
		}
	}
	if (!actionMatched && !s.matchAction(e.action)) || !s.matchResource(e.req.Resource, e.look) {
		return grantNone
	}
	for i := range s.Condition {
		if !s.Condition[i].eval(e.look) {
			return grantNone
		}
	}
	return g
}

// matchAction applies Action or NotAction; actions are case-insensitive
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
// action must be lower-case (the patterns are).
func (s *Statement) matchAction(action string) bool {
	hit := false
	for i := range s.actions {
		if m, _ := s.actions[i].match(action, false, nil); m {
			hit = true
			break
		}
	}
	if s.hasNotAction {
		return !hit
	}
	return hit
}

// matchResource applies Resource or NotResource; resources are
// case-sensitive and a statement with neither (a trust policy) applies to
// any resource
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
func (s *Statement) matchResource(resource string, look *lookup) bool {
	if !s.hasResource && !s.hasNotResource {
		return true
	}
	hit := false
	for i := range s.resources {
		if m, _ := s.resources[i].match(resource, false, look); m {
			hit = true
			break
		}
	}
	if s.hasNotResource {
		return !hit
	}
	return hit
}

// lowerASCII lower-cases s, without allocating when it already is.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lower(b[j])
			}
			return string(b)
		}
	}
	return s
}
