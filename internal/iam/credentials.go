package iam

import (
	"context"

	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/store"
)

// The user credentials gureum does not issue: SSH public keys (for
// CodeCommit), service-specific credentials, X.509 signing certificates
// and MFA devices. Their lists are served, always empty, because tools
// list them before DeleteUser (Ansible's iam_user removes each kind it
// finds, Terraform's force_destroy does the same) and stop on an unknown
// operation. An unknown user is NoSuchEntity, as for every user operation.

// SSHPublicKeyMetadata is one SSH public key of a user (never any).
type SSHPublicKeyMetadata struct {
	UserName       string     `xml:"UserName"`
	SSHPublicKeyID string     `xml:"SSHPublicKeyId"`
	Status         string     `xml:"Status"`
	UploadDate     query.Time `xml:"UploadDate"`
}

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

// userCredentialsInput is the input of the four lists: UserName defaults
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

type listSSHPublicKeysOutput struct {
	SSHPublicKeys []SSHPublicKeyMetadata `xml:"SSHPublicKeys>member"`
	IsTruncated   bool                   `xml:"IsTruncated"`
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

func (s *Service) listSSHPublicKeys(ctx context.Context, in *userCredentialsInput) (*listSSHPublicKeysOutput, error) {
	if err := s.checkCredentialsOwner(ctx, in.UserName); err != nil {
		return nil, err
	}
	return &listSSHPublicKeysOutput{SSHPublicKeys: []SSHPublicKeyMetadata{}}, nil
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
