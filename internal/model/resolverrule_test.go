package model

import "testing"

// TestResolverRuleFor: the rule of the longest domain the name is under decides, among
// the rules associated with the querying VPC only.
func TestResolverRuleFor(t *testing.T) {
	n := NewNetwork()
	for _, r := range []*ResolverRule{
		{ID: "rslvr-rr-corp", Domain: "corp.example", VPCs: []string{"vpc-a", "vpc-b"}},
		{ID: "rslvr-rr-lab", Domain: "lab.corp.example", VPCs: []string{"vpc-a"}},
		{ID: "rslvr-rr-all", Domain: "", VPCs: []string{"vpc-c"}},
	} {
		n.ResolverRules[r.ID] = r
	}
	for _, c := range []struct {
		name, vpc, query, want string
	}{
		{"the domain itself", "vpc-a", "corp.example.", "rslvr-rr-corp"},
		{"a subdomain, any case, no dot", "vpc-a", "WWW.Corp.Example", "rslvr-rr-corp"},
		{"the longest domain wins", "vpc-a", "db.lab.corp.example.", "rslvr-rr-lab"},
		{"a rule of another VPC does not count", "vpc-b", "db.lab.corp.example.", "rslvr-rr-corp"},
		{"a name that only ends like the domain", "vpc-a", "notcorp.example.", ""},
		{"no rule for the VPC", "vpc-d", "corp.example.", ""},
		{"the root rule matches everything", "vpc-c", "example.com.", "rslvr-rr-all"},
	} {
		got := ""
		if r := n.ResolverRuleFor(c.vpc, c.query); r != nil {
			got = r.ID
		}
		if got != c.want {
			t.Errorf("%s: rule %q, want %q", c.name, got, c.want)
		}
	}
}
