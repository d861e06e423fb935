package ec2

import (
	"context"

	"github.com/gureum/gureum/internal/store"
)

// DHCP options: the region's default set every VPC uses (domain name and
// the Amazon-provided DNS server), as AWS creates it.

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

// domainName is the DHCP domain name AWS gives a region's VPCs.
func domainName(region string) string {
	if region == "us-east-1" {
		return "ec2.internal"
	}
	return region + ".compute.internal"
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
			sh := dhcpOptionsShape{DhcpOptionsID: d.DhcpOptionsID, OwnerID: d.OwnerID, Tags: d.Tags, DhcpConfigurations: []dhcpConfiguration{
				{Key: "domain-name", Values: []dhcpConfigurationValue{{domainName(sc.region)}}},
				{Key: "domain-name-servers", Values: []dhcpConfigurationValue{{"AmazonProvidedDNS"}}},
			}}
			ok, err := matchFilters(in.Filter, d.Tags, func(name string) ([]string, bool) {
				switch name {
				case "dhcp-options-id":
					return []string{d.DhcpOptionsID}, true
				case "owner-id":
					return []string{d.OwnerID}, true
				case "key":
					return []string{"domain-name", "domain-name-servers"}, true
				case "value":
					return []string{domainName(sc.region), "AmazonProvidedDNS"}, true
				}
				return nil, false
			})
			if ok {
				all = append(all, sh)
			}
			return err
		})
		if err != nil {
			return err
		}
		for _, id := range in.DhcpOptionsId {
			if !found[id] {
				return errf("InvalidDhcpOptionID.NotFound", "The dhcpOption ID '%s' does not exist", id)
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
