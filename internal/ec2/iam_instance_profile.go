package ec2

import (
	"context"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/store"
)

// IAM instance profile associations: Describe, Associate, Replace and
// DisassociateIamInstanceProfile(Association). An instance has at most one
// association; it is the instance's IamInstanceProfile with an id
// (iip-assoc-…). A profile given to RunInstances has an association too,
// whose id is derived from the instance and the profile until one is
// replaced.

func (s *Service) iamInstanceProfileOps() opTable {
	return opTable{
		"DescribeIamInstanceProfileAssociations": handle(s.describeIamInstanceProfileAssociations),
		"AssociateIamInstanceProfile":            handle(s.associateIamInstanceProfile),
		"ReplaceIamInstanceProfileAssociation":   handle(s.replaceIamInstanceProfileAssociation),
		"DisassociateIamInstanceProfile":         handle(s.disassociateIamInstanceProfile),
	}
}

// resolveProfile finds the instance profile an ARN or a name names, with
// RunInstances' errors.
func (s *Service) resolveProfile(ctx context.Context, arn, name string) (*IamInstanceProfile, error) {
	sc := scopeOf(ctx)
	given := arn != ""
	if !given {
		arn = "arn:aws:iam::" + sc.acct + ":instance-profile/" + name
	} else if !strings.HasPrefix(arn, "arn:aws:iam::") || !strings.Contains(arn, ":instance-profile/") {
		return nil, errInvalidParameterValue("Value (%s) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN", arn)
	}
	profile := &IamInstanceProfile{Arn: arn, ID: "AIPA" + strings.ToUpper(hashID("x", arn)[2:19])}
	if s.profiles == nil {
		return profile, nil
	}
	ref := name
	if given {
		ref = arn
	}
	full, id, found, err := s.profiles.LookupInstanceProfile(ctx, sc.acct, ref)
	if err != nil {
		return nil, err
	}
	if !found {
		if given {
			return nil, errInvalidParameterValue("Value (%s) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN", arn)
		}
		return nil, errInvalidParameterValue("Value (%s) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name", name)
	}
	return &IamInstanceProfile{Arn: full, ID: id}, nil
}

// IamInstanceProfileAssociation is EC2's IamInstanceProfileAssociation.
type IamInstanceProfileAssociation struct {
	AssociationID      string              `xml:"associationId"`
	InstanceID         string              `xml:"instanceId"`
	IamInstanceProfile *IamInstanceProfile `xml:"iamInstanceProfile"`
	State              string              `xml:"state"`
	Timestamp          time.Time           `xml:"timestamp"`
}

// profileAssociation is an instance's association, nil when it has none
// (or is gone: a terminated instance's association is gone with it).
func profileAssociation(i *Instance) *IamInstanceProfileAssociation {
	if i.IamInstanceProfile == nil || i.State.Name == "terminated" {
		return nil
	}
	a := &IamInstanceProfileAssociation{AssociationID: i.IamAssociation, InstanceID: i.InstanceID,
		IamInstanceProfile: i.IamInstanceProfile, State: "associated", Timestamp: i.IamAssociatedAt}
	if a.AssociationID == "" {
		a.AssociationID = hashID("iip-assoc", i.InstanceID, i.IamInstanceProfile.Arn)
	}
	if a.Timestamp.IsZero() {
		a.Timestamp = i.LaunchTime
	}
	return a
}

// instanceByAssociation finds the instance an association id belongs to.
func instanceByAssociation(tx store.Tx, sc scope, id string) (*Instance, error) {
	var found *Instance
	err := scanRes(tx, sc, "i-", func(i *Instance) error {
		if a := profileAssociation(i); a != nil && a.AssociationID == id {
			found = i
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, errIamAssociationNotFound(id)
	}
	return found, nil
}

type describeIamInstanceProfileAssociationsInput struct {
	AssociationId []string
	Filter        []Filter
	MaxResults    *int32
	NextToken     *string
}

type describeIamInstanceProfileAssociationsOutput struct {
	Associations []*IamInstanceProfileAssociation `xml:"iamInstanceProfileAssociationSet>item"`
	NextToken    string                           `xml:"nextToken,omitempty"`
}

func (s *Service) describeIamInstanceProfileAssociations(ctx context.Context, in *describeIamInstanceProfileAssociationsInput) (*describeIamInstanceProfileAssociationsOutput, error) {
	if len(in.AssociationId) > 0 && (len(in.Filter) > 0 || in.MaxResults != nil) {
		return nil, errInvalidParameterValue("The parameter AssociationIds cannot be used with the parameters Filters or MaxResults.")
	}
	sc := scopeOf(ctx)
	var all []*IamInstanceProfileAssociation
	err := s.store.View(ctx, func(tx store.Tx) error {
		return scanRes(tx, sc, "i-", func(i *Instance) error {
			a := profileAssociation(i)
			if a == nil || len(in.AssociationId) > 0 && !contains(in.AssociationId, a.AssociationID) {
				return nil
			}
			ok, err := matchFilters(in.Filter, nil, func(name string) ([]string, bool) {
				switch name {
				case "instance-id":
					return []string{a.InstanceID}, true
				case "state":
					return []string{a.State}, true
				}
				return nil, false
			})
			if ok {
				all = append(all, a)
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	for _, id := range in.AssociationId {
		found := false
		for _, a := range all {
			found = found || a.AssociationID == id
		}
		if !found {
			return nil, errIamAssociationNotFound(id)
		}
	}
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &describeIamInstanceProfileAssociationsOutput{Associations: items, NextToken: next}, nil
}

type associateIamInstanceProfileInput struct {
	IamInstanceProfile *struct{ Arn, Name string }
	InstanceId         string
}

type iamInstanceProfileAssociationOutput struct {
	Association *IamInstanceProfileAssociation `xml:"iamInstanceProfileAssociation"`
}

func (s *Service) profileFrom(ctx context.Context, p *struct{ Arn, Name string }) (*IamInstanceProfile, error) {
	if p == nil || p.Arn == "" && p.Name == "" {
		return nil, errMissingParameter("IamInstanceProfile")
	}
	return s.resolveProfile(ctx, p.Arn, p.Name)
}

func (s *Service) associateIamInstanceProfile(ctx context.Context, in *associateIamInstanceProfileInput) (*iamInstanceProfileAssociationOutput, error) {
	if in.InstanceId == "" {
		return nil, errMissingParameter("InstanceId")
	}
	profile, err := s.profileFrom(ctx, in.IamInstanceProfile)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	var out *IamInstanceProfileAssociation
	err = s.store.Update(ctx, func(tx store.Tx) error {
		i, err := getInstance(tx, sc, in.InstanceId)
		if err != nil {
			return err
		}
		if i.State.Name == "terminated" || i.State.Name == "shutting-down" {
			return errInstanceInvalidState(i.InstanceID)
		}
		if i.IamInstanceProfile != nil {
			return errIncorrectState("There is an existing association for instance %s", i.InstanceID)
		}
		i.IamInstanceProfile, i.IamAssociation, i.IamAssociatedAt = profile, newID("iip-assoc"), s.now().UTC().Truncate(time.Second)
		out = profileAssociation(i)
		return putRes(tx, sc, i.InstanceID, i)
	})
	if err != nil {
		return nil, err
	}
	out.State = "associating"
	return &iamInstanceProfileAssociationOutput{out}, nil
}

type replaceIamInstanceProfileAssociationInput struct {
	IamInstanceProfile *struct{ Arn, Name string }
	AssociationId      string
}

func (s *Service) replaceIamInstanceProfileAssociation(ctx context.Context, in *replaceIamInstanceProfileAssociationInput) (*iamInstanceProfileAssociationOutput, error) {
	if in.AssociationId == "" {
		return nil, errMissingParameter("AssociationId")
	}
	profile, err := s.profileFrom(ctx, in.IamInstanceProfile)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	var out *IamInstanceProfileAssociation
	err = s.store.Update(ctx, func(tx store.Tx) error {
		i, err := instanceByAssociation(tx, sc, in.AssociationId)
		if err != nil {
			return err
		}
		i.IamInstanceProfile, i.IamAssociation, i.IamAssociatedAt = profile, newID("iip-assoc"), s.now().UTC().Truncate(time.Second)
		out = profileAssociation(i)
		return putRes(tx, sc, i.InstanceID, i)
	})
	if err != nil {
		return nil, err
	}
	out.State = "associating"
	return &iamInstanceProfileAssociationOutput{out}, nil
}

type disassociateIamInstanceProfileInput struct {
	AssociationId string
}

func (s *Service) disassociateIamInstanceProfile(ctx context.Context, in *disassociateIamInstanceProfileInput) (*iamInstanceProfileAssociationOutput, error) {
	if in.AssociationId == "" {
		return nil, errMissingParameter("AssociationId")
	}
	sc := scopeOf(ctx)
	var out *IamInstanceProfileAssociation
	err := s.store.Update(ctx, func(tx store.Tx) error {
		i, err := instanceByAssociation(tx, sc, in.AssociationId)
		if err != nil {
			return err
		}
		out = profileAssociation(i)
		i.IamInstanceProfile, i.IamAssociation, i.IamAssociatedAt = nil, "", time.Time{}
		return putRes(tx, sc, i.InstanceID, i)
	})
	if err != nil {
		return nil, err
	}
	out.State = "disassociating"
	return &iamInstanceProfileAssociationOutput{out}, nil
}
