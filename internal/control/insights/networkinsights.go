package insights

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"vpcd/internal/analyze"
	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
	"vpcd/internal/model"
)

// Network Insights paths (kind "nip") and analyses (kind "nia"): Reachability Analyzer.
// A path is a question (source, destination, protocol, port); an analysis answers it
// against the network as it is when the analysis starts, with internal/analyze, and keeps
// the answer: the components of the forward and return paths and, when the path is not
// found, every component that blocks it.

type insightsPathRecord struct {
	kit.Meta
	Source              string          `json:"source"`
	Destination         string          `json:"destination,omitempty"`
	SourceIP            string          `json:"sourceIp,omitempty"`
	DestinationIP       string          `json:"destinationIp,omitempty"`
	Protocol            string          `json:"protocol"`
	DestinationPort     *int32          `json:"destinationPort,omitempty"`
	FilterAtSource      *ec2.PathFilter `json:"filterAtSource,omitempty"`
	FilterAtDestination *ec2.PathFilter `json:"filterAtDestination,omitempty"`
	CreatedDate         time.Time       `json:"createdDate"`
	ClientToken         string          `json:"clientToken,omitempty"`
}

type insightsAnalysisRecord struct {
	kit.Meta
	PathID             string              `json:"pathId"`
	StartDate          time.Time           `json:"startDate"`
	Status             string              `json:"status"`
	StatusMessage      string              `json:"statusMessage,omitempty"`
	PathFound          bool                `json:"pathFound"`
	Forward            []ec2.PathComponent `json:"forward,omitempty"`
	Return             []ec2.PathComponent `json:"return,omitempty"`
	Explanations       []ec2.Explanation   `json:"explanations,omitempty"`
	AdditionalAccounts []string            `json:"additionalAccounts,omitempty"`
	SuggestedAccounts  []string            `json:"suggestedAccounts,omitempty"`
	FilterInArns       []string            `json:"filterInArns,omitempty"`
	ClientToken        string              `json:"clientToken,omitempty"`
}

// resourceID is the ID an endpoint names: the ID itself, or the last part of its ARN.
func resourceID(s string) string {
	if strings.HasPrefix(s, "arn:") {
		if i := strings.LastIndex(s, "/"); i >= 0 {
			return s[i+1:]
		}
	}
	return s
}

// insightsEndpointKinds are the resources a path may start or end at.
var insightsEndpointKinds = []string{"i", "eni", "igw", "nat", "pcx", "vgw", "vpce"}

func checkInsightsEndpoint(t *kit.Txn, c kit.Caller, param, id string) error {
	kind := kit.KindOf(id)
	if !slices.Contains(insightsEndpointKinds, kind) {
		return ec2.ErrInvalidParameterValue("The %s '%s' is not a supported resource: an instance, a network interface, an internet gateway, a NAT gateway, a VPC peering connection, a virtual private gateway or a VPC endpoint.", param, id)
	}
	if err := kit.CheckID(id, kind); err != nil {
		return err
	}
	var r struct{}
	ok, err := t.Get(c.Key(id), &r)
	if err != nil {
		return err
	}
	if !ok {
		return kit.NotFound(id)
	}
	return nil
}

func checkIPv4(param string, v *string) error {
	if v == nil {
		return nil
	}
	if a, err := netip.ParseAddr(*v); err != nil || !a.Is4() {
		return ec2.ErrInvalidParameterValue("The %s '%s' is not a valid IPv4 address.", param, *v)
	}
	return nil
}

func checkFilter(name string, f *ec2.PathRequestFilter) (*ec2.PathFilter, error) {
	if f == nil {
		return nil, nil
	}
	if err := checkIPv4(name+".SourceAddress", f.SourceAddress); err != nil {
		return nil, err
	}
	if err := checkIPv4(name+".DestinationAddress", f.DestinationAddress); err != nil {
		return nil, err
	}
	out := &ec2.PathFilter{SourceAddress: f.SourceAddress, DestinationAddress: f.DestinationAddress}
	for _, r := range []struct {
		in  *ec2.RequestFilterPortRange
		out **ec2.FilterPortRange
		arg string
	}{{f.SourcePortRange, &out.SourcePortRange, "SourcePortRange"}, {f.DestinationPortRange, &out.DestinationPortRange, "DestinationPortRange"}} {
		if r.in == nil {
			continue
		}
		from, to := kit.Deref(r.in.FromPort), kit.Deref(r.in.ToPort)
		if r.in.ToPort == nil {
			to = from
		}
		if from < 0 || to > 65535 || from > to {
			return nil, ec2.ErrInvalidParameterValue("The %s.%s %d-%d is not a valid port range.", name, r.arg, from, to)
		}
		*r.out = &ec2.FilterPortRange{FromPort: kit.Ptr(from), ToPort: kit.Ptr(to)}
	}
	return out, nil
}

// CreateNetworkInsightsPath stores a question for Reachability Analyzer.
func (s *Insights) CreateNetworkInsightsPath(ctx context.Context, c kit.Caller, in *ec2.CreateNetworkInsightsPathRequest) (*ec2.CreateNetworkInsightsPathResult, error) {
	switch {
	case kit.Deref(in.Source) == "":
		return nil, ec2.ErrMissingParameter("Source")
	case kit.Deref(in.Protocol) == "":
		return nil, ec2.ErrMissingParameter("Protocol")
	case *in.Protocol != "tcp" && *in.Protocol != "udp":
		return nil, ec2.ErrInvalidParameterValue("Value (%s) for parameter Protocol is invalid. Expected: 'tcp', 'udp'.", *in.Protocol)
	case kit.Deref(in.Destination) == "" && in.DestinationIp == nil:
		return nil, ec2.ErrMissingParameter("Destination or DestinationIp")
	}
	if p := in.DestinationPort; p != nil && (*p < 0 || *p > 65535) {
		return nil, ec2.ErrInvalidParameterValue("Value (%d) for parameter DestinationPort is invalid.", *p)
	}
	if err := checkIPv4("SourceIp", in.SourceIp); err != nil {
		return nil, err
	}
	if err := checkIPv4("DestinationIp", in.DestinationIp); err != nil {
		return nil, err
	}
	atSource, err := checkFilter("FilterAtSource", in.FilterAtSource)
	if err != nil {
		return nil, err
	}
	atDestination, err := checkFilter("FilterAtDestination", in.FilterAtDestination)
	if err != nil {
		return nil, err
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "network-insights-path")
	if err != nil {
		return nil, err
	}
	rec := &insightsPathRecord{
		Meta: kit.Meta{ID: kit.NewID("nip"), Owner: c.Account, Tags: tags}, Source: resourceID(*in.Source), Destination: resourceID(kit.Deref(in.Destination)),
		SourceIP: kit.Deref(in.SourceIp), DestinationIP: kit.Deref(in.DestinationIp), Protocol: *in.Protocol, DestinationPort: in.DestinationPort,
		FilterAtSource: atSource, FilterAtDestination: atDestination, CreatedDate: s.Now().UTC().Truncate(time.Second), ClientToken: kit.Deref(in.ClientToken),
	}
	err = s.Update(ctx, func(t *kit.Txn) error {
		if rec.ClientToken != "" {
			all, err := kit.ListAll[insightsPathRecord](t, c.Prefix("nip"))
			if err != nil {
				return err
			}
			for _, p := range all {
				if p.ClientToken == rec.ClientToken {
					rec = p
					return nil
				}
			}
		}
		if err := checkInsightsEndpoint(t, c, "Source", rec.Source); err != nil {
			return err
		}
		if rec.Destination != "" {
			if err := checkInsightsEndpoint(t, c, "Destination", rec.Destination); err != nil {
				return err
			}
		}
		return t.Put(c.Key(rec.ID), rec)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateNetworkInsightsPathResult{NetworkInsightsPath: rec.ec2(c)}, nil
}

func (p *insightsPathRecord) ec2(c kit.Caller) *ec2.NetworkInsightsPath {
	out := &ec2.NetworkInsightsPath{
		NetworkInsightsPathId: kit.Ptr(p.ID), NetworkInsightsPathArn: kit.Ptr(c.ARN(p.ID)), CreatedDate: kit.Ptr(p.CreatedDate),
		Source: kit.Ptr(p.Source), SourceArn: kit.Ptr(c.ARN(p.Source)), Protocol: kit.Ptr(p.Protocol), DestinationPort: p.DestinationPort,
		FilterAtSource: p.FilterAtSource, FilterAtDestination: p.FilterAtDestination, Tags: p.EC2Tags(),
	}
	if p.Destination != "" {
		out.Destination, out.DestinationArn = kit.Ptr(p.Destination), kit.Ptr(c.ARN(p.Destination))
	}
	if p.SourceIP != "" {
		out.SourceIp = kit.Ptr(p.SourceIP)
	}
	if p.DestinationIP != "" {
		out.DestinationIp = kit.Ptr(p.DestinationIP)
	}
	return out
}

var insightsPathFilters = map[string]func(*insightsPathRecord) []string{
	"destination":      func(p *insightsPathRecord) []string { return []string{p.Destination} },
	"destination-ip":   func(p *insightsPathRecord) []string { return []string{p.DestinationIP} },
	"destination-port": func(p *insightsPathRecord) []string { return []string{portString(p.DestinationPort)} },
	"protocol":         func(p *insightsPathRecord) []string { return []string{p.Protocol} },
	"source":           func(p *insightsPathRecord) []string { return []string{p.Source} },
	"source-ip":        func(p *insightsPathRecord) []string { return []string{p.SourceIP} },
}

func portString(p *int32) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

// DescribeNetworkInsightsPaths lists the caller's paths.
func (s *Insights) DescribeNetworkInsightsPaths(ctx context.Context, c kit.Caller, in *ec2.DescribeNetworkInsightsPathsRequest) (*ec2.DescribeNetworkInsightsPathsResult, error) {
	ps, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "nip", IDs: in.NetworkInsightsPathIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 1}, insightsPathFilters)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeNetworkInsightsPathsResult{NextToken: next, NetworkInsightsPaths: []ec2.NetworkInsightsPath{}}
	for _, p := range ps {
		out.NetworkInsightsPaths = append(out.NetworkInsightsPaths, *p.ec2(c))
	}
	return out, nil
}

// DeleteNetworkInsightsPath deletes a path and its analyses.
func (s *Insights) DeleteNetworkInsightsPath(ctx context.Context, c kit.Caller, in *ec2.DeleteNetworkInsightsPathRequest) (*ec2.DeleteNetworkInsightsPathResult, error) {
	id := kit.Deref(in.NetworkInsightsPathId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NetworkInsightsPathId")
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		if _, err := kit.Get[insightsPathRecord](t, c, "nip", id); err != nil {
			return err
		}
		all, err := kit.ListAll[insightsAnalysisRecord](t, c.Prefix("nia"))
		if err != nil {
			return err
		}
		for _, a := range all {
			if a.PathID == id {
				t.Del(c.Key(a.ID))
			}
		}
		t.Del(c.Key(id))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteNetworkInsightsPathResult{NetworkInsightsPathId: kit.Ptr(id)}, nil
}

// StartNetworkInsightsAnalysis analyzes a path against the network as it is now. The
// analysis takes milliseconds, so it is done before the call returns; the answer says
// running, as AWS's does, and Describe shows it succeeded.
func (s *Insights) StartNetworkInsightsAnalysis(ctx context.Context, c kit.Caller, in *ec2.StartNetworkInsightsAnalysisRequest) (*ec2.StartNetworkInsightsAnalysisResult, error) {
	id := kit.Deref(in.NetworkInsightsPathId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NetworkInsightsPathId")
	}
	for _, a := range in.AdditionalAccounts {
		if !isAccountID(a) {
			return nil, ec2.ErrInvalidParameterValue("The account ID '%s' is not valid.", a)
		}
	}
	if len(in.FilterOutArns) > 0 {
		return nil, ec2.ErrUnsupportedOperation("FilterOutArns is not supported: vpcd finds the one path that the data plane takes.")
	}
	tags, err := kit.TagsOnCreate(in.TagSpecifications, "network-insights-analysis")
	if err != nil {
		return nil, err
	}
	var path *insightsPathRecord
	if err := s.View(ctx, func(t *kit.Txn) error {
		path, err = kit.Get[insightsPathRecord](t, c, "nip", id)
		return err
	}); err != nil {
		return nil, err
	}
	n, _, err := s.Network(ctx)
	if err != nil {
		return nil, err
	}
	rec := &insightsAnalysisRecord{
		Meta: kit.Meta{ID: kit.NewID("nia"), Owner: c.Account, Tags: tags}, PathID: id, StartDate: s.Now().UTC().Truncate(time.Second),
		Status: "succeeded", AdditionalAccounts: in.AdditionalAccounts, FilterInArns: in.FilterInArns, ClientToken: kit.Deref(in.ClientToken),
	}
	res, err := analyzePath(n, path)
	if err != nil {
		rec.Status, rec.StatusMessage = "failed", err.Error()
	} else {
		rec.fill(c, n, res)
		rec.checkFilterIn(c)
	}
	err = s.Update(ctx, func(t *kit.Txn) error {
		if rec.ClientToken != "" {
			all, err := kit.ListAll[insightsAnalysisRecord](t, c.Prefix("nia"))
			if err != nil {
				return err
			}
			for _, a := range all {
				if a.ClientToken == rec.ClientToken {
					rec = a
					return nil
				}
			}
		}
		if _, err := kit.Get[insightsPathRecord](t, c, "nip", id); err != nil {
			return err
		}
		return t.Put(c.Key(rec.ID), rec)
	})
	if err != nil {
		return nil, err
	}
	out := rec.ec2(c)
	out.Status = kit.Ptr("running")
	out.NetworkPathFound, out.ForwardPathComponents, out.ReturnPathComponents, out.Explanations = nil, nil, nil, nil
	return &ec2.StartNetworkInsightsAnalysisResult{NetworkInsightsAnalysis: out}, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// analyzePath answers a path. Without a destination port, every port at which a rule of
// the network begins or ends is tried, and the first that gets through answers (the
// verdicts change only there).
func analyzePath(n *model.Network, p *insightsPathRecord) (*analyze.Result, error) {
	q := analyze.Query{Source: p.Source, Destination: p.Destination, Protocol: 6}
	if p.Protocol == "udp" {
		q.Protocol = 17
	}
	q.SourceIP, _ = netip.ParseAddr(p.SourceIP)
	q.DestinationIP, _ = netip.ParseAddr(p.DestinationIP)
	if f := p.FilterAtSource; f != nil {
		if a, err := netip.ParseAddr(kit.Deref(f.SourceAddress)); err == nil && !q.SourceIP.IsValid() {
			q.SourceIP = a
		}
		if a, err := netip.ParseAddr(kit.Deref(f.DestinationAddress)); err == nil && !q.DestinationIP.IsValid() {
			q.DestinationIP = a
		}
		if r := f.SourcePortRange; r != nil {
			q.SourcePortMin, q.SourcePortMax = int(kit.Deref(r.FromPort)), int(kit.Deref(r.ToPort))
		}
	}
	ix := analyze.NewIndex(n)
	var ports []int
	switch {
	case p.DestinationPort != nil:
		ports = []int{int(*p.DestinationPort)}
	case p.FilterAtDestination != nil && p.FilterAtDestination.DestinationPortRange != nil:
		r := p.FilterAtDestination.DestinationPortRange
		ports = analyze.CandidatePorts(n, int(kit.Deref(r.FromPort)), int(kit.Deref(r.ToPort)))
	default:
		ports = analyze.CandidatePorts(n, 0, 65535)
	}
	var first *analyze.Result
	for _, port := range ports {
		q.DestinationPort = port
		r, err := ix.Analyze(q)
		if err != nil {
			return nil, err
		}
		if r.Reachable {
			return r, nil
		}
		if first == nil {
			first = r
		}
	}
	return first, nil
}

// fill turns an analysis result into AWS's shapes, and names the accounts of the
// components the path crosses that the caller did not list.
func (a *insightsAnalysisRecord) fill(c kit.Caller, n *model.Network, r *analyze.Result) {
	a.PathFound = r.Reachable
	accounts := map[string]bool{}
	comps := func(hops []analyze.Hop) []ec2.PathComponent {
		out := []ec2.PathComponent{}
		for i, h := range hops {
			out = append(out, pathComponent(c, i+1, h))
			if v := n.VPCs[h.VPC]; v != nil && v.Owner != "" && v.Owner != c.Account {
				accounts[v.Owner] = true
			}
		}
		return out
	}
	a.Forward, a.Return = comps(r.Forward), comps(r.Return)
	for _, e := range r.Explanations {
		a.Explanations = append(a.Explanations, explanation(c, e))
	}
	for acct := range accounts {
		if !slices.Contains(a.AdditionalAccounts, acct) {
			a.SuggestedAccounts = append(a.SuggestedAccounts, acct)
		}
	}
	slices.Sort(a.SuggestedAccounts)
}

// checkFilterIn keeps a found path only when it passes every component FilterInArns
// names, as AWS's analysis looks only for such paths.
func (a *insightsAnalysisRecord) checkFilterIn(c kit.Caller) {
	for _, arn := range a.FilterInArns {
		id := resourceID(arn)
		found := false
		for _, pc := range a.Forward {
			found = found || (pc.Component != nil && kit.Deref(pc.Component.Id) == id)
		}
		if !found && a.PathFound {
			a.PathFound = false
			a.Explanations = append(a.Explanations, ec2.Explanation{ExplanationCode: kit.Ptr("COMPONENT_FILTER_RESTRICTION"),
				Component: &ec2.AnalysisComponent{Id: kit.Ptr(id), Arn: kit.Ptr(c.ARN(id))}})
		}
	}
}

func component(c kit.Caller, id string) *ec2.AnalysisComponent {
	if id == "" {
		return nil
	}
	return &ec2.AnalysisComponent{Id: kit.Ptr(id), Arn: kit.Ptr(c.ARN(id))}
}

func header(p analyze.Packet) *ec2.AnalysisPacketHeader {
	h := &ec2.AnalysisPacketHeader{Protocol: kit.Ptr(fmt.Sprint(p.Protocol)), SourceAddresses: []string{p.Src.String()}, DestinationAddresses: []string{p.Dst.String()}}
	if p.Protocol == 6 || p.Protocol == 17 {
		h.SourcePortRanges = []ec2.PortRange{{From: kit.Ptr(int32(p.SrcPorts[0])), To: kit.Ptr(int32(p.SrcPorts[1]))}}
		h.DestinationPortRanges = []ec2.PortRange{{From: kit.Ptr(int32(p.DstPorts[0])), To: kit.Ptr(int32(p.DstPorts[1]))}}
	}
	return h
}

func pathComponent(c kit.Caller, seq int, h analyze.Hop) ec2.PathComponent {
	pc := ec2.PathComponent{SequenceNumber: kit.Ptr(int32(seq)), Component: component(c, h.ID), Vpc: component(c, h.VPC), Subnet: component(c, h.Subnet),
		InboundHeader: header(h.Header), OutboundHeader: header(h.Header)}
	if h.Translated != nil {
		pc.OutboundHeader = header(*h.Translated)
	}
	if r := h.ACLRule; r != nil {
		pc.AclRule = analysisACLRule(*r)
	}
	if r := h.SGRule; r != nil {
		pc.SecurityGroupRule = analysisSGRule(h.ID, *r)
	}
	if r := h.Route; r != nil {
		pc.RouteTableRoute = routeTableRoute(*r)
	}
	if r := h.TransitGatewayRoute; r != nil {
		pc.TransitGatewayRouteTableRoute = transitGatewayRoute(*r)
	}
	if h.Kind == analyze.KindTransitGateway {
		pc.TransitGateway = component(c, h.ID)
	}
	return pc
}

func analysisACLRule(r model.ACLEntry) *ec2.AnalysisAclRule {
	action := "deny"
	if r.Allow {
		action = "allow"
	}
	out := &ec2.AnalysisAclRule{RuleNumber: kit.Ptr(int32(r.Number)), Egress: kit.Ptr(r.Egress), RuleAction: kit.Ptr(action), Protocol: kit.Ptr(fmt.Sprint(r.Protocol))}
	if r.CIDR.IsValid() {
		out.Cidr = kit.Ptr(r.CIDR.String())
	}
	if r.FromPort != -1 || r.ToPort != -1 {
		out.PortRange = &ec2.PortRange{From: kit.Ptr(int32(r.FromPort)), To: kit.Ptr(int32(r.ToPort))}
	}
	return out
}

func analysisSGRule(group string, r model.SecurityGroupRule) *ec2.AnalysisSecurityGroupRule {
	out := &ec2.AnalysisSecurityGroupRule{SecurityGroupId: kit.Ptr(group), Direction: kit.Ptr(map[bool]string{true: "egress", false: "ingress"}[r.Egress]), Protocol: kit.Ptr(fmt.Sprint(r.Protocol))}
	if r.CIDR.IsValid() {
		out.Cidr = kit.Ptr(r.CIDR.String())
	}
	if r.PrefixList != "" {
		out.PrefixListId = kit.Ptr(r.PrefixList)
	}
	if r.FromPort != -1 || r.ToPort != -1 {
		out.PortRange = &ec2.PortRange{From: kit.Ptr(int32(r.FromPort)), To: kit.Ptr(int32(r.ToPort))}
	}
	return out
}

func routeTableRoute(r model.Route) *ec2.AnalysisRouteTableRoute {
	out := &ec2.AnalysisRouteTableRoute{Origin: kit.Ptr("CreateRoute"), State: kit.Ptr("active")}
	if r.DestinationPrefixList != "" {
		out.DestinationPrefixListId = kit.Ptr(r.DestinationPrefixList)
	} else {
		out.DestinationCidr = kit.Ptr(r.Destination.String())
	}
	switch kit.KindOf(r.Target) {
	case "local":
		out.GatewayId, out.Origin = kit.Ptr("local"), kit.Ptr("CreateRouteTable")
	case "igw", "vgw":
		out.GatewayId = kit.Ptr(r.Target)
	case "nat":
		out.NatGatewayId = kit.Ptr(r.Target)
	case "eni":
		out.NetworkInterfaceId = kit.Ptr(r.Target)
	case "i":
		out.InstanceId = kit.Ptr(r.Target)
	case "pcx":
		out.VpcPeeringConnectionId = kit.Ptr(r.Target)
	case "eigw":
		out.EgressOnlyInternetGatewayId = kit.Ptr(r.Target)
	case "tgw":
		out.TransitGatewayId = kit.Ptr(r.Target)
	default:
		out.GatewayId = kit.Ptr(r.Target)
	}
	return out
}

// transitGatewayRoute is a transit gateway route as an analysis shows it.
func transitGatewayRoute(r model.TransitGatewayRoute) *ec2.TransitGatewayRouteTableRoute {
	out := &ec2.TransitGatewayRouteTableRoute{DestinationCidr: kit.Ptr(r.Destination.String()), RouteOrigin: kit.Ptr("static"), State: kit.Ptr("active")}
	if r.Propagated {
		out.RouteOrigin = kit.Ptr("propagated")
	}
	if r.Blackhole {
		out.State = kit.Ptr("blackhole")
	} else {
		out.AttachmentId = kit.Ptr(r.Attachment)
	}
	return out
}

func explanation(c kit.Caller, e analyze.Explanation) ec2.Explanation {
	out := ec2.Explanation{ExplanationCode: kit.Ptr(e.Code), Component: component(c, e.ID), Vpc: component(c, e.VPC), Subnet: component(c, e.Subnet)}
	if e.Direction != "" {
		out.Direction = kit.Ptr(e.Direction)
	}
	if e.Address.IsValid() {
		out.Address = kit.Ptr(e.Address.String())
	}
	switch kit.KindOf(e.ID) {
	case "acl":
		out.Acl = component(c, e.ID)
	case "eni":
		out.NetworkInterface = component(c, e.ID)
	case "rtb":
		out.RouteTable = component(c, e.ID)
	case "igw":
		out.InternetGateway = component(c, e.ID)
	case "nat":
		out.NatGateway = component(c, e.ID)
	case "pcx":
		out.VpcPeeringConnection = component(c, e.ID)
	case "tgw-attach":
		out.TransitGatewayAttachment = component(c, e.ID)
	case "tgw-rtb":
		out.TransitGatewayRouteTable = component(c, e.ID)
	}
	if e.TransitGatewayRoute != nil {
		out.TransitGatewayRouteTableRoute = transitGatewayRoute(*e.TransitGatewayRoute)
	}
	if e.ACLRule != nil {
		out.AclRule = analysisACLRule(*e.ACLRule)
	}
	if e.Route != nil {
		out.RouteTableRoute = routeTableRoute(*e.Route)
	}
	for _, g := range e.Groups {
		out.SecurityGroups = append(out.SecurityGroups, *component(c, g))
	}
	return out
}

func (a *insightsAnalysisRecord) ec2(c kit.Caller) *ec2.NetworkInsightsAnalysis {
	out := &ec2.NetworkInsightsAnalysis{
		NetworkInsightsAnalysisId: kit.Ptr(a.ID), NetworkInsightsAnalysisArn: kit.Ptr(c.ARN(a.ID)), NetworkInsightsPathId: kit.Ptr(a.PathID),
		StartDate: kit.Ptr(a.StartDate), Status: kit.Ptr(a.Status), Tags: a.EC2Tags(), AdditionalAccounts: a.AdditionalAccounts,
		SuggestedAccounts: a.SuggestedAccounts, FilterInArns: a.FilterInArns,
	}
	if a.StatusMessage != "" {
		out.StatusMessage = kit.Ptr(a.StatusMessage)
	}
	if a.Status == "succeeded" {
		out.NetworkPathFound = kit.Ptr(a.PathFound)
		out.ForwardPathComponents, out.ReturnPathComponents, out.Explanations = a.Forward, a.Return, a.Explanations
	}
	return out
}

func insightsAnalysisFilters() map[string]func(*insightsAnalysisRecord) []string {
	return map[string]func(*insightsAnalysisRecord) []string{
		"path-found": func(a *insightsAnalysisRecord) []string { return []string{kit.BoolString(a.PathFound)} },
		"status":     func(a *insightsAnalysisRecord) []string { return []string{a.Status} },
	}
}

// DescribeNetworkInsightsAnalyses lists the caller's analyses, of one path or all, started
// in a time window.
func (s *Insights) DescribeNetworkInsightsAnalyses(ctx context.Context, c kit.Caller, in *ec2.DescribeNetworkInsightsAnalysesRequest) (*ec2.DescribeNetworkInsightsAnalysesResult, error) {
	as, next, err := kit.Describe(ctx, s.Kit, c, kit.DescribeQuery{Kind: "nia", IDs: in.NetworkInsightsAnalysisIds, Filters: in.Filters, MaxResults: in.MaxResults, NextToken: in.NextToken, MinResults: 1}, insightsAnalysisFilters())
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeNetworkInsightsAnalysesResult{NextToken: next, NetworkInsightsAnalyses: []ec2.NetworkInsightsAnalysis{}}
	for _, a := range as {
		switch {
		case in.NetworkInsightsPathId != nil && a.PathID != *in.NetworkInsightsPathId:
		case in.AnalysisStartTime != nil && a.StartDate.Before(*in.AnalysisStartTime):
		case in.AnalysisEndTime != nil && a.StartDate.After(*in.AnalysisEndTime):
		default:
			out.NetworkInsightsAnalyses = append(out.NetworkInsightsAnalyses, *a.ec2(c))
		}
	}
	return out, nil
}

// DeleteNetworkInsightsAnalysis deletes an analysis.
func (s *Insights) DeleteNetworkInsightsAnalysis(ctx context.Context, c kit.Caller, in *ec2.DeleteNetworkInsightsAnalysisRequest) (*ec2.DeleteNetworkInsightsAnalysisResult, error) {
	id := kit.Deref(in.NetworkInsightsAnalysisId)
	if id == "" {
		return nil, ec2.ErrMissingParameter("NetworkInsightsAnalysisId")
	}
	err := s.Update(ctx, func(t *kit.Txn) error {
		if _, err := kit.Get[insightsAnalysisRecord](t, c, "nia", id); err != nil {
			return err
		}
		t.Del(c.Key(id))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteNetworkInsightsAnalysisResult{NetworkInsightsAnalysisId: kit.Ptr(id)}, nil
}
