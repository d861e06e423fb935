package ec2

import (
	"context"
	"sort"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// The regions gureum knows and their availability zones' letters, as AWS
// has them (us-west-1 has no "b" for new accounts, ap-northeast-1 no "b").
var regionZones = map[string]string{
	"us-east-1": "abcdef", "us-east-2": "abc", "us-west-1": "ac", "us-west-2": "abcd",
	"ca-central-1": "abd", "eu-west-1": "abc", "eu-west-2": "abc", "eu-west-3": "abc", "eu-central-1": "abc",
	"eu-north-1": "abc", "eu-south-1": "abc", "ap-northeast-1": "acd", "ap-northeast-2": "abcd", "ap-northeast-3": "abc",
	"ap-southeast-1": "abc", "ap-southeast-2": "abc", "ap-south-1": "abc", "sa-east-1": "abc", "me-south-1": "abc", "af-south-1": "abc",
}

// zoneIDPrefix abbreviates a region for zone ids (use1-az1).
func zoneIDPrefix(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return region
	}
	dir := map[string]string{"east": "e", "west": "w", "central": "c", "north": "n", "south": "s", "northeast": "ne", "southeast": "se"}[parts[1]]
	area := map[string]string{"us": "us", "eu": "eu", "ap": "ap", "ca": "ca", "sa": "sa", "me": "me", "af": "af"}[parts[0]]
	if area == "us" {
		area = "us"
	}
	return area + dir + parts[2]
}

// zones returns a region's availability zone names.
func zones(region string) []string {
	letters := regionZones[region]
	if letters == "" {
		letters = "abc"
	}
	out := make([]string, len(letters))
	for i, l := range letters {
		out[i] = region + string(l)
	}
	return out
}

func zoneID(region string, i int) string {
	return zoneIDPrefix(region) + "-az" + itoa(i+1)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

type regionInfo struct {
	RegionName  string `xml:"regionName"`
	Endpoint    string `xml:"regionEndpoint"`
	OptInStatus string `xml:"optInStatus"`
}

type describeRegionsInput struct {
	RegionName []string
	AllRegions *bool
	Filter     []Filter
	DryRun     bool
}

type describeRegionsOutput struct {
	Regions []regionInfo `xml:"regionInfo>item"`
}

func (s *Service) describeRegions(ctx context.Context, in *describeRegionsInput) (*describeRegionsOutput, error) {
	names := make([]string, 0, len(regionZones))
	for r := range regionZones {
		names = append(names, r)
	}
	sort.Strings(names)
	want := map[string]bool{}
	for _, n := range in.RegionName {
		if _, ok := regionZones[n]; !ok {
			return nil, errInvalidParameterValue("Invalid region: %s", n)
		}
		want[n] = true
	}
	out := &describeRegionsOutput{Regions: []regionInfo{}}
	for _, n := range names {
		if len(want) > 0 && !want[n] {
			continue
		}
		ri := regionInfo{RegionName: n, Endpoint: "ec2." + n + ".amazonaws.com", OptInStatus: "opt-in-not-required"}
		okf, err := matchFilters(in.Filter, nil, func(f string) ([]string, bool) {
			switch f {
			case "region-name":
				return []string{n}, true
			case "endpoint":
				return []string{ri.Endpoint}, true
			case "opt-in-status":
				return []string{ri.OptInStatus}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if okf {
			out.Regions = append(out.Regions, ri)
		}
	}
	return out, nil
}

type availabilityZone struct {
	State              string `xml:"zoneState"`
	OptInStatus        string `xml:"optInStatus"`
	RegionName         string `xml:"regionName"`
	ZoneName           string `xml:"zoneName"`
	ZoneID             string `xml:"zoneId"`
	GroupName          string `xml:"groupName"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
	ZoneType           string `xml:"zoneType"`
}

type describeAZInput struct {
	ZoneName             []string
	ZoneId               []string
	AllAvailabilityZones *bool
	Filter               []Filter
	DryRun               bool
}

type describeAZOutput struct {
	AvailabilityZones []availabilityZone `xml:"availabilityZoneInfo>item"`
}

func (s *Service) describeAvailabilityZones(ctx context.Context, in *describeAZInput) (*describeAZOutput, error) {
	region := scopeOf(ctx).region
	out := &describeAZOutput{AvailabilityZones: []availabilityZone{}}
	want := map[string]bool{}
	for _, z := range in.ZoneName {
		want[z] = true
	}
	for _, z := range in.ZoneId {
		want[z] = true
	}
	for i, z := range zones(region) {
		az := availabilityZone{State: "available", OptInStatus: "opt-in-not-required", RegionName: region, ZoneName: z, ZoneID: zoneID(region, i),
			GroupName: region, NetworkBorderGroup: region, ZoneType: "availability-zone"}
		if len(want) > 0 && !want[az.ZoneName] && !want[az.ZoneID] {
			continue
		}
		okf, err := matchFilters(in.Filter, nil, func(f string) ([]string, bool) {
			switch f {
			case "zone-name":
				return []string{az.ZoneName}, true
			case "zone-id":
				return []string{az.ZoneID}, true
			case "region-name":
				return []string{region}, true
			case "state":
				return []string{az.State}, true
			case "zone-type":
				return []string{az.ZoneType}, true
			case "group-name":
				return []string{az.GroupName}, true
			case "opt-in-status":
				return []string{az.OptInStatus}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if okf {
			out.AvailabilityZones = append(out.AvailabilityZones, az)
		}
	}
	if len(want) > 0 && len(out.AvailabilityZones) == 0 {
		for z := range want {
			return nil, errInvalidParameterValue("The zone '%s' does not exist.", z)
		}
	}
	return out, nil
}

type accountAttributeValue struct {
	AttributeValue string `xml:"attributeValue"`
}

type accountAttribute struct {
	AttributeName   string                  `xml:"attributeName"`
	AttributeValues []accountAttributeValue `xml:"attributeValueSet>item"`
}

type describeAccountAttributesInput struct {
	AttributeName []string
	DryRun        bool
}

type describeAccountAttributesOutput struct {
	AccountAttributes []accountAttribute `xml:"accountAttributeSet>item"`
}

func (s *Service) describeAccountAttributes(ctx context.Context, in *describeAccountAttributesInput) (*describeAccountAttributesOutput, error) {
	sc := scopeOf(ctx)
	var defaultVPC string
	if err := s.store.View(ctx, func(txn store.Tx) error {
		return scanRes(txn, sc, "vpc-", func(v *Vpc) error {
			if v.IsDefault {
				defaultVPC = v.VpcID
			}
			return nil
		})
	}); err != nil {
		return nil, err
	}
	if defaultVPC == "" {
		defaultVPC = "none"
	}
	all := []accountAttribute{
		{"supported-platforms", []accountAttributeValue{{"VPC"}}},
		{"default-vpc", []accountAttributeValue{{defaultVPC}}},
		{"max-instances", []accountAttributeValue{{"20"}}},
		{"vpc-max-security-groups-per-interface", []accountAttributeValue{{"5"}}},
		{"max-elastic-ips", []accountAttributeValue{{"5"}}},
		{"vpc-max-elastic-ips", []accountAttributeValue{{"5"}}},
	}
	out := &describeAccountAttributesOutput{AccountAttributes: []accountAttribute{}}
	for _, a := range all {
		if len(in.AttributeName) == 0 || contains(in.AttributeName, a.AttributeName) {
			out.AccountAttributes = append(out.AccountAttributes, a)
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
