package iam

import (
	"context"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/authz"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// The policy simulator: the same policy.Evaluate every request goes
// through, asked directly.

type contextEntry struct {
	ContextKeyName   string
	ContextKeyValues []string
	ContextKeyType   string
}

type simulateInput struct {
	PolicySourceArn                    string
	PolicyInputList                    []string
	PermissionsBoundaryPolicyInputList []string
	ActionNames                        []string `query:",required"`
	ResourceArns                       []string
	ResourcePolicy                     *string
	ResourceOwner                      *string
	CallerArn                          *string
	ContextEntries                     []contextEntry
	MaxItems                           *int32
	Marker                             *string
}

type position struct {
	Line   int `xml:"Line"`
	Column int `xml:"Column"`
}

type matchedStatement struct {
	SourcePolicyID   string   `xml:"SourcePolicyId"`
	SourcePolicyType string   `xml:"SourcePolicyType"`
	StartPosition    position `xml:"StartPosition"`
	EndPosition      position `xml:"EndPosition"`
}

type boundaryDetail struct {
	AllowedByPermissionsBoundary bool `xml:"AllowedByPermissionsBoundary"`
}

type evaluationResult struct {
	EvalActionName                    string             `xml:"EvalActionName"`
	EvalResourceName                  string             `xml:"EvalResourceName"`
	EvalDecision                      string             `xml:"EvalDecision"`
	MatchedStatements                 []matchedStatement `xml:"MatchedStatements>member"`
	MissingContextValues              []string           `xml:"MissingContextValues>member"`
	PermissionsBoundaryDecisionDetail *boundaryDetail    `xml:"PermissionsBoundaryDecisionDetail,omitempty"`
}

type simulateOutput struct {
	EvaluationResults []evaluationResult `xml:"EvaluationResults>member"`
	IsTruncated       bool               `xml:"IsTruncated"`
	Marker            string             `xml:"Marker,omitempty"`
}

func (s *Service) simulatePrincipalPolicy(ctx context.Context, in *simulateInput) (*simulateOutput, error) {
	if in.PolicySourceArn == "" {
		return nil, validation("1 validation error detected: Value null at 'policySourceArn' failed to satisfy constraint: Member must not be null")
	}
	acct := account(ctx)
	pin := &policy.Input{}
	var principal request.Principal
	err := s.view(ctx, func(tx store.Tx) error {
		kind, name, ok := entityOfARN(in.PolicySourceArn, acct)
		if !ok {
			return invalidInput("Invalid PolicySourceArn: %s", in.PolicySourceArn)
		}
		switch kind {
		case "user":
			u, err := getUser(tx, acct, name)
			if err != nil {
				return err
			}
			principal = request.Principal{Type: request.User, Account: acct, ARN: u.arn(acct), UserID: u.ID, Name: u.Name}
			if err := s.addPolicies(tx, pin, acct, "user/"+u.Name, &u.principalPolicies); err != nil {
				return err
			}
			for _, gn := range u.Groups {
				if g, err := getGroup(tx, acct, gn); err == nil {
					if err := s.addPolicies(tx, pin, acct, "group/"+g.Name, &g.principalPolicies); err != nil {
						return err
					}
				}
			}
		case "group":
			g, err := getGroup(tx, acct, name)
			if err != nil {
				return err
			}
			principal = request.Principal{Type: request.User, Account: acct, ARN: arn(acct, "user", "/", "simulated")}
			return s.addPolicies(tx, pin, acct, "group/"+g.Name, &g.principalPolicies)
		case "role":
			r, err := getRole(tx, acct, name)
			if err != nil {
				return err
			}
			principal = request.Principal{Type: request.AssumedRole, Account: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/" + r.Name + "/simulated", RoleARN: r.arn(acct), UserID: r.ID + ":simulated"}
			return s.addPolicies(tx, pin, acct, "role/"+r.Name, &r.principalPolicies)
		default:
			return invalidInput("Invalid PolicySourceArn: %s", in.PolicySourceArn)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.simulate(ctx, in, pin, principal)
}

// entityOfARN splits arn:aws:iam::ACCOUNT:KIND/PATH/NAME.
func entityOfARN(a, acct string) (kind, name string, ok bool) {
	rest, ok := strings.CutPrefix(a, "arn:aws:iam::"+acct+":")
	if !ok {
		return "", "", false
	}
	kind, rest, ok = strings.Cut(rest, "/")
	if !ok {
		return "", "", false
	}
	name = rest[strings.LastIndex(rest, "/")+1:]
	return kind, name, name != ""
}

func (s *Service) simulateCustomPolicy(ctx context.Context, in *simulateInput) (*simulateOutput, error) {
	if len(in.PolicyInputList) == 0 {
		return nil, validation("1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null")
	}
	acct := account(ctx)
	principal := request.Principal{Type: request.User, Account: acct, ARN: arn(acct, "user", "/", "simulated")}
	return s.simulate(ctx, in, &policy.Input{}, principal)
}

func (s *Service) simulate(ctx context.Context, in *simulateInput, pin *policy.Input, principal request.Principal) (*simulateOutput, error) {
	for i, doc := range in.PolicyInputList {
		p, err := policy.ParseAs([]byte(doc), policy.Identity)
		if err != nil {
			return nil, malformedPolicy(reasonOf(err))
		}
		pin.Identity = append(pin.Identity, policy.Source{Kind: policy.Identity, Name: "PolicyInputList." + itoa(i+1), Policy: p})
	}
	for i, doc := range in.PermissionsBoundaryPolicyInputList {
		p, err := policy.ParseAs([]byte(doc), policy.Boundary)
		if err != nil {
			return nil, malformedPolicy(reasonOf(err))
		}
		pin.Boundary = &policy.Source{Kind: policy.Boundary, Name: "PermissionsBoundaryPolicyInputList." + itoa(i+1), Policy: p}
	}
	if in.ResourcePolicy != nil {
		p, err := policy.ParseAs([]byte(*in.ResourcePolicy), policy.Resource)
		if err != nil {
			return nil, malformedPolicy(reasonOf(err))
		}
		pin.Resource = &policy.Source{Kind: policy.Resource, Name: "ResourcePolicy", Policy: p}
		if in.ResourceOwner != nil {
			owner := *in.ResourceOwner
			if i := strings.Index(owner, "::"); i >= 0 {
				owner = strings.SplitN(owner[i+2:], ":", 2)[0]
			}
			pin.ResourceAccount = owner
		}
	}
	if in.CallerArn != nil {
		principal.ARN = *in.CallerArn
	}
	keys := policy.Context{}
	for _, e := range in.ContextEntries {
		keys.Set(e.ContextKeyName, e.ContextKeyValues...)
	}
	resources := in.ResourceArns
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	out := &simulateOutput{}
	for _, action := range in.ActionNames {
		for _, res := range resources {
			req := &policy.Request{Principal: authz.Principal(principal, ""), Action: action, Resource: res, Context: keys}
			r := policy.Evaluate(pin, req)
			er := evaluationResult{EvalActionName: action, EvalResourceName: res, EvalDecision: r.Decision.String(),
				MatchedStatements: []matchedStatement{}, MissingContextValues: []string{}}
			for _, m := range r.Matched {
				if (r.Decision == policy.Allow && m.Effect == "Allow") || (r.Decision == policy.ExplicitDeny && m.Effect == "Deny") {
					er.MatchedStatements = append(er.MatchedStatements, matchedStatement{SourcePolicyID: m.Source, SourcePolicyType: sourceType(m), StartPosition: position{1, 1}, EndPosition: position{1, 1}})
				}
			}
			if pin.Boundary != nil {
				er.PermissionsBoundaryDecisionDetail = &boundaryDetail{!(r.Decision == policy.ImplicitDeny && r.Missing == policy.Boundary)}
			}
			out.EvaluationResults = append(out.EvaluationResults, er)
		}
	}
	items, trunc, next, err := page(out.EvaluationResults, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out.EvaluationResults, out.IsTruncated, out.Marker = orEmpty(items), trunc, next
	return out, nil
}

// sourceType names a matched policy's type as the simulator does.
func sourceType(m policy.Match) string {
	switch {
	case m.Kind == policy.Resource:
		return "resource"
	case m.Kind == policy.Boundary:
		return "permissions-boundary"
	case strings.HasPrefix(m.Source, "arn:aws:iam::aws:policy/"):
		return "aws-managed"
	case strings.HasPrefix(m.Source, "arn:aws:iam::"):
		return "user-managed"
	case strings.HasPrefix(m.Source, "user/"):
		return "user"
	case strings.HasPrefix(m.Source, "group/"):
		return "group"
	case strings.HasPrefix(m.Source, "role/"):
		return "role"
	}
	return "IAM Policy"
}

func itoa(i int) string { return strconv.Itoa(i) }
