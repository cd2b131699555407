package e2e

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dxsdk "github.com/aws/aws-sdk-go-v2/service/directconnect"
	dxtypes "github.com/aws/aws-sdk-go-v2/service/directconnect/types"
)

// dxClient is a Direct Connect client of the plane.
func (p *plane) dxClient() *dxsdk.Client {
	return dxsdk.New(dxsdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.url),
		Credentials: credentials.NewStaticCredentialsProvider("123456789012", "secret", "")})
}

// TestDirectConnectBGP runs a private virtual interface on a Direct Connect gateway
// associated with a VPC's virtual private gateway: the cross-connect from the VPC's
// router to the customer's router (the interface's namespace), where FRR's bgpd peers
// with vpcd's speaker over the interface's addresses with its MD5 key and advertises the
// customer's LAN. The LAN is propagated (DescribeRouteTables), the interface goes
// available with its BGP peer up, the customer learns the VPC's CIDR, and TCP flows both
// ways between an instance and the LAN; the session shut, the interface goes down and the
// route leaves.
func TestDirectConnectBGP(t *testing.T) {
	requireDataplane(t)
	requireFRR(t)
	p := startPlane(t)
	const vpcCIDR, lan, lanHost = "10.81.0.0/16", "172.24.0.0/24", "172.24.0.1"
	const customerASN = 65081
	vpc := p.vpc(vpcCIDR)
	sub := p.subnet(vpc, "10.81.1.0/24")
	grp := p.group(vpc, "from-dx")
	p.allowIn(grp, perm("tcp", 8080, 8080, "172.16.0.0/12"))
	vgw := p.vpnGateway(vpc)
	rtb := p.mainRouteTable(vpc)
	a := p.launch(sub, []string{grp})

	dx := p.dxClient()
	conn, err := dx.CreateConnection(p.ctx, &dxsdk.CreateConnectionInput{Location: aws.String("EqDC2"), Bandwidth: aws.String("1Gbps"), ConnectionName: aws.String("dx-e2e")})
	p.check("CreateConnection", err)
	gw, err := dx.CreateDirectConnectGateway(p.ctx, &dxsdk.CreateDirectConnectGatewayInput{DirectConnectGatewayName: aws.String("dx-e2e"), AmazonSideAsn: aws.Int64(64581)})
	p.check("CreateDirectConnectGateway", err)
	gwID := gw.DirectConnectGateway.DirectConnectGatewayId
	assoc, err := dx.CreateDirectConnectGatewayAssociation(p.ctx, &dxsdk.CreateDirectConnectGatewayAssociationInput{DirectConnectGatewayId: gwID, VirtualGatewayId: aws.String(vgw)})
	p.check("CreateDirectConnectGatewayAssociation", err)
	vif, err := dx.CreatePrivateVirtualInterface(p.ctx, &dxsdk.CreatePrivateVirtualInterfaceInput{ConnectionId: conn.ConnectionId,
		NewPrivateVirtualInterface: &dxtypes.NewPrivateVirtualInterface{VirtualInterfaceName: aws.String("dx-e2e"), Vlan: 101, Asn: customerASN,
			DirectConnectGatewayId: gwID}})
	p.check("CreatePrivateVirtualInterface", err)
	id := aws.ToString(vif.VirtualInterfaceId)
	t.Cleanup(func() {
		dx.DeleteVirtualInterface(p.ctx, &dxsdk.DeleteVirtualInterfaceInput{VirtualInterfaceId: aws.String(id)})
		dx.DeleteDirectConnectGatewayAssociation(p.ctx, &dxsdk.DeleteDirectConnectGatewayAssociationInput{AssociationId: assoc.DirectConnectGatewayAssociation.AssociationId})
		dx.DeleteDirectConnectGateway(p.ctx, &dxsdk.DeleteDirectConnectGatewayInput{DirectConnectGatewayId: gwID})
		dx.DeleteConnection(p.ctx, &dxsdk.DeleteConnectionInput{ConnectionId: conn.ConnectionId})
	})
	amazon, customer := netip.MustParsePrefix(aws.ToString(vif.AmazonAddress)), netip.MustParsePrefix(aws.ToString(vif.CustomerAddress))
	if aws.ToInt64(vif.AmazonSideAsn) != 64581 || aws.ToString(vif.AuthKey) == "" {
		t.Fatalf("interface: Amazon ASN %d, key %q", aws.ToInt64(vif.AmazonSideAsn), aws.ToString(vif.AuthKey))
	}

	// The customer's router: its LAN's address on lo, its route to the VPC (bgpd runs
	// without zebra and installs nothing), bgpd with the interface's peer and key.
	ns := "vpcd-" + id
	p.eventually("the customer's router "+ns, func() bool { return hasNamespace(t, ns) })
	ip(t, ns, "addr", "add", lanHost+"/32", "dev", "lo")
	ip(t, ns, "route", "add", vpcCIDR, "via", amazon.Addr().String(), "src", lanHost)
	cust := &site{p: p, name: ns, dir: t.TempDir()}
	conf := strings.Join([]string{"frr defaults traditional", "hostname dx", "log stdout informational", "!",
		fmt.Sprintf("router bgp %d", customerASN), " bgp router-id " + customer.Addr().String(), " no bgp ebgp-requires-policy", " no bgp network import-check",
		fmt.Sprintf(" neighbor %s remote-as %d", amazon.Addr(), aws.ToInt64(vif.AmazonSideAsn)),
		fmt.Sprintf(" neighbor %s password %s", amazon.Addr(), aws.ToString(vif.AuthKey)),
		fmt.Sprintf(" neighbor %s timers 10 30", amazon.Addr()), fmt.Sprintf(" neighbor %s timers connect 2", amazon.Addr()),
		" address-family ipv4 unicast", "  network " + lan, " exit-address-family", "!"}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(cust.dir, "bgpd.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cust.startBgpd(ns)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("router:\n%s\ncustomer:\n%s", ip(t, routerNamespace(vpc), "route", "show", "table", "all"), ip(t, ns, "addr"))
			t.Logf("customer's BGP:\n%s", cust.vtysh("show bgp summary"))
			b, _ := os.ReadFile(filepath.Join(p.dataDir, "bgp", vpc+".log"))
			t.Logf("speaker:\n%s", b)
		}
	})
	state := func() (string, string) {
		out, err := dx.DescribeVirtualInterfaces(p.ctx, &dxsdk.DescribeVirtualInterfacesInput{VirtualInterfaceId: aws.String(id)})
		p.check("DescribeVirtualInterfaces", err)
		v := out.VirtualInterfaces[0]
		return string(v.VirtualInterfaceState), string(v.BgpPeers[0].BgpStatus)
	}
	took := p.within(tunnelWait, "the interface available, its BGP peer up", func() bool {
		s, b := state()
		return s == "available" && b == "up"
	})
	t.Logf("BGP established %v after the customer's bgpd started", took)
	p.within(converge, "the customer's LAN propagated", func() bool { return slices.Equal(p.propagated(rtb), []string{lan + " " + vgw}) })
	p.within(converge, "the customer learns the VPC's CIDR", func() bool { return slices.Contains(cust.learned(), vpcCIDR) })

	p.serveOn(ns, "tcp-serve", lanHost, 8080, "dx")
	p.passes(tcp(a.ID, lanHost, 8080))
	p.serve(a.ID, "tcp-serve", 8080, "a")
	p.passes(flow{from: ns, proto: "tcp", dst: a.IP, port: 8080, src: lanHost})

	// The session shut: the interface goes down, the route leaves.
	shut := time.Now()
	cust.vtysh("configure terminal", fmt.Sprintf("router bgp %d", customerASN), "neighbor "+amazon.Addr().String()+" shutdown")
	p.within(converge, "the interface down, its route gone", func() bool {
		s, b := state()
		return s == "down" && b == "down" && len(p.propagated(rtb)) == 0
	})
	t.Logf("down %v after the customer shut the session", time.Since(shut).Round(10*time.Millisecond))
}
