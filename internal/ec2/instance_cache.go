package ec2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/gureum/gureum/internal/store"
)

// decoded keeps records as they were last decoded from the store, so
// Describe calls over many instances do not decode every record (and
// its network interfaces) each time. An entry is used only while the
// stored bytes are unchanged, so it can never show stale state; readers
// get a shallow copy and MUST NOT modify its slices in place.
var decoded sync.Map // store key → *decodedRecord

type decodedRecord struct {
	raw []byte
	v   any // *T
}

// decodeCached decodes v, the stored bytes of key, into a copy of a T,
// through the cache.
func decodeCached[T any](key, v []byte) (*T, error) {
	if c, ok := decoded.Load(string(key)); ok {
		if d := c.(*decodedRecord); bytes.Equal(d.raw, v) {
			if t, ok := d.v.(*T); ok {
				cp := *t
				return &cp, nil
			}
		}
	}
	t := new(T)
	if err := json.Unmarshal(v, t); err != nil {
		return nil, err
	}
	decoded.Store(string(key), &decodedRecord{raw: bytes.Clone(v), v: t})
	cp := *t
	return &cp, nil
}

// viewRes is getRes for reading only: the result's slices are shared.
func viewRes[T any](tx store.Tx, sc scope, id string) (*T, error) {
	k := resKey(sc.acct, sc.region, id)
	b, err := tx.Get(tRes, k)
	if err != nil {
		return nil, err
	}
	v, err := decodeCached[T](k, b)
	if err != nil {
		return nil, fmt.Errorf("ec2: decoding %s: %w", id, err)
	}
	return v, nil
}

// scanInstances returns every instance of the account and region,
// decoding only records that changed since they were last seen.
func scanInstances(tx store.Tx, sc scope) ([]*Instance, error) {
	var out []*Instance
	err := tx.Scan(tRes, resKey(sc.acct, sc.region, "i-"), nil, func(k, v []byte) (bool, error) {
		inst, err := decodeCached[Instance](k, v)
		if err != nil {
			return false, err
		}
		out = append(out, inst)
		return true, nil
	})
	return out, err
}

func forget(sc scope, id string) {
	decoded.Delete(string(resKey(sc.acct, sc.region, id)))
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
