package linux

import (
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/gureum/gureum/internal/netplane"
)

// These tests check the rule logic without a kernel (and without root).

func TestSGTableText(t *testing.T) {
	groups := []netplane.SecurityGroup{
		{ID: "sg-web", VpcID: "vpc-1", Rules: []netplane.Rule{
			{Protocol: "tcp", FromPort: 80, ToPort: 443, CIDR: netip.MustParsePrefix("10.0.0.0/16")},
			{Protocol: "TCP", FromPort: 8080, ToPort: 8080, Group: "sg-web"},
			{Protocol: "icmp", FromPort: 8, ToPort: 0, CIDR: netip.MustParsePrefix("0.0.0.0/0")},
			{Protocol: "udp", FromPort: -1, ToPort: -1, CIDR: netip.MustParsePrefix("192.168.0.0/24")},
			{Protocol: "tcp", FromPort: 22, ToPort: 22, CIDR: netip.MustParsePrefix("2001:db8::/32")},
			{Egress: true, Protocol: "-1", CIDR: netip.MustParsePrefix("0.0.0.0/0")},
		}},
		{ID: "sg-db", Rules: []netplane.Rule{
			{Protocol: "50", CIDR: netip.MustParsePrefix("10.0.1.5/32")},
			{Egress: true, Protocol: "udp", FromPort: 53, ToPort: 53, Group: "sg-web"},
		}},
	}
	members := []netplane.Interface{
		{ID: "eni-2", VpcID: "vpc-1", IP: netip.MustParseAddr("10.0.1.6"), Groups: []string{"sg-db", "sg-gone"}},
		{ID: "eni-1", IP: netip.MustParseAddr("10.0.1.5"), Groups: []string{"sg-web", "sg-web"}},
	}
	tab, warnings, err := sgTable("vpc-1", groups, members)
	if err != nil {
		t.Fatal(err)
	}
	want := `table inet gureum {
	set m-sg-web {
		type ipv4_addr
		elements = { 10.0.1.5 }
		comment "members of sg-web"
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		meta nfproto ipv4 ip saddr 10.0.1.5 counter jump out-eni-1 comment "eni-1 egress"
		meta nfproto ipv4 ip saddr 10.0.1.6 counter jump out-eni-2 comment "eni-2 egress"
		meta nfproto ipv4 ip daddr 10.0.1.5 counter jump in-eni-1 comment "eni-1 ingress"
		meta nfproto ipv4 ip daddr 10.0.1.6 counter jump in-eni-2 comment "eni-2 ingress"
	}
	chain out-eni-1 {
		ct state established,related counter accept comment "eni-1 established"
		ct state invalid counter drop comment "eni-1 invalid"
		meta nfproto ipv4 counter return comment "sg-web egress #5 -1 to 0.0.0.0/0"
		counter drop comment "eni-1 default deny egress"
	}
	chain out-eni-2 {
		ct state established,related counter accept comment "eni-2 established"
		ct state invalid counter drop comment "eni-2 invalid"
		meta nfproto ipv4 ip daddr @m-sg-web meta l4proto udp th dport 53 counter return comment "sg-db egress #1 udp 53 to sg-web"
		counter drop comment "eni-2 default deny egress"
	}
	chain in-eni-1 {
		ct state established,related counter accept comment "eni-1 established"
		ct state invalid counter drop comment "eni-1 invalid"
		meta nfproto ipv4 ip saddr 10.0.0.0/16 meta l4proto tcp th dport 80-443 counter accept comment "sg-web ingress #0 tcp 80-443 from 10.0.0.0/16"
		meta nfproto ipv4 ip saddr @m-sg-web meta l4proto tcp th dport 8080 counter accept comment "sg-web ingress #1 TCP 8080 from sg-web"
		meta nfproto ipv4 meta l4proto icmp icmp type 8 icmp code 0 counter accept comment "sg-web ingress #2 icmp type 8 code 0 from 0.0.0.0/0"
		meta nfproto ipv4 ip saddr 192.168.0.0/24 meta l4proto udp counter accept comment "sg-web ingress #3 udp from 192.168.0.0/24"
		counter drop comment "eni-1 default deny ingress"
	}
	chain in-eni-2 {
		ct state established,related counter accept comment "eni-2 established"
		ct state invalid counter drop comment "eni-2 invalid"
		meta nfproto ipv4 ip saddr 10.0.1.5 meta l4proto 50 counter accept comment "sg-db ingress #0 50 from 10.0.1.5/32"
		counter drop comment "eni-2 default deny ingress"
	}
}
`
	if got := tab.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
	if len(warnings) != 3 { // sg-gone twice (egress, ingress), the IPv6 rule once
		t.Errorf("warnings = %q; want 3", warnings)
	}
	// Every rule compiles to expressions.
	ids := map[string]uint32{"m-sg-web": 1}
	for _, c := range tab.chains {
		for _, r := range c.rules {
			if _, err := ruleExprs(r, ids); err != nil {
				t.Errorf("%s: %v", r, err)
			}
		}
	}
}

func TestSGTableInvalid(t *testing.T) {
	ip := netip.MustParseAddr("10.0.1.5")
	any4 := netip.MustParsePrefix("0.0.0.0/0")
	member := netplane.Interface{ID: "eni-1", IP: ip, Groups: []string{"sg-1"}}
	for _, tc := range []struct {
		name    string
		groups  []netplane.SecurityGroup
		members []netplane.Interface
	}{
		{"group of another VPC", []netplane.SecurityGroup{{ID: "sg-1", VpcID: "vpc-2"}}, nil},
		{"group twice", []netplane.SecurityGroup{{ID: "sg-1"}, {ID: "sg-1"}}, nil},
		{"member of another VPC", nil, []netplane.Interface{{ID: "eni-1", VpcID: "vpc-2", IP: ip}}},
		{"member twice", nil, []netplane.Interface{member, member}},
		{"two members, one IP", nil, []netplane.Interface{member, {ID: "eni-2", IP: ip}}},
		{"member without IPv4", nil, []netplane.Interface{{ID: "eni-1"}}},
		{"unknown protocol", []netplane.SecurityGroup{{ID: "sg-1", Rules: []netplane.Rule{{Protocol: "sctp-ish", CIDR: any4}}}}, []netplane.Interface{member}},
		{"inverted ports", []netplane.SecurityGroup{{ID: "sg-1", Rules: []netplane.Rule{{Protocol: "tcp", FromPort: 90, ToPort: 80, CIDR: any4}}}}, []netplane.Interface{member}},
		{"CIDR and group", []netplane.SecurityGroup{{ID: "sg-1", Rules: []netplane.Rule{{Protocol: "-1", CIDR: any4, Group: "sg-1"}}}}, []netplane.Interface{member}},
		{"no peer", []netplane.SecurityGroup{{ID: "sg-1", Rules: []netplane.Rule{{Protocol: "-1"}}}}, []netplane.Interface{member}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := sgTable("vpc-1", tc.groups, tc.members); !errors.Is(err, netplane.ErrInvalid) {
				t.Errorf("err = %v; want ErrInvalid", err)
			}
		})
	}
}

func TestPortTableText(t *testing.T) {
	mac := derivedMAC("eni-1")
	tab := portTable("v-00000001", "eni-1", []netip.Addr{netip.MustParseAddr("10.0.1.5"), netip.MustParseAddr("10.0.1.6")}, mac, true)
	got := tab.String()
	for _, want := range []string{
		"table bridge gureum-v-00000001 {",
		"type filter hook prerouting priority -200; policy accept;",
		`iifname "v-00000001" ether saddr != ` + mac.String() + ` counter drop comment "eni-1 source MAC"`,
		`iifname "v-00000001" meta protocol != ip meta protocol != arp counter drop`,
		`iifname "v-00000001" meta protocol arp arp saddr ip 10.0.1.5 counter accept comment "eni-1 ARP for 10.0.1.5"`,
		`iifname "v-00000001" meta protocol arp arp saddr ip 10.0.1.6 counter accept comment "eni-1 ARP for 10.0.1.6"`,
		`iifname "v-00000001" meta protocol arp counter drop comment "eni-1 ARP sender"`,
		`iifname "v-00000001" meta protocol ip ip saddr 10.0.1.5 counter accept comment "eni-1 from 10.0.1.5"`,
		`iifname "v-00000001" meta protocol ip ip saddr 10.0.1.6 counter accept comment "eni-1 from 10.0.1.6"`,
		`iifname "v-00000001" meta protocol ip counter drop comment "eni-1 source IP"`,
		`oifname "v-00000001" meta protocol ip ip daddr 10.0.1.6 counter accept comment "eni-1 to 10.0.1.6"`,
		`oifname "v-00000001" meta protocol ip counter drop comment "eni-1 destination IP"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("port table lacks %q:\n%s", want, got)
		}
	}
	for _, c := range tab.chains {
		for _, r := range c.rules {
			if _, err := ruleExprs(r, nil); err != nil {
				t.Errorf("%s: %v", r, err)
			}
		}
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"subnet-0a1b2c3d4e5f6a7b8", "br-e5f6a7b8"},
		{"subnet-1", "br-" + shortID("subnet-1")},
	} {
		if got := bridgeName(tc.in); got != tc.want || len(got) > 15 {
			t.Errorf("bridgeName(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	if got := portName("eni-0123456789abcdef0"); got != "v-9abcdef0" {
		t.Errorf("portName = %q", got)
	}
	if a, b := shortID("subnet-1"), shortID("subnet-2"); a == b || len(a) != 8 {
		t.Errorf("shortID of short ids: %q, %q", a, b)
	}
	m := derivedMAC("subnet-1")
	if m[0]&1 != 0 || m[0]&2 == 0 || m.String() != derivedMAC("subnet-1").String() {
		t.Errorf("derivedMAC = %v; want a stable, local, unicast address", m)
	}
}

func TestNewUnsupported(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("runs only without root")
	}
	if _, err := New(Config{}); !errors.Is(err, netplane.ErrUnsupported) {
		t.Errorf("New without root: %v; want ErrUnsupported", err)
	}
}
