package console

import (
	"net/http"
	"net/url"
	"strings"

	ec2svc "github.com/gureum/gureum/internal/ec2"
)

// Security groups of a VPC and their rule editor: inbound rules added
// (protocol, ports, source CIDR) and removed by rule id.

func (c *Console) routeSG() {
	c.handle("GET "+Prefix+"vpc/{id}/security-groups", c.signedIn(c.securityGroups))
	c.handle("POST "+Prefix+"vpc/{id}/security-groups/create", c.signedIn(c.createSG))
	c.handle("POST "+Prefix+"vpc/{id}/security-groups/{sg}/ingress", c.signedIn(c.addIngress))
	c.handle("POST "+Prefix+"vpc/{id}/security-groups/{sg}/revoke", c.signedIn(c.revokeRule))
}

type sgView struct {
	*ec2svc.SecurityGroup
	Rules []ruleView
}

type ruleView struct {
	ID, Direction, Protocol, Ports, Peer, Description string
}

func (c *Console) securityGroups(w http.ResponseWriter, r *http.Request, s *session) {
	vpc := r.PathValue("id")
	out, err := c.ec2(r, s, "DescribeSecurityGroups", url.Values{"Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {vpc}})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	var views []sgView
	for _, g := range get(out, "SecurityGroups").([]*ec2svc.SecurityGroup) {
		v := sgView{SecurityGroup: g}
		rules, err := c.ec2(r, s, "DescribeSecurityGroupRules", url.Values{"Filter.1.Name": {"group-id"}, "Filter.1.Value.1": {g.GroupID}})
		if err != nil {
			c.fail(w, s, err)
			return
		}
		rv := reflectRules(get(rules, "SecurityGroupRules"))
		v.Rules = rv
		views = append(views, v)
	}
	c.render(w, s, "security_groups.html", "Security groups", "vpc", map[string]any{"Vpc": vpc, "Groups": views})
}

// reflectRules reads DescribeSecurityGroupRules' rules.
func reflectRules(list any) []ruleView {
	var out []ruleView
	n := lenOf(list)
	for i := range n {
		r := indexOf(list, i)
		proto, _ := get(r, "IpProtocol").(string)
		from, _ := get(r, "FromPort").(int32)
		to, _ := get(r, "ToPort").(int32)
		egress, _ := get(r, "IsEgress").(bool)
		v := ruleView{Protocol: proto, Direction: "Inbound"}
		v.ID, _ = get(r, "SecurityGroupRuleID").(string)
		v.Description, _ = get(r, "Description").(string)
		if egress {
			v.Direction = "Outbound"
		}
		if proto == "-1" {
			v.Protocol, v.Ports = "All traffic", "All"
		} else if from == to {
			v.Ports = itoa(int64(from))
		} else {
			v.Ports = itoa(int64(from)) + "–" + itoa(int64(to))
		}
		v4, _ := get(r, "CidrIpv4").(string)
		v6, _ := get(r, "CidrIpv6").(string)
		v.Peer = v4 + v6
		if ref := get(r, "ReferencedGroupInfo", "GroupID"); ref != nil {
			v.Peer, _ = ref.(string)
		}
		out = append(out, v)
	}
	return out
}

func (c *Console) createSG(w http.ResponseWriter, r *http.Request, s *session) {
	vpc := r.PathValue("id")
	_, err := c.ec2(r, s, "CreateSecurityGroup", url.Values{"GroupName": {strings.TrimSpace(r.PostFormValue("name"))},
		"GroupDescription": {strings.TrimSpace(r.PostFormValue("description"))}, "VpcId": {vpc}})
	c.back(w, r, s, Prefix+"vpc/"+vpc+"/security-groups", err, "Security group created.")
}

// addIngress adds one inbound rule: a protocol (tcp, udp, icmp or all),
// ports and a source CIDR.
func (c *Console) addIngress(w http.ResponseWriter, r *http.Request, s *session) {
	vpc, sg := r.PathValue("id"), r.PathValue("sg")
	f := r.PostForm
	p := url.Values{"GroupId": {sg}, "IpPermissions.1.IpProtocol": {f.Get("protocol")}, "IpPermissions.1.IpRanges.1.CidrIp": {strings.TrimSpace(f.Get("cidr"))}}
	if d := strings.TrimSpace(f.Get("description")); d != "" {
		p.Set("IpPermissions.1.IpRanges.1.Description", d)
	}
	switch f.Get("protocol") {
	case "-1":
	case "icmp":
		p.Set("IpPermissions.1.FromPort", "-1")
		p.Set("IpPermissions.1.ToPort", "-1")
	default:
		from, to, ok := strings.Cut(strings.TrimSpace(f.Get("ports")), "-")
		if !ok {
			to = from
		}
		p.Set("IpPermissions.1.FromPort", strings.TrimSpace(from))
		p.Set("IpPermissions.1.ToPort", strings.TrimSpace(to))
	}
	_, err := c.ec2(r, s, "AuthorizeSecurityGroupIngress", p)
	c.back(w, r, s, Prefix+"vpc/"+vpc+"/security-groups", err, "Inbound rule added to "+sg+".")
}

func (c *Console) revokeRule(w http.ResponseWriter, r *http.Request, s *session) {
	vpc, sg := r.PathValue("id"), r.PathValue("sg")
	op := "RevokeSecurityGroupIngress"
	if r.PostFormValue("direction") == "Outbound" {
		op = "RevokeSecurityGroupEgress"
	}
	_, err := c.ec2(r, s, op, url.Values{"GroupId": {sg}, "SecurityGroupRuleId.1": {r.PostFormValue("rule")}})
	c.back(w, r, s, Prefix+"vpc/"+vpc+"/security-groups", err, "Rule "+r.PostFormValue("rule")+" removed.")
}
