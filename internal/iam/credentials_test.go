package iam

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/gureum/gureum/internal/awsproto"
)

// TestUserCredentialLists: the credential lists tools read before
// DeleteUser (Ansible's iam_user, Terraform's force_destroy) answer an
// empty list element for an existing user, NoSuchEntity for an unknown
// one, and the caller's (none) without a UserName.
func TestUserCredentialLists(t *testing.T) {
	s, ctx := newTestService(t)
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
			for _, user := range []string{"deployer", ""} {
				v := url.Values{"Action": {tt.action}}
				if user != "" {
					v.Set("UserName", user)
				}
				out, err := callForm(ctx, s, v)
				if err != nil {
					t.Fatalf("UserName %q: %v", user, err)
				}
				if body := render(t, tt.action, out); !strings.Contains(body, tt.want) {
					t.Errorf("UserName %q: no %s in\n%s", user, tt.want, body)
				}
			}
			_, err := callForm(ctx, s, url.Values{"Action": {tt.action}, "UserName": {"nobody"}})
			var ae *awsproto.Error
			if !errors.As(err, &ae) || ae.Code != "NoSuchEntity" || ae.Message != "The user with name nobody cannot be found." {
				t.Errorf("unknown user: %v", err)
			}
		})
	}
}

// TestCredentialDeletes: the deletes of credentials gureum does not issue
// check their input as botocore's model constrains it, find the user
// (the caller when UserName is absent; the root user has none of these),
// and answer NoSuchEntity for the id.
func TestCredentialDeletes(t *testing.T) {
	s, ctx := newTestService(t)
	if _, err := s.createUser(ctx, &createUserInput{UserName: "deployer"}); err != nil {
		t.Fatal(err)
	}
	const serial = "arn:aws:iam::000000000000:mfa/deployer"
	tests := []struct {
		name   string
		in     url.Values
		code   string
		prefix string // of the message
	}{
		{"DeleteSigningCertificate", url.Values{"UserName": {"deployer"}, "CertificateId": {"TA7SMP42TDN5Z26OBPJE7EXAMPLE"}},
			"NoSuchEntity", "The Certificate with id TA7SMP42TDN5Z26OBPJE7EXAMPLE cannot be found."},
		{"DeleteSigningCertificate", url.Values{"CertificateId": {"TA7SMP42TDN5Z26OBPJE7EXAMPLE"}},
			"NoSuchEntity", "The Certificate with id"},
		{"DeleteSigningCertificate", url.Values{"UserName": {"deployer"}},
			"ValidationError", "1 validation error detected: Value null at 'certificateId' failed to satisfy constraint: Member must not be null"},
		{"DeleteSigningCertificate", url.Values{"UserName": {"deployer"}, "CertificateId": {"TA7SMP42TDN5Z26OBPJE7EX"}},
			"ValidationError", "1 validation error detected: Value 'TA7SMP42TDN5Z26OBPJE7EX' at 'certificateId' failed to satisfy constraint: Member must have length greater than or equal to 24"},
		{"DeleteServiceSpecificCredential", url.Values{"UserName": {"nobody"}, "ServiceSpecificCredentialId": {"ACCAQFODXMPL4YFHP7DZE"}},
			"NoSuchEntity", "The user with name nobody cannot be found."},
		{"DeleteServiceSpecificCredential", url.Values{"ServiceSpecificCredentialId": {"ACCA QFODXMPL4YFHP7DZE"}},
			"ValidationError", "1 validation error detected: Value 'ACCA QFODXMPL4YFHP7DZE' at 'serviceSpecificCredentialId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+"},
		{"DeactivateMFADevice", url.Values{"UserName": {"deployer"}, "SerialNumber": {serial}},
			"NoSuchEntity", "MFA Device with serial number " + serial + " does not exist."},
		{"DeactivateMFADevice", url.Values{"UserName": {strings.Repeat("u", 129)}, "SerialNumber": {"bad serial!"}},
			"ValidationError", "2 validation errors detected: Value '" + strings.Repeat("u", 129) + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 128; "},
		{"DeleteVirtualMFADevice", url.Values{"SerialNumber": {serial}},
			"NoSuchEntity", "VirtualMFADevice with serial number " + serial + " doesn't exist."},
		{"DeleteVirtualMFADevice", url.Values{},
			"ValidationError", "1 validation error detected: Value null at 'serialNumber' failed to satisfy constraint: Member must not be null"},
		{"DeleteSSHPublicKey", url.Values{"UserName": {"deployer"}, "SSHPublicKeyId": {"APKAEIVFHP46CEXAMPLE"}},
			"NoSuchEntity", "The Public Key with id APKAEIVFHP46CEXAMPLE cannot be found."},
		{"DeleteSSHPublicKey", url.Values{"SSHPublicKeyId": {"APKAEIVFHP46CEXAMPLE"}},
			"ValidationError", "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Set("Action", tt.name)
			_, err := callForm(ctx, s, tt.in)
			var ae *awsproto.Error
			if !errors.As(err, &ae) || ae.Code != tt.code || !strings.HasPrefix(ae.Message, tt.prefix) {
				t.Errorf("%v: got %v, want %s %q…", tt.in, err, tt.code, tt.prefix)
			}
		})
	}
}
