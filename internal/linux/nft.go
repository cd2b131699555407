package linux

import (
	"fmt"

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
	case ns.Firewall != nil:
		return compileFirewall(ns.Firewall)
	}
	return nil, nil
}

// firewall makes table inet vpcd of the namespace hold the compiled ruleset, or removes
// it when the plan has none. The table is replaced whole in one batch (add, delete, add
// again with everything in it), so the kernel swaps rulesets atomically: there is no
// moment without rules, and no moment with half of them.
func (a *apply) firewall(c *nsConn, ns plan.Namespace) error {
	rs, err := compileNamespace(ns)
	if err != nil {
		return err
	}
	conn, err := nftables.New(nftables.WithNetNSFd(int(c.fd)), nftables.WithSockOptions(largeReceiveBuffer))
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	tables, err := conn.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return fmt.Errorf("list nftables tables: %w", err)
	}
	exists := false
	for _, t := range tables {
		exists = exists || t.Name == tableName
	}
	if rs == nil {
		if !exists {
			return nil
		}
		conn.DelTable(&nftables.Table{Name: tableName, Family: nftables.TableFamilyINet})
		if err := conn.Flush(); err != nil {
			return fmt.Errorf("delete table inet %s: %w", tableName, err)
		}
		a.changed(c.name, "firewall deleted")
		return nil
	}
	fp := rs.fingerprint()
	if exists && installed(conn, rs, fp) {
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
	return nil
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
