package model

import (
	"net/netip"
	"slices"
	"strings"
)

// ResolverRule is a Route 53 Resolver forwarding rule as the VPC's DNS server needs it:
// queries for Domain and its subdomains, from the VPCs the rule is associated with, go to
// Targets through the outbound endpoint (from the addresses of its interfaces, those
// whose ResolverEndpoint is Endpoint). Only FORWARD rules with at least one association
// enter the model; SYSTEM rules, which make the resolver answer a subdomain itself, enter
// with no Targets.
type ResolverRule struct {
	ID, Owner, Region string
	Domain            string // lower case, without the trailing dot: "corp.example"
	Targets           []netip.AddrPort
	VPCs              []string // sorted
	Endpoint          string   // the outbound endpoint's ID
}

// System reports whether the rule makes the VPC's resolver answer its domain itself
// rather than forward it.
func (r *ResolverRule) System() bool { return len(r.Targets) == 0 }

// Matches reports whether name (with or without a trailing dot, any case) is the rule's
// domain or under it.
func (r *ResolverRule) Matches(name string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	return r.Domain == "" || name == r.Domain || strings.HasSuffix(name, "."+r.Domain)
}

// ResolverRuleFor is the rule that decides a query for name from vpc: of the rules
// associated with the VPC whose domain the name is under, the one with the longest
// domain, as Route 53 Resolver picks; nil when no rule matches, and the VPC's resolver
// answers as usual.
func (n *Network) ResolverRuleFor(vpc, name string) *ResolverRule {
	var best *ResolverRule
	for _, id := range SortedKeys(n.ResolverRules) {
		r := n.ResolverRules[id]
		if !slices.Contains(r.VPCs, vpc) || !r.Matches(name) {
			continue
		}
		if best == nil || len(r.Domain) > len(best.Domain) {
			best = r
		}
	}
	return best
}
