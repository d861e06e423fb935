package iam

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

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

// PolicyVer is IAM's PolicyVersion shape.
type PolicyVer struct {
	Document         string     `xml:"Document,omitempty"`
	VersionID        string     `xml:"VersionId"`
	IsDefaultVersion bool       `xml:"IsDefaultVersion"`
	CreateDate       query.Time `xml:"CreateDate"`
}

// Size quotas, in characters without whitespace.
const (
	maxManagedPolicySize = 6144
	maxUserInlineSize    = 2048
	maxGroupInlineSize   = 5120
	maxRoleInlineSize    = 10240
	maxPolicyVersions    = 5
	maxAttached          = 10
)

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

func (s *Service) checkBoundary(tx store.Tx, acct, a string) error {
	if err := checkArn("permissionsBoundary", a); err != nil {
		return err
	}
	if _, err := getManaged(tx, acct, a); err != nil {
		return invalidInput("Policy %s does not exist or is not attachable.", a)
	}
	return nil
}

// checkDocument parses and validates a policy document for its use.
func checkDocument(doc string, kind policy.Kind, max int, quota string) error {
	if doc == "" {
		return validation("1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if n := sizeNoSpace(doc); n > max {
		return limitExceeded("Cannot exceed quota for %s: %d", quota, max)
	}
	p, err := policy.Parse([]byte(doc))
	if err != nil {
		return malformedPolicy(reasonOf(err))
	}
	if err := p.Validate(kind); err != nil {
		return malformedPolicy(reasonOf(err))
	}
	return nil
}

func reasonOf(err error) string {
	if pe, ok := err.(*policy.Error); ok {
		return pe.Reason
	}
	return "Syntax errors in policy."
}

func sizeNoSpace(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// attachments counts, for one account, where each managed policy is
// attached and used as a boundary.
type attachments struct {
	users, groups, roles map[string][]string // policy ARN → entity names
	boundaries           map[string]int
}

func loadAttachments(tx store.Tx, acct string) (*attachments, error) {
	at := &attachments{users: map[string][]string{}, groups: map[string][]string{}, roles: map[string][]string{}, boundaries: map[string]int{}}
	err := scanAccount(tx, tUsers, acct, func(u *userRecord) error {
		for _, a := range u.Attached {
			at.users[a] = append(at.users[a], u.Name)
		}
		if u.Boundary != "" {
			at.boundaries[u.Boundary]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanAccount(tx, tGroups, acct, func(g *groupRecord) error {
		for _, a := range g.Attached {
			at.groups[a] = append(at.groups[a], g.Name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanAccount(tx, tRoles, acct, func(r *roleRecord) error {
		for _, a := range r.Attached {
			at.roles[a] = append(at.roles[a], r.Name)
		}
		if r.Boundary != "" {
			at.boundaries[r.Boundary]++
		}
		return nil
	})
	return at, err
}

func (at *attachments) count(a string) int {
	return len(at.users[a]) + len(at.groups[a]) + len(at.roles[a])
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
	if err := checkName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
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
	err = s.update(ctx, func(tx store.Tx) error {
		if _, err := getRecord[policyRecord](tx, tPolicies, entityKey(acct, rec.Name)); err == nil {
			return alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", rec.Name)
		}
		return putRecord(tx, tPolicies, entityKey(acct, rec.Name), rec)
	})
	if err != nil {
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
	if err != nil {
		return nil, err
	}
	items, trunc, next, err := page(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &listPoliciesOutput{Policies: make([]Policy, 0, len(items)), IsTruncated: trunc, Marker: next}
	for _, m := range items {
		out.Policies = append(out.Policies, m.shape(at, false))
	}
	return out, nil
}

type policyVersionInput struct {
	PolicyArn string `query:",required"`
	VersionID string `query:"VersionId,required"`
}

type policyVersionOutput struct {
	PolicyVersion PolicyVer `xml:"PolicyVersion"`
}

func versionNotFound(a, v string) error {
	return noSuchEntity("Policy %s version %s does not exist or is not attachable.", a, v)
}

func (s *Service) getPolicyVersion(ctx context.Context, in *policyVersionInput) (*policyVersionOutput, error) {
	acct := account(ctx)
	var out PolicyVer
	err := s.view(ctx, func(tx store.Tx) error {
		m, err := getManaged(tx, acct, in.PolicyArn)
		if err != nil {
			return err
		}
		for _, v := range m.rec.Versions {
			if v.ID == in.VersionID {
				out = PolicyVer{encodeDocument(v.Doc), v.ID, v.ID == m.rec.Default, query.Time(v.Created)}
				return nil
			}
		}
		return versionNotFound(in.PolicyArn, in.VersionID)
	})
	if err != nil {
		return nil, err
	}
	return &policyVersionOutput{out}, nil
}

type createPolicyVersionInput struct {
	PolicyArn      string `query:",required"`
	PolicyDocument string `query:",required"`
	SetAsDefault   *bool
}

func (s *Service) createPolicyVersion(ctx context.Context, in *createPolicyVersionInput) (*policyVersionOutput, error) {
	if err := checkDocument(in.PolicyDocument, policy.Identity, maxManagedPolicySize, "PolicySize"); err != nil {
		return nil, err
	}
	acct := account(ctx)
	var out PolicyVer
	err := s.update(ctx, func(tx store.Tx) error {
		m, err := getManaged(tx, acct, in.PolicyArn)
		if err != nil {
			return err
		}
		if m.aws {
			return awsOwned(m.arn)
		}
		if len(m.rec.Versions) >= maxPolicyVersions {
			return limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		now := s.now().UTC()
		v := policyVersion{ID: "v" + strconv.Itoa(m.rec.Next), Doc: in.PolicyDocument, Created: now}
		m.rec.Next++
		m.rec.Versions = append(m.rec.Versions, v)
		def := in.SetAsDefault != nil && *in.SetAsDefault
		if def {
			m.rec.Default = v.ID
		}
		m.rec.Updated = now
		out = PolicyVer{VersionID: v.ID, IsDefaultVersion: def, CreateDate: query.Time(now)}
		return putRecord(tx, tPolicies, entityKey(acct, m.rec.Name), m.rec)
	})
	if err != nil {
		return nil, err
	}
	return &policyVersionOutput{out}, nil
}

type listPolicyVersionsInput struct {
	PolicyArn string `query:",required"`
	Marker    *string
	MaxItems  *int32
}

type listPolicyVersionsOutput struct {
	Versions    []PolicyVer `xml:"Versions>member"`
	IsTruncated bool        `xml:"IsTruncated"`
	Marker      string      `xml:"Marker,omitempty"`
}

func (s *Service) listPolicyVersions(ctx context.Context, in *listPolicyVersionsInput) (*listPolicyVersionsOutput, error) {
	acct := account(ctx)
	var all []PolicyVer
	err := s.view(ctx, func(tx store.Tx) error {
		m, err := getManaged(tx, acct, in.PolicyArn)
		if err != nil {
			return err
		}
		for i := len(m.rec.Versions) - 1; i >= 0; i-- {
			v := m.rec.Versions[i]
			all = append(all, PolicyVer{VersionID: v.ID, IsDefaultVersion: v.ID == m.rec.Default, CreateDate: query.Time(v.Created)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, trunc, next, err := page(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &listPolicyVersionsOutput{orEmpty(items), trunc, next}, nil
}

func (s *Service) setDefaultPolicyVersion(ctx context.Context, in *policyVersionInput) (*struct{}, error) {
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		m, err := getManaged(tx, acct, in.PolicyArn)
		if err != nil {
			return err
		}
		if m.aws {
			return awsOwned(m.arn)
		}
		for _, v := range m.rec.Versions {
			if v.ID == in.VersionID {
				m.rec.Default = v.ID
				m.rec.Updated = s.now().UTC()
				return putRecord(tx, tPolicies, entityKey(acct, m.rec.Name), m.rec)
			}
		}
		return versionNotFound(in.PolicyArn, in.VersionID)
	})
}

func (s *Service) deletePolicyVersion(ctx context.Context, in *policyVersionInput) (*struct{}, error) {
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		m, err := getManaged(tx, acct, in.PolicyArn)
		if err != nil {
			return err
		}
		if m.aws {
			return awsOwned(m.arn)
		}
		for i, v := range m.rec.Versions {
			if v.ID == in.VersionID {
				if v.ID == m.rec.Default {
					return deleteConflict("Cannot delete the default version of a policy.")
				}
				m.rec.Versions = append(m.rec.Versions[:i], m.rec.Versions[i+1:]...)
				return putRecord(tx, tPolicies, entityKey(acct, m.rec.Name), m.rec)
			}
		}
		return versionNotFound(in.PolicyArn, in.VersionID)
	})
}

type listEntitiesInput struct {
	PolicyArn         string `query:",required"`
	EntityFilter      *string
	PathPrefix        *string
	PolicyUsageFilter *string
	Marker            *string
	MaxItems          *int32
}

type policyEntity struct {
	Name string `xml:"-"`
	ID   string `xml:"-"`
}

type policyGroup struct {
	GroupName string `xml:"GroupName"`
	GroupID   string `xml:"GroupId"`
}
type policyUser struct {
	UserName string `xml:"UserName"`
	UserID   string `xml:"UserId"`
}
type policyRole struct {
	RoleName string `xml:"RoleName"`
	RoleID   string `xml:"RoleId"`
}

type listEntitiesOutput struct {
	PolicyGroups []policyGroup `xml:"PolicyGroups>member"`
	PolicyUsers  []policyUser  `xml:"PolicyUsers>member"`
	PolicyRoles  []policyRole  `xml:"PolicyRoles>member"`
	IsTruncated  bool          `xml:"IsTruncated"`
}

func (s *Service) listEntitiesForPolicy(ctx context.Context, in *listEntitiesInput) (*listEntitiesOutput, error) {
	acct := account(ctx)
	out := &listEntitiesOutput{PolicyGroups: []policyGroup{}, PolicyUsers: []policyUser{}, PolicyRoles: []policyRole{}}
	want := func(kind string) bool {
		if in.EntityFilter == nil {
			return true
		}
		switch *in.EntityFilter {
		case "User", "Group", "Role":
			return *in.EntityFilter == kind
		case "LocalManagedPolicy", "AWSManagedPolicy":
			return false
		}
		return false
	}
	pathOK := func(p string) bool { return in.PathPrefix == nil || strings.HasPrefix(p, *in.PathPrefix) }
	boundary := in.PolicyUsageFilter != nil && *in.PolicyUsageFilter == "PermissionsBoundary"
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getManaged(tx, acct, in.PolicyArn); err != nil {
			return err
		}
		uses := func(pp *principalPolicies) bool {
			if boundary {
				return pp.Boundary == in.PolicyArn
			}
			return containsExact(pp.Attached, in.PolicyArn)
		}
		if want("User") {
			if err := scanAccount(tx, tUsers, acct, func(u *userRecord) error {
				if uses(&u.principalPolicies) && pathOK(u.Path) {
					out.PolicyUsers = append(out.PolicyUsers, policyUser{u.Name, u.ID})
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if want("Group") && !boundary {
			if err := scanAccount(tx, tGroups, acct, func(g *groupRecord) error {
				if uses(&g.principalPolicies) && pathOK(g.Path) {
					out.PolicyGroups = append(out.PolicyGroups, policyGroup{g.Name, g.ID})
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if want("Role") {
			return scanAccount(tx, tRoles, acct, func(r *roleRecord) error {
				if uses(&r.principalPolicies) && pathOK(r.Path) {
					out.PolicyRoles = append(out.PolicyRoles, policyRole{r.Name, r.ID})
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func containsExact(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Holders: users, groups and roles carry inline and attached policies the
// same way.

type holder struct {
	kind   string // User, Group, Role
	name   string
	path   string
	pp     *principalPolicies
	save   func() error
	inline int // inline policy size quota
}

func loadHolder(tx store.Tx, acct, kind, name string) (*holder, error) {
	switch kind {
	case "User":
		u, err := getUser(tx, acct, name)
		if err != nil {
			return nil, err
		}
		return &holder{kind, u.Name, u.Path, &u.principalPolicies, func() error { return putRecord(tx, tUsers, entityKey(acct, u.Name), u) }, maxUserInlineSize}, nil
	case "Group":
		g, err := getGroup(tx, acct, name)
		if err != nil {
			return nil, err
		}
		return &holder{kind, g.Name, g.Path, &g.principalPolicies, func() error { return putRecord(tx, tGroups, entityKey(acct, g.Name), g) }, maxGroupInlineSize}, nil
	case "Role":
		r, err := getRole(tx, acct, name)
		if err != nil {
			return nil, err
		}
		return &holder{kind, r.Name, r.Path, &r.principalPolicies, func() error { return putRecord(tx, tRoles, entityKey(acct, r.Name), r) }, maxRoleInlineSize}, nil
	}
	return nil, fmt.Errorf("iam: unknown holder kind %s", kind)
}

// holderInput binds UserName, GroupName or RoleName, whichever the
// operation has, plus the policy fields.
type holderInput struct {
	UserName       *string
	GroupName      *string
	RoleName       *string
	PolicyName     *string
	PolicyDocument *string
	PolicyArn      *string
	PathPrefix     *string
	Marker         *string
	MaxItems       *int32
}

func (in *holderInput) holder(kind string) (string, error) {
	var p *string
	switch kind {
	case "User":
		p = in.UserName
	case "Group":
		p = in.GroupName
	case "Role":
		p = in.RoleName
	}
	if p == nil {
		return "", validation("1 validation error detected: Value null at '%sName' failed to satisfy constraint: Member must not be null", strings.ToLower(kind))
	}
	return *p, nil
}

func required(name string, p *string) (string, error) {
	if p == nil {
		return "", validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", name)
	}
	return *p, nil
}

func (s *Service) putInline(kind string) func(context.Context, *holderInput) (*struct{}, error) {
	return func(ctx context.Context, in *holderInput) (*struct{}, error) {
		name, err := in.holder(kind)
		if err != nil {
			return nil, err
		}
		pname, err := required("policyName", in.PolicyName)
		if err != nil {
			return nil, err
		}
		doc, err := required("policyDocument", in.PolicyDocument)
		if err != nil {
			return nil, err
		}
		if err := checkName("policyName", pname, 128); err != nil {
			return nil, err
		}
		quota := map[string]int{"User": maxUserInlineSize, "Group": maxGroupInlineSize, "Role": maxRoleInlineSize}[kind]
		if err := checkDocument(doc, policy.Identity, quota, kind+"PolicySize"); err != nil {
			return nil, err
		}
		acct := account(ctx)
		return nil, s.update(ctx, func(tx store.Tx) error {
			h, err := loadHolder(tx, acct, kind, name)
			if err != nil {
				return err
			}
			if h.pp.Inline == nil {
				h.pp.Inline = map[string]string{}
			}
			for k := range h.pp.Inline {
				if strings.EqualFold(k, pname) {
					delete(h.pp.Inline, k)
				}
			}
			h.pp.Inline[pname] = doc
			return h.save()
		})
	}
}

type inlinePolicyOutput struct {
	XMLName        struct{} `xml:"-"`
	UserName       string   `xml:"UserName,omitempty"`
	GroupName      string   `xml:"GroupName,omitempty"`
	RoleName       string   `xml:"RoleName,omitempty"`
	PolicyName     string   `xml:"PolicyName"`
	PolicyDocument string   `xml:"PolicyDocument"`
}

func inlineNotFound(kind, holder, pname string) error {
	return noSuchEntity("The %s policy with name %s cannot be found.", strings.ToLower(kind), pname)
}

func findInline(pp *principalPolicies, pname string) (string, string, bool) {
	for k, v := range pp.Inline {
		if strings.EqualFold(k, pname) {
			return k, v, true
		}
	}
	return "", "", false
}

func (s *Service) getInline(kind string) func(context.Context, *holderInput) (*inlinePolicyOutput, error) {
	return func(ctx context.Context, in *holderInput) (*inlinePolicyOutput, error) {
		name, err := in.holder(kind)
		if err != nil {
			return nil, err
		}
		pname, err := required("policyName", in.PolicyName)
		if err != nil {
			return nil, err
		}
		acct := account(ctx)
		out := &inlinePolicyOutput{}
		err = s.view(ctx, func(tx store.Tx) error {
			h, err := loadHolder(tx, acct, kind, name)
			if err != nil {
				return err
			}
			k, doc, ok := findInline(h.pp, pname)
			if !ok {
				return inlineNotFound(kind, h.name, pname)
			}
			out.PolicyName, out.PolicyDocument = k, encodeDocument(doc)
			switch kind {
			case "User":
				out.UserName = h.name
			case "Group":
				out.GroupName = h.name
			case "Role":
				out.RoleName = h.name
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

func (s *Service) deleteInline(kind string) func(context.Context, *holderInput) (*struct{}, error) {
	return func(ctx context.Context, in *holderInput) (*struct{}, error) {
		name, err := in.holder(kind)
		if err != nil {
			return nil, err
		}
		pname, err := required("policyName", in.PolicyName)
		if err != nil {
			return nil, err
		}
		acct := account(ctx)
		return nil, s.update(ctx, func(tx store.Tx) error {
			h, err := loadHolder(tx, acct, kind, name)
			if err != nil {
				return err
			}
			k, _, ok := findInline(h.pp, pname)
			if !ok {
				return inlineNotFound(kind, h.name, pname)
			}
			delete(h.pp.Inline, k)
			return h.save()
		})
	}
}

type listInlineOutput struct {
	PolicyNames []string `xml:"PolicyNames>member"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
}

func (s *Service) listInline(kind string) func(context.Context, *holderInput) (*listInlineOutput, error) {
	return func(ctx context.Context, in *holderInput) (*listInlineOutput, error) {
		name, err := in.holder(kind)
		if err != nil {
			return nil, err
		}
		acct := account(ctx)
		var names []string
		err = s.view(ctx, func(tx store.Tx) error {
			h, err := loadHolder(tx, acct, kind, name)
			if err != nil {
				return err
			}
			names = sortedKeys(h.pp.Inline)
			return nil
		})
		if err != nil {
			return nil, err
		}
		items, trunc, next, err := page(names, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &listInlineOutput{orEmpty(items), trunc, next}, nil
	}
}

func (s *Service) attach(kind string) func(context.Context, *holderInput) (*struct{}, error) {
	return func(ctx context.Context, in *holderInput) (*struct{}, error) {
		name, err := in.holder(kind)
		if err != nil {
			return nil, err
		}
		a, err := required("policyArn", in.PolicyArn)
		if err != nil {
			return nil, err
		}
		if err := checkArn("policyArn", a); err != nil {
			return nil, err
		}
		acct := account(ctx)
		return nil, s.update(ctx, func(tx store.Tx) error {
			h, err := loadHolder(tx, acct, kind, name)
			if err != nil {
				return err
			}
			m, err := getManaged(tx, acct, a)
			if err != nil {
				return err
			}
			if m.notAttachable {
				return policyNotFound(a)
			}
			if containsExact(h.pp.Attached, a) {
				return nil
			}
			if len(h.pp.Attached) >= maxAttached {
				return limitExceeded("Cannot exceed quota for PoliciesPer%s: %d", kind, maxAttached)
			}
			h.pp.Attached = append(h.pp.Attached, a)
			return h.save()
		})
	}
}

func (s *Service) detach(kind string) func(context.Context, *holderInput) (*struct{}, error) {
	return func(ctx context.Context, in *holderInput) (*struct{}, error) {
		name, err := in.holder(kind)
		if err != nil {
			return nil, err
		}
		a, err := required("policyArn", in.PolicyArn)
		if err != nil {
			return nil, err
		}
		acct := account(ctx)
		return nil, s.update(ctx, func(tx store.Tx) error {
			h, err := loadHolder(tx, acct, kind, name)
			if err != nil {
				return err
			}
			for i, v := range h.pp.Attached {
				if v == a {
					h.pp.Attached = append(h.pp.Attached[:i], h.pp.Attached[i+1:]...)
					return h.save()
				}
			}
			return noSuchEntity("Policy %s was not found.", a)
		})
	}
}

// AttachedPolicy is IAM's AttachedPolicy shape.
type AttachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type listAttachedOutput struct {
	AttachedPolicies []AttachedPolicy `xml:"AttachedPolicies>member"`
	IsTruncated      bool             `xml:"IsTruncated"`
	Marker           string           `xml:"Marker,omitempty"`
}

func attachedOf(pp *principalPolicies, prefix *string) []AttachedPolicy {
	var out []AttachedPolicy
	for _, a := range pp.Attached {
		_, path, name, _ := parsePolicyArn(a)
		if prefix != nil && !strings.HasPrefix(path, *prefix) {
			continue
		}
		out = append(out, AttachedPolicy{name, a})
	}
	return out
}

func (s *Service) listAttached(kind string) func(context.Context, *holderInput) (*listAttachedOutput, error) {
	return func(ctx context.Context, in *holderInput) (*listAttachedOutput, error) {
		name, err := in.holder(kind)
		if err != nil {
			return nil, err
		}
		acct := account(ctx)
		var all []AttachedPolicy
		err = s.view(ctx, func(tx store.Tx) error {
			h, err := loadHolder(tx, acct, kind, name)
			if err != nil {
				return err
			}
			all = attachedOf(h.pp, in.PathPrefix)
			return nil
		})
		if err != nil {
			return nil, err
		}
		items, trunc, next, err := page(all, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		return &listAttachedOutput{orEmpty(items), trunc, next}, nil
	}
}

// sortPolicies orders policies by name for stable listings.
func sortPolicies(ps []Policy) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].PolicyName < ps[j].PolicyName })
}

var _ = time.Now
