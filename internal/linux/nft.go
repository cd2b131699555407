package linux

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/userdata"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"vpcd/internal/plan"
)

// compileNamespace is the ruleset of a namespace's table inet vpcd: its firewall, or its
// NAT gateway's translation; nil for none.
func compileNamespace(ns plan.Namespace) (*ruleset, error) {
	switch {
	case ns.NatGateway != nil && ns.Firewall != nil:
		return nil, fmt.Errorf("netns %s: a NAT gateway has no firewall of its own", ns.Name)
	case ns.NatGateway != nil:
		return compileNatGateway(ns.NatGateway)
	case ns.Firewall != nil && ns.PrivateLink != nil:
		return nil, fmt.Errorf("netns %s: an endpoint interface has no firewall of its own", ns.Name)
	case ns.Firewall != nil:
		return compileFirewall(ns.Firewall)
	case ns.PrivateLink != nil:
		return compilePrivateLinkEnd(ns.PrivateLink)
	}
	return nil, nil
}

// firewall makes table inet vpcd of the namespace hold the compiled ruleset, or removes
// it when the plan has none. The table is replaced whole in one batch (add, delete, add
// again with everything in it), so the kernel swaps rulesets atomically: there is no
// moment without rules, and no moment with half of them.
//
// Reading a router's ruleset back costs a dump per chain, most of a router's reconcile:
// the ruleset's generation, which the kernel counts up with every change to any table of
// the namespace, tells instead whether the ruleset could have changed since it was last
// read back and found right, or installed (see known). When it has not, and the plan
// changed, the table is replaced without reading it back first.
func (a *apply) firewall(c *nsConn, ns plan.Namespace) error {
	rs, err := compileNamespace(ns)
	if err != nil {
		return err
	}
	fp := ""
	if rs != nil {
		fp = rs.fingerprint()
	}
	gen, genErr := generation(c)
	// known: the table holds the ruleset last, "" for none, as nothing changed it since.
	last, known := a.k.known(c, gen, genErr)
	if known && last == fp {
		return nil
	}
	conn, err := nftables.New(nftables.AsLasting(), nftables.WithNetNSFd(int(c.fd)), nftables.WithSockOptions(largeReceiveBuffer))
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	defer conn.CloseLasting()
	exists := last != ""
	if !known {
		tables, err := conn.ListTablesOfFamily(nftables.TableFamilyINet)
		if err != nil {
			return fmt.Errorf("list nftables tables: %w", err)
		}
		for _, t := range tables {
			exists = exists || t.Name == tableName
		}
	}
	if rs == nil {
		if !exists {
			a.k.rememberChecked(c, fp, gen, genErr)
			return nil
		}
		conn.DelTable(&nftables.Table{Name: tableName, Family: nftables.TableFamilyINet})
		if err := conn.Flush(); err != nil {
			return fmt.Errorf("delete table inet %s: %w", tableName, err)
		}
		a.changed(c.name, "firewall deleted")
		a.k.rememberInstalled(c, fp, gen, genErr)
		return nil
	}
	if !known && exists && installed(conn, rs, fp) {
		a.k.rememberChecked(c, fp, gen, genErr)
		return nil
	}
	// Adding an existing table is a no-op, so the delete that follows never fails.
	conn.AddTable(rs.table)
	conn.DelTable(rs.table)
	conn.AddTable(rs.table)
	for _, ch := range rs.chains {
		conn.AddChain(ch)
	}
	for _, s := range rs.sets {
		if err := conn.AddSet(s.set, s.elems); err != nil {
			return fmt.Errorf("set %s: %w", s.set.Name, err)
		}
	}
	for i, rule := range rs.rules {
		nr := &nftables.Rule{Table: rs.table, Chain: rule.chain, Exprs: rule.exprs}
		if i == 0 {
			nr.UserData = userdata.AppendString(nil, userdata.TypeComment, fp)
		}
		conn.AddRule(nr)
	}
	if err := conn.Flush(); err != nil {
		return fmt.Errorf("replace table inet %s: %w", tableName, err)
	}
	a.changed(c.name, "firewall replaced", "ruleset", fp, "rules", len(rs.rules), "sets", len(rs.sets))
	a.k.rememberInstalled(c, fp, gen, genErr)
	return nil
}

// rulesetCheck is a namespace's ruleset as last found to be the plan's: read back, or
// installed by a commit alone in its generation.
type rulesetCheck struct {
	netns uint64 // the namespace's inode: one made again under the same name is another
	fp    string // the plan's ruleset fingerprint, "" for no table
	gen   uint32 // the generation read before it was read back, or after it was installed
	at    time.Time
}

// recheck is how often a ruleset is read back even when its generation says that it
// cannot have changed: the generation is exact, but a namespace made again under the same
// name can get the same inode, and its count could meet the one remembered.
const recheck = time.Minute

// known returns the fingerprint of the ruleset that the namespace's table holds ("" for
// no table) when vpcd found it so at generation gen, less than recheck ago: nothing has
// changed it since.
func (k *Kernel) known(c *nsConn, gen uint32, genErr error) (string, bool) {
	last, ok := k.rulesets[c.name]
	if genErr != nil || !ok || last.netns != c.ino || last.gen != gen || time.Since(last.at) >= recheck {
		return "", false
	}
	return last.fp, true
}

// rememberChecked notes that the namespace's ruleset was read back and found to be fp, after
// its generation was read as gen (a change in between counts it up, and so is read back
// next time).
func (k *Kernel) rememberChecked(c *nsConn, fp string, gen uint32, genErr error) {
	if genErr != nil {
		delete(k.rulesets, c.name)
		return
	}
	k.rulesets[c.name] = rulesetCheck{netns: c.ino, fp: fp, gen: gen, at: time.Now()}
}

// rememberInstalled remembers the ruleset fp that a commit has just installed, when the
// generation shows that no other commit came between the read of gen before it and now:
// each commit counts the generation up by one. The next reconcile then need not read back
// what it installed itself.
func (k *Kernel) rememberInstalled(c *nsConn, fp string, before uint32, beforeErr error) {
	now, err := generation(c)
	next := before + 1
	if next == 0 {
		next = 1 // the kernel skips 0 when the count wraps
	}
	if beforeErr != nil || err != nil || now != next {
		delete(k.rulesets, c.name)
		return
	}
	k.rulesets[c.name] = rulesetCheck{netns: c.ino, fp: fp, gen: now, at: time.Now()}
}

// generation reads the namespace's nftables ruleset generation (NFT_MSG_GETGEN), which
// every committed change to any table of the namespace counts up.
func generation(c *nsConn) (uint32, error) {
	conn, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: int(c.fd)})
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	msgs, err := conn.Execute(netlink.Message{
		Header: netlink.Header{
			Type:  netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETGEN),
			Flags: netlink.Request,
		},
		Data: []byte{unix.AF_UNSPEC, unix.NFNETLINK_V0, 0, 0},
	})
	if err != nil {
		return 0, fmt.Errorf("nftables generation: %w", err)
	}
	for _, m := range msgs {
		if len(m.Data) < 4 {
			continue
		}
		ad, err := netlink.NewAttributeDecoder(m.Data[4:])
		if err != nil {
			return 0, err
		}
		ad.ByteOrder = binary.BigEndian
		for ad.Next() {
			if ad.Type() == unix.NFTA_GEN_ID {
				return ad.Uint32(), ad.Err()
			}
		}
	}
	return 0, fmt.Errorf("nftables generation: no NFTA_GEN_ID in the answer")
}

// installed reports whether the kernel's table has the compiled ruleset: the same
// fingerprint on its first rule, the same chains with as many rules each, as many sets. It
// does not read set elements back (one dump per set on every apply): an element removed
// by hand stays missing until the plan changes.
func installed(conn *nftables.Conn, rs *ruleset, fp string) bool {
	chains, err := conn.ListChainsOfTableFamily(nftables.TableFamilyINet)
	if err != nil {
		return false
	}
	n := 0
	for _, ch := range chains {
		if ch.Table.Name != tableName {
			continue
		}
		n++
		rules, err := conn.GetRules(rs.table, ch)
		if err != nil || len(rules) != rs.rulesIn(ch.Name) {
			return false
		}
		if ch.Name == rs.rules[0].chain.Name {
			got, _ := userdata.GetString(rules[0].UserData, userdata.TypeComment)
			if got != fp {
				return false
			}
		}
	}
	if n != len(rs.chains) {
		return false
	}
	sets, err := conn.GetSets(rs.table)
	return err == nil && len(sets) == len(rs.sets)
}

// largeReceiveBuffer lets one batch carry a whole ruleset: google/nftables has the kernel
// echo every rule it adds, and with the default buffer (~200 KB) a ruleset of a few
// hundred rules overflows it ("no buffer space available") and is not applied. As root,
// SO_RCVBUFFORCE goes past net.core.rmem_max.
func largeReceiveBuffer(c *netlink.Conn) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var sockErr error
	err = raw.Control(func(fd uintptr) {
		sockErr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 64<<20)
	})
	if err != nil {
		return err
	}
	return sockErr
}
