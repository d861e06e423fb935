package iam

import (
	"context"
	"errors"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// User is IAM's User shape.
type User struct {
	Path                string                       `xml:"Path"`
	UserName            string                       `xml:"UserName,omitempty"`
	UserID              string                       `xml:"UserId"`
	Arn                 string                       `xml:"Arn"`
	CreateDate          query.Time                   `xml:"CreateDate"`
	PasswordLastUsed    *query.Time                  `xml:"PasswordLastUsed,omitempty"`
	PermissionsBoundary *AttachedPermissionsBoundary `xml:"PermissionsBoundary,omitempty"`
	Tags                memberList[Tag]              `xml:"Tags,omitempty"`
}

// AttachedPermissionsBoundary is IAM's shape of a boundary.
type AttachedPermissionsBoundary struct {
	PermissionsBoundaryType string `xml:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `xml:"PermissionsBoundaryArn"`
}

func boundaryOf(arn string) *AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	return &AttachedPermissionsBoundary{"PermissionsBoundaryPolicy", arn}
}

func (u *userRecord) arn(acct string) string { return arn(acct, "user", u.Path, u.Name) }

func (u *userRecord) shape(acct string, withTags bool) User {
	out := User{Path: u.Path, UserName: u.Name, UserID: u.ID, Arn: u.arn(acct), CreateDate: query.Time(u.Created),
		PermissionsBoundary: boundaryOf(u.Boundary)}
	if withTags {
		out.Tags = u.Tags
	}
	return out
}

func getUser(tx store.Tx, acct, name string) (*userRecord, error) {
	return userKind.get(tx, acct, name)
}

type createUserInput struct {
	UserName            string `query:",required"`
	Path                *string
	PermissionsBoundary *string
	Tags                []Tag
}

type userOutput struct {
	User User `xml:"User"`
}

func (s *Service) createUser(ctx context.Context, in *createUserInput) (*userOutput, error) {
	path, err := checkNew("userName", in.UserName, userKind.maxName, in.Path, in.Tags)
	if err != nil {
		return nil, err
	}
	acct := account(ctx)
	u := &userRecord{entity: entity{Name: in.UserName, ID: newID("AIDA", 21), Path: path, Created: s.now().UTC()}, Tags: in.Tags}
	err = s.insert(ctx, tUsers, entityKey(acct, u.Name), u, userKind.exists(u.Name), func(tx store.Tx) error {
		return s.newBoundary(tx, acct, in.PermissionsBoundary, &u.entity)
	})
	if err != nil {
		return nil, err
	}
	return &userOutput{u.shape(acct, true)}, nil
}

func isNotFound(err error) bool {
	var ae *awsproto.Error
	if errors.As(err, &ae) && ae.Code == "NoSuchEntity" {
		return true
	}
	return errors.Is(err, store.ErrNotFound)
}

type userNameInput struct {
	UserName *string
}

// callerUser resolves an optional UserName: absent means the caller.
func callerUser(ctx context.Context, name *string) (string, bool) {
	if name != nil && *name != "" {
		return *name, true
	}
	p := request.From(ctx).Principal
	if p.Type == request.User {
		return p.Name, true
	}
	return "", false
}

func (s *Service) getUserOp(ctx context.Context, in *userNameInput) (*userOutput, error) {
	acct := account(ctx)
	name, ok := callerUser(ctx, in.UserName)
	if !ok {
		p := request.From(ctx).Principal
		if p.Type == request.Root {
			return &userOutput{User{Path: "/", UserID: acct, Arn: p.ARN, CreateDate: query.Time(s.accountCreated())}}, nil
		}
		return nil, validation("Must specify userName when calling with non-User credentials")
	}
	var u *userRecord
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		u, err = getUser(tx, acct, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &userOutput{u.shape(acct, true)}, nil
}

type listInput struct {
	PathPrefix *string
	Marker     *string
	MaxItems   *int32
}

type listUsersOutput struct {
	Users       []User `xml:"Users>member"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

func (s *Service) listUsers(ctx context.Context, in *listInput) (*listUsersOutput, error) {
	items, trunc, next, err := listEntities(ctx, s, userKind, in, func(acct string, u *userRecord) User { return u.shape(acct, false) })
	if err != nil {
		return nil, err
	}
	return &listUsersOutput{Users: items, IsTruncated: trunc, Marker: next}, nil
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

type updateUserInput struct {
	UserName    string `query:",required"`
	NewUserName *string
	NewPath     *string
}

func (s *Service) updateUser(ctx context.Context, in *updateUserInput) (*struct{}, error) {
	// A renamed user's access keys name it anew.
	return nil, userKind.rename(ctx, s, in.UserName, in.NewUserName, in.NewPath, func(tx store.Tx, _ string, u *userRecord, _ string) error {
		for _, k := range u.Keys {
			kr, err := getRecord[keyRecord](tx, tKeys, []byte(k))
			if err == nil {
				kr.User = u.Name
				if err := putRecord(tx, tKeys, []byte(k), kr); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

type userNameRequired struct {
	UserName string `query:",required"`
}

func (s *Service) deleteUser(ctx context.Context, in *userNameRequired) (*struct{}, error) {
	return nil, userKind.delete(ctx, s, in.UserName, func(_ store.Tx, _ string, u *userRecord) error {
		switch {
		case len(u.Keys) > 0 || u.Login != nil || len(u.Inline) > 0 || len(u.Attached) > 0 || len(u.Groups) > 0:
			return deleteConflict("Cannot delete entity, must delete %s first.", dependentOf(u))
		case len(u.SSHKeys) > 0:
			// IAM's words for a user with an SSH public key left.
			return deleteConflict("Cannot delete entity, must remove referenced objects first.")
		}
		return nil
	})
}

func dependentOf(u *userRecord) string {
	switch {
	case len(u.Keys) > 0:
		return "access keys"
	case u.Login != nil:
		return "login profile"
	case len(u.Inline) > 0:
		return "policies"
	case len(u.Attached) > 0:
		return "policies"
	}
	return "groups"
}

type tagUserInput struct {
	UserName string `query:",required"`
	Tags     []Tag  `query:",required"`
}

func (s *Service) tagUser(ctx context.Context, in *tagUserInput) (*struct{}, error) {
	return nil, s.tag(ctx, userKind.tagged(ctx, in.UserName), in.Tags)
}

type untagUserInput struct {
	UserName string   `query:",required"`
	TagKeys  []string `query:",required"`
}

func (s *Service) untagUser(ctx context.Context, in *untagUserInput) (*struct{}, error) {
	return nil, s.untag(ctx, userKind.tagged(ctx, in.UserName), in.TagKeys)
}

type listTagsInput struct {
	UserName string `query:",required"`
	Marker   *string
	MaxItems *int32
}

func (s *Service) listUserTags(ctx context.Context, in *listTagsInput) (*listTagsOutput, error) {
	return s.listTags(ctx, userKind.tagged(ctx, in.UserName), in.Marker, in.MaxItems)
}

type boundaryInput struct {
	UserName            string `query:",required"`
	PermissionsBoundary string `query:",required"`
}

func (s *Service) putUserPermissionsBoundary(ctx context.Context, in *boundaryInput) (*struct{}, error) {
	return nil, userKind.putBoundary(ctx, s, in.UserName, in.PermissionsBoundary)
}

func (s *Service) deleteUserPermissionsBoundary(ctx context.Context, in *userNameRequired) (*struct{}, error) {
	return nil, userKind.deleteBoundary(ctx, s, in.UserName)
}
