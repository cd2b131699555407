package e2e

// The Amazon DNS server of each VPC (internal/resolver, served by internal/vpcsvc), asked
// from inside instances with the system's resolver (getent, through the resolv.conf of
// the VPC's DHCP options) and with a plain DNS query to each of its addresses; and the
// simulated internet's resolver at the internet's own address.

import (
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/miekg/dns"
)

// dnsQuery asks the DNS server argv[1] for the records of type argv[3] (A, AAAA, PTR) of
// the name argv[2], over UDP or, with argv[4] "tcp", TCP, and prints the answer's rcode
// and the values of its records of that type; "error: ..." when no answer comes.
const dnsQuery = `
import random, socket, struct, sys
server, name, qtype = sys.argv[1], sys.argv[2], {'A': 1, 'AAAA': 28, 'PTR': 12}[sys.argv[3]]
tcp = len(sys.argv) > 4 and sys.argv[4] == 'tcp'
q = struct.pack('!HHHHHH', random.randrange(65536), 0x0100, 1, 0, 0, 0)
q += b''.join(bytes([len(l)]) + l.encode() for l in name.rstrip('.').split('.')) + b'\0' + struct.pack('!HH', qtype, 1)
fam = socket.AF_INET6 if ':' in server else socket.AF_INET
try:
    s = socket.socket(fam, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
    s.settimeout(2)
    if tcp:
        s.connect((server, 53))
        s.sendall(struct.pack('!H', len(q)) + q)
        d = b''
        while len(d) < 2 or len(d) < 2 + struct.unpack('!H', d[:2])[0]:
            chunk = s.recv(65535)
            if not chunk:
                break
            d += chunk
        d = d[2:]
    else:
        s.sendto(q, (server, 53))
        d = s.recv(65535)
except OSError as e:
    print('error:', e)
    sys.exit(0)
def name_at(i):
    labels = []
    while d[i]:
        if d[i] >= 192:
            return '.'.join(labels + [name_at(struct.unpack('!H', d[i:i+2])[0] & 0x3fff)]).rstrip('.')
        labels.append(d[i+1:i+1+d[i]].decode())
        i += 1 + d[i]
    return '.'.join(labels)
def skip(i):
    while d[i]:
        if d[i] >= 192:
            return i + 2
        i += 1 + d[i]
    return i + 1
flags, qd, an = struct.unpack('!HHH', d[2:8])
i = skip(12) + 4
out = [{0: 'NOERROR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 5: 'REFUSED'}.get(flags & 15, str(flags & 15))]
for _ in range(an):
    i = skip(i)
    t, _, _, n = struct.unpack('!HHIH', d[i:i+10])
    i += 10
    if t == qtype == 1:
        out.append(socket.inet_ntop(socket.AF_INET, d[i:i+n]))
    elif t == qtype == 28:
        out.append(socket.inet_ntop(socket.AF_INET6, d[i:i+n]))
    elif t == qtype == 12:
        out.append(name_at(i))
    i += n
print(' '.join(out))
`

// dns asks a DNS server from inside an instance (or the internet).
func (p *plane) dns(where, server, name, qtype string, transport ...string) string {
	out, err := p.exec(where, append([]string{"python3", "-c", dnsQuery, server, name, qtype}, transport...)...).CombinedOutput()
	if err != nil {
		return "error: " + strings.TrimSpace(string(out))
	}
	return strings.TrimSpace(string(out))
}

// exec is a command inside an instance or the internet.
func (p *plane) exec(where string, argv ...string) *exec.Cmd {
	return exec.Command(p.bin, append([]string{"exec", "--internet-netns", p.internet, where, "--"}, argv...)...)
}

// getent resolves a name (or an address) with the instance's system resolver: the
// IPv4 addresses of a name, or the name of an address.
func (p *plane) getent(where, key string) string {
	db := "ahostsv4"
	if strings.Trim(key, "0123456789.") == "" {
		db = "hosts"
	}
	out, err := p.exec(where, "getent", db, key).Output()
	if err != nil {
		return ""
	}
	fields := strings.Fields(string(out))
	if db == "hosts" && len(fields) > 1 {
		return fields[1]
	}
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}

// addrinfo resolves a name with python's socket.getaddrinfo inside the instance, in one
// family ("AF_INET" or "AF_INET6").
func (p *plane) addrinfo(where, name, family string) string {
	script := "import socket, sys\ntry:\n print(socket.getaddrinfo(sys.argv[1], None, socket." + family + ")[0][4][0])\nexcept OSError as e:\n print('error:', e)"
	out, _ := p.exec(where, "python3", "-c", script, name).CombinedOutput()
	return strings.TrimSpace(string(out))
}

// resolves waits until what() gives want.
func (p *plane) resolves(what string, want string, got func() string) {
	p.t.Helper()
	var last string
	start := time.Now()
	p.eventually(what+" = "+want, func() bool {
		if last = got(); last != want {
			p.t.Logf("%s: %q after %v", what, last, time.Since(start))
		}
		return last == want
	})
	if last != want {
		p.t.Errorf("%s = %q, want %q", what, last, want)
	}
}

func TestAmazonDNS(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	_, err := p.ec2.ModifyVpcAttribute(p.ctx, &ec2sdk.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	p.check("ModifyVpcAttribute", err)
	public, named := p.subnet(vpc, "10.0.1.0/24"), p.subnet(vpc, "10.0.2.0/24")
	for _, in := range []*ec2sdk.ModifySubnetAttributeInput{
		{SubnetId: aws.String(named), PrivateDnsHostnameTypeOnLaunch: types.HostnameTypeResourceName},
		{SubnetId: aws.String(named), EnableResourceNameDnsARecordOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}},
	} {
		_, err := p.ec2.ModifySubnetAttribute(p.ctx, in)
		p.check("ModifySubnetAttribute", err)
	}
	p.routeTable(vpc, public, "0.0.0.0/0", toGateway(p.attachedGateway(vpc)))
	// A group that lets nothing in: the DNS server is no instance, no group applies to it.
	closed := p.group(vpc, "closed")
	x := p.launch(public, []string{closed}, withPublicIP(true))
	y := p.launch(named, []string{closed})
	out, err := p.ec2.DescribeInstances(p.ctx, &ec2sdk.DescribeInstancesInput{InstanceIds: []string{x.ID, y.ID}})
	p.check("DescribeInstances", err)
	names := map[string][2]string{} // instance → private and public DNS names, as AWS shows them
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			names[*i.InstanceId] = [2]string{aws.ToString(i.PrivateDnsName), aws.ToString(i.PublicDnsName)}
		}
	}
	xPrivate, xPublic, yName := names[x.ID][0], names[x.ID][1], names[y.ID][0]
	if xPrivate != "ip-"+strings.ReplaceAll(x.IP, ".", "-")+".ec2.internal" || yName != y.ID+".ec2.internal" ||
		xPublic != "ec2-"+strings.ReplaceAll(x.PublicIP, ".", "-")+".compute-1.amazonaws.com" {
		t.Fatalf("DNS names %q %q %q", xPrivate, xPublic, yName)
	}

	t.Run("private name with the system resolver", func(t *testing.T) {
		p.resolves("getent "+xPrivate, x.IP, func() string { return p.getent(y.ID, xPrivate) })
		p.resolves("getaddrinfo "+xPrivate, x.IP, func() string { return p.addrinfo(y.ID, xPrivate, "AF_INET") })
	})
	t.Run("resource name", func(t *testing.T) {
		p.resolves("getent "+yName, y.IP, func() string { return p.getent(x.ID, yName) })
		p.resolves("search domain", y.IP, func() string { return p.getent(x.ID, y.ID) })
	})
	t.Run("the resource name follows ModifyPrivateDnsNameOptions", func(t *testing.T) {
		modify := func(a bool) {
			_, err := p.ec2.ModifyPrivateDnsNameOptions(p.ctx, &ec2sdk.ModifyPrivateDnsNameOptionsInput{InstanceId: aws.String(y.ID), EnableResourceNameDnsARecord: aws.Bool(a)})
			p.check("ModifyPrivateDnsNameOptions", err)
		}
		modify(false)
		p.resolves(yName+" without its A record", "NXDOMAIN", func() string { return p.dns(x.ID, "169.254.169.253", yName, "A") })
		modify(true)
		p.resolves(yName+" with its A record", "NOERROR "+y.IP, func() string { return p.dns(x.ID, "169.254.169.253", yName, "A") })
	})
	t.Run("reverse", func(t *testing.T) {
		p.resolves("getent hosts "+x.IP, xPrivate, func() string { return p.getent(y.ID, x.IP) })
	})
	t.Run("public name inside is the private address", func(t *testing.T) {
		p.resolves("getent "+xPublic, x.IP, func() string { return p.getent(y.ID, xPublic) })
	})
	t.Run("every address of the DNS server, UDP and TCP", func(t *testing.T) {
		for _, server := range []string{"10.0.0.2", "169.254.169.253"} {
			for _, transport := range []string{"udp", "tcp"} {
				p.resolves(server+" "+transport, "NOERROR "+x.IP, func() string { return p.dns(y.ID, server, xPrivate, "A", transport) })
			}
		}
		if got := p.dns(y.ID, "10.0.0.2", "www.example.org", "A"); got != "NXDOMAIN" { // from the internet's resolver
			t.Errorf("a name outside the VPC: %q, want NXDOMAIN (nothing leaves the machine)", got)
		}
	})
	t.Run("from the internet the public name is the public address", func(t *testing.T) {
		p.resolves("internet "+xPublic, "NOERROR "+x.PublicIP, func() string { return p.dns("internet", internetHost, xPublic, "A") })
	})
	t.Run("another VPC's public name, and across a peering that allows it", func(t *testing.T) {
		other := p.vpc("10.1.0.0/16")
		_, err := p.ec2.ModifyVpcAttribute(p.ctx, &ec2sdk.ModifyVpcAttributeInput{VpcId: aws.String(other), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
		p.check("ModifyVpcAttribute", err)
		sub := p.subnet(other, "10.1.1.0/24")
		p.routeTable(other, sub, "0.0.0.0/0", toGateway(p.attachedGateway(other)))
		z := p.launch(sub, nil, withPublicIP(true))
		zPublic := "ec2-" + strings.ReplaceAll(z.PublicIP, ".", "-") + ".compute-1.amazonaws.com"
		// As on the internet: the public address.
		p.resolves("getent "+zPublic+" from the other VPC", z.PublicIP, func() string { return p.getent(y.ID, zPublic) })
		pcx, err := p.ec2.CreateVpcPeeringConnection(p.ctx, &ec2sdk.CreateVpcPeeringConnectionInput{VpcId: aws.String(vpc), PeerVpcId: aws.String(other)})
		p.check("CreateVpcPeeringConnection", err)
		id := pcx.VpcPeeringConnection.VpcPeeringConnectionId
		_, err = p.ec2.AcceptVpcPeeringConnection(p.ctx, &ec2sdk.AcceptVpcPeeringConnectionInput{VpcPeeringConnectionId: id})
		p.check("AcceptVpcPeeringConnection", err)
		_, err = p.ec2.ModifyVpcPeeringConnectionOptions(p.ctx, &ec2sdk.ModifyVpcPeeringConnectionOptionsInput{VpcPeeringConnectionId: id,
			AccepterPeeringConnectionOptions: &types.PeeringConnectionOptionsRequest{AllowDnsResolutionFromRemoteVpc: aws.Bool(true)}})
		p.check("ModifyVpcPeeringConnectionOptions", err)
		// The accepter's names are private to the requester now; not the other way.
		p.resolves("getent "+zPublic+" across the peering", z.IP, func() string { return p.getent(y.ID, zPublic) })
		p.resolves("getent "+xPublic+" from the accepter", x.PublicIP, func() string { return p.getent(z.ID, xPublic) })
	})
	t.Run("no answer without DNS support", func(t *testing.T) {
		_, err := p.ec2.ModifyVpcAttribute(p.ctx, &ec2sdk.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
		p.check("ModifyVpcAttribute", err)
		_, err = p.ec2.ModifyVpcAttribute(p.ctx, &ec2sdk.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsSupport: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
		p.check("ModifyVpcAttribute", err)
		for _, server := range []string{"10.0.0.2", "169.254.169.253"} {
			p.eventually("no answer at "+server, func() bool { return strings.HasPrefix(p.dns(y.ID, server, xPrivate, "A"), "error:") })
		}
		if got := p.getent(y.ID, xPrivate); got != "" {
			t.Errorf("getent %s = %q with DNS support off, want nothing", xPrivate, got)
		}
	})
}

// A resource name answers AAAA with the instance's IPv6 address, asked at fd00:ec2::253
// as at the IPv4 addresses, and the address's PTR record is the resource name.
func TestAmazonDNSIPv6(t *testing.T) {
	p := startPlane(t)
	vpc, block := p.dualStackVPC("10.0.0.0/16")
	sub, _ := p.dualStackSubnet(vpc, "10.0.1.0/24", block, 1)
	for _, in := range []*ec2sdk.ModifySubnetAttributeInput{
		{SubnetId: aws.String(sub), PrivateDnsHostnameTypeOnLaunch: types.HostnameTypeResourceName},
		{SubnetId: aws.String(sub), EnableResourceNameDnsAAAARecordOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}},
	} {
		_, err := p.ec2.ModifySubnetAttribute(p.ctx, in)
		p.check("ModifySubnetAttribute", err)
	}
	x := p.launch(sub, nil, withIPv6)
	y := p.launch(sub, nil, withIPv6)
	v6 := p.ipv6Addrs(x)[0]
	name := x.ID + ".ec2.internal"
	for _, server := range []string{"fd00:ec2::253", "169.254.169.253"} {
		p.resolves("AAAA at "+server, "NOERROR "+v6, func() string { return p.dns(y.ID, server, name, "AAAA") })
	}
	p.resolves("getaddrinfo AF_INET6 "+name, v6, func() string { return p.addrinfo(y.ID, name, "AF_INET6") })
	// Only AAAA was asked for: the resource name has no A record.
	if got := p.dns(y.ID, "10.0.0.2", name, "A"); got != "NOERROR" {
		t.Errorf("A of %s = %q, want no record", name, got)
	}
	reverse := reverseIPv6(t, v6)
	if got := p.dns(y.ID, "fd00:ec2::253", reverse, "PTR"); got != "NOERROR "+name {
		t.Errorf("PTR %s = %q, want %s", reverse, got, name)
	}
}

// reverseIPv6 is the ip6.arpa name of an address.
func reverseIPv6(t *testing.T, addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	b := a.As16()
	var labels []string
	for i := len(b) - 1; i >= 0; i-- {
		labels = append(labels, fmt.Sprintf("%x", b[i]&0xf), fmt.Sprintf("%x", b[i]>>4))
	}
	return strings.Join(labels, ".") + ".ip6.arpa"
}

// TestDNSUpstream: with `vpcd serve --dns-upstream`, a name no resolver of vpcd knows is
// answered by the upstream server (here one of the test's own, on loopback), from inside
// an instance through its VPC's resolver and from the simulated internet through the
// internet's; what vpcd knows never reaches the upstream, and what the upstream does not
// know stays NXDOMAIN.
func TestDNSUpstream(t *testing.T) {
	requireDataplane(t)
	var mu sync.Mutex
	var asked []string
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		q := r.Question[0]
		mu.Lock()
		asked = append(asked, q.Name)
		mu.Unlock()
		if q.Name == "www.example.org." && q.Qtype == dns.TypeA {
			rr, _ := dns.NewRR("www.example.org. 60 IN A 192.0.2.80")
			m.Answer = append(m.Answer, rr)
		} else if q.Name != "www.example.org." {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: mux}, {Listener: ln, Handler: mux}} {
		go srv.ActivateAndServe()
		t.Cleanup(func() { srv.Shutdown() })
	}

	p := startPlane(t, "--dns-upstream", pc.LocalAddr().String())
	vpc := p.vpc("10.0.0.0/16")
	x := p.launch(p.subnet(vpc, "10.0.1.0/24"), nil)
	private := "ip-" + strings.ReplaceAll(x.IP, ".", "-") + ".ec2.internal"

	// No internet gateway yet, so no simulated internet: the VPC's resolver asks the
	// upstream itself; then through the internet's resolver.
	p.resolves("a name only the upstream knows, in the VPC", "NOERROR 192.0.2.80", func() string { return p.dns(x.ID, "10.0.0.2", "www.example.org", "A") })
	p.attachedGateway(vpc)
	p.resolves("getent in the simulated internet (its resolv.conf)", "192.0.2.80", func() string { return p.getent("internet", "www.example.org") })
	p.resolves("getent in the VPC, through the internet's resolver", "192.0.2.80", func() string { return p.getent(x.ID, "www.example.org") })
	p.resolves("a name nobody knows", "NXDOMAIN", func() string { return p.dns(x.ID, "10.0.0.2", "nothing.example.org", "A") })
	p.resolves("the VPC's own name", "NOERROR "+x.IP, func() string { return p.dns(x.ID, "10.0.0.2", private, "A") })
	mu.Lock()
	defer mu.Unlock()
	if slices.Contains(asked, private+".") {
		t.Errorf("the upstream was asked for %s, a name vpcd knows", private)
	}
	if !slices.Contains(asked, "www.example.org.") {
		t.Errorf("the upstream was never asked for www.example.org: %q", asked)
	}
}
