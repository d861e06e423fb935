package ec2

import (
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// Public IPs given to instances at launch. Until the Elastic IP code
// exposes the shared pool, instances take addresses from the
// documentation ranges 198.51.100.0/24 and 203.0.113.0/24, recorded in a
// table of their own (public addresses are unique across accounts and
// regions), skipping any address an Elastic IP of the account holds.
//
//	ec2.pubip: address → account "/" region "/" eni-id
const tPublicIP = "ec2.pubip"

var publicPools = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")}

// allocInstancePublicIP takes a free public address for an ENI; "" when
// the pool is exhausted.
func allocInstancePublicIP(tx store.Tx, sc scope, eniID string) (string, error) {
	held := map[string]bool{}
	// Elastic IPs of this account (whatever their record's shape).
	if err := tx.Scan(tRes, resKey(sc.acct, sc.region, "eipalloc-"), nil, func(_, v []byte) (bool, error) {
		var m map[string]any
		if json.Unmarshal(v, &m) == nil {
			for _, x := range m {
				if s, ok := x.(string); ok && strings.Count(s, ".") == 3 {
					held[s] = true
				}
			}
		}
		return true, nil
	}); err != nil {
		return "", err
	}
	var cands []string
	for _, p := range publicPools {
		a := p.Addr().Next()
		for i := 1; i < 255; i, a = i+1, a.Next() {
			cands = append(cands, a.String())
		}
	}
	start := rand.IntN(len(cands))
	for i := range cands {
		ip := cands[(start+i)%len(cands)]
		if held[ip] {
			continue
		}
		if _, err := tx.Get(tPublicIP, []byte(ip)); err == nil {
			continue
		} else if !isNotFound(err) {
			return "", err
		}
		return ip, tx.Put(tPublicIP, []byte(ip), []byte(sc.acct+"/"+sc.region+"/"+eniID))
	}
	return "", nil
}

func releaseInstancePublicIP(tx store.Tx, ip string) error {
	return tx.Delete(tPublicIP, []byte(ip))
}

// publicDNSName is the ec2-203-0-113-5.compute-1.amazonaws.com name.
func publicDNSName(region, ip string) string {
	h := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return h + ".compute-1.amazonaws.com"
	}
	return h + "." + region + ".compute.amazonaws.com"
}
