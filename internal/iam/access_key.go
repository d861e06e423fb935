package iam

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// AccessKey is IAM's AccessKey shape (with the secret: CreateAccessKey
// only).
type AccessKey struct {
	UserName        string     `xml:"UserName"`
	AccessKeyID     string     `xml:"AccessKeyId"`
	Status          string     `xml:"Status"`
	SecretAccessKey string     `xml:"SecretAccessKey,omitempty"`
	CreateDate      query.Time `xml:"CreateDate"`
}

// maxKeysPerUser is IAM's quota AccessKeysPerUser.
const maxKeysPerUser = 2

type accessKeyUserInput struct {
	UserName *string
}

type createAccessKeyOutput struct {
	AccessKey AccessKey `xml:"AccessKey"`
}

// keyOwner resolves the user an access key operation is about: UserName,
// else the calling user; "" means the account root (its own keys). Other
// callers (role sessions) must name the user.
func keyOwner(ctx context.Context, name *string) (string, error) {
	if n, ok := callerUser(ctx, name); ok {
		return n, nil
	}
	if p := request.From(ctx).Principal; p.Type == request.Root && !strings.HasPrefix(p.AccessKeyID, "ASIA") {
		return "", nil
	}
	return "", validation("Must specify userName when calling with non-User credentials")
}

func (s *Service) createAccessKey(ctx context.Context, in *accessKeyUserInput) (*createAccessKeyOutput, error) {
	acct := account(ctx)
	owner, err := keyOwner(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	k := &keyRecord{ID: newID("AKIA", 20), Secret: newSecret(), Account: acct, User: owner, Status: "Active", Created: s.now().UTC()}
	err = s.update(ctx, func(tx store.Tx) error {
		if owner == "" {
			return putRecord(tx, tKeys, []byte(k.ID), k)
		}
		u, err := getUser(tx, acct, owner)
		if err != nil {
			return err
		}
		if len(u.Keys) >= maxKeysPerUser {
			return limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxKeysPerUser)
		}
		k.User = u.Name
		u.Keys = append(u.Keys, k.ID)
		if err := putRecord(tx, tUsers, entityKey(acct, u.Name), u); err != nil {
			return err
		}
		return putRecord(tx, tKeys, []byte(k.ID), k)
	})
	if err != nil {
		return nil, err
	}
	return &createAccessKeyOutput{AccessKey{UserName: k.User, AccessKeyID: k.ID, Status: k.Status, SecretAccessKey: k.Secret, CreateDate: query.Time(k.Created)}}, nil
}

type listAccessKeysInput struct {
	UserName *string
	Marker   *string
	MaxItems *int32
}

type listAccessKeysOutput struct {
	AccessKeyMetadata []AccessKey `xml:"AccessKeyMetadata>member"`
	IsTruncated       bool        `xml:"IsTruncated"`
	Marker            string      `xml:"Marker,omitempty"`
}

func (s *Service) listAccessKeys(ctx context.Context, in *listAccessKeysInput) (*listAccessKeysOutput, error) {
	acct := account(ctx)
	owner, err := keyOwner(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	var all []AccessKey
	err = s.view(ctx, func(tx store.Tx) error {
		var ids []string
		if owner != "" {
			u, err := getUser(tx, acct, owner)
			if err != nil {
				return err
			}
			ids = u.Keys
		} else {
			err := tx.Scan(tKeys, nil, nil, func(k, _ []byte) (bool, error) {
				ids = append(ids, string(k))
				return true, nil
			})
			if err != nil {
				return err
			}
		}
		for _, id := range ids {
			k, err := getRecord[keyRecord](tx, tKeys, []byte(id))
			if err != nil {
				return err
			}
			if k.Account == acct && (owner != "" || k.User == "") {
				all = append(all, AccessKey{UserName: k.User, AccessKeyID: k.ID, Status: k.Status, CreateDate: query.Time(k.Created)})
			}
		}
		sort.Slice(all, func(i, j int) bool { return time.Time(all[i].CreateDate).Before(time.Time(all[j].CreateDate)) })
		return nil
	})
	items, trunc, next, err := paged(all, err, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &listAccessKeysOutput{AccessKeyMetadata: items, IsTruncated: trunc, Marker: next}, nil
}

func keyNotFound(id string) error {
	return noSuchEntity("The Access Key with id %s cannot be found.", id)
}

// userKey reads an access key that must belong to owner in acct.
func userKey(tx store.Tx, acct, owner, id string) (*keyRecord, error) {
	k, err := getRecord[keyRecord](tx, tKeys, []byte(id))
	if err != nil {
		return nil, notFound(err, keyNotFound(id))
	}
	if k.Account != acct || !equalFoldOrEmpty(k.User, owner) {
		return nil, keyNotFound(id)
	}
	return k, nil
}

func equalFoldOrEmpty(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	return lower(a) == lower(b)
}

type updateAccessKeyInput struct {
	UserName    *string
	AccessKeyID string `query:"AccessKeyId,required"`
	Status      string `query:",required"`
}

func (s *Service) updateAccessKey(ctx context.Context, in *updateAccessKeyInput) (*struct{}, error) {
	if in.Status != "Active" && in.Status != "Inactive" {
		return nil, validation("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", in.Status)
	}
	acct := account(ctx)
	owner, err := keyOwner(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		if owner != "" {
			if _, err := getUser(tx, acct, owner); err != nil {
				return err
			}
		}
		k, err := userKey(tx, acct, owner, in.AccessKeyID)
		if err != nil {
			return err
		}
		k.Status = in.Status
		return putRecord(tx, tKeys, []byte(k.ID), k)
	})
}

type deleteAccessKeyInput struct {
	UserName    *string
	AccessKeyID string `query:"AccessKeyId,required"`
}

func (s *Service) deleteAccessKey(ctx context.Context, in *deleteAccessKeyInput) (*struct{}, error) {
	acct := account(ctx)
	owner, err := keyOwner(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		var u *userRecord
		if owner != "" {
			var err error
			if u, err = getUser(tx, acct, owner); err != nil {
				return err
			}
		}
		k, err := userKey(tx, acct, owner, in.AccessKeyID)
		if err != nil {
			return err
		}
		if u != nil {
			u.Keys, _ = removeString(u.Keys, k.ID)
			if err := putRecord(tx, tUsers, entityKey(acct, u.Name), u); err != nil {
				return err
			}
		}
		return tx.Delete(tKeys, []byte(k.ID))
	})
}

type getAccessKeyLastUsedInput struct {
	AccessKeyID string `query:"AccessKeyId,required"`
}

type accessKeyLastUsed struct {
	LastUsedDate *query.Time `xml:"LastUsedDate,omitempty"`
	ServiceName  string      `xml:"ServiceName"`
	Region       string      `xml:"Region"`
}

type getAccessKeyLastUsedOutput struct {
	UserName          string            `xml:"UserName,omitempty"`
	AccessKeyLastUsed accessKeyLastUsed `xml:"AccessKeyLastUsed"`
}

func (s *Service) getAccessKeyLastUsed(ctx context.Context, in *getAccessKeyLastUsedInput) (*getAccessKeyLastUsedOutput, error) {
	var k *keyRecord
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		k, err = getRecord[keyRecord](tx, tKeys, []byte(in.AccessKeyID))
		return err
	})
	if err != nil || k.Account != account(ctx) {
		return nil, awsproto.New(http.StatusForbidden, "AccessDenied", "The access key "+in.AccessKeyID+" cannot be found or does not belong to your account.")
	}
	out := &getAccessKeyLastUsedOutput{UserName: k.User, AccessKeyLastUsed: accessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}}
	if v, ok := s.lastUsed.Load(k.ID); ok {
		u := v.(keyUse)
		t := query.Time(u.at)
		out.AccessKeyLastUsed = accessKeyLastUsed{&t, u.service, u.region}
	} else if k.LastUsed != nil {
		t := query.Time(*k.LastUsed)
		out.AccessKeyLastUsed = accessKeyLastUsed{&t, k.LastService, k.LastRegion}
	}
	return out, nil
}

type keyUse struct {
	at              time.Time
	service, region string
}

// touchKey records that a key was used. The record in the store is
// brought up to date at most once a minute per key, off the request path.
func (s *Service) touchKey(rc *request.Context, id string) {
	now := s.now().UTC()
	if prev, ok := s.lastUsed.Load(id); ok && now.Sub(prev.(keyUse).at) < time.Minute {
		return // last-used is kept to the minute, as AWS keeps it roughly
	}
	use := keyUse{now, rc.Service, rc.Region}
	s.lastUsed.Store(id, use)
	go func() {
		_ = s.store.Update(context.Background(), func(tx store.Tx) error {
			k, err := getRecord[keyRecord](tx, tKeys, []byte(id))
			if err != nil {
				return nil
			}
			k.LastUsed, k.LastService, k.LastRegion = &use.at, use.service, use.region
			return putRecord(tx, tKeys, []byte(id), k)
		})
	}()
}

// Login profiles (console passwords).

// LoginProfile is IAM's LoginProfile shape.
type LoginProfile struct {
	UserName              string     `xml:"UserName"`
	CreateDate            query.Time `xml:"CreateDate"`
	PasswordResetRequired bool       `xml:"PasswordResetRequired"`
}

type loginProfileInput struct {
	UserName              *string
	Password              *string
	PasswordResetRequired *bool
}

type loginProfileOutput struct {
	LoginProfile LoginProfile `xml:"LoginProfile"`
}

func hashPassword(pw string) (hash, salt []byte) {
	salt = make([]byte, 16)
	_, _ = rand.Read(salt)
	hash, _ = pbkdf2.Key(sha256.New, pw, salt, 4096, 32)
	return hash, salt
}

func checkPassword(pw string) error {
	if len(pw) < 8 || len(pw) > 128 {
		return awsproto.New(http.StatusBadRequest, "PasswordPolicyViolation", "Password should have a minimum length of 8")
	}
	return nil
}

func loginNotFound(user string) error {
	return noSuchEntity("Login Profile for User %s cannot be found.", user)
}

func (s *Service) createLoginProfile(ctx context.Context, in *loginProfileInput) (*loginProfileOutput, error) {
	name, ok := callerUser(ctx, in.UserName)
	if !ok {
		return nil, validation("Must specify userName when calling with non-User credentials")
	}
	if in.Password == nil {
		return nil, validation("1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null")
	}
	if err := checkPassword(*in.Password); err != nil {
		return nil, err
	}
	var out LoginProfile
	err := userKind.edit(ctx, s, name, func(_ store.Tx, _ string, u *userRecord) error {
		if u.Login != nil {
			return alreadyExists("Login Profile for user %s already exists.", u.Name)
		}
		h, salt := hashPassword(*in.Password)
		u.Login = &login{Hash: h, Salt: salt, Created: s.now().UTC(), ResetRequired: in.PasswordResetRequired != nil && *in.PasswordResetRequired}
		out = LoginProfile{u.Name, query.Time(u.Login.Created), u.Login.ResetRequired}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &loginProfileOutput{out}, nil
}

func (s *Service) getLoginProfile(ctx context.Context, in *loginProfileInput) (*loginProfileOutput, error) {
	acct := account(ctx)
	name, ok := callerUser(ctx, in.UserName)
	if !ok {
		return nil, validation("Must specify userName when calling with non-User credentials")
	}
	var out LoginProfile
	err := s.view(ctx, func(tx store.Tx) error {
		u, err := getUser(tx, acct, name)
		if err != nil {
			return err
		}
		if u.Login == nil {
			return loginNotFound(u.Name)
		}
		out = LoginProfile{u.Name, query.Time(u.Login.Created), u.Login.ResetRequired}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &loginProfileOutput{out}, nil
}

func (s *Service) updateLoginProfile(ctx context.Context, in *loginProfileInput) (*struct{}, error) {
	name, ok := callerUser(ctx, in.UserName)
	if !ok {
		return nil, validation("Must specify userName when calling with non-User credentials")
	}
	if in.Password != nil {
		if err := checkPassword(*in.Password); err != nil {
			return nil, err
		}
	}
	return nil, userKind.edit(ctx, s, name, func(_ store.Tx, _ string, u *userRecord) error {
		if u.Login == nil {
			return loginNotFound(u.Name)
		}
		if in.Password != nil {
			u.Login.Hash, u.Login.Salt = hashPassword(*in.Password)
		}
		if in.PasswordResetRequired != nil {
			u.Login.ResetRequired = *in.PasswordResetRequired
		}
		return nil
	})
}

func (s *Service) deleteLoginProfile(ctx context.Context, in *loginProfileInput) (*struct{}, error) {
	name, ok := callerUser(ctx, in.UserName)
	if !ok {
		return nil, validation("Must specify userName when calling with non-User credentials")
	}
	return nil, userKind.edit(ctx, s, name, func(_ store.Tx, _ string, u *userRecord) error {
		if u.Login == nil {
			return loginNotFound(u.Name)
		}
		u.Login = nil
		return nil
	})
}
