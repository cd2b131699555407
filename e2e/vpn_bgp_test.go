package e2e

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// frrBgpd is FRR's BGP daemon (Debian package frr), the customer's router in the sites.
const frrBgpd = "/usr/lib/frr/bgpd"

// requireFRR skips a test that needs FRR's bgpd and vtysh.
func requireFRR(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(frrBgpd); err != nil {
		t.Skip("FRR not installed: the customer's BGP router needs bgpd and vtysh (package frr)")
	}
	if _, err := exec.LookPath("vtysh"); err != nil {
		t.Skip("vtysh not installed (package frr)")
	}
}

// dynamicVpnConnection makes a VPN connection routed by BGP from the gateway to a
// customer gateway at publicIP with ASN asn, and deletes both when the test ends.
func (p *plane) dynamicVpnConnection(vgw, publicIP string, asn int32) string {
	p.t.Helper()
	cgw, err := p.ec2.CreateCustomerGateway(p.ctx, &ec2sdk.CreateCustomerGatewayInput{Type: types.GatewayTypeIpsec1, PublicIp: aws.String(publicIP), BgpAsn: aws.Int32(asn)})
	p.check("CreateCustomerGateway", err)
	vpn, err := p.ec2.CreateVpnConnection(p.ctx, &ec2sdk.CreateVpnConnectionInput{Type: aws.String("ipsec.1"), CustomerGatewayId: cgw.CustomerGateway.CustomerGatewayId,
		VpnGatewayId: aws.String(vgw)})
	p.check("CreateVpnConnection", err)
	id := aws.ToString(vpn.VpnConnection.VpnConnectionId)
	p.t.Cleanup(func() {
		p.ec2.DeleteVpnConnection(p.ctx, &ec2sdk.DeleteVpnConnectionInput{VpnConnectionId: aws.String(id)})
		p.ec2.DeleteCustomerGateway(p.ctx, &ec2sdk.DeleteCustomerGatewayInput{CustomerGatewayId: cgw.CustomerGateway.CustomerGatewayId})
	})
	return id
}

// vpnGateway makes a virtual private gateway attached to vpc, with the main route table
// propagating its routes, and removes it when the test ends.
func (p *plane) vpnGateway(vpc string) string {
	p.t.Helper()
	out, err := p.ec2.CreateVpnGateway(p.ctx, &ec2sdk.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1})
	p.check("CreateVpnGateway", err)
	vgw := aws.ToString(out.VpnGateway.VpnGatewayId)
	_, err = p.ec2.AttachVpnGateway(p.ctx, &ec2sdk.AttachVpnGatewayInput{VpnGatewayId: aws.String(vgw), VpcId: aws.String(vpc)})
	p.check("AttachVpnGateway", err)
	p.t.Cleanup(func() {
		p.ec2.DetachVpnGateway(p.ctx, &ec2sdk.DetachVpnGatewayInput{VpnGatewayId: aws.String(vgw), VpcId: aws.String(vpc)})
		p.ec2.DeleteVpnGateway(p.ctx, &ec2sdk.DeleteVpnGatewayInput{VpnGatewayId: aws.String(vgw)})
	})
	_, err = p.ec2.EnableVgwRoutePropagation(p.ctx, &ec2sdk.EnableVgwRoutePropagationInput{RouteTableId: aws.String(p.mainRouteTable(vpc)), GatewayId: aws.String(vgw)})
	p.check("EnableVgwRoutePropagation", err)
	return vgw
}

// mainRouteTable is the VPC's main route table.
func (p *plane) mainRouteTable(vpc string) string {
	p.t.Helper()
	tables, err := p.ec2.DescribeRouteTables(p.ctx, &ec2sdk.DescribeRouteTablesInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("association.main"), Values: []string{"true"}}}})
	p.check("DescribeRouteTables", err)
	return aws.ToString(tables.RouteTables[0].RouteTableId)
}

// runFRR writes the site's FRR bgpd from the connection's customer gateway configuration
// (testdata/vpn/site-frr.py) and runs it in the site, advertising prefixes. runStrongSwan
// comes first, with its "bgp" option, which puts the tunnels' inside addresses on the
// site.
func (s *site) runFRR(vpn string, prefixes ...string) {
	p := s.p
	p.t.Helper()
	out, err := p.ec2.DescribeVpnConnections(p.ctx, &ec2sdk.DescribeVpnConnectionsInput{VpnConnectionIds: []string{vpn}})
	p.check("DescribeVpnConnections", err)
	gen := exec.Command("python3", append([]string{"testdata/vpn/site-frr.py", s.dir}, prefixes...)...)
	gen.Stdin = strings.NewReader(aws.ToString(out.VpnConnections[0].CustomerGatewayConfiguration))
	if b, err := gen.CombinedOutput(); err != nil {
		p.t.Fatalf("site-frr.py: %v: %s", err, b)
	}
	s.startBgpd("site:" + s.name)
}

// startBgpd runs FRR's bgpd with the site's DIR/bgpd.conf in the namespace where (as
// `vpcd exec` names it), without zebra, until the test ends.
func (s *site) startBgpd(where string) {
	s.p.t.Helper()
	s.daemon("bgpd", where, "bgpd.vty", frrBgpd, "-f", filepath.Join(s.dir, "bgpd.conf"), "-i", filepath.Join(s.dir, "bgpd.pid"),
		"-z", filepath.Join(s.dir, "zserv.api"), "--vty_socket", s.dir, "-Z", "-n", "-S", "-p", "0")
}

// vtysh runs vtysh commands against the site's bgpd.
func (s *site) vtysh(cmds ...string) string {
	args := []string{"--vty_socket", s.dir, "-d", "bgpd"}
	for _, c := range cmds {
		args = append(args, "-c", c)
	}
	out, err := exec.Command("vtysh", args...).CombinedOutput()
	if err != nil {
		s.p.t.Fatalf("vtysh %v: %v: %s", cmds, err, out)
	}
	return string(out)
}

// learned are the prefixes in the site's BGP table.
func (s *site) learned() []string {
	var table struct {
		Routes map[string]json.RawMessage `json:"routes"`
	}
	if err := json.Unmarshal([]byte(s.vtysh("show bgp ipv4 unicast json")), &table); err != nil {
		s.p.t.Fatalf("show bgp ipv4 unicast json: %v", err)
	}
	var out []string
	for p := range table.Routes {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// propagated are the route table's routes propagated from a gateway, "DST GATEWAY".
func (p *plane) propagated(rtb string) []string {
	p.t.Helper()
	out, err := p.ec2.DescribeRouteTables(p.ctx, &ec2sdk.DescribeRouteTablesInput{RouteTableIds: []string{rtb}})
	p.check("DescribeRouteTables", err)
	var routes []string
	for _, r := range out.RouteTables[0].Routes {
		if r.Origin == types.RouteOriginEnableVgwRoutePropagation {
			routes = append(routes, aws.ToString(r.DestinationCidrBlock)+" "+aws.ToString(r.GatewayId))
		}
	}
	return routes
}

// TestVPNBGP runs a Site-to-Site VPN routed by BGP on real tunnels: a customer site
// behind NAT with strongSwan and FRR's bgpd configured from the connection's customer
// gateway configuration peers with vpcd's speaker over both tunnels' inside addresses;
// the site's LAN is learned, shown in DescribeRouteTables and telemetry, routed in the
// VPC router's kernel and carries traffic both ways; the site learns the VPC's CIDR; BGP
// stopped on tunnel 1 moves the traffic to tunnel 2, and back when it returns; over 100
// routes, AWS's limit, the sessions are reset.
func TestVPNBGP(t *testing.T) {
	requireDataplane(t)
	requireStrongSwan(t)
	requireFRR(t)
	p := startPlane(t)
	const vpcCIDR, lan = "10.79.0.0/16", "172.22.0.0/24"
	vpc := p.vpc(vpcCIDR)
	sub := p.subnet(vpc, "10.79.1.0/24")
	grp := p.group(vpc, "from-site")
	p.allowIn(grp, perm("tcp", 8080, 8080, "172.16.0.0/12"))
	vgw := p.vpnGateway(vpc)
	rtb := p.mainRouteTable(vpc)
	a := p.launch(sub, []string{grp})

	vpn := p.dynamicVpnConnection(vgw, "192.0.2.79", 65079)
	site := p.addSite("bgp", "192.0.2.79", lan, true)
	site.runStrongSwan(vpn, lan, vpcCIDR, "2", "bgp")
	site.runFRR(vpn, lan)
	router := routerNamespace(vpc)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command("sh", "-c", "ip -n "+router+" route show table all | grep -v fe80; ip -n "+router+" addr; ip -n vpcd-site-bgp addr; ip -n vpcd-site-bgp route show table all; swanctl --list-sas --uri unix://"+site.dir+"/vici; cat "+p.dataDir+"/bgp/*; grep -h -B2 -A6 CHILD_SA "+p.dataDir+"/vpn/*/charon.log | tail -60").CombinedOutput()
			t.Logf("router and site:\n%s", out)
			t.Logf("site's BGP:\n%s", site.vtysh("show bgp summary"))
		}
	})
	took := p.within(tunnelWait, "both tunnels UP (IPsec and BGP)", func() bool { return slices.Equal(p.telemetry(vpn), []string{"UP", "UP"}) })
	t.Logf("both tunnels up with BGP established %v after the site's bgpd started", took)

	// The site's LAN is learned over both sessions and propagated.
	p.within(converge, "the site's LAN propagated", func() bool {
		return slices.Equal(p.propagated(rtb), []string{lan + " " + vgw})
	})
	out, err := p.ec2.DescribeVpnConnections(p.ctx, &ec2sdk.DescribeVpnConnectionsInput{VpnConnectionIds: []string{vpn}})
	p.check("DescribeVpnConnections", err)
	for i, tel := range out.VpnConnections[0].VgwTelemetry {
		if aws.ToInt32(tel.AcceptedRouteCount) != 1 || aws.ToString(tel.StatusMessage) != "1 BGP ROUTES" {
			t.Errorf("tunnel %d telemetry: %d routes accepted, %q", i+1, aws.ToInt32(tel.AcceptedRouteCount), aws.ToString(tel.StatusMessage))
		}
	}
	link1, link2 := "t"+vpn[len(vpn)-13:]+"1", "t"+vpn[len(vpn)-13:]+"2"
	routeVia := func(link string) bool {
		return strings.Contains(ip(t, router, "route", "show", "table", "all", lan), "dev "+link)
	}
	p.within(converge, "the router's route to the site's LAN into tunnel 1", func() bool { return routeVia(link1) })
	// The customer learns the VPC's CIDR.
	p.within(converge, "the site learns the VPC's CIDR", func() bool { return slices.Contains(site.learned(), vpcCIDR) })

	p.serveOn("site:bgp", "tcp-serve", "172.22.0.1", 8080, "site")
	p.passes(tcp(a.ID, "172.22.0.1", 8080))
	p.serve(a.ID, "tcp-serve", 8080, "a")
	p.passes(flow{from: "site:bgp", proto: "tcp", dst: a.IP, port: 8080, src: "172.22.0.1"})

	// BGP stops on tunnel 1: its routes are withdrawn, traffic moves to tunnel 2.
	peer1 := vgwInside(t, p, vpn, 0)
	failover := time.Now()
	site.vtysh("configure terminal", "router bgp 65079", "neighbor "+peer1+" shutdown")
	p.within(tunnelWait, "the router's route into tunnel 2", func() bool { return routeVia(link2) })
	p.passes(tcp(a.ID, "172.22.0.1", 8080))
	t.Logf("failover to tunnel 2 after BGP stopped on tunnel 1: %v", time.Since(failover).Round(10*time.Millisecond))
	if got := p.telemetry(vpn); !slices.Equal(got, []string{"DOWN", "UP"}) {
		t.Errorf("telemetry with tunnel 1's BGP down: %v, want DOWN UP", got)
	}
	p.passes(flow{from: "site:bgp", proto: "tcp", dst: a.IP, port: 8080, src: "172.22.0.1"})

	// Back on tunnel 1 when its session returns.
	site.vtysh("configure terminal", "router bgp 65079", "no neighbor "+peer1+" shutdown")
	p.within(tunnelWait, "the router's route back into tunnel 1", func() bool { return routeVia(link1) })
	p.passes(tcp(a.ID, "172.22.0.1", 8080))

	// Over AWS's 100 routes a session: both sessions are reset, the routes leave.
	var more []string
	for i := range 100 {
		more = append(more, fmt.Sprintf("172.23.%d.0/24", i))
	}
	site.networks(65079, more, true)
	p.within(tunnelWait, "both sessions reset over 100 routes", func() bool {
		out, err := p.ec2.DescribeVpnConnections(p.ctx, &ec2sdk.DescribeVpnConnectionsInput{VpnConnectionIds: []string{vpn}})
		p.check("DescribeVpnConnections", err)
		for _, tel := range out.VpnConnections[0].VgwTelemetry {
			if tel.Status != types.TelemetryStatusDown || aws.ToString(tel.StatusMessage) != "IPSEC IS UP" {
				return false
			}
		}
		return len(p.propagated(rtb)) == 0
	})
}

// vgwInside is AWS's inside address of tunnel i of a connection: the first host of its
// inside /30.
func vgwInside(t testing.TB, p *plane, vpn string, i int) string {
	out, err := p.ec2.DescribeVpnConnections(p.ctx, &ec2sdk.DescribeVpnConnectionsInput{VpnConnectionIds: []string{vpn}})
	p.check("DescribeVpnConnections", err)
	cidr, err := netip.ParsePrefix(aws.ToString(out.VpnConnections[0].Options.TunnelOptions[i].TunnelInsideCidr))
	if err != nil {
		t.Fatal(err)
	}
	return cidr.Masked().Addr().Next().String()
}
