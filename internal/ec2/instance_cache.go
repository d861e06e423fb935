package ec2

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/gureum/gureum/internal/store"
)

// Decoded instances, kept so Describe calls over many instances do not
// decode every record each time. An entry is used only when the stored
// bytes are unchanged, so the cache can never show stale state; callers
// get a shallow copy and MUST NOT modify its slices in place.
var instanceCache sync.Map // store key → *cachedInstance

type cachedInstance struct {
	raw  []byte
	inst Instance
}

// scanInstances returns every instance of the account and region,
// decoding only records that changed since they were last seen.
func scanInstances(tx store.Tx, sc scope) ([]*Instance, error) {
	var out []*Instance
	err := tx.Scan(tRes, resKey(sc.acct, sc.region, "i-"), nil, func(k, v []byte) (bool, error) {
		if c, ok := instanceCache.Load(string(k)); ok {
			if ce := c.(*cachedInstance); bytes.Equal(ce.raw, v) {
				cp := ce.inst
				out = append(out, &cp)
				return true, nil
			}
		}
		inst := new(Instance)
		if err := json.Unmarshal(v, inst); err != nil {
			return false, err
		}
		instanceCache.Store(string(k), &cachedInstance{raw: bytes.Clone(v), inst: *inst})
		cp := *inst
		out = append(out, &cp)
		return true, nil
	})
	return out, err
}

func forgetInstance(sc scope, id string) {
	instanceCache.Delete(string(resKey(sc.acct, sc.region, id)))
}

// filtersNeedNetwork reports whether a filter reads members that come
// from the instance's network interfaces.
func filtersNeedNetwork(fs []Filter) bool {
	for _, f := range fs {
		switch {
		case f.Name == "ip-address", f.Name == "dns-name", strings.HasPrefix(f.Name, "network-interface.addresses.association"):
			return true
		}
	}
	return false
}
