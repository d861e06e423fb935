package ec2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/gureum/gureum/internal/awsproto/xmlenc"
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
// through the cache. It also returns the cache's copy of the bytes, which
// never changes (a changed record gets a new entry).
func decodeCached[T any](key, v []byte) (*T, []byte, error) {
	if c, ok := decoded.Load(string(key)); ok {
		if d := c.(*decodedRecord); bytes.Equal(d.raw, v) {
			if t, ok := d.v.(*T); ok {
				cp := *t
				return &cp, d.raw, nil
			}
		}
	}
	t := new(T)
	if err := json.Unmarshal(v, t); err != nil {
		return nil, nil, err
	}
	raw := bytes.Clone(v)
	decoded.Store(string(key), &decodedRecord{raw: raw, v: t})
	cp := *t
	return &cp, raw, nil
}

// viewRes is getRes for reading only: the result's slices are shared.
// The stored bytes come with it.
func viewRes[T any](tx store.Tx, sc scope, id string) (*T, []byte, error) {
	k := resKey(sc.acct, sc.region, id)
	b, err := tx.Get(tRes, k)
	if err != nil {
		return nil, nil, err
	}
	v, raw, err := decodeCached[T](k, b)
	if err != nil {
		return nil, nil, fmt.Errorf("ec2: decoding %s: %w", id, err)
	}
	return v, raw, nil
}

// scanInstances returns every instance of the account and region,
// decoding only records that changed since they were last seen.
func scanInstances(tx store.Tx, sc scope) ([]*Instance, error) {
	var out []*Instance
	err := tx.Scan(tRes, resKey(sc.acct, sc.region, "i-"), nil, func(k, v []byte) (bool, error) {
		inst, raw, err := decodeCached[Instance](k, v)
		if err != nil {
			return false, err
		}
		inst.xmlSrc = [][]byte{raw}
		out = append(out, inst)
		return true, nil
	})
	return out, err
}

func forget(sc scope, id string) {
	decoded.Delete(string(resKey(sc.acct, sc.region, id)))
	rendered.Delete(id)
}

// rendered keeps each instance's <item> as last written, with the stored
// records it was made from (the instance's and its network interfaces'):
// a listing of many instances copies the elements of those unchanged
// since. Only an instance that knows its sources (Instance.xmlSrc, set
// when it was read through the cache) uses it.
var rendered sync.Map // instance id → *renderedInstance

type renderedInstance struct {
	name string
	src  [][]byte
	xml  []byte
}

// AppendXML implements xmlenc.Appender.
func (i *Instance) AppendXML(b []byte, name string) ([]byte, bool) {
	if len(i.xmlSrc) == 0 {
		return b, false
	}
	if c, ok := rendered.Load(i.InstanceID); ok {
		if r := c.(*renderedInstance); r.name == name && sameSources(r.src, i.xmlSrc) {
			return append(b, r.xml...), true
		}
	}
	at := len(b)
	b, ok := xmlenc.AppendPlain(b, i, name)
	if !ok {
		return b[:at], false
	}
	rendered.Store(i.InstanceID, &renderedInstance{name: name, src: i.xmlSrc, xml: bytes.Clone(b[at:])})
	return b, true
}

func sameSources(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) || (len(a[i]) > 0 && &a[i][0] != &b[i][0] && !bytes.Equal(a[i], b[i])) {
			return false
		}
	}
	return true
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
