package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// Users, groups and roles are entities of one shape (entity): a name,
// unique in the account without regard to case, an id, a path, and the
// policies that apply to them: inline, attached and (users and roles) a
// permissions boundary. A kind describes one of the three to the helpers
// they share: creating, reading, editing, renaming, deleting one with its
// dependents checked, its tags and its boundary; the inline and attached
// policy operations are written once over a kind.

// kind is users, groups or roles; R is its record.
type kind[R any] struct {
	name        string // "User", "Group" or "Role", as the operations spell it
	table       string
	maxName     int // the longest name
	inlineQuota int // the largest inline policy, in characters without whitespace
	notFound    func(name string) error
	entity      func(*R) *entity
}

var (
	userKind = kind[userRecord]{"User", tUsers, 64, maxUserInlineSize, userNotFound,
		func(u *userRecord) *entity { return &u.entity }}
	groupKind = kind[groupRecord]{"Group", tGroups, 128, maxGroupInlineSize, groupNotFound,
		func(g *groupRecord) *entity { return &g.entity }}
	roleKind = kind[roleRecord]{"Role", tRoles, 64, maxRoleInlineSize, roleNotFound,
		func(r *roleRecord) *entity { return &r.entity }}
)

// member is the name of the entity's name member in messages: "userName".
func (k kind[R]) member() string { return strings.ToLower(k.name) + "Name" }

func (k kind[R]) exists(name string) error {
	return alreadyExists("%s with name %s already exists.", k.name, name)
}

// get reads the account's entity called name (without regard to case).
func (k kind[R]) get(tx store.Tx, acct, name string) (*R, error) {
	r, err := getRecord[R](tx, k.table, entityKey(acct, name))
	return r, notFound(err, k.notFound(name))
}

func (k kind[R]) put(tx store.Tx, acct string, r *R) error {
	return putRecord(tx, k.table, entityKey(acct, k.entity(r).Name), r)
}

// view calls fn with the entity called name.
func (k kind[R]) view(ctx context.Context, s *Service, name string, fn func(tx store.Tx, acct string, r *R) error) error {
	acct := account(ctx)
	return s.view(ctx, func(tx store.Tx) error {
		r, err := k.get(tx, acct, name)
		if err != nil {
			return err
		}
		return fn(tx, acct, r)
	})
}

// edit lets fn change the entity called name and stores it, in one
// write transaction; an error from fn stores nothing.
func (k kind[R]) edit(ctx context.Context, s *Service, name string, fn func(tx store.Tx, acct string, r *R) error) error {
	acct := account(ctx)
	return s.update(ctx, func(tx store.Tx) error {
		r, err := k.get(tx, acct, name)
		if err != nil {
			return err
		}
		if err := fn(tx, acct, r); err != nil {
			return err
		}
		return k.put(tx, acct, r)
	})
}

// delete deletes the entity called name unless conflict, given its
// record, answers the DeleteConflict of a dependent it still has.
func (k kind[R]) delete(ctx context.Context, s *Service, name string, conflict func(tx store.Tx, acct string, r *R) error) error {
	acct := account(ctx)
	return s.update(ctx, func(tx store.Tx) error {
		r, err := k.get(tx, acct, name)
		if err != nil {
			return err
		}
		if err := conflict(tx, acct, r); err != nil {
			return err
		}
		return tx.Delete(k.table, entityKey(acct, k.entity(r).Name))
	})
}

// rename is UpdateUser and UpdateGroup: a new path, a new name or both.
// On a new name, moved re-points what refers to the entity by its old
// one.
func (k kind[R]) rename(ctx context.Context, s *Service, name string, newName, newPath *string, moved func(tx store.Tx, acct string, r *R, old string) error) error {
	var path string
	if newPath != nil {
		p, err := checkPath(newPath)
		if err != nil {
			return err
		}
		path = p
	}
	if newName != nil {
		if err := checkName("new"+k.name+"Name", *newName, k.maxName); err != nil {
			return err
		}
	}
	acct := account(ctx)
	return s.update(ctx, func(tx store.Tx) error {
		r, err := k.get(tx, acct, name)
		if err != nil {
			return err
		}
		e := k.entity(r)
		if path != "" {
			e.Path = path
		}
		if newName != nil && *newName != e.Name {
			if !strings.EqualFold(*newName, e.Name) {
				if _, err := k.get(tx, acct, *newName); err == nil {
					return k.exists(*newName)
				}
			}
			if err := tx.Delete(k.table, entityKey(acct, e.Name)); err != nil {
				return err
			}
			old := e.Name
			e.Name = *newName
			if err := moved(tx, acct, r, old); err != nil {
				return err
			}
		}
		return k.put(tx, acct, r)
	})
}

// listEntities pages the account's entities of kind k under the input's
// path prefix, shaped by shape: ListUsers, ListGroups, ListRoles.
func listEntities[R, S any](ctx context.Context, s *Service, k kind[R], in *listInput, shape func(acct string, r *R) S) ([]S, bool, string, error) {
	acct := account(ctx)
	var all []S
	err := s.view(ctx, func(tx store.Tx) error {
		return scanAccount(tx, k.table, acct, func(r *R) error {
			if in.PathPrefix == nil || strings.HasPrefix(k.entity(r).Path, *in.PathPrefix) {
				all = append(all, shape(acct, r))
			}
			return nil
		})
	})
	return paged(all, err, in.Marker, in.MaxItems)
}

// tagged is the entity called name, as the tag helpers take it.
func (k kind[R]) tagged(ctx context.Context, name string) tagged {
	return tagged{k.table, entityKey(account(ctx), name), k.notFound(name)}
}

// putBoundary sets the permissions boundary of the user or role called
// name to the managed policy boundary.
func (k kind[R]) putBoundary(ctx context.Context, s *Service, name, boundary string) error {
	return k.edit(ctx, s, name, func(tx store.Tx, acct string, r *R) error {
		if err := s.checkBoundary(tx, acct, boundary); err != nil {
			return err
		}
		k.entity(r).Boundary = boundary
		return nil
	})
}

// deleteBoundary removes the permissions boundary of the user or role
// called name.
func (k kind[R]) deleteBoundary(ctx context.Context, s *Service, name string) error {
	return k.edit(ctx, s, name, func(_ store.Tx, _ string, r *R) error {
		k.entity(r).Boundary = ""
		return nil
	})
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

// newBoundary checks the boundary a new user or role is created with, if
// any, and sets it.
func (s *Service) newBoundary(tx store.Tx, acct string, boundary *string, e *entity) error {
	if boundary == nil {
		return nil
	}
	if err := s.checkBoundary(tx, acct, *boundary); err != nil {
		return err
	}
	e.Boundary = *boundary
	return nil
}

// checkNew checks the name, path and tags of an entity, managed policy or
// instance profile being created (member names the name in messages, max
// is its longest), and returns its path.
func checkNew(member, name string, max int, path *string, tags []Tag) (string, error) {
	if err := checkName(member, name, max); err != nil {
		return "", err
	}
	p, err := checkPath(path)
	if err != nil {
		return "", err
	}
	return p, checkTags(tags)
}

// insert stores the new record rec under key in table, or answers exists
// when the key is taken; check (nil for none) runs between the two, in the
// same write transaction.
func (s *Service) insert(ctx context.Context, table string, key []byte, rec any, exists error, check func(tx store.Tx) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(table, key); err == nil {
			return exists
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		return putRecord(tx, table, key, rec)
	})
}

// policiesLeft is the DeleteConflict of a group or role that still has
// policies.
func policiesLeft(pp *principalPolicies) error {
	if len(pp.Inline) > 0 || len(pp.Attached) > 0 {
		return deleteConflict("Cannot delete entity, must delete policies first.")
	}
	return nil
}

// listedIn reports whether a record of the account in table lists name
// (without regard to case) in what list returns: a user among a group's
// members, a role in an instance profile.
func listedIn[T any](tx store.Tx, table, acct, name string, list func(*T) []string) (bool, error) {
	found := false
	err := scanAccount(tx, table, acct, func(r *T) error {
		found = found || containsFold(list(r), name)
		return nil
	})
	return found, err
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

// holder returns the name of the entity of kind name the input names.
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

// with returns the name of the entity of kind name the input names and
// the required member value, called member in messages.
func (in *holderInput) with(kind, member string, value *string) (name, v string, err error) {
	if name, err = in.holder(kind); err != nil {
		return "", "", err
	}
	v, err = required(member, value)
	return name, v, err
}

func required(name string, p *string) (string, error) {
	if p == nil {
		return "", validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", name)
	}
	return *p, nil
}
