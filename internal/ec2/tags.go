package ec2

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/gureum/gureum/internal/recfield"

	"github.com/gureum/gureum/internal/store"
)

// Tags on every resource type: CreateTags, DeleteTags, DescribeTags. A
// resource's tags are the "tags" member of its stored record.

// resourceTypes maps id prefixes to EC2's resource type names.
var resourceTypes = []struct{ prefix, typ string }{
	{"vpc-cidr-assoc-", ""}, {"vpce-", "vpc-endpoint"}, {"vpc-", "vpc"}, {"subnet-", "subnet"}, {"rtb-", "route-table"}, {"igw-", "internet-gateway"},
	{"sgr-", "security-group-rule"}, {"sg-", "security-group"}, {"acl-", "network-acl"}, {"dopt-", "dhcp-options"}, {"eni-", "network-interface"},
	{"eipalloc-", "elastic-ip"}, {"nat-", "natgateway"}, {"key-", "key-pair"}, {"ami-", "image"}, {"i-", "instance"},
	{"vol-", "volume"}, {"snap-", "snapshot"}, {"sir-", "spot-instances-request"},
}

func resourceType(id string) string {
	for _, r := range resourceTypes {
		if strings.HasPrefix(id, r.prefix) {
			return r.typ
		}
	}
	return ""
}

func notFoundFor(id string) error {
	switch resourceType(id) {
	case "vpc":
		return errNotFound("InvalidVpcID.NotFound", "vpc", id)
	case "subnet":
		return errNotFound("InvalidSubnetID.NotFound", "subnet", id)
	case "route-table":
		return errNotFound("InvalidRouteTableID.NotFound", "routeTable", id)
	case "internet-gateway":
		return errNotFound("InvalidInternetGatewayID.NotFound", "internetGateway", id)
	case "security-group":
		return errGroupNotFound(id)
	case "security-group-rule":
		return errRuleIDNotFound(id)
	case "network-acl":
		return errNotFound("InvalidNetworkAclID.NotFound", "networkAcl", id)
	case "dhcp-options":
		return errDhcpOptionsNotFound(id)
	case "network-interface":
		return errInvalidNetworkInterfaceIDNotFound(id)
	case "elastic-ip":
		return errInvalidAllocationIDNotFound(id)
	case "natgateway":
		return errNotFound("InvalidNatGatewayID.NotFound", "natGateway", id)
	case "instance":
		return errInstanceNotFound(id)
	case "image":
		return errAMINotFound(id)
	case "volume":
		return errVolumeNotFound(id)
	case "snapshot":
		return errSnapshotNotFound(id)
	case "spot-instances-request":
		return errInvalidSpotInstanceRequestIDNotFound(id)
	case "vpc-endpoint":
		return errInvalidVpcEndpointIdNotFound(id)
	}
	return errInvalidID(id)
}

type createTagsInput struct {
	ResourceId []string
	Tag        []Tag
	DryRun     bool
}

func (s *Service) createTags(ctx context.Context, in *createTagsInput) (*returnTrue, error) {
	if len(in.ResourceId) == 0 {
		return nil, errMissingParameter("resourceIdSet")
	}
	if len(in.Tag) == 0 {
		return nil, errMissingParameter("tagSet")
	}
	return s.editTags(ctx, in.ResourceId, func(tags []Tag) ([]Tag, error) {
		for _, t := range in.Tag {
			if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
				return nil, errInvalidParameterValue("Value ( %s ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use", t.Key)
			}
			replaced := false
			for i := range tags {
				if tags[i].Key == t.Key {
					tags[i].Value, replaced = t.Value, true
				}
			}
			if !replaced {
				tags = append(tags, t)
			}
		}
		if len(tags) > 50 {
			return nil, errTagLimitExceeded()
		}
		return tags, nil
	})
}

type deleteTagsInput struct {
	ResourceId []string
	Tag        []struct {
		Key   string
		Value *string
	}
	DryRun bool
}

func (s *Service) deleteTags(ctx context.Context, in *deleteTagsInput) (*returnTrue, error) {
	if len(in.ResourceId) == 0 {
		return nil, errMissingParameter("resourceIdSet")
	}
	return s.editTags(ctx, in.ResourceId, func(tags []Tag) ([]Tag, error) {
		if len(in.Tag) == 0 {
			return nil, nil // no tags named: remove all
		}
		var out []Tag
		for _, t := range tags {
			drop := false
			for _, d := range in.Tag {
				if d.Key == t.Key && (d.Value == nil || *d.Value == t.Value) {
					drop = true
				}
			}
			if !drop {
				out = append(out, t)
			}
		}
		return out, nil
	})
}

// editTags rewrites the tags of each resource in one transaction.
func (s *Service) editTags(ctx context.Context, ids []string, fn func([]Tag) ([]Tag, error)) (*returnTrue, error) {
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			if resourceType(id) == "" {
				return errInvalidID(id)
			}
			if resourceType(id) == "security-group-rule" {
				if err := editRuleTags(tx, sc, id, fn); err != nil {
					return err
				}
				continue
			}
			raw, err := tx.Get(tRes, resKey(sc.acct, sc.region, id))
			if isNotFound(err) {
				return notFoundFor(id)
			}
			if err != nil {
				return err
			}
			if raw, err = recfield.EditList(raw, "tags", fn); err != nil {
				return err
			}
			if err := tx.Put(tRes, resKey(sc.acct, sc.region, id), raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// editRuleTags rewrites the tags of a security group rule, which its
// group's record holds.
func editRuleTags(tx store.Tx, sc scope, id string, fn func([]Tag) ([]Tag, error)) error {
	var g *SecurityGroup
	err := scanRes(tx, sc, "sg-", func(sg *SecurityGroup) error {
		for i := range sg.Rules {
			if sg.Rules[i].ID == id {
				g = sg
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if g == nil {
		return notFoundFor(id)
	}
	for i := range g.Rules {
		if r := &g.Rules[i]; r.ID == id {
			tags, err := fn(append([]Tag(nil), r.Tags...))
			if err != nil {
				return err
			}
			r.Tags = tags
		}
	}
	return putRes(tx, sc, g.GroupID, g)
}

// TagDescription is one tag of one resource.
type TagDescription struct {
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	Key          string `xml:"key"`
	Value        string `xml:"value"`
}

type describeTagsInput struct {
	Filter     []Filter
	MaxResults *int32
	NextToken  *string
	DryRun     bool
}

type describeTagsOutput struct {
	Tags      []TagDescription `xml:"tagSet>item"`
	NextToken string           `xml:"nextToken,omitempty"`
}

func (s *Service) describeTags(ctx context.Context, in *describeTagsInput) (*describeTagsOutput, error) {
	sc := scopeOf(ctx)
	var all []TagDescription
	err := s.store.View(ctx, func(tx store.Tx) error {
		prefix := resKey(sc.acct, sc.region, "")
		return tx.Scan(tRes, prefix, nil, func(k, v []byte) (bool, error) {
			id := string(k[len(prefix):])
			typ := resourceType(id)
			if typ == "" {
				return true, nil
			}
			var rec struct {
				Tags  []Tag               `json:"tags"`
				Rules []SecurityGroupRule `json:"rules"`
			}
			if err := json.Unmarshal(v, &rec); err != nil {
				return false, err
			}
			type tagged struct {
				id, typ string
				tag     Tag
			}
			var tags []tagged
			for _, t := range rec.Tags {
				tags = append(tags, tagged{id, typ, t})
			}
			if typ == "security-group" { // its rules' tags too
				for _, r := range rec.Rules {
					for _, t := range r.Tags {
						tags = append(tags, tagged{r.ID, "security-group-rule", t})
					}
				}
			}
			for _, tg := range tags {
				id, typ, t := tg.id, tg.typ, tg.tag
				td := TagDescription{ResourceID: id, ResourceType: typ, Key: t.Key, Value: t.Value}
				ok, err := matchFilters(in.Filter, nil, func(name string) ([]string, bool) {
					switch name {
					case "resource-id":
						return []string{id}, true
					case "resource-type":
						return []string{typ}, true
					case "key":
						return []string{t.Key}, true
					case "value":
						return []string{t.Value}, true
					}
					return nil, false
				})
				if err != nil {
					return false, err
				}
				if ok {
					all = append(all, td)
				}
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].ResourceID < all[j].ResourceID })
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &describeTagsOutput{Tags: items, NextToken: next}, nil
}
