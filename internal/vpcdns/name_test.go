package vpcdns

import (
	"net/netip"
	"testing"
)

func TestParseEC2Name(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string // "" when not an EC2 name
		public bool
	}{
		{"private us-east-1", "ip-10-0-1-5.ec2.internal", "10.0.1.5", false},
		{"private trailing dot", "ip-10-0-1-5.ec2.internal.", "10.0.1.5", false},
		{"private upper case", "IP-10-0-1-5.EC2.Internal", "10.0.1.5", false},
		{"private region", "ip-172-31-255-254.eu-west-1.compute.internal", "172.31.255.254", false},
		{"public us-east-1", "ec2-203-0-113-5.compute-1.amazonaws.com", "203.0.113.5", true},
		{"public region", "ec2-203-0-113-5.us-west-2.compute.amazonaws.com.", "203.0.113.5", true},
		{"public upper case", "EC2-203-0-113-5.COMPUTE-1.AMAZONAWS.COM", "203.0.113.5", true},
		{"wrong prefix private zone", "ec2-10-0-1-5.ec2.internal", "", false},
		{"wrong prefix public zone", "ip-203-0-113-5.compute-1.amazonaws.com", "", false},
		{"octet too big", "ip-10-0-1-256.ec2.internal", "", false},
		{"leading zero", "ip-10-0-01-5.ec2.internal", "", false},
		{"three octets", "ip-10-0-1.ec2.internal", "", false},
		{"five octets", "ip-10-0-1-5-6.ec2.internal", "", false},
		{"dots in host", "ip-10.0.1.5.ec2.internal", "", false},
		{"empty octet", "ip-10--1-5.ec2.internal", "", false},
		{"ipv6 spelling", "ip-::1.ec2.internal", "", false},
		{"no region", "ip-10-0-1-5.compute.internal", "", false},
		{"two dots", "ip-10-0-1-5.ec2.internal..", "", false},
		{"bad region", "ip-10-0-1-5.us_west.compute.internal", "", false},
		{"region with dot", "ip-10-0-1-5.a.b.compute.internal", "", false},
		{"other domain", "ip-10-0-1-5.example.com", "", false},
		{"bare host", "ip-10-0-1-5", "", false},
		{"empty", "", "", false},
		{"dot", ".", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip, public, ok := ParseEC2Name(tt.in)
			if tt.want == "" {
				if ok || ip.IsValid() || public {
					t.Fatalf("ParseEC2Name(%q) = %v, %v, %v; want not ok", tt.in, ip, public, ok)
				}
				return
			}
			if !ok || ip != netip.MustParseAddr(tt.want) || public != tt.public {
				t.Fatalf("ParseEC2Name(%q) = %v, %v, %v; want %s, %v, true", tt.in, ip, public, ok, tt.want, tt.public)
			}
		})
	}
}

func TestOwned(t *testing.T) {
	tests := []struct {
		in         string
		owned, apx bool
	}{
		{"ec2.internal", true, true},
		{"compute.internal", true, true},
		{"us-west-2.compute.internal", true, true},
		{"ip-10-0-1-5.ec2.internal", true, false},
		{"foo.bar.ec2.internal", true, false},
		{"ec2-203-0-113-5.compute-1.amazonaws.com", true, false},
		{"www.compute-1.amazonaws.com", false, false},
		{"compute-1.amazonaws.com", false, false},
		{"notec2.internal", false, false},
		{"example.com", false, false},
		{"5.1.0.10.in-addr.arpa", false, false},
	}
	for _, tt := range tests {
		if got := owned(tt.in); got != tt.owned {
			t.Errorf("owned(%q) = %v, want %v", tt.in, got, tt.owned)
		}
		if got := isApex(tt.in); got != tt.apx {
			t.Errorf("isApex(%q) = %v, want %v", tt.in, got, tt.apx)
		}
	}
}

func TestParseReverse(t *testing.T) {
	tests := []struct{ in, want string }{
		{"5.1.0.10.in-addr.arpa", "10.0.1.5"},
		{"1.113.0.203.in-addr.arpa", "203.0.113.1"},
		{"1.0.10.in-addr.arpa", ""},
		{"x.1.0.10.in-addr.arpa", ""},
		{"5.1.0.10.in-addr.arpa.example", ""},
		{"in-addr.arpa", ""},
	}
	for _, tt := range tests {
		ip, ok := parseReverse(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("parseReverse(%q) = %v, want not ok", tt.in, ip)
			}
			continue
		}
		if !ok || ip != netip.MustParseAddr(tt.want) {
			t.Errorf("parseReverse(%q) = %v, %v; want %s", tt.in, ip, ok, tt.want)
		}
	}
}

func TestPrivateName(t *testing.T) {
	ip := netip.MustParseAddr("10.0.1.5")
	if got := privateName("us-east-1", ip); got != "ip-10-0-1-5.ec2.internal" {
		t.Errorf("us-east-1: %q", got)
	}
	if got := privateName("eu-west-1", ip); got != "ip-10-0-1-5.eu-west-1.compute.internal" {
		t.Errorf("eu-west-1: %q", got)
	}
}
