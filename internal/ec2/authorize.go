package ec2

import (
	"context"
	"reflect"
	"strings"

	"github.com/gureum/gureum/internal/awsproto"
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

// resources returns the function that finds the ARNs an action is
// authorized on in its typed input: the top-level members that name
// resources (a structure's members, NetworkInterface.1.SubnetId …, are
// not: the top level names them).
func resources(action string) func(ctx context.Context, in any) []string {
	if strings.HasPrefix(action, "Describe") || strings.HasPrefix(action, "Get") {
		return nil
	}
	created, creates := createdType[action]
	return func(ctx context.Context, in any) []string {
		sc := scopeOf(ctx)
		seen := map[string]bool{}
		var out []string
		add := func(typ, id string) {
			if id == "" {
				return
			}
			if typ == "" { // ResourceId: any type, by its prefix
				if typ = resourceType(id); typ == "" {
					return
				}
			}
			if a := ec2ARN(sc, typ, id); !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
		if creates {
			add(created, "*")
		}
		v := reflect.ValueOf(in).Elem()
		for i := range v.NumField() {
			typ, ok := idParams[v.Type().Field(i).Name]
			if !ok {
				continue
			}
			switch f := v.Field(i); f.Kind() {
			case reflect.String:
				add(typ, f.String())
			case reflect.Pointer:
				if !f.IsNil() && f.Elem().Kind() == reflect.String {
					add(typ, f.Elem().String())
				}
			case reflect.Slice:
				if f.Type().Elem().Kind() == reflect.String {
					for j := range f.Len() {
						add(typ, f.Index(j).String())
					}
				}
			}
		}
		return out
	}
}

// authorize judges an action on a resource as IAM does, in EC2's words:
// its own sentence, then IAM's reason.
func (s *Service) authorizeAction(ctx context.Context, action, resource string) error {
	err := s.auth.Authorize(ctx, action, resource, nil)
	if ae, ok := awsproto.As(err); ok && ae.Code == "AccessDenied" {
		return errNotAuthorized(ae.Message)
	}
	return err
}
