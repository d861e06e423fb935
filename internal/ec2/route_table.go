package ec2

import (
	"context"
	"net/netip"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// Route tables: CreateRouteTable, DescribeRouteTables, DeleteRouteTable,
// CreateRoute, ReplaceRoute, DeleteRoute, AssociateRouteTable,
// DisassociateRouteTable, ReplaceRouteTableAssociation.
//
// A route names its target (internet gateway, NAT gateway, instance,
// network interface) by id and is stored "active"; its state is worked
// out when shown: "blackhole" once the target is gone (gateway detached
// or deleted, NAT gateway deleted or failed, interface deleted), as AWS
// keeps such routes rather than removing them.

func getRouteTable(tx store.Tx, sc scope, id string) (*RouteTable, error) {
	r, err := getRes[RouteTable](tx, sc, id)
	if isNotFound(err) || (err == nil && !strings.HasPrefix(id, "rtb-")) {
		return nil, errNotFound("InvalidRouteTableID.NotFound", "routeTable", id)
	}
	return r, err
}

// findRouteTableAssociation returns the route table holding an
// association and the association's index in it.
func findRouteTableAssociation(tx store.Tx, sc scope, id string) (*RouteTable, int, error) {
	var out *RouteTable
	idx := -1
	err := scanRes(tx, sc, "rtb-", func(r *RouteTable) error {
		for i, a := range r.Associations {
			if a.AssociationID == id {
				out, idx = r, i
			}
		}
		return nil
	})
	if err == nil && out == nil {
		err = errInvalidAssociationIDNotFound(id)
	}
	return out, idx, err
}

// routeState is a route's state now: blackhole when its target is gone.
func routeState(tx store.Tx, sc scope, vpcID string, r Route) (string, error) {
	alive := true
	switch {
	case r.GatewayID == "local":
	case strings.HasPrefix(r.GatewayID, "igw-"):
		g, err := getRes[InternetGateway](tx, sc, r.GatewayID)
		if err != nil && !isNotFound(err) {
			return "", err
		}
		alive = err == nil && g.attachedTo(vpcID)
	case r.NatGatewayID != "":
		n, err := getRes[NatGateway](tx, sc, r.NatGatewayID)
		if err != nil && !isNotFound(err) {
			return "", err
		}
		alive = err == nil && (n.State == "pending" || n.State == "available")
	case r.NetworkInterfaceID != "":
		eni, err := getRes[NetworkInterface](tx, sc, r.NetworkInterfaceID)
		if err != nil && !isNotFound(err) {
			return "", err
		}
		alive = err == nil && (r.InstanceID == "" || (eni.Attachment != nil && eni.Attachment.InstanceID == r.InstanceID))
	}
	if alive {
		return "active", nil
	}
	return "blackhole", nil
}

// show fills what a route table shows but does not store: its routes'
// states and its associations' state.
func (r *RouteTable) show(tx store.Tx, sc scope) error {
	for i := range r.Routes {
		st, err := routeState(tx, sc, r.VpcID, r.Routes[i])
		if err != nil {
			return err
		}
		r.Routes[i].State = st
	}
	for i := range r.Associations {
		r.Associations[i].State = associationState{"associated"}
	}
	return nil
}

// routeTableOps returns this file's operations.
func (s *Service) routeTableOps() opTable {
	return opTable{
		"CreateRouteTable":             handle(s.createRouteTable),
		"DescribeRouteTables":          handle(s.describeRouteTables),
		"DeleteRouteTable":             handle(s.deleteRouteTable),
		"CreateRoute":                  handle(s.createRoute),
		"ReplaceRoute":                 handle(s.replaceRoute),
		"DeleteRoute":                  handle(s.deleteRoute),
		"AssociateRouteTable":          handle(s.associateRouteTable),
		"DisassociateRouteTable":       handle(s.disassociateRouteTable),
		"ReplaceRouteTableAssociation": handle(s.replaceRouteTableAssociation),
		"EnableVgwRoutePropagation":    handle(s.enableVgwRoutePropagation),
		"DisableVgwRoutePropagation":   handle(s.enableVgwRoutePropagation),
	}
}

type createRouteTableInput struct {
	VpcId            string
	ClientToken      string
	TagSpecification []TagSpecification
	DryRun           bool
}

type createRouteTableOutput struct {
	RouteTable  *RouteTable `xml:"routeTable"`
	ClientToken string      `xml:"clientToken,omitempty"`
}

func (s *Service) createRouteTable(ctx context.Context, in *createRouteTableInput) (*createRouteTableOutput, error) {
	if in.VpcId == "" {
		return nil, errMissingParameter("vpcId")
	}
	tags, err := tagsFor(in.TagSpecification, "route-table")
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	var rtb *RouteTable
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if id, err := tokenResource(tx, sc, "CreateRouteTable", in.ClientToken, in.VpcId); err != nil {
			return err
		} else if id != "" {
			if rtb, err = getRes[RouteTable](tx, sc, id); err == nil {
				return nil
			}
		}
		vpc, err := getVpc(tx, sc, in.VpcId)
		if err != nil {
			return err
		}
		rtb = &RouteTable{RouteTableID: newID("rtb"), VpcID: vpc.VpcID, OwnerID: sc.acct, Tags: tags, Associations: []RouteTableAssociation{}}
		for _, p := range vpc.prefixes() {
			rtb.Routes = append(rtb.Routes, Route{DestinationCidrBlock: p.String(), GatewayID: "local", Origin: "CreateRouteTable", State: "active"})
		}
		for _, p := range vpc.ipv6Prefixes() {
			rtb.Routes = append(rtb.Routes, Route{DestinationIpv6CidrBlock: p.String(), GatewayID: "local", Origin: "CreateRouteTable", State: "active"})
		}
		if err := rememberToken(tx, sc, "CreateRouteTable", in.ClientToken, in.VpcId, rtb.RouteTableID); err != nil {
			return err
		}
		return putRes(tx, sc, rtb.RouteTableID, rtb)
	})
	if err != nil {
		return nil, err
	}
	return &createRouteTableOutput{RouteTable: rtb, ClientToken: in.ClientToken}, nil
}

type describeRouteTablesInput struct {
	RouteTableId []string
	Filter       []Filter
	MaxResults   *int32
	NextToken    *string
	DryRun       bool
}

type describeRouteTablesOutput struct {
	RouteTables []*RouteTable `xml:"routeTableSet>item"`
	NextToken   string        `xml:"nextToken,omitempty"`
}

func (r *RouteTable) filter(name string) ([]string, bool) {
	var out []string
	routes := func(f func(Route) string) ([]string, bool) {
		for _, rt := range r.Routes {
			if v := f(rt); v != "" {
				out = append(out, v)
			}
		}
		return out, true
	}
	assocs := func(f func(RouteTableAssociation) string) ([]string, bool) {
		for _, a := range r.Associations {
			if v := f(a); v != "" {
				out = append(out, v)
			}
		}
		return out, true
	}
	switch name {
	case "route-table-id":
		return []string{r.RouteTableID}, true
	case "vpc-id":
		return []string{r.VpcID}, true
	case "owner-id":
		return []string{r.OwnerID}, true
	case "association.route-table-association-id":
		return assocs(func(a RouteTableAssociation) string { return a.AssociationID })
	case "association.route-table-id":
		return assocs(func(a RouteTableAssociation) string { return a.RouteTableID })
	case "association.subnet-id":
		return assocs(func(a RouteTableAssociation) string { return a.SubnetID })
	case "association.main":
		return assocs(func(a RouteTableAssociation) string { return boolStr(a.Main) })
	case "route.destination-prefix-list-id":
		return routes(func(rt Route) string { return rt.DestinationPrefixListID })
	case "route.destination-ipv6-cidr-block":
		return routes(func(rt Route) string { return rt.DestinationIpv6CidrBlock })
	case "association.gateway-id", "route.egress-only-internet-gateway-id", "route.transit-gateway-id", "route.vpc-peering-connection-id":
		// gureum has no edge associations, egress-only gateways,
		// transit gateways or peering.
		return nil, true
	case "route.destination-cidr-block":
		return routes(func(rt Route) string { return rt.DestinationCidrBlock })
	case "route.gateway-id":
		return routes(func(rt Route) string { return rt.GatewayID })
	case "route.nat-gateway-id":
		return routes(func(rt Route) string { return rt.NatGatewayID })
	case "route.instance-id":
		return routes(func(rt Route) string { return rt.InstanceID })
	case "route.network-interface-id":
		return routes(func(rt Route) string { return rt.NetworkInterfaceID })
	case "route.origin":
		return routes(func(rt Route) string { return rt.Origin })
	case "route.state":
		return routes(func(rt Route) string { return rt.State })
	}
	return nil, false
}

func (s *Service) describeRouteTables(ctx context.Context, in *describeRouteTablesInput) (*describeRouteTablesOutput, error) {
	items, next, err := describeRes(s, ctx, "rtb-", in.RouteTableId, getRouteTable, func(r *RouteTable) string { return r.RouteTableID },
		func(tx store.Tx, sc scope, r *RouteTable) (bool, error) {
			if err := r.show(tx, sc); err != nil {
				return false, err
			}
			return matchFilters(in.Filter, r.Tags, r.filter)
		},
		in.MaxResults, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	return &describeRouteTablesOutput{RouteTables: items, NextToken: next}, nil
}

type routeTableIDInput struct {
	RouteTableId string
	DryRun       bool
}

func (s *Service) deleteRouteTable(ctx context.Context, in *routeTableIDInput) (*returnTrue, error) {
	if in.RouteTableId == "" {
		return nil, errMissingParameter("routeTableId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		r, err := getRouteTable(tx, sc, in.RouteTableId)
		if err != nil {
			return err
		}
		if len(r.Associations) > 0 {
			return errDependency("The routeTable '%s' has dependencies and cannot be deleted.", r.RouteTableID)
		}
		return delRes(tx, sc, r.RouteTableID)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// routeInput is CreateRoute's and ReplaceRoute's request.
type routeInput struct {
	RouteTableId                string
	DestinationCidrBlock        string
	DestinationIpv6CidrBlock    string
	DestinationPrefixListId     string
	GatewayId                   string
	NatGatewayId                string
	InstanceId                  string
	NetworkInterfaceId          string
	VpcPeeringConnectionId      string
	TransitGatewayId            string
	EgressOnlyInternetGatewayId string
	LocalGatewayId              string
	CarrierGatewayId            string
	VpcEndpointId               string
	CoreNetworkArn              string
	OdbNetworkArn               string
	LocalTarget                 bool
	DryRun                      bool
}

// destination checks the request's destination and returns it (an IPv6
// CIDR for an IPv6 route).
func (in *routeInput) destination() (string, error) {
	if in.RouteTableId == "" {
		return "", errMissingParameter("routeTableId")
	}
	if in.DestinationIpv6CidrBlock != "" || in.DestinationPrefixListId != "" {
		if in.DestinationCidrBlock != "" {
			return "", errInvalidParameterCombination("The parameter destinationCidrBlock cannot be used with the parameter destinationIpv6CidrBlock or destinationPrefixListId")
		}
		if in.DestinationPrefixListId != "" {
			return "", errInvalidPrefixListIDNotFound(in.DestinationPrefixListId)
		}
		p, err := netip.ParsePrefix(in.DestinationIpv6CidrBlock)
		if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
			return "", errInvalidParameterValue("Value (%s) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", in.DestinationIpv6CidrBlock)
		}
		return p.Masked().String(), nil
	}
	if in.DestinationCidrBlock == "" {
		return "", errMissingParameter("destinationCidrBlock")
	}
	p, err := parseCIDR("destinationCidrBlock", in.DestinationCidrBlock)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// isIpv6Dest tells an IPv6 destination from an IPv4 one.
func isIpv6Dest(dst string) bool { return strings.Contains(dst, ":") }

// dest is the route's destination, whichever kind it is.
func (r Route) dest() string {
	return r.DestinationCidrBlock + r.DestinationIpv6CidrBlock + r.DestinationPrefixListID
}

// checkIpv6Route refuses an IPv6 route in a VPC without IPv6.
func checkIpv6Route(tx store.Tx, sc scope, rtb *RouteTable, dst string) error {
	if !isIpv6Dest(dst) {
		return nil
	}
	vpc, err := getVpc(tx, sc, rtb.VpcID)
	if err != nil {
		return err
	}
	if len(vpc.ipv6Prefixes()) == 0 {
		return errInvalidParameterValue("Value (%s) for parameter destinationIpv6CidrBlock is invalid. The VPC has no IPv6 CIDR block.", dst)
	}
	return nil
}

// target resolves the request's one target into a route for a table.
func (in *routeInput) target(tx store.Tx, sc scope, rtb *RouteTable, dst string) (Route, error) {
	r := Route{DestinationCidrBlock: dst, Origin: "CreateRoute", State: "active"}
	if isIpv6Dest(dst) {
		r.DestinationCidrBlock, r.DestinationIpv6CidrBlock = "", dst
	}
	n := 0
	for _, v := range []string{in.GatewayId, in.NatGatewayId, in.InstanceId, in.NetworkInterfaceId, in.VpcPeeringConnectionId, in.TransitGatewayId,
		in.EgressOnlyInternetGatewayId, in.LocalGatewayId, in.CarrierGatewayId, in.VpcEndpointId, in.CoreNetworkArn, in.OdbNetworkArn} {
		if v != "" {
			n++
		}
	}
	if in.LocalTarget {
		n++
	}
	if n == 0 {
		return r, errMissingParameter("gatewayId, natGatewayId, networkInterfaceId, instanceId, vpcPeeringConnectionId, transitGatewayId, egressOnlyInternetGatewayId, localGatewayId, carrierGatewayId, vpcEndpointId or coreNetworkArn")
	}
	if n > 1 {
		return r, errInvalidParameterCombination("The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, instanceId, vpcPeeringConnectionId, transitGatewayId, egressOnlyInternetGatewayId, localGatewayId, carrierGatewayId, vpcEndpointId or coreNetworkArn")
	}
	differ := func(kind, id string) error {
		return errInvalidParameterValue("route table %s and %s %s belong to different networks", rtb.RouteTableID, kind, id)
	}
	switch {
	case in.LocalTarget || in.GatewayId == "local":
		r.GatewayID = "local"
	case in.GatewayId != "":
		if !strings.HasPrefix(in.GatewayId, "igw-") {
			return r, errInvalidGatewayIDNotFound("The gateway ID '%s' does not exist", in.GatewayId)
		}
		g, err := getInternetGateway(tx, sc, in.GatewayId)
		if err != nil {
			return r, err
		}
		if !g.attachedTo(rtb.VpcID) {
			return r, differ("network gateway", g.InternetGatewayID)
		}
		r.GatewayID = g.InternetGatewayID
	case in.NatGatewayId != "":
		ng, err := getRes[NatGateway](tx, sc, in.NatGatewayId)
		if isNotFound(err) || (err == nil && (ng.State == "deleted" || !strings.HasPrefix(in.NatGatewayId, "nat-"))) {
			return r, errNotFound("InvalidNatGatewayID.NotFound", "natGateway", in.NatGatewayId)
		}
		if err != nil {
			return r, err
		}
		if ng.VpcID != rtb.VpcID {
			return r, differ("nat gateway", ng.NatGatewayID)
		}
		r.NatGatewayID = ng.NatGatewayID
	case in.InstanceId != "":
		eni, err := instanceENI(tx, sc, in.InstanceId)
		if err != nil {
			return r, err
		}
		n := 0
		if err := scanRes(tx, sc, "eni-", func(e *NetworkInterface) error {
			if e.Attachment != nil && e.Attachment.InstanceID == in.InstanceId {
				n++
			}
			return nil
		}); err != nil {
			return r, err
		}
		if n > 1 {
			return r, errInvalidInstanceID(in.InstanceId)
		}
		if eni.VpcID != rtb.VpcID {
			return r, differ("instance", in.InstanceId)
		}
		r.InstanceID, r.InstanceOwnerID, r.NetworkInterfaceID = in.InstanceId, sc.acct, eni.NetworkInterfaceID
	case in.NetworkInterfaceId != "":
		eni, err := getENI(tx, sc, in.NetworkInterfaceId)
		if err != nil {
			return r, err
		}
		if eni.VpcID != rtb.VpcID {
			return r, differ("interface", eni.NetworkInterfaceID)
		}
		r.NetworkInterfaceID = eni.NetworkInterfaceID
		if eni.Attachment != nil && eni.Attachment.InstanceID != "" {
			r.InstanceID, r.InstanceOwnerID = eni.Attachment.InstanceID, sc.acct
		}
	case in.VpcPeeringConnectionId != "":
		return r, errNotFound("InvalidVpcPeeringConnectionID.NotFound", "vpcPeeringConnection", in.VpcPeeringConnectionId)
	case in.TransitGatewayId != "":
		return r, errInvalidTransitGatewayIDNotFound(in.TransitGatewayId)
	case in.EgressOnlyInternetGatewayId != "":
		return r, errInvalidGatewayIDNotFound("The eigw ID '%s' does not exist", in.EgressOnlyInternetGatewayId)
	case in.LocalGatewayId != "":
		return r, errInvalidLocalGatewayIDNotFound(in.LocalGatewayId)
	case in.CarrierGatewayId != "":
		return r, errInvalidCarrierGatewayIDNotFound(in.CarrierGatewayId)
	case in.VpcEndpointId != "":
		return r, errInvalidVpcEndpointIdNotFound(in.VpcEndpointId)
	default:
		return r, errInvalidParameterValue("Value (%s) for parameter coreNetworkArn is invalid.", in.CoreNetworkArn+in.OdbNetworkArn)
	}
	return r, nil
}

func (s *Service) createRoute(ctx context.Context, in *routeInput) (*returnTrue, error) {
	dst, err := in.destination()
	if err != nil {
		return nil, err
	}
	if in.LocalTarget {
		return nil, errInvalidParameterValue("The parameter localTarget is only valid with ReplaceRoute")
	}
	sc := scopeOf(ctx)
	err = s.store.Update(ctx, func(tx store.Tx) error {
		rtb, err := getRouteTable(tx, sc, in.RouteTableId)
		if err != nil {
			return err
		}
		for _, r := range rtb.Routes {
			if r.dest() == dst {
				return errRouteAlreadyExists("The route identified by %s already exists.", dst)
			}
		}
		if err := checkIpv6Route(tx, sc, rtb, dst); err != nil {
			return err
		}
		if in.GatewayId == "local" {
			return errInvalidParameterValue("Value (local) for parameter gatewayId is invalid. A route with target local can only be created by AWS.")
		}
		r, err := in.target(tx, sc, rtb, dst)
		if err != nil {
			return err
		}
		rtb.Routes = append(rtb.Routes, r)
		return putRes(tx, sc, rtb.RouteTableID, rtb)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

func (s *Service) replaceRoute(ctx context.Context, in *routeInput) (*returnTrue, error) {
	dst, err := in.destination()
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	err = s.store.Update(ctx, func(tx store.Tx) error {
		rtb, err := getRouteTable(tx, sc, in.RouteTableId)
		if err != nil {
			return err
		}
		i := -1
		for j, r := range rtb.Routes {
			if r.dest() == dst {
				i = j
			}
		}
		if i < 0 {
			return errInvalidParameterValue("There is no route defined for '%s' in the route table. Use CreateRoute instead.", dst)
		}
		r, err := in.target(tx, sc, rtb, dst)
		if err != nil {
			return err
		}
		old := rtb.Routes[i]
		switch {
		case old.Origin == "CreateRouteTable" && r.GatewayID != "local":
			return errInvalidParameterValue("cannot replace local route %s in route table %s", dst, rtb.RouteTableID)
		case old.Origin != "CreateRouteTable" && r.GatewayID == "local":
			return errInvalidParameterValue("Value (local) for parameter gatewayId is invalid. Route %s is not a local route.", dst)
		case old.Origin == "CreateRouteTable":
			r.Origin = old.Origin
		}
		rtb.Routes[i] = r
		return putRes(tx, sc, rtb.RouteTableID, rtb)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type deleteRouteInput struct {
	RouteTableId             string
	DestinationCidrBlock     string
	DestinationIpv6CidrBlock string
	DestinationPrefixListId  string
	DryRun                   bool
}

func (s *Service) deleteRoute(ctx context.Context, in *deleteRouteInput) (*returnTrue, error) {
	if in.RouteTableId == "" {
		return nil, errMissingParameter("routeTableId")
	}
	dst, kind := in.DestinationCidrBlock, "destination-cidr-block"
	switch {
	case in.DestinationIpv6CidrBlock != "":
		dst, kind = in.DestinationIpv6CidrBlock, "destination-ipv6-cidr-block"
		if p, err := netip.ParsePrefix(dst); err == nil {
			dst = p.Masked().String()
		}
	case in.DestinationPrefixListId != "":
		dst, kind = in.DestinationPrefixListId, "destination-prefix-list-id"
	case dst == "":
		return nil, errMissingParameter("destinationCidrBlock")
	default:
		p, err := parseCIDR("destinationCidrBlock", dst)
		if err != nil {
			return nil, err
		}
		dst = p.String()
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		rtb, err := getRouteTable(tx, sc, in.RouteTableId)
		if err != nil {
			return err
		}
		for i, r := range rtb.Routes {
			if kind == "destination-prefix-list-id" || r.dest() != dst {
				continue
			}
			if r.GatewayID == "local" || r.Origin == "CreateRouteTable" {
				return errInvalidParameterValue("cannot remove local route %s in route table %s", dst, rtb.RouteTableID)
			}
			rtb.Routes = append(rtb.Routes[:i], rtb.Routes[i+1:]...)
			return putRes(tx, sc, rtb.RouteTableID, rtb)
		}
		return errInvalidRouteNotFound(kind, dst, rtb.RouteTableID)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type associateRouteTableInput struct {
	RouteTableId   string
	SubnetId       string
	GatewayId      string
	PublicIpv4Pool string
	DryRun         bool
}

type associateRouteTableOutput struct {
	AssociationID    string           `xml:"associationId"`
	AssociationState associationState `xml:"associationState"`
}

func (s *Service) associateRouteTable(ctx context.Context, in *associateRouteTableInput) (*associateRouteTableOutput, error) {
	if in.RouteTableId == "" {
		return nil, errMissingParameter("routeTableId")
	}
	if in.GatewayId != "" && in.SubnetId == "" {
		// Gateway (edge) associations need gateway route tables, which
		// gureum's internet gateways do not take part in yet.
		return nil, errInvalidParameterValue("Value (%s) for parameter gatewayId is invalid. Gateway route table associations are not supported.", in.GatewayId)
	}
	if in.SubnetId == "" {
		return nil, errMissingParameter("subnetId")
	}
	sc := scopeOf(ctx)
	out := &associateRouteTableOutput{AssociationState: associationState{"associated"}}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		rtb, err := getRouteTable(tx, sc, in.RouteTableId)
		if err != nil {
			return err
		}
		sub, err := getSubnet(tx, sc, in.SubnetId)
		if err != nil {
			return err
		}
		if sub.VpcID != rtb.VpcID {
			return errInvalidParameterValue("route table %s and subnet %s belong to different networks", rtb.RouteTableID, sub.SubnetID)
		}
		if err := scanRes(tx, sc, "rtb-", func(r *RouteTable) error {
			for _, a := range r.Associations {
				if a.SubnetID == sub.SubnetID {
					return errResourceAlreadyAssociated("the specified association for route table %s conflicts with an existing association", rtb.RouteTableID)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		out.AssociationID = newID("rtbassoc")
		rtb.Associations = append(rtb.Associations, RouteTableAssociation{AssociationID: out.AssociationID, RouteTableID: rtb.RouteTableID, SubnetID: sub.SubnetID})
		return putRes(tx, sc, rtb.RouteTableID, rtb)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type disassociateRouteTableInput struct {
	AssociationId string
	DryRun        bool
}

func (s *Service) disassociateRouteTable(ctx context.Context, in *disassociateRouteTableInput) (*returnTrue, error) {
	if in.AssociationId == "" {
		return nil, errMissingParameter("associationId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		rtb, i, err := findRouteTableAssociation(tx, sc, in.AssociationId)
		if err != nil {
			return err
		}
		if rtb.Associations[i].Main {
			return errInvalidParameterValue("cannot disassociate the main route table association %s", in.AssociationId)
		}
		rtb.Associations = append(rtb.Associations[:i], rtb.Associations[i+1:]...)
		return putRes(tx, sc, rtb.RouteTableID, rtb)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type replaceRouteTableAssociationInput struct {
	AssociationId string
	RouteTableId  string
	DryRun        bool
}

type replaceRouteTableAssociationOutput struct {
	NewAssociationID string           `xml:"newAssociationId"`
	AssociationState associationState `xml:"associationState"`
}

func (s *Service) replaceRouteTableAssociation(ctx context.Context, in *replaceRouteTableAssociationInput) (*replaceRouteTableAssociationOutput, error) {
	if in.AssociationId == "" {
		return nil, errMissingParameter("associationId")
	}
	if in.RouteTableId == "" {
		return nil, errMissingParameter("routeTableId")
	}
	sc := scopeOf(ctx)
	out := &replaceRouteTableAssociationOutput{AssociationState: associationState{"associated"}}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		old, i, err := findRouteTableAssociation(tx, sc, in.AssociationId)
		if err != nil {
			return err
		}
		rtb, err := getRouteTable(tx, sc, in.RouteTableId)
		if err != nil {
			return err
		}
		if rtb.VpcID != old.VpcID {
			return errInvalidParameterValue("route table %s and association %s belong to different networks", rtb.RouteTableID, in.AssociationId)
		}
		a := old.Associations[i]
		old.Associations = append(old.Associations[:i], old.Associations[i+1:]...)
		if err := putRes(tx, sc, old.RouteTableID, old); err != nil {
			return err
		}
		if rtb.RouteTableID == old.RouteTableID {
			rtb = old
		}
		out.NewAssociationID = newID("rtbassoc")
		a.AssociationID, a.RouteTableID = out.NewAssociationID, rtb.RouteTableID
		rtb.Associations = append(rtb.Associations, a)
		return putRes(tx, sc, rtb.RouteTableID, rtb)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Enable/DisableVgwRoutePropagation. gureum has no virtual private
// gateways, so after the route table is checked every gateway is
// AWS's NotFound.

type vgwRoutePropagationInput struct {
	GatewayId    string
	RouteTableId string
	DryRun       bool
}

func (s *Service) enableVgwRoutePropagation(ctx context.Context, in *vgwRoutePropagationInput) (*returnTrue, error) {
	if in.RouteTableId == "" {
		return nil, errMissingParameter("RouteTableId")
	}
	if in.GatewayId == "" {
		return nil, errMissingParameter("GatewayId")
	}
	sc := scopeOf(ctx)
	err := s.store.View(ctx, func(tx store.Tx) error {
		_, err := getRouteTable(tx, sc, in.RouteTableId)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(in.GatewayId, "vgw-") {
		return nil, errInvalidVpnGatewayIDMalformed(in.GatewayId)
	}
	return nil, errInvalidVpnGatewayIDNotFound(in.GatewayId)
}
