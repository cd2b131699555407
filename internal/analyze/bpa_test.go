package analyze

import (
	"slices"
	"testing"

	"vpcd/internal/model"
)

// TestBlockPublicAccess: VPC Block Public Access stops paths through the internet gateway
// as model.PublicAccess says, named by its own code, and exclusions open them again.
func TestBlockPublicAccess(t *testing.T) {
	b := newNet()
	vpc := b.vpc("10.0.0.0/16")
	b.n.VPCs[vpc].Owner, b.n.VPCs[vpc].Region = "111111111111", "us-east-1"
	pub, rtPub, _ := b.subnet(vpc, "10.0.1.0/24")
	priv, rtPriv, _ := b.subnet(vpc, "10.0.2.0/24")
	igw := b.gateway(vpc)
	b.route(rtPub, "0.0.0.0/0", igw)
	nat := b.natGateway(vpc, pub, "10.0.1.5", "198.51.100.5")
	b.route(rtPriv, "0.0.0.0/0", nat)
	web, eni := b.instance(pub, "10.0.1.10")
	b.n.Interfaces[eni].PublicIP = addr("198.51.100.10")
	app, _ := b.instance(priv, "10.0.2.10")

	out := Query{Source: web, Destination: igw, Protocol: 6, DestinationPort: 443}
	in := Query{Source: igw, DestinationIP: addr("198.51.100.10"), Protocol: 6, DestinationPort: 22}
	viaNAT := Query{Source: app, Destination: igw, Protocol: 6, DestinationPort: 443}
	for _, tc := range []struct {
		name                 string
		mode                 string
		exclusions           map[string]string
		wantOut, wantIn, nat bool
	}{
		{"off", "off", nil, true, true, true},
		{"bidirectional", model.BPABidirectional, nil, false, false, false},
		{"bidirectional, public subnet allows egress", model.BPABidirectional, map[string]string{pub: model.BPAAllowEgress}, true, false, true},
		{"bidirectional, VPC excluded", model.BPABidirectional, map[string]string{vpc: model.BPAAllowBidirectional}, true, true, true},
		{"ingress", model.BPAIngress, nil, false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.n.BlockPublicAccess = &model.BlockPublicAccess{Modes: map[string]string{"111111111111/us-east-1": tc.mode}, Exclusions: tc.exclusions}
			for _, c := range []struct {
				what string
				q    Query
				want bool
			}{{"out", out, tc.wantOut}, {"in", in, tc.wantIn}, {"out through the NAT gateway", viaNAT, tc.nat}} {
				r := analyze(t, b.n, c.q)
				if r.Reachable != c.want {
					t.Errorf("%s: reachable %v, want %v (%v)", c.what, r.Reachable, c.want, codes(r))
				}
				if !r.Reachable && !slices.Contains(codes(r), CodeBlockPublicAccess) && !slices.Contains(codes(r), CodeBlockPublicAccess+" return") {
					t.Errorf("%s: blocked by %v, want %s among them", c.what, codes(r), CodeBlockPublicAccess)
				}
			}
		})
	}
}
