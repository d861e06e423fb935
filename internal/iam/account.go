package iam

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/store"
)

// validAlias checks IAM's alias pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$
// (Go's regexp has no look-ahead, so "--" is checked apart).
func validAlias(a string) bool {
	if len(a) < 3 || len(a) > 63 || strings.Contains(a, "--") {
		return false
	}
	for i, c := range a {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0 && i < len(a)-1
		if !ok {
			return false
		}
	}
	return true
}

type aliasInput struct {
	AccountAlias string `query:",required"`
}

func (s *Service) createAccountAlias(ctx context.Context, in *aliasInput) (*struct{}, error) {
	if !validAlias(in.AccountAlias) {
		return nil, validation("1 validation error detected: Value '%s' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$", in.AccountAlias)
	}
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		owner, err := tx.Get(tAliasOf, []byte(in.AccountAlias))
		if err == nil {
			if string(owner) == acct {
				return nil
			}
			return alreadyExists("The account alias %s already exists.", in.AccountAlias)
		}
		if old, err := tx.Get(tAliases, []byte(acct)); err == nil {
			if err := tx.Delete(tAliasOf, append([]byte(nil), old...)); err != nil {
				return err
			}
		}
		if err := tx.Put(tAliases, []byte(acct), []byte(in.AccountAlias)); err != nil {
			return err
		}
		return tx.Put(tAliasOf, []byte(in.AccountAlias), []byte(acct))
	})
}

func (s *Service) deleteAccountAlias(ctx context.Context, in *aliasInput) (*struct{}, error) {
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		cur, err := tx.Get(tAliases, []byte(acct))
		if err != nil || string(cur) != in.AccountAlias {
			return noSuchEntity("The account alias %s cannot be found.", in.AccountAlias)
		}
		if err := tx.Delete(tAliases, []byte(acct)); err != nil {
			return err
		}
		return tx.Delete(tAliasOf, []byte(in.AccountAlias))
	})
}

type listAliasesInput struct {
	Marker   *string
	MaxItems *int32
}

type listAliasesOutput struct {
	AccountAliases []string `xml:"AccountAliases>member"`
	IsTruncated    bool     `xml:"IsTruncated"`
}

func (s *Service) listAccountAliases(ctx context.Context, _ *listAliasesInput) (*listAliasesOutput, error) {
	out := &listAliasesOutput{AccountAliases: []string{}}
	err := s.view(ctx, func(tx store.Tx) error {
		a, err := tx.Get(tAliases, []byte(account(ctx)))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err == nil {
			out.AccountAliases = append(out.AccountAliases, string(a))
		}
		return err
	})
	return out, err
}

// accountCreated is when gureum says the account was created.
func (s *Service) accountCreated() time.Time {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
}

// Authorization details.

type policyDetail struct {
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

type userDetail struct {
	Path                    string                       `xml:"Path"`
	UserName                string                       `xml:"UserName"`
	UserID                  string                       `xml:"UserId"`
	Arn                     string                       `xml:"Arn"`
	CreateDate              query.Time                   `xml:"CreateDate"`
	UserPolicyList          []policyDetail               `xml:"UserPolicyList>member"`
	GroupList               []string                     `xml:"GroupList>member"`
	AttachedManagedPolicies []AttachedPolicy             `xml:"AttachedManagedPolicies>member"`
	PermissionsBoundary     *AttachedPermissionsBoundary `xml:"PermissionsBoundary,omitempty"`
	Tags                    []Tag                        `xml:"Tags>member"`
}

type groupDetail struct {
	Path                    string           `xml:"Path"`
	GroupName               string           `xml:"GroupName"`
	GroupID                 string           `xml:"GroupId"`
	Arn                     string           `xml:"Arn"`
	CreateDate              query.Time       `xml:"CreateDate"`
	GroupPolicyList         []policyDetail   `xml:"GroupPolicyList>member"`
	AttachedManagedPolicies []AttachedPolicy `xml:"AttachedManagedPolicies>member"`
}

type roleDetail struct {
	Path                     string                       `xml:"Path"`
	RoleName                 string                       `xml:"RoleName"`
	RoleID                   string                       `xml:"RoleId"`
	Arn                      string                       `xml:"Arn"`
	CreateDate               query.Time                   `xml:"CreateDate"`
	AssumeRolePolicyDocument string                       `xml:"AssumeRolePolicyDocument"`
	InstanceProfileList      []InstanceProfile            `xml:"InstanceProfileList>member"`
	RolePolicyList           []policyDetail               `xml:"RolePolicyList>member"`
	AttachedManagedPolicies  []AttachedPolicy             `xml:"AttachedManagedPolicies>member"`
	PermissionsBoundary      *AttachedPermissionsBoundary `xml:"PermissionsBoundary,omitempty"`
	Tags                     []Tag                        `xml:"Tags>member"`
}

type authDetailsInput struct {
	Filter   []string
	MaxItems *int32
	Marker   *string
}

type authDetailsOutput struct {
	UserDetailList  []userDetail  `xml:"UserDetailList>member"`
	GroupDetailList []groupDetail `xml:"GroupDetailList>member"`
	RoleDetailList  []roleDetail  `xml:"RoleDetailList>member"`
	Policies        []Policy      `xml:"Policies>member"`
	IsTruncated     bool          `xml:"IsTruncated"`
}

func inlineDetails(m map[string]string) []policyDetail {
	out := []policyDetail{}
	for _, k := range sortedKeys(m) {
		out = append(out, policyDetail{k, encodeDocument(m[k])})
	}
	return out
}

func (s *Service) getAccountAuthorizationDetails(ctx context.Context, in *authDetailsInput) (*authDetailsOutput, error) {
	want := func(f string) bool {
		if len(in.Filter) == 0 {
			return true
		}
		for _, v := range in.Filter {
			if v == f {
				return true
			}
		}
		return false
	}
	acct := account(ctx)
	out := &authDetailsOutput{UserDetailList: []userDetail{}, GroupDetailList: []groupDetail{}, RoleDetailList: []roleDetail{}, Policies: []Policy{}}
	err := s.view(ctx, func(tx store.Tx) error {
		at, err := loadAttachments(tx, acct)
		if err != nil {
			return err
		}
		if want("User") {
			if err := scanAccount(tx, tUsers, acct, func(u *userRecord) error {
				out.UserDetailList = append(out.UserDetailList, userDetail{u.Path, u.Name, u.ID, u.arn(acct), query.Time(u.Created),
					inlineDetails(u.Inline), orEmpty(u.Groups), orEmpty(attachedOf(&u.principalPolicies, nil)), boundaryOf(u.Boundary), orEmpty(u.Tags)})
				return nil
			}); err != nil {
				return err
			}
		}
		if want("Group") {
			if err := scanAccount(tx, tGroups, acct, func(g *groupRecord) error {
				out.GroupDetailList = append(out.GroupDetailList, groupDetail{g.Path, g.Name, g.ID, g.arn(acct), query.Time(g.Created),
					inlineDetails(g.Inline), orEmpty(attachedOf(&g.principalPolicies, nil))})
				return nil
			}); err != nil {
				return err
			}
		}
		if want("Role") {
			if err := scanAccount(tx, tRoles, acct, func(r *roleRecord) error {
				var profiles []InstanceProfile
				err := scanAccount(tx, tProfiles, acct, func(p *profileRecord) error {
					if containsFold(p.Roles, r.Name) {
						sh, err := profileShape(tx, acct, p)
						profiles = append(profiles, sh)
						return err
					}
					return nil
				})
				if err != nil {
					return err
				}
				out.RoleDetailList = append(out.RoleDetailList, roleDetail{r.Path, r.Name, r.ID, r.arn(acct), query.Time(r.Created),
					encodeDocument(r.Trust), orEmpty(profiles), inlineDetails(r.Inline), orEmpty(attachedOf(&r.principalPolicies, nil)), boundaryOf(r.Boundary), orEmpty(r.Tags)})
				return nil
			}); err != nil {
				return err
			}
		}
		addPolicy := func(m *managed) {
			p := m.shape(at, false)
			for i := len(m.rec.Versions) - 1; i >= 0; i-- {
				v := m.rec.Versions[i]
				p.PolicyVersionList = append(p.PolicyVersionList, PolicyVer{encodeDocument(v.Doc), v.ID, v.ID == m.rec.Default, query.Time(v.Created)})
			}
			out.Policies = append(out.Policies, p)
		}
		if want("LocalManagedPolicy") {
			if err := scanAccount(tx, tPolicies, acct, func(r *policyRecord) error {
				addPolicy(&managed{rec: r, arn: arn(acct, "policy", r.Path, r.Name)})
				return nil
			}); err != nil {
				return err
			}
		}
		if want("AWSManagedPolicy") {
			for _, m := range awsPolicies().listed {
				if at.count(m.arn) > 0 || at.boundaries[m.arn] > 0 {
					addPolicy(m)
				}
			}
			sortPolicies(out.Policies)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type summaryEntry struct {
	Key   string `xml:"key"`
	Value int    `xml:"value"`
}

type accountSummaryOutput struct {
	SummaryMap []summaryEntry `xml:"SummaryMap>entry"`
}

func (s *Service) getAccountSummary(ctx context.Context, _ *struct{}) (*accountSummaryOutput, error) {
	acct := account(ctx)
	counts := map[string]int{}
	err := s.view(ctx, func(tx store.Tx) error {
		for table, key := range map[string]string{tUsers: "Users", tGroups: "Groups", tRoles: "Roles", tPolicies: "Policies", tProfiles: "InstanceProfiles"} {
			if err := tx.Scan(table, []byte(acct+"/"), nil, func(_, _ []byte) (bool, error) {
				counts[key]++
				return true, nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &accountSummaryOutput{}
	for _, k := range []string{"Users", "Groups", "Roles", "Policies", "InstanceProfiles"} {
		out.SummaryMap = append(out.SummaryMap, summaryEntry{k, counts[k]})
	}
	quotas := []summaryEntry{{"UsersQuota", 5000}, {"GroupsQuota", 300}, {"RolesQuota", 1000}, {"PoliciesQuota", 1500},
		{"InstanceProfilesQuota", 1000}, {"AccessKeysPerUserQuota", 2}, {"GroupsPerUserQuota", 10}, {"AttachedPoliciesPerUserQuota", 10},
		{"AttachedPoliciesPerGroupQuota", 10}, {"AttachedPoliciesPerRoleQuota", 10}, {"PolicyVersionsInUseQuota", 10000},
		{"VersionsPerPolicyQuota", 5}, {"PolicySizeQuota", 6144}, {"UserPolicySizeQuota", 2048}, {"GroupPolicySizeQuota", 5120}}
	out.SummaryMap = append(out.SummaryMap, quotas...)
	return out, nil
}
