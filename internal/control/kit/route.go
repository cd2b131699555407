package kit

import (
	"strings"

	"vpcd/internal/ec2"
)

// TargetKind is the kind of a route target: its ID prefix, "local" or "arn".
func TargetKind(target string) string {
	switch {
	case target == "local":
		return "local"
	case strings.HasPrefix(target, "arn:"):
		return "arn"
	}
	return KindOf(target)
}

// DestinationString is how AWS names the route in messages.
func (r Route) DestinationString() string {
	if r.DestinationPrefixList != "" {
		return r.DestinationPrefixList
	}
	return r.Destination.String()
}

func (r Route) sameDestination(o Route) bool {
	return r.Destination == o.Destination && r.DestinationPrefixList == o.DestinationPrefixList
}

// FindRoute returns the index of the table's route to the destination, or -1.
func (rtb *RouteTableRecord) FindRoute(dest Route) int {
	for i, r := range rtb.Routes {
		if r.sameDestination(dest) {
			return i
		}
	}
	return -1
}

// EC2 is the route as DescribeRouteTables shows it: the target in the member of its kind.
func (r Route) EC2(state string) ec2.Route {
	out := ec2.Route{Origin: Ptr(r.Origin), State: Ptr(state)}
	switch {
	case r.DestinationPrefixList != "":
		out.DestinationPrefixListId = Ptr(r.DestinationPrefixList)
	case r.Destination.Addr().Is4():
		out.DestinationCidrBlock = Ptr(r.Destination.String())
	default:
		out.DestinationIpv6CidrBlock = Ptr(r.Destination.String())
	}
	id := Ptr(r.Target)
	switch TargetKind(r.Target) {
	case "local", "igw", "vgw", "vpce":
		out.GatewayId = id
	case "nat":
		out.NatGatewayId = id
	case "eni":
		out.NetworkInterfaceId = id
		if r.Instance != "" {
			out.InstanceId, out.InstanceOwnerId = Ptr(r.Instance), Ptr(r.InstanceOwner)
		}
	case "pcx":
		out.VpcPeeringConnectionId = id
	case "tgw":
		out.TransitGatewayId = id
	case "eigw":
		out.EgressOnlyInternetGatewayId = id
	case "lgw":
		out.LocalGatewayId = id
	case "cagw":
		out.CarrierGatewayId = id
	case "arn":
		out.CoreNetworkArn = id
	}
	return out
}
