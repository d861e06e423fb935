package linux

import (
	"net/netip"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gureum/gureum/internal/netplane"
)

func acl(n int32, egress, allow bool, proto string, from, to int32, cidr string) netplane.ACLEntry {
	return netplane.ACLEntry{RuleNumber: n, Egress: egress, Allow: allow, Protocol: proto, FromPort: from, ToPort: to, CIDR: netip.MustParsePrefix(cidr)}
}

func (l *lab) setACLs(vpcID string, acls map[string][]netplane.ACLEntry) {
	l.tb.Helper()
	if err := l.dp.SetNetworkACLs(l.ctx, vpcID, acls); err != nil {
		l.tb.Fatalf("SetNetworkACLs: %v", err)
	}
}

// TestNetworkACLs runs without security groups, so that only the ACLs
// filter: a (10.0.1.10), b (10.0.1.11) and c (10.0.1.12) in subnet a, s
// (10.0.2.10, serving 8080 and 9090) in subnet b.
func TestNetworkACLs(t *testing.T) {
	w := newTwoSubnets(t)
	// Subnet b admits TCP 8080 from the VPC but not from b, and sends
	// anything (the replies too: ACLs are stateless).
	bIn := []netplane.ACLEntry{
		acl(100, false, true, "6", 8080, 8080, "10.0.0.0/16"),
		acl(90, false, false, "6", 0, 65535, "10.0.1.11/32"),
	}
	bOut := acl(100, true, true, "-1", 0, 0, "0.0.0.0/0")

	t.Run("rule-number order, first match decides", func(t *testing.T) {
		w.setACLs(vpcID, map[string][]netplane.ACLEntry{subnetB: append(bIn, bOut)})
		w.reaches(w.a, "10.0.2.10:8080", "s")
		w.blocked(w.b, "10.0.2.10:8080") // rule 90 denies before 100 allows
		w.blocked(w.a, "10.0.2.10:9090") // no rule: the * deny
		w.reaches(w.a, "10.0.1.12:8080", "c")
	})

	t.Run("stateless: replies need their own rule", func(t *testing.T) {
		w.setACLs(vpcID, map[string][]netplane.ACLEntry{subnetB: bIn})
		w.blocked(w.a, "10.0.2.10:8080")
		w.setACLs(vpcID, map[string][]netplane.ACLEntry{subnetB: append(bIn, acl(100, true, true, "6", 1024, 65535, "10.0.1.0/24"))})
		w.reaches(w.a, "10.0.2.10:8080", "s")
	})

	t.Run("within a subnet no ACL applies", func(t *testing.T) {
		denyAll := []netplane.ACLEntry{acl(100, false, false, "-1", 0, 0, "0.0.0.0/0"), acl(100, true, false, "-1", 0, 0, "0.0.0.0/0")}
		w.setACLs(vpcID, map[string][]netplane.ACLEntry{subnetA: denyAll, subnetB: append(bIn, bOut)})
		w.reaches(w.a, "10.0.1.12:8080", "c")
		w.blocked(w.a, "10.0.2.10:8080") // a's subnet may not send
	})

	t.Run("egress rules match the destination", func(t *testing.T) {
		aOut := []netplane.ACLEntry{
			acl(100, true, true, "6", 8080, 8080, "10.0.2.10/32"),
			acl(100, false, true, "-1", 0, 0, "10.0.2.0/24"),
		}
		w.setACLs(vpcID, map[string][]netplane.ACLEntry{subnetA: aOut, subnetB: append(bIn, bOut)})
		w.reaches(w.a, "10.0.2.10:8080", "s")
		w.blocked(w.a, "10.0.2.10:9090")
	})

	t.Run("nft lists the rules with owner comments", func(t *testing.T) {
		if _, err := exec.LookPath("nft"); err != nil {
			t.Skip("no nft command")
		}
		out, err := exec.Command("ip", "netns", "exec", filepath.Base(w.dp.nsPath(vpcID)), "nft", "list", "table", "inet", naclTableName).CombinedOutput()
		if err != nil {
			t.Fatalf("nft list: %v\n%s", err, out)
		}
		for _, want := range []string{`comment "` + subnetB + ` ingress #90 deny 6 10.0.1.11/32"`, `comment "` + subnetB + ` ingress * deny"`} {
			if !strings.Contains(string(out), want) {
				t.Errorf("nft list lacks %s:\n%s", want, out)
			}
		}
	})

	t.Run("an empty map removes all filtering", func(t *testing.T) {
		w.setACLs(vpcID, nil)
		w.reaches(w.a, "10.0.2.10:9090", "s9090")
		w.reaches(w.b, "10.0.2.10:8080", "s")
	})
}

// TestNetworkACLsAtTheInternet checks ACLs on traffic from and to the
// internet (after the gateway's DNAT: the private IP).
func TestNetworkACLsAtTheInternet(t *testing.T) {
	iw := newInternetWorld(t)
	iw.setRouting(iw.routing())
	iw.reachesFrom(iw.inet, hostSrc, publicW+":8080", "w")
	iw.setACLs(vpcID, map[string][]netplane.ACLEntry{subnetA: {
		acl(100, false, true, "6", 8080, 8080, "0.0.0.0/0"),
		acl(110, false, true, "6", 1024, 65535, "198.51.100.0/24"),
		acl(100, true, true, "6", 1024, 65535, "0.0.0.0/0"),
	}})
	iw.reachesFrom(iw.inet, hostSrc, publicW+":8080", "w")
	iw.blocked(iw.w, inetURL) // egress to port 80 is not allowed
	iw.setACLs(vpcID, map[string][]netplane.ACLEntry{subnetA: {
		acl(100, false, true, "6", 1024, 65535, "0.0.0.0/0"),
		acl(100, true, true, "6", 80, 80, "198.51.100.0/24"),
	}})
	iw.reaches(iw.w, inetURL, publicW)
	// The SYN to 8080 is admitted (1024-65535), but egress allows only
	// port 80, so the reply is dropped.
	iw.blockedFrom(iw.inet, hostSrc, publicW+":8080")
}
