package e2e

import (
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

// tunnelWait bounds how long a VPN tunnel may take to come up or to fail over: IKE, the
// 1 s poll of the tunnels' state, and on the customer's side DPD (10 s) and its retries.
const tunnelWait = 90 * time.Second

// requireStrongSwan skips a test that needs strongSwan (the customer's and vpcd's IKE).
func requireStrongSwan(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"charon-systemd", "swanctl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: VPN tunnels need strongSwan (charon-systemd, strongswan-swanctl, libcharon-extra-plugins)", tool)
		}
	}
}

// site is a customer site of the plane (`vpcd site add`) that runs strongSwan configured
// from its VPN connection's CustomerGatewayConfiguration.
type site struct {
	p    *plane
	name string
	dir  string
}

// addSite adds a site and removes it (and its daemon) when the test ends.
func (p *plane) addSite(name, publicIP, lan string, behindNAT bool) *site {
	p.t.Helper()
	args := []string{"site", "add", name, "--public-ip", publicIP, "--lan", lan, "--data-dir", p.dataDir}
	if behindNAT {
		args = append(args, "--behind-nat")
	}
	if out, err := exec.Command(p.bin, args...).CombinedOutput(); err != nil {
		p.t.Fatalf("vpcd site add: %v: %s", err, out)
	}
	s := &site{p: p, name: name, dir: p.t.TempDir()}
	p.t.Cleanup(func() { exec.Command(p.bin, "site", "del", name, "--data-dir", p.dataDir, "--wait", "0").Run() })
	p.eventually("site "+name+" laid out", func() bool { return hasNamespace(p.t, "vpcd-site-"+name) })
	return s
}

// exec runs a command in the site's namespace.
func (s *site) exec(args ...string) string {
	s.p.t.Helper()
	out, err := exec.Command(s.p.bin, append([]string{"exec", "site:" + s.name, "--"}, args...)...).CombinedOutput()
	if err != nil {
		s.p.t.Fatalf("in site %s: %s: %v: %s", s.name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// runStrongSwan writes the site's strongSwan from the connection's customer gateway
// configuration (testdata/vpn/site-strongswan.py, as a customer would write it from
// AWS's; opts are the script's options after the IKE version), starts charon in the site
// and loads both tunnels with swanctl.
func (s *site) runStrongSwan(vpn, lan, vpcCIDR, ikeVersion string, opts ...string) {
	p := s.p
	p.t.Helper()
	out, err := p.ec2.DescribeVpnConnections(p.ctx, &ec2sdk.DescribeVpnConnectionsInput{VpnConnectionIds: []string{vpn}})
	p.check("DescribeVpnConnections", err)
	gen := exec.Command("python3", append([]string{"testdata/vpn/site-strongswan.py", s.dir, lan, vpcCIDR, ikeVersion}, opts...)...)
	gen.Stdin = strings.NewReader(aws.ToString(out.VpnConnections[0].CustomerGatewayConfiguration))
	inside, err := gen.Output()
	if err != nil {
		p.t.Fatalf("site-strongswan.py: %v", err)
	}
	s.daemon("charon", "site:"+s.name, "vici", "env", "STRONGSWAN_CONF="+filepath.Join(s.dir, "strongswan.conf"), "charon-systemd")
	// The site routes into its tunnels by charon's table (220), whose rule charon adds
	// when it starts (and takes out one there before).
	p.eventually("site charon's routing rule", func() bool { return strings.Contains(s.exec("ip", "rule"), "lookup 220") })
	// The tunnels' inside addresses (the script's "bgp" option) go on charon's TUN.
	for _, addr := range strings.Fields(string(inside)) {
		s.exec("ip", "addr", "add", addr, "dev", "ipsec0")
	}
	load := exec.Command("swanctl", "--load-all", "--file", filepath.Join(s.dir, "swanctl.conf"), "--uri", "unix://"+filepath.Join(s.dir, "vici"))
	if b, err := load.CombinedOutput(); err != nil {
		p.t.Fatalf("swanctl --load-all: %v: %s", err, b)
	}
}

// telemetry is the connection's tunnels' status, UP or DOWN.
func (p *plane) telemetry(vpn string) []string {
	p.t.Helper()
	out, err := p.ec2.DescribeVpnConnections(p.ctx, &ec2sdk.DescribeVpnConnectionsInput{VpnConnectionIds: []string{vpn}})
	p.check("DescribeVpnConnections", err)
	var st []string
	for _, tel := range out.VpnConnections[0].VgwTelemetry {
		st = append(st, string(tel.Status))
	}
	return st
}

// within polls cond until it holds or d passes, and returns how long it took.
func (p *plane) within(d time.Duration, what string, cond func() bool) time.Duration {
	p.t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			p.t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return time.Since(start)
}

// vpnConnection makes a static VPN connection of the gateway to a customer gateway at
// publicIP, with a static route to lan, and deletes both when the test ends.
func (p *plane) vpnConnection(vgw, publicIP, lan string) string {
	p.t.Helper()
	cgw, err := p.ec2.CreateCustomerGateway(p.ctx, &ec2sdk.CreateCustomerGatewayInput{Type: types.GatewayTypeIpsec1, PublicIp: aws.String(publicIP), BgpAsn: aws.Int32(65000)})
	p.check("CreateCustomerGateway", err)
	vpn, err := p.ec2.CreateVpnConnection(p.ctx, &ec2sdk.CreateVpnConnectionInput{Type: aws.String("ipsec.1"), CustomerGatewayId: cgw.CustomerGateway.CustomerGatewayId,
		VpnGatewayId: aws.String(vgw), Options: &types.VpnConnectionOptionsSpecification{StaticRoutesOnly: aws.Bool(true)}})
	p.check("CreateVpnConnection", err)
	id := aws.ToString(vpn.VpnConnection.VpnConnectionId)
	p.t.Cleanup(func() {
		p.ec2.DeleteVpnConnection(p.ctx, &ec2sdk.DeleteVpnConnectionInput{VpnConnectionId: aws.String(id)})
		p.ec2.DeleteCustomerGateway(p.ctx, &ec2sdk.DeleteCustomerGatewayInput{CustomerGatewayId: cgw.CustomerGateway.CustomerGatewayId})
	})
	_, err = p.ec2.CreateVpnConnectionRoute(p.ctx, &ec2sdk.CreateVpnConnectionRouteInput{VpnConnectionId: aws.String(id), DestinationCidrBlock: aws.String(lan)})
	p.check("CreateVpnConnectionRoute", err)
	return id
}

// TestVPNStaticTunnels runs a Site-to-Site VPN with static routing on real tunnels: two
// customer sites with strongSwan configured from the connections' customer gateway
// configuration, one on the internet (IKEv2), one behind NAT (IKEv1, NAT traversal on UDP
// 4500); instances of a private subnet reach the sites' LANs through a route to the
// virtual private gateway or a propagated route, and the sites reach them back; telemetry
// follows the tunnels; a tunnel whose daemon dies fails over to the other.
func TestVPNStaticTunnels(t *testing.T) {
	requireDataplane(t)
	requireStrongSwan(t)
	p := startPlane(t)
	const vpcCIDR = "10.77.0.0/16"
	vpc := p.vpc(vpcCIDR)
	sub1, sub2 := p.subnet(vpc, "10.77.1.0/24"), p.subnet(vpc, "10.77.2.0/24")
	grp := p.group(vpc, "from-sites")
	p.allowIn(grp, perm("tcp", 8080, 8080, "172.16.0.0/12"), perm("icmp", -1, -1, "172.16.0.0/12"))
	vgwOut, err := p.ec2.CreateVpnGateway(p.ctx, &ec2sdk.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1})
	p.check("CreateVpnGateway", err)
	vgw := aws.ToString(vgwOut.VpnGateway.VpnGatewayId)
	_, err = p.ec2.AttachVpnGateway(p.ctx, &ec2sdk.AttachVpnGatewayInput{VpnGatewayId: aws.String(vgw), VpcId: aws.String(vpc)})
	p.check("AttachVpnGateway", err)
	t.Cleanup(func() {
		p.ec2.DetachVpnGateway(p.ctx, &ec2sdk.DetachVpnGatewayInput{VpnGatewayId: aws.String(vgw), VpcId: aws.String(vpc)})
		p.ec2.DeleteVpnGateway(p.ctx, &ec2sdk.DeleteVpnGatewayInput{VpnGatewayId: aws.String(vgw)})
	})
	// sub1 routes the first site's LAN to the gateway; sub2 (the main table) takes the
	// connections' routes by propagation.
	p.routeTable(vpc, sub1, "172.20.0.0/24", toGateway(vgw))
	tables, err := p.ec2.DescribeRouteTables(p.ctx, &ec2sdk.DescribeRouteTablesInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("association.main"), Values: []string{"true"}}}})
	p.check("DescribeRouteTables", err)
	_, err = p.ec2.EnableVgwRoutePropagation(p.ctx, &ec2sdk.EnableVgwRoutePropagationInput{RouteTableId: tables.RouteTables[0].RouteTableId, GatewayId: aws.String(vgw)})
	p.check("EnableVgwRoutePropagation", err)
	a := p.launch(sub1, []string{grp})
	b := p.launch(sub2, []string{grp})

	vpn := p.vpnConnection(vgw, "192.0.2.77", "172.20.0.0/24")
	branch := p.addSite("branch", "192.0.2.77", "172.20.0.0/24", false)
	branch.runStrongSwan(vpn, "172.20.0.0/24", vpcCIDR, "2")
	took := p.within(tunnelWait, "both tunnels UP", func() bool { return slices.Equal(p.telemetry(vpn), []string{"UP", "UP"}) })
	t.Logf("both tunnels of the IKEv2 site up in %v", took)

	p.serveOn("site:branch", "tcp-serve", "172.20.0.1", 8080, "branch")
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command("sh", "-c", "ip -n "+routerNamespace(vpc)+" route show table all | grep -v fe80; ip -n "+routerNamespace(vpc)+" -s link; ip -n "+routerNamespace(vpc)+" rule; ip -n vpcd-site-branch route show table all; ip -n vpcd-site-branch rule; swanctl --list-sas --uri unix://"+branch.dir+"/vici").CombinedOutput()
			t.Logf("router and site:\n%s", out)
		}
	})
	if got := p.passes(tcp(a.ID, "172.20.0.1", 8080)); !strings.Contains(got, a.IP) {
		t.Errorf("the site saw %q, want the instance's own address %s", got, a.IP)
	}
	p.passes(icmp(a.ID, "172.20.0.1"))
	p.passes(tcp(b.ID, "172.20.0.1", 8080)) // by the propagated route
	p.serve(a.ID, "tcp-serve", 8080, "a")
	if got := p.passes(flow{from: "site:branch", proto: "tcp", dst: a.IP, port: 8080, src: "172.20.0.1"}); !strings.Contains(got, "172.20.0.1") {
		t.Errorf("the instance saw %q, want the site's LAN address", got)
	}

	// A customer behind NAT: IKE moves to UDP 4500, ESP in UDP.
	nat := p.vpnConnection(vgw, "192.0.2.88", "172.21.0.0/24")
	home := p.addSite("home", "192.0.2.88", "172.21.0.0/24", true)
	home.runStrongSwan(nat, "172.21.0.0/24", vpcCIDR, "1")
	took = p.within(tunnelWait, "both tunnels of the site behind NAT UP", func() bool { return slices.Equal(p.telemetry(nat), []string{"UP", "UP"}) })
	t.Logf("both tunnels of the IKEv1 site behind NAT up in %v", took)
	if sas := home.swanctl("--list-sas"); !strings.Contains(sas, "[4500]") {
		t.Errorf("the site behind NAT's SAs are not on UDP 4500:\n%s", sas)
	}
	p.serveOn("site:home", "tcp-serve", "172.21.0.1", 8080, "home")
	p.passes(tcp(b.ID, "172.21.0.1", 8080))
	p.serve(b.ID, "tcp-serve", 8080, "b")
	p.passes(flow{from: "site:home", proto: "tcp", dst: b.IP, port: 8080, src: "172.21.0.1"})

	// Tunnel 1's daemon dies on vpcd's side: traffic fails over to tunnel 2.
	pids, _ := exec.Command("ip", "netns", "pids", "vpcd-"+vpn+"-1").Output()
	killed := strings.Fields(string(pids))
	if len(killed) == 0 {
		t.Fatal("no daemon in tunnel 1's namespace")
	}
	start := time.Now()
	for _, pid := range killed {
		exec.Command("kill", "-9", pid).Run()
	}
	router := routerNamespace(vpc)
	p.within(tunnelWait, "routes into tunnel 2", func() bool {
		return strings.Contains(ip(t, router, "route", "show", "table", "all", "172.20.0.0/24"), "t"+vpn[len(vpn)-13:]+"2")
	})
	p.passes(tcp(a.ID, "172.20.0.1", 8080))
	t.Logf("failover to tunnel 2 after tunnel 1's daemon was killed: %v", time.Since(start))
	p.within(tunnelWait, "tunnel 1 back up (the supervisor restarts its daemon, the site reconnects)", func() bool {
		return slices.Equal(p.telemetry(vpn), []string{"UP", "UP"})
	})
	p.passes(tcp(a.ID, "172.20.0.1", 8080))

	// The tunnels outlive vpcd, and a new vpcd takes their daemons over.
	daemons := func() string {
		out, _ := exec.Command("ip", "netns", "pids", "vpcd-"+vpn+"-2").Output()
		return strings.TrimSpace(string(out))
	}
	before := daemons()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	p.passes(tcp(a.ID, "172.20.0.1", 8080))
	p.passes(flow{from: "site:home", proto: "tcp", dst: b.IP, port: 8080, src: "172.21.0.1"})
	p.start()
	if got := p.telemetry(vpn); !slices.Equal(got, []string{"UP", "UP"}) {
		t.Errorf("telemetry after a restart of vpcd: %v", got)
	}
	p.passes(tcp(a.ID, "172.20.0.1", 8080))
	time.Sleep(2 * pollInterval())
	if after := daemons(); before == "" || after != before {
		t.Errorf("tunnel 2's daemon was %q before the restart of vpcd, %q after: want the same one", before, after)
	}
}

// pollInterval is how often vpcd reads the tunnels' state (internal/dataplane).
func pollInterval() time.Duration { return time.Second }

// swanctl runs swanctl against the site's charon.
func (s *site) swanctl(args ...string) string {
	out, _ := exec.Command("swanctl", append(args, "--uri", "unix://"+filepath.Join(s.dir, "vici"))...).CombinedOutput()
	return string(out)
}

// daemon runs args in the namespace where ("site:NAME" or a namespace's name) until the
// test ends, its output in DIR/NAME.log (shown when the test fails), and waits for it to
// make DIR/ready (its control socket).
func (s *site) daemon(name, where, ready string, args ...string) {
	p := s.p
	p.t.Helper()
	log, err := os.Create(filepath.Join(s.dir, name+".log"))
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(p.bin, append([]string{"exec", where, "--"}, args...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		log.Close()
		if p.t.Failed() {
			b, _ := os.ReadFile(log.Name())
			p.t.Logf("site %s %s:\n%s", s.name, name, b)
		}
	})
	p.eventually("site "+name+"'s "+ready, func() bool {
		_, err := os.Stat(filepath.Join(s.dir, ready))
		return err == nil
	})
}
