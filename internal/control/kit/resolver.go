package kit

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"time"

	"vpcd/internal/model"
)

// Route 53 Resolver's endpoints and rules are kept as records of kind "rslvr" (their IDs
// are rslvr-in-…, rslvr-out-… and rslvr-rr-…); control/resolverrules answers their
// actions. A rule's record carries what the data plane needs of it without a look at
// other records: its associations' VPCs and its outbound endpoint's ID, whose interfaces
// the model knows by their description (NetworkInterfaceRecord.ResolverEndpoint).

// ResolverEndpointRecord is an inbound or outbound Resolver endpoint in one VPC; each of
// its addresses is a requester-managed interface in a subnet of the VPC.
type ResolverEndpointRecord struct {
	Meta
	CreatorRequestID string                    `json:"creatorRequestId"`
	Name             string                    `json:"name,omitempty"`
	Direction        string                    `json:"direction"` // INBOUND or OUTBOUND
	VpcID            string                    `json:"hostVpcId"`
	SecurityGroupIDs []string                  `json:"securityGroupIds"`
	Addresses        []ResolverEndpointAddress `json:"addresses"`
	Protocols        []string                  `json:"protocols"`
	EndpointType     string                    `json:"endpointType"` // IPV4
	Created          time.Time                 `json:"created"`
	Modified         time.Time                 `json:"modified"`
}

// ResolverEndpointAddress is one address of an endpoint and the interface that holds it.
type ResolverEndpointAddress struct {
	IPID     string     `json:"ipId"` // rni-…
	SubnetID string     `json:"subnet"`
	ENI      string     `json:"eni"`
	Addr     netip.Addr `json:"addr"`
	Created  time.Time  `json:"created"`
	Modified time.Time  `json:"modified"`
}

// ResolverRuleRecord is a Resolver rule (FORWARD or SYSTEM) and its associations.
type ResolverRuleRecord struct {
	Meta
	CreatorRequestID string            `json:"creatorRequestId"`
	Name             string            `json:"name,omitempty"`
	RuleType         string            `json:"ruleType"`
	DomainName       string            `json:"domainName"` // as AWS shows it: lower case, with a trailing dot
	Targets          []ResolverTarget  `json:"targets,omitempty"`
	EndpointID       string            `json:"endpointId,omitempty"`
	Associations     []ResolverRuleVPC `json:"associations,omitempty"`
	Created          time.Time         `json:"created"`
	Modified         time.Time         `json:"modified"`
}

// ResolverRequester is the requester of a Resolver endpoint's interfaces, an AWS service
// principal as DescribeNetworkInterfaces shows it (a guess at AWS's value).
const ResolverRequester = "route53resolver.amazonaws.com"

// resolverDescription begins the description of a Resolver endpoint's interface.
const resolverDescription = "Route 53 Resolver: "

// ResolverInterfaceDescription is the description of the interface of a Resolver
// endpoint's address (rni-…): "Route 53 Resolver: rslvr-in-…:rni-…".
func ResolverInterfaceDescription(endpoint, rni string) string {
	return resolverDescription + endpoint + ":" + rni
}

// ResolverEndpoint is the ID of the Resolver endpoint the interface is of, from its
// description (which nobody but Route 53 Resolver can change), or "".
func (e *NetworkInterfaceRecord) ResolverEndpoint() string {
	if !e.RequesterManaged || e.RequesterID != ResolverRequester {
		return ""
	}
	rest, ok := strings.CutPrefix(e.Description, resolverDescription)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

// ResolverTarget is one DNS server a FORWARD rule sends queries to.
type ResolverTarget struct {
	Addr     netip.Addr `json:"addr"`
	Port     int32      `json:"port"`
	Protocol string     `json:"protocol"` // Do53
}

// ResolverRuleVPC is an association of a rule with a VPC.
type ResolverRuleVPC struct {
	ID    string `json:"id"` // rslvr-rrassoc-…
	Name  string `json:"name,omitempty"`
	VpcID string `json:"vpcId"`
}

// resolverRule is the model's view of a "rslvr" record: nil for an endpoint and for a
// rule with no association.
type resolverRule struct{ m *model.ResolverRule }

// resolverModel decodes any record of the kind as a rule and keeps only rules.
func resolverModel(region string, r *ResolverRuleRecord) any {
	if !strings.HasPrefix(r.ID, "rslvr-rr-") || len(r.Associations) == 0 {
		return resolverRule{}
	}
	m := &model.ResolverRule{ID: r.ID, Owner: r.Owner, Region: region, Domain: strings.TrimSuffix(r.DomainName, "."),
		Endpoint: r.EndpointID}
	for _, t := range r.Targets {
		m.Targets = append(m.Targets, netip.AddrPortFrom(t.Addr, uint16(t.Port)))
	}
	for _, a := range r.Associations {
		m.VPCs = append(m.VPCs, a.VpcID)
	}
	slices.Sort(m.VPCs)
	return resolverRule{m}
}

// setResolverRule puts a rule (nil: takes it out) in the network and in the part of each
// VPC it is associated with.
func (b *NetworkBuilder) setResolverRule(c *NetworkChange, id string, m *model.ResolverRule) {
	old := b.n.ResolverRules[id]
	putOrDelete(b.n.ResolverRules, id, m)
	if old != nil {
		for _, vpc := range old.VPCs {
			if p := b.Parts[vpc]; p != nil {
				delete(p.ResolverRules, id)
			}
		}
	}
	if m != nil {
		for _, vpc := range m.VPCs {
			p := b.Parts[vpc]
			if p == nil {
				p = model.NewNetwork()
				b.Parts[vpc] = p
			}
			p.ResolverRules[id] = m
		}
	}
	if reflect.DeepEqual(old, m) {
		return
	}
	if old != nil {
		c.vpc(old.VPCs...)
	}
	if m != nil {
		c.vpc(m.VPCs...)
	}
}
