package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// errUnreachable makes explain exit with 3 when the path is not found, so that scripts can
// tell "no" from a failure (1) and a usage error (2).
var errUnreachable = errors.New("not reachable")

// explain asks a running vpcd, through its Reachability Analyzer API, whether SOURCE can
// reach DESTINATION on PROTOCOL/PORT, and prints the verdict and the path for people:
// one line per hop, the blocking rules named.
//
//	vpcd explain [--endpoint URL] [--region R] [--access-key K] SOURCE DESTINATION tcp/5432
func explain(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	endpoint := fs.String("endpoint", defaultEndpoint(os.Getenv), "vpcd's API endpoint (default: $VPCD_ENDPOINT, $AWS_ENDPOINT_URL_EC2, $AWS_ENDPOINT_URL, http://127.0.0.1:8787)")
	region := fs.String("region", envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", "us-east-1")), "region")
	accessKey := fs.String("access-key", envOr("AWS_ACCESS_KEY_ID", "vpcd"), "access key (a 12-digit account ID picks the account in lenient mode)")
	secretKey := fs.String("secret-key", envOr("AWS_SECRET_ACCESS_KEY", "vpcd"), "secret key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 3 {
		return fmt.Errorf("usage: vpcd explain [--endpoint URL] SOURCE DESTINATION PROTOCOL/PORT (SOURCE: an instance, interface, internet gateway, NAT gateway or peering ID; DESTINATION: the same or an IPv4 address; PROTOCOL: tcp or udp)")
	}
	src, dst, proto := fs.Arg(0), fs.Arg(1), fs.Arg(2)
	protocol, portText, _ := strings.Cut(proto, "/")
	in := &ec2sdk.CreateNetworkInsightsPathInput{Source: aws.String(src), Protocol: types.Protocol(protocol)}
	if portText != "" {
		port, err := strconv.Atoi(portText)
		if err != nil {
			return fmt.Errorf("port %q: %v", portText, err)
		}
		in.DestinationPort = aws.Int32(int32(port))
	}
	if a, err := netip.ParseAddr(dst); err == nil {
		in.DestinationIp = aws.String(a.String())
	} else {
		in.Destination = aws.String(dst)
	}
	ctx := context.Background()
	c := ec2sdk.New(ec2sdk.Options{
		Region: *region, BaseEndpoint: aws.String(*endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(*accessKey, *secretKey, ""),
	})
	path, err := c.CreateNetworkInsightsPath(ctx, in)
	if err != nil {
		return err
	}
	pathID := path.NetworkInsightsPath.NetworkInsightsPathId
	defer c.DeleteNetworkInsightsPath(ctx, &ec2sdk.DeleteNetworkInsightsPathInput{NetworkInsightsPathId: pathID})
	started, err := c.StartNetworkInsightsAnalysis(ctx, &ec2sdk.StartNetworkInsightsAnalysisInput{NetworkInsightsPathId: pathID})
	if err != nil {
		return err
	}
	var a types.NetworkInsightsAnalysis
	for deadline := time.Now().Add(defaultWait); ; time.Sleep(100 * time.Millisecond) {
		done, err := c.DescribeNetworkInsightsAnalyses(ctx, &ec2sdk.DescribeNetworkInsightsAnalysesInput{
			NetworkInsightsAnalysisIds: []string{aws.ToString(started.NetworkInsightsAnalysis.NetworkInsightsAnalysisId)},
		})
		if err != nil {
			return err
		}
		if len(done.NetworkInsightsAnalyses) != 1 {
			return fmt.Errorf("the analysis is gone")
		}
		a = done.NetworkInsightsAnalyses[0]
		if a.Status == types.AnalysisStatusFailed {
			return fmt.Errorf("the analysis failed: %s", aws.ToString(a.StatusMessage))
		}
		if a.Status == types.AnalysisStatusSucceeded {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the analysis is still %s after %v", a.Status, defaultWait)
		}
	}
	verdict := "reachable"
	if !aws.ToBool(a.NetworkPathFound) {
		verdict = "NOT reachable"
	}
	fmt.Fprintf(stdout, "%s -> %s %s: %s\n", src, dst, proto, verdict)
	printPath(stdout, "forward", a.ForwardPathComponents)
	printPath(stdout, "return", a.ReturnPathComponents)
	if len(a.Explanations) > 0 {
		fmt.Fprintln(stdout, "blocked by:")
		for _, e := range a.Explanations {
			fmt.Fprintf(stdout, "  %s\n", explanationLine(e))
		}
	}
	if !aws.ToBool(a.NetworkPathFound) {
		return errUnreachable
	}
	return nil
}

// defaultEndpoint is where explain finds vpcd without --endpoint: VPCD_ENDPOINT, then the
// variables the AWS CLI and SDKs read (AWS_ENDPOINT_URL_EC2, then AWS_ENDPOINT_URL, unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true), then vpcd's own default address.
func defaultEndpoint(getenv func(string) string) string {
	if v := getenv("VPCD_ENDPOINT"); v != "" {
		return v
	}
	if !strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		for _, key := range []string{"AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL"} {
			if v := getenv(key); v != "" {
				return v
			}
		}
	}
	return "http://127.0.0.1:8787"
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func printPath(w io.Writer, name string, comps []types.PathComponent) {
	if len(comps) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", name)
	for _, pc := range comps {
		fmt.Fprintf(w, "  %2d %s\n", aws.ToInt32(pc.SequenceNumber), componentLine(pc))
	}
}

// componentLine is one hop: the component and what of it decided.
func componentLine(pc types.PathComponent) string {
	id := ""
	if pc.Component != nil {
		id = aws.ToString(pc.Component.Id)
	}
	var parts []string
	parts = append(parts, id)
	switch {
	case pc.SecurityGroupRule != nil:
		r := pc.SecurityGroupRule
		peer := aws.ToString(r.Cidr)
		if peer == "" {
			peer = aws.ToString(r.PrefixListId)
		}
		if peer == "" {
			peer = "its group's peers"
		}
		dir := "from"
		if aws.ToString(r.Direction) == "egress" {
			dir = "to"
		}
		parts = append(parts, fmt.Sprintf("%s rule: %s%s %s %s", aws.ToString(r.Direction), protocolName(aws.ToString(r.Protocol)), portRange(r.PortRange), dir, peer))
	case pc.AclRule != nil:
		r := pc.AclRule
		dir := "ingress"
		if aws.ToBool(r.Egress) {
			dir = "egress"
		}
		parts = append(parts, fmt.Sprintf("%s rule %d: %s %s%s %s", dir, aws.ToInt32(r.RuleNumber), aws.ToString(r.RuleAction), protocolName(aws.ToString(r.Protocol)), portRange(r.PortRange), aws.ToString(r.Cidr)))
	case pc.RouteTableRoute != nil:
		r := pc.RouteTableRoute
		dest := aws.ToString(r.DestinationCidr)
		if dest == "" {
			dest = aws.ToString(r.DestinationPrefixListId)
		}
		parts = append(parts, fmt.Sprintf("route %s -> %s", dest, routeTarget(r)))
	}
	if in, out := pc.InboundHeader, pc.OutboundHeader; in != nil && out != nil && headerText(in) != headerText(out) {
		parts = append(parts, fmt.Sprintf("translates %s => %s", headerText(in), headerText(out)))
	}
	return strings.Join(parts, "  ")
}

func routeTarget(r *types.AnalysisRouteTableRoute) string {
	for _, t := range []*string{r.GatewayId, r.NatGatewayId, r.NetworkInterfaceId, r.InstanceId, r.VpcPeeringConnectionId, r.TransitGatewayId, r.EgressOnlyInternetGatewayId} {
		if aws.ToString(t) != "" {
			return aws.ToString(t)
		}
	}
	return "?"
}

func headerText(h *types.AnalysisPacketHeader) string {
	src, dst := strings.Join(h.SourceAddresses, ","), strings.Join(h.DestinationAddresses, ",")
	if len(h.SourcePortRanges) > 0 {
		src += portRange(&h.SourcePortRanges[0])
	}
	if len(h.DestinationPortRanges) > 0 {
		dst += portRange(&h.DestinationPortRanges[0])
	}
	return src + " -> " + dst
}

func portRange(r *types.PortRange) string {
	if r == nil {
		return ""
	}
	from, to := aws.ToInt32(r.From), aws.ToInt32(r.To)
	if from == to {
		return fmt.Sprintf(":%d", from)
	}
	return fmt.Sprintf(":%d-%d", from, to)
}

func protocolName(p string) string {
	switch p {
	case "-1":
		return "all"
	case "6":
		return "tcp"
	case "17":
		return "udp"
	case "1":
		return "icmp"
	}
	return p
}

// explanationLine names a blocking component and its rule.
func explanationLine(e types.Explanation) string {
	parts := []string{aws.ToString(e.ExplanationCode)}
	if d := aws.ToString(e.Direction); d != "" {
		parts = append(parts, d)
	}
	if e.Component != nil {
		parts = append(parts, aws.ToString(e.Component.Id))
	}
	if r := e.AclRule; r != nil {
		n := fmt.Sprint(aws.ToInt32(r.RuleNumber))
		if aws.ToInt32(r.RuleNumber) == 32767 {
			n = "*"
		}
		parts = append(parts, fmt.Sprintf("rule %s %s %s%s %s", n, aws.ToString(r.RuleAction), protocolName(aws.ToString(r.Protocol)), portRange(r.PortRange), aws.ToString(r.Cidr)))
	}
	if len(e.SecurityGroups) > 0 {
		var ids []string
		for _, g := range e.SecurityGroups {
			ids = append(ids, aws.ToString(g.Id))
		}
		parts = append(parts, "groups "+strings.Join(ids, ","))
	}
	if r := e.RouteTableRoute; r != nil {
		parts = append(parts, fmt.Sprintf("route %s -> %s", aws.ToString(r.DestinationCidr), routeTarget(r)))
	}
	if a := aws.ToString(e.Address); a != "" {
		parts = append(parts, "address "+a)
	}
	return strings.Join(parts, "  ")
}
