package iam

import (
	"context"
	"errors"
	"strings"

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
	u, err := getRecord[userRecord](tx, tUsers, entityKey(acct, name))
	return u, notFound(err, userNotFound(name))
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
	if err := checkName("userName", in.UserName, 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	acct := account(ctx)
	u := &userRecord{Name: in.UserName, ID: newID("AIDA", 21), Path: path, Created: s.now().UTC(), Tags: in.Tags}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, err := getUser(tx, acct, in.UserName); err == nil {
			return alreadyExists("User with name %s already exists.", in.UserName)
		} else if !isNotFound(err) {
			return err
		}
		if in.PermissionsBoundary != nil {
			if err := s.checkBoundary(tx, acct, *in.PermissionsBoundary); err != nil {
				return err
			}
			u.Boundary = *in.PermissionsBoundary
		}
		return putRecord(tx, tUsers, entityKey(acct, u.Name), u)
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
	acct := account(ctx)
	var all []User
	err := s.view(ctx, func(tx store.Tx) error {
		return scanAccount(tx, tUsers, acct, func(u *userRecord) error {
			if in.PathPrefix == nil || strings.HasPrefix(u.Path, *in.PathPrefix) {
				all = append(all, u.shape(acct, false))
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	items, trunc, next, err := page(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &listUsersOutput{Users: orEmpty(items), IsTruncated: trunc, Marker: next}, nil
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
	acct := account(ctx)
	var newPath string
	if in.NewPath != nil {
		p, err := checkPath(in.NewPath)
		if err != nil {
			return nil, err
		}
		newPath = p
	}
	if in.NewUserName != nil {
		if err := checkName("newUserName", *in.NewUserName, 64); err != nil {
			return nil, err
		}
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		u, err := getUser(tx, acct, in.UserName)
		if err != nil {
			return err
		}
		if newPath != "" {
			u.Path = newPath
		}
		if in.NewUserName != nil && *in.NewUserName != u.Name {
			if !strings.EqualFold(*in.NewUserName, u.Name) {
				if _, err := getUser(tx, acct, *in.NewUserName); err == nil {
					return alreadyExists("User with name %s already exists.", *in.NewUserName)
				}
			}
			if err := tx.Delete(tUsers, entityKey(acct, u.Name)); err != nil {
				return err
			}
			for _, k := range u.Keys {
				kr, err := getRecord[keyRecord](tx, tKeys, []byte(k))
				if err == nil {
					kr.User = *in.NewUserName
					if err := putRecord(tx, tKeys, []byte(k), kr); err != nil {
						return err
					}
				}
			}
			u.Name = *in.NewUserName
		}
		return putRecord(tx, tUsers, entityKey(acct, u.Name), u)
	})
}

type userNameRequired struct {
	UserName string `query:",required"`
}

func (s *Service) deleteUser(ctx context.Context, in *userNameRequired) (*struct{}, error) {
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		u, err := getUser(tx, acct, in.UserName)
		if err != nil {
			return err
		}
		switch {
		case len(u.Keys) > 0 || u.Login != nil || len(u.Inline) > 0 || len(u.Attached) > 0 || len(u.Groups) > 0:
			return deleteConflict("Cannot delete entity, must delete %s first.", dependentOf(u))
		case len(u.SSHKeys) > 0:
			// IAM's words for a user with an SSH public key left.
			return deleteConflict("Cannot delete entity, must remove referenced objects first.")
		}
		return tx.Delete(tUsers, entityKey(acct, u.Name))
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
	return nil, s.editTags(ctx, tUsers, entityKey(account(ctx), in.UserName), userNotFound(in.UserName), func(have []Tag) ([]Tag, error) {
		tags := mergeTags(have, in.Tags)
		return tags, checkTags(tags)
	})
}

type untagUserInput struct {
	UserName string   `query:",required"`
	TagKeys  []string `query:",required"`
}

func (s *Service) untagUser(ctx context.Context, in *untagUserInput) (*struct{}, error) {
	return nil, s.editTags(ctx, tUsers, entityKey(account(ctx), in.UserName), userNotFound(in.UserName), func(have []Tag) ([]Tag, error) {
		return removeTags(have, in.TagKeys), nil
	})
}

type listTagsInput struct {
	UserName string `query:",required"`
	Marker   *string
	MaxItems *int32
}

type listTagsOutput struct {
	Tags        []Tag  `xml:"Tags>member"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

func (s *Service) listUserTags(ctx context.Context, in *listTagsInput) (*listTagsOutput, error) {
	return s.listTags(ctx, tUsers, entityKey(account(ctx), in.UserName), userNotFound(in.UserName), in.Marker, in.MaxItems)
}

type boundaryInput struct {
	UserName            string `query:",required"`
	PermissionsBoundary string `query:",required"`
}

func (s *Service) putUserPermissionsBoundary(ctx context.Context, in *boundaryInput) (*struct{}, error) {
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		u, err := getUser(tx, acct, in.UserName)
		if err != nil {
			return err
		}
		if err := s.checkBoundary(tx, acct, in.PermissionsBoundary); err != nil {
			return err
		}
		u.Boundary = in.PermissionsBoundary
		return putRecord(tx, tUsers, entityKey(acct, u.Name), u)
	})
}

func (s *Service) deleteUserPermissionsBoundary(ctx context.Context, in *userNameRequired) (*struct{}, error) {
	acct := account(ctx)
	return nil, s.update(ctx, func(tx store.Tx) error {
		u, err := getUser(tx, acct, in.UserName)
		if err != nil {
			return err
		}
		u.Boundary = ""
		return putRecord(tx, tUsers, entityKey(acct, u.Name), u)
	})
}
