package policy

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Parse parses and compiles a policy document. It checks the grammar every
// policy kind shares
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html);
// Validate adds the rules of the kind the policy is used as. Grammar errors
// are *Error worded as IAM words them; use ParseAs for another kind's wording.
func Parse(doc []byte) (*Policy, error) {
	trimmed := bytes.TrimLeft(doc, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if json.Valid(doc) {
			return nil, newError(errNotObject, "")
		}
		return nil, newError(errSyntax, "")
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return nil, newError(errSyntax, "")
	}
	if dec.More() {
		return nil, newError(errSyntax, "")
	}
	return compile(top)
}

// ParseAs parses doc and validates it as kind k, wording every error the way
// the service owning that kind does (S3 for Resource, IAM otherwise).
func ParseAs(doc []byte, k Kind) (*Policy, error) {
	p, err := Parse(doc)
	if err != nil {
		return nil, reword(err, k)
	}
	if err := p.Validate(k); err != nil {
		return nil, err
	}
	return p, nil
}

// compile builds a Policy from the decoded top-level object.
func compile(top map[string]any) (*Policy, error) {
	p := &Policy{byAction: &actionIndex{}}
	for k := range top {
		switch k {
		case "Version", "Id", "Statement":
		default:
			return nil, newError(errUnknownField, k)
		}
	}
	if v, ok := top["Version"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, newError(errSyntax, "")
		}
		if s != Version2012 && s != Version2008 {
			return nil, newError(errVersion, s)
		}
		p.Version = s
	}
	if v, ok := top["Id"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, newError(errSyntax, "")
		}
		p.ID = s
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, newError(errNoStatement, "")
	}
	var list []any
	switch v := raw.(type) {
	case map[string]any:
		list = []any{v}
	case []any:
		p.array = true
		list = v
		if len(list) == 0 {
			return nil, newError(errEmptyStatement, "")
		}
	default:
		return nil, newError(errSyntax, "")
	}
	vars := p.Version == Version2012
	p.Statements = make([]Statement, 0, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, newError(errSyntax, "")
		}
		s, err := compileStatement(m, vars)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, s)
		p.noteKeys(&p.Statements[len(p.Statements)-1])
	}
	return p, nil
}

// noteKeys records the key families a statement reads: its condition
// keys and the variables in its resources and condition values.
func (p *Policy) noteKeys(s *Statement) {
	add := func(key string) {
		fam, _, _ := strings.Cut(key, "/")
		if p.keyFamilies == nil {
			p.keyFamilies = map[string]bool{}
		}
		p.keyFamilies[fam] = true
	}
	vars := func(ps []pattern) {
		for i := range ps {
			for _, t := range ps[i].toks {
				if t.kind == tokVar {
					add(t.s)
				}
			}
		}
	}
	vars(s.resources)
	for i := range s.Condition {
		c := &s.Condition[i]
		add(c.key)
		vars(c.pats)
		for _, a := range c.arns {
			vars(a)
		}
	}
}

// compileStatement builds one statement.
func compileStatement(m map[string]any, vars bool) (Statement, error) {
	var s Statement
	for k := range m {
		switch k {
		case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
			"Resource", "NotResource", "Condition":
		default:
			return s, newError(errUnknownField, k)
		}
	}
	if v, ok := m["Sid"]; ok {
		str, ok := v.(string)
		if !ok {
			return s, newError(errSyntax, "")
		}
		s.Sid = str
	}
	v, ok := m["Effect"]
	if !ok {
		return s, newError(errNoEffect, "")
	}
	eff, ok := v.(string)
	if !ok {
		return s, newError(errSyntax, "")
	}
	if eff != "Allow" && eff != "Deny" {
		return s, newError(errEffect, eff)
	}
	s.Effect = eff

	var err error
	_, hasP := m["Principal"]
	_, hasNP := m["NotPrincipal"]
	if hasP && hasNP {
		return s, newError(errBothPrincipal, "")
	}
	if hasP {
		if s.Principal, err = parsePrincipals(m["Principal"]); err != nil {
			return s, err
		}
	}
	if hasNP {
		if s.NotPrincipal, err = parsePrincipals(m["NotPrincipal"]); err != nil {
			return s, err
		}
	}

	_, s.hasAction = m["Action"]
	_, s.hasNotAction = m["NotAction"]
	switch {
	case s.hasAction && s.hasNotAction:
		return s, newError(errBothAction, "")
	case !s.hasAction && !s.hasNotAction:
		return s, newError(errNoAction, "")
	}
	actField := "Action"
	if s.hasNotAction {
		actField = "NotAction"
	}
	acts, err := stringList(m[actField])
	if err != nil {
		return s, err
	}
	if len(acts) == 0 {
		return s, newError(errNoAction, "")
	}
	for _, a := range acts {
		if a != "*" && !validAction(a) {
			return s, newError(errAction, a)
		}
		s.actions = append(s.actions, compilePattern(a, true, false, true))
	}
	if s.hasAction {
		s.Action = acts
	} else {
		s.NotAction = acts
	}

	_, s.hasResource = m["Resource"]
	_, s.hasNotResource = m["NotResource"]
	if s.hasResource && s.hasNotResource {
		return s, newError(errBothResource, "")
	}
	if s.hasResource || s.hasNotResource {
		field := "Resource"
		if s.hasNotResource {
			field = "NotResource"
		}
		res, err := stringList(m[field])
		if err != nil {
			return s, err
		}
		for _, r := range res {
			s.resources = append(s.resources, compilePattern(r, true, vars, false))
		}
		if s.hasResource {
			s.Resource = res
		} else {
			s.NotResource = res
		}
	}

	if v, ok := m["Condition"]; ok {
		if s.Condition, err = parseConditions(v, vars); err != nil {
			return s, err
		}
	}
	return s, nil
}

// validAction reports whether a is service:name with a non-empty service
// prefix free of wildcards.
func validAction(a string) bool {
	svc, name, ok := strings.Cut(a, ":")
	return ok && svc != "" && name != "" && !strings.ContainsAny(svc, "*?")
}

// stringList accepts a JSON string or an array of strings.
func stringList(v any) ([]string, error) {
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, newError(errSyntax, "")
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, newError(errSyntax, "")
	}
}

// scalarList accepts a string, number or boolean, or an array of them, as
// condition values may be written; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html.
func scalarList(v any) ([]string, error) {
	one := func(e any) (string, bool) {
		switch t := e.(type) {
		case string:
			return t, true
		case json.Number:
			return t.String(), true
		case bool:
			return strconv.FormatBool(t), true
		}
		return "", false
	}
	if arr, ok := v.([]any); ok {
		out := make([]string, 0, len(arr))
		for _, e := range arr {
			s, ok := one(e)
			if !ok {
				return nil, newError(errSyntax, "")
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, ok := one(v)
	if !ok {
		return nil, newError(errSyntax, "")
	}
	return []string{s}, nil
}
