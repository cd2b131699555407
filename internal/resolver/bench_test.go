package resolver

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"

	"github.com/miekg/dns"

	"vpcd/internal/model"
)

// benchNetwork is vpcs VPCs of perVPC instances each, every instance with a public
// address, in VPCs that give public names.
func benchNetwork(vpcs, perVPC int) *model.Network {
	n := model.NewNetwork()
	for v := range vpcs {
		vpc := fmt.Sprintf("vpc-%017x", v)
		n.VPCs[vpc] = &model.VPC{ID: vpc, Region: "us-east-1", EnableDnsSupport: true, EnableDnsHostnames: true}
		for i := range perVPC {
			id := fmt.Sprintf("%x%016x", v, i)
			private := netip.AddrFrom4([4]byte{10, byte(v), byte(i >> 8), byte(i)})
			public := netip.AddrFrom4([4]byte{198, byte(v), byte(i >> 8), byte(i)})
			n.Interfaces["eni-"+id] = &model.Interface{ID: "eni-" + id, VPC: vpc, Instance: "i-" + id, PrivateIPs: []netip.Addr{private}, PublicIP: public}
			n.Instances["i-"+id] = &model.Instance{ID: "i-" + id, VPC: vpc, Running: true, Interfaces: []string{"eni-" + id},
				PrivateDNSNameOptions: model.PrivateDNSNameOptions{HostnameType: "resource-name", ResourceNameDNSA: true}}
		}
	}
	return n
}

// What the data plane pays on each sync for one VPC: the config and its JSON.
func BenchmarkForVPC(b *testing.B) {
	for _, size := range []struct{ vpcs, perVPC int }{{1, 500}, {10, 50}, {10, 500}} {
		n := benchNetwork(size.vpcs, size.perVPC)
		b.Run(fmt.Sprintf("%dx%d", size.vpcs, size.perVPC), func(b *testing.B) {
			for b.Loop() {
				if _, err := json.Marshal(ForVPC(n, "vpc-00000000000000000")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// What the daemon pays for a new config: compiling it.
func BenchmarkUpdate(b *testing.B) {
	c := ForVPC(benchNetwork(1, 500), "vpc-00000000000000000")
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.ReportMetric(float64(len(c.Records)), "records")
	for b.Loop() {
		s.Update(c)
	}
}

// One query through the handler, without the network.
func BenchmarkServeDNS(b *testing.B) {
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Update(ForVPC(benchNetwork(1, 500), "vpc-00000000000000000"))
	req := new(dns.Msg)
	req.SetQuestion("ip-10-0-1-7.ec2.internal.", dns.TypeA)
	w := &recorder{local: &net.UDPAddr{IP: net.IPv4(169, 254, 169, 253), Port: 53}}
	for b.Loop() {
		s.ServeDNS(w, req)
		if len(w.msg.Answer) != 1 {
			b.Fatal(w.msg)
		}
	}
}
