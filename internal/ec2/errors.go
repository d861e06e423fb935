package ec2

import (
	"net/http"
	"strings"

	"github.com/gureum/gureum/internal/awsproto"
)

// EC2's errors, in its codes and words, one constructor each; handlers
// use these rather than writing a code and a sentence inline.

func errf(code, format string, args ...any) *awsproto.Error {
	return awsproto.Newf(http.StatusBadRequest, code, format, args...)
}

func errNotFound(code, kind, id string) *awsproto.Error {
	return errf(code, "The %s ID '%s' does not exist", kind, id)
}

func errInvalidParameterValue(format string, args ...any) *awsproto.Error {
	return errf("InvalidParameterValue", format, args...)
}

func errMissingParameter(name string) *awsproto.Error {
	return errf("MissingParameter", "The request must contain the parameter %s", name)
}

func errDependency(format string, args ...any) *awsproto.Error {
	return errf("DependencyViolation", format, args...)
}

func errClassicUnsupported() error {
	return awsproto.New(http.StatusBadRequest, "UnsupportedOperation", "The functionality you requested is not available in this region.")
}

func errDhcpOptionsNotFound(id string) error {
	return errf("InvalidDhcpOptionID.NotFound", "The dhcpOption ID '%s' does not exist", id)
}

func errDhcpValue(key string, values []string) error {
	return errInvalidParameterValue("Value (%s) for parameter %s is invalid.", strings.Join(values, ","), key)
}

func errIamAssociationNotFound(id string) error {
	return errf("InvalidAssociationID.NotFound", "An invalid association-id of '%s' was given", id)
}

func errAMINotFound(id string) error {
	return errf("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
}

func errInstanceNotFound(ids ...string) error {
	if len(ids) == 1 {
		return errf("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", ids[0])
	}
	return errf("InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(ids, ", "))
}

func errBlockDevice(format string, args ...any) error {
	return errf("InvalidBlockDeviceMapping", format, args...)
}

func errKeyPairNotFound(name string) error {
	return errf("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", name)
}

func errLaunchTemplateID(id string) error {
	if !strings.HasPrefix(id, "lt-") || len(id) != 20 || strings.Trim(id[3:], "0123456789abcdef") != "" {
		return errf("InvalidLaunchTemplateId.Malformed", "The specified ID for the launch template (%s) is not valid. Specify a valid ID in the form lt-xxxxxxxxxxxxxxxxx.", id)
	}
	return errf("InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID %s, does not exist.", id)
}

// errIPLimit is AWS's error for an interface given more addresses than
// its instance type allows.
func errIPLimit() error {
	return errf("PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
}

func errGroupNotFound(id string) error {
	return errf("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
}

func errGroupNameNotFound(name, vpcID string) error {
	return errf("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC '%s'", name, vpcID)
}

func errGroupIDMalformed(id string) error {
	return errf("InvalidGroupId.Malformed", "Invalid id: %q (expecting \"sg-...\")", id)
}

func errRuleIDNotFound(id string) error {
	return errf("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
}

func errPermissionNotFound() error {
	return errf("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
}

func errDuplicateRule(r *SecurityGroupRule) error {
	return errf("InvalidPermission.Duplicate", "the specified rule %q already exists", sgRuleText(r))
}

func errSnapshotNotFound(id string) error {
	return errf("InvalidSnapshot.NotFound", "The snapshot '%s' does not exist.", id)
}

func errVolumeNotFound(id string) error {
	return errf("InvalidVolume.NotFound", "The volume '%s' does not exist.", id)
}

// errInstanceState is IncorrectInstanceState for an instance that is not
// in a state from which it can be what (stopped, started, rebooted,
// modified).
func errInstanceState(id, what string) error {
	return errf("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be %s.", id, what)
}

// errInstanceNotStopped is IncorrectInstanceState for a change that needs
// a stopped instance.
func errInstanceNotStopped(id string) error {
	return errf("IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.", id)
}

// errInstanceInvalidState is IncorrectInstanceState for an operation the
// instance's state does not allow at all.
func errInstanceInvalidState(id string) error {
	return errf("IncorrectInstanceState", "The instance '%s' is not in a valid state for this operation.", id)
}

// errVolumeState is IncorrectState for a volume in the wrong state.
func errVolumeState(id, state string) error {
	return errf("IncorrectState", "The volume '%s' is '%s'.", id, state)
}

// errUnknownAttribute is the Describe…Attribute answer for an attribute
// the resource does not have.
func errUnknownAttribute(name string) error {
	return errInvalidParameterValue("Value (%s) for parameter attribute is invalid. Unknown attribute.", name)
}
