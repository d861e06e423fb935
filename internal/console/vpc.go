package console

import (
	"cmp"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	ec2svc "github.com/gureum/gureum/internal/ec2"
)

// VPC pages: the VPCs, a drawing of each (availability zones, subnets
// marked public or private, route tables, the internet gateway, NAT
// gateways, instances with their addresses, arrows for routes), and the
// "VPC and more" wizard.

func (c *Console) routeVPC() {
	c.handle("GET "+Prefix+"vpc", c.signedIn(c.vpcs))
	c.handle("POST "+Prefix+"vpc/create", c.signedIn(c.createVPC))
	c.handle("GET "+Prefix+"vpc/{id}", c.signedIn(c.vpcDetail))
}

type vpcRow struct {
	*ec2svc.Vpc
	Name string
}

func (c *Console) vpcs(w http.ResponseWriter, r *http.Request, s *session) {
	out, err := c.ec2(r, s, "DescribeVpcs", url.Values{})
	if err != nil {
		c.fail(w, s, err)
		return
	}
	var rows []vpcRow
	for _, v := range get(out, "Vpcs").([]*ec2svc.Vpc) {
		rows = append(rows, vpcRow{Vpc: v, Name: nameTag(v.Tags)})
	}
	c.render(w, s, "vpcs.html", "Your VPCs", "vpc", map[string]any{"Vpcs": rows, "Zones": c.zones()})
}

func (c *Console) zones() []string {
	var zs []string
	for _, l := range "abcdef" {
		zs = append(zs, c.cfg.Region+string(l))
	}
	return zs
}

// createVPC is "VPC and more": a VPC with public and private subnets in
// one or two zones, an internet gateway and a public route table, and
// optionally a NAT gateway with a private route table, named after name.
func (c *Console) createVPC(w http.ResponseWriter, r *http.Request, s *session) {
	f := r.PostForm
	name := strings.TrimSpace(f.Get("name"))
	if name == "" {
		name = "project"
	}
	cidr, err := netip.ParsePrefix(strings.TrimSpace(f.Get("cidr")))
	if err != nil || !cidr.Addr().Is4() || cidr.Bits() > 20 {
		c.refuse(w, r, s, Prefix+"vpc", "The IPv4 CIDR block must be a valid /16 to /20 (for example 10.0.0.0/16).")
		return
	}
	azs, _ := strconv.Atoi(f.Get("azs"))
	azs = min(max(azs, 1), 2)
	nat := f.Get("nat") == "1"
	private := f.Get("private") != "" || nat
	step := func(err error) bool {
		if err != nil {
			c.back(w, r, s, Prefix+"vpc", err, "")
			return false
		}
		return true
	}
	tag := func(p url.Values, typ, n string) url.Values {
		p.Set("TagSpecification.1.ResourceType", typ)
		p.Set("TagSpecification.1.Tag.1.Key", "Name")
		p.Set("TagSpecification.1.Tag.1.Value", n)
		return p
	}
	out, err := c.ec2(r, s, "CreateVpc", tag(url.Values{"CidrBlock": {cidr.Masked().String()}}, "vpc", name+"-vpc"))
	if !step(err) {
		return
	}
	vpc := get(out, "Vpc").(*ec2svc.Vpc).VpcID
	_, _ = c.ec2(r, s, "ModifyVpcAttribute", url.Values{"VpcId": {vpc}, "EnableDnsHostnames.Value": {"true"}})
	// Subnets are /24s (or the VPC's size + 4 bits): public first, then
	// private, one of each per zone.
	bits := min(cidr.Bits()+4, 28)
	base := cidr.Masked().Addr().As4()
	size := uint32(1) << (32 - bits)
	n := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	subnet := func(i int) string {
		a := n + uint32(i)*size
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), bits).String()
	}
	zones := c.zones()
	var public, privs []string
	for z := range azs {
		out, err := c.ec2(r, s, "CreateSubnet", tag(url.Values{"VpcId": {vpc}, "CidrBlock": {subnet(z)}, "AvailabilityZone": {zones[z]}}, "subnet", name+"-subnet-public"+strconv.Itoa(z+1)+"-"+zones[z]))
		if !step(err) {
			return
		}
		id := get(out, "Subnet").(*ec2svc.Subnet).SubnetID
		public = append(public, id)
		_, _ = c.ec2(r, s, "ModifySubnetAttribute", url.Values{"SubnetId": {id}, "MapPublicIpOnLaunch.Value": {"true"}})
		if private {
			out, err := c.ec2(r, s, "CreateSubnet", tag(url.Values{"VpcId": {vpc}, "CidrBlock": {subnet(8 + z)}, "AvailabilityZone": {zones[z]}}, "subnet", name+"-subnet-private"+strconv.Itoa(z+1)+"-"+zones[z]))
			if !step(err) {
				return
			}
			privs = append(privs, get(out, "Subnet").(*ec2svc.Subnet).SubnetID)
		}
	}
	out, err = c.ec2(r, s, "CreateInternetGateway", tag(url.Values{}, "internet-gateway", name+"-igw"))
	if !step(err) {
		return
	}
	igw := get(out, "InternetGateway").(*ec2svc.InternetGateway).InternetGatewayID
	if _, err := c.ec2(r, s, "AttachInternetGateway", url.Values{"InternetGatewayId": {igw}, "VpcId": {vpc}}); !step(err) {
		return
	}
	rt, err := c.routeTable(r, s, vpc, name+"-rtb-public", "GatewayId", igw, public)
	if !step(err) || rt == "" {
		return
	}
	if nat {
		out, err := c.ec2(r, s, "AllocateAddress", url.Values{"Domain": {"vpc"}})
		if !step(err) {
			return
		}
		out, err = c.ec2(r, s, "CreateNatGateway", tag(url.Values{"SubnetId": {public[0]}, "AllocationId": {get(out, "AllocationID").(string)}}, "natgateway", name+"-nat-public1-"+zones[0]))
		if !step(err) {
			return
		}
		natID := get(out, "NatGateway").(*ec2svc.NatGateway).NatGatewayID
		if _, err := c.routeTable(r, s, vpc, name+"-rtb-private", "NatGatewayId", natID, privs); !step(err) {
			return
		}
	}
	c.back(w, r, s, Prefix+"vpc/"+vpc, nil, "You successfully created "+vpc+" / "+name+"-vpc")
}

// routeTable makes a route table with a default route to target and
// associates the subnets with it.
func (c *Console) routeTable(r *http.Request, s *session, vpc, name, targetParam, target string, subnets []string) (string, error) {
	out, err := c.ec2(r, s, "CreateRouteTable", url.Values{"VpcId": {vpc}, "TagSpecification.1.ResourceType": {"route-table"},
		"TagSpecification.1.Tag.1.Key": {"Name"}, "TagSpecification.1.Tag.1.Value": {name}})
	if err != nil {
		return "", err
	}
	rt := get(out, "RouteTable").(*ec2svc.RouteTable).RouteTableID
	if _, err := c.ec2(r, s, "CreateRoute", url.Values{"RouteTableId": {rt}, "DestinationCidrBlock": {"0.0.0.0/0"}, targetParam: {target}}); err != nil {
		return "", err
	}
	for _, sub := range subnets {
		if _, err := c.ec2(r, s, "AssociateRouteTable", url.Values{"RouteTableId": {rt}, "SubnetId": {sub}}); err != nil {
			return "", err
		}
	}
	return rt, nil
}

// drawing is a VPC laid out for its SVG: zones as columns, subnets as
// boxes in them with their instances, gateways above and below.
type drawing struct {
	Vpc      *ec2svc.Vpc
	Name     string
	Width    int
	Height   int
	Zones    []zoneBox
	IGW      string
	NATs     []natBox
	Tables   []tableRow
	Arrows   []arrow
	Unplaced int
}

type zoneBox struct {
	Name    string
	X, W    int
	Subnets []subnetBox
}

type subnetBox struct {
	ID, Name, Cidr, Table string
	Public                bool
	X, Y, W, H            int
	Instances             []instanceBox
}

type instanceBox struct {
	ID, Name, State, Private, Public string
	X, Y                             int
}

type natBox struct {
	ID, Subnet, PublicIP, State string
	X, Y                        int
}

type tableRow struct {
	ID, Name string
	Main     bool
	Routes   []string
	Subnets  []string
}

type arrow struct{ X1, Y1, X2, Y2 int }

func (c *Console) vpcDetail(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	one := func(name string, p url.Values) (any, bool) {
		out, err := c.ec2(r, s, name, p)
		if err != nil {
			c.fail(w, s, err)
			return nil, false
		}
		return out, true
	}
	byVPC := url.Values{"Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {id}}
	vo, ok := one("DescribeVpcs", url.Values{"VpcId.1": {id}})
	if !ok {
		return
	}
	so, ok := one("DescribeSubnets", byVPC)
	if !ok {
		return
	}
	ro, ok := one("DescribeRouteTables", byVPC)
	if !ok {
		return
	}
	io, ok := one("DescribeInternetGateways", url.Values{"Filter.1.Name": {"attachment.vpc-id"}, "Filter.1.Value.1": {id}})
	if !ok {
		return
	}
	no, ok := one("DescribeNatGateways", url.Values{"Filter.1.Name": {"vpc-id"}, "Filter.1.Value.1": {id}})
	if !ok {
		return
	}
	insts, ok := one("DescribeInstances", byVPC)
	if !ok {
		return
	}
	acls, ok := one("DescribeNetworkAcls", byVPC)
	if !ok {
		return
	}
	d := layout(get(vo, "Vpcs").([]*ec2svc.Vpc)[0], get(so, "Subnets").([]*ec2svc.Subnet), get(ro, "RouteTables").([]*ec2svc.RouteTable),
		get(io, "InternetGateways").([]*ec2svc.InternetGateway), get(no, "NatGateways").([]*ec2svc.NatGateway), get(insts, "Reservations").([]*ec2svc.Reservation))
	refresh := false
	for _, n := range d.NATs {
		refresh = refresh || n.State == "pending"
	}
	c.render(w, s, "vpc.html", id, "vpc", map[string]any{"D": d, "Refresh": refresh, "ACLs": aclRows(get(acls, "NetworkACLs").([]*ec2svc.NetworkACL))})
}

// layout places a VPC's parts for its drawing.
func layout(v *ec2svc.Vpc, subs []*ec2svc.Subnet, rts []*ec2svc.RouteTable, igws []*ec2svc.InternetGateway, nats []*ec2svc.NatGateway, res []*ec2svc.Reservation) drawing {
	d := drawing{Vpc: v, Name: nameTag(v.Tags)}
	if len(igws) > 0 {
		d.IGW = igws[0].InternetGatewayID
	}
	// Which table routes each subnet (explicit, else the main one), and
	// whether its default route leaves through the internet gateway.
	table := map[string]*ec2svc.RouteTable{}
	var main *ec2svc.RouteTable
	for _, t := range rts {
		row := tableRow{ID: t.RouteTableID, Name: nameTag(t.Tags)}
		for _, a := range t.Associations {
			if a.Main {
				main, row.Main = t, true
			} else if a.SubnetID != "" {
				table[a.SubnetID] = t
				row.Subnets = append(row.Subnets, a.SubnetID)
			}
		}
		for _, rt := range t.Routes {
			target := rt.GatewayID + rt.NatGatewayID + rt.NetworkInterfaceID
			row.Routes = append(row.Routes, rt.DestinationCidrBlock+rt.DestinationIpv6CidrBlock+rt.DestinationPrefixListID+" → "+target)
		}
		d.Tables = append(d.Tables, row)
	}
	tableOf := func(sub string) *ec2svc.RouteTable {
		if t := table[sub]; t != nil {
			return t
		}
		return main
	}
	isPublic := func(t *ec2svc.RouteTable) bool {
		if t == nil {
			return false
		}
		for _, rt := range t.Routes {
			if rt.DestinationCidrBlock == "0.0.0.0/0" && strings.HasPrefix(rt.GatewayID, "igw-") {
				return true
			}
		}
		return false
	}
	byZone := map[string][]*ec2svc.Subnet{}
	var zones []string
	for _, sn := range subs {
		if byZone[sn.AvailabilityZone] == nil {
			zones = append(zones, sn.AvailabilityZone)
		}
		byZone[sn.AvailabilityZone] = append(byZone[sn.AvailabilityZone], sn)
	}
	sort.Strings(zones)
	inSubnet := map[string][]*ec2svc.Instance{}
	for _, rr := range res {
		for _, i := range rr.Instances {
			if i.State.Name != "terminated" {
				inSubnet[i.SubnetID] = append(inSubnet[i.SubnetID], i)
			}
		}
	}
	const zoneW, gap, top = 340, 20, 110
	y0 := top + 40
	maxH := 0
	for zi, z := range zones {
		zb := zoneBox{Name: z, X: gap + zi*(zoneW+gap), W: zoneW}
		y := y0
		subsZ := byZone[z]
		// Public subnets first, nearest the internet gateway (their
		// arrows then cross no other subnet), then by address.
		sort.Slice(subsZ, func(a, b int) bool {
			pa, pb := isPublic(tableOf(subsZ[a].SubnetID)), isPublic(tableOf(subsZ[b].SubnetID))
			if pa != pb {
				return pa
			}
			x, _ := netip.ParsePrefix(subsZ[a].CidrBlock)
			y, _ := netip.ParsePrefix(subsZ[b].CidrBlock)
			return x.Addr().Less(y.Addr())
		})
		for _, sn := range subsZ {
			t := tableOf(sn.SubnetID)
			sb := subnetBox{ID: sn.SubnetID, Name: nameTag(sn.Tags), Cidr: sn.CidrBlock, Public: isPublic(t), X: zb.X + 10, Y: y, W: zoneW - 20}
			if t != nil {
				sb.Table = t.RouteTableID
			}
			for k, i := range inSubnet[sn.SubnetID] {
				sb.Instances = append(sb.Instances, instanceBox{ID: i.InstanceID, Name: nameTag(i.Tags), State: i.State.Name,
					Private: i.PrivateIPAddress, Public: i.IPAddress, X: sb.X + 10, Y: y + 58 + k*44})
			}
			sb.H = 66 + 44*len(sb.Instances)
			if sb.Public && d.IGW != "" {
				d.Arrows = append(d.Arrows, arrow{X1: sb.X + sb.W/2, Y1: sb.Y, X2: sb.X + sb.W/2, Y2: 70})
			}
			y += sb.H + 14
			zb.Subnets = append(zb.Subnets, sb)
		}
		maxH = max(maxH, y)
		d.Zones = append(d.Zones, zb)
	}
	for k, n := range nats {
		if n.State == "deleted" || n.State == "failed" {
			continue
		}
		nb := natBox{ID: n.NatGatewayID, Subnet: n.SubnetID, State: n.State, X: gap + k*200, Y: maxH + 30}
		if len(n.NatGatewayAddresses) > 0 {
			nb.PublicIP = n.NatGatewayAddresses[0].PublicIP
		}
		d.NATs = append(d.NATs, nb)
	}
	d.Width = max(gap+len(zones)*(zoneW+gap), 420)
	d.Height = maxH + 30
	if len(d.NATs) > 0 {
		d.Height += 70
	}
	return d
}

// aclRow is a network ACL as the VPC page lists it: its rules in the
// order they are evaluated, the catch-all "*" rule last.
type aclRow struct {
	ID, Name string
	Default  bool
	Subnets  []string
	In, Out  []string
}

func aclRows(acls []*ec2svc.NetworkACL) []aclRow {
	var rows []aclRow
	for _, a := range acls {
		row := aclRow{ID: a.NetworkACLID, Name: nameTag(a.Tags), Default: a.IsDefault}
		for _, as := range a.Associations {
			row.Subnets = append(row.Subnets, as.SubnetID)
		}
		entries := slices.Clone(a.Entries)
		slices.SortFunc(entries, func(x, y ec2svc.NetworkACLEntry) int { return cmp.Compare(x.RuleNumber, y.RuleNumber) })
		for _, e := range entries {
			n := strconv.Itoa(int(e.RuleNumber))
			if e.RuleNumber == 32767 {
				n = "*"
			}
			proto := map[string]string{"-1": "all traffic", "6": "TCP", "17": "UDP", "1": "ICMP"}[e.Protocol]
			if proto == "" {
				proto = "protocol " + e.Protocol
			}
			if e.PortRange != nil && e.Protocol != "-1" {
				if e.PortRange.From == e.PortRange.To {
					proto += " " + strconv.Itoa(int(e.PortRange.From))
				} else {
					proto += " " + strconv.Itoa(int(e.PortRange.From)) + "-" + strconv.Itoa(int(e.PortRange.To))
				}
			}
			cidr := e.CidrBlock
			if cidr == "" {
				cidr = e.Ipv6CidrBlock
			}
			line := n + " " + strings.ToUpper(e.RuleAction[:1]) + e.RuleAction[1:] + " " + proto + " " + cidr
			if e.Egress {
				row.Out = append(row.Out, line)
			} else {
				row.In = append(row.In, line)
			}
		}
		rows = append(rows, row)
	}
	return rows
}
