package kit

import (
	"maps"
	"slices"

	"vpcd/internal/ec2"
)

// Kind is what vpcd knows about one kind of resource, declared once: the tables that
// tagging, error answers, subnet deletion and ARNs read are all derived from kinds.
type Kind struct {
	// Prefix is the ID's prefix ("vpc" in vpc-0123…) and the kind's name in store keys.
	Prefix string
	// IDPrefix is the whole prefix of IDs when it is longer than the kind's name: AWS's
	// exclusions are vpcbpa-exclude-0123….
	IDPrefix string
	// ResourceType names the kind in tags (TagSpecifications, DescribeTags) and ARNs
	// ("route-table"). Empty for kinds vpcd does not keep yet but must recognise in
	// requests (a route to a transit gateway, say), which cannot be tagged.
	ResourceType string
	// NotFound is AWS's code for a well-formed ID that names nothing the caller has, and
	// NotFoundMessage its message, formatted with the ID.
	NotFound, NotFoundMessage string
	// Malformed is AWS's code for an ID that is not of the kind's form; empty when AWS
	// answers InvalidID.
	Malformed string
	// MalformedIsNotFound: AWS answers an ID that is not of the kind's form as it answers
	// one that names nothing, with NotFound and its message (AssociateAddress with the
	// allocation ID "44.234.198.239" gets InvalidAllocationID.NotFound: The allocation ID
	// '44.234.198.239' does not exist).
	MalformedIsNotFound bool
	// InSubnet: a resource of the kind holds addresses in its subnet ("subnetId" or
	// "subnetIds" in its record), so the subnet cannot be deleted under it.
	InSubnet bool
	// Setting: the kind is one record per account and region (at Prefix/options), not a
	// resource with IDs.
	Setting bool
	// Service is the AWS service that owns the kind when it is not EC2 ("route53" for
	// hosted zones, "route53resolver"): its NotFound and Malformed codes are that
	// service's, its resources have no EC2 tags, and its family answers their errors.
	Service string
	// Model is how a stored record of the kind enters the data plane's model (see
	// snapshot.go); nil for kinds the data plane does not carry.
	Model func(region string, raw []byte) (any, error)
}

// kinds are every resource kind vpcd keeps or recognises, by ID prefix.
var kinds = index(
	Kind{Prefix: "vpc", ResourceType: "vpc", NotFound: "InvalidVpcID.NotFound", NotFoundMessage: "The vpc ID '%s' does not exist", Malformed: "InvalidVpcID.Malformed", Model: modelOf(vpcModel)},
	Kind{Prefix: "subnet", ResourceType: "subnet", NotFound: "InvalidSubnetID.NotFound", NotFoundMessage: "The subnet ID '%s' does not exist", Malformed: "InvalidSubnetID.Malformed", Model: modelOf(subnetModel)},
	Kind{Prefix: "rtb", ResourceType: "route-table", NotFound: "InvalidRouteTableID.NotFound", NotFoundMessage: "The routeTable ID '%s' does not exist", Malformed: "InvalidRouteTableId.Malformed", Model: modelOf(routeTableModel)},
	Kind{Prefix: "rtbassoc", NotFound: "InvalidAssociationID.NotFound", NotFoundMessage: "The association ID '%s' does not exist", MalformedIsNotFound: true},
	Kind{Prefix: "igw", ResourceType: "internet-gateway", NotFound: "InvalidInternetGatewayID.NotFound", NotFoundMessage: "The internetGateway ID '%s' does not exist", Malformed: "InvalidInternetGatewayId.Malformed", Model: modelOf(internetGatewayModel)},
	Kind{Prefix: "eigw", ResourceType: "egress-only-internet-gateway", NotFound: "InvalidGatewayID.NotFound", NotFoundMessage: "The eigw ID '%s' does not exist", Malformed: "InvalidEgressOnlyInternetGatewayId.Malformed", Model: modelOf(egressOnlyGatewayModel)},
	Kind{Prefix: "acl", ResourceType: "network-acl", NotFound: "InvalidNetworkAclID.NotFound", NotFoundMessage: "The networkAcl ID '%s' does not exist", Malformed: "InvalidNetworkAclId.Malformed", Model: modelOf(networkACLModel)},
	Kind{Prefix: "sg", ResourceType: "security-group", NotFound: "InvalidGroup.NotFound", NotFoundMessage: "The security group '%s' does not exist", Malformed: "InvalidGroupId.Malformed", Model: modelOf(securityGroupModel)},
	Kind{Prefix: "dopt", ResourceType: "dhcp-options", NotFound: "InvalidDhcpOptionID.NotFound", NotFoundMessage: "The dhcpOption ID '%s' does not exist", Model: modelOf(dhcpOptionsModel)},
	Kind{Prefix: "nat", ResourceType: "natgateway", NotFound: "InvalidNatGatewayID.NotFound", NotFoundMessage: "The natGateway ID '%s' does not exist", InSubnet: true, Model: modelOf(natGatewayModel)},
	Kind{Prefix: "i", ResourceType: "instance", NotFound: "InvalidInstanceID.NotFound", NotFoundMessage: "The instance ID '%s' does not exist", Malformed: "InvalidInstanceID.Malformed", InSubnet: true, Model: modelOf(instanceModel)},
	Kind{Prefix: "eni", ResourceType: "network-interface", NotFound: "InvalidNetworkInterfaceID.NotFound", NotFoundMessage: "The networkInterface ID '%s' does not exist", Malformed: "InvalidNetworkInterfaceId.Malformed", InSubnet: true, Model: modelOf(networkInterfaceModel)},
	Kind{Prefix: "pcx", ResourceType: "vpc-peering-connection", NotFound: "InvalidVpcPeeringConnectionID.NotFound", NotFoundMessage: "The vpcPeeringConnection ID '%s' does not exist", Malformed: "InvalidVpcPeeringConnectionId.Malformed", Model: modelOf(peeringModel)},
	Kind{Prefix: "pl", ResourceType: "prefix-list", NotFound: "InvalidPrefixListID.NotFound", NotFoundMessage: "The prefix list ID '%s' does not exist", Malformed: "InvalidPrefixListId.Malformed", Model: modelOf(prefixListModel)},
	Kind{Prefix: "vol", ResourceType: "volume", NotFound: "InvalidVolume.NotFound", NotFoundMessage: "The volume '%s' does not exist.", Malformed: "InvalidVolumeID.Malformed"},
	Kind{Prefix: "eipalloc", ResourceType: "elastic-ip", NotFound: "InvalidAllocationID.NotFound", NotFoundMessage: "The allocation ID '%s' does not exist", MalformedIsNotFound: true},
	Kind{Prefix: "eipassoc", NotFound: "InvalidAssociationID.NotFound", NotFoundMessage: "The association ID '%s' does not exist", MalformedIsNotFound: true},
	Kind{Prefix: "ami", ResourceType: "image", NotFound: "InvalidAMIID.NotFound", NotFoundMessage: "The image id '[%s]' does not exist", Malformed: "InvalidAMIID.Malformed"},
	// What surrounds an instance: its key pair and the launch template it may come from.
	Kind{Prefix: "key", ResourceType: "key-pair", NotFound: "InvalidKeyPair.NotFound", NotFoundMessage: "The key pair ID '%s' does not exist"},
	Kind{Prefix: "lt", ResourceType: "launch-template", NotFound: "InvalidLaunchTemplateId.NotFound", NotFoundMessage: "The specified launch template, with template ID %s, does not exist.", Malformed: "InvalidLaunchTemplateId.Malformed"},
	// Flow logs of VPCs, subnets and interfaces.
	Kind{Prefix: "fl", ResourceType: "vpc-flow-log", NotFound: "InvalidFlowLogId.NotFound", NotFoundMessage: "These flow log ids in the input list are not found: [TotalCount: 1] %s", Model: modelOf(flowLogModel)},
	// Route 53 Resolver's endpoints and rules (rslvr-in-…, rslvr-out-…, rslvr-rr-…; see
	// resolver.go), answered by control/resolverrules.
	Kind{Prefix: "rslvr", Service: "route53resolver", Model: modelOf(resolverModel)},
	// Reachability Analyzer and Network Access Analyzer. Only the analysis's Malformed code
	// is known (AWS's CloudFormation handlers match it); the others' malformed IDs, and an
	// access scope analysis that does not exist, answer InvalidParameterValue (a guess).
	Kind{Prefix: "nip", ResourceType: "network-insights-path", NotFound: "InvalidNetworkInsightsPathId.NotFound", NotFoundMessage: "The NetworkInsightsPath ID '%s' does not exist", Malformed: "InvalidParameterValue"},
	Kind{Prefix: "nia", ResourceType: "network-insights-analysis", NotFound: "InvalidNetworkInsightsAnalysisId.NotFound", NotFoundMessage: "The NetworkInsightsAnalysis ID '%s' does not exist", Malformed: "InvalidNetworkInsightsAnalysisId.Malformed"},
	Kind{Prefix: "nis", ResourceType: "network-insights-access-scope", NotFound: "InvalidNetworkInsightsAccessScopeId.NotFound", NotFoundMessage: "The NetworkInsightsAccessScope ID '%s' does not exist", Malformed: "InvalidParameterValue"},
	Kind{Prefix: "nisa", ResourceType: "network-insights-access-scope-analysis", NotFound: "InvalidParameterValue", NotFoundMessage: "The NetworkInsightsAccessScopeAnalysis ID '%s' does not exist", Malformed: "InvalidParameterValue"},
	// VPC Block Public Access: the account's mode in a region, and its exclusions
	// (vpcbpa-exclude-…). No Malformed code of the exclusions is known: InvalidParameterValue.
	Kind{Prefix: "bpa", Setting: true, Model: modelOf(bpaOptionsModel)},
	Kind{Prefix: "vpcbpa", IDPrefix: "vpcbpa-exclude", ResourceType: "vpc-block-public-access-exclusion", NotFound: "InvalidVpcBlockPublicAccessExclusionId.NotFound", NotFoundMessage: "The VPC Block Public Access exclusion ID '%s' does not exist", Malformed: "InvalidParameterValue", Model: modelOf(bpaExclusionModel)},
	// Site-to-Site VPN's two ends (control/vpn). No Malformed code of a virtual private
	// gateway is documented: InvalidID, as for any kind without one.
	Kind{Prefix: "cgw", ResourceType: "customer-gateway", NotFound: "InvalidCustomerGatewayID.NotFound", NotFoundMessage: "The customerGateway ID '%s' does not exist", Malformed: "InvalidCustomerGatewayId.Malformed"},
	Kind{Prefix: "vgw", ResourceType: "vpn-gateway", NotFound: "InvalidVpnGatewayID.NotFound", NotFoundMessage: "The vpnGateway ID '%s' does not exist", Model: modelOf(vpnGatewayModel)},
	// Site-to-Site VPN connections; AWS's InvalidVpnConnectionID is taken as their Malformed code.
	Kind{Prefix: "vpn", ResourceType: "vpn-connection", NotFound: "InvalidVpnConnectionID.NotFound", NotFoundMessage: "The vpnConnection ID '%s' does not exist", Malformed: "InvalidVpnConnectionID", Model: modelOf(vpnConnectionModel)},
	// Route 53's private hosted zones, global, at HostedZoneKey (their IDs have no prefix).
	Kind{Prefix: "hostedzone", Service: "route53", NotFound: "NoSuchHostedZone", NotFoundMessage: "No hosted zone found with ID: %s", Model: modelOf(hostedZoneModel)},
	// Transit gateways (control/tgw), their attachments and their route tables. AWS
	// documents no Malformed code for any of them: InvalidID. A transit gateway route
	// table that does not exist answers InvalidRouteTableID.NotFound, as the Terraform
	// provider expects.
	Kind{Prefix: "tgw", ResourceType: "transit-gateway", NotFound: "InvalidTransitGatewayID.NotFound", NotFoundMessage: "Transit Gateway %s was deleted or does not exist.", Model: modelOf(transitGatewayModel)},
	Kind{Prefix: "tgw-attach", ResourceType: "transit-gateway-attachment", NotFound: "InvalidTransitGatewayAttachmentID.NotFound", NotFoundMessage: "Transit Gateway Attachment %s was deleted or does not exist.", InSubnet: true, Model: modelOf(transitGatewayAttachmentModel)},
	Kind{Prefix: "tgw-rtb", ResourceType: "transit-gateway-route-table", NotFound: "InvalidRouteTableID.NotFound", NotFoundMessage: "Transit Gateway Route Table %s was deleted or does not exist.", Model: modelOf(transitGatewayRouteTableModel)},
	// Direct Connect's dedicated connections and virtual interfaces (dxcon-…, dxvif-…),
	// answered by control/directconnect; its gateways are global, at its GatewayKey.
	Kind{Prefix: "dxcon", Service: "directconnect"},
	Kind{Prefix: "dxvif", Service: "directconnect", Model: modelOf(dxVifModel)},
	// Direct Connect gateways (their IDs are UUIDs), read for their associations only.
	Kind{Prefix: "dxgw", Service: "directconnect", Model: modelOf(dxGatewayModel)},
	// Kinds that routes and requests may name before vpcd keeps them.
	// CreateRoute answers an unknown gateway target with InvalidGatewayID.NotFound (real
	// EC2 does for nat- and tgw- targets); no code of its own for a local gateway is known.
	Kind{Prefix: "lgw", NotFound: "InvalidGatewayID.NotFound", NotFoundMessage: "The gateway ID '%s' does not exist"},
	Kind{Prefix: "cagw", NotFound: "InvalidCarrierGatewayID.NotFound", NotFoundMessage: "The carrierGateway ID '%s' does not exist"},
	Kind{Prefix: "snap", NotFound: "InvalidSnapshot.NotFound", NotFoundMessage: "The snapshot '%s' does not exist.", Malformed: "InvalidSnapshotID.Malformed"},
	// Elastic Load Balancing's network load balancers, target groups and listeners
	// (kit/elb.go), answered by control/elb; their IDs are the 16 hex digits of their ARNs.
	Kind{Prefix: "elblb", Service: "elasticloadbalancing", Model: modelOf(loadBalancerModel)},
	Kind{Prefix: "elbtg", Service: "elasticloadbalancing", Model: modelOf(targetGroupModel)},
	Kind{Prefix: "elblst", Service: "elasticloadbalancing", Model: modelOf(listenerModel)},
	// VPC endpoints (control/endpoints); a gateway endpoint is a route target.
	// PrivateLink endpoint services and connection notifications (kit/endpointservice.go).
	// No Malformed code of either is documented: a service ID not of the form is answered
	// as one that names nothing.
	Kind{Prefix: "vpce-svc", ResourceType: "vpc-endpoint-service", NotFound: "InvalidVpcEndpointServiceId.NotFound", NotFoundMessage: "The Vpc Endpoint Service Id '%s' does not exist", MalformedIsNotFound: true, Model: modelOf(endpointServiceModel)},
	Kind{Prefix: "vpce-nfn", NotFound: "InvalidConnectionNotification", NotFoundMessage: "The connection notification id '%s' does not exist", MalformedIsNotFound: true},
	Kind{Prefix: "vpce", ResourceType: "vpc-endpoint", NotFound: "InvalidVpcEndpointId.NotFound", NotFoundMessage: "The Vpc Endpoint Id '%s' does not exist", Malformed: "InvalidVpcEndpointId.Malformed", InSubnet: true, Model: modelOf(vpcEndpointModel)},
)

func index(ks ...Kind) map[string]*Kind {
	m := make(map[string]*Kind, len(ks))
	for i := range ks {
		m[ks[i].Prefix] = &ks[i]
	}
	return m
}

// Kinds lists every kind, sorted by prefix.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kinds))
	for _, p := range slices.Sorted(maps.Keys(kinds)) {
		out = append(out, *kinds[p])
	}
	return out
}

// taggable reports whether CreateTags accepts resources of the kind, and its type.
func taggable(prefix string) (string, bool) {
	k := kinds[prefix]
	if k == nil || k.ResourceType == "" {
		return "", false
	}
	return k.ResourceType, true
}

// NotFound is AWS's error for a well-formed ID that names nothing the caller has.
func NotFound(id string) error {
	if k := kinds[KindOf(id)]; k != nil {
		return ec2.Errorf(k.NotFound, k.NotFoundMessage, id)
	}
	return ec2.ErrInvalidID("The ID '%s' is not valid", id)
}

// UnsuccessfulItem is how a batch action (CreateFlowLogs, DeleteVpcEndpoints, ...) answers
// one item it did not do, with the error it would have answered alone.
func UnsuccessfulItem(id, code, message string) ec2.UnsuccessfulItem {
	return ec2.UnsuccessfulItem{ResourceId: Ptr(id), Error: &ec2.UnsuccessfulItemError{Code: Ptr(code), Message: Ptr(message)}}
}

// IsNotFound reports whether err is the kind's NotFound error.
func IsNotFound(err error, prefix string) bool {
	e, ok := err.(*ec2.Error)
	return ok && kinds[prefix] != nil && e.Code == kinds[prefix].NotFound
}

// CheckID returns AWS's Malformed error unless id is a well-formed ID of the kind.
func CheckID(id, prefix string) error {
	k := kinds[prefix]
	idPrefix := prefix
	if k != nil && k.IDPrefix != "" {
		idPrefix = k.IDPrefix
	}
	if ValidID(id, idPrefix) {
		return nil
	}
	if k != nil && k.MalformedIsNotFound {
		return ec2.Errorf(k.NotFound, k.NotFoundMessage, id)
	}
	code := "InvalidID"
	if k != nil && k.Malformed != "" {
		code = k.Malformed
	}
	return ec2.Errorf(code, "Invalid id: \"%s\" (expecting \"%s-...\")", id, idPrefix)
}

// ARN is the ARN of an EC2 resource, "arn:aws:ec2:REGION:ACCOUNT:TYPE/ID".
func ARN(region, account, id string) string {
	rt, ok := taggable(KindOf(id))
	if !ok {
		rt = KindOf(id)
	}
	return "arn:aws:ec2:" + region + ":" + account + ":" + rt + "/" + id
}

// Lookup is the kind of an ID prefix, nil for one vpcd does not know.
func Lookup(prefix string) *Kind { return kinds[prefix] }
