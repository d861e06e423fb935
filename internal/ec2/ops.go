package ec2

import "github.com/gureum/gureum/internal/operation"

// operations is every EC2 operation gureum serves. Each resource's file
// adds its own through register.
func (s *Service) operations() map[string]*operation.Operation {
	ops := opTable{
		"DescribeRegions":             handle(s.describeRegions),
		"DescribeAvailabilityZones":   handle(s.describeAvailabilityZones),
		"DescribeAccountAttributes":   handle(s.describeAccountAttributes),
		"CreateVpc":                   handle(s.createVpc),
		"CreateDefaultVpc":            handle(s.createDefaultVpcOp),
		"DescribeVpcs":                handle(s.describeVpcs),
		"DeleteVpc":                   handle(s.deleteVpc),
		"ModifyVpcAttribute":          handle(s.modifyVpcAttribute),
		"DescribeVpcAttribute":        handle(s.describeVpcAttribute),
		"AssociateVpcCidrBlock":       handle(s.associateVpcCidrBlock),
		"DisassociateVpcCidrBlock":    handle(s.disassociateVpcCidrBlock),
		"AssociateSubnetCidrBlock":    handle(s.associateSubnetCidrBlock),
		"DisassociateSubnetCidrBlock": handle(s.disassociateSubnetCidrBlock),
		"GetIpamPoolAllocations":      handle(s.getIpamPoolAllocations),
		"ModifyVpcTenancy":            handle(s.modifyVpcTenancy),
		"CreateSubnet":                handle(s.createSubnet),
		"CreateDefaultSubnet":         handle(s.createDefaultSubnet),
		"DescribeSubnets":             handle(s.describeSubnets),
		"DeleteSubnet":                handle(s.deleteSubnet),
		"ModifySubnetAttribute":       handle(s.modifySubnetAttribute),
		"CreateTags":                  handle(s.createTags),
		"DeleteTags":                  handle(s.deleteTags),
		"DescribeTags":                handle(s.describeTags),
		"DescribeDhcpOptions":         handle(s.describeDhcpOptions),
		"CreateDhcpOptions":           handle(s.createDhcpOptions),
		"DeleteDhcpOptions":           handle(s.deleteDhcpOptions),
		"AssociateDhcpOptions":        handle(s.associateDhcpOptions),
	}
	for _, more := range []opTable{
		s.securityGroupOps(), s.networkACLOps(), s.routeTableOps(), s.internetGatewayOps(),
		s.addressOps(), s.natGatewayOps(), s.keyPairOps(), s.imageOps(), s.instanceOps(),
		s.networkInterfaceOps(), s.instanceTypeOps(), s.iamInstanceProfileOps(), s.classicLinkOps(),
		s.vpcEndpointOps(), s.launchTemplateOps(), s.instanceOptionOps(), s.volumeOps(), s.snapshotOps(),
		s.spotOps(),
	} {
		for name, op := range more {
			ops[name] = op
		}
	}
	for name, op := range ops {
		op.Name, op.Action, op.Resources = name, "ec2:"+name, resources(name)
	}
	return ops
}

// opTable is a resource file's operations.
type opTable = map[string]*operation.Operation
