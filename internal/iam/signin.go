package iam

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"errors"

	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// ErrSignIn is every failed console sign-in: which part was wrong is not
// told, as AWS's sign-in page does not tell it.
var ErrSignIn = errors.New("iam: your authentication information is incorrect")

// SignIn checks an IAM user's console password (its login profile) and
// returns the user's principal. account is the account's id or alias.
func (s *Service) SignIn(ctx context.Context, account, user, password string) (request.Principal, error) {
	var p request.Principal
	err := s.store.View(ctx, func(tx store.Tx) error {
		acct := account
		if a, err := tx.Get(tAliasOf, []byte(account)); err == nil {
			acct = string(a)
		}
		u, err := getUser(tx, acct, user)
		if err != nil || u.Login == nil {
			return ErrSignIn
		}
		h := pbkdf2Key(password, u.Login.Salt)
		if subtle.ConstantTimeCompare(h, u.Login.Hash) != 1 {
			return ErrSignIn
		}
		p = request.Principal{Type: request.User, Account: acct, ARN: u.arn(acct), UserID: u.ID, Name: u.Name}
		return nil
	})
	return p, err
}

func pbkdf2Key(pw string, salt []byte) []byte {
	h, _ := pbkdf2.Key(sha256.New, pw, salt, 4096, 32)
	return h
}
