package linux

import (
	"os/exec"
	"testing"

	"github.com/vishvananda/netlink"
)

// TestNewLinksCarryAtOnce checks that when Apply returns, both ends of every new veth have
// left the kernel's linkwatch queue (operstate UP, queueing discipline active), so that the
// first packets sent into them, such as a router's first ARP request for a new instance
// and its reply, are not dropped. The links are read with a dump, which, unlike a read of
// one link, does not run pending linkwatch work itself. Without settle, one end was still
// down in about half of the rounds.
func TestNewLinksCarryAtOnce(t *testing.T) {
	tb := newTestbed(t)
	v := newVPC(tb)
	for round := range 5 {
		tb.apply(v.state())
		for _, ns := range []string{v.i1, v.i2, v.router} {
			for _, l := range dumpLinks(t, ns) {
				if l.Type() == "veth" && l.Attrs().OperState != netlink.OperUp {
					t.Errorf("round %d: %s/%s is %s right after apply, want up", round, ns, l.Attrs().Name, l.Attrs().OperState)
				}
			}
		}
		// Gone instances: the next apply makes their namespaces and both ends again.
		for _, ns := range []string{v.i1, v.i2} {
			if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
				t.Fatalf("ip netns del %s: %v: %s", ns, err, out)
			}
		}
	}
}

func dumpLinks(t *testing.T, ns string) []netlink.Link {
	t.Helper()
	fd, err := openNamespace(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	h, err := netlink.NewHandleAt(fd)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	links, err := h.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	return links
}
