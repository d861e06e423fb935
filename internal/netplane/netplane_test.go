package netplane

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestGateway(t *testing.T) {
	if got := Gateway(netip.MustParsePrefix("10.0.1.0/24")); got != netip.MustParseAddr("10.0.1.1") {
		t.Errorf("Gateway = %v; want 10.0.1.1", got)
	}
}

func TestValidate(t *testing.T) {
	good := Interface{
		ID: "eni-1", VpcID: "vpc-1", SubnetID: "subnet-1", NetNS: "/proc/1/ns/net", Name: "eth0",
		IP: netip.MustParseAddr("10.0.1.5"), Prefix: 24, Gateway: netip.MustParseAddr("10.0.1.1"),
		MAC: net.HardwareAddr{2, 0, 0, 0, 0, 1},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("good interface: %v", err)
	}
	for name, mutate := range map[string]func(*Interface){
		"long name":       func(i *Interface) { i.Name = "eth0123456789abc" },
		"slash in name":   func(i *Interface) { i.Name = "a/b" },
		"IPv6":            func(i *Interface) { i.IP = netip.MustParseAddr("2001:db8::1") },
		"gateway outside": func(i *Interface) { i.Gateway = netip.MustParseAddr("10.0.2.1") },
		"gateway is IP":   func(i *Interface) { i.Gateway = i.IP },
		"short MAC":       func(i *Interface) { i.MAC = net.HardwareAddr{1, 2} },
		"no netns":        func(i *Interface) { i.NetNS = "" },
		"bad id":          func(i *Interface) { i.ID = "../x" },
	} {
		i := good
		mutate(&i)
		if err := i.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v; want ErrInvalid", name, err)
		}
	}
	for _, v := range []VPC{
		{ID: "vpc-1", CIDR: netip.MustParsePrefix("10.0.0.1/16")},
		{ID: "vpc-1", CIDR: netip.MustParsePrefix("fd00::/48")},
		{ID: "", CIDR: netip.MustParsePrefix("10.0.0.0/16")},
	} {
		if err := v.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("VPC %+v: %v; want ErrInvalid", v, err)
		}
	}
	if err := (Subnet{ID: "subnet-1", VpcID: "vpc-1", CIDR: netip.MustParsePrefix("10.0.1.0/31")}).Validate(); !errors.Is(err, ErrInvalid) {
		t.Errorf("a /31 subnet: %v; want ErrInvalid", err)
	}
}
