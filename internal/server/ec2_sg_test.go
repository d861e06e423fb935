package server_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Security groups and network ACLs through the Go SDK.

func sgFilter(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}

func sgDefaultVpc(t *testing.T, c *ec2.Client) string {
	t.Helper()
	v, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{sgFilter("is-default", "true")}})
	if err != nil || len(v.Vpcs) != 1 {
		t.Fatalf("default vpc: %+v %v", v, err)
	}
	return *v.Vpcs[0].VpcId
}

func sgNewVpc(t *testing.T, c *ec2.Client, cidr string) string {
	t.Helper()
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	if err != nil {
		t.Fatal(err)
	}
	return *v.Vpc.VpcId
}

func sgCreate(t *testing.T, c *ec2.Client, name, vpc string) string {
	t.Helper()
	in := &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name + " group")}
	if vpc != "" {
		in.VpcId = aws.String(vpc)
	}
	out, err := c.CreateSecurityGroup(ctx(), in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.GroupId
}

func sgGet(t *testing.T, c *ec2.Client, id string) ec2types.SecurityGroup {
	t.Helper()
	out, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("describe %s: %+v %v", id, out, err)
	}
	return out.SecurityGroups[0]
}

func sgRules(t *testing.T, c *ec2.Client, group string) []ec2types.SecurityGroupRule {
	t.Helper()
	out, err := c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{sgFilter("group-id", group)}})
	if err != nil {
		t.Fatal(err)
	}
	return out.SecurityGroupRules
}

func sgTCP(from, to int32, cidr string) ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(from), ToPort: aws.Int32(to),
		IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}}}
}

func sgWantMessage(t *testing.T, err error, code, msg string) {
	t.Helper()
	ae := wantCode(t, err, code)
	if ae.ErrorMessage() != msg {
		t.Fatalf("%s: message %q, want %q", code, ae.ErrorMessage(), msg)
	}
}

func TestEC2SGDefaultGroup(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	def := sgDefaultVpc(t, c)
	out, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{sgFilter("vpc-id", def), sgFilter("group-name", "default")}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("default group: %+v %v", out, err)
	}
	g := out.SecurityGroups[0]
	if *g.Description != "default VPC security group" || *g.OwnerId == "" || !strings.HasSuffix(*g.SecurityGroupArn, ":security-group/"+*g.GroupId) {
		t.Fatalf("default group: %+v", g)
	}
	// Ingress: all traffic from the group itself; egress: all to 0.0.0.0/0.
	if len(g.IpPermissions) != 1 || *g.IpPermissions[0].IpProtocol != "-1" || g.IpPermissions[0].FromPort != nil ||
		len(g.IpPermissions[0].UserIdGroupPairs) != 1 || *g.IpPermissions[0].UserIdGroupPairs[0].GroupId != *g.GroupId {
		t.Fatalf("default ingress: %+v", g.IpPermissions)
	}
	if len(g.IpPermissionsEgress) != 1 || *g.IpPermissionsEgress[0].IpProtocol != "-1" || *g.IpPermissionsEgress[0].IpRanges[0].CidrIp != "0.0.0.0/0" {
		t.Fatalf("default egress: %+v", g.IpPermissionsEgress)
	}
	rules := sgRules(t, c, *g.GroupId)
	if len(rules) != 2 {
		t.Fatalf("default rules: %+v", rules)
	}
	for _, r := range rules {
		if !strings.HasPrefix(*r.SecurityGroupRuleId, "sgr-") || *r.FromPort != -1 || *r.ToPort != -1 || *r.IpProtocol != "-1" || *r.GroupOwnerId == "" ||
			!strings.HasSuffix(*r.SecurityGroupRuleArn, ":security-group-rule/"+*r.SecurityGroupRuleId) {
			t.Fatalf("rule: %+v", r)
		}
		if *r.IsEgress && *r.CidrIpv4 != "0.0.0.0/0" || !*r.IsEgress && *r.ReferencedGroupInfo.GroupId != *g.GroupId {
			t.Fatalf("rule: %+v", r)
		}
	}
	_, err = c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: g.GroupId})
	sgWantMessage(t, err, "CannotDelete", `the specified group: "`+*g.GroupId+`" name: "default" cannot be deleted by a user`)
	_, err = c.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("default"), Description: aws.String("x")})
	sgWantMessage(t, err, "InvalidParameterValue", "Cannot use reserved security group name: default")
	_, err = c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupName: aws.String("default")})
	wantCode(t, err, "CannotDelete")
	// A new VPC has its own default group.
	vpc := sgNewVpc(t, c, "10.0.0.0/16")
	out, err = c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{sgFilter("vpc-id", vpc)}})
	if err != nil || len(out.SecurityGroups) != 1 || *out.SecurityGroups[0].GroupName != "default" || *out.SecurityGroups[0].GroupId == *g.GroupId {
		t.Fatalf("new VPC's default group: %+v %v", out, err)
	}
}

func TestEC2SGCreateAndNames(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	def := sgDefaultVpc(t, c)
	out, err := c.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web servers"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: []ec2types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}}})
	if err != nil || !strings.HasPrefix(*out.GroupId, "sg-") || len(*out.GroupId) != 20 || len(out.Tags) != 1 || !strings.HasSuffix(*out.SecurityGroupArn, "/"+*out.GroupId) {
		t.Fatalf("create: %+v %v", out, err)
	}
	web := *out.GroupId
	g := sgGet(t, c, web)
	if *g.VpcId != def || *g.Description != "web servers" || len(g.IpPermissions) != 0 || len(g.IpPermissionsEgress) != 1 || len(g.Tags) != 1 {
		t.Fatalf("new group: %+v", g)
	}
	if r := sgRules(t, c, web); len(r) != 1 || !*r[0].IsEgress || *r[0].CidrIpv4 != "0.0.0.0/0" {
		t.Fatalf("new group's rules: %+v", r)
	}
	_, err = c.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("again")})
	sgWantMessage(t, err, "InvalidGroup.Duplicate", "The security group 'web' already exists for VPC '"+def+"'")
	_, err = c.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("sg-web"), Description: aws.String("x")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("x"), VpcId: aws.String("vpc-00000000000000000")})
	wantCode(t, err, "InvalidVpcID.NotFound")

	// The same name is fine in another VPC, which must then be used by id.
	vpc := sgNewVpc(t, c, "10.0.0.0/16")
	other := sgCreate(t, c, "web", vpc)
	byName, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"web"}})
	if err != nil || len(byName.SecurityGroups) != 1 || *byName.SecurityGroups[0].GroupId != web {
		t.Fatalf("by name: %+v %v", byName, err)
	}
	sgCreate(t, c, "private", vpc)
	_, err = c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"private"}})
	sgWantMessage(t, err, "InvalidGroup.NotFound", "The security group 'private' does not exist in default VPC '"+def+"'")
	_, err = c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupName: aws.String("private"), IpPermissions: []ec2types.IpPermission{sgTCP(22, 22, "10.0.0.0/8")}})
	wantCode(t, err, "InvalidGroup.NotFound")
	if _, err := c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupName: aws.String("web"), IpPermissions: []ec2types.IpPermission{sgTCP(80, 80, "0.0.0.0/0")}}); err != nil {
		t.Fatal(err)
	}
	if g := sgGet(t, c, web); len(g.IpPermissions) != 1 {
		t.Fatalf("authorized by name: %+v", g.IpPermissions)
	}
	if g := sgGet(t, c, other); len(g.IpPermissions) != 0 {
		t.Fatalf("other VPC's web touched: %+v", g.IpPermissions)
	}
	_, err = c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-00000000000000000"}})
	sgWantMessage(t, err, "InvalidGroup.NotFound", "The security group 'sg-00000000000000000' does not exist")
	_, err = c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"web"}})
	sgWantMessage(t, err, "InvalidGroupId.Malformed", `Invalid id: "web" (expecting "sg-...")`)

	// Filters and tags.
	for _, tc := range []struct {
		f    []ec2types.Filter
		want int
	}{
		{[]ec2types.Filter{sgFilter("group-name", "web")}, 2},
		{[]ec2types.Filter{sgFilter("group-name", "web"), sgFilter("vpc-id", vpc)}, 1},
		{[]ec2types.Filter{sgFilter("tag:team", "a")}, 1},
		{[]ec2types.Filter{sgFilter("ip-permission.from-port", "80")}, 1},
		{[]ec2types.Filter{sgFilter("ip-permission.cidr", "0.0.0.0/0")}, 1},
		{[]ec2types.Filter{sgFilter("egress.ip-permission.cidr", "0.0.0.0/0")}, 5},
		{[]ec2types.Filter{sgFilter("description", "web*")}, 2},
	} {
		out, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{Filters: tc.f})
		if err != nil || len(out.SecurityGroups) != tc.want {
			t.Fatalf("filter %s: got %d, want %d (%v)", *tc.f[0].Name, len(out.SecurityGroups), tc.want, err)
		}
	}
	_, err = c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{sgFilter("bogus", "x")}})
	wantCode(t, err, "InvalidParameterValue")
	sgCreate(t, c, "extra", vpc)
	p1, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(5)})
	if err != nil || len(p1.SecurityGroups) != 5 || p1.NextToken == nil {
		t.Fatalf("page 1: %+v %v", p1, err)
	}
	p2, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(5), NextToken: p1.NextToken})
	if err != nil || len(p2.SecurityGroups) != 1 || p2.NextToken != nil {
		t.Fatalf("page 2: %+v %v", p2, err)
	}
}

func TestEC2SGAuthorizeRevoke(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	vpc := sgNewVpc(t, c, "10.0.0.0/16")
	app := sgCreate(t, c, "app", vpc)
	lb := sgCreate(t, c, "lb", vpc)
	ssh := sgTCP(22, 22, "0.0.0.0/0")
	ssh.IpRanges[0].Description = aws.String("ssh from anywhere")
	ssh.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}
	perms := []ec2types.IpPermission{
		ssh,
		{IpProtocol: aws.String("udp"), FromPort: aws.Int32(53), ToPort: aws.Int32(53), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.5/16")}}},
		{IpProtocol: aws.String("icmp"), FromPort: aws.Int32(8), ToPort: aws.Int32(-1), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}},
		{IpProtocol: aws.String("6"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8090), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(lb), Description: aws.String("from lb")}}},
	}
	out, err := c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: perms})
	if err != nil || !*out.Return || len(out.SecurityGroupRules) != 5 {
		t.Fatalf("authorize: %+v %v", out, err)
	}
	for _, r := range out.SecurityGroupRules {
		if !strings.HasPrefix(*r.SecurityGroupRuleId, "sgr-") || *r.GroupId != app || *r.IsEgress {
			t.Fatalf("rule: %+v", r)
		}
	}
	g := sgGet(t, c, app)
	if len(g.IpPermissions) != 4 {
		t.Fatalf("permissions: %+v", g.IpPermissions)
	}
	p := g.IpPermissions[0]
	if *p.IpProtocol != "tcp" || *p.FromPort != 22 || *p.ToPort != 22 || len(p.IpRanges) != 1 || *p.IpRanges[0].Description != "ssh from anywhere" ||
		len(p.Ipv6Ranges) != 1 || *p.Ipv6Ranges[0].CidrIpv6 != "::/0" {
		t.Fatalf("ssh permission: %+v", p)
	}
	if p := g.IpPermissions[1]; *p.IpProtocol != "udp" || *p.IpRanges[0].CidrIp != "10.0.0.0/16" {
		t.Fatalf("udp permission (CIDR canonicalised): %+v", p)
	}
	if p := g.IpPermissions[2]; *p.IpProtocol != "icmp" || *p.FromPort != 8 || *p.ToPort != -1 {
		t.Fatalf("icmp permission: %+v", p)
	}
	if p := g.IpPermissions[3]; *p.IpProtocol != "tcp" || *p.UserIdGroupPairs[0].GroupId != lb || *p.UserIdGroupPairs[0].Description != "from lb" {
		t.Fatalf("group permission: %+v", p)
	}

	// Duplicates, in the group or in the request.
	_, err = c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []ec2types.IpPermission{sgTCP(22, 22, "0.0.0.0/0")}})
	sgWantMessage(t, err, "InvalidPermission.Duplicate", `the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW" already exists`)
	_, err = c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []ec2types.IpPermission{sgTCP(23, 23, "1.0.0.0/8"), sgTCP(23, 23, "1.0.0.0/8")}})
	wantCode(t, err, "InvalidParameterValue")
	// Bad permissions.
	for name, bad := range map[string]ec2types.IpPermission{
		"no ports":   {IpProtocol: aws.String("tcp"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("1.0.0.0/8")}}},
		"port range": sgTCP(0, 70000, "1.0.0.0/8"),
		"backwards":  sgTCP(90, 80, "1.0.0.0/8"),
		"bad cidr":   sgTCP(80, 80, "1.0.0/8"),
		"protocol":   {IpProtocol: aws.String("bogus"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("1.0.0.0/8")}}},
	} {
		_, err = c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []ec2types.IpPermission{bad}})
		ae := wantCode(t, err, "InvalidParameterValue")
		if name == "no ports" && ae.ErrorMessage() != "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange." {
			t.Fatal(ae.ErrorMessage())
		}
	}
	// Referenced groups must exist, in the same VPC.
	ref := func(id string) []ec2types.IpPermission {
		return []ec2types.IpPermission{{IpProtocol: aws.String("-1"), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(id)}}}}
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: ref("sg-00000000000000000")})
	sgWantMessage(t, err, "InvalidGroup.NotFound", "The security group 'sg-00000000000000000' does not exist")
	elsewhere := sgCreate(t, c, "elsewhere", "")
	_, err = c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: ref(elsewhere)})
	sgWantMessage(t, err, "InvalidGroup.NotFound", "You have specified two resources that belong to different networks.")
	// All protocols: ports are dropped.
	out, err = c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("-1"), FromPort: aws.Int32(5), ToPort: aws.Int32(6), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(app)}}}}})
	if err != nil || *out.SecurityGroupRules[0].FromPort != -1 || out.SecurityGroupRules[0].ReferencedGroupInfo == nil {
		t.Fatalf("all protocols: %+v %v", out, err)
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: ref(app)})
	sgWantMessage(t, err, "InvalidPermission.Duplicate", `the specified rule "peer: `+app+`, ALL, ALLOW" already exists`)

	// Revoke by permission, by rule id; a missing rule in a non-default VPC fails.
	rv, err := c.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []ec2types.IpPermission{sgTCP(22, 22, "0.0.0.0/0")}})
	if err != nil || !*rv.Return || len(rv.RevokedSecurityGroupRules) != 1 || *rv.RevokedSecurityGroupRules[0].CidrIpv4 != "0.0.0.0/0" {
		t.Fatalf("revoke: %+v %v", rv, err)
	}
	_, err = c.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []ec2types.IpPermission{sgTCP(22, 22, "0.0.0.0/0")}})
	sgWantMessage(t, err, "InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
	g = sgGet(t, c, app)
	if p := g.IpPermissions[0]; *p.FromPort != 22 || len(p.IpRanges) != 0 || len(p.Ipv6Ranges) != 1 {
		t.Fatalf("after revoke: %+v", p)
	}
	var v6 string
	for _, r := range sgRules(t, c, app) {
		if r.CidrIpv6 != nil {
			v6 = *r.SecurityGroupRuleId
		}
	}
	rv, err = c.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(app), SecurityGroupRuleIds: []string{v6}})
	if err != nil || len(rv.RevokedSecurityGroupRules) != 1 || *rv.RevokedSecurityGroupRules[0].SecurityGroupRuleId != v6 {
		t.Fatalf("revoke by id: %+v %v", rv, err)
	}
	_, err = c.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(app), SecurityGroupRuleIds: []string{v6}})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
	if g := sgGet(t, c, app); *g.IpPermissions[0].IpProtocol != "udp" {
		t.Fatalf("ssh permission left: %+v", g.IpPermissions)
	}

	// Egress: drop the default rule, add one.
	_, err = c.RevokeSecurityGroupEgress(ctx(), &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(app), IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	eo, err := c.AuthorizeSecurityGroupEgress(ctx(), &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(app), IpPermissions: []ec2types.IpPermission{sgTCP(443, 443, "0.0.0.0/0")}})
	if err != nil || !*eo.SecurityGroupRules[0].IsEgress {
		t.Fatalf("egress: %+v %v", eo, err)
	}
	_, err = c.AuthorizeSecurityGroupEgress(ctx(), &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(app), IpPermissions: []ec2types.IpPermission{sgTCP(443, 443, "0.0.0.0/0")}})
	wantCode(t, err, "InvalidPermission.Duplicate")
	if g := sgGet(t, c, app); len(g.IpPermissionsEgress) != 1 || *g.IpPermissionsEgress[0].FromPort != 443 {
		t.Fatalf("egress permissions: %+v", g.IpPermissionsEgress)
	}

	// The legacy flat form, and a lenient revoke in the default VPC.
	web := sgCreate(t, c, "web", "")
	if _, err := c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupName: aws.String("web"),
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), CidrIp: aws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	rv, err = c.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web), IpPermissions: []ec2types.IpPermission{sgTCP(80, 80, "0.0.0.0/0"), sgTCP(81, 81, "0.0.0.0/0")}})
	if err != nil || len(rv.RevokedSecurityGroupRules) != 1 || len(rv.UnknownIpPermissions) != 1 || *rv.UnknownIpPermissions[0].FromPort != 81 {
		t.Fatalf("default VPC revoke: %+v %v", rv, err)
	}
	rv, err = c.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web), IpPermissions: []ec2types.IpPermission{sgTCP(81, 81, "0.0.0.0/0")}})
	if err != nil || *rv.Return || len(rv.UnknownIpPermissions) != 1 {
		t.Fatalf("default VPC revoke of nothing: %+v %v", rv, err)
	}
}

func TestEC2SGRules(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	vpc := sgNewVpc(t, c, "10.0.0.0/16")
	g := sgCreate(t, c, "db", vpc)
	peer := sgCreate(t, c, "peer", vpc)
	out, err := c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(g),
		IpPermissions:     []ec2types.IpPermission{sgTCP(5432, 5432, "10.0.0.0/16"), sgTCP(3306, 3306, "10.0.0.0/16")},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroupRule, Tags: []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}})
	if err != nil || len(out.SecurityGroupRules) != 2 || len(out.SecurityGroupRules[0].Tags) != 1 {
		t.Fatalf("authorize: %+v %v", out, err)
	}
	pg, my := *out.SecurityGroupRules[0].SecurityGroupRuleId, *out.SecurityGroupRules[1].SecurityGroupRuleId
	d, err := c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{pg}})
	if err != nil || len(d.SecurityGroupRules) != 1 || *d.SecurityGroupRules[0].FromPort != 5432 || *d.SecurityGroupRules[0].GroupId != g || *d.SecurityGroupRules[0].CidrIpv4 != "10.0.0.0/16" {
		t.Fatalf("describe rule: %+v %v", d, err)
	}
	d, err = c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{sgFilter("tag:k", "v")}})
	if err != nil || len(d.SecurityGroupRules) != 2 {
		t.Fatalf("by tag: %+v %v", d, err)
	}
	d, err = c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{sgFilter("security-group-rule-id", my)}})
	if err != nil || len(d.SecurityGroupRules) != 1 {
		t.Fatalf("by id filter: %+v %v", d, err)
	}
	_, err = c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{"sgr-00000000000000000"}})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")

	// Modify keeps the id; the grouped view follows.
	mo, err := c.ModifySecurityGroupRules(ctx(), &ec2.ModifySecurityGroupRulesInput{GroupId: aws.String(g), SecurityGroupRules: []ec2types.SecurityGroupRuleUpdate{{
		SecurityGroupRuleId: aws.String(pg),
		SecurityGroupRule:   &ec2types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5433), ToPort: aws.Int32(5433), CidrIpv4: aws.String("10.0.1.0/24"), Description: aws.String("pg")},
	}}})
	if err != nil || !*mo.Return {
		t.Fatalf("modify: %+v %v", mo, err)
	}
	d, err = c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{pg}})
	if err != nil || *d.SecurityGroupRules[0].FromPort != 5433 || *d.SecurityGroupRules[0].CidrIpv4 != "10.0.1.0/24" || *d.SecurityGroupRules[0].Description != "pg" || len(d.SecurityGroupRules[0].Tags) != 1 {
		t.Fatalf("modified: %+v %v", d, err)
	}
	sg := sgGet(t, c, g)
	if len(sg.IpPermissions) != 2 || *sg.IpPermissions[0].FromPort != 5433 || *sg.IpPermissions[0].IpRanges[0].Description != "pg" {
		t.Fatalf("permissions after modify: %+v", sg.IpPermissions)
	}
	modify := func(id string, r ec2types.SecurityGroupRuleRequest) error {
		_, err := c.ModifySecurityGroupRules(ctx(), &ec2.ModifySecurityGroupRulesInput{GroupId: aws.String(g), SecurityGroupRules: []ec2types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: aws.String(id), SecurityGroupRule: &r}}})
		return err
	}
	err = modify(pg, ec2types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(3306), ToPort: aws.Int32(3306), CidrIpv4: aws.String("10.0.0.0/16")})
	wantCode(t, err, "InvalidPermission.Duplicate")
	err = modify("sgr-00000000000000000", ec2types.SecurityGroupRuleRequest{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("10.0.0.0/16")})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
	err = modify(pg, ec2types.SecurityGroupRuleRequest{IpProtocol: aws.String("-1"), ReferencedGroupId: aws.String(peer)})
	wantCode(t, err, "InvalidParameterValue")
	// Revoking by id what Describe returned.
	if _, err := c.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(g), SecurityGroupRuleIds: []string{pg, my}}); err != nil {
		t.Fatal(err)
	}
	if r := sgRules(t, c, g); len(r) != 1 || !*r[0].IsEgress {
		t.Fatalf("rules left: %+v", r)
	}
}

func TestEC2SGDelete(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	vpc := sgNewVpc(t, c, "10.0.0.0/16")
	a := sgCreate(t, c, "a", vpc)
	b := sgCreate(t, c, "b", vpc)
	// a lets b in; a also refers to itself.
	_, err := c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(a), IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("-1"), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(b)}, {GroupId: aws.String(a)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(b)})
	sgWantMessage(t, err, "DependencyViolation", "resource "+b+" has a dependent object")
	_, err = c.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(vpc)})
	wantCode(t, err, "DependencyViolation")
	// A self-reference does not hold a group.
	out, err := c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(a)})
	if err != nil || *out.GroupId != a {
		t.Fatalf("delete a: %+v %v", out, err)
	}
	if _, err := c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(b)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(b)})
	wantCode(t, err, "InvalidGroup.NotFound")
	if _, err := c.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(vpc)}); err != nil {
		t.Fatalf("VPC with only its default group left: %v", err)
	}
	// By name, in the default VPC only.
	sgCreate(t, c, "old", "")
	if _, err := c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupName: aws.String("old")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupName: aws.String("old")})
	wantCode(t, err, "InvalidGroup.NotFound")

	// A group a network interface uses (when ENIs are served).
	def := sgDefaultVpc(t, c)
	used := sgCreate(t, c, "used", "")
	subs, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{sgFilter("vpc-id", def)}})
	if err != nil {
		t.Fatal(err)
	}
	// An instance's network interface holds its groups.
	if imgs, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{}); err == nil && len(imgs.Images) > 0 {
		_, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			InstanceType: ec2types.InstanceTypeT3Micro, SecurityGroupIds: []string{used}})
		if err != nil {
			t.Logf("no instances yet: %v", err)
		} else {
			_, err = c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(used)})
			sgWantMessage(t, err, "DependencyViolation", "resource "+used+" has a dependent object")
			return
		}
	}
	eni, err := c.CreateNetworkInterface(ctx(), &ec2.CreateNetworkInterfaceInput{SubnetId: subs.Subnets[0].SubnetId, Groups: []string{used}})
	if err != nil {
		t.Logf("no network interfaces yet: %v", err)
		return
	}
	_, err = c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(used)})
	sgWantMessage(t, err, "DependencyViolation", "resource "+used+" has a dependent object")
	if _, err := c.DeleteNetworkInterface(ctx(), &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(used)}); err != nil {
		t.Fatal(err)
	}
}

func sgNACLs(t *testing.T, c *ec2.Client, filters ...ec2types.Filter) []ec2types.NetworkAcl {
	t.Helper()
	out, err := c.DescribeNetworkAcls(ctx(), &ec2.DescribeNetworkAclsInput{Filters: filters})
	if err != nil {
		t.Fatal(err)
	}
	return out.NetworkAcls
}

func TestEC2NACL(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	vpc := sgNewVpc(t, c, "10.0.0.0/16")
	s1, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.2.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	sub1, sub2 := *s1.Subnet.SubnetId, *s2.Subnet.SubnetId

	// The default ACL: allow 100 and deny *, both ways, every subnet.
	acls := sgNACLs(t, c, sgFilter("vpc-id", vpc))
	if len(acls) != 1 || !*acls[0].IsDefault || len(acls[0].Entries) != 4 || len(acls[0].Associations) != 2 {
		t.Fatalf("default ACL: %+v", acls)
	}
	def := *acls[0].NetworkAclId
	if en := acls[0].Entries[0]; !*en.Egress || *en.RuleNumber != 100 || en.RuleAction != "allow" || *en.Protocol != "-1" || *en.CidrBlock != "0.0.0.0/0" {
		t.Fatalf("entry: %+v", en)
	}
	assoc := map[string]string{}
	for _, a := range acls[0].Associations {
		if !strings.HasPrefix(*a.NetworkAclAssociationId, "aclassoc-") || *a.NetworkAclId != def {
			t.Fatalf("association: %+v", a)
		}
		assoc[*a.SubnetId] = *a.NetworkAclAssociationId
	}
	again := sgNACLs(t, c, sgFilter("association.subnet-id", sub1))
	if len(again) != 1 || *again[0].NetworkAclId != def || len(again[0].Associations) != 2 {
		t.Fatalf("by subnet: %+v", again)
	}
	for _, a := range again[0].Associations {
		if assoc[*a.SubnetId] != *a.NetworkAclAssociationId {
			t.Fatalf("association ids are not stable: %v vs %+v", assoc, a)
		}
	}

	// A new ACL denies everything.
	cr, err := c.CreateNetworkAcl(ctx(), &ec2.CreateNetworkAclInput{VpcId: aws.String(vpc), TagSpecifications: []ec2types.TagSpecification{
		{ResourceType: ec2types.ResourceTypeNetworkAcl, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("strict")}}}}})
	if err != nil || *cr.NetworkAcl.IsDefault || len(cr.NetworkAcl.Entries) != 2 || len(cr.NetworkAcl.Tags) != 1 || !strings.HasPrefix(*cr.NetworkAcl.NetworkAclId, "acl-") {
		t.Fatalf("create: %+v %v", cr, err)
	}
	for _, en := range cr.NetworkAcl.Entries {
		if *en.RuleNumber != 32767 || en.RuleAction != "deny" {
			t.Fatalf("entry: %+v", en)
		}
	}
	acl := *cr.NetworkAcl.NetworkAclId
	_, err = c.CreateNetworkAcl(ctx(), &ec2.CreateNetworkAclInput{VpcId: aws.String("vpc-00000000000000000")})
	wantCode(t, err, "InvalidVpcID.NotFound")

	// Entries.
	entry := func(n int32, egress bool, action ec2types.RuleAction) *ec2.CreateNetworkAclEntryInput {
		return &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(n), Protocol: aws.String("6"), RuleAction: action,
			Egress: aws.Bool(egress), CidrBlock: aws.String("10.0.0.0/16"), PortRange: &ec2types.PortRange{From: aws.Int32(22), To: aws.Int32(22)}}
	}
	if _, err := c.CreateNetworkAclEntry(ctx(), entry(100, false, ec2types.RuleActionAllow)); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateNetworkAclEntry(ctx(), entry(100, false, ec2types.RuleActionDeny))
	sgWantMessage(t, err, "NetworkAclEntryAlreadyExists", "The network acl entry identified by 100 already exists.")
	if _, err := c.CreateNetworkAclEntry(ctx(), entry(100, true, ec2types.RuleActionAllow)); err != nil {
		t.Fatalf("same number, other direction: %v", err)
	}
	_, err = c.CreateNetworkAclEntry(ctx(), entry(32767, false, ec2types.RuleActionAllow))
	wantCode(t, err, "InvalidParameterValue")
	icmp := &ec2.CreateNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(110), Protocol: aws.String("1"), RuleAction: ec2types.RuleActionAllow,
		Egress: aws.Bool(false), CidrBlock: aws.String("0.0.0.0/0"), IcmpTypeCode: &ec2types.IcmpTypeCode{Type: aws.Int32(8), Code: aws.Int32(-1)}}
	if _, err := c.CreateNetworkAclEntry(ctx(), icmp); err != nil {
		t.Fatal(err)
	}
	rep := entry(100, false, ec2types.RuleActionDeny)
	if _, err := c.ReplaceNetworkAclEntry(ctx(), &ec2.ReplaceNetworkAclEntryInput{NetworkAclId: rep.NetworkAclId, RuleNumber: rep.RuleNumber, Protocol: rep.Protocol,
		RuleAction: rep.RuleAction, Egress: rep.Egress, CidrBlock: rep.CidrBlock, PortRange: rep.PortRange}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ReplaceNetworkAclEntry(ctx(), &ec2.ReplaceNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(200), Protocol: aws.String("-1"),
		RuleAction: ec2types.RuleActionAllow, Egress: aws.Bool(false), CidrBlock: aws.String("0.0.0.0/0")})
	wantCode(t, err, "InvalidNetworkAclEntry.NotFound")
	got := sgNACLs(t, c, sgFilter("network-acl-id", acl))
	if len(got) != 1 || len(got[0].Entries) != 5 {
		t.Fatalf("entries: %+v", got)
	}
	var in100 *ec2types.NetworkAclEntry
	for i, en := range got[0].Entries {
		if *en.RuleNumber == 100 && !*en.Egress {
			in100 = &got[0].Entries[i]
		}
		if *en.RuleNumber == 110 && (en.IcmpTypeCode == nil || *en.IcmpTypeCode.Type != 8) {
			t.Fatalf("icmp entry: %+v", en)
		}
	}
	if in100 == nil || in100.RuleAction != "deny" || *in100.PortRange.From != 22 || *in100.Protocol != "6" {
		t.Fatalf("replaced entry: %+v", in100)
	}
	if n := sgNACLs(t, c, sgFilter("entry.rule-number", "110"), sgFilter("entry.rule-action", "deny")); len(n) != 1 || *n[0].NetworkAclId != acl {
		t.Fatalf("entry filters: %+v", n)
	}
	if _, err := c.DeleteNetworkAclEntry(ctx(), &ec2.DeleteNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(110), Egress: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteNetworkAclEntry(ctx(), &ec2.DeleteNetworkAclEntryInput{NetworkAclId: aws.String(acl), RuleNumber: aws.Int32(110), Egress: aws.Bool(false)})
	wantCode(t, err, "InvalidNetworkAclEntry.NotFound")

	// Move subnet 1 to the new ACL, using its implicit association.
	ra, err := c.ReplaceNetworkAclAssociation(ctx(), &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(assoc[sub1]), NetworkAclId: aws.String(acl)})
	if err != nil || !strings.HasPrefix(*ra.NewAssociationId, "aclassoc-") || *ra.NewAssociationId == assoc[sub1] {
		t.Fatalf("replace association: %+v %v", ra, err)
	}
	got = sgNACLs(t, c, sgFilter("association.subnet-id", sub1))
	if len(got) != 1 || *got[0].NetworkAclId != acl || len(got[0].Associations) != 1 || *got[0].Associations[0].NetworkAclAssociationId != *ra.NewAssociationId {
		t.Fatalf("subnet 1's ACL: %+v", got)
	}
	if d := sgNACLs(t, c, sgFilter("default", "true"), sgFilter("vpc-id", vpc)); len(d) != 1 || len(d[0].Associations) != 1 || *d[0].Associations[0].SubnetId != sub2 {
		t.Fatalf("default ACL after move: %+v", d)
	}
	_, err = c.ReplaceNetworkAclAssociation(ctx(), &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(assoc[sub1]), NetworkAclId: aws.String(acl)})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	other := sgNACLs(t, c, sgFilter("default", "true"), sgFilter("vpc-id", sgDefaultVpc(t, c)))
	_, err = c.ReplaceNetworkAclAssociation(ctx(), &ec2.ReplaceNetworkAclAssociationInput{AssociationId: ra.NewAssociationId, NetworkAclId: other[0].NetworkAclId})
	wantCode(t, err, "InvalidParameterValue")

	// Deleting: not the default, not while associated.
	_, err = c.DeleteNetworkAcl(ctx(), &ec2.DeleteNetworkAclInput{NetworkAclId: aws.String(acl)})
	sgWantMessage(t, err, "DependencyViolation", "The networkAcl '"+acl+"' has dependencies and cannot be deleted.")
	_, err = c.DeleteNetworkAcl(ctx(), &ec2.DeleteNetworkAclInput{NetworkAclId: aws.String(def)})
	sgWantMessage(t, err, "InvalidParameterValue", "cannot delete default network ACL "+def)
	back, err := c.ReplaceNetworkAclAssociation(ctx(), &ec2.ReplaceNetworkAclAssociationInput{AssociationId: ra.NewAssociationId, NetworkAclId: aws.String(def)})
	if err != nil {
		t.Fatal(err)
	}
	if d := sgNACLs(t, c, sgFilter("association.association-id", *back.NewAssociationId)); len(d) != 1 || *d[0].NetworkAclId != def || len(d[0].Associations) != 2 {
		t.Fatalf("back on the default ACL: %+v", d)
	}
	if _, err := c.DeleteNetworkAcl(ctx(), &ec2.DeleteNetworkAclInput{NetworkAclId: aws.String(acl)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteNetworkAcl(ctx(), &ec2.DeleteNetworkAclInput{NetworkAclId: aws.String(acl)})
	sgWantMessage(t, err, "InvalidNetworkAclID.NotFound", "The networkAcl ID '"+acl+"' does not exist")
	_, err = c.DescribeNetworkAcls(ctx(), &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{acl}})
	wantCode(t, err, "InvalidNetworkAclID.NotFound")
	// A deleted subnet takes its association with it.
	if _, err := c.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(sub1)}); err != nil {
		t.Fatal(err)
	}
	if d := sgNACLs(t, c, sgFilter("vpc-id", vpc)); len(d) != 1 || len(d[0].Associations) != 1 || *d[0].Associations[0].SubnetId != sub2 {
		t.Fatalf("after subnet delete: %+v", d)
	}
}
