package plan

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"vpcd/internal/model"
)

// dxNetwork is vpnNetwork with a private virtual interface to its gateway whose session
// learned lan (nil: the session is down).
func dxNetwork(lan []string) *model.Network {
	n := vpnNetwork(true, true)
	v := &model.DxVirtualInterface{ID: "dxvif-abcd1234", Connection: "dxcon-abcd1234", Vlan: 101, Gateway: "vgw-00000000000000001",
		AmazonSideAsn: 64512, CustomerAsn: 65000, AmazonAddress: netip.MustParsePrefix("169.254.7.1/30"), CustomerAddress: netip.MustParsePrefix("169.254.7.2/30")}
	for _, p := range lan {
		v.Learned = append(v.Learned, model.BgpRoute{Prefix: netip.MustParsePrefix(p)})
	}
	n.DxVirtualInterfaces[v.ID] = v
	return n
}

// TestComputeDxVirtualInterface checks the cross-connect's layout (a veth from the router
// to the customer's router, delivering to the local table) and that a route learned over
// it wins over the VPN connection's route to the same prefix, and goes when the session
// does.
func TestComputeDxVirtualInterface(t *testing.T) {
	st := Compute(dxNetwork([]string{"172.20.0.0/24", "172.21.0.0/16"}), Internet)
	var customer *Namespace
	for i := range st.Namespaces {
		if st.Namespaces[i].Name == "vpcd-dxvif-abcd1234" {
			customer = &st.Namespaces[i]
		}
	}
	if customer == nil || !customer.Guest || len(customer.Links) != 2 || customer.Links[1].Name != "vlan101" ||
		customer.Links[1].Peer != (LinkEnd{Namespace: RouterNamespace("vpc-00000000000000001"), Name: "xabcd1234"}) ||
		!slices.Equal(customer.Links[1].Addrs, []netip.Prefix{netip.MustParsePrefix("169.254.7.2/30")}) {
		t.Fatalf("customer's router %+v", customer)
	}
	if !Owned(customer.Name) {
		t.Errorf("%s is not owned", customer.Name)
	}
	want := Route{Type: RouteUnicast, Dev: "xabcd1234", Gateway: netip.MustParseAddr("169.254.7.2")}
	for _, dst := range []string{"172.20.0.0/24", "172.21.0.0/16"} {
		r, ok := routeTo(st, firstTable, dst)
		if !ok || r.Type != want.Type || r.Dev != want.Dev || r.Gateway != want.Gateway {
			t.Errorf("main table: route to %s %+v (found %v), want %+v", dst, r, ok, want)
		}
	}
	// The public table's own static route to the gateway takes the interface too: the
	// gateway prefers what Direct Connect learned.
	if r, _ := routeTo(st, firstTable+1, "172.20.0.0/24"); r.Dev != want.Dev || r.Gateway != want.Gateway {
		t.Errorf("public table: route %+v, want %+v", r, want)
	}
	down := Compute(dxNetwork(nil), Internet)
	for _, table := range []int{firstTable, firstTable + 1} {
		if r, _ := routeTo(down, table, "172.20.0.0/24"); r.Dev != tunnelLink("vpn-00000000000000001", 0) {
			t.Errorf("session down: table %d: route %+v, want the VPN's", table, r)
		}
	}
	if _, ok := routeTo(down, firstTable, "172.21.0.0/16"); ok {
		t.Errorf("session down: a route to 172.21.0.0/16 stays")
	}
	p := NewPlanner(Host{})
	n := dxNetwork([]string{"172.21.0.0/16"})
	p.PlanAll(Index(n))
	if got, want := p.State(), Compute(n, Internet); !reflect.DeepEqual(got, want) {
		t.Fatalf("planner and Compute differ:\n%s\n---\n%s", got.String(), want.String())
	}
}
