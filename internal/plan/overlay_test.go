package plan

import (
	"net/netip"
	"slices"
	"testing"
)

// TestOverlay checks h1's router of a VPC with an instance on h2: a VXLAN link with the
// VPC's VNI and h1's underlay address, one forwarding entry (h2's router at h2's
// underlay address), the remote instance's addresses as neighbours at h2's router's MAC,
// every route to them into the overlay, and the MTU of 1500-byte underlay on both ends
// of the local instance's link.
func TestOverlay(t *testing.T) {
	n := hostWorld()
	u1, u2 := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	p := NewPlanner(Host{ID: "h1", Underlay: map[string]netip.Addr{"h1": u1, "h2": u2}})
	p.PlanAll(Index(n))
	router := namespaceOf(t, p, RouterNamespace(vpcID(0)))
	i := slices.IndexFunc(router.Links, func(l Link) bool { return l.Name == OverlayLink })
	if i < 0 {
		t.Fatalf("no overlay link in %s", router.Name)
	}
	vx := router.Links[i]
	if vx.Kind != "vxlan" || vx.VXLAN.VNI != VNI(n, vpcID(0)) || vx.VXLAN.Local != u1 || vx.MAC != routerMAC(vpcID(0), "h1") || vx.MTU != 1450 {
		t.Errorf("overlay link %+v %+v", vx, vx.VXLAN)
	}
	if want := []FDBEntry{{MAC: routerMAC(vpcID(0), "h2"), Dst: u2}}; !slices.Equal(vx.VXLAN.FDB, want) {
		t.Errorf("FDB %v, want %v", vx.VXLAN.FDB, want)
	}
	remote := n.Interfaces["eni-"+instanceID(2)[2:]]
	if len(vx.VXLAN.Neighbours) != len(remote.Addrs()) || vx.VXLAN.Neighbours[0].Addr != remote.PrivateIPs[0] {
		t.Errorf("neighbours %v, want %v", vx.VXLAN.Neighbours, remote.Addrs())
	}
	overlaid := 0
	for _, r := range router.Routes {
		if r.Dst.Addr() == remote.PrivateIPs[0] {
			if r.Dev != OverlayLink {
				t.Errorf("route %+v to the remote instance is not through the overlay", r)
			}
			overlaid++
		}
	}
	if overlaid == 0 {
		t.Error("no route to the remote instance")
	}
	inst := namespaceOf(t, p, instanceID(1))
	if inst.Links[0].MTU != InstanceMTU(0) {
		t.Errorf("instance MTU %d, want %d", inst.Links[0].MTU, InstanceMTU(0))
	}
	for _, l := range router.Links {
		if l.Peer.Namespace == instanceID(1) && l.MTU != InstanceMTU(0) {
			t.Errorf("router's end of the instance's link has MTU %d", l.MTU)
		}
	}
	// A jumbo underlay leaves the instances at 1500.
	if InstanceMTU(9000) != 1500 || InstanceMTU(1500) != 1450 {
		t.Errorf("InstanceMTU(9000) = %d, InstanceMTU(1500) = %d", InstanceMTU(9000), InstanceMTU(1500))
	}
	// Without h2 live, nothing goes into the overlay.
	p = NewPlanner(Host{ID: "h1", Underlay: map[string]netip.Addr{"h1": u1}})
	p.PlanAll(Index(n))
	router = namespaceOf(t, p, RouterNamespace(vpcID(0)))
	for _, r := range router.Routes {
		if r.Dev == OverlayLink {
			t.Errorf("route %+v into the overlay with h2 gone", r)
		}
	}
}

// TestNamespaceSuffix checks that a simulated host names its routers and gateways
// apart, and still knows its routers for what they are.
func TestNamespaceSuffix(t *testing.T) {
	SetNamespaceSuffix(".h1")
	defer SetNamespaceSuffix("")
	name := RouterNamespace(vpcID(0))
	if name != "vpcd-"+vpcID(0)+".h1" || !Owned(name) {
		t.Errorf("RouterNamespace = %q, owned %v", name, Owned(name))
	}
	if vpc, ok := vpcOfRouter(name); !ok || vpc != vpcID(0) {
		t.Errorf("vpcOfRouter(%q) = %q, %v", name, vpc, ok)
	}
}
