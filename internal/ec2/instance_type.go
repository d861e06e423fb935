package ec2

import (
	"context"
	"sort"
	"strings"
	"sync"
)

// Instance types: DescribeInstanceTypes and DescribeInstanceTypeOfferings
// over a catalogue of common families, with AWS's vCPUs, memory,
// architectures and network limits.

type itype struct {
	name      string
	vcpu      int32
	memMiB    int64
	arch      string // x86_64, arm64, or "i386,x86_64"
	burst     bool
	net       string
	enis      int32
	ipsPerENI int32
	freeTier  bool
	current   bool
	hyper     string
	clock     float64
	maker     string
}

// instanceTypes is the catalogue, built on first use.
var instanceTypes = sync.OnceValue(func() []itype {
	var out []itype
	add := func(family, arch, hyper, maker string, clock float64, burst, current bool, sizes ...struct {
		s    string
		v    int32
		m    int64
		net  string
		enis int32
		ips  int32
	}) {
		for _, z := range sizes {
			out = append(out, itype{name: family + "." + z.s, vcpu: z.v, memMiB: z.m, arch: arch, burst: burst, net: z.net,
				enis: z.enis, ipsPerENI: z.ips, current: current, hyper: hyper, clock: clock, maker: maker})
		}
	}
	type sz = struct {
		s    string
		v    int32
		m    int64
		net  string
		enis int32
		ips  int32
	}
	burstable := func(v1, v2 int32) []sz {
		return []sz{{"nano", v1, 512, "Low", 2, 2}, {"micro", v1, 1024, "Low to Moderate", 2, 2}, {"small", v1, 2048, "Low to Moderate", 3, 4},
			{"medium", v2, 4096, "Low to Moderate", 3, 6}, {"large", 2, 8192, "Low to Moderate", 3, 12}, {"xlarge", 4, 16384, "Moderate", 3, 15},
			{"2xlarge", 8, 32768, "Moderate", 3, 15}}
	}
	t3 := []sz{{"nano", 2, 512, "Up to 5 Gigabit", 2, 2}, {"micro", 2, 1024, "Up to 5 Gigabit", 2, 2}, {"small", 2, 2048, "Up to 5 Gigabit", 3, 4},
		{"medium", 2, 4096, "Up to 5 Gigabit", 3, 6}, {"large", 2, 8192, "Up to 5 Gigabit", 3, 12}, {"xlarge", 4, 16384, "Up to 5 Gigabit", 4, 15},
		{"2xlarge", 8, 32768, "Up to 5 Gigabit", 4, 15}}
	general := func(mem int64, big string) []sz {
		return []sz{{"large", 2, 2 * mem, "Up to 10 Gigabit", 3, 10}, {"xlarge", 4, 4 * mem, "Up to 10 Gigabit", 4, 15},
			{"2xlarge", 8, 8 * mem, "Up to 10 Gigabit", 4, 15}, {"4xlarge", 16, 16 * mem, "Up to 10 Gigabit", 8, 30},
			{"8xlarge", 32, 32 * mem, big, 8, 30}, {"12xlarge", 48, 48 * mem, "12 Gigabit", 8, 30}, {"16xlarge", 64, 64 * mem, "20 Gigabit", 15, 50}}
	}
	add("t2", "i386,x86_64", "xen", "Intel", 2.5, true, true, burstable(1, 2)...)
	add("t3", "x86_64", "nitro", "Intel", 2.5, true, true, t3...)
	add("t3a", "x86_64", "nitro", "AMD", 2.2, true, true, t3...)
	add("t4g", "arm64", "nitro", "AWS", 2.5, true, true, t3...)
	add("m5", "x86_64", "nitro", "Intel", 3.1, false, true, general(4096, "10 Gigabit")...)
	add("m6i", "x86_64", "nitro", "Intel", 3.5, false, true, general(4096, "12.5 Gigabit")...)
	add("m7g", "arm64", "nitro", "AWS", 2.6, false, true, general(4096, "15 Gigabit")...)
	add("c5", "x86_64", "nitro", "Intel", 3.4, false, true, general(2048, "10 Gigabit")...)
	add("c6i", "x86_64", "nitro", "Intel", 3.5, false, true, general(2048, "12.5 Gigabit")...)
	add("c7g", "arm64", "nitro", "AWS", 2.6, false, true, general(2048, "15 Gigabit")...)
	add("r5", "x86_64", "nitro", "Intel", 3.1, false, true, general(8192, "10 Gigabit")...)
	add("r6i", "x86_64", "nitro", "Intel", 3.5, false, true, general(8192, "12.5 Gigabit")...)
	add("m1", "i386,x86_64", "xen", "Intel", 0, false, false, sz{"small", 1, 1740, "Low", 2, 4}, sz{"medium", 1, 3840, "Moderate", 2, 6})
	for i := range out {
		switch out[i].name {
		case "t2.micro", "t3.micro":
			out[i].freeTier = true
		}
		if strings.HasPrefix(out[i].name, "t2.") && out[i].vcpu == 0 {
			out[i].vcpu = 1
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].name < out[b].name })
	return out
})

func lookupInstanceType(name string) (itype, bool) {
	types := instanceTypes()
	i := sort.Search(len(types), func(i int) bool { return types[i].name >= name })
	if i < len(types) && types[i].name == name {
		return types[i], true
	}
	return itype{}, false
}

// supports reports whether the type runs images of an architecture.
func (t itype) supports(arch string) bool {
	for _, a := range strings.Split(t.arch, ",") {
		if a == arch {
			return true
		}
	}
	return false
}

func (t itype) primaryArch() string {
	a := strings.Split(t.arch, ",")
	return a[len(a)-1]
}

// InstanceTypeInfo is EC2's InstanceTypeInfo (the members clients use).
type InstanceTypeInfo struct {
	InstanceType                  string            `xml:"instanceType"`
	CurrentGeneration             bool              `xml:"currentGeneration"`
	FreeTierEligible              bool              `xml:"freeTierEligible"`
	SupportedUsageClasses         []string          `xml:"supportedUsageClasses>item"`
	SupportedRootDeviceTypes      []string          `xml:"supportedRootDeviceTypes>item"`
	SupportedVirtualizationTypes  []string          `xml:"supportedVirtualizationTypes>item"`
	BareMetal                     bool              `xml:"bareMetal"`
	Hypervisor                    string            `xml:"hypervisor"`
	ProcessorInfo                 itProcessor       `xml:"processorInfo"`
	VCpuInfo                      itVCpu            `xml:"vCpuInfo"`
	MemoryInfo                    itMemory          `xml:"memoryInfo"`
	InstanceStorageSupported      bool              `xml:"instanceStorageSupported"`
	EbsInfo                       itEbs             `xml:"ebsInfo"`
	NetworkInfo                   itNetwork         `xml:"networkInfo"`
	PlacementGroupInfo            itPlacementGroups `xml:"placementGroupInfo"`
	HibernationSupported          bool              `xml:"hibernationSupported"`
	BurstablePerformanceSupported bool              `xml:"burstablePerformanceSupported"`
	DedicatedHostsSupported       bool              `xml:"dedicatedHostsSupported"`
	AutoRecoverySupported         bool              `xml:"autoRecoverySupported"`
	SupportedBootModes            []string          `xml:"supportedBootModes>item"`
}

type itProcessor struct {
	SupportedArchitectures   []string `xml:"supportedArchitectures>item"`
	SustainedClockSpeedInGhz float64  `xml:"sustainedClockSpeedInGhz,omitempty"`
	Manufacturer             string   `xml:"manufacturer"`
}

type itVCpu struct {
	DefaultVCpus          int32 `xml:"defaultVCpus"`
	DefaultCores          int32 `xml:"defaultCores"`
	DefaultThreadsPerCore int32 `xml:"defaultThreadsPerCore"`
}

type itMemory struct {
	SizeInMiB int64 `xml:"sizeInMiB"`
}

type itEbs struct {
	EbsOptimizedSupport string `xml:"ebsOptimizedSupport"`
	EncryptionSupport   string `xml:"encryptionSupport"`
	NvmeSupport         string `xml:"nvmeSupport"`
}

type itNetwork struct {
	NetworkPerformance        string `xml:"networkPerformance"`
	MaximumNetworkInterfaces  int32  `xml:"maximumNetworkInterfaces"`
	MaximumNetworkCards       int32  `xml:"maximumNetworkCards"`
	DefaultNetworkCardIndex   int32  `xml:"defaultNetworkCardIndex"`
	Ipv4AddressesPerInterface int32  `xml:"ipv4AddressesPerInterface"`
	Ipv6AddressesPerInterface int32  `xml:"ipv6AddressesPerInterface"`
	Ipv6Supported             bool   `xml:"ipv6Supported"`
	EnaSupport                string `xml:"enaSupport"`
	EfaSupported              bool   `xml:"efaSupported"`
	EncryptionInTransit       bool   `xml:"encryptionInTransitSupported"`
}

type itPlacementGroups struct {
	SupportedStrategies []string `xml:"supportedStrategies>item"`
}

func (t itype) info() *InstanceTypeInfo {
	threads := int32(2)
	if t.vcpu == 1 || t.maker == "AWS" {
		threads = 1
	}
	ena, nvme, ebsOpt := "required", "required", "default"
	if t.hyper == "xen" {
		ena, nvme, ebsOpt = "unsupported", "unsupported", "unsupported"
	}
	boot := []string{"legacy-bios", "uefi"}
	if t.maker == "AWS" {
		boot = []string{"uefi"}
	} else if t.hyper == "xen" {
		boot = []string{"legacy-bios"}
	}
	strategies := []string{"partition", "spread"}
	if !t.burst {
		strategies = []string{"cluster", "partition", "spread"}
	}
	return &InstanceTypeInfo{
		InstanceType: t.name, CurrentGeneration: t.current, FreeTierEligible: t.freeTier,
		SupportedUsageClasses: []string{"on-demand", "spot"}, SupportedRootDeviceTypes: []string{"ebs"},
		SupportedVirtualizationTypes: []string{"hvm"}, Hypervisor: t.hyper,
		ProcessorInfo: itProcessor{SupportedArchitectures: strings.Split(t.arch, ","), SustainedClockSpeedInGhz: t.clock, Manufacturer: t.maker},
		VCpuInfo:      itVCpu{DefaultVCpus: t.vcpu, DefaultCores: max(t.vcpu/threads, 1), DefaultThreadsPerCore: threads},
		MemoryInfo:    itMemory{SizeInMiB: t.memMiB},
		EbsInfo:       itEbs{EbsOptimizedSupport: ebsOpt, EncryptionSupport: "supported", NvmeSupport: nvme},
		NetworkInfo: itNetwork{NetworkPerformance: t.net, MaximumNetworkInterfaces: t.enis, MaximumNetworkCards: 1,
			Ipv4AddressesPerInterface: t.ipsPerENI, Ipv6AddressesPerInterface: t.ipsPerENI, Ipv6Supported: t.hyper == "nitro", EnaSupport: ena},
		PlacementGroupInfo:            itPlacementGroups{SupportedStrategies: strategies},
		HibernationSupported:          t.maker != "AWS" && t.current,
		BurstablePerformanceSupported: t.burst,
		DedicatedHostsSupported:       !t.burst,
		AutoRecoverySupported:         true,
		SupportedBootModes:            boot,
	}
}

func (s *Service) instanceTypeOps() opTable {
	return opTable{
		"DescribeInstanceTypes":         handle(s.describeInstanceTypes),
		"DescribeInstanceTypeOfferings": handle(s.describeInstanceTypeOfferings),
	}
}

type describeInstanceTypesInput struct {
	InstanceType []string
	Filter       []Filter
	MaxResults   *int32
	NextToken    *string
	DryRun       bool
}

type describeInstanceTypesOutput struct {
	InstanceTypes []*InstanceTypeInfo `xml:"instanceTypeSet>item"`
	NextToken     string              `xml:"nextToken,omitempty"`
}

func (t itype) filter(name string) ([]string, bool) {
	info := t.info()
	switch name {
	case "instance-type":
		return []string{t.name}, true
	case "processor-info.supported-architecture":
		return info.ProcessorInfo.SupportedArchitectures, true
	case "vcpu-info.default-vcpus":
		return []string{itoa(int(t.vcpu))}, true
	case "memory-info.size-in-mib":
		return []string{itoa(int(t.memMiB))}, true
	case "current-generation":
		return []string{boolStr(t.current)}, true
	case "free-tier-eligible":
		return []string{boolStr(t.freeTier)}, true
	case "burstable-performance-supported":
		return []string{boolStr(t.burst)}, true
	case "hypervisor":
		return []string{t.hyper}, true
	case "processor-info.manufacturer":
		return []string{t.maker}, true
	case "network-info.ena-support":
		return []string{info.NetworkInfo.EnaSupport}, true
	case "supported-usage-class":
		return info.SupportedUsageClasses, true
	case "supported-virtualization-type":
		return info.SupportedVirtualizationTypes, true
	case "supported-root-device-type":
		return info.SupportedRootDeviceTypes, true
	case "bare-metal":
		return []string{"false"}, true
	case "supported-boot-mode":
		return info.SupportedBootModes, true
	}
	return nil, false
}

func (s *Service) describeInstanceTypes(ctx context.Context, in *describeInstanceTypesInput) (*describeInstanceTypesOutput, error) {
	var bad []string
	for _, n := range in.InstanceType {
		if _, ok := lookupInstanceType(n); !ok {
			bad = append(bad, n)
		}
	}
	if len(bad) > 0 {
		return nil, errInvalidInstanceType(strings.Join(bad, ", "))
	}
	var all []*InstanceTypeInfo
	for _, t := range instanceTypes() {
		if len(in.InstanceType) > 0 && !contains(in.InstanceType, t.name) {
			continue
		}
		ok, err := matchFilters(in.Filter, nil, t.filter)
		if err != nil {
			return nil, err
		}
		if ok {
			all = append(all, t.info())
		}
	}
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 100)
	if err != nil {
		return nil, err
	}
	return &describeInstanceTypesOutput{InstanceTypes: items, NextToken: next}, nil
}

type describeInstanceTypeOfferingsInput struct {
	LocationType string
	Filter       []Filter
	MaxResults   *int32
	NextToken    *string
	DryRun       bool
}

// InstanceTypeOffering is EC2's InstanceTypeOffering.
type InstanceTypeOffering struct {
	InstanceType string `xml:"instanceType"`
	LocationType string `xml:"locationType"`
	Location     string `xml:"location"`
}

type describeInstanceTypeOfferingsOutput struct {
	Offerings []*InstanceTypeOffering `xml:"instanceTypeOfferingSet>item"`
	NextToken string                  `xml:"nextToken,omitempty"`
}

func (s *Service) describeInstanceTypeOfferings(ctx context.Context, in *describeInstanceTypeOfferingsInput) (*describeInstanceTypeOfferingsOutput, error) {
	sc := scopeOf(ctx)
	var locs []string
	switch in.LocationType {
	case "", "region":
		in.LocationType = "region"
		locs = []string{sc.region}
	case "availability-zone":
		locs = zones(sc.region)
	case "availability-zone-id":
		for i := range zones(sc.region) {
			locs = append(locs, zoneID(sc.region, i))
		}
	default:
		return nil, errInvalidParameterValue("Value (%s) for parameter locationType is invalid. Valid values are: region, availability-zone, availability-zone-id.", in.LocationType)
	}
	var all []*InstanceTypeOffering
	for _, t := range instanceTypes() {
		if !t.current {
			continue
		}
		for _, l := range locs {
			o := &InstanceTypeOffering{InstanceType: t.name, LocationType: in.LocationType, Location: l}
			ok, err := matchFilters(in.Filter, nil, func(name string) ([]string, bool) {
				switch name {
				case "instance-type":
					return []string{o.InstanceType}, true
				case "location":
					return []string{o.Location}, true
				}
				return nil, false
			})
			if err != nil {
				return nil, err
			}
			if ok {
				all = append(all, o)
			}
		}
	}
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &describeInstanceTypeOfferingsOutput{Offerings: items, NextToken: next}, nil
}
