package ec2

import (
	"context"
)

// ClassicLink reads. EC2-Classic is retired and no gureum region ever had
// it, so these answer as AWS does in a region without EC2-Classic:
// UnsupportedOperation, whatever the VPC. Ansible's ec2_vpc_net tolerates
// that only by this exact message; Terraform's v4 provider by the code.

func (s *Service) classicLinkOps() opTable {
	return opTable{
		"DescribeVpcClassicLink":           handle(s.describeVpcClassicLink),
		"DescribeVpcClassicLinkDnsSupport": handle(s.describeVpcClassicLinkDNSSupport),
		"DescribeClassicLinkInstances":     handle(s.describeClassicLinkInstances),
	}
}

type describeVpcClassicLinkInput struct {
	VpcId  []string
	Filter []Filter
	DryRun bool
}

func (s *Service) describeVpcClassicLink(context.Context, *describeVpcClassicLinkInput) (*returnTrue, error) {
	return nil, errClassicUnsupported()
}

type describeVpcClassicLinkDNSSupportInput struct {
	VpcIds     []string
	MaxResults *int32
	NextToken  *string
}

func (s *Service) describeVpcClassicLinkDNSSupport(context.Context, *describeVpcClassicLinkDNSSupportInput) (*returnTrue, error) {
	return nil, errClassicUnsupported()
}

type describeClassicLinkInstancesInput struct {
	InstanceId []string
	Filter     []Filter
	MaxResults *int32
	NextToken  *string
	DryRun     bool
}

func (s *Service) describeClassicLinkInstances(context.Context, *describeClassicLinkInstancesInput) (*returnTrue, error) {
	return nil, errClassicUnsupported()
}
