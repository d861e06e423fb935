package iam

import (
	"context"

	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/store"
)

// Group is IAM's Group shape.
type Group struct {
	Path       string     `xml:"Path"`
	GroupName  string     `xml:"GroupName"`
	GroupID    string     `xml:"GroupId"`
	Arn        string     `xml:"Arn"`
	CreateDate query.Time `xml:"CreateDate"`
}

func (g *groupRecord) arn(acct string) string { return arn(acct, "group", g.Path, g.Name) }

func (g *groupRecord) shape(acct string) Group {
	return Group{g.Path, g.Name, g.ID, g.arn(acct), query.Time(g.Created)}
}

func getGroup(tx store.Tx, acct, name string) (*groupRecord, error) {
	return groupKind.get(tx, acct, name)
}

type createGroupInput struct {
	GroupName string `query:",required"`
	Path      *string
}

type groupOutput struct {
	Group Group `xml:"Group"`
}

func (s *Service) createGroup(ctx context.Context, in *createGroupInput) (*groupOutput, error) {
	path, err := checkNew("groupName", in.GroupName, groupKind.maxName, in.Path, nil)
	if err != nil {
		return nil, err
	}
	acct := account(ctx)
	g := &groupRecord{entity{Name: in.GroupName, ID: newID("AGPA", 21), Path: path, Created: s.now().UTC()}}
	if err := s.insert(ctx, tGroups, entityKey(acct, g.Name), g, groupKind.exists(g.Name), nil); err != nil {
		return nil, err
	}
	return &groupOutput{g.shape(acct)}, nil
}

type getGroupInput struct {
	GroupName string `query:",required"`
	Marker    *string
	MaxItems  *int32
}

type getGroupOutput struct {
	Group       Group  `xml:"Group"`
	Users       []User `xml:"Users>member"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

func (s *Service) getGroupOp(ctx context.Context, in *getGroupInput) (*getGroupOutput, error) {
	acct := account(ctx)
	var out getGroupOutput
	var users []User
	err := s.view(ctx, func(tx store.Tx) error {
		g, err := getGroup(tx, acct, in.GroupName)
		if err != nil {
			return err
		}
		out.Group = g.shape(acct)
		return scanAccount(tx, tUsers, acct, func(u *userRecord) error {
			if containsFold(u.Groups, g.Name) {
				users = append(users, u.shape(acct, false))
			}
			return nil
		})
	})
	out.Users, out.IsTruncated, out.Marker, err = paged(users, err, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

type listGroupsOutput struct {
	Groups      []Group `xml:"Groups>member"`
	IsTruncated bool    `xml:"IsTruncated"`
	Marker      string  `xml:"Marker,omitempty"`
}

func (s *Service) listGroups(ctx context.Context, in *listInput) (*listGroupsOutput, error) {
	items, trunc, next, err := listEntities(ctx, s, groupKind, in, func(acct string, g *groupRecord) Group { return g.shape(acct) })
	if err != nil {
		return nil, err
	}
	return &listGroupsOutput{items, trunc, next}, nil
}

type listGroupsForUserInput struct {
	UserName string `query:",required"`
	Marker   *string
	MaxItems *int32
}

func (s *Service) listGroupsForUser(ctx context.Context, in *listGroupsForUserInput) (*listGroupsOutput, error) {
	acct := account(ctx)
	var all []Group
	err := s.view(ctx, func(tx store.Tx) error {
		u, err := getUser(tx, acct, in.UserName)
		if err != nil {
			return err
		}
		for _, name := range u.Groups {
			g, err := getGroup(tx, acct, name)
			if err != nil {
				return err
			}
			all = append(all, g.shape(acct))
		}
		return nil
	})
	items, trunc, next, err := paged(all, err, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &listGroupsOutput{items, trunc, next}, nil
}

type updateGroupInput struct {
	GroupName    string `query:",required"`
	NewGroupName *string
	NewPath      *string
}

func (s *Service) updateGroup(ctx context.Context, in *updateGroupInput) (*struct{}, error) {
	// A renamed group's members list it by its new name.
	return nil, groupKind.rename(ctx, s, in.GroupName, in.NewGroupName, in.NewPath, func(tx store.Tx, acct string, g *groupRecord, old string) error {
		return scanAccount(tx, tUsers, acct, func(u *userRecord) error {
			if l, ok := removeString(u.Groups, old); ok {
				u.Groups = append(l, g.Name)
				return putRecord(tx, tUsers, entityKey(acct, u.Name), u)
			}
			return nil
		})
	})
}

type groupNameInput struct {
	GroupName string `query:",required"`
}

func (s *Service) deleteGroup(ctx context.Context, in *groupNameInput) (*struct{}, error) {
	return nil, groupKind.delete(ctx, s, in.GroupName, func(tx store.Tx, acct string, g *groupRecord) error {
		if err := policiesLeft(&g.principalPolicies); err != nil {
			return err
		}
		members, err := listedIn(tx, tUsers, acct, g.Name, func(u *userRecord) []string { return u.Groups })
		if err != nil {
			return err
		}
		if members {
			return deleteConflict("Cannot delete entity, must remove users from group first.")
		}
		return nil
	})
}

type groupMemberInput struct {
	GroupName string `query:",required"`
	UserName  string `query:",required"`
}

func (s *Service) addUserToGroup(ctx context.Context, in *groupMemberInput) (*struct{}, error) {
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		g, err := getGroup(tx, acct, in.GroupName)
		if err != nil {
			return err
		}
		u, err := getUser(tx, acct, in.UserName)
		if err != nil {
			return err
		}
		if containsFold(u.Groups, g.Name) {
			return nil
		}
		if len(u.Groups) >= 10 {
			return limitExceeded("Cannot exceed quota for GroupsPerUser: 10")
		}
		u.Groups = append(u.Groups, g.Name)
		return putRecord(tx, tUsers, entityKey(acct, u.Name), u)
	})
}

func (s *Service) removeUserFromGroup(ctx context.Context, in *groupMemberInput) (*struct{}, error) {
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		g, err := getGroup(tx, acct, in.GroupName)
		if err != nil {
			return err
		}
		u, err := getUser(tx, acct, in.UserName)
		if err != nil {
			return err
		}
		l, ok := removeString(u.Groups, g.Name)
		if !ok {
			return noSuchEntity("The user with name %s cannot be found in group %s.", u.Name, g.Name)
		}
		u.Groups = l
		return putRecord(tx, tUsers, entityKey(acct, u.Name), u)
	})
}
