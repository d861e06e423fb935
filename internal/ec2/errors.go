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

func errAMINotFound(ids ...string) error {
	if len(ids) == 1 {
		return errf("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", ids[0])
	}
	return errf("InvalidAMIID.NotFound", "The image ids '[%s]' do not exist", strings.Join(ids, ", "))
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

// The constructors below are named after the code they answer with
// (InvalidAllocationID.NotFound: errInvalidAllocationIDNotFound). Where
// AWS words a code one way, the constructor holds the words; where the
// words depend on the operation, it takes them.

func errAddressLimitExceeded(format string, args ...any) error {
	return errf("AddressLimitExceeded", format, args...)
}

func errAttachmentLimitExceeded(count int, instanceType string) error {
	return errf("AttachmentLimitExceeded", "Interface count %d exceeds the limit for %s", count, instanceType)
}

func errAuthFailure(format string, args ...any) error {
	return errf("AuthFailure", format, args...)
}

func errCannotDelete(groupID string, groupName string) error {
	return errf("CannotDelete", "the specified group: %q name: %q cannot be deleted by a user", groupID, groupName)
}

func errCidrLimitExceeded(format string, args ...any) error {
	return errf("CidrLimitExceeded", format, args...)
}

func errDefaultSubnetAlreadyExistsInAvailabilityZone(availabilityZone string) error {
	return errf("DefaultSubnetAlreadyExistsInAvailabilityZone", "a default subnet already exists in availability zone %s", availabilityZone)
}

func errDefaultVpcAlreadyExists() error {
	return errf("DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region.")
}

func errDefaultVpcDoesNotExist() error {
	return errf("DefaultVpcDoesNotExist", "No default VPC for this user.")
}

func errDuplicateSubnetsInSameZone(subnetID string) error {
	return errf("DuplicateSubnetsInSameZone", "Found another VPC endpoint subnet in the availability zone of %s. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.", subnetID)
}

func errGatewayNotAttached(format string, args ...any) error {
	return errf("Gateway.NotAttached", format, args...)
}

func errIdempotentParameterMismatch() error {
	return errf("IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
}

func errIncorrectModificationState(volumeID string) error {
	return errf("IncorrectModificationState", "Volume %s is already being modified.", volumeID)
}

func errIncorrectState(format string, args ...any) error {
	return errf("IncorrectState", format, args...)
}

func errInstanceLimitExceeded(count int32) error {
	return errf("InstanceLimitExceeded", "You have requested more instances (%d) than your current instance limit of 1000 allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.", count)
}

func errInsufficientAddressCapacity() error {
	return errf("InsufficientAddressCapacity", "There are no free public IPv4 addresses left in the address pool.")
}

func errInsufficientFreeAddressesInSubnet(subnetID string) error {
	return errf("InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", subnetID)
}

func errInvalidAMIIDMalformed(id string) error {
	return errf("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", id)
}

func errInvalidAMIIDUnavailable(format string, args ...any) error {
	return errf("InvalidAMIID.Unavailable", format, args...)
}

func errInvalidAMINameDuplicate(name string, dup string) error {
	return errf("InvalidAMIName.Duplicate", "AMI name %s is already in use by AMI %s", name, dup)
}

func errInvalidAMINameMalformed() error {
	return errf("InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'")
}

func errInvalidAction(name string) error {
	return errf("InvalidAction", "The action %s is not valid for this web service.", name)
}

func errInvalidAddressNotFound(address string) error {
	return errf("InvalidAddress.NotFound", "Address '%s' not found.", address)
}

func errInvalidAllocationIDNotFound(id string) error {
	return errf("InvalidAllocationID.NotFound", "The allocation ID '%s' does not exist", id)
}

func errInvalidAssociationIDNotFound(associationId string) error {
	return errf("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", associationId)
}

func errInvalidAttachmentIDNotFound(attachmentId string) error {
	return errf("InvalidAttachmentID.NotFound", "Interface attachment '%s' does not exist.", attachmentId)
}

func errInvalidAttachmentNotFound(format string, args ...any) error {
	return errf("InvalidAttachment.NotFound", format, args...)
}

func errInvalidCapacityReservationIdNotFound(capacityReservationId string) error {
	return errf("InvalidCapacityReservationId.NotFound", "The capacity reservation ID '%s' does not exist", capacityReservationId)
}

func errInvalidCarrierGatewayIDNotFound(carrierGatewayId string) error {
	return errf("InvalidCarrierGatewayID.NotFound", "The carrierGateway ID '%s' does not exist", carrierGatewayId)
}

func errInvalidCidrBlockInUse(format string, args ...any) error {
	return errf("InvalidCidrBlock.InUse", format, args...)
}

func errInvalidDhcpOptionsIdMalformed(id string) error {
	return errf("InvalidDhcpOptionsId.Malformed", "Invalid id: \"%s\" (expecting \"dopt-...\")", id)
}

func errInvalidGatewayIDNotFound(format string, args ...any) error {
	return errf("InvalidGatewayID.NotFound", format, args...)
}

func errInvalidGroupDuplicate(groupName string, vpcID string) error {
	return errf("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", groupName, vpcID)
}

func errInvalidID(id string) error {
	return errf("InvalidID", "The ID '%s' is not valid", id)
}

func errInvalidIPAddressInUse(ip string) error {
	return errf("InvalidIPAddress.InUse", "Address %s is in use.", ip)
}

func errInvalidInstanceAttributeValue(name string, architecture string) error {
	return errf("InvalidInstanceAttributeValue", "The instance type '%s' does not support the '%s' architecture of the instance's AMI.", name, architecture)
}

func errInvalidInstanceID(instanceId string) error {
	return errf("InvalidInstanceID", "There are multiple interfaces attached to instance '%s'. Please specify an interface ID for the operation instead.", instanceId)
}

func errInvalidInstanceIDMalformed(id string) error {
	return errf("InvalidInstanceID.Malformed", "Invalid id: \"%s\"", id)
}

func errInvalidInstanceType(types string) error {
	return errf("InvalidInstanceType", "The following supplied instance types do not exist: [%s]", types)
}

func errInvalidIpamPoolIdNotFound(ipamPool string) error {
	return errf("InvalidIpamPoolId.NotFound", "The ipam pool ID '%s' does not exist", ipamPool)
}

func errInvalidIpv6PoolIDNotFound(pool string) error {
	return errf("InvalidIpv6PoolID.NotFound", "The ipv6 pool ID '%s' does not exist", pool)
}

func errInvalidKeyPairDuplicate(keyName string) error {
	return errf("InvalidKeyPair.Duplicate", "The keypair '%s' already exists.", keyName)
}

func errInvalidLaunchTemplateNameNotFoundException(format string, args ...any) error {
	return errf("InvalidLaunchTemplateName.NotFoundException", format, args...)
}

func errInvalidLocalGatewayIDNotFound(localGatewayId string) error {
	return errf("InvalidLocalGatewayID.NotFound", "The localGateway ID '%s' does not exist", localGatewayId)
}

func errInvalidNetworkAclEntryNotFound(ruleNumber int32) error {
	return errf("InvalidNetworkAclEntry.NotFound", "The network acl entry identified by %d does not exist.", ruleNumber)
}

func errInvalidNetworkInterfaceIDNotFound(id string) error {
	return errf("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
}

func errInvalidNetworkInterfaceInUse(format string, args ...any) error {
	return errf("InvalidNetworkInterface.InUse", format, args...)
}

func errInvalidNextToken(token string) error {
	return errf("InvalidNextToken", "The token '%s' is invalid.", token)
}

func errInvalidParameter(format string, args ...any) error {
	return errf("InvalidParameter", format, args...)
}

func errInvalidParameterCombination(format string, args ...any) error {
	return errf("InvalidParameterCombination", format, args...)
}

func errInvalidParameterDependency() error {
	return errf("InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.")
}

func errInvalidPrefixListIDNotFound(id string) error {
	return errf("InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist", id)
}

func errInvalidPublicIpv4PoolIDNotFound(publicIpv4Pool string) error {
	return errf("InvalidPublicIpv4PoolID.NotFound", "The public IPv4 pool ID '%s' does not exist", publicIpv4Pool)
}

func errInvalidRouteNotFound(kind string, dst string, routeTableID string) error {
	return errf("InvalidRoute.NotFound", "no route with %s %s in route table %s", kind, dst, routeTableID)
}

func errInvalidSecurityGroupIdNotFound(id string) error {
	return errf("InvalidSecurityGroupId.NotFound", "The security group '%s' does not exist", id)
}

func errInvalidServiceName(serviceName string) error {
	return errf("InvalidServiceName", "The Vpc Endpoint Service '%s' does not exist", serviceName)
}

func errInvalidSnapshotIDMalformed(id string) error {
	return errf("InvalidSnapshotID.Malformed", "Invalid id: \"%s\" (expecting \"snap-...\")", id)
}

func errInvalidSnapshotInUse(snapshotID string, inUse string) error {
	return errf("InvalidSnapshot.InUse", "The snapshot %s is currently in use by %s", snapshotID, inUse)
}

func errInvalidSpotInstanceRequestIDNotFound(id string) error {
	return errf("InvalidSpotInstanceRequestID.NotFound", "The spot instance request ID '%s' does not exist", id)
}

func errInvalidSubnetCidrBlockAssociationIDNotFound(associationId string) error {
	return errf("InvalidSubnetCidrBlockAssociationID.NotFound", "The subnet CIDR block with association ID '%s' does not exist", associationId)
}

func errInvalidSubnetConflict(cidr string) error {
	return errf("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
}

func errInvalidSubnetRange(format string, args ...any) error {
	return errf("InvalidSubnet.Range", format, args...)
}

func errInvalidTransitGatewayIDNotFound(transitGatewayId string) error {
	return errf("InvalidTransitGatewayID.NotFound", "Transit Gateway %s was deleted or does not exist.", transitGatewayId)
}

func errInvalidVolumeIDMalformed(id string) error {
	return errf("InvalidVolumeID.Malformed", "Invalid id: \"%s\" (expecting \"vol-...\")", id)
}

func errInvalidVolumeModificationNotFound(id string) error {
	return errf("InvalidVolumeModification.NotFound", "Modification for volume '%s' does not exist.", id)
}

func errInvalidVolumeZoneMismatch(volumeID string, instanceID string) error {
	return errf("InvalidVolume.ZoneMismatch", "The volume '%s' is not in the same availability zone as instance '%s'", volumeID, instanceID)
}

func errInvalidVpcCidrBlockAssociationIDNotFound(associationId string) error {
	return errf("InvalidVpcCidrBlockAssociationID.NotFound", "The vpc CIDR block association ID '%s' does not exist", associationId)
}

func errInvalidVpcEndpointIdMalformed(id string) error {
	return errf("InvalidVpcEndpointId.Malformed", "Invalid Id: '%s' (expecting 'vpce-...')", id)
}

func errInvalidVpcRange(cidrBlock string) error {
	return errf("InvalidVpc.Range", "The CIDR '%s' is invalid.", cidrBlock)
}

func errInvalidVpnGatewayIDMalformed(gatewayId string) error {
	return errf("InvalidVpnGatewayID.Malformed", "Invalid id: \"%s\" (expecting \"vgw-...\")", gatewayId)
}

func errInvalidVpnGatewayIDNotFound(gatewayId string) error {
	return errf("InvalidVpnGatewayID.NotFound", "The virtual private gateway ID '%s' does not exist", gatewayId)
}

func errMissingAction() error {
	return errf("MissingAction", "The request must contain the parameter Action")
}

func errMissingInput(vpcID string) error {
	return errf("MissingInput", "No subnets found for the default VPC '%s'. Please specify a subnet.", vpcID)
}

func errNatGatewayNotFound(id string) error {
	return errf("NatGatewayNotFound", "NAT gateway %s was not found", id)
}

func errNetworkAclEntryAlreadyExists(ruleNumber int32) error {
	return errf("NetworkAclEntryAlreadyExists", "The network acl entry identified by %d already exists.", ruleNumber)
}

func errOperationNotPermitted(format string, args ...any) error {
	return errf("OperationNotPermitted", format, args...)
}

func errResourceAlreadyAssociated(format string, args ...any) error {
	return errf("Resource.AlreadyAssociated", format, args...)
}

func errRouteAlreadyExists(format string, args ...any) error {
	return errf("RouteAlreadyExists", format, args...)
}

func errTagLimitExceeded() error {
	return errf("TagLimitExceeded", "The maximum number of tags per resource (50) has been exceeded.")
}

func errUnauthorizedOperation() error {
	return errf("UnauthorizedOperation", "You are not authorized to perform this operation.")
}

func errUnsupportedOperation(format string, args ...any) error {
	return errf("UnsupportedOperation", format, args...)
}

func errVPCIdNotSpecified(format string, args ...any) error {
	return errf("VPCIdNotSpecified", format, args...)
}

func errVolumeInUse(format string, args ...any) error {
	return errf("VolumeInUse", format, args...)
}

func errExactlyOneAttribute() error {
	return errf("MissingParameter", "You must specify exactly one attribute.")
}

// errInstanceNeverRan is StopInstances' answer for a pending instance.
func errInstanceNeverRan(id string) error {
	return errf("IncorrectInstanceState", "Instance '%s' cannot be stopped as it has never reached the 'running' state.", id)
}

// errInstanceCannotStop is StopInstances' answer for an instance shutting
// down or terminated.
func errInstanceCannotStop(id string) error {
	return errf("IncorrectInstanceState", "This instance '%s' is not in a state from which it can be stopped.", id)
}

// errInstanceNotRunning is AttachVolume's answer for an instance that is
// not running.
func errInstanceNotRunning(id string) error {
	return errf("IncorrectInstanceState", "Instance '%s' is not 'running'.", id)
}

func errGroupNotInVpc(id, vpcID string) error {
	return errf("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", id, vpcID)
}

// errDifferentNetworks is InvalidGroup.NotFound for a group of another
// VPC than the subnet's.
func errDifferentNetworks() error {
	return errf("InvalidGroup.NotFound", "You have specified two resources that belong to different networks.")
}

func errInvalidVpcEndpointIdNotFound(id string) error {
	return errf("InvalidVpcEndpointId.NotFound", "The VpcEndPoint ID '%s' does not exist", id)
}

// errCreditsNotSupported is the credit specification answer for an
// instance type without CPU credits.
func errCreditsNotSupported() error {
	return errf("InstanceCreditSpecification.NotSupported", "The specified instance does not support this operation.")
}

// errNotAuthorized is EC2's denial: its own sentence, then IAM's reason.
func errNotAuthorized(reason string) error {
	return awsproto.New(http.StatusForbidden, "UnauthorizedOperation", "You are not authorized to perform this operation. "+reason)
}

// errDryRun is the answer to an authorized DryRun request.
func errDryRun() error {
	return awsproto.New(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
}
