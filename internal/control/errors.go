package control

import "vpcd/internal/ec2"

// notFoundCodes are AWS's error code and noun for a missing resource of each kind.
var notFoundCodes = map[string][2]string{
	"vpc":      {"InvalidVpcID.NotFound", "The vpc ID '%s' does not exist"},
	"subnet":   {"InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist"},
	"rtb":      {"InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist"},
	"rtbassoc": {"InvalidAssociationID.NotFound", "The association ID '%s' does not exist"},
	"igw":      {"InvalidInternetGatewayID.NotFound", "The internetGateway ID '%s' does not exist"},
	"eigw":     {"InvalidGatewayID.NotFound", "The eigw ID '%s' does not exist"},
	"acl":      {"InvalidNetworkAclID.NotFound", "The networkAcl ID '%s' does not exist"},
	"sg":       {"InvalidGroup.NotFound", "The security group '%s' does not exist"},
	"dopt":     {"InvalidDhcpOptionID.NotFound", "The dhcpOption ID '%s' does not exist"},
	// Route targets and destinations (see route.go).
	"nat":  {"InvalidNatGatewayID.NotFound", "The natGateway ID '%s' does not exist"},
	"i":    {"InvalidInstanceID.NotFound", "The instance ID '%s' does not exist"},
	"eni":  {"InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist"},
	"pcx":  {"InvalidVpcPeeringConnectionID.NotFound", "The vpcPeeringConnection ID '%s' does not exist"},
	"tgw":  {"InvalidTransitGatewayID.NotFound", "Transit Gateway %s was deleted or does not exist."},
	"vgw":  {"InvalidVpnGatewayID.NotFound", "The vpnGateway ID '%s' does not exist"},
	"lgw":  {"InvalidLocalGatewayID.NotFound", "The localGateway ID '%s' does not exist"},
	"cagw": {"InvalidCarrierGatewayID.NotFound", "The carrierGateway ID '%s' does not exist"},
	"vpce": {"InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '%s' does not exist"},
	"pl":   {"InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist"},
	// Elastic IPs (see elasticip.go).
	"eipalloc": {"InvalidAllocationID.NotFound", "The allocation ID '%s' does not exist"},
	"eipassoc": {"InvalidAssociationID.NotFound", "The association ID '%s' does not exist"},
	// Reachability Analyzer (see networkinsights.go).
	"nip": {"InvalidNetworkInsightsPathId.NotFound", "The NetworkInsightsPath ID '%s' does not exist"},
	"nia": {"InvalidNetworkInsightsAnalysisId.NotFound", "The NetworkInsightsAnalysis ID '%s' does not exist"},
	// Network Access Analyzer (see networkaccess.go).
	"nis":  {"InvalidNetworkInsightsAccessScopeId.NotFound", "The NetworkInsightsAccessScope ID '%s' does not exist"},
	"nisa": {"InvalidNetworkInsightsAccessScopeAnalysisId.NotFound", "The NetworkInsightsAccessScopeAnalysis ID '%s' does not exist"},
}

// notFound is AWS's error for a well-formed ID that names nothing the caller has.
func notFound(id string) error {
	if c, ok := notFoundCodes[kindOf(id)]; ok {
		return ec2.Errorf(c[0], c[1], id)
	}
	return ec2.Errorf("InvalidID", "The ID '%s' is not valid", id)
}

// malformedCodes are AWS's codes for an ID that is not of the expected form.
var malformedCodes = map[string]string{
	"vpc":      "InvalidVpcID.Malformed",
	"subnet":   "InvalidSubnetID.Malformed",
	"rtb":      "InvalidRouteTableID.Malformed",
	"igw":      "InvalidInternetGatewayID.Malformed",
	"eigw":     "InvalidEgressOnlyInternetGatewayId.Malformed",
	"acl":      "InvalidNetworkAclID.Malformed",
	"sg":       "InvalidGroupId.Malformed",
	"rtbassoc": "InvalidAssociationID.Malformed",
	"pl":       "InvalidPrefixListID.Malformed",
	"i":        "InvalidInstanceID.Malformed",
	"eni":      "InvalidNetworkInterfaceID.Malformed",
	"eipalloc": "InvalidAllocationID.Malformed",
	"eipassoc": "InvalidAssociationID.Malformed",
	"pcx":      "InvalidVpcPeeringConnectionId.Malformed",
	"nip":      "InvalidNetworkInsightsPathId.Malformed",
	"nia":      "InvalidNetworkInsightsAnalysisId.Malformed",
	"nis":      "InvalidNetworkInsightsAccessScopeId.Malformed",
	"nisa":     "InvalidNetworkInsightsAccessScopeAnalysisId.Malformed",
}

// checkID returns AWS's Malformed error unless id is a well-formed ID of the kind.
func checkID(id, kind string) error {
	if validID(id, kind) {
		return nil
	}
	code := malformedCodes[kind]
	if code == "" {
		code = "InvalidID"
	}
	return ec2.Errorf(code, "Invalid id: \"%s\" (expecting \"%s-...\")", id, kind)
}

func errInvalidParameterCombination(format string, args ...any) error {
	return ec2.Errorf("InvalidParameterCombination", format, args...)
}
