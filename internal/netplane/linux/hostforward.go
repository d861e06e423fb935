package linux

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"github.com/google/nftables/xt"
	"golang.org/x/sys/unix"
)

// The host's forward filter in InternetHost mode. What the internet
// namespace sends to the world, and the replies, cross the host's forward
// hook. On a host running Docker, the FORWARD chain of iptables' table
// ip filter has policy drop, and in nftables an accept in gureum's own
// table cannot override a drop in another table. So gureum adds the two
// rules a host's administrator would add, and no others:
//
//	iifname "gi-…" accept                                  (to the world)
//	oifname "gi-…" ct state related,established accept     (replies)
//
// They go at the top of the DOCKER-USER chain of table ip filter, the
// chain Docker keeps for its users and jumps to first from FORWARD; on a
// host without DOCKER-USER, at the top of that table's FORWARD chain if
// its policy is drop; otherwise nowhere (nothing there drops). Each rule's
// comment names gureum, the host link and the prefix: that is how
// EnsureInternet keeps exactly one of each and how DeleteInternet finds
// them again, even after a restart. Nothing else in the table is read
// beyond those two chains or changed.
//
// The table belongs to iptables-nft, which must still read it: iptables
// 1.8 calls a table with nft's native ct expression "incompatible" and
// then refuses to list or change it (and Docker changes it when it
// starts). So the reply rule uses the xtables conntrack match, as
// `iptables -m conntrack --ctstate RELATED,ESTABLISHED` does. Hosts whose
// iptables is iptables-legacy keep their rules outside nftables; gureum
// does not see or change them.

// Names in iptables' filter table.
const (
	filterTableName   = "filter"
	dockerUserChain   = "DOCKER-USER"
	filterForwardName = "FORWARD"
)

// xtConntrackState is XT_CONNTRACK_STATE, the conntrack match's flag for
// matching the state.
const xtConntrackState = 1

// forwardRule is one of gureum's rules in the host's forward filter.
type forwardRule struct {
	comment string
	exprs   []expr.Any
}

// hostForwardRules returns the accept rules for the host link named link
// of the dataplane with this prefix.
func hostForwardRules(prefix, link string) []forwardRule {
	comment := func(dir string) string {
		c := "gureum " + dir + " " + link + ", internet of " + prefix
		if len(c) > maxComment {
			c = c[:maxComment]
		}
		return c
	}
	ifname := func(key expr.MetaKey) []expr.Any {
		name := make([]byte, unix.IFNAMSIZ)
		copy(name, link)
		return []expr.Any{
			&expr.Meta{Key: key, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: name},
		}
	}
	accept := []expr.Any{&expr.Counter{}, &expr.Verdict{Kind: expr.VerdictAccept}}
	established := &expr.Match{Name: "conntrack", Rev: 3, Info: &xt.ConntrackMtinfo3{
		ConntrackMtinfo2: xt.ConntrackMtinfo2{
			ConntrackMtinfoBase: xt.ConntrackMtinfoBase{MatchFlags: xtConntrackState},
			StateMask:           uint16(ctEstablished | ctRelated),
		},
	}}
	return []forwardRule{
		{comment: comment("accepts from"), exprs: append(ifname(expr.MetaKeyIIFNAME), accept...)},
		{comment: comment("accepts replies to"), exprs: append(append(ifname(expr.MetaKeyOIFNAME), established), accept...)},
	}
}

// syncHostForward makes gureum's accept rules for the host link exist
// exactly once, at the top of the chain chosen as above, when want is
// true, and not at all when want is false, in the namespace at path (the
// host's, or a test's). Rules of gureum's found elsewhere or differing
// from what is wanted are deleted; all changes are one batch. It returns
// the chain that holds the rules ("" if none) and whether it changed
// anything.
func syncHostForward(path, prefix, link string, want bool) (chain string, changed bool, err error) {
	// Another program (iptables-nft, Docker) may delete a rule between
	// listing and the batch; then the batch fails as a whole and is
	// built again from a new listing. Inserting at the top needs no
	// handle, so other changes cannot make it fail.
	for attempt := 0; ; attempt++ {
		err = do(path, func() error {
			chain, changed, err = syncHostForwardOnce(prefix, link, want)
			return err
		})
		if err == nil || attempt == 2 {
			return chain, changed, err
		}
	}
}

func syncHostForwardOnce(prefix, link string, want bool) (string, bool, error) {
	c, err := nftables.New()
	if err != nil {
		return "", false, fmt.Errorf("nftables: %w", err)
	}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return "", false, fmt.Errorf("nftables: listing chains: %w", err)
	}
	var docker, forward *nftables.Chain
	for _, ch := range chains {
		if ch.Table == nil || ch.Table.Name != filterTableName {
			continue
		}
		switch ch.Name {
		case dockerUserChain:
			docker = ch
		case filterForwardName:
			forward = ch
		}
	}
	target := docker
	if target == nil && forward != nil && forward.Hooknum != nil && *forward.Hooknum == *nftables.ChainHookForward &&
		forward.Policy != nil && *forward.Policy == nftables.ChainPolicyDrop {
		target = forward
	}
	if !want {
		target = nil
	}
	wanted := hostForwardRules(prefix, link)
	found := make([]bool, len(wanted))
	changed := false
	for _, ch := range []*nftables.Chain{docker, forward} {
		if ch == nil {
			continue
		}
		rules, err := c.GetRules(ch.Table, ch)
		if err != nil {
			return "", false, fmt.Errorf("nftables: listing ip %s %s: %w", filterTableName, ch.Name, err)
		}
		for _, r := range rules {
			cm, ok := userdata.GetString(r.UserData, userdata.TypeComment)
			if !ok {
				continue
			}
			i := -1
			for j, w := range wanted {
				if w.comment == cm {
					i = j
				}
			}
			if i < 0 {
				continue
			}
			if ch == target && !found[i] && exprsString(r.Exprs) == exprsString(wanted[i].exprs) {
				found[i] = true
				continue
			}
			if err := c.DelRule(r); err != nil {
				return "", false, fmt.Errorf("nftables: %w", err)
			}
			changed = true
		}
	}
	if target != nil {
		// Inserted one by one at the top; the order among gureum's own
		// rules does not matter.
		for i, w := range wanted {
			if found[i] {
				continue
			}
			c.InsertRule(&nftables.Rule{
				Table: target.Table, Chain: target, Exprs: w.exprs,
				UserData: userdata.AppendString(nil, userdata.TypeComment, w.comment),
			})
			changed = true
		}
	}
	if changed {
		if err := c.Flush(); err != nil {
			return "", false, fmt.Errorf("nftables: ip %s: %w", filterTableName, err)
		}
	}
	if target == nil {
		return "", changed, nil
	}
	return target.Name, changed, nil
}

// exprsString renders the expressions of gureum's forward rules (and
// enough of any other rule) to compare a rule read from the kernel with
// the wanted one; counters' values do not count.
func exprsString(ex []expr.Any) string {
	var b strings.Builder
	for _, e := range ex {
		switch e := e.(type) {
		case *expr.Meta:
			fmt.Fprintf(&b, "meta %d %v %d; ", e.Key, e.SourceRegister, e.Register)
		case *expr.Cmp:
			fmt.Fprintf(&b, "cmp %d %d %x; ", e.Op, e.Register, e.Data)
		case *expr.Counter:
			b.WriteString("counter; ")
		case *expr.Verdict:
			fmt.Fprintf(&b, "verdict %d %s; ", e.Kind, e.Chain)
		case *expr.Match:
			fmt.Fprintf(&b, "match %s %d", e.Name, e.Rev)
			if ct, ok := e.Info.(*xt.ConntrackMtinfo3); ok {
				// Addresses read back are zeroes where the wanted
				// rule has none: compare whether any is set.
				addrs := false
				for _, a := range [][]byte{ct.OrigSrcAddr, ct.OrigSrcMask, ct.OrigDstAddr, ct.OrigDstMask,
					ct.ReplSrcAddr, ct.ReplSrcMask, ct.ReplDstAddr, ct.ReplDstMask} {
					addrs = addrs || slices.ContainsFunc(a, func(v byte) bool { return v != 0 })
				}
				rest := *ct
				rest.OrigSrcAddr, rest.OrigSrcMask, rest.OrigDstAddr, rest.OrigDstMask = nil, nil, nil, nil
				rest.ReplSrcAddr, rest.ReplSrcMask, rest.ReplDstAddr, rest.ReplDstMask = nil, nil, nil, nil
				fmt.Fprintf(&b, " addrs=%v %+v", addrs, rest)
			} else {
				fmt.Fprintf(&b, " %T", e.Info)
			}
			b.WriteString("; ")
		default:
			fmt.Fprintf(&b, "%T; ", e)
		}
	}
	return b.String()
}
