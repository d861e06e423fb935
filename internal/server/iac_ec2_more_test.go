package server_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Terraform's aws_vpc_dhcp_options and aws_vpc_dhcp_options_association,
// and tags on security group rules (aws_vpc_security_group_ingress_rule),
// replayed call by call, with the error codes the provider matches.

func dhcpValues(d ec2types.DhcpOptions) map[string][]string {
	out := map[string][]string{}
	for _, c := range d.DhcpConfigurations {
		for _, v := range c.Values {
			out[*c.Key] = append(out[*c.Key], *v.Value)
		}
	}
	return out
}

func TestIaCEC2DhcpOptions(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.80.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc := v.Vpc.VpcId
	origDopt := *v.Vpc.DhcpOptionsId
	kv := func(k string, vs ...string) ec2types.NewDhcpConfiguration {
		return ec2types.NewDhcpConfiguration{Key: aws.String(k), Values: vs}
	}
	// aws_vpc_dhcp_options Create: CreateDhcpOptions with TagSpecifications.
	cr, err := c.CreateDhcpOptions(ctx(), &ec2.CreateDhcpOptionsInput{DhcpConfigurations: []ec2types.NewDhcpConfiguration{
		kv("domain-name", "example.internal"), kv("domain-name-servers", "10.80.0.2", "AmazonProvidedDNS"),
		kv("ntp-servers", "169.254.169.123"), kv("netbios-name-servers", "10.80.0.3"), kv("netbios-node-type", "2")},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeDhcpOptions, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("iac")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := *cr.DhcpOptions.DhcpOptionsId
	if got := dhcpValues(*cr.DhcpOptions); len(got) != 5 || got["domain-name"][0] != "example.internal" || len(got["domain-name-servers"]) != 2 ||
		got["netbios-node-type"][0] != "2" || *cr.DhcpOptions.OwnerId == "" || len(cr.DhcpOptions.Tags) != 1 {
		t.Fatalf("create: %+v", cr.DhcpOptions)
	}
	// Read: DescribeDhcpOptions by id; filters.
	d, err := c.DescribeDhcpOptions(ctx(), &ec2.DescribeDhcpOptionsInput{DhcpOptionsIds: []string{id}})
	if err != nil || len(d.DhcpOptions) != 1 || dhcpValues(d.DhcpOptions[0])["ntp-servers"][0] != "169.254.169.123" {
		t.Fatalf("describe: %+v %v", d, err)
	}
	for _, f := range [][]ec2types.Filter{
		{flt("dhcp-options-id", id)}, {flt("key", "ntp-servers")}, {flt("value", "example.internal")},
		{flt("tag:Name", "iac")}, {flt("tag-key", "Name"), flt("owner-id", *cr.DhcpOptions.OwnerId)},
	} {
		d, err := c.DescribeDhcpOptions(ctx(), &ec2.DescribeDhcpOptionsInput{Filters: f})
		if err != nil || len(d.DhcpOptions) != 1 || *d.DhcpOptions[0].DhcpOptionsId != id {
			t.Fatalf("filter %s: %+v %v", *f[0].Name, d, err)
		}
	}
	_, err = c.DescribeDhcpOptions(ctx(), &ec2.DescribeDhcpOptionsInput{Filters: []ec2types.Filter{flt("nope", "x")}})
	wantCode(t, err, "InvalidParameterValue")
	// Update: tags on the dopt- id.
	if _, err := c.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTags(ctx(), &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("Name")}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.DescribeTags(ctx(), &ec2.DescribeTagsInput{Filters: []ec2types.Filter{flt("resource-id", id)}})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "env" || tags.Tags[0].ResourceType != "dhcp-options" {
		t.Fatalf("tags: %+v %v", tags, err)
	}
	// aws_vpc_dhcp_options_association Create: AssociateDhcpOptions; Read:
	// DescribeVpcs, by id and by dhcp-options-id.
	if _, err := c.AssociateDhcpOptions(ctx(), &ec2.AssociateDhcpOptionsInput{VpcId: vpc, DhcpOptionsId: &id}); err != nil {
		t.Fatal(err)
	}
	vs, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{flt("dhcp-options-id", id)}})
	if err != nil || len(vs.Vpcs) != 1 || *vs.Vpcs[0].VpcId != *vpc || *vs.Vpcs[0].DhcpOptionsId != id {
		t.Fatalf("vpc by dopt: %+v %v", vs, err)
	}
	// Deleting an associated set is a DependencyViolation.
	_, err = c.DeleteDhcpOptions(ctx(), &ec2.DeleteDhcpOptionsInput{DhcpOptionsId: &id})
	wantCode(t, err, "DependencyViolation")
	// Association Delete: AssociateDhcpOptions "default"; the VPC shows it.
	if _, err := c.AssociateDhcpOptions(ctx(), &ec2.AssociateDhcpOptionsInput{VpcId: vpc, DhcpOptionsId: aws.String("default")}); err != nil {
		t.Fatal(err)
	}
	vs, err = c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{VpcIds: []string{*vpc}})
	if err != nil || *vs.Vpcs[0].DhcpOptionsId != "default" {
		t.Fatalf("vpc after default: %+v %v", vs, err)
	}
	// A new VPC still gets the region's default set, not the new one.
	v2, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.81.0.0/16")})
	if err != nil || *v2.Vpc.DhcpOptionsId != origDopt {
		t.Fatalf("second vpc: %+v %v", v2, err)
	}
	// aws_vpc_dhcp_options Delete: DeleteDhcpOptions; then NotFound.
	if _, err := c.DeleteDhcpOptions(ctx(), &ec2.DeleteDhcpOptionsInput{DhcpOptionsId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeDhcpOptions(ctx(), &ec2.DescribeDhcpOptionsInput{DhcpOptionsIds: []string{id}})
	wantCode(t, err, "InvalidDhcpOptionID.NotFound")
	_, err = c.DeleteDhcpOptions(ctx(), &ec2.DeleteDhcpOptionsInput{DhcpOptionsId: &id})
	wantCode(t, err, "InvalidDhcpOptionID.NotFound")
	_, err = c.DeleteDhcpOptions(ctx(), &ec2.DeleteDhcpOptionsInput{DhcpOptionsId: aws.String("bogus")})
	wantCode(t, err, "InvalidDhcpOptionsId.Malformed")
	_, err = c.AssociateDhcpOptions(ctx(), &ec2.AssociateDhcpOptionsInput{VpcId: vpc, DhcpOptionsId: &id})
	wantCode(t, err, "InvalidDhcpOptionID.NotFound")
	_, err = c.AssociateDhcpOptions(ctx(), &ec2.AssociateDhcpOptionsInput{VpcId: aws.String("vpc-00000000000000000"), DhcpOptionsId: aws.String("default")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = c.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidDhcpOptionID.NotFound")
	// CreateDhcpOptions validation.
	for name, conf := range map[string][]ec2types.NewDhcpConfiguration{
		"unknown key":    {kv("routers", "10.0.0.1")},
		"five servers":   {kv("domain-name-servers", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5")},
		"bad server":     {kv("ntp-servers", "ntp.example.com")},
		"bad node type":  {kv("netbios-node-type", "3")},
		"duplicate key":  {kv("domain-name", "a.example"), kv("domain-name", "b.example")},
		"two node types": {kv("netbios-node-type", "1", "2")},
	} {
		_, err := c.CreateDhcpOptions(ctx(), &ec2.CreateDhcpOptionsInput{DhcpConfigurations: conf})
		if ae := wantCode(t, err, "InvalidParameterValue"); ae == nil {
			t.Fatal(name)
		}
	}
	_, err = c.CreateDhcpOptions(ctx(), &ec2.CreateDhcpOptionsInput{DhcpConfigurations: []ec2types.NewDhcpConfiguration{kv("domain-name", "x.example")},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}}})
	wantCode(t, err, "InvalidParameterValue")
}

func TestIaCEC2SecurityGroupRuleTags(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.90.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("tagged"), Description: aws.String("t"), VpcId: v.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	// aws_vpc_security_group_ingress_rule Create: Authorize, then CreateTags
	// on the sgr- id.
	auth, err := c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}}})
	if err != nil || len(auth.SecurityGroupRules) != 1 {
		t.Fatalf("%+v %v", auth, err)
	}
	rule := *auth.SecurityGroupRules[0].SecurityGroupRuleId
	if _, err := c.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{rule}, Tags: []ec2types.Tag{
		{Key: aws.String("Name"), Value: aws.String("ssh")}, {Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	// Read: DescribeSecurityGroupRules shows the tags; filters by tag.
	rules, err := c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{rule}})
	if err != nil || len(rules.SecurityGroupRules) != 1 || len(rules.SecurityGroupRules[0].Tags) != 2 {
		t.Fatalf("rules: %+v %v", rules, err)
	}
	for _, f := range []ec2types.Filter{flt("tag:Name", "ssh"), flt("tag-key", "env")} {
		rules, err := c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{f, flt("group-id", *g.GroupId)}})
		if err != nil || len(rules.SecurityGroupRules) != 1 || *rules.SecurityGroupRules[0].SecurityGroupRuleId != rule {
			t.Fatalf("filter %s: %+v %v", *f.Name, rules, err)
		}
	}
	rules, err = c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{flt("tag:Name", "other")}})
	if err != nil || len(rules.SecurityGroupRules) != 0 {
		t.Fatalf("no match: %+v %v", rules, err)
	}
	// DescribeTags lists them as security-group-rule.
	tags, err := c.DescribeTags(ctx(), &ec2.DescribeTagsInput{Filters: []ec2types.Filter{flt("resource-type", "security-group-rule")}})
	if err != nil || len(tags.Tags) != 2 || *tags.Tags[0].ResourceId != rule {
		t.Fatalf("describe tags: %+v %v", tags, err)
	}
	// Update: DeleteTags one key; the other stays.
	if _, err := c.DeleteTags(ctx(), &ec2.DeleteTagsInput{Resources: []string{rule}, Tags: []ec2types.Tag{{Key: aws.String("env")}}}); err != nil {
		t.Fatal(err)
	}
	rules, err = c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{rule}})
	if err != nil || len(rules.SecurityGroupRules[0].Tags) != 1 || *rules.SecurityGroupRules[0].Tags[0].Key != "Name" {
		t.Fatalf("after delete: %+v %v", rules, err)
	}
	// The group's own tags are untouched, and its rule tags are not its.
	sg, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*g.GroupId}})
	if err != nil || len(sg.SecurityGroups[0].Tags) != 0 {
		t.Fatalf("group: %+v %v", sg, err)
	}
	// TagSpecifications on AuthorizeSecurityGroupEgress.
	eg, err := c.AuthorizeSecurityGroupEgress(ctx(), &ec2.AuthorizeSecurityGroupEgressInput{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.1.0.0/16")}}}},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroupRule, Tags: []ec2types.Tag{{Key: aws.String("dir"), Value: aws.String("out")}}}}})
	if err != nil || len(eg.SecurityGroupRules) != 1 || len(eg.SecurityGroupRules[0].Tags) != 1 {
		t.Fatalf("egress: %+v %v", eg, err)
	}
	// Revoke by id; the tags go with the rule.
	if _, err := c.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: g.GroupId, SecurityGroupRuleIds: []string{rule}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{rule}, Tags: []ec2types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
	tags, err = c.DescribeTags(ctx(), &ec2.DescribeTagsInput{Filters: []ec2types.Filter{flt("resource-id", rule)}})
	if err != nil || len(tags.Tags) != 0 {
		t.Fatalf("tags after revoke: %+v %v", tags, err)
	}
	// CreateTags on unknown ids answers each type's NotFound code.
	for id, code := range map[string]string{
		"nat-0123456789abcdef0":      "InvalidNatGatewayID.NotFound",
		"eipalloc-0123456789abcdef0": "InvalidAllocationID.NotFound",
		"eni-0123456789abcdef0":      "InvalidNetworkInterfaceID.NotFound",
		"acl-0123456789abcdef0":      "InvalidNetworkAclID.NotFound",
		"sgr-0123456789abcdef0":      "InvalidSecurityGroupRuleId.NotFound",
		"dopt-0123456789abcdef0":     "InvalidDhcpOptionID.NotFound",
		"bogus-0123":                 "InvalidID",
	} {
		_, err := c.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
		wantCode(t, err, code)
	}
}
