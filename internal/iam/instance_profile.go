package iam

import (
	"context"
	"strings"

	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/store"
)

// Instance profiles: EC2 instances take a role through one.

// InstanceProfile is IAM's InstanceProfile shape.
type InstanceProfile struct {
	Path                string          `xml:"Path"`
	InstanceProfileName string          `xml:"InstanceProfileName"`
	InstanceProfileID   string          `xml:"InstanceProfileId"`
	Arn                 string          `xml:"Arn"`
	CreateDate          query.Time      `xml:"CreateDate"`
	Roles               []Role          `xml:"Roles>member"`
	Tags                memberList[Tag] `xml:"Tags,omitempty"`
}

func getProfile(tx store.Tx, acct, name string) (*profileRecord, error) {
	p, err := getRecord[profileRecord](tx, tProfiles, entityKey(acct, name))
	return p, notFound(err, noSuchEntity("Instance Profile %s cannot be found.", name))
}

func profileShape(tx store.Tx, acct string, p *profileRecord) (InstanceProfile, error) {
	out := InstanceProfile{Path: p.Path, InstanceProfileName: p.Name, InstanceProfileID: p.ID, Arn: arn(acct, "instance-profile", p.Path, p.Name),
		CreateDate: query.Time(p.Created), Roles: []Role{}, Tags: p.Tags}
	for _, rn := range p.Roles {
		r, err := getRole(tx, acct, rn)
		if err != nil {
			continue
		}
		out.Roles = append(out.Roles, r.shape(acct, false))
	}
	return out, nil
}

type createProfileInput struct {
	InstanceProfileName string `query:",required"`
	Path                *string
	Tags                []Tag
}

type profileOutput struct {
	InstanceProfile InstanceProfile `xml:"InstanceProfile"`
}

func (s *Service) createInstanceProfile(ctx context.Context, in *createProfileInput) (*profileOutput, error) {
	path, err := checkNew("instanceProfileName", in.InstanceProfileName, 128, in.Path, nil)
	if err != nil {
		return nil, err
	}
	acct := account(ctx)
	p := &profileRecord{Name: in.InstanceProfileName, ID: newID("AIPA", 21), Path: path, Created: s.now().UTC(), Tags: in.Tags}
	var out InstanceProfile
	err = s.insert(ctx, tProfiles, entityKey(acct, p.Name), p, alreadyExists("Instance Profile %s already exists.", p.Name), func(tx store.Tx) error {
		out, _ = profileShape(tx, acct, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &profileOutput{out}, nil
}

type profileNameInput struct {
	InstanceProfileName string `query:",required"`
}

func (s *Service) getInstanceProfile(ctx context.Context, in *profileNameInput) (*profileOutput, error) {
	acct := account(ctx)
	var out InstanceProfile
	err := s.view(ctx, func(tx store.Tx) error {
		p, err := getProfile(tx, acct, in.InstanceProfileName)
		if err != nil {
			return err
		}
		out, err = profileShape(tx, acct, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &profileOutput{out}, nil
}

type listProfilesOutput struct {
	InstanceProfiles []InstanceProfile `xml:"InstanceProfiles>member"`
	IsTruncated      bool              `xml:"IsTruncated"`
	Marker           string            `xml:"Marker,omitempty"`
}

func (s *Service) listInstanceProfiles(ctx context.Context, in *listInput) (*listProfilesOutput, error) {
	return s.listProfiles(ctx, in, "")
}

type listProfilesForRoleInput struct {
	RoleName string `query:",required"`
	Marker   *string
	MaxItems *int32
}

func (s *Service) listInstanceProfilesForRole(ctx context.Context, in *listProfilesForRoleInput) (*listProfilesOutput, error) {
	err := s.view(ctx, func(tx store.Tx) error {
		_, err := getRole(tx, account(ctx), in.RoleName)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.listProfiles(ctx, &listInput{Marker: in.Marker, MaxItems: in.MaxItems}, in.RoleName)
}

func (s *Service) listProfiles(ctx context.Context, in *listInput, role string) (*listProfilesOutput, error) {
	acct := account(ctx)
	var all []InstanceProfile
	err := s.view(ctx, func(tx store.Tx) error {
		return scanAccount(tx, tProfiles, acct, func(p *profileRecord) error {
			if in.PathPrefix != nil && !strings.HasPrefix(p.Path, *in.PathPrefix) {
				return nil
			}
			if role != "" && !containsFold(p.Roles, role) {
				return nil
			}
			sh, err := profileShape(tx, acct, p)
			all = append(all, sh)
			return err
		})
	})
	items, trunc, next, err := paged(all, err, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &listProfilesOutput{items, trunc, next}, nil
}

func (s *Service) deleteInstanceProfile(ctx context.Context, in *profileNameInput) (*struct{}, error) {
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		p, err := getProfile(tx, acct, in.InstanceProfileName)
		if err != nil {
			return err
		}
		if len(p.Roles) > 0 {
			return deleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
		return tx.Delete(tProfiles, entityKey(acct, p.Name))
	})
}

type profileRoleInput struct {
	InstanceProfileName string `query:",required"`
	RoleName            string `query:",required"`
}

func (s *Service) addRoleToInstanceProfile(ctx context.Context, in *profileRoleInput) (*struct{}, error) {
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		p, err := getProfile(tx, acct, in.InstanceProfileName)
		if err != nil {
			return err
		}
		r, err := getRole(tx, acct, in.RoleName)
		if err != nil {
			return err
		}
		if len(p.Roles) >= 1 {
			return limitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
		}
		p.Roles = append(p.Roles, r.Name)
		return putRecord(tx, tProfiles, entityKey(acct, p.Name), p)
	})
}

func (s *Service) removeRoleFromInstanceProfile(ctx context.Context, in *profileRoleInput) (*struct{}, error) {
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		p, err := getProfile(tx, acct, in.InstanceProfileName)
		if err != nil {
			return err
		}
		l, ok := removeString(p.Roles, in.RoleName)
		if !ok {
			return noSuchEntity("The role with name %s cannot be found.", in.RoleName)
		}
		p.Roles = l
		return putRecord(tx, tProfiles, entityKey(acct, p.Name), p)
	})
}

func profileNotFound(name string) error {
	return noSuchEntity("Instance Profile %s cannot be found.", name)
}

// profileTagged is the instance profile called name, to tag.
func profileTagged(ctx context.Context, name string) tagged {
	return tagged{tProfiles, entityKey(account(ctx), name), profileNotFound(name)}
}

type tagProfileInput struct {
	InstanceProfileName string `query:",required"`
	Tags                []Tag  `query:",required"`
}

func (s *Service) tagInstanceProfile(ctx context.Context, in *tagProfileInput) (*struct{}, error) {
	return nil, s.tag(ctx, profileTagged(ctx, in.InstanceProfileName), in.Tags)
}

type untagProfileInput struct {
	InstanceProfileName string   `query:",required"`
	TagKeys             []string `query:",required"`
}

func (s *Service) untagInstanceProfile(ctx context.Context, in *untagProfileInput) (*struct{}, error) {
	return nil, s.untag(ctx, profileTagged(ctx, in.InstanceProfileName), in.TagKeys)
}

type listProfileTagsInput struct {
	InstanceProfileName string `query:",required"`
	Marker              *string
	MaxItems            *int32
}

func (s *Service) listInstanceProfileTags(ctx context.Context, in *listProfileTagsInput) (*listTagsOutput, error) {
	return s.listTags(ctx, profileTagged(ctx, in.InstanceProfileName), in.Marker, in.MaxItems)
}

// LookupInstanceProfile finds an account's instance profile by name or
// ARN, for EC2's RunInstances; ok is false when there is none.
func (s *Service) LookupInstanceProfile(ctx context.Context, acct, nameOrARN string) (arnOut, id string, ok bool, err error) {
	name := nameOrARN
	if strings.HasPrefix(nameOrARN, "arn:") {
		a, kind, n, valid := splitIAMArn(nameOrARN)
		if !valid || kind != "instance-profile" || a != acct {
			return "", "", false, nil
		}
		name = n
	}
	err = s.view(ctx, func(tx store.Tx) error {
		p, gerr := getProfile(tx, acct, name)
		if gerr != nil {
			return nil
		}
		full := arn(acct, "instance-profile", p.Path, p.Name)
		if strings.HasPrefix(nameOrARN, "arn:") && full != nameOrARN {
			return nil
		}
		arnOut, id, ok = full, p.ID, true
		return nil
	})
	return arnOut, id, ok, err
}

// InstanceProfileRole returns the role of an account's instance profile
// (by name or ARN), whose credentials the EC2 metadata service hands to
// the profile's instances; ok is false when the profile or its role is
// gone.
func (s *Service) InstanceProfileRole(ctx context.Context, acct, nameOrARN string) (RoleInfo, bool, error) {
	name := nameOrARN
	if strings.HasPrefix(nameOrARN, "arn:") {
		a, kind, n, valid := splitIAMArn(nameOrARN)
		if !valid || kind != "instance-profile" || a != acct {
			return RoleInfo{}, false, nil
		}
		name = n
	}
	var roleARN string
	err := s.view(ctx, func(tx store.Tx) error {
		p, err := getProfile(tx, acct, name)
		if err != nil || len(p.Roles) == 0 {
			return nil
		}
		r, err := getRole(tx, acct, p.Roles[0])
		if err != nil {
			return nil
		}
		roleARN = r.arn(acct)
		return nil
	})
	if err != nil || roleARN == "" {
		return RoleInfo{}, false, err
	}
	return s.LookupRole(ctx, roleARN)
}
