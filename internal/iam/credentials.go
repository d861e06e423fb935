package iam

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/store"
)

// The user credentials gureum does not issue: service-specific
// credentials, X.509 signing certificates and MFA devices (SSH public keys
// are in ssh_key.go). Their lists are served, always empty, because tools
// list them before DeleteUser (Ansible's iam_user removes each kind it
// finds, Terraform's force_destroy does the same) and stop on an unknown
// operation; their deletes check their input as IAM does and then answer
// NoSuchEntity, since there is nothing to delete. An unknown user is
// NoSuchEntity, as for every user operation.

// ServiceSpecificCredentialMetadata is one service-specific credential
// of a user (never any).
type ServiceSpecificCredentialMetadata struct {
	UserName                    string     `xml:"UserName"`
	Status                      string     `xml:"Status"`
	ServiceUserName             string     `xml:"ServiceUserName"`
	CreateDate                  query.Time `xml:"CreateDate"`
	ServiceSpecificCredentialID string     `xml:"ServiceSpecificCredentialId"`
	ServiceName                 string     `xml:"ServiceName"`
}

// SigningCertificate is one X.509 signing certificate of a user (never any).
type SigningCertificate struct {
	UserName        string     `xml:"UserName"`
	CertificateID   string     `xml:"CertificateId"`
	CertificateBody string     `xml:"CertificateBody"`
	Status          string     `xml:"Status"`
	UploadDate      query.Time `xml:"UploadDate"`
}

// MFADevice is one MFA device enabled for a user (never any).
type MFADevice struct {
	UserName     string     `xml:"UserName"`
	SerialNumber string     `xml:"SerialNumber"`
	EnableDate   query.Time `xml:"EnableDate"`
}

// userCredentialsInput is the input of the credential lists: UserName defaults
// to the calling user (the root user has none of these either).
type userCredentialsInput struct {
	UserName *string
	Marker   *string
	MaxItems *int32
}

type listServiceSpecificCredentialsInput struct {
	UserName    *string
	ServiceName *string
}

type listServiceSpecificCredentialsOutput struct {
	ServiceSpecificCredentials []ServiceSpecificCredentialMetadata `xml:"ServiceSpecificCredentials>member"`
}

type listSigningCertificatesOutput struct {
	Certificates []SigningCertificate `xml:"Certificates>member"`
	IsTruncated  bool                 `xml:"IsTruncated"`
}

type listMFADevicesOutput struct {
	MFADevices  []MFADevice `xml:"MFADevices>member"`
	IsTruncated bool        `xml:"IsTruncated"`
}

// checkCredentialsOwner returns NoSuchEntity when the named (or calling)
// user does not exist.
func (s *Service) checkCredentialsOwner(ctx context.Context, name *string) error {
	user, ok := callerUser(ctx, name)
	if !ok {
		return nil
	}
	acct := account(ctx)
	return s.view(ctx, func(tx store.Tx) error {
		_, err := getUser(tx, acct, user)
		return err
	})
}

func (s *Service) listServiceSpecificCredentials(ctx context.Context, in *listServiceSpecificCredentialsInput) (*listServiceSpecificCredentialsOutput, error) {
	if err := s.checkCredentialsOwner(ctx, in.UserName); err != nil {
		return nil, err
	}
	return &listServiceSpecificCredentialsOutput{ServiceSpecificCredentials: []ServiceSpecificCredentialMetadata{}}, nil
}

func (s *Service) listSigningCertificates(ctx context.Context, in *userCredentialsInput) (*listSigningCertificatesOutput, error) {
	if err := s.checkCredentialsOwner(ctx, in.UserName); err != nil {
		return nil, err
	}
	return &listSigningCertificatesOutput{Certificates: []SigningCertificate{}}, nil
}

func (s *Service) listMFADevices(ctx context.Context, in *userCredentialsInput) (*listMFADevicesOutput, error) {
	if err := s.checkCredentialsOwner(ctx, in.UserName); err != nil {
		return nil, err
	}
	return &listMFADevicesOutput{MFADevices: []MFADevice{}}, nil
}

// VirtualMFADevice is one virtual MFA device of the account (never any).
type VirtualMFADevice struct {
	SerialNumber string     `xml:"SerialNumber"`
	EnableDate   query.Time `xml:"EnableDate"`
}

type listVirtualMFADevicesInput struct {
	AssignmentStatus *string
	Marker           *string
	MaxItems         *int32
}

type listVirtualMFADevicesOutput struct {
	VirtualMFADevices []VirtualMFADevice `xml:"VirtualMFADevices>member"`
	IsTruncated       bool               `xml:"IsTruncated"`
}

// listVirtualMFADevices lists the account's virtual MFA devices: none.
// Terraform's aws_iam_user force_destroy lists the assigned ones before
// DeleteUser.
func (s *Service) listVirtualMFADevices(ctx context.Context, in *listVirtualMFADevicesInput) (*listVirtualMFADevicesOutput, error) {
	if st := in.AssignmentStatus; st != nil && *st != "Assigned" && *st != "Unassigned" && *st != "Any" {
		return nil, validation("1 validation error detected: Value '%s' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Unassigned, Assigned, Any]", *st)
	}
	return &listVirtualMFADevicesOutput{VirtualMFADevices: []VirtualMFADevice{}}, nil
}

// Constraints of botocore's IAM model for the members below.
var (
	credentialIDRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w]+$`) })
	serialNumberRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=/:,.@-]+$`) })
	sshKeyBodyRe   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{00FF}]+$`) })
)

// constraint is one string member with its model's length bounds and
// pattern; absent means the member was not sent.
type constraint struct {
	member  string // as IAM names it in messages, e.g. "sSHPublicKeyId"
	value   *string
	min     int
	max     int
	re      func() *regexp.Regexp
	pattern string // the pattern as IAM prints it
}

// checkConstraints reports every member that breaks its constraints in one
// ValidationError, as IAM does ("2 validation errors detected: ...").
func checkConstraints(cs ...constraint) error {
	var errs []string
	for _, c := range cs {
		if c.value == nil {
			continue
		}
		v := *c.value
		if len(v) < c.min {
			errs = append(errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", v, c.member, c.min))
		}
		if len(v) > c.max {
			errs = append(errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, c.member, c.max))
		}
		if v != "" && !c.re().MatchString(v) {
			errs = append(errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", v, c.member, c.pattern))
		}
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return validation("1 validation error detected: %s", errs[0])
	}
	return validation("%d validation errors detected: %s", len(errs), strings.Join(errs, "; "))
}

// userNameConstraint is UserName as userNameType (at most 64 characters)
// or existingUserNameType (128) constrain it.
func userNameConstraint(v *string, max int) constraint {
	return constraint{"userName", v, 1, max, entityName, `[\w+=,.@-]+`}
}

func credentialIDConstraint(member string, v *string, min int) constraint {
	return constraint{member, v, min, 128, credentialIDRe, `[\w]+`}
}

func serialNumberConstraint(v *string) constraint {
	return constraint{"serialNumber", v, 9, 256, serialNumberRe, `[\w+=/:,.@-]+`}
}

type deleteSigningCertificateInput struct {
	UserName      *string
	CertificateID string `query:"CertificateId,required"`
}

// deleteSigningCertificate deletes a signing certificate of the named
// user, or of the caller when UserName is absent. gureum holds none.
func (s *Service) deleteSigningCertificate(ctx context.Context, in *deleteSigningCertificateInput) (*struct{}, error) {
	if err := checkConstraints(userNameConstraint(in.UserName, 128), credentialIDConstraint("certificateId", &in.CertificateID, 24)); err != nil {
		return nil, err
	}
	if err := s.checkCredentialsOwner(ctx, in.UserName); err != nil {
		return nil, err
	}
	return nil, noSuchEntity("The Certificate with id %s cannot be found.", in.CertificateID)
}

type deleteServiceSpecificCredentialInput struct {
	UserName                    *string
	ServiceSpecificCredentialID string `query:"ServiceSpecificCredentialId,required"`
}

// deleteServiceSpecificCredential deletes a service-specific credential
// of the named user, or of the caller. gureum holds none.
func (s *Service) deleteServiceSpecificCredential(ctx context.Context, in *deleteServiceSpecificCredentialInput) (*struct{}, error) {
	if err := checkConstraints(userNameConstraint(in.UserName, 64), credentialIDConstraint("serviceSpecificCredentialId", &in.ServiceSpecificCredentialID, 20)); err != nil {
		return nil, err
	}
	if err := s.checkCredentialsOwner(ctx, in.UserName); err != nil {
		return nil, err
	}
	return nil, noSuchEntity("The Service Specific Credential with id %s cannot be found.", in.ServiceSpecificCredentialID)
}

type deactivateMFADeviceInput struct {
	UserName     *string
	SerialNumber string `query:",required"`
}

// deactivateMFADevice deactivates an MFA device of the named user, or of
// the caller. No user has one in gureum.
func (s *Service) deactivateMFADevice(ctx context.Context, in *deactivateMFADeviceInput) (*struct{}, error) {
	if err := checkConstraints(userNameConstraint(in.UserName, 128), serialNumberConstraint(&in.SerialNumber)); err != nil {
		return nil, err
	}
	if err := s.checkCredentialsOwner(ctx, in.UserName); err != nil {
		return nil, err
	}
	return nil, noSuchEntity("MFA Device with serial number %s does not exist.", in.SerialNumber)
}

type deleteVirtualMFADeviceInput struct {
	SerialNumber string `query:",required"`
}

// deleteVirtualMFADevice deletes a virtual MFA device of the account.
// gureum holds none.
func (s *Service) deleteVirtualMFADevice(_ context.Context, in *deleteVirtualMFADeviceInput) (*struct{}, error) {
	if err := checkConstraints(serialNumberConstraint(&in.SerialNumber)); err != nil {
		return nil, err
	}
	return nil, noSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", in.SerialNumber)
}
