package policy

import "strings"

// IsPublic reports whether p, used as a bucket or access point policy, is
// public by S3's definition ("The meaning of public",
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
// S3 assumes a policy is public and clears it only if every Allow statement
// grants to fixed values: a fixed principal (account, user, role, service,
// canonical user), or, for a "*" principal, a condition pinning one of the
// keys in fixedKeys to values without wildcards or policy variables, or
// aws:SourceIp to a set of CIDRs. Deny statements never make a policy public.
func (p *Policy) IsPublic() bool {
	for i := range p.Statements {
		s := &p.Statements[i]
		if s.Effect != "Allow" {
			continue
		}
		if !s.publicPrincipal() {
			continue
		}
		if !s.pinned() {
			return true
		}
	}
	return false
}

// publicPrincipal reports whether the statement grants to a principal that
// is not fixed: "*", {"AWS": "*"}, a wildcard value, or any NotPrincipal.
func (s *Statement) publicPrincipal() bool {
	if s.NotPrincipal != nil {
		return true
	}
	ps := s.Principal
	if ps == nil {
		return false
	}
	if ps.Wildcard {
		return true
	}
	for _, list := range [][]string{ps.AWS, ps.Service, ps.Federated, ps.CanonicalUser} {
		for _, v := range list {
			if strings.ContainsAny(v, "*?") {
				return true
			}
		}
	}
	return false
}

// fixedKeys are the lower-cased condition keys that, pinned to fixed
// values, make a "*" grant non-public.
var fixedKeys = map[string]bool{
	"aws:sourcearn":             true,
	"aws:sourcevpc":             true,
	"aws:sourcevpce":            true,
	"aws:sourceowner":           true,
	"aws:sourceaccount":         true,
	"aws:sourceorgid":           true,
	"aws:principalaccount":      true,
	"aws:principalarn":          true,
	"aws:principalorgid":        true,
	"aws:userid":                true,
	"s3:dataaccesspointarn":     true,
	"s3:dataaccesspointaccount": true,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": true,
}

// pinned reports whether one of the statement's conditions restricts it to
// fixed values. Only positive operators without IfExists or ForAllValues
// pin: the others hold when the key is absent.
func (s *Statement) pinned() bool {
	for i := range s.Condition {
		c := &s.Condition[i]
		op := c.op
		if op.negate || op.ifExists || op.set == setAll || len(c.Values) == 0 {
			continue
		}
		switch {
		case c.key == "aws:sourceip" && op.fam == famIP:
			if narrowNets(c.nets) {
				return true
			}
		case fixedKeys[c.key] && (op.fam == famString || op.fam == famArn):
			if fixedValues(c.Values) {
				return true
			}
		}
	}
	return false
}

// fixedValues reports whether no value holds a wildcard or policy variable.
func fixedValues(vals []string) bool {
	for _, v := range vals {
		if v == "" || strings.ContainsAny(v, "*?") || strings.Contains(v, "${") {
			return false
		}
	}
	return true
}

// narrowNets reports whether every CIDR is narrower than the whole
// internet. S3 treats very wide ranges as public; we take /8 (IPv4) and /32
// (IPv6) as the widest fixed ranges, an assumption the S3 documentation
// does not state numerically.
func narrowNets(nets []prefix) bool {
	for _, n := range nets {
		if n.Addr().Is4() && n.Bits() < 8 || !n.Addr().Is4() && n.Bits() < 32 {
			return false
		}
	}
	return true
}
