package linux

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// maxComment is the longest comment kept; nft itself allows 128 bytes.
const maxComment = 127

// applyTables replaces each table in put and removes each table in drop, in
// the network namespace at path, with one atomic batch: the kernel applies
// all of it or nothing, and packets never see a half-built table.
//
// A table is replaced by "add table; delete table; add table …" in the
// batch: adding first makes the delete succeed when the table is new, and
// the delete takes chains and sets along, which a flush would leave.
func applyTables(path string, put []table, drop []table) error {
	return do(path, func() error {
		// Without AsLasting the Conn dials at Flush, on this thread and
		// so in this namespace.
		c, err := nftables.New(nftables.WithSockOptions(bigReadBuffer))
		if err != nil {
			return fmt.Errorf("nftables: %w", err)
		}
		for _, t := range drop {
			nt := &nftables.Table{Family: t.family.nft(), Name: t.name}
			c.AddTable(nt)
			c.DelTable(nt)
		}
		var setID uint32
		for _, t := range put {
			nt := &nftables.Table{Family: t.family.nft(), Name: t.name}
			c.AddTable(nt)
			c.DelTable(nt)
			c.AddTable(nt)
			ids := make(map[string]uint32, len(t.sets))
			for _, s := range t.sets {
				// Set ids only need to be unique within the batch;
				// choosing them here keeps the library from using
				// its package-wide counter.
				setID++
				ids[s.name] = setID
				ns := &nftables.Set{Table: nt, ID: setID, Name: s.name, KeyType: nftables.TypeIPAddr, Comment: s.comment}
				elems := make([]nftables.SetElement, len(s.elems))
				for i, a := range s.elems {
					elems[i] = nftables.SetElement{Key: a.AsSlice()}
				}
				if err := c.AddSet(ns, elems); err != nil {
					return fmt.Errorf("nftables: table %s set %s: %w", t.name, s.name, err)
				}
			}
			chains := make(map[string]*nftables.Chain, len(t.chains))
			for _, ch := range t.chains {
				nc := &nftables.Chain{Name: ch.name, Table: nt}
				if ch.hook != hookNone {
					nc.Type = nftables.ChainTypeFilter
					if ch.nat {
						nc.Type = nftables.ChainTypeNAT
					}
					nc.Hooknum = nftables.ChainHookRef(ch.hook.nft())
					nc.Priority = nftables.ChainPriorityRef(nftables.ChainPriority(ch.priority))
					accept := nftables.ChainPolicyAccept
					nc.Policy = &accept
				}
				chains[ch.name] = c.AddChain(nc)
			}
			for _, ch := range t.chains {
				for _, r := range ch.rules {
					ex, err := ruleExprs(r, ids)
					if err != nil {
						return fmt.Errorf("nftables: table %s chain %s: %w", t.name, ch.name, err)
					}
					nr := &nftables.Rule{Table: nt, Chain: chains[ch.name], Exprs: ex}
					if r.comment != "" {
						cm := r.comment
						if len(cm) > maxComment {
							cm = cm[:maxComment]
						}
						nr.UserData = userdata.AppendString(nil, userdata.TypeComment, cm)
					}
					c.AddRule(nr)
				}
			}
		}
		if err := c.Flush(); err != nil {
			return fmt.Errorf("nftables: %w", err)
		}
		return nil
	})
}

func (f family) nft() nftables.TableFamily {
	if f == familyBridge {
		return nftables.TableFamilyBridge
	}
	return nftables.TableFamilyINet
}

// nft returns the hook number; the bridge family numbers its hooks as the
// inet family does (NF_BR_PRE_ROUTING = NF_INET_PRE_ROUTING …).
func (h hookKind) nft() nftables.ChainHook {
	switch h {
	case hookPrerouting:
		return unix.NF_INET_PRE_ROUTING
	case hookPostrouting:
		return unix.NF_INET_POST_ROUTING
	}
	return unix.NF_INET_FORWARD
}

// ruleExprs compiles a rule to nftables expressions; ids maps the table's
// set names to their ids in the batch.
func ruleExprs(r rule, ids map[string]uint32) ([]expr.Any, error) {
	var ex []expr.Any
	for _, m := range r.match {
		e, err := matchExprs(m, ids)
		if err != nil {
			return nil, err
		}
		ex = append(ex, e...)
	}
	ex = append(ex, &expr.Counter{})
	switch r.verdict.kind {
	case verdictAccept:
		ex = append(ex, &expr.Verdict{Kind: expr.VerdictAccept})
	case verdictDrop:
		ex = append(ex, &expr.Verdict{Kind: expr.VerdictDrop})
	case verdictReturn:
		ex = append(ex, &expr.Verdict{Kind: expr.VerdictReturn})
	case verdictJump:
		ex = append(ex, &expr.Verdict{Kind: expr.VerdictJump, Chain: r.verdict.chain})
	case verdictSNAT, verdictDNAT:
		if !r.verdict.addr.Is4() {
			return nil, fmt.Errorf("NAT address %v is not IPv4", r.verdict.addr)
		}
		typ := expr.NATTypeSourceNAT
		if r.verdict.kind == verdictDNAT {
			typ = expr.NATTypeDestNAT
		}
		ex = append(ex,
			&expr.Immediate{Register: 1, Data: r.verdict.addr.AsSlice()},
			&expr.NAT{Type: typ, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegAddrMax: 1})
	case verdictMasquerade:
		ex = append(ex, &expr.Masq{})
	}
	return ex, nil
}

// cmpOp returns the comparison for a match that may be negated.
func cmpOp(neg bool) expr.CmpOp {
	if neg {
		return expr.CmpOpNeq
	}
	return expr.CmpOpEq
}

// ipOffset is the offset of the source or destination address in the
// IPv4 header.
func ipOffset(dst bool) uint32 {
	if dst {
		return 16
	}
	return 12
}

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// matchExprs compiles one match; everything loads into register 1.
func matchExprs(m match, ids map[string]uint32) ([]expr.Any, error) {
	switch m := m.(type) {
	case matchIPv4:
		return []expr.Any{
			&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.NFPROTO_IPV4}},
		}, nil
	case matchIP:
		if !m.prefix.Addr().Is4() {
			return nil, fmt.Errorf("address %v is not IPv4", m.prefix)
		}
		ex := []expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: ipOffset(m.dst), Len: 4}}
		if m.prefix.Bits() < 32 {
			mask := netip.PrefixFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), m.prefix.Bits()).Masked().Addr().AsSlice()
			ex = append(ex, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: make([]byte, 4)})
		}
		return append(ex, &expr.Cmp{Op: cmpOp(m.neg), Register: 1, Data: m.prefix.Masked().Addr().AsSlice()}), nil
	case matchIPSet:
		id, ok := ids[m.set]
		if !ok {
			return nil, fmt.Errorf("set %s is not in the table", m.set)
		}
		return []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: ipOffset(m.dst), Len: 4},
			&expr.Lookup{SourceRegister: 1, SetName: m.set, SetID: id},
		}, nil
	case matchL4Proto:
		return []expr.Any{
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{m.proto}},
		}, nil
	case matchDport:
		ex := []expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2}}
		if m.lo == m.hi {
			return append(ex, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: be16(m.lo)}), nil
		}
		return append(ex, &expr.Range{Op: expr.CmpOpEq, Register: 1, FromData: be16(m.lo), ToData: be16(m.hi)}), nil
	case matchICMP:
		off := uint32(0)
		if m.code {
			off = 1
		}
		return []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{m.v}},
		}, nil
	case matchCtState:
		return []expr.Any{
			&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: binaryutil.NativeEndian.PutUint32(m.bits), Xor: make([]byte, 4)},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)},
		}, nil
	case matchIfname:
		key := expr.MetaKeyIIFNAME
		if m.out {
			key = expr.MetaKeyOIFNAME
		}
		name := make([]byte, unix.IFNAMSIZ)
		copy(name, m.name)
		return []expr.Any{
			&expr.Meta{Key: key, Register: 1},
			&expr.Cmp{Op: cmpOp(m.neg), Register: 1, Data: name},
		}, nil
	case matchEtherSrc:
		if len(m.mac) != 6 {
			return nil, fmt.Errorf("MAC %v", m.mac)
		}
		return []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseLLHeader, Offset: 6, Len: 6},
			&expr.Cmp{Op: cmpOp(m.neg), Register: 1, Data: []byte(m.mac)},
		}, nil
	case matchProto:
		return []expr.Any{
			&expr.Meta{Key: expr.MetaKeyPROTOCOL, Register: 1},
			&expr.Cmp{Op: cmpOp(m.neg), Register: 1, Data: be16(m.etherType)},
		}, nil
	case matchARPSender:
		// The sender IP follows htype, ptype, hlen, plen, oper and the
		// 6-byte sender MAC of an Ethernet/IPv4 ARP packet.
		return []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 14, Len: 4},
			&expr.Cmp{Op: cmpOp(m.neg), Register: 1, Data: m.addr.AsSlice()},
		}, nil
	}
	return nil, fmt.Errorf("unknown match %T", m)
}

// bigReadBuffer gives the netlink socket 16 MiB buffers. Receive:
// google/nftables v0.3.0 asks the kernel to acknowledge every message of a
// batch, and for a VPC with a few dozen members the acknowledgements
// overflow the default buffer (ENOBUFS) though the kernel applied the
// batch. (Upstream stopped asking for them after v0.3.0, the newest
// version the module proxy has.) Send: the whole batch is one sendmsg.
func bigReadBuffer(c *netlink.Conn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 16<<20)
		if serr == nil {
			// and the batch goes in one sendmsg: it must fit too.
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 16<<20)
		}
	}); err != nil {
		return err
	}
	return serr
}
