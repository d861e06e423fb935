package policy

import (
	"sort"
	"strings"
)

// grant is how strongly a resource policy's Principal element names the
// requester. AWS lets a same-account resource policy allow on its own only
// when it names the requester in a particular way; see "Resource-based
// policies" in
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html.
type grant uint8

const (
	grantNone grant = iota
	// grantAccount: the account principal (id or :root ARN) of the
	// requester's account. It delegates to the account's IAM policies: it
	// allows a same-account IAM user or role only together with an identity
	// policy allow, but it satisfies the resource side of a cross-account request.
	grantAccount
	// grantIndirect: "*", the role of a role session, a NotPrincipal Allow.
	// It allows on its own, but an implicit deny in a permissions boundary
	// or session policy still limits it.
	grantIndirect
	// grantDirect: the requester's own ARN (IAM user, role session,
	// federated user), canonical id, service or provider. Not limited by
	// an implicit deny in identity policies, boundaries or session policies.
	grantDirect
)

// awsRef is one compiled entry of an AWS principal list.
type awsRef struct {
	star    bool
	account string // set for "111122223333" and arn:...:iam::111122223333:root
	arn     string // set for other ARNs
}

// principalKeys lists the keys a Principal object may have; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html.
var principalKeys = []string{"AWS", "CanonicalUser", "Federated", "Service"}

// parsePrincipals parses a Principal or NotPrincipal element.
func parsePrincipals(v any) (*Principals, error) {
	ps := &Principals{}
	switch t := v.(type) {
	case string:
		if t != "*" {
			return nil, newError(errPrincipal, t)
		}
		ps.Wildcard = true
		return ps, nil
	case map[string]any:
		if len(t) == 0 {
			return nil, newError(errPrincipal, "{}")
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			vals, err := stringList(t[k])
			if err != nil {
				return nil, err
			}
			for _, val := range vals {
				if !validPrincipal(k, val) {
					return nil, newError(errPrincipal, `"`+k+`":"`+val+`"`)
				}
			}
			switch k {
			case "AWS":
				ps.AWS = vals
				for _, val := range vals {
					ps.refs = append(ps.refs, awsRefOf(val))
				}
			case "Service":
				ps.Service = vals
			case "Federated":
				ps.Federated = vals
			case "CanonicalUser":
				ps.CanonicalUser = vals
			default:
				return nil, newError(errPrincipal, k)
			}
		}
		return ps, nil
	default:
		return nil, newError(errSyntax, "")
	}
}

// validPrincipal reports whether val is an acceptable value for principal
// type k. AWS principals must be "*", an account id, or an IAM/STS ARN of a
// root, user, role, assumed-role session or federated user; groups and
// wildcards inside ARNs are rejected.
func validPrincipal(k, val string) bool {
	switch k {
	case "AWS":
		if val == "*" || isAccountID(val) {
			return true
		}
		return parsePrincipalARN(val).ok
	case "Service", "Federated", "CanonicalUser":
		return val != "" && (val == "*" || !strings.ContainsAny(val, "*?"))
	}
	return false
}

// isAccountID reports whether s is a 12-digit account id.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// principalARN is a parsed principal ARN.
type principalARN struct {
	ok      bool
	account string
	root    bool
}

// parsePrincipalARN parses an IAM or STS principal ARN.
func parsePrincipalARN(s string) principalARN {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") ||
		parts[3] != "" || !isAccountID(parts[4]) || strings.ContainsAny(s, "*?") {
		return principalARN{}
	}
	res := parts[5]
	out := principalARN{ok: true, account: parts[4]}
	switch parts[2] {
	case "iam":
		switch {
		case res == "root":
			out.root = true
		case strings.HasPrefix(res, "user/") && len(res) > 5,
			strings.HasPrefix(res, "role/") && len(res) > 5:
		default:
			return principalARN{}
		}
	case "sts":
		switch {
		case strings.HasPrefix(res, "assumed-role/") && strings.Count(res, "/") >= 2,
			strings.HasPrefix(res, "federated-user/") && len(res) > 15:
		default:
			return principalARN{}
		}
	default:
		return principalARN{}
	}
	return out
}

// awsRefs returns the compiled AWS list, compiling it when ps was built by
// hand rather than by Parse.
func (ps *Principals) awsRefs() []awsRef {
	if len(ps.refs) == len(ps.AWS) {
		return ps.refs
	}
	out := make([]awsRef, len(ps.AWS))
	for i, v := range ps.AWS {
		out[i] = awsRefOf(v)
	}
	return out
}

// awsRefOf compiles one AWS principal value.
func awsRefOf(v string) awsRef {
	if v == "*" {
		return awsRef{star: true}
	}
	if isAccountID(v) {
		return awsRef{account: v}
	}
	if pa := parsePrincipalARN(v); pa.ok && pa.root {
		return awsRef{account: pa.account}
	}
	return awsRef{arn: v}
}

// match returns how strongly ps names p.
func (ps *Principals) match(p *Principal) grant {
	if ps == nil {
		return grantNone
	}
	if ps.Wildcard {
		return grantIndirect
	}
	best := grantNone
	up := func(g grant) {
		if g > best {
			best = g
		}
	}
	for _, r := range ps.awsRefs() {
		switch {
		case r.star:
			up(grantIndirect)
		case p.Anonymous:
		case r.account != "" && r.account == p.Account:
			if p.Type == TypeAccount {
				up(grantDirect)
			} else {
				up(grantAccount)
			}
		case r.arn != "" && r.arn == p.ARN:
			up(grantDirect)
		case r.arn != "" && r.arn == p.RoleARN:
			up(grantIndirect)
		}
	}
	if p.Anonymous {
		return best
	}
	for _, v := range ps.Service {
		if v == "*" {
			up(grantIndirect)
		} else if p.Service != "" && v == p.Service {
			up(grantDirect)
		}
	}
	for _, v := range ps.Federated {
		if v == "*" {
			up(grantIndirect)
		} else if p.Federated != "" && v == p.Federated {
			up(grantDirect)
		}
	}
	for _, v := range ps.CanonicalUser {
		if v == "*" {
			up(grantIndirect)
		} else if p.CanonicalID != "" && v == p.CanonicalID {
			up(grantDirect)
		}
	}
	return best
}

// excludes reports whether a NotPrincipal element lists p completely, so
// that the statement does not apply to p. AWS evaluates a request against
// the principal and its account separately, so an IAM user or role session
// is excluded only when both its own ARN and its account are listed; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html.
func (ps *Principals) excludes(p *Principal) bool {
	if ps.Wildcard {
		return true
	}
	accountListed, arnListed := false, false
	for _, r := range ps.awsRefs() {
		switch {
		case r.star:
			return true
		case p.Anonymous:
		case r.account != "" && r.account == p.Account:
			accountListed = true
		case r.arn != "" && r.arn == p.ARN:
			arnListed = true
		}
	}
	if p.Anonymous {
		return false
	}
	if p.Service != "" {
		for _, v := range ps.Service {
			if v == p.Service {
				return true
			}
		}
	}
	if p.CanonicalID != "" && p.ARN == "" {
		for _, v := range ps.CanonicalUser {
			if v == p.CanonicalID {
				return true
			}
		}
	}
	if p.Type == TypeAccount || p.ARN == "" {
		return accountListed
	}
	return accountListed && arnListed
}
