package ec2

import (
	"context"
	"strings"
)

// VPC endpoints. gureum has none yet (CreateVpcEndpoint is not served), so
// DescribeVpcEndpoints answers an empty set, and AWS's NotFound for any id
// asked for: Terraform lists a subnet's endpoints before retrying a
// DeleteSubnet that met DependencyViolation.

func (s *Service) vpcEndpointOps() opTable {
	return opTable{
		"DescribeVpcEndpoints": handle(s.describeVpcEndpoints),
	}
}

// vpcEndpointFilters are DescribeVpcEndpoints' filter names.
var vpcEndpointFilters = []string{"ip-address-type", "service-name", "service-region", "vpc-id",
	"vpc-endpoint-id", "vpc-endpoint-state", "vpc-endpoint-type"}

type describeVpcEndpointsInput struct {
	VpcEndpointId []string
	Filter        []Filter
	MaxResults    *int32
	NextToken     *string
	DryRun        bool
}

type describeVpcEndpointsOutput struct {
	VpcEndpoints []struct{} `xml:"vpcEndpointSet>item"`
	NextToken    string     `xml:"nextToken,omitempty"`
}

func (s *Service) describeVpcEndpoints(_ context.Context, in *describeVpcEndpointsInput) (*describeVpcEndpointsOutput, error) {
	if len(in.VpcEndpointId) > 0 {
		id := in.VpcEndpointId[0]
		if !strings.HasPrefix(id, "vpce-") {
			return nil, errf("InvalidVpcEndpointId.Malformed", "Invalid Id: '%s' (expecting 'vpce-...')", id)
		}
		return nil, errf("InvalidVpcEndpointId.NotFound", "The VpcEndPoint ID '%s' does not exist", id)
	}
	if err := checkFilterNames(in.Filter, vpcEndpointFilters); err != nil {
		return nil, err
	}
	if _, _, err := page([]struct{}{}, in.MaxResults, in.NextToken, 5, 1000); err != nil {
		return nil, err
	}
	return &describeVpcEndpointsOutput{}, nil
}

// checkFilterNames fails on a filter a Describe does not know, as
// matchFilters does (tag filters are always known).
func checkFilterNames(filters []Filter, known []string) error {
	for _, f := range filters {
		if !strings.HasPrefix(f.Name, "tag:") && f.Name != "tag-key" && f.Name != "tag-value" && !contains(known, f.Name) {
			return errInvalidParameterValue("The filter '%s' is invalid", f.Name)
		}
	}
	return nil
}
