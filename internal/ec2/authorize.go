package ec2

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Authorization of EC2 actions. Describe calls act on "*"; others on the
// ARNs of the resources they name (an instance, a VPC, a group …) and,
// for creations, on the new resource's type (…:vpc/*), as the Service
// Authorization Reference lists them for EC2
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html).
// Every ARN must be allowed.

// idParams maps request parameters that name resources to the resource
// type in their ARN.
var idParams = map[string]string{
	"InstanceId": "instance", "VpcId": "vpc", "SubnetId": "subnet", "GroupId": "security-group",
	"SecurityGroupId": "security-group", "RouteTableId": "route-table", "InternetGatewayId": "internet-gateway",
	"NetworkAclId": "network-acl", "NetworkInterfaceId": "network-interface", "AllocationId": "elastic-ip",
	"NatGatewayId": "natgateway", "ImageId": "image", "KeyName": "key-pair", "ResourceId": "",
	"VolumeId": "volume", "SnapshotId": "snapshot", "VpcEndpointId": "vpc-endpoint",
}

// createdType is the resource type each creating action makes.
var createdType = map[string]string{
	"CreateVpc": "vpc", "CreateDefaultVpc": "vpc", "CreateSubnet": "subnet", "CreateDefaultSubnet": "subnet",
	"CreateSecurityGroup": "security-group", "CreateRouteTable": "route-table", "CreateInternetGateway": "internet-gateway",
	"CreateNetworkAcl": "network-acl", "CreateNetworkInterface": "network-interface", "AllocateAddress": "elastic-ip",
	"CreateNatGateway": "natgateway", "CreateKeyPair": "key-pair", "ImportKeyPair": "key-pair", "CreateImage": "image",
	"RunInstances": "instance", "CreateVolume": "volume", "CreateSnapshot": "snapshot", "CreateVpcEndpoint": "vpc-endpoint",
}

func ec2ARN(sc scope, typ, id string) string {
	if typ == "image" || typ == "snapshot" {
		return "arn:aws:ec2:" + sc.region + "::" + typ + "/" + id
	}
	return "arn:aws:ec2:" + sc.region + ":" + sc.acct + ":" + typ + "/" + id
}

// resourcesFor returns the ARNs an action is authorized on.
func resourcesFor(action string, v url.Values, sc scope) []string {
	if strings.HasPrefix(action, "Describe") || strings.HasPrefix(action, "Get") {
		return []string{"*"}
	}
	seen := map[string]bool{}
	var out []string
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	if t, ok := createdType[action]; ok {
		add(ec2ARN(sc, t, "*"))
	}
	for k, vs := range v {
		name := k
		if i := strings.IndexByte(k, '.'); i >= 0 {
			if strings.Count(k, ".") > 1 {
				continue // a member of a structure (NetworkInterface.1.SubnetId …): the top level names it
			}
			name = k[:i]
		}
		typ, ok := idParams[name]
		if !ok || len(vs) == 0 || vs[0] == "" {
			continue
		}
		if name == "ResourceId" {
			typ = resourceType(vs[0])
			if typ == "" {
				continue
			}
		}
		add(ec2ARN(sc, typ, vs[0]))
	}
	if len(out) == 0 {
		return []string{"*"}
	}
	return out
}

// authorizeEC2 judges an action on each of its resources.
func (s *Service) authorizeEC2(ctx context.Context, r *http.Request, action string, v url.Values) error {
	for _, res := range resourcesFor(action, v, scopeOf(ctx)) {
		if err := s.auth.Authorize(ctx, r, "ec2:"+action, res, nil); err != nil {
			return err
		}
	}
	return nil
}
