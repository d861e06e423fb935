package policy

import "strings"

// family is a condition operator family; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html.
type family uint8

const (
	famString family = iota
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famArn
	famNull
)

// setQual is a set operator qualifier; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html.
type setQual uint8

const (
	setNone setQual = iota
	setAny          // ForAnyValue:
	setAll          // ForAllValues:
)

// cmp is the comparison of numeric and date operators.
type cmp int8

const (
	cmpEq cmp = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// operator is a compiled condition operator name.
type operator struct {
	fam        family
	negate     bool // a Not operator: true when no value matches
	ignoreCase bool
	like       bool // wildcards are honoured
	cmp        cmp
	ifExists   bool
	set        setQual
}

// baseOperators maps each operator name (without qualifier or IfExists)
// to its compiled form.
var baseOperators = map[string]operator{
	"StringEquals":              {fam: famString},
	"StringNotEquals":           {fam: famString, negate: true},
	"StringEqualsIgnoreCase":    {fam: famString, ignoreCase: true},
	"StringNotEqualsIgnoreCase": {fam: famString, ignoreCase: true, negate: true},
	"StringLike":                {fam: famString, like: true},
	"StringNotLike":             {fam: famString, like: true, negate: true},
	"NumericEquals":             {fam: famNumeric},
	"NumericNotEquals":          {fam: famNumeric, negate: true},
	"NumericLessThan":           {fam: famNumeric, cmp: cmpLt},
	"NumericLessThanEquals":     {fam: famNumeric, cmp: cmpLe},
	"NumericGreaterThan":        {fam: famNumeric, cmp: cmpGt},
	"NumericGreaterThanEquals":  {fam: famNumeric, cmp: cmpGe},
	"DateEquals":                {fam: famDate},
	"DateNotEquals":             {fam: famDate, negate: true},
	"DateLessThan":              {fam: famDate, cmp: cmpLt},
	"DateLessThanEquals":        {fam: famDate, cmp: cmpLe},
	"DateGreaterThan":           {fam: famDate, cmp: cmpGt},
	"DateGreaterThanEquals":     {fam: famDate, cmp: cmpGe},
	"Bool":                      {fam: famBool},
	"BinaryEquals":              {fam: famBinary},
	"IpAddress":                 {fam: famIP},
	"NotIpAddress":              {fam: famIP, negate: true},
	"ArnEquals":                 {fam: famArn, like: true},
	"ArnLike":                   {fam: famArn, like: true},
	"ArnNotEquals":              {fam: famArn, like: true, negate: true},
	"ArnNotLike":                {fam: famArn, like: true, negate: true},
	"Null":                      {fam: famNull},
}

// parseOperator parses an operator name such as
// "ForAllValues:StringLikeIfExists".
func parseOperator(name string) (operator, bool) {
	rest := name
	var set setQual
	if q, r, ok := strings.Cut(name, ":"); ok {
		switch q {
		case "ForAnyValue":
			set = setAny
		case "ForAllValues":
			set = setAll
		default:
			return operator{}, false
		}
		rest = r
	}
	ifExists := false
	if base, ok := strings.CutSuffix(rest, "IfExists"); ok {
		rest, ifExists = base, true
	}
	op, ok := baseOperators[rest]
	if !ok || (op.fam == famNull && (ifExists || set != setNone)) {
		return operator{}, false
	}
	op.ifExists, op.set = ifExists, set
	return op, true
}
