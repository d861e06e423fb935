package policy

import (
	"encoding/base64"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// prefix is a parsed IpAddress value.
type prefix = netip.Prefix

// parseConditions parses a Condition block: operators mapping keys to values.
// Several operators, and several keys under one operator, must all be true;
// several values for one key are alternatives. See
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html.
func parseConditions(v any, vars bool) ([]Condition, error) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, newError(errSyntax, "")
	}
	ops := make([]string, 0, len(block))
	for k := range block {
		ops = append(ops, k)
	}
	sort.Strings(ops)
	var out []Condition
	for _, name := range ops {
		op, ok := parseOperator(name)
		if !ok {
			return nil, newError(errOperator, name)
		}
		keys, ok := block[name].(map[string]any)
		if !ok {
			return nil, newError(errSyntax, "")
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, key := range names {
			vals, err := scalarList(keys[key])
			if err != nil {
				return nil, err
			}
			c := Condition{Operator: name, Key: key, Values: vals, key: strings.ToLower(key), op: op}
			if err := c.compile(vars); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// compile pre-parses the values for the operator's family.
func (c *Condition) compile(vars bool) error {
	bad := func() error { return newError(errConditionValue, c.Operator) }
	for _, v := range c.Values {
		switch c.op.fam {
		case famString:
			c.pats = append(c.pats, compilePattern(v, c.op.like, vars, c.op.ignoreCase))
		case famArn:
			c.arns = append(c.arns, compileARN(v, vars))
		case famNumeric:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) {
				return bad()
			}
			c.nums = append(c.nums, f)
		case famDate:
			t, ok := parseDate(v)
			if !ok {
				return bad()
			}
			c.times = append(c.times, t)
		case famBool:
			c.pats = append(c.pats, compilePattern(v, false, vars, true))
		case famBinary:
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return bad()
			}
			c.bins = append(c.bins, string(b))
		case famIP:
			p, ok := parseNet(v)
			if !ok {
				return bad()
			}
			c.nets = append(c.nets, p)
		case famNull:
			if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
				return bad()
			}
		}
	}
	return nil
}

// compileARN splits an ARN pattern into its six colon-separated parts so
// that wildcards match within a part, as ArnLike does; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN.
func compileARN(v string, vars bool) []pattern {
	parts := strings.SplitN(v, ":", 6)
	if len(parts) != 6 {
		return []pattern{compilePattern(v, true, vars, false)}
	}
	out := make([]pattern, 6)
	for i, p := range parts {
		out[i] = compilePattern(p, true, vars, false)
	}
	return out
}

// parseNet parses a CIDR or a single address.
func parseNet(v string) (prefix, bool) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(strings.TrimSpace(v))
		if err != nil {
			return prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(strings.TrimSpace(v))
	if err != nil {
		return prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// dateLayouts are the ISO 8601 forms AWS accepts in Date conditions and
// aws:CurrentTime; see the W3C profile referenced by
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z",
	"2006-01-02",
	"2006-01",
	"2006",
}

// parseDate parses an ISO 8601 date or epoch seconds into unix nanoseconds.
func parseDate(v string) (int64, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && len(v) != 4 {
		if n > math.MaxInt64/int64(time.Second) || n < math.MinInt64/int64(time.Second) {
			return 0, false
		}
		return n * int64(time.Second), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UnixNano(), true
		}
	}
	return 0, false
}

// eval reports whether the condition holds for the request.
func (c *Condition) eval(look *lookup) bool {
	vals, present := look.get(c.key)
	if c.op.fam == famNull {
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") == !present {
				return true
			}
		}
		return false
	}
	if !present || (len(vals) == 0 && c.op.set == setNone) {
		// A missing key: IfExists and ForAllValues are true, as is a
		// negated operator; everything else is false.
		return c.op.ifExists || c.op.set == setAll || (c.op.set == setNone && c.op.negate)
	}
	switch c.op.set {
	case setAll:
		for _, v := range vals {
			if !c.one(v, look) {
				return false
			}
		}
		return true
	case setAny:
		for _, v := range vals {
			if c.one(v, look) {
				return true
			}
		}
		return false
	}
	if c.op.negate {
		for _, v := range vals {
			if !c.one(v, look) {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if c.one(v, look) {
			return true
		}
	}
	return false
}

// one applies the operator to a single request value.
func (c *Condition) one(v string, look *lookup) bool {
	m, missing := c.pos(v, look)
	if c.op.negate {
		// A value naming a missing variable cannot prove inequality.
		return !m && !missing
	}
	return m
}

// pos reports whether request value v matches any policy value under the
// positive form of the operator; missing reports a policy variable whose key
// is absent.
func (c *Condition) pos(v string, look *lookup) (matched, missing bool) {
	switch c.op.fam {
	case famString, famBool:
		fold := c.op.ignoreCase || c.op.fam == famBool
		for i := range c.pats {
			m, ok := c.pats[i].match(v, fold, look)
			if !ok {
				missing = true
			}
			if m {
				return true, missing
			}
		}
	case famArn:
		for _, segs := range c.arns {
			m, ok := matchARN(segs, v, look)
			if !ok {
				missing = true
			}
			if m {
				return true, missing
			}
		}
	case famNumeric:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false, false
		}
		for _, n := range c.nums {
			if compare(f, n, c.op.cmp) {
				return true, false
			}
		}
	case famDate:
		t, ok := parseDate(v)
		if !ok {
			return false, false
		}
		for _, n := range c.times {
			if compare(t, n, c.op.cmp) {
				return true, false
			}
		}
	case famBinary:
		for i, b := range c.bins {
			if v == b || v == c.Values[i] {
				return true, false
			}
		}
	case famIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false, false
		}
		a = a.Unmap()
		for _, p := range c.nets {
			if p.Contains(a) {
				return true, false
			}
		}
	}
	return false, missing
}

// compare applies a numeric or date comparison.
func compare[T int64 | float64](a, b T, op cmp) bool {
	switch op {
	case cmpLt:
		return a < b
	case cmpLe:
		return a <= b
	case cmpGt:
		return a > b
	case cmpGe:
		return a >= b
	}
	return a == b
}

// matchARN matches v part by part against an ARN pattern.
func matchARN(segs []pattern, v string, look *lookup) (matched, ok bool) {
	if len(segs) != 6 {
		return segs[0].match(v, false, look)
	}
	rest := v
	ok = true
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return false, ok
		}
		m, vok := segs[i].match(rest[:j], false, look)
		if !vok {
			return false, false
		}
		if !m {
			return false, true
		}
		rest = rest[j+1:]
	}
	return segs[5].match(rest, false, look)
}
