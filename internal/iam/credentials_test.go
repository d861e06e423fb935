package iam

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store/bolt"
)

// TestUserCredentialLists: the credential lists tools read before
// DeleteUser (Ansible's iam_user, Terraform's force_destroy) answer an
// empty list element for an existing user, NoSuchEntity for an unknown
// one, and the caller's (none) without a UserName.
func TestUserCredentialLists(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := New(Config{Store: db})
	ctx := request.With(context.Background(), &request.Context{ID: "req", Principal: request.Principal{
		Type: request.Root, Account: "000000000000", ARN: "arn:aws:iam::000000000000:root"}})
	if _, err := s.createUser(ctx, &createUserInput{UserName: "deployer"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		action string
		want   string // the empty list element
	}{
		{"ListSSHPublicKeys", "<SSHPublicKeys></SSHPublicKeys>"},
		{"ListServiceSpecificCredentials", "<ServiceSpecificCredentials></ServiceSpecificCredentials>"},
		{"ListSigningCertificates", "<Certificates></Certificates>"},
		{"ListMFADevices", "<MFADevices></MFADevices>"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			o, ok := s.ops[tt.action]
			if !ok {
				t.Fatalf("%s is not served", tt.action)
			}
			for _, user := range []string{"deployer", ""} {
				v := url.Values{"Action": {tt.action}}
				if user != "" {
					v.Set("UserName", user)
				}
				out, err := o.serve(ctx, v)
				if err != nil {
					t.Fatalf("UserName %q: %v", user, err)
				}
				w := httptest.NewRecorder()
				if err := query.Write(w, tt.action, Namespace, "req", out); err != nil {
					t.Fatal(err)
				}
				if body := w.Body.String(); !strings.Contains(body, tt.want) {
					t.Errorf("UserName %q: no %s in\n%s", user, tt.want, body)
				}
			}
			_, err := o.serve(ctx, url.Values{"Action": {tt.action}, "UserName": {"nobody"}})
			var ae *awsproto.Error
			if !errors.As(err, &ae) || ae.Code != "NoSuchEntity" || ae.Message != "The user with name nobody cannot be found." {
				t.Errorf("unknown user: %v", err)
			}
		})
	}
}
