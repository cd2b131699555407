package control

import (
	"context"
	"slices"
	"testing"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

func createPath(s *Service, in *ec2.CreateNetworkInsightsPathRequest) (string, error) {
	out, err := s.CreateNetworkInsightsPath(context.Background(), testCaller, in)
	if err != nil {
		return "", err
	}
	return *out.NetworkInsightsPath.NetworkInsightsPathId, nil
}

func analyzeOnce(t *testing.T, s *Service, nip string) ec2.NetworkInsightsAnalysis {
	t.Helper()
	ctx := context.Background()
	started, err := s.StartNetworkInsightsAnalysis(ctx, testCaller, &ec2.StartNetworkInsightsAnalysisRequest{NetworkInsightsPathId: kit.Ptr(nip)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.DescribeNetworkInsightsAnalyses(ctx, testCaller, &ec2.DescribeNetworkInsightsAnalysesRequest{NetworkInsightsAnalysisIds: []string{*started.NetworkInsightsAnalysis.NetworkInsightsAnalysisId}})
	if err != nil || len(out.NetworkInsightsAnalyses) != 1 {
		t.Fatalf("DescribeNetworkInsightsAnalyses: %+v, %v", out, err)
	}
	return out.NetworkInsightsAnalyses[0]
}

func explanationCodes(a ec2.NetworkInsightsAnalysis) []string {
	var out []string
	for _, e := range a.Explanations {
		c := *e.ExplanationCode
		if e.Direction != nil {
			c += " " + *e.Direction
		}
		out = append(out, c)
	}
	return out
}

// TestNetworkInsightsThroughTheAPI analyzes paths of a network made through the API: the
// answer changes with the rules, names every blocker, and shows the components passed.
func TestNetworkInsightsThroughTheAPI(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, web := vpcWithSubnet(t, s, "10.0.1.0/24")
	db := *createSubnet(t, s, vpc, "10.0.2.0/24").SubnetId
	webGroup, dbGroup := createGroup(t, s, vpc, "web"), createGroup(t, s, vpc, "db")
	webInst := mustRun(t, s, web, func(in *ec2.RunInstancesRequest) { in.SecurityGroupIds = []string{webGroup} })
	dbInst := mustRun(t, s, db, func(in *ec2.RunInstancesRequest) { in.SecurityGroupIds = []string{dbGroup} })

	nip, err := createPath(s, &ec2.CreateNetworkInsightsPathRequest{Source: webInst.InstanceId, Destination: dbInst.InstanceId, Protocol: kit.Ptr("tcp"), DestinationPort: kit.Ptr(int32(5432))})
	if err != nil {
		t.Fatal(err)
	}
	a := analyzeOnce(t, s, nip)
	if *a.Status != "succeeded" || *a.NetworkPathFound || !slices.Equal(explanationCodes(a), []string{"ENI_SG_RULES_MISMATCH ingress"}) {
		t.Errorf("db closed: found %v, codes %v; want not found, the db group's ingress", *a.NetworkPathFound, explanationCodes(a))
	}
	if e := a.Explanations[0]; e.SecurityGroups == nil || *e.SecurityGroups[0].Id != dbGroup {
		t.Errorf("the explanation names groups %+v, want %s", e.SecurityGroups, dbGroup)
	}

	// The db group admits the web group on 5432: found, through the route table's local
	// route and both groups' rules.
	if _, err := ingress(s, dbGroup, fromGroup("tcp", 5432, 5432, webGroup)); err != nil {
		t.Fatal(err)
	}
	a = analyzeOnce(t, s, nip)
	if !*a.NetworkPathFound || len(a.Explanations) != 0 {
		t.Fatalf("db open: found %v, codes %v", *a.NetworkPathFound, explanationCodes(a))
	}
	var kinds []string
	for _, pc := range a.ForwardPathComponents {
		switch {
		case pc.SecurityGroupRule != nil:
			kinds = append(kinds, "sg "+*pc.SecurityGroupRule.Direction)
		case pc.RouteTableRoute != nil:
			kinds = append(kinds, "route "+*pc.RouteTableRoute.DestinationCidr)
		case pc.AclRule != nil:
			kinds = append(kinds, "acl")
		}
	}
	if !slices.Equal(kinds, []string{"sg egress", "acl", "route 10.0.0.0/16", "acl", "sg ingress"}) {
		t.Errorf("forward components %v", kinds)
	}
	if len(a.ReturnPathComponents) == 0 {
		t.Error("no return path")
	}

	// Without a destination port, the analysis finds the port that gets through.
	anyPort, err := createPath(s, &ec2.CreateNetworkInsightsPathRequest{Source: webInst.InstanceId, Destination: dbInst.InstanceId, Protocol: kit.Ptr("tcp")})
	if err != nil {
		t.Fatal(err)
	}
	if a := analyzeOnce(t, s, anyPort); !*a.NetworkPathFound {
		t.Errorf("any port: not found, %v", explanationCodes(a))
	}

	// A deny in the db subnet's ACL and the web group's egress removed: both named.
	acl := createNetworkACL(t, s, vpc)
	if _, err := s.ReplaceNetworkAclAssociation(ctx, testCaller, &ec2.ReplaceNetworkAclAssociationRequest{AssociationId: kit.Ptr(aclAssociationOf(t, s, db)), NetworkAclId: acl.NetworkAclId}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeSecurityGroupEgress(ctx, testCaller, &ec2.RevokeSecurityGroupEgressRequest{GroupId: kit.Ptr(webGroup),
		IpPermissions: []ec2.IpPermission{{IpProtocol: kit.Ptr("-1"), IpRanges: []ec2.IpRange{{CidrIp: kit.Ptr("0.0.0.0/0")}}}}}); err != nil {
		t.Fatal(err)
	}
	a = analyzeOnce(t, s, nip)
	if got := explanationCodes(a); !slices.Equal(got, []string{"ENI_SG_RULES_MISMATCH egress", "SUBNET_ACL_RESTRICTION ingress", "SUBNET_ACL_RESTRICTION egress"}) {
		t.Errorf("two blockers: codes %v", got)
	}
}

// aclAssociationOf is the ID of a subnet's network ACL association.
func aclAssociationOf(t *testing.T, s *Service, subnet string) string {
	t.Helper()
	out, err := s.DescribeNetworkAcls(context.Background(), testCaller, &ec2.DescribeNetworkAclsRequest{Filters: []ec2.Filter{{Name: kit.Ptr("association.subnet-id"), Values: []string{subnet}}}})
	if err != nil || len(out.NetworkAcls) != 1 {
		t.Fatalf("ACL of %s: %+v, %v", subnet, out, err)
	}
	for _, as := range out.NetworkAcls[0].Associations {
		if *as.SubnetId == subnet {
			return *as.NetworkAclAssociationId
		}
	}
	t.Fatalf("no association of %s", subnet)
	return ""
}

func TestNetworkInsightsErrors(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, sn := vpcWithSubnet(t, s, "10.0.1.0/24")
	inst := *mustRun(t, s, sn).InstanceId
	for _, tc := range []struct {
		name string
		in   ec2.CreateNetworkInsightsPathRequest
		code string
	}{
		{"no source", ec2.CreateNetworkInsightsPathRequest{Protocol: kit.Ptr("tcp"), DestinationIp: kit.Ptr("10.0.1.9")}, "MissingParameter"},
		{"no protocol", ec2.CreateNetworkInsightsPathRequest{Source: kit.Ptr(inst), DestinationIp: kit.Ptr("10.0.1.9")}, "MissingParameter"},
		{"icmp", ec2.CreateNetworkInsightsPathRequest{Source: kit.Ptr(inst), Protocol: kit.Ptr("icmp"), DestinationIp: kit.Ptr("10.0.1.9")}, "InvalidParameterValue"},
		{"no destination", ec2.CreateNetworkInsightsPathRequest{Source: kit.Ptr(inst), Protocol: kit.Ptr("tcp")}, "MissingParameter"},
		{"unknown instance", ec2.CreateNetworkInsightsPathRequest{Source: kit.Ptr("i-0123456789abcdef0"), Protocol: kit.Ptr("tcp"), DestinationIp: kit.Ptr("10.0.1.9")}, "InvalidInstanceID.NotFound"},
		{"a VPC as source", ec2.CreateNetworkInsightsPathRequest{Source: kit.Ptr(vpc), Protocol: kit.Ptr("tcp"), DestinationIp: kit.Ptr("10.0.1.9")}, "InvalidParameterValue"},
		{"bad address", ec2.CreateNetworkInsightsPathRequest{Source: kit.Ptr(inst), Protocol: kit.Ptr("tcp"), DestinationIp: kit.Ptr("10.0.1")}, "InvalidParameterValue"},
		{"port out of range", ec2.CreateNetworkInsightsPathRequest{Source: kit.Ptr(inst), Protocol: kit.Ptr("tcp"), DestinationIp: kit.Ptr("10.0.1.9"), DestinationPort: kit.Ptr(int32(70000))}, "InvalidParameterValue"},
		{"upside-down filter", ec2.CreateNetworkInsightsPathRequest{Source: kit.Ptr(inst), Protocol: kit.Ptr("tcp"), DestinationIp: kit.Ptr("10.0.1.9"),
			FilterAtSource: &ec2.PathRequestFilter{SourcePortRange: &ec2.RequestFilterPortRange{FromPort: kit.Ptr(int32(9)), ToPort: kit.Ptr(int32(1))}}}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := createPath(s, &in)
			wantCode(t, err, tc.code)
		})
	}
	_, err := s.StartNetworkInsightsAnalysis(ctx, testCaller, &ec2.StartNetworkInsightsAnalysisRequest{NetworkInsightsPathId: kit.Ptr("nip-0123456789abcdef0")})
	wantCode(t, err, "InvalidNetworkInsightsPathId.NotFound")
	_, err = s.DeleteNetworkInsightsAnalysis(ctx, testCaller, &ec2.DeleteNetworkInsightsAnalysisRequest{NetworkInsightsAnalysisId: kit.Ptr("nia-zz")})
	wantCode(t, err, "InvalidNetworkInsightsAnalysisId.Malformed")
	// An ARN names its resource; a path to an address nobody has is not found, with why.
	nip, err := createPath(s, &ec2.CreateNetworkInsightsPathRequest{Source: kit.Ptr(testCaller.ARN(inst)), Protocol: kit.Ptr("udp"), DestinationIp: kit.Ptr("10.0.1.200"), DestinationPort: kit.Ptr(int32(53))})
	if err != nil {
		t.Fatal(err)
	}
	if a := analyzeOnce(t, s, nip); *a.NetworkPathFound || !slices.Equal(explanationCodes(a), []string{"NO_ROUTE_TO_DESTINATION"}) {
		t.Errorf("to nobody: %v %v", *a.NetworkPathFound, explanationCodes(a))
	}
}

// A virtual private gateway is a path's destination (with an address beyond it): with no
// VPN tunnel up, the route to it drops the packet, and the analysis says so.
func TestNetworkInsightsToVpnGateway(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	vpc, sub := vpcWithSubnet(t, s, "10.0.1.0/24")
	inst := mustRun(t, s, sub)
	vgw, err := s.CreateVpnGateway(ctx, testCaller, &ec2.CreateVpnGatewayRequest{Type: kit.Ptr("ipsec.1")})
	if err != nil {
		t.Fatal(err)
	}
	id := vgw.VpnGateway.VpnGatewayId
	if _, err := s.AttachVpnGateway(ctx, testCaller, &ec2.AttachVpnGatewayRequest{VpcId: kit.Ptr(vpc), VpnGatewayId: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRoute(ctx, testCaller, &ec2.CreateRouteRequest{RouteTableId: mainRouteTable(t, s, vpc).RouteTableId,
		DestinationCidrBlock: kit.Ptr("172.20.0.0/24"), GatewayId: id}); err != nil {
		t.Fatal(err)
	}
	nip, err := createPath(s, &ec2.CreateNetworkInsightsPathRequest{Source: inst.InstanceId, Destination: id, DestinationIp: kit.Ptr("172.20.0.1"),
		Protocol: kit.Ptr("tcp"), DestinationPort: kit.Ptr(int32(443))})
	if err != nil {
		t.Fatal(err)
	}
	a := analyzeOnce(t, s, nip)
	if *a.Status != "succeeded" || *a.NetworkPathFound || !slices.Contains(explanationCodes(a), "BLACKHOLE_ROUTE") {
		t.Errorf("no tunnel up: status %s, found %v, codes %v; want not found, BLACKHOLE_ROUTE", *a.Status, *a.NetworkPathFound, explanationCodes(a))
	}
}
