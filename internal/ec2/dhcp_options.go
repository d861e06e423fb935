package ec2

import (
	"context"
	"net/netip"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// DHCP options sets: the region's default set every new VPC uses (domain
// name and the Amazon-provided DNS server), as AWS creates it, and the
// sets CreateDhcpOptions makes; AssociateDhcpOptions points a VPC at one,
// or at "default" (no options).

type dhcpConfigurationValue struct {
	Value string `xml:"value"`
}

type dhcpConfiguration struct {
	Key    string                   `xml:"key"`
	Values []dhcpConfigurationValue `xml:"valueSet>item"`
}

type dhcpOptionsShape struct {
	DhcpOptionsID      string              `xml:"dhcpOptionsId"`
	OwnerID            string              `xml:"ownerId"`
	DhcpConfigurations []dhcpConfiguration `xml:"dhcpConfigurationSet>item"`
	Tags               []Tag               `xml:"tagSet>item"`
}

// domainName is the DHCP domain name AWS gives a region's VPCs.
func domainName(region string) string {
	if region == "us-east-1" {
		return "ec2.internal"
	}
	return region + ".compute.internal"
}

// isDefault reports whether d is the region's default set (records made
// before sets carried their options have none).
func (d *DhcpOptions) isDefault() bool { return d.Default || len(d.Config) == 0 }

// options returns d's keys and values.
func (d *DhcpOptions) options(region string) []dhcpOption {
	if d.isDefault() {
		return []dhcpOption{{"domain-name", []string{domainName(region)}}, {"domain-name-servers", []string{"AmazonProvidedDNS"}}}
	}
	return d.Config
}

func (d *DhcpOptions) shape(region string) dhcpOptionsShape {
	sh := dhcpOptionsShape{DhcpOptionsID: d.DhcpOptionsID, OwnerID: d.OwnerID, Tags: d.Tags, DhcpConfigurations: []dhcpConfiguration{}}
	for _, o := range d.options(region) {
		c := dhcpConfiguration{Key: o.Key}
		for _, v := range o.Values {
			c.Values = append(c.Values, dhcpConfigurationValue{v})
		}
		sh.DhcpConfigurations = append(sh.DhcpConfigurations, c)
	}
	return sh
}

// getDhcpOptions reads a set; an id not shaped dopt-… is malformed.
func getDhcpOptions(tx store.Tx, sc scope, id string) (*DhcpOptions, error) {
	if !strings.HasPrefix(id, "dopt-") {
		return nil, errInvalidDhcpOptionsIdMalformed(id)
	}
	d, err := getRes[DhcpOptions](tx, sc, id)
	if isNotFound(err) {
		return nil, errDhcpOptionsNotFound(id)
	}
	return d, err
}

// CreateDhcpOptions.

type createDhcpOptionsInput struct {
	DhcpConfiguration []struct {
		Key   string
		Value []string
	}
	TagSpecification []TagSpecification
	DryRun           bool
}

type createDhcpOptionsOutput struct {
	DhcpOptions dhcpOptionsShape `xml:"dhcpOptions"`
}

// dhcpKeyLimits are the keys CreateDhcpOptions takes and how many values
// each may have (AWS: up to four servers of each kind, one domain name
// and one NetBIOS node type).
var dhcpKeyLimits = map[string]int{
	"domain-name": 1, "domain-name-servers": 4, "ntp-servers": 4, "netbios-name-servers": 4, "netbios-node-type": 1,
	"ipv6-address-preferred-lease-time": 1,
}

// dhcpConfig checks a request's options as AWS does and returns them.
func dhcpConfig(in *createDhcpOptionsInput) ([]dhcpOption, error) {
	if len(in.DhcpConfiguration) == 0 {
		return nil, errMissingParameter("dhcpConfiguration")
	}
	var out []dhcpOption
	seen := map[string]bool{}
	for _, c := range in.DhcpConfiguration {
		limit, ok := dhcpKeyLimits[c.Key]
		if !ok {
			return nil, errInvalidParameterValue("Value (%s) for parameter key is invalid. Unknown DHCP option", c.Key)
		}
		if seen[c.Key] {
			return nil, errInvalidParameterValue("Value (%s) for parameter key is invalid. Duplicate DHCP option", c.Key)
		}
		seen[c.Key] = true
		if len(c.Value) == 0 {
			return nil, errMissingParameter("dhcpConfiguration.value")
		}
		if len(c.Value) > limit {
			return nil, errDhcpValue(c.Key, c.Value)
		}
		for _, v := range c.Value {
			switch c.Key {
			case "domain-name-servers":
				if _, err := netip.ParseAddr(v); err != nil && v != "AmazonProvidedDNS" {
					return nil, errDhcpValue(c.Key, c.Value)
				}
			case "ntp-servers", "netbios-name-servers":
				if _, err := netip.ParseAddr(v); err != nil {
					return nil, errDhcpValue(c.Key, c.Value)
				}
			case "netbios-node-type":
				if v != "1" && v != "2" && v != "4" && v != "8" {
					return nil, errDhcpValue(c.Key, c.Value)
				}
			case "domain-name":
				if strings.TrimSpace(v) == "" {
					return nil, errDhcpValue(c.Key, c.Value)
				}
			}
		}
		out = append(out, dhcpOption{Key: c.Key, Values: append([]string(nil), c.Value...)})
	}
	return out, nil
}

func (s *Service) createDhcpOptions(ctx context.Context, in *createDhcpOptionsInput) (*createDhcpOptionsOutput, error) {
	conf, err := dhcpConfig(in)
	if err != nil {
		return nil, err
	}
	tags, err := tagsFor(in.TagSpecification, "dhcp-options")
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	d := &DhcpOptions{DhcpOptionsID: newID("dopt"), OwnerID: sc.acct, Config: conf, Tags: tags}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		return putRes(tx, sc, d.DhcpOptionsID, d)
	})
	if err != nil {
		return nil, err
	}
	return &createDhcpOptionsOutput{DhcpOptions: d.shape(sc.region)}, nil
}

// DeleteDhcpOptions.

type deleteDhcpOptionsInput struct {
	DhcpOptionsId string
	DryRun        bool
}

func (s *Service) deleteDhcpOptions(ctx context.Context, in *deleteDhcpOptionsInput) (*returnTrue, error) {
	if in.DhcpOptionsId == "" {
		return nil, errMissingParameter("dhcpOptionsId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := getDhcpOptions(tx, sc, in.DhcpOptionsId); err != nil {
			return err
		}
		err := scanRes(tx, sc, "vpc-", func(v *Vpc) error {
			if v.VpcID != "" && v.DhcpOptionsID == in.DhcpOptionsId {
				return errDependency("The dhcpOptions '%s' has dependencies and cannot be deleted.", in.DhcpOptionsId)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return delRes(tx, sc, in.DhcpOptionsId)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// AssociateDhcpOptions.

type associateDhcpOptionsInput struct {
	DhcpOptionsId string
	VpcId         string
	DryRun        bool
}

func (s *Service) associateDhcpOptions(ctx context.Context, in *associateDhcpOptionsInput) (*returnTrue, error) {
	if in.DhcpOptionsId == "" {
		return nil, errMissingParameter("dhcpOptionsId")
	}
	if in.VpcId == "" {
		return nil, errMissingParameter("vpcId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		vpc, err := getVpc(tx, sc, in.VpcId)
		if err != nil {
			return err
		}
		if in.DhcpOptionsId != "default" {
			if _, err := getDhcpOptions(tx, sc, in.DhcpOptionsId); err != nil {
				return err
			}
		}
		vpc.DhcpOptionsID = in.DhcpOptionsId
		return putRes(tx, sc, vpc.VpcID, vpc)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// DescribeDhcpOptions.

type describeDhcpOptionsInput struct {
	DhcpOptionsId []string
	Filter        []Filter
	MaxResults    *int32
	NextToken     *string
	DryRun        bool
}

type describeDhcpOptionsOutput struct {
	DhcpOptions []dhcpOptionsShape `xml:"dhcpOptionsSet>item"`
	NextToken   string             `xml:"nextToken,omitempty"`
}

func (s *Service) describeDhcpOptions(ctx context.Context, in *describeDhcpOptionsInput) (*describeDhcpOptionsOutput, error) {
	sc := scopeOf(ctx)
	var all []dhcpOptionsShape
	err := s.store.View(ctx, func(tx store.Tx) error {
		found := map[string]bool{}
		err := scanRes(tx, sc, "dopt-", func(d *DhcpOptions) error {
			found[d.DhcpOptionsID] = true
			if len(in.DhcpOptionsId) > 0 && !contains(in.DhcpOptionsId, d.DhcpOptionsID) {
				return nil
			}
			opts := d.options(sc.region)
			ok, err := matchFilters(in.Filter, d.Tags, func(name string) ([]string, bool) {
				var out []string
				switch name {
				case "dhcp-options-id":
					return []string{d.DhcpOptionsID}, true
				case "owner-id":
					return []string{d.OwnerID}, true
				case "key":
					for _, o := range opts {
						out = append(out, o.Key)
					}
					return out, true
				case "value":
					for _, o := range opts {
						out = append(out, o.Values...)
					}
					return out, true
				}
				return nil, false
			})
			if ok {
				all = append(all, d.shape(sc.region))
			}
			return err
		})
		if err != nil {
			return err
		}
		for _, id := range in.DhcpOptionsId {
			if !found[id] {
				return errDhcpOptionsNotFound(id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &describeDhcpOptionsOutput{DhcpOptions: orEmpty(items), NextToken: next}, nil
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// instanceDNS is the resolv.conf an instance of vpc starts with: its DHCP
// options set's domain-name-servers (AmazonProvidedDNS being the VPC's
// resolver) and domain names, the region's defaults without a set. As
// Docker fixes a container's resolv.conf when it is created, a set
// associated later reaches instances launched after it (EC2 instances
// pick it up at their next DHCP lease renewal).
func instanceDNS(tx store.Tx, sc scope, vpc *Vpc, resolver netip.Addr) (servers, search []string) {
	servers, search = []string{resolver.String()}, []string{domainName(sc.region)}
	if vpc.DhcpOptionsID == "" || vpc.DhcpOptionsID == "default" {
		return servers, search
	}
	d, err := getDhcpOptions(tx, sc, vpc.DhcpOptionsID)
	if err != nil {
		return servers, search
	}
	for _, o := range d.options(sc.region) {
		switch o.Key {
		case "domain-name-servers":
			servers = nil
			for _, v := range o.Values {
				if v == "AmazonProvidedDNS" {
					servers = append(servers, resolver.String())
				} else if a, err := netip.ParseAddr(v); err == nil {
					servers = append(servers, a.String())
				}
			}
		case "domain-name":
			search = nil
			for _, v := range o.Values {
				search = append(search, strings.Fields(v)...)
			}
		}
	}
	return servers, search
}
