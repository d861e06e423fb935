package iam

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/iam/awsmanaged"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/store"
)

// Managed policies: the AWS-managed ones (awsmanaged, read-only, owner
// "aws") and the account's own, with up to five versions each.

// Policy is IAM's Policy shape.
type Policy struct {
	PolicyName                    string                `xml:"PolicyName"`
	PolicyID                      string                `xml:"PolicyId"`
	Arn                           string                `xml:"Arn"`
	Path                          string                `xml:"Path"`
	DefaultVersionID              string                `xml:"DefaultVersionId"`
	AttachmentCount               int                   `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int                   `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool                  `xml:"IsAttachable"`
	Description                   string                `xml:"Description,omitempty"`
	CreateDate                    query.Time            `xml:"CreateDate"`
	UpdateDate                    query.Time            `xml:"UpdateDate"`
	Tags                          memberList[Tag]       `xml:"Tags,omitempty"`
	PolicyVersionList             memberList[PolicyVer] `xml:"PolicyVersionList,omitempty"`
}

// managed is a managed policy of either owner, as the service needs it.
type managed struct {
	rec *policyRecord
	arn string
	aws bool
	// notAttachable marks the AWS managed policies AWS lists with
	// IsAttachable false.
	notAttachable bool
}

func (m *managed) doc() string {
	for _, v := range m.rec.Versions {
		if v.ID == m.rec.Default {
			return v.Doc
		}
	}
	return ""
}

// awsCatalogue is AWS's managed policies, in ListPolicies order and by
// ARN, built on first use (the catalogue is decoded then, not at every
// start).
type awsCatalogue struct {
	listed []*managed
	byARN  map[string]*managed
}

var awsPolicies = sync.OnceValue(func() *awsCatalogue {
	listed := awsmanaged.Listed()
	c := &awsCatalogue{listed: make([]*managed, 0, len(listed)), byARN: make(map[string]*managed, len(listed))}
	for _, p := range listed {
		m := &managed{arn: p.ARN, aws: true, notAttachable: !p.Attachable, rec: &policyRecord{
			Name: p.Name, ID: p.PolicyID, Path: p.Path, Description: p.Description, Created: p.CreateDate, Updated: p.UpdateDate,
			Default: p.DefaultVersionID, Versions: []policyVersion{{ID: p.DefaultVersionID, Doc: p.Document, Created: p.UpdateDate}},
		}}
		c.listed = append(c.listed, m)
		c.byARN[p.ARN] = m
	}
	return c
})

// parsePolicyArn splits arn:aws:iam::ACCOUNT:policy/PATH/NAME.
func parsePolicyArn(a string) (acct, path, name string, ok bool) {
	rest, ok := strings.CutPrefix(a, "arn:aws:iam::")
	if !ok {
		return "", "", "", false
	}
	acct, rest, ok = strings.Cut(rest, ":policy")
	if !ok || !strings.HasPrefix(rest, "/") {
		return "", "", "", false
	}
	i := strings.LastIndex(rest, "/")
	return acct, rest[:i+1], rest[i+1:], rest[i+1:] != ""
}

func policyNotFound(a string) error {
	return noSuchEntity("Policy %s does not exist or is not attachable.", a)
}

func checkArn(member, a string) error {
	if len(a) < 20 || len(a) > 2048 {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to 20", a, member)
	}
	if !strings.HasPrefix(a, "arn:") {
		return invalidInput("ARN %s is not valid.", a)
	}
	return nil
}

// getManaged reads a managed policy by ARN, from the AWS catalogue or the
// account's own.
func getManaged(tx store.Tx, acct, a string) (*managed, error) {
	if m, ok := awsPolicies().byARN[a]; ok {
		return m, nil
	}
	pa, path, name, ok := parsePolicyArn(a)
	if !ok {
		return nil, invalidInput("ARN %s is not valid.", a)
	}
	if pa != acct {
		return nil, policyNotFound(a)
	}
	rec, err := getRecord[policyRecord](tx, tPolicies, entityKey(acct, name))
	if err != nil {
		return nil, notFound(err, policyNotFound(a))
	}
	if rec.Path != path || rec.Name != name {
		return nil, policyNotFound(a)
	}
	return &managed{rec: rec, arn: a}, nil
}

func (m *managed) shape(at *attachments, withTags bool) Policy {
	p := Policy{PolicyName: m.rec.Name, PolicyID: m.rec.ID, Arn: m.arn, Path: m.rec.Path, DefaultVersionID: m.rec.Default,
		IsAttachable: !m.notAttachable, Description: m.rec.Description, CreateDate: query.Time(m.rec.Created), UpdateDate: query.Time(m.rec.Updated)}
	if at != nil {
		p.AttachmentCount = at.count(m.arn)
		p.PermissionsBoundaryUsageCount = at.boundaries[m.arn]
	}
	if withTags {
		p.Tags = m.rec.Tags
	}
	return p
}

type createPolicyInput struct {
	PolicyName     string `query:",required"`
	Path           *string
	PolicyDocument string `query:",required"`
	Description    *string
	Tags           []Tag
}

type policyOutput struct {
	Policy Policy `xml:"Policy"`
}

func (s *Service) createPolicy(ctx context.Context, in *createPolicyInput) (*policyOutput, error) {
	path, err := checkNew("policyName", in.PolicyName, 128, in.Path, in.Tags)
	if err != nil {
		return nil, err
	}
	if err := checkDocument(in.PolicyDocument, policy.Identity, maxManagedPolicySize, "PolicySize"); err != nil {
		return nil, err
	}
	acct := account(ctx)
	now := s.now().UTC()
	rec := &policyRecord{Name: in.PolicyName, ID: newID("ANPA", 21), Path: path, Created: now, Updated: now, Default: "v1",
		Versions: []policyVersion{{ID: "v1", Doc: in.PolicyDocument, Created: now}}, Next: 2, Tags: in.Tags}
	if in.Description != nil {
		rec.Description = *in.Description
	}
	exists := alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", rec.Name)
	if err := s.insert(ctx, tPolicies, entityKey(acct, rec.Name), rec, exists, nil); err != nil {
		return nil, err
	}
	m := &managed{rec: rec, arn: arn(acct, "policy", path, rec.Name)}
	return &policyOutput{m.shape(nil, true)}, nil
}

type policyArnInput struct {
	PolicyArn string `query:",required"`
}

func (s *Service) getPolicy(ctx context.Context, in *policyArnInput) (*policyOutput, error) {
	if err := checkArn("policyArn", in.PolicyArn); err != nil {
		return nil, err
	}
	acct := account(ctx)
	var out Policy
	err := s.view(ctx, func(tx store.Tx) error {
		m, err := getManaged(tx, acct, in.PolicyArn)
		if err != nil {
			return err
		}
		at, err := loadAttachments(tx, acct)
		if err != nil {
			return err
		}
		out = m.shape(at, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &policyOutput{out}, nil
}

func awsOwned(a string) error {
	return awsproto.Newf(http.StatusBadRequest, "InvalidInput", "Policy %s is an AWS managed policy and cannot be modified.", a)
}

func (s *Service) deletePolicy(ctx context.Context, in *policyArnInput) (*struct{}, error) {
	if err := checkArn("policyArn", in.PolicyArn); err != nil {
		return nil, err
	}
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		m, err := getManaged(tx, acct, in.PolicyArn)
		if err != nil {
			return err
		}
		if m.aws {
			return awsOwned(m.arn)
		}
		at, err := loadAttachments(tx, acct)
		if err != nil {
			return err
		}
		if at.count(m.arn) > 0 || at.boundaries[m.arn] > 0 {
			return deleteConflict("Cannot delete a policy attached to entities.")
		}
		if len(m.rec.Versions) > 1 {
			return deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return tx.Delete(tPolicies, entityKey(acct, m.rec.Name))
	})
}

type listPoliciesInput struct {
	Scope             *string
	OnlyAttached      *bool
	PathPrefix        *string
	PolicyUsageFilter *string
	Marker            *string
	MaxItems          *int32
}

type listPoliciesOutput struct {
	Policies    []Policy `xml:"Policies>member"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
}

func (s *Service) listPolicies(ctx context.Context, in *listPoliciesInput) (*listPoliciesOutput, error) {
	scope := "All"
	if in.Scope != nil {
		scope = *in.Scope
	}
	if scope != "All" && scope != "AWS" && scope != "Local" {
		return nil, validation("1 validation error detected: Value '%s' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", scope)
	}
	acct := account(ctx)
	// The policies are filtered first and shaped a page at a time: AWS's
	// catalogue alone is some 1,450 policies.
	var all []*managed
	var at *attachments
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		at, err = loadAttachments(tx, acct)
		if err != nil {
			return err
		}
		add := func(m *managed) {
			if in.PathPrefix != nil && !strings.HasPrefix(m.rec.Path, *in.PathPrefix) {
				return
			}
			if in.OnlyAttached != nil && *in.OnlyAttached && at.count(m.arn) == 0 && at.boundaries[m.arn] == 0 {
				return
			}
			if in.PolicyUsageFilter != nil {
				switch *in.PolicyUsageFilter {
				case "PermissionsPolicy":
					if at.count(m.arn) == 0 && in.OnlyAttached != nil && *in.OnlyAttached {
						return
					}
				case "PermissionsBoundary":
					if at.boundaries[m.arn] == 0 && in.OnlyAttached != nil && *in.OnlyAttached {
						return
					}
				}
			}
			all = append(all, m)
		}
		if scope != "Local" {
			for _, m := range awsPolicies().listed {
				add(m)
			}
		}
		if scope != "AWS" {
			return scanAccount(tx, tPolicies, acct, func(r *policyRecord) error {
				add(&managed{rec: r, arn: arn(acct, "policy", r.Path, r.Name)})
				return nil
			})
		}
		return nil
	})
	items, trunc, next, err := paged(all, err, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &listPoliciesOutput{Policies: make([]Policy, 0, len(items)), IsTruncated: trunc, Marker: next}
	for _, m := range items {
		out.Policies = append(out.Policies, m.shape(at, false))
	}
	return out, nil
}

// policyTagged returns the customer managed policy named by a, to tag,
// or NoSuchEntity (AWS managed policies cannot be tagged).
func (s *Service) policyTagged(ctx context.Context, a string) (tagged, error) {
	if err := checkArn("policyArn", a); err != nil {
		return tagged{}, err
	}
	acct := account(ctx)
	pa, _, name, ok := parsePolicyArn(a)
	if !ok {
		return tagged{}, invalidInput("ARN %s is not valid.", a)
	}
	if pa != acct {
		return tagged{}, policyNotFound(a)
	}
	err := s.view(ctx, func(tx store.Tx) error {
		_, err := getManaged(tx, acct, a)
		return err
	})
	if err != nil {
		return tagged{}, err
	}
	return tagged{tPolicies, entityKey(acct, name), policyNotFound(a)}, nil
}

type tagPolicyInput struct {
	PolicyArn string `query:",required"`
	Tags      []Tag  `query:",required"`
}

func (s *Service) tagPolicy(ctx context.Context, in *tagPolicyInput) (*struct{}, error) {
	t, err := s.policyTagged(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return nil, s.tag(ctx, t, in.Tags)
}

type untagPolicyInput struct {
	PolicyArn string   `query:",required"`
	TagKeys   []string `query:",required"`
}

func (s *Service) untagPolicy(ctx context.Context, in *untagPolicyInput) (*struct{}, error) {
	t, err := s.policyTagged(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return nil, s.untag(ctx, t, in.TagKeys)
}

type listPolicyTagsInput struct {
	PolicyArn string `query:",required"`
	Marker    *string
	MaxItems  *int32
}

func (s *Service) listPolicyTags(ctx context.Context, in *listPolicyTagsInput) (*listTagsOutput, error) {
	t, err := s.policyTagged(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return s.listTags(ctx, t, in.Marker, in.MaxItems)
}

// sortPolicies orders policies by name for stable listings.
func sortPolicies(ps []Policy) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].PolicyName < ps[j].PolicyName })
}
