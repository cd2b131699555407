package routing

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// targetArg is one request member that may name a route's target.
type targetArg struct {
	param string // AWS's name for it in messages: "gatewayId"
	value *string
}

// targetParamKinds are the ID prefixes each target member accepts; an ID of another kind
// is reported as not found, in the words of the member's own kind.
var targetParamKinds = map[string][]string{
	"gatewayId":                   {"igw", "vgw", "vpce"},
	"localGatewayId":              {"lgw"},
	"carrierGatewayId":            {"cagw"},
	"natGatewayId":                {"nat"},
	"networkInterfaceId":          {"eni"},
	"vpcPeeringConnectionId":      {"pcx"},
	"egressOnlyInternetGatewayId": {"eigw"},
	"transitGatewayId":            {"tgw"},
	"vpcEndpointId":               {"vpce"},
	"coreNetworkArn":              {"arn"},
	"instanceId":                  {"i"},
}

// errTargetCount is AWS's answer when a request names no target or several: a missing
// parameter when there is none, a bad combination when there are more.
func errTargetCount(n int, replace bool) error {
	msg := "The request must contain exactly one of gatewayId, localGatewayId, carrierGatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId, egressOnlyInternetGatewayId, transitGatewayId, vpcEndpointId, coreNetworkArn or instanceId"
	if replace {
		msg += ", or must have localTarget set to true"
	}
	if n == 0 {
		return ec2.ErrMissingParameterMessage("%s", msg)
	}
	return ec2.ErrInvalidParameterCombination("%s", msg)
}

// pickTarget returns the one target the request names and how many it names.
func pickTarget(args []targetArg) (string, int, error) {
	var target string
	var bad error
	n := 0
	for _, a := range args {
		if a.value == nil {
			continue
		}
		n++
		target = *a.value
		if !acceptsKind(a.param, target) && bad == nil {
			bad = errTargetNotFound(a.param, target)
		}
	}
	return target, n, bad
}

func acceptsKind(param, id string) bool {
	for _, k := range targetParamKinds[param] {
		if kit.TargetKind(id) == k {
			return true
		}
	}
	return false
}

// errTargetNotFound is the NotFound error for an ID given in a member that does not take
// its kind: the gateway member answers with its generic code, the others with their own.
func errTargetNotFound(param, id string) error {
	switch param {
	case "gatewayId":
		return ec2.ErrInvalidGatewayIDNotFound("The gateway ID '%s' does not exist", id)
	case "coreNetworkArn":
		return ec2.ErrInvalidParameterValue("The core network ARN '%s' is not valid", id)
	}
	k := kit.Lookup(targetParamKinds[param][0])
	return ec2.Errorf(k.NotFound, k.NotFoundMessage, id)
}

// middleboxKinds are the targets a route may have when its destination is equal to or
// more specific than a VPC block (AWS's middlebox routing): a NAT gateway, a network
// interface, an instance, or a Gateway Load Balancer endpoint.
var middleboxKinds = map[string]bool{"nat": true, "eni": true, "i": true, "vpce": true}

// checkRouteTarget returns AWS's error when a route of rtb cannot point at target now: it
// does not exist, or it serves another network. Nil means a route to it is active; the
// same check decides, at describe time, whether a stored route is a blackhole. Each kind
// vpcd stores gets its lookup here; the others have no resources yet, so any ID of them
// is not found.
func checkRouteTarget(t *kit.Txn, c kit.Caller, rtb *kit.RouteTableRecord, target string) error {
	kind := kit.TargetKind(target)
	switch kind {
	case "local":
		return nil
	case "arn":
		return ec2.ErrInvalidParameterValue("The core network ARN '%s' does not exist", target)
	case "pcx":
		return checkPeeringRoute(t, c, rtb, target, time.Now())
	case "tgw":
		return checkTransitGatewayRoute(t, c, rtb, target)
	case "igw", "eigw", "eni", "i", "nat", "vgw", "vpce":
	default:
		return kit.NotFound(target)
	}
	// Every stored target names its VPC (for a gateway, the VPC it is attached to).
	var r struct {
		VpcID string   `json:"vpcId"`
		ENIs  []string `json:"enis"`
		State string   `json:"state"` // of a NAT gateway
	}
	if err := kit.CheckID(target, kind); err != nil {
		return err
	}
	ok, err := t.Get(c.Key(target), &r)
	if err != nil {
		return err
	}
	if !ok || (kind == "nat" && r.State != "available") {
		return kit.NotFound(target)
	}
	if r.VpcID != rtb.VpcID {
		return errDifferentNetworks(rtb.ID, target)
	}
	if kind == "i" && len(r.ENIs) != 1 {
		return ec2.ErrInvalidInstanceID("There are multiple interfaces attached to instance '%s'. Please specify an interface ID for the operation instead.", target)
	}
	return nil
}

// setRouteTarget points a checked route at its target. As AWS does, a route to an
// instance is a route to its network interface, and a route to an interface attached to an
// instance also names the instance.
func setRouteTarget(t *kit.Txn, c kit.Caller, r *kit.Route, target string) error {
	r.Target, r.Instance, r.InstanceOwner = target, "", ""
	switch kit.TargetKind(target) {
	case "i":
		inst, err := kit.Get[kit.InstanceRecord](t, c, "i", target)
		if err != nil {
			return err
		}
		r.Target, r.Instance, r.InstanceOwner = inst.ENIs[0], inst.ID, inst.Owner
	case "eni":
		eni, err := kit.Get[kit.NetworkInterfaceRecord](t, c, "eni", target)
		if err != nil {
			return err
		}
		if eni.Attachment != nil {
			r.Instance, r.InstanceOwner = eni.Attachment.InstanceID, eni.Attachment.InstanceOwner
		}
	}
	return nil
}

// checkTransitGatewayRoute: a route may point at a transit gateway that has an
// attachment in the table's VPC; AWS answers any other with the gateway's NotFound code.
func checkTransitGatewayRoute(t *kit.Txn, c kit.Caller, rtb *kit.RouteTableRecord, target string) error {
	if err := kit.CheckID(target, "tgw"); err != nil {
		return err
	}
	var g kit.TransitGatewayRecord
	ok, err := t.Get(c.Key(target), &g)
	if err != nil {
		return err
	}
	if !ok || g.Deleted || g.VpcAttachments[rtb.VpcID] == "" {
		return errTransitGatewayNotFound(target)
	}
	return nil
}

// errTransitGatewayNotFound is CreateRoute's answer for a transit gateway not attached to
// the table's VPC, with the wording real EC2 answers.
func errTransitGatewayNotFound(id string) error {
	return ec2.Errorf("InvalidTransitGatewayID.NotFound", "The transitGateway ID '%s' does not exist.", id)
}

func errDifferentNetworks(rtbID, targetID string) error {
	noun := map[string]string{"eni": "interface", "i": "instance"}[kit.TargetKind(targetID)]
	if noun == "" {
		noun = "network gateway"
	}
	return ec2.ErrInvalidParameterValue("route table %s and %s %s belong to different networks", rtbID, noun, targetID)
}

// checkPrefixList returns AWS's error unless the prefix list exists (see prefixlist.go).
func checkPrefixList(t *kit.Txn, c kit.Caller, id string) error {
	_, err := kit.GetPrefixList(t, c, id)
	return err
}

// routeStates answers, for routes of stored tables, whether each is active or a
// blackhole, reading each target once.
type routeStates struct {
	t     *kit.Txn
	c     kit.Caller
	known map[string]string // table's VPC + target → state
}

func newRouteStates(t *kit.Txn, c kit.Caller) *routeStates {
	return &routeStates{t: t, c: c, known: map[string]string{}}
}

func (rs *routeStates) of(rtb *kit.RouteTableRecord, r kit.Route) (string, error) {
	key := rtb.VpcID + "\x00" + r.Target
	if st, ok := rs.known[key]; ok {
		return st, nil
	}
	st := "active"
	if err := checkRouteTarget(rs.t, rs.c, rtb, r.Target); err != nil {
		var e *ec2.Error
		if !errors.As(err, &e) {
			return "", err
		}
		st = "blackhole"
	}
	rs.known[key] = st
	return st, nil
}

// parseRouteDestination reads the one destination of a route request.
func parseRouteDestination(cidr, ipv6, prefixList *string) (kit.Route, error) {
	n := 0
	for _, p := range []*string{cidr, ipv6, prefixList} {
		if p != nil {
			n++
		}
	}
	switch {
	case n == 0:
		return kit.Route{}, ec2.ErrMissingParameter("destinationCidrBlock or destinationIpv6CidrBlock or destinationPrefixListId")
	case n > 1:
		return kit.Route{}, ec2.ErrInvalidParameterCombination("Only one of destinationCidrBlock, destinationIpv6CidrBlock and destinationPrefixListId may be specified")
	case cidr != nil:
		p, err := netip.ParsePrefix(*cidr)
		if err != nil || !p.Addr().Is4() {
			return kit.Route{}, ec2.ErrInvalidParameterValue("Value (%s) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.", *cidr)
		}
		return kit.Route{Destination: p.Masked()}, nil
	case ipv6 != nil:
		p, err := netip.ParsePrefix(*ipv6)
		if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
			return kit.Route{}, ec2.ErrInvalidParameterValue("Value (%s) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", *ipv6)
		}
		return kit.Route{Destination: p.Masked()}, nil
	}
	return kit.Route{DestinationPrefixList: *prefixList}, nil
}

// withinVpc reports whether dest is equal to or more specific than one of the VPC's blocks.
func withinVpc(vpc *kit.VpcRecord, dest kit.Route) bool {
	if !dest.Destination.IsValid() {
		return false
	}
	for _, b := range vpc.Cidrs() {
		if b.Bits() <= dest.Destination.Bits() && b.Contains(dest.Destination.Addr()) {
			return true
		}
	}
	return false
}

// isLocalDestination reports whether dest is exactly one of the VPC's blocks: the
// destination of a local route, whatever its target now.
func isLocalDestination(vpc *kit.VpcRecord, dest kit.Route) bool {
	for _, b := range vpc.Cidrs() {
		if dest.Destination == b {
			return true
		}
	}
	return false
}

// checkNewRoute applies AWS's rules to a route of rtb toward target: the destination must
// exist (a prefix list), the target must be usable from the table's VPC, an egress-only
// gateway takes IPv6 destinations only, and only a middlebox may take traffic for the
// VPC's own blocks.
func checkNewRoute(t *kit.Txn, c kit.Caller, rtb *kit.RouteTableRecord, vpc *kit.VpcRecord, dest kit.Route, target string) error {
	if dest.DestinationPrefixList != "" {
		if err := checkPrefixList(t, c, dest.DestinationPrefixList); err != nil {
			return err
		}
	}
	if err := checkRouteTarget(t, c, rtb, target); err != nil {
		return err
	}
	kind := kit.TargetKind(target)
	if kind == "vpce" {
		// Every endpoint vpcd keeps is a gateway endpoint, whose routes are its own.
		return errEndpointRoute("route target %s is a gateway VPC endpoint: its routes are added with CreateVpcEndpoint or ModifyVpcEndpoint", target)
	}
	if kind == "eigw" && dest.Destination.IsValid() && dest.Destination.Addr().Is4() {
		return ec2.ErrInvalidParameterValue("Egress-only internet gateway %s can only be a target for IPv6 destinations", target)
	}
	if withinVpc(vpc, dest) && !middleboxKinds[kind] {
		return ec2.ErrInvalidParameterValue("The destination CIDR block %s is equal to or more specific than one of this VPC's CIDR blocks. This route can target only an interface or an instance.", dest.Destination)
	}
	return nil
}

// errEndpointRoute refuses a route command on a gateway endpoint's route, which only the
// endpoint's own actions change (a guess at AWS's code: InvalidParameterValue).
func errEndpointRoute(format string, args ...any) error {
	return ec2.ErrInvalidParameterValue(format, args...)
}

// routeTableAndVpc reads a route table and its VPC for a route change.
func routeTableAndVpc(t *kit.Txn, c kit.Caller, id *string) (*kit.RouteTableRecord, *kit.VpcRecord, error) {
	if kit.Deref(id) == "" {
		return nil, nil, ec2.ErrMissingParameter("RouteTableId")
	}
	rtb, err := kit.Get[kit.RouteTableRecord](t, c, "rtb", *id)
	if err != nil {
		return nil, nil, err
	}
	vpc, err := kit.GetVpc(t, c, rtb.VpcID)
	if err != nil {
		return nil, nil, err
	}
	return rtb, vpc, nil
}

// CreateRoute adds a route to a route table.
func (s *Routing) CreateRoute(ctx context.Context, c kit.Caller, in *ec2.CreateRouteRequest) (*ec2.CreateRouteResult, error) {
	dest, err := parseRouteDestination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListId)
	if err != nil {
		return nil, err
	}
	target, n, err := pickTarget([]targetArg{
		{"gatewayId", in.GatewayId}, {"localGatewayId", in.LocalGatewayId}, {"carrierGatewayId", in.CarrierGatewayId},
		{"natGatewayId", in.NatGatewayId}, {"networkInterfaceId", in.NetworkInterfaceId},
		{"vpcPeeringConnectionId", in.VpcPeeringConnectionId}, {"egressOnlyInternetGatewayId", in.EgressOnlyInternetGatewayId},
		{"transitGatewayId", in.TransitGatewayId}, {"vpcEndpointId", in.VpcEndpointId},
		{"coreNetworkArn", in.CoreNetworkArn}, {"instanceId", in.InstanceId},
	})
	if n != 1 {
		return nil, errTargetCount(n, false)
	}
	if err != nil {
		return nil, err
	}
	err = s.Update(ctx, func(t *kit.Txn) error {
		rtb, vpc, err := routeTableAndVpc(t, c, in.RouteTableId)
		if err != nil {
			return err
		}
		if err := checkNewRoute(t, c, rtb, vpc, dest, target); err != nil {
			return err
		}
		if rtb.FindRoute(dest) >= 0 {
			return ec2.ErrRouteAlreadyExists("The route identified by %s already exists.", dest.DestinationString())
		}
		r := dest
		r.Origin = "CreateRoute"
		if err := setRouteTarget(t, c, &r, target); err != nil {
			return err
		}
		rtb.Routes = append(rtb.Routes, r)
		return t.Put(c.Key(rtb.ID), rtb)
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateRouteResult{Return: kit.Ptr(true)}, nil
}

// ReplaceRoute changes the target of an existing route. A local route's target may become
// a middlebox, and LocalTarget restores it.
func (s *Routing) ReplaceRoute(ctx context.Context, c kit.Caller, in *ec2.ReplaceRouteRequest) error {
	dest, err := parseRouteDestination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListId)
	if err != nil {
		return err
	}
	target, n, err := pickTarget([]targetArg{
		{"gatewayId", in.GatewayId}, {"localGatewayId", in.LocalGatewayId}, {"carrierGatewayId", in.CarrierGatewayId},
		{"natGatewayId", in.NatGatewayId}, {"networkInterfaceId", in.NetworkInterfaceId},
		{"vpcPeeringConnectionId", in.VpcPeeringConnectionId}, {"egressOnlyInternetGatewayId", in.EgressOnlyInternetGatewayId},
		{"transitGatewayId", in.TransitGatewayId}, {"vpcEndpointId", in.VpcEndpointId},
		{"coreNetworkArn", in.CoreNetworkArn}, {"instanceId", in.InstanceId},
	})
	local := kit.Deref(in.LocalTarget)
	if local {
		n++
	}
	if n != 1 {
		return errTargetCount(n, true)
	}
	if err != nil {
		return err
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		rtb, vpc, err := routeTableAndVpc(t, c, in.RouteTableId)
		if err != nil {
			return err
		}
		i := rtb.FindRoute(dest)
		if i < 0 {
			return ec2.ErrInvalidParameterValue("There is no route defined for '%s' in the route table. Use CreateRoute instead.", dest.DestinationString())
		}
		r := &rtb.Routes[i]
		if kit.TargetKind(r.Target) == "vpce" {
			return errEndpointRoute("cannot replace VPC endpoint route %s in route table %s", dest.DestinationString(), rtb.ID)
		}
		if local {
			if !isLocalDestination(vpc, dest) {
				return ec2.ErrInvalidParameterValue("The route %s in route table %s is not a local route; only a local route can have a local target.", dest.DestinationString(), rtb.ID)
			}
			r.Target, r.Origin, r.Instance, r.InstanceOwner = "local", "CreateRouteTable", "", ""
			return t.Put(c.Key(rtb.ID), rtb)
		}
		if err := checkNewRoute(t, c, rtb, vpc, dest, target); err != nil {
			return err
		}
		r.Origin = "CreateRoute"
		if err := setRouteTarget(t, c, r, target); err != nil {
			return err
		}
		return t.Put(c.Key(rtb.ID), rtb)
	})
}

// DeleteRoute removes a route; the local routes stay.
func (s *Routing) DeleteRoute(ctx context.Context, c kit.Caller, in *ec2.DeleteRouteRequest) error {
	dest, err := parseRouteDestination(in.DestinationCidrBlock, in.DestinationIpv6CidrBlock, in.DestinationPrefixListId)
	if err != nil {
		return err
	}
	return s.Update(ctx, func(t *kit.Txn) error {
		rtb, vpc, err := routeTableAndVpc(t, c, in.RouteTableId)
		if err != nil {
			return err
		}
		i := rtb.FindRoute(dest)
		if i < 0 {
			return ec2.ErrInvalidRouteNotFound("no route with destination-cidr-block %s in route table %s", dest.DestinationString(), rtb.ID)
		}
		if isLocalDestination(vpc, dest) {
			return ec2.ErrInvalidParameterValue("cannot remove local route %s in route table %s", dest.DestinationString(), rtb.ID)
		}
		if kit.TargetKind(rtb.Routes[i].Target) == "vpce" {
			return errEndpointRoute("cannot remove VPC endpoint route %s in route table %s", dest.DestinationString(), rtb.ID)
		}
		rtb.Routes = append(rtb.Routes[:i], rtb.Routes[i+1:]...)
		return t.Put(c.Key(rtb.ID), rtb)
	})
}
