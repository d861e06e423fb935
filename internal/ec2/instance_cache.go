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

// Service.listings keeps, per scope, the last listing of all its instances as
// showInstances left them, with the stored records it was made from:
// every instance's and every network interface's, in key order. A later
// listing whose records are all byte-for-byte the same returns it as is,
// so a steady account of 1,000 instances is listed without decoding,
// copying or looking up any of them.

type listing struct {
	inst, eni []record
	shown     []*Instance // read only: shared by every request that gets it

	resOnce sync.Once
	res     []*Reservation // shown, grouped: made once, then shared
}

// reservations returns the listing's instances grouped into reservations,
// made once per listing. Each keeps its rendered element, so a listing of
// all instances writes a few cached elements rather than one per instance.
func (l *listing) reservations() []*Reservation {
	l.resOnce.Do(func() {
		l.res = group(l.shown)
		for _, r := range l.res {
			r.rendered = &renderedReservation{}
		}
	})
	return l.res
}

// renderedReservation is a reservation's element as first written.
type renderedReservation struct {
	once sync.Once
	name string
	xml  []byte
	ok   bool
}

// AppendXML implements xmlenc.Appender: a reservation of a listing (whose
// instances never change) is rendered once.
func (r *Reservation) AppendXML(b []byte, name string) ([]byte, bool) {
	c := r.rendered
	if c == nil {
		return b, false
	}
	c.once.Do(func() {
		c.name = name
		c.xml, c.ok = xmlenc.AppendPlain(nil, r, name)
	})
	if !c.ok || c.name != name {
		return b, false
	}
	return append(b, c.xml...), true
}

type record struct{ k, v []byte }

// listInstances returns every instance of the scope, shown, in a listing.
// The listing and its instances are shared: callers must not modify them.
func (s *Service) listInstances(tx store.Tx, sc scope) (*listing, error) {
	var last *listing
	if l, ok := s.listings.Load(sc); ok {
		last = l.(*listing)
	}
	var lastInst, lastENI []record
	if last != nil {
		lastInst, lastENI = last.inst, last.eni
	}
	inst, sameInst, err := scanRecords(tx, sc, "i-", lastInst)
	if err != nil {
		return nil, err
	}
	eni, sameENI, err := scanRecords(tx, sc, "eni-", lastENI)
	if err != nil {
		return nil, err
	}
	if last != nil && sameInst && sameENI {
		return last, nil
	}
	// Build from the records just read rather than scanning again.
	all := make([]*Instance, 0, len(inst))
	for _, r := range inst {
		i, raw, err := decodeCached[Instance](r.k, r.v)
		if err != nil {
			return nil, fmt.Errorf("ec2: decoding %s: %w", r.k, err)
		}
		i.xmlSrc = [][]byte{raw}
		all = append(all, i)
	}
	enis := make(map[string]viewed[NetworkInterface], len(eni))
	base := len(resKey(sc.acct, sc.region, ""))
	for _, r := range eni {
		if err := addView(enis, base, r.k, r.v); err != nil {
			return nil, err
		}
	}
	if err := s.showWith(tx, sc, all, enis); err != nil {
		return nil, err
	}
	l := &listing{inst: inst, eni: eni, shown: all}
	if len(all) == 0 {
		s.listings.Delete(sc) // nothing to keep for a scope without instances
		return l, nil
	}
	s.listings.Store(sc, l)
	return l, nil
}

// scanRecords reads the scope's records whose ids start with prefix and
// reports whether they are exactly last. Records equal to last's entries
// share their bytes; others are copied out of the transaction.
func scanRecords(tx store.Tx, sc scope, prefix string, last []record) ([]record, bool, error) {
	var out []record
	same, n := true, 0
	err := tx.Scan(tRes, resKey(sc.acct, sc.region, prefix), nil, func(k, v []byte) (bool, error) {
		if same && n < len(last) && bytes.Equal(last[n].k, k) && bytes.Equal(last[n].v, v) {
			n++
			return true, nil
		}
		if same {
			same = false
			out = append(make([]record, 0, max(len(last), n+1)), last[:n]...)
		}
		out = append(out, record{bytes.Clone(k), bytes.Clone(v)})
		n++
		return true, nil
	})
	if same && n != len(last) {
		same, out = false, last[:n:n]
	}
	if same {
		out = last
	}
	return out, same, err
}

// scanENIsFrom is how many instances make showInstances read every
// network interface of the scope in one scan instead of one by one.
const scanENIsFrom = 32

// viewed is a record read through the cache, with its stored bytes.
type viewed[T any] struct {
	v   *T // shared with the cache: copy before changing
	raw []byte
}

// scanViews reads every record of the scope whose id starts with prefix,
// through the cache, keyed by id.
func scanViews[T any](tx store.Tx, sc scope, prefix string) (map[string]viewed[T], error) {
	out := map[string]viewed[T]{}
	base := len(resKey(sc.acct, sc.region, ""))
	err := tx.Scan(tRes, resKey(sc.acct, sc.region, prefix), nil, func(k, v []byte) (bool, error) {
		return true, addView(out, base, k, v)
	})
	return out, err
}

// addView decodes the record k (its id after base bytes of scope) into out.
func addView[T any](out map[string]viewed[T], base int, k, v []byte) error {
	t, raw, err := decodeCached[T](k, v)
	if err != nil {
		return fmt.Errorf("ec2: decoding %s: %w", k[base:], err)
	}
	out[string(k[base:])] = viewed[T]{t, raw}
	return nil
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
		case f.Name == "ip-address", f.Name == "dns-name", strings.HasPrefix(f.Name, "network-interface.addresses.association"),
			f.Name == "network-interface.addresses.private-ip-address":
			return true
		}
	}
	return false
}
