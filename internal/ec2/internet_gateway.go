package ec2

import (
	"context"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// Internet gateways: CreateInternetGateway, AttachInternetGateway,
// DetachInternetGateway, DeleteInternetGateway, DescribeInternetGateways.
// A gateway is attached to at most one VPC and a VPC has at most one
// gateway; routes to a gateway that goes away stay, as blackholes.

func getInternetGateway(tx store.Tx, sc scope, id string) (*InternetGateway, error) {
	g, err := getRes[InternetGateway](tx, sc, id)
	if isNotFound(err) || (err == nil && !strings.HasPrefix(id, "igw-")) {
		return nil, errNotFound("InvalidInternetGatewayID.NotFound", "internetGateway", id)
	}
	return g, err
}

// attachedInternetGateway returns the gateway attached to a VPC, or nil.
func attachedInternetGateway(tx store.Tx, sc scope, vpcID string) (*InternetGateway, error) {
	var out *InternetGateway
	err := scanRes(tx, sc, "igw-", func(g *InternetGateway) error {
		if g.attachedTo(vpcID) {
			out = g
		}
		return nil
	})
	return out, err
}

func (g *InternetGateway) attachedTo(vpcID string) bool {
	for _, a := range g.Attachments {
		if a.VpcID == vpcID {
			return true
		}
	}
	return false
}

// internetGatewayOps returns this file's operations.
func (s *Service) internetGatewayOps() opTable {
	return opTable{
		"CreateInternetGateway":    handle(s.createInternetGateway),
		"AttachInternetGateway":    handle(s.attachInternetGateway),
		"DetachInternetGateway":    handle(s.detachInternetGateway),
		"DeleteInternetGateway":    handle(s.deleteInternetGateway),
		"DescribeInternetGateways": handle(s.describeInternetGateways),
	}
}

type createInternetGatewayInput struct {
	TagSpecification []TagSpecification
	DryRun           bool
}

type internetGatewayOutput struct {
	InternetGateway *InternetGateway `xml:"internetGateway"`
}

func (s *Service) createInternetGateway(ctx context.Context, in *createInternetGatewayInput) (*internetGatewayOutput, error) {
	tags, err := tagsFor(in.TagSpecification, "internet-gateway")
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	g := &InternetGateway{InternetGatewayID: newID("igw"), OwnerID: sc.acct, Attachments: []InternetGatewayAttachment{}, Tags: tags}
	err = s.store.Update(ctx, func(tx store.Tx) error { return putRes(tx, sc, g.InternetGatewayID, g) })
	if err != nil {
		return nil, err
	}
	return &internetGatewayOutput{g}, nil
}

type internetGatewayVpcInput struct {
	InternetGatewayId string
	VpcId             string
	DryRun            bool
}

func (s *Service) attachInternetGateway(ctx context.Context, in *internetGatewayVpcInput) (*returnTrue, error) {
	if in.InternetGatewayId == "" {
		return nil, errMissingParameter("internetGatewayId")
	}
	if in.VpcId == "" {
		return nil, errMissingParameter("vpcId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		g, err := getInternetGateway(tx, sc, in.InternetGatewayId)
		if err != nil {
			return err
		}
		vpc, err := getVpc(tx, sc, in.VpcId)
		if err != nil {
			return err
		}
		if len(g.Attachments) > 0 {
			return errResourceAlreadyAssociated("resource %s is already attached to network %s", g.InternetGatewayID, g.Attachments[0].VpcID)
		}
		other, err := attachedInternetGateway(tx, sc, vpc.VpcID)
		if err != nil {
			return err
		}
		if other != nil {
			// https://github.com/hashicorp/terraform-provider-aws issues quote AWS:
			// "Network vpc-… already has an internet gateway attached".
			return errInvalidParameterValue("Network %s already has an internet gateway attached", vpc.VpcID)
		}
		g.Attachments = []InternetGatewayAttachment{{State: "available", VpcID: vpc.VpcID}}
		return putRes(tx, sc, g.InternetGatewayID, g)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

func (s *Service) detachInternetGateway(ctx context.Context, in *internetGatewayVpcInput) (*returnTrue, error) {
	if in.InternetGatewayId == "" {
		return nil, errMissingParameter("internetGatewayId")
	}
	if in.VpcId == "" {
		return nil, errMissingParameter("vpcId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.advanceNatGateways(tx, sc); err != nil {
			return err
		}
		g, err := getInternetGateway(tx, sc, in.InternetGatewayId)
		if err != nil {
			return err
		}
		if _, err := getVpc(tx, sc, in.VpcId); err != nil {
			return err
		}
		if !g.attachedTo(in.VpcId) {
			return errGatewayNotAttached("resource %s is not attached to network %s", g.InternetGatewayID, in.VpcId)
		}
		mapped := false
		if err := scanRes(tx, sc, "eni-", func(n *NetworkInterface) error {
			for _, as := range n.associations() {
				mapped = mapped || (n.VpcID == in.VpcId && as.PublicIP != "")
			}
			return nil
		}); err != nil {
			return err
		}
		if mapped {
			return errDependency("Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", in.VpcId)
		}
		g.Attachments = []InternetGatewayAttachment{}
		return putRes(tx, sc, g.InternetGatewayID, g)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type internetGatewayIDInput struct {
	InternetGatewayId string
	DryRun            bool
}

func (s *Service) deleteInternetGateway(ctx context.Context, in *internetGatewayIDInput) (*returnTrue, error) {
	if in.InternetGatewayId == "" {
		return nil, errMissingParameter("internetGatewayId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		g, err := getInternetGateway(tx, sc, in.InternetGatewayId)
		if err != nil {
			return err
		}
		if len(g.Attachments) > 0 {
			return errDependency("The internetGateway '%s' has dependencies and cannot be deleted.", g.InternetGatewayID)
		}
		return delRes(tx, sc, g.InternetGatewayID)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type describeInternetGatewaysInput struct {
	InternetGatewayId []string
	Filter            []Filter
	MaxResults        *int32
	NextToken         *string
	DryRun            bool
}

type describeInternetGatewaysOutput struct {
	InternetGateways []*InternetGateway `xml:"internetGatewaySet>item"`
	NextToken        string             `xml:"nextToken,omitempty"`
}

func (g *InternetGateway) filter(name string) ([]string, bool) {
	switch name {
	case "internet-gateway-id":
		return []string{g.InternetGatewayID}, true
	case "owner-id":
		return []string{g.OwnerID}, true
	case "attachment.vpc-id":
		var out []string
		for _, a := range g.Attachments {
			out = append(out, a.VpcID)
		}
		return out, true
	case "attachment.state":
		var out []string
		for _, a := range g.Attachments {
			out = append(out, a.State)
		}
		return out, true
	}
	return nil, false
}

func (s *Service) describeInternetGateways(ctx context.Context, in *describeInternetGatewaysInput) (*describeInternetGatewaysOutput, error) {
	items, next, err := describeRes(s, ctx, "igw-", in.InternetGatewayId, getInternetGateway,
		func(g *InternetGateway) string { return g.InternetGatewayID },
		func(_ store.Tx, _ scope, g *InternetGateway) (bool, error) {
			return matchFilters(in.Filter, g.Tags, g.filter)
		},
		in.MaxResults, in.NextToken, 1000)
	if err != nil {
		return nil, err
	}
	return &describeInternetGatewaysOutput{InternetGateways: items, NextToken: next}, nil
}
