package e2e

// The instance metadata service (internal/imds) from inside instances, with curl: IMDSv1
// and IMDSv2, tokens required, ModifyInstanceMetadataOptions taking effect, the endpoint
// disabled, and the hop limit against a "container" one hop behind an instance.

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

const metadataURL = "http://169.254.169.254/latest/"

// curl runs curl in a namespace and returns the answer's status (0 when none came) and
// body.
func curl(t *testing.T, ns string, args ...string) (int, string) {
	t.Helper()
	argv := append([]string{"netns", "exec", ns, "curl", "-s", "--max-time", "2", "-o", "-", "-w", "\n%{http_code}"}, args...)
	out, _ := exec.Command("ip", argv...).Output()
	i := strings.LastIndexByte(string(out), '\n')
	if i < 0 {
		return 0, ""
	}
	code, _ := strconv.Atoi(strings.TrimSpace(string(out[i+1:])))
	return code, string(out[:i])
}

// token asks for an IMDSv2 token from ns.
func token(t *testing.T, ns string) (int, string) {
	t.Helper()
	return curl(t, ns, "-X", "PUT", "-H", "X-aws-ec2-metadata-token-ttl-seconds: 60", metadataURL+"api/token")
}

func withMetadata(m types.InstanceMetadataOptionsRequest) func(*ec2sdk.RunInstancesInput) {
	return func(in *ec2sdk.RunInstancesInput) { in.MetadataOptions = &m }
}

func (p *plane) modifyMetadata(in *ec2sdk.ModifyInstanceMetadataOptionsInput) {
	p.t.Helper()
	_, err := p.ec2.ModifyInstanceMetadataOptions(p.ctx, in)
	p.check("ModifyInstanceMetadataOptions", err)
}

func TestInstanceMetadata(t *testing.T) {
	p := startPlane(t)
	vpc := p.vpc("10.0.0.0/16")
	sub := p.subnet(vpc, "10.0.1.0/24")
	g := p.group(vpc, "overlay")
	p.allowIn(g, perm("udp", 4789, 4789, g))
	userData := "#!/bin/sh\necho metadata\n"
	a := p.launch(sub, []string{g}, func(in *ec2sdk.RunInstancesInput) {
		in.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte(userData)))
	})
	required := p.launch(sub, []string{g}, withMetadata(types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateRequired}))

	// IMDSv1.
	p.eventually("IMDSv1 answers "+a.ID, func() bool {
		code, body := curl(t, a.ID, metadataURL+"meta-data/instance-id")
		return code == 200 && body == a.ID
	})
	for path, want := range map[string]string{
		"meta-data/local-ipv4":       a.IP,
		"meta-data/placement/region": "us-east-1",
		"meta-data/security-groups":  "overlay",
		"user-data":                  userData,
	} {
		if code, body := curl(t, a.ID, metadataURL+path); code != 200 || body != want {
			t.Errorf("GET %s: %d %q, want %q", path, code, body, want)
		}
	}
	if code, _ := curl(t, a.ID, metadataURL+"meta-data/iam/security-credentials/"); code != 404 {
		t.Errorf("iam/ without a role: %d, want 404", code)
	}
	if code, body := curl(t, a.ID, metadataURL+"dynamic/instance-identity/document"); code != 200 || !strings.Contains(body, `"instanceId" : "`+a.ID+`"`) {
		t.Errorf("identity document: %d %s", code, body)
	}

	// IMDSv2.
	code, tok := token(t, a.ID)
	if code != 200 || tok == "" {
		t.Fatalf("token: %d %q", code, tok)
	}
	if code, body := curl(t, a.ID, "-H", "X-aws-ec2-metadata-token: "+tok, metadataURL+"meta-data/instance-id"); code != 200 || body != a.ID {
		t.Errorf("IMDSv2 read: %d %q", code, body)
	}
	// A token is of the instance it was issued to.
	if code, _ := curl(t, required.ID, "-H", "X-aws-ec2-metadata-token: "+tok, metadataURL+"meta-data/instance-id"); code != 401 {
		t.Errorf("another instance's token: %d, want 401", code)
	}

	// HttpTokens required at launch: IMDSv1 refused, IMDSv2 served.
	if code, _ := curl(t, required.ID, metadataURL+"meta-data/instance-id"); code != 401 {
		t.Errorf("IMDSv1 with tokens required: %d, want 401", code)
	}
	_, tokR := token(t, required.ID)
	if code, body := curl(t, required.ID, "-H", "X-aws-ec2-metadata-token: "+tokR, metadataURL+"meta-data/instance-id"); code != 200 || body != required.ID {
		t.Errorf("IMDSv2 with tokens required: %d %q", code, body)
	}

	// ModifyInstanceMetadataOptions takes effect; tokens given before stay valid.
	p.modifyMetadata(&ec2sdk.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(a.ID), HttpTokens: types.HttpTokensStateRequired})
	p.eventually("IMDSv1 refused once tokens are required", func() bool {
		code, _ := curl(t, a.ID, metadataURL+"meta-data/instance-id")
		return code == 401
	})
	if code, _ := curl(t, a.ID, "-H", "X-aws-ec2-metadata-token: "+tok, metadataURL+"meta-data/instance-id"); code != 200 {
		t.Errorf("a token from before the change: %d", code)
	}
	p.modifyMetadata(&ec2sdk.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(a.ID), HttpEndpoint: types.InstanceMetadataEndpointStateDisabled})
	p.eventually("the endpoint disabled", func() bool {
		code, _ := token(t, a.ID)
		return code == 403
	})

	// The hop limit: a "container" one hop behind an instance, here another instance
	// whose packets to the service go through a VXLAN overlay to the host instance, which
	// masquerades them.
	host := p.launch(sub, []string{g})
	container := p.launch(sub, []string{g})
	for _, in := range []instance{host, container} {
		p.eventually("IMDSv1 answers "+in.ID, func() bool {
			code, body := curl(t, in.ID, metadataURL+"meta-data/instance-id")
			return code == 200 && body == in.ID
		})
	}
	overlay(t, host, container)
	p.eventually("the container reaches the service through its host", func() bool {
		code, body := curl(t, container.ID, metadataURL+"meta-data/instance-id")
		return code == 200 && body == host.ID
	})
	if code, _ := token(t, host.ID); code != 200 {
		t.Errorf("token on the host itself with hop limit 1: %d", code)
	}
	if code, _ := token(t, container.ID); code != 0 {
		t.Errorf("token one hop behind with hop limit 1: %d, want no answer", code)
	}
	p.modifyMetadata(&ec2sdk.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(host.ID), HttpPutResponseHopLimit: aws.Int32(2)})
	p.eventually("a token one hop behind with hop limit 2", func() bool {
		code, tok := token(t, container.ID)
		return code == 200 && tok != ""
	})
}

// overlay links container to host with a VXLAN inside their namespaces (links vpcd does
// not manage), routes the service's address from container through host, and has host
// forward and masquerade it: the container sits one routed hop behind host.
func overlay(t *testing.T, host, container instance) {
	t.Helper()
	run := func(ns string, args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %v\n%s", ns, args, err, out)
		}
	}
	for _, end := range []struct {
		ns, remote, addr string
	}{{host.ID, container.IP, "172.31.255.1/30"}, {container.ID, host.IP, "172.31.255.2/30"}} {
		run(end.ns, "ip", "link", "add", "ct0", "type", "vxlan", "id", "42", "remote", end.remote, "dstport", "4789", "dev", "eth0")
		run(end.ns, "ip", "addr", "add", end.addr, "dev", "ct0")
		run(end.ns, "ip", "link", "set", "ct0", "up")
	}
	run(container.ID, "ip", "route", "add", "169.254.169.254/32", "via", "172.31.255.1", "dev", "ct0")
	run(host.ID, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	masquerade(t, host.ID, "eth0")
}

// masquerade has namespace ns masquerade what leaves by link out (nft: oifname out
// masquerade), as a container host does.
func masquerade(t *testing.T, ns, out string) {
	t.Helper()
	f, err := os.Open(filepath.Join("/run/netns", ns))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	conn, err := nftables.New(nftables.WithNetNSFd(int(f.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	table := conn.AddTable(&nftables.Table{Name: "ct", Family: nftables.TableFamilyIPv4})
	chain := conn.AddChain(&nftables.Chain{Name: "post", Table: table, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource})
	name := make([]byte, 16)
	copy(name, out)
	conn.AddRule(&nftables.Rule{Table: table, Chain: chain, Exprs: []expr.Any{
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: name},
		&expr.Masq{},
	}})
	if err := conn.Flush(); err != nil {
		t.Fatalf("masquerade in %s: %v", ns, err)
	}
}

// TestInstanceMetadataIPv6AndTags: with HttpProtocolIpv6 the service also answers at
// fd00:ec2::254; with InstanceMetadataTags it serves the instance's tags.
func TestInstanceMetadataIPv6AndTags(t *testing.T) {
	p := startPlane(t)
	vpc, block := p.dualStackVPC("10.0.0.0/16")
	sub, _ := p.dualStackSubnet(vpc, "10.0.1.0/24", block, 1)
	g := p.group(vpc, "web")
	on := p.launch(sub, []string{g}, withIPv6, withMetadata(types.InstanceMetadataOptionsRequest{
		HttpProtocolIpv6: types.InstanceMetadataProtocolStateEnabled, InstanceMetadataTags: types.InstanceMetadataTagsStateEnabled,
	}), func(in *ec2sdk.RunInstancesInput) {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("web-1")}}}}
	})
	off := p.launch(sub, []string{g}, withIPv6)
	v6 := p.ipv6Addrs(on, off)
	const metadata6 = "http://[fd00:ec2::254]/latest/meta-data/"
	p.eventually("IMDS over IPv6 answers "+on.ID, func() bool {
		code, body := curl(t, on.ID, "-g", metadata6+"ipv6")
		return code == 200 && body == v6[0]
	})
	if code, body := curl(t, on.ID, "-g", metadata6+"tags/instance/Name"); code != 200 || body != "web-1" {
		t.Errorf("tags/instance/Name: %d %q", code, body)
	}
	p.eventually("IMDSv1 answers "+off.ID, func() bool {
		code, _ := curl(t, off.ID, metadataURL+"meta-data/instance-id")
		return code == 200
	})
	if code, _ := curl(t, off.ID, "-g", metadata6+"instance-id"); code == 200 {
		t.Errorf("IMDS over IPv6 with HttpProtocolIpv6 disabled: %d", code)
	}
	if code, _ := curl(t, off.ID, metadataURL+"meta-data/tags/instance/"); code != 404 {
		t.Errorf("tags without InstanceMetadataTags: %d, want 404", code)
	}
}
