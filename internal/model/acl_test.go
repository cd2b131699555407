package model

import (
	"net/netip"
	"testing"
)

func TestACLAllows(t *testing.T) {
	pfx, addr := netip.MustParsePrefix, netip.MustParseAddr
	acl := &NetworkACL{ID: "acl-1", Entries: []ACLEntry{
		{Number: ACLDefaultRule, Protocol: -1, CIDR: pfx("0.0.0.0/0")},
		{Number: 200, Allow: true, Protocol: 6, CIDR: pfx("0.0.0.0/0"), FromPort: 22, ToPort: 22},
		{Number: 100, Protocol: 6, CIDR: pfx("10.0.9.0/24"), FromPort: 22, ToPort: 22},
		{Number: 300, Allow: true, Protocol: 6, CIDR: pfx("10.0.0.0/16"), FromPort: 1024, ToPort: 65535},
		{Number: 400, Allow: true, Protocol: 1, CIDR: pfx("10.0.0.0/16"), FromPort: 8, ToPort: -1},
		{Number: 500, Allow: true, Protocol: 47, CIDR: pfx("10.0.0.0/16"), FromPort: 5, ToPort: 5},
		{Number: 600, Allow: true, Protocol: 17, CIDR: pfx("::/0"), FromPort: 53, ToPort: 53},
		{Number: 100, Egress: true, Allow: true, Protocol: -1, CIDR: pfx("0.0.0.0/0")},
		{Number: ACLDefaultRule, Egress: true, Protocol: -1, CIDR: pfx("0.0.0.0/0")},
	}}
	for _, tc := range []struct {
		name   string
		egress bool
		p      Packet
		allow  bool
		rule   int
	}{
		{"deny numbered before allow wins", false, Packet{Protocol: 6, Port: 22, Peer: addr("10.0.9.7")}, false, 100},
		{"allow applies outside the deny", false, Packet{Protocol: 6, Port: 22, Peer: addr("10.0.1.7")}, true, 200},
		{"star rule denies the rest", false, Packet{Protocol: 6, Port: 80, Peer: addr("10.0.1.7")}, false, ACLDefaultRule},
		{"port range lower bound", false, Packet{Protocol: 6, Port: 1024, Peer: addr("10.0.1.7")}, true, 300},
		{"port range upper bound", false, Packet{Protocol: 6, Port: 65535, Peer: addr("10.0.1.7")}, true, 300},
		{"below the port range", false, Packet{Protocol: 6, Port: 1023, Peer: addr("10.0.1.7")}, false, ACLDefaultRule},
		{"tcp range does not match udp", false, Packet{Protocol: 17, Port: 2000, Peer: addr("10.0.1.7")}, false, ACLDefaultRule},
		{"peer outside the block", false, Packet{Protocol: 6, Port: 2000, Peer: addr("192.0.2.1")}, false, ACLDefaultRule},
		{"icmp type with any code", false, Packet{Protocol: 1, ICMPType: 8, ICMPCode: 3, Peer: addr("10.0.1.7")}, true, 400},
		{"icmp other type", false, Packet{Protocol: 1, ICMPType: 0, Peer: addr("10.0.1.7")}, false, ACLDefaultRule},
		{"other protocols ignore ports", false, Packet{Protocol: 47, Port: 9, Peer: addr("10.0.1.7")}, true, 500},
		{"an IPv6 rule does not match IPv4", false, Packet{Protocol: 17, Port: 53, Peer: addr("10.0.1.7")}, false, ACLDefaultRule},
		{"an IPv6 rule matches IPv6", false, Packet{Protocol: 17, Port: 53, Peer: addr("2600::1")}, true, 600},
		{"protocol -1 matches everything", true, Packet{Protocol: 132, Port: 9, Peer: addr("198.51.100.1")}, true, 100},
		{"directions are separate", true, Packet{Protocol: 6, Port: 22, Peer: addr("10.0.9.7")}, true, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allow, rule := acl.Allows(tc.egress, tc.p)
			if allow != tc.allow || rule != tc.rule {
				t.Errorf("Allows = %v by rule %d, want %v by rule %d", allow, rule, tc.allow, tc.rule)
			}
		})
	}
}

func TestACLOf(t *testing.T) {
	n := NewNetwork()
	n.NetworkACLs["acl-a"] = &NetworkACL{ID: "acl-a", Subnets: []string{"subnet-1"}}
	n.NetworkACLs["acl-b"] = &NetworkACL{ID: "acl-b", Subnets: []string{"subnet-2", "subnet-3"}}
	for subnet, want := range map[string]string{"subnet-1": "acl-a", "subnet-3": "acl-b", "subnet-9": ""} {
		got := ""
		if acl := n.ACLOf(subnet); acl != nil {
			got = acl.ID
		}
		if got != want {
			t.Errorf("ACLOf(%s) = %q, want %q", subnet, got, want)
		}
	}
}
