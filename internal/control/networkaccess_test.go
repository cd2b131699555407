package control

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// scopeNetwork is a VPC with an attached gateway that the main route table sends
// 0.0.0.0/0 to, and two subnets: "pub" with an instance that has a public address and
// ssh open to all, and "priv" with one that has no public address.
type scopeNetwork struct {
	vpc, pub, priv, igw string
	web, app            string // instance IDs
	webENI              string
}

func newScopeNetwork(t *testing.T, s *Service) scopeNetwork {
	t.Helper()
	ctx := context.Background()
	var n scopeNetwork
	n.vpc, n.pub = vpcWithSubnet(t, s, "10.0.1.0/24")
	n.priv = *createSubnet(t, s, n.vpc, "10.0.2.0/24").SubnetId
	n.igw = createIgw(t, s)
	attachIgw(t, s, n.igw, n.vpc)
	if _, err := s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: mainRouteTable(t, s, n.vpc).RouteTableId,
		DestinationCidrBlock: kit.Ptr("0.0.0.0/0"), GatewayId: kit.Ptr(n.igw)}); err != nil {
		t.Fatal(err)
	}
	ssh := createGroup(t, s, n.vpc, "ssh")
	if _, err := ingress(s, ssh, ec2.IpPermission{IpProtocol: kit.Ptr("tcp"), FromPort: kit.Ptr(int32(22)), ToPort: kit.Ptr(int32(22)), IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("0.0.0.0/0")}}}); err != nil {
		t.Fatal(err)
	}
	web := mustRun(t, s, n.pub, func(in *ec2.RunInstancesRequest) {
		in.SubnetId = nil
		in.NetworkInterfaces = []ec2.InstanceNetworkInterfaceSpecification{{DeviceIndex: kit.Ptr(int32(0)), SubnetId: kit.Ptr(n.pub), AssociatePublicIpAddress: kit.Ptr(true), Groups: []string{ssh}}}
	})
	n.web, n.webENI = *web.InstanceId, *web.NetworkInterfaces[0].NetworkInterfaceId
	n.app = *mustRun(t, s, n.priv, func(in *ec2.RunInstancesRequest) { in.SecurityGroupIds = []string{ssh} }).InstanceId
	return n
}

func resources(ids ...string) *ec2.PathStatementRequest {
	return &ec2.PathStatementRequest{ResourceStatement: &ec2.ResourceStatementRequest{Resources: ids}}
}

func resourceTypes(types ...string) *ec2.PathStatementRequest {
	return &ec2.PathStatementRequest{ResourceStatement: &ec2.ResourceStatementRequest{ResourceTypes: types}}
}

func createScope(s *Service, in *ec2.CreateNetworkInsightsAccessScopeRequest) (string, error) {
	out, err := s.CreateNetworkInsightsAccessScope(context.Background(), testCaller, in)
	if err != nil {
		return "", err
	}
	return *out.NetworkInsightsAccessScope.NetworkInsightsAccessScopeId, nil
}

// analyzeScopeOnce starts an analysis of a scope and returns it as Describe shows it,
// with its findings.
func analyzeScopeOnce(t *testing.T, s *Service, nis string) (ec2.NetworkInsightsAccessScopeAnalysis, []ec2.AccessScopeAnalysisFinding) {
	t.Helper()
	ctx := context.Background()
	started, err := s.StartNetworkInsightsAccessScopeAnalysis(ctx, testCaller, &ec2.StartNetworkInsightsAccessScopeAnalysisRequest{NetworkInsightsAccessScopeId: kit.Ptr(nis)})
	if err != nil {
		t.Fatal(err)
	}
	a := started.NetworkInsightsAccessScopeAnalysis
	if *a.Status != "running" || *a.FindingsFound != "unknown" || a.AnalyzedEniCount != nil {
		t.Errorf("started %+v, want running, findings unknown", a)
	}
	out, err := s.DescribeNetworkInsightsAccessScopeAnalyses(ctx, testCaller, &ec2.DescribeNetworkInsightsAccessScopeAnalysesRequest{NetworkInsightsAccessScopeAnalysisIds: []string{*a.NetworkInsightsAccessScopeAnalysisId}})
	if err != nil || len(out.NetworkInsightsAccessScopeAnalyses) != 1 {
		t.Fatalf("DescribeNetworkInsightsAccessScopeAnalyses: %+v, %v", out, err)
	}
	f, err := s.GetNetworkInsightsAccessScopeAnalysisFindings(ctx, testCaller, &ec2.GetNetworkInsightsAccessScopeAnalysisFindingsRequest{NetworkInsightsAccessScopeAnalysisId: a.NetworkInsightsAccessScopeAnalysisId})
	if err != nil {
		t.Fatal(err)
	}
	if *f.AnalysisStatus != "succeeded" || f.NextToken != nil {
		t.Errorf("findings: status %s, next %v", *f.AnalysisStatus, f.NextToken)
	}
	return out.NetworkInsightsAccessScopeAnalyses[0], f.AnalysisFindings
}

// endpoints are "first -> last" component IDs of each finding.
func endpoints(fs []ec2.AccessScopeAnalysisFinding) []string {
	var out []string
	for _, f := range fs {
		first, last := f.FindingComponents[0], f.FindingComponents[len(f.FindingComponents)-1]
		out = append(out, *first.Component.Id+" -> "+*last.Component.Id)
	}
	return out
}

// TestNetworkAccessScopeThroughTheAPI creates a scope ("the internet to the interfaces of
// a subnet"), analyzes it, and follows the finding, the content, the idempotency tokens
// and the deletes.
func TestNetworkAccessScopeThroughTheAPI(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	n := newScopeNetwork(t, s)
	in := &ec2.CreateNetworkInsightsAccessScopeRequest{
		MatchPaths:        []ec2.AccessScopePathRequest{{Source: resourceTypes("AWS::EC2::InternetGateway"), Destination: resources(n.pub, testCaller.ARN(n.priv))}},
		ClientToken:       kit.Ptr("scope-1"),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("network-insights-access-scope"), Tags: []ec2.Tag{{Key: kit.Ptr("Name"), Value: kit.Ptr("internet-in")}}}},
	}
	created, err := s.CreateNetworkInsightsAccessScope(ctx, testCaller, in)
	if err != nil {
		t.Fatal(err)
	}
	scope := created.NetworkInsightsAccessScope
	nis := *scope.NetworkInsightsAccessScopeId
	if !kit.ValidID(nis, "nis") || *scope.NetworkInsightsAccessScopeArn != "arn:aws:ec2:us-east-1:123456789012:network-insights-access-scope/"+nis ||
		len(scope.Tags) != 1 || *scope.Tags[0].Value != "internet-in" || scope.CreatedDate == nil || scope.UpdatedDate == nil {
		t.Errorf("created %+v", scope)
	}
	if c := created.NetworkInsightsAccessScopeContent; c == nil || *c.NetworkInsightsAccessScopeId != nis || len(c.MatchPaths) != 1 {
		t.Errorf("created content %+v", c)
	}
	again, err := createScope(s, in)
	if err != nil || again != nis {
		t.Errorf("the same ClientToken made %s (%v), want %s", again, err, nis)
	}

	content, err := s.GetNetworkInsightsAccessScopeContent(ctx, testCaller, &ec2.GetNetworkInsightsAccessScopeContentRequest{NetworkInsightsAccessScopeId: kit.Ptr(nis)})
	if err != nil {
		t.Fatal(err)
	}
	mp := content.NetworkInsightsAccessScopeContent.MatchPaths[0]
	if !slices.Equal(mp.Source.ResourceStatement.ResourceTypes, []string{"AWS::EC2::InternetGateway"}) ||
		!slices.Equal(mp.Destination.ResourceStatement.Resources, []string{n.pub, testCaller.ARN(n.priv)}) || mp.Source.PacketHeaderStatement != nil {
		t.Errorf("content %+v", content.NetworkInsightsAccessScopeContent)
	}

	a, findings := analyzeScopeOnce(t, s, nis)
	if *a.Status != "succeeded" || *a.FindingsFound != "true" || *a.AnalyzedEniCount != 2 || a.EndDate == nil || *a.NetworkInsightsAccessScopeId != nis ||
		*a.NetworkInsightsAccessScopeAnalysisArn != "arn:aws:ec2:us-east-1:123456789012:network-insights-access-scope-analysis/"+*a.NetworkInsightsAccessScopeAnalysisId {
		t.Errorf("analysis %+v", a)
	}
	if got := endpoints(findings); !slices.Equal(got, []string{n.igw + " -> " + n.webENI}) {
		t.Fatalf("findings %v, want the internet to the public instance only", got)
	}
	f := findings[0]
	if *f.FindingId != "AnalysisFinding-1" || *f.NetworkInsightsAccessScopeId != nis || *f.NetworkInsightsAccessScopeAnalysisId != *a.NetworkInsightsAccessScopeAnalysisId {
		t.Errorf("finding %+v", f)
	}
	var kinds []string
	for i, pc := range f.FindingComponents {
		if *pc.SequenceNumber != int32(i+1) {
			t.Errorf("component %d has sequence number %d", i, *pc.SequenceNumber)
		}
		switch {
		case pc.SecurityGroupRule != nil:
			kinds = append(kinds, "sg "+*pc.SecurityGroupRule.Direction+" "+fmt.Sprint(*pc.SecurityGroupRule.PortRange.From))
		case pc.AclRule != nil:
			kinds = append(kinds, "acl")
		default:
			kinds = append(kinds, kit.KindOf(*pc.Component.Id))
		}
	}
	if !slices.Equal(kinds, []string{"igw", "acl", "sg ingress 22", "eni"}) {
		t.Errorf("components %v", kinds)
	}
	if h := f.FindingComponents[0].OutboundHeader; h == nil || *h.Protocol != "6" || h.DestinationPortRanges[0].From == nil || *h.DestinationPortRanges[0].From != 22 {
		t.Errorf("the gateway's outbound header %+v", h)
	}

	// A second analysis with a token, repeated: one analysis. Both are of the scope.
	start := &ec2.StartNetworkInsightsAccessScopeAnalysisRequest{NetworkInsightsAccessScopeId: kit.Ptr(nis), ClientToken: kit.Ptr("analysis-1"),
		TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("network-insights-access-scope-analysis"), Tags: []ec2.Tag{{Key: kit.Ptr("run"), Value: kit.Ptr("2")}}}}}
	first, err := s.StartNetworkInsightsAccessScopeAnalysis(ctx, testCaller, start)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.StartNetworkInsightsAccessScopeAnalysis(ctx, testCaller, start)
	if err != nil {
		t.Fatal(err)
	}
	nisa := *first.NetworkInsightsAccessScopeAnalysis.NetworkInsightsAccessScopeAnalysisId
	if *second.NetworkInsightsAccessScopeAnalysis.NetworkInsightsAccessScopeAnalysisId != nisa || !kit.ValidID(nisa, "nisa") {
		t.Errorf("the same ClientToken started %s and %s", nisa, *second.NetworkInsightsAccessScopeAnalysis.NetworkInsightsAccessScopeAnalysisId)
	}
	byScope, err := s.DescribeNetworkInsightsAccessScopeAnalyses(ctx, testCaller, &ec2.DescribeNetworkInsightsAccessScopeAnalysesRequest{NetworkInsightsAccessScopeId: kit.Ptr(nis)})
	if err != nil || len(byScope.NetworkInsightsAccessScopeAnalyses) != 2 {
		t.Errorf("analyses of the scope: %+v, %v", byScope, err)
	}
	tagged, err := s.DescribeNetworkInsightsAccessScopeAnalyses(ctx, testCaller, &ec2.DescribeNetworkInsightsAccessScopeAnalysesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("tag:run"), Values: []string{"2"}}}})
	if err != nil || len(tagged.NetworkInsightsAccessScopeAnalyses) != 1 || *tagged.NetworkInsightsAccessScopeAnalyses[0].NetworkInsightsAccessScopeAnalysisId != nisa {
		t.Errorf("analyses tagged run=2: %+v, %v", tagged, err)
	}
	scopes, err := s.DescribeNetworkInsightsAccessScopes(ctx, testCaller, &ec2.DescribeNetworkInsightsAccessScopesRequest{})
	if err != nil || len(scopes.NetworkInsightsAccessScopes) != 1 || *scopes.NetworkInsightsAccessScopes[0].NetworkInsightsAccessScopeId != nis {
		t.Errorf("scopes %+v, %v", scopes, err)
	}

	// Deleting an analysis deletes its findings; deleting the scope, its analyses.
	if _, err := s.DeleteNetworkInsightsAccessScopeAnalysis(ctx, testCaller, &ec2.DeleteNetworkInsightsAccessScopeAnalysisRequest{NetworkInsightsAccessScopeAnalysisId: kit.Ptr(nisa)}); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetNetworkInsightsAccessScopeAnalysisFindings(ctx, testCaller, &ec2.GetNetworkInsightsAccessScopeAnalysisFindingsRequest{NetworkInsightsAccessScopeAnalysisId: kit.Ptr(nisa)})
	wantCode(t, err, "InvalidParameterValue")
	if _, err := s.DeleteNetworkInsightsAccessScope(ctx, testCaller, &ec2.DeleteNetworkInsightsAccessScopeRequest{NetworkInsightsAccessScopeId: kit.Ptr(nis)}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DescribeNetworkInsightsAccessScopeAnalyses(ctx, testCaller, &ec2.DescribeNetworkInsightsAccessScopeAnalysesRequest{NetworkInsightsAccessScopeAnalysisIds: []string{*a.NetworkInsightsAccessScopeAnalysisId}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = s.GetNetworkInsightsAccessScopeContent(ctx, testCaller, &ec2.GetNetworkInsightsAccessScopeContentRequest{NetworkInsightsAccessScopeId: kit.Ptr(nis)})
	wantCode(t, err, "InvalidNetworkInsightsAccessScopeId.NotFound")
	var left int
	if err := s.View(ctx, func(t *kit.Txn) error {
		return t.List(testCaller.Prefix("nisaf"), func(string, []byte) error { left++; return nil })
	}); err != nil || left != 0 {
		t.Errorf("%d pages of findings left (%v)", left, err)
	}
}

// TestNetworkAccessScopeExcludeAndPages checks an exclude path, no findings, and the
// pages of many findings.
func TestNetworkAccessScopeExcludeAndPages(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	n := newScopeNetwork(t, s)

	// Excluding ssh leaves nothing: FindingsFound false.
	nis, err := createScope(s, &ec2.CreateNetworkInsightsAccessScopeRequest{
		MatchPaths:   []ec2.AccessScopePathRequest{{Source: resourceTypes("AWS::EC2::InternetGateway")}},
		ExcludePaths: []ec2.AccessScopePathRequest{{Destination: &ec2.PathStatementRequest{PacketHeaderStatement: &ec2.PacketHeaderStatementRequest{DestinationPorts: []string{"20-23"}, Protocols: []string{"tcp"}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, fs := analyzeScopeOnce(t, s, nis); *a.FindingsFound != "false" || len(fs) != 0 {
		t.Errorf("ssh excluded: found %s, %v", *a.FindingsFound, endpoints(fs))
	}

	// Every interface to every other: the two instances and five more, each way that a
	// group lets through (the ssh group admits all on 22, so every pair).
	for range 5 {
		mustRun(t, s, n.priv, func(in *ec2.RunInstancesRequest) {
			in.SecurityGroupIds = []string{*describeInstance(t, s, n.app).SecurityGroups[0].GroupId}
		})
	}
	nis, err = createScope(s, &ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: []ec2.AccessScopePathRequest{{
		Source: resourceTypes("AWS::EC2::Instance"), Destination: &ec2.PathStatementRequest{ResourceStatement: &ec2.ResourceStatementRequest{ResourceTypes: []string{"AWS::EC2::NetworkInterface"}},
			PacketHeaderStatement: &ec2.PacketHeaderStatementRequest{DestinationPorts: []string{"22"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	a, all := analyzeScopeOnce(t, s, nis)
	if len(all) != 7*6 || *a.AnalyzedEniCount != 7 {
		t.Fatalf("%d findings over %d interfaces, want 42 over 7", len(all), *a.AnalyzedEniCount)
	}
	var paged []string
	var token *string
	for range 10 {
		out, err := s.GetNetworkInsightsAccessScopeAnalysisFindings(ctx, testCaller, &ec2.GetNetworkInsightsAccessScopeAnalysisFindingsRequest{
			NetworkInsightsAccessScopeAnalysisId: a.NetworkInsightsAccessScopeAnalysisId, MaxResults: kit.Ptr(int32(5)), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range out.AnalysisFindings {
			paged = append(paged, *f.FindingId)
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	var want []string
	for _, f := range all {
		want = append(want, *f.FindingId)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("pages of 5: %v, want %v", paged, want)
	}
}

func TestNetworkAccessScopeErrors(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	n := newScopeNetwork(t, s)
	path := func(src, dst *ec2.PathStatementRequest) []ec2.AccessScopePathRequest {
		return []ec2.AccessScopePathRequest{{Source: src, Destination: dst}}
	}
	header := func(h ec2.PacketHeaderStatementRequest) *ec2.PathStatementRequest {
		return &ec2.PathStatementRequest{PacketHeaderStatement: &h}
	}
	igw := resourceTypes("AWS::EC2::InternetGateway")
	for _, tc := range []struct {
		name string
		in   ec2.CreateNetworkInsightsAccessScopeRequest
		code string
	}{
		{"no match path", ec2.CreateNetworkInsightsAccessScopeRequest{}, "MissingParameter"},
		{"only exclude paths", ec2.CreateNetworkInsightsAccessScopeRequest{ExcludePaths: path(igw, nil)}, "MissingParameter"},
		{"an empty match path", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: []ec2.AccessScopePathRequest{{}}}, "InvalidParameterValue"},
		{"an empty source", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(&ec2.PathStatementRequest{}, nil)}, "InvalidParameterValue"},
		{"an empty resource statement", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(&ec2.PathStatementRequest{ResourceStatement: &ec2.ResourceStatementRequest{}}, nil)}, "MissingParameter"},
		{"resources and types", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(&ec2.PathStatementRequest{ResourceStatement: &ec2.ResourceStatementRequest{
			Resources: []string{n.web}, ResourceTypes: []string{"AWS::EC2::Instance"}}}, nil)}, "InvalidParameterCombination"},
		{"unknown resource type", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(resourceTypes("AWS::EC2::Banana"), nil)}, "InvalidParameterValue"},
		{"a NAT gateway type as source", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(resourceTypes("AWS::EC2::NatGateway"), nil)}, "InvalidParameterValue"},
		{"an instance type passed through", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: []ec2.AccessScopePathRequest{{Source: igw,
			ThroughResources: []ec2.ThroughResourcesStatementRequest{{ResourceStatement: &ec2.ResourceStatementRequest{ResourceTypes: []string{"AWS::EC2::Instance"}}}}}}}, "InvalidParameterValue"},
		{"a through statement without resources", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: []ec2.AccessScopePathRequest{{Source: igw,
			ThroughResources: []ec2.ThroughResourcesStatementRequest{{}}}}}, "MissingParameter"},
		{"unknown instance", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(resources("i-0123456789abcdef0"), nil)}, "InvalidInstanceID.NotFound"},
		{"unknown subnet by ARN", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(nil, resources(testCaller.ARN("subnet-0123456789abcdef0")))}, "InvalidSubnetID.NotFound"},
		{"unknown internet gateway", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(resources("igw-0123456789abcdef0"), nil)}, "InvalidInternetGatewayID.NotFound"},
		{"unknown NAT gateway passed through", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: []ec2.AccessScopePathRequest{{Source: igw,
			ThroughResources: []ec2.ThroughResourcesStatementRequest{{ResourceStatement: &ec2.ResourceStatementRequest{Resources: []string{"nat-0123456789abcdef0"}}}}}}}, "InvalidNatGatewayID.NotFound"},
		{"malformed instance ID", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(resources("i-xyz"), nil)}, "InvalidInstanceID.Malformed"},
		{"unsupported resource", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(resources("rtb-0123456789abcdef0"), nil)}, "InvalidParameterValue"},
		{"not an ID", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(resources("web"), nil)}, "InvalidParameterValue"},
		{"a VPC passed through", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: []ec2.AccessScopePathRequest{{Source: igw,
			ThroughResources: []ec2.ThroughResourcesStatementRequest{{ResourceStatement: &ec2.ResourceStatementRequest{Resources: []string{n.vpc}}}}}}}, "InvalidParameterValue"},
		{"an empty packet header", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(header(ec2.PacketHeaderStatementRequest{}), nil)}, "InvalidParameterValue"},
		{"bad CIDR", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(header(ec2.PacketHeaderStatementRequest{SourceAddresses: []string{"10.0.0.0/33"}}), nil)}, "InvalidParameterValue"},
		{"bad address", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(nil, header(ec2.PacketHeaderStatementRequest{DestinationAddresses: []string{"10.0.1"}}))}, "InvalidParameterValue"},
		{"addresses and prefix lists", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(header(ec2.PacketHeaderStatementRequest{
			SourceAddresses: []string{"10.0.0.0/8"}, SourcePrefixLists: []string{"pl-0123456789abcdef0"}}), nil)}, "InvalidParameterCombination"},
		{"unknown prefix list", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(header(ec2.PacketHeaderStatementRequest{DestinationPrefixLists: []string{"pl-0123456789abcdef0"}}), nil)}, "InvalidPrefixListID.NotFound"},
		{"port out of range", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(nil, header(ec2.PacketHeaderStatementRequest{DestinationPorts: []string{"70000"}}))}, "InvalidParameterValue"},
		{"upside-down ports", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(nil, header(ec2.PacketHeaderStatementRequest{SourcePorts: []string{"90-80"}}))}, "InvalidParameterValue"},
		{"not a port", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(nil, header(ec2.PacketHeaderStatementRequest{DestinationPorts: []string{"ssh"}}))}, "InvalidParameterValue"},
		{"icmp", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(nil, header(ec2.PacketHeaderStatementRequest{Protocols: []string{"icmp"}}))}, "InvalidParameterValue"},
		{"a bad exclude path", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(igw, nil), ExcludePaths: path(resources("eni-0123456789abcdef0"), nil)}, "InvalidNetworkInterfaceID.NotFound"},
		{"a tag of another type", ec2.CreateNetworkInsightsAccessScopeRequest{MatchPaths: path(igw, nil),
			TagSpecifications: []ec2.TagSpecification{{ResourceType: kit.Ptr("network-insights-path"), Tags: []ec2.Tag{{Key: kit.Ptr("k"), Value: kit.Ptr("v")}}}}}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := createScope(s, &in)
			wantCode(t, err, tc.code)
		})
	}

	// What AWS accepts: an exclude path of resources passed through only, a type vpcd
	// has none of, an AWS-managed prefix list, hosts and ranges of ports.
	managed := ""
	for id := range kit.AWSManagedPrefixLists(testCaller.Region) {
		managed = id
		break
	}
	if _, err := createScope(s, &ec2.CreateNetworkInsightsAccessScopeRequest{
		MatchPaths: []ec2.AccessScopePathRequest{{Source: resources(n.web, n.webENI, n.pub, n.vpc, n.igw), Destination: &ec2.PathStatementRequest{
			ResourceStatement: &ec2.ResourceStatementRequest{ResourceTypes: []string{"AWS::EC2::VPNGateway", "AWS::EC2::Subnet"}},
			PacketHeaderStatement: &ec2.PacketHeaderStatementRequest{DestinationAddresses: []string{"10.0.1.9", "10.0.0.0/16"}, SourcePrefixLists: []string{managed},
				DestinationPorts: []string{"22", "1024-65535"}, Protocols: []string{"tcp", "udp"}}}}},
		ExcludePaths: []ec2.AccessScopePathRequest{{ThroughResources: []ec2.ThroughResourcesStatementRequest{{ResourceStatement: &ec2.ResourceStatementRequest{ResourceTypes: []string{"AWS::EC2::NatGateway"}}}}}},
	}); err != nil {
		t.Errorf("a valid scope: %v", err)
	}

	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"start: unknown scope", func() error {
			_, err := s.StartNetworkInsightsAccessScopeAnalysis(ctx, testCaller, &ec2.StartNetworkInsightsAccessScopeAnalysisRequest{NetworkInsightsAccessScopeId: kit.Ptr("nis-0123456789abcdef0")})
			return err
		}, "InvalidNetworkInsightsAccessScopeId.NotFound"},
		{"start: malformed scope", func() error {
			_, err := s.StartNetworkInsightsAccessScopeAnalysis(ctx, testCaller, &ec2.StartNetworkInsightsAccessScopeAnalysisRequest{NetworkInsightsAccessScopeId: kit.Ptr("nis-zz")})
			return err
		}, "InvalidParameterValue"},
		{"start: no scope", func() error {
			_, err := s.StartNetworkInsightsAccessScopeAnalysis(ctx, testCaller, &ec2.StartNetworkInsightsAccessScopeAnalysisRequest{})
			return err
		}, "MissingParameter"},
		{"content: unknown scope", func() error {
			_, err := s.GetNetworkInsightsAccessScopeContent(ctx, testCaller, &ec2.GetNetworkInsightsAccessScopeContentRequest{NetworkInsightsAccessScopeId: kit.Ptr("nis-0123456789abcdef0")})
			return err
		}, "InvalidNetworkInsightsAccessScopeId.NotFound"},
		{"delete: an analysis ID for a scope", func() error {
			_, err := s.DeleteNetworkInsightsAccessScope(ctx, testCaller, &ec2.DeleteNetworkInsightsAccessScopeRequest{NetworkInsightsAccessScopeId: kit.Ptr("nisa-0123456789abcdef0")})
			return err
		}, "InvalidParameterValue"},
		{"describe: unknown scope", func() error {
			_, err := s.DescribeNetworkInsightsAccessScopes(ctx, testCaller, &ec2.DescribeNetworkInsightsAccessScopesRequest{NetworkInsightsAccessScopeIds: []string{"nis-0123456789abcdef0"}})
			return err
		}, "InvalidNetworkInsightsAccessScopeId.NotFound"},
		{"describe: MaxResults over 100", func() error {
			_, err := s.DescribeNetworkInsightsAccessScopes(ctx, testCaller, &ec2.DescribeNetworkInsightsAccessScopesRequest{MaxResults: kit.Ptr(int32(101))})
			return err
		}, "InvalidParameterValue"},
		{"describe analyses: unknown filter", func() error {
			_, err := s.DescribeNetworkInsightsAccessScopeAnalyses(ctx, testCaller, &ec2.DescribeNetworkInsightsAccessScopeAnalysesRequest{Filters: []ec2.Filter{{Name: kit.Ptr("status"), Values: []string{"succeeded"}}}})
			return err
		}, "InvalidParameterValue"},
		{"findings: unknown analysis", func() error {
			_, err := s.GetNetworkInsightsAccessScopeAnalysisFindings(ctx, testCaller, &ec2.GetNetworkInsightsAccessScopeAnalysisFindingsRequest{NetworkInsightsAccessScopeAnalysisId: kit.Ptr("nisa-0123456789abcdef0")})
			return err
		}, "InvalidParameterValue"},
		{"findings: MaxResults 0", func() error {
			_, err := s.GetNetworkInsightsAccessScopeAnalysisFindings(ctx, testCaller, &ec2.GetNetworkInsightsAccessScopeAnalysisFindingsRequest{NetworkInsightsAccessScopeAnalysisId: kit.Ptr("nisa-0123456789abcdef0"), MaxResults: kit.Ptr(int32(0))})
			return err
		}, "InvalidParameterValue"},
		{"delete analysis: malformed", func() error {
			_, err := s.DeleteNetworkInsightsAccessScopeAnalysis(ctx, testCaller, &ec2.DeleteNetworkInsightsAccessScopeAnalysisRequest{NetworkInsightsAccessScopeAnalysisId: kit.Ptr("nisa-xyz")})
			return err
		}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.call(), tc.code) })
	}
}
