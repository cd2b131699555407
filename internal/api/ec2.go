package api

import (
	"context"
	"net/http"
	"net/url"
	"reflect"

	"vpcd/internal/aws"
	"vpcd/internal/control"
	"vpcd/internal/ec2"
)

// registerEC2 serves the EC2 actions of the control plane. The list is explicit so that
// what vpcd serves reads in one place; TestEveryActionRegistered checks that no method
// of control.Service with an action's name and signature is left out.
func registerEC2(s *Server, svc *control.Service) {
	ops := make(map[string]aws.Operation, len(ec2.Operations))
	for op := range ec2.Operations {
		ops[op] = aws.Operation{Input: op + "Request"}
	}
	e := s.addService(aws.Service{Name: "ec2", SigningName: "ec2", APIVersion: ec2.APIVersion, XMLNamespace: ec2.XMLNamespace, Operations: ops}, ec2Protocol{})
	e.before = func(ctx context.Context, c control.Caller, in any) error {
		// DryRun is answered here for every action, after the request has been decoded
		// and authorized.
		if dry := reflect.ValueOf(in).Elem().FieldByName("DryRun"); dry.IsValid() && !dry.IsNil() && dry.Elem().Bool() {
			return ec2.ErrDryRun()
		}
		return svc.EnsureDefaultVpc(ctx, c)
	}

	Handle(s, "ec2", "AcceptTransitGatewayPeeringAttachment", svc.AcceptTransitGatewayPeeringAttachment)
	Handle(s, "ec2", "AcceptVpcEndpointConnections", svc.AcceptVpcEndpointConnections)
	Handle(s, "ec2", "AcceptVpcPeeringConnection", svc.AcceptVpcPeeringConnection)
	Handle(s, "ec2", "AllocateAddress", svc.AllocateAddress)
	Handle(s, "ec2", "AssignIpv6Addresses", svc.AssignIpv6Addresses)
	Handle(s, "ec2", "AssignPrivateIpAddresses", svc.AssignPrivateIpAddresses)
	Handle(s, "ec2", "AssociateAddress", svc.AssociateAddress)
	HandleNoOutput(s, "ec2", "AssociateDhcpOptions", svc.AssociateDhcpOptions)
	Handle(s, "ec2", "AssociateNatGatewayAddress", svc.AssociateNatGatewayAddress)
	Handle(s, "ec2", "AssociateRouteTable", svc.AssociateRouteTable)
	Handle(s, "ec2", "AssociateSubnetCidrBlock", svc.AssociateSubnetCidrBlock)
	Handle(s, "ec2", "AssociateTransitGatewayRouteTable", svc.AssociateTransitGatewayRouteTable)
	Handle(s, "ec2", "AssociateVpcCidrBlock", svc.AssociateVpcCidrBlock)
	HandleNoOutput(s, "ec2", "AttachInternetGateway", svc.AttachInternetGateway)
	Handle(s, "ec2", "AttachNetworkInterface", svc.AttachNetworkInterface)
	Handle(s, "ec2", "AttachVolume", svc.AttachVolume)
	Handle(s, "ec2", "AttachVpnGateway", svc.AttachVpnGateway)
	Handle(s, "ec2", "AuthorizeSecurityGroupEgress", svc.AuthorizeSecurityGroupEgress)
	Handle(s, "ec2", "AuthorizeSecurityGroupIngress", svc.AuthorizeSecurityGroupIngress)
	Handle(s, "ec2", "CreateCustomerGateway", svc.CreateCustomerGateway)
	Handle(s, "ec2", "CreateDefaultSubnet", svc.CreateDefaultSubnet)
	Handle(s, "ec2", "CreateDefaultVpc", svc.CreateDefaultVpc)
	Handle(s, "ec2", "CreateDhcpOptions", svc.CreateDhcpOptions)
	Handle(s, "ec2", "CreateEgressOnlyInternetGateway", svc.CreateEgressOnlyInternetGateway)
	Handle(s, "ec2", "CreateFlowLogs", svc.CreateFlowLogs)
	Handle(s, "ec2", "CreateImage", svc.CreateImage)
	Handle(s, "ec2", "CreateInternetGateway", svc.CreateInternetGateway)
	Handle(s, "ec2", "CreateKeyPair", svc.CreateKeyPair)
	Handle(s, "ec2", "CreateLaunchTemplate", svc.CreateLaunchTemplate)
	Handle(s, "ec2", "CreateLaunchTemplateVersion", svc.CreateLaunchTemplateVersion)
	Handle(s, "ec2", "CreateManagedPrefixList", svc.CreateManagedPrefixList)
	Handle(s, "ec2", "CreateNatGateway", svc.CreateNatGateway)
	Handle(s, "ec2", "CreateNetworkAcl", svc.CreateNetworkAcl)
	HandleNoOutput(s, "ec2", "CreateNetworkAclEntry", svc.CreateNetworkAclEntry)
	Handle(s, "ec2", "CreateNetworkInsightsAccessScope", svc.CreateNetworkInsightsAccessScope)
	Handle(s, "ec2", "CreateNetworkInsightsPath", svc.CreateNetworkInsightsPath)
	Handle(s, "ec2", "CreateNetworkInterface", svc.CreateNetworkInterface)
	Handle(s, "ec2", "CreateRoute", svc.CreateRoute)
	Handle(s, "ec2", "CreateRouteTable", svc.CreateRouteTable)
	Handle(s, "ec2", "CreateSecurityGroup", svc.CreateSecurityGroup)
	Handle(s, "ec2", "CreateSubnet", svc.CreateSubnet)
	HandleNoOutput(s, "ec2", "CreateTags", svc.CreateTags)
	Handle(s, "ec2", "CreateTransitGateway", svc.CreateTransitGateway)
	Handle(s, "ec2", "CreateTransitGatewayPeeringAttachment", svc.CreateTransitGatewayPeeringAttachment)
	Handle(s, "ec2", "CreateTransitGatewayRoute", svc.CreateTransitGatewayRoute)
	Handle(s, "ec2", "CreateTransitGatewayRouteTable", svc.CreateTransitGatewayRouteTable)
	Handle(s, "ec2", "CreateTransitGatewayVpcAttachment", svc.CreateTransitGatewayVpcAttachment)
	Handle(s, "ec2", "CreateVolume", svc.CreateVolume)
	Handle(s, "ec2", "CreateVpc", svc.CreateVpc)
	Handle(s, "ec2", "CreateVpcBlockPublicAccessExclusion", svc.CreateVpcBlockPublicAccessExclusion)
	Handle(s, "ec2", "CreateVpcEndpoint", svc.CreateVpcEndpoint)
	Handle(s, "ec2", "CreateVpcEndpointConnectionNotification", svc.CreateVpcEndpointConnectionNotification)
	Handle(s, "ec2", "CreateVpcEndpointServiceConfiguration", svc.CreateVpcEndpointServiceConfiguration)
	Handle(s, "ec2", "CreateVpcPeeringConnection", svc.CreateVpcPeeringConnection)
	Handle(s, "ec2", "CreateVpnConnection", svc.CreateVpnConnection)
	HandleNoOutput(s, "ec2", "CreateVpnConnectionRoute", svc.CreateVpnConnectionRoute)
	Handle(s, "ec2", "CreateVpnGateway", svc.CreateVpnGateway)
	HandleNoOutput(s, "ec2", "DeleteCustomerGateway", svc.DeleteCustomerGateway)
	HandleNoOutput(s, "ec2", "DeleteDhcpOptions", svc.DeleteDhcpOptions)
	Handle(s, "ec2", "DeleteEgressOnlyInternetGateway", svc.DeleteEgressOnlyInternetGateway)
	Handle(s, "ec2", "DeleteFlowLogs", svc.DeleteFlowLogs)
	HandleNoOutput(s, "ec2", "DeleteInternetGateway", svc.DeleteInternetGateway)
	Handle(s, "ec2", "DeleteKeyPair", svc.DeleteKeyPair)
	Handle(s, "ec2", "DeleteLaunchTemplate", svc.DeleteLaunchTemplate)
	Handle(s, "ec2", "DeleteLaunchTemplateVersions", svc.DeleteLaunchTemplateVersions)
	Handle(s, "ec2", "DeleteManagedPrefixList", svc.DeleteManagedPrefixList)
	Handle(s, "ec2", "DeleteNatGateway", svc.DeleteNatGateway)
	HandleNoOutput(s, "ec2", "DeleteNetworkAcl", svc.DeleteNetworkAcl)
	HandleNoOutput(s, "ec2", "DeleteNetworkAclEntry", svc.DeleteNetworkAclEntry)
	Handle(s, "ec2", "DeleteNetworkInsightsAccessScope", svc.DeleteNetworkInsightsAccessScope)
	Handle(s, "ec2", "DeleteNetworkInsightsAccessScopeAnalysis", svc.DeleteNetworkInsightsAccessScopeAnalysis)
	Handle(s, "ec2", "DeleteNetworkInsightsAnalysis", svc.DeleteNetworkInsightsAnalysis)
	Handle(s, "ec2", "DeleteNetworkInsightsPath", svc.DeleteNetworkInsightsPath)
	HandleNoOutput(s, "ec2", "DeleteNetworkInterface", svc.DeleteNetworkInterface)
	HandleNoOutput(s, "ec2", "DeleteRoute", svc.DeleteRoute)
	HandleNoOutput(s, "ec2", "DeleteRouteTable", svc.DeleteRouteTable)
	Handle(s, "ec2", "DeleteSecurityGroup", svc.DeleteSecurityGroup)
	HandleNoOutput(s, "ec2", "DeleteSubnet", svc.DeleteSubnet)
	HandleNoOutput(s, "ec2", "DeleteTags", svc.DeleteTags)
	Handle(s, "ec2", "DeleteTransitGateway", svc.DeleteTransitGateway)
	Handle(s, "ec2", "DeleteTransitGatewayPeeringAttachment", svc.DeleteTransitGatewayPeeringAttachment)
	Handle(s, "ec2", "DeleteTransitGatewayRoute", svc.DeleteTransitGatewayRoute)
	Handle(s, "ec2", "DeleteTransitGatewayRouteTable", svc.DeleteTransitGatewayRouteTable)
	Handle(s, "ec2", "DeleteTransitGatewayVpcAttachment", svc.DeleteTransitGatewayVpcAttachment)
	HandleNoOutput(s, "ec2", "DeleteVolume", svc.DeleteVolume)
	HandleNoOutput(s, "ec2", "DeleteVpc", svc.DeleteVpc)
	Handle(s, "ec2", "DeleteVpcBlockPublicAccessExclusion", svc.DeleteVpcBlockPublicAccessExclusion)
	Handle(s, "ec2", "DeleteVpcEndpointConnectionNotifications", svc.DeleteVpcEndpointConnectionNotifications)
	Handle(s, "ec2", "DeleteVpcEndpointServiceConfigurations", svc.DeleteVpcEndpointServiceConfigurations)
	Handle(s, "ec2", "DeleteVpcEndpoints", svc.DeleteVpcEndpoints)
	Handle(s, "ec2", "DeleteVpcPeeringConnection", svc.DeleteVpcPeeringConnection)
	HandleNoOutput(s, "ec2", "DeleteVpnConnection", svc.DeleteVpnConnection)
	HandleNoOutput(s, "ec2", "DeleteVpnConnectionRoute", svc.DeleteVpnConnectionRoute)
	HandleNoOutput(s, "ec2", "DeleteVpnGateway", svc.DeleteVpnGateway)
	Handle(s, "ec2", "DeregisterImage", svc.DeregisterImage)
	Handle(s, "ec2", "DescribeAccountAttributes", svc.DescribeAccountAttributes)
	Handle(s, "ec2", "DescribeAddresses", svc.DescribeAddresses)
	Handle(s, "ec2", "DescribeAddressesAttribute", svc.DescribeAddressesAttribute)
	Handle(s, "ec2", "DescribeAvailabilityZones", svc.DescribeAvailabilityZones)
	Handle(s, "ec2", "DescribeCustomerGateways", svc.DescribeCustomerGateways)
	Handle(s, "ec2", "DescribeDhcpOptions", svc.DescribeDhcpOptions)
	Handle(s, "ec2", "DescribeEgressOnlyInternetGateways", svc.DescribeEgressOnlyInternetGateways)
	Handle(s, "ec2", "DescribeFlowLogs", svc.DescribeFlowLogs)
	Handle(s, "ec2", "DescribeImageAttribute", svc.DescribeImageAttribute)
	Handle(s, "ec2", "DescribeImages", svc.DescribeImages)
	Handle(s, "ec2", "DescribeInstanceAttribute", svc.DescribeInstanceAttribute)
	Handle(s, "ec2", "DescribeInstanceCreditSpecifications", svc.DescribeInstanceCreditSpecifications)
	Handle(s, "ec2", "DescribeInstanceStatus", svc.DescribeInstanceStatus)
	Handle(s, "ec2", "DescribeInstanceTypeOfferings", svc.DescribeInstanceTypeOfferings)
	Handle(s, "ec2", "DescribeInstanceTypes", svc.DescribeInstanceTypes)
	Handle(s, "ec2", "DescribeInstances", svc.DescribeInstances)
	Handle(s, "ec2", "DescribeInternetGateways", svc.DescribeInternetGateways)
	Handle(s, "ec2", "DescribeKeyPairs", svc.DescribeKeyPairs)
	Handle(s, "ec2", "DescribeLaunchTemplateVersions", svc.DescribeLaunchTemplateVersions)
	Handle(s, "ec2", "DescribeLaunchTemplates", svc.DescribeLaunchTemplates)
	Handle(s, "ec2", "DescribeManagedPrefixLists", svc.DescribeManagedPrefixLists)
	Handle(s, "ec2", "DescribeNatGateways", svc.DescribeNatGateways)
	Handle(s, "ec2", "DescribeNetworkAcls", svc.DescribeNetworkAcls)
	Handle(s, "ec2", "DescribeNetworkInsightsAccessScopeAnalyses", svc.DescribeNetworkInsightsAccessScopeAnalyses)
	Handle(s, "ec2", "DescribeNetworkInsightsAccessScopes", svc.DescribeNetworkInsightsAccessScopes)
	Handle(s, "ec2", "DescribeNetworkInsightsAnalyses", svc.DescribeNetworkInsightsAnalyses)
	Handle(s, "ec2", "DescribeNetworkInsightsPaths", svc.DescribeNetworkInsightsPaths)
	Handle(s, "ec2", "DescribeNetworkInterfaceAttribute", svc.DescribeNetworkInterfaceAttribute)
	Handle(s, "ec2", "DescribeNetworkInterfaces", svc.DescribeNetworkInterfaces)
	Handle(s, "ec2", "DescribePrefixLists", svc.DescribePrefixLists)
	Handle(s, "ec2", "DescribeRegions", svc.DescribeRegions)
	Handle(s, "ec2", "DescribeRouteTables", svc.DescribeRouteTables)
	Handle(s, "ec2", "DescribeSecurityGroupRules", svc.DescribeSecurityGroupRules)
	Handle(s, "ec2", "DescribeSecurityGroups", svc.DescribeSecurityGroups)
	Handle(s, "ec2", "DescribeSubnets", svc.DescribeSubnets)
	Handle(s, "ec2", "DescribeTags", svc.DescribeTags)
	Handle(s, "ec2", "DescribeTransitGatewayAttachments", svc.DescribeTransitGatewayAttachments)
	Handle(s, "ec2", "DescribeTransitGatewayPeeringAttachments", svc.DescribeTransitGatewayPeeringAttachments)
	Handle(s, "ec2", "DescribeTransitGatewayRouteTables", svc.DescribeTransitGatewayRouteTables)
	Handle(s, "ec2", "DescribeTransitGatewayVpcAttachments", svc.DescribeTransitGatewayVpcAttachments)
	Handle(s, "ec2", "DescribeTransitGateways", svc.DescribeTransitGateways)
	Handle(s, "ec2", "DescribeVolumes", svc.DescribeVolumes)
	Handle(s, "ec2", "DescribeVolumesModifications", svc.DescribeVolumesModifications)
	Handle(s, "ec2", "DescribeVpcAttribute", svc.DescribeVpcAttribute)
	Handle(s, "ec2", "DescribeVpcBlockPublicAccessExclusions", svc.DescribeVpcBlockPublicAccessExclusions)
	Handle(s, "ec2", "DescribeVpcBlockPublicAccessOptions", svc.DescribeVpcBlockPublicAccessOptions)
	Handle(s, "ec2", "DescribeVpcEndpointConnectionNotifications", svc.DescribeVpcEndpointConnectionNotifications)
	Handle(s, "ec2", "DescribeVpcEndpointConnections", svc.DescribeVpcEndpointConnections)
	Handle(s, "ec2", "DescribeVpcEndpointServiceConfigurations", svc.DescribeVpcEndpointServiceConfigurations)
	Handle(s, "ec2", "DescribeVpcEndpointServicePermissions", svc.DescribeVpcEndpointServicePermissions)
	Handle(s, "ec2", "DescribeVpcEndpointServices", svc.DescribeVpcEndpointServices)
	Handle(s, "ec2", "DescribeVpcEndpoints", svc.DescribeVpcEndpoints)
	Handle(s, "ec2", "DescribeVpcPeeringConnections", svc.DescribeVpcPeeringConnections)
	Handle(s, "ec2", "DescribeVpcs", svc.DescribeVpcs)
	Handle(s, "ec2", "DescribeVpnConnections", svc.DescribeVpnConnections)
	Handle(s, "ec2", "DescribeVpnGateways", svc.DescribeVpnGateways)
	HandleNoOutput(s, "ec2", "DetachInternetGateway", svc.DetachInternetGateway)
	HandleNoOutput(s, "ec2", "DetachNetworkInterface", svc.DetachNetworkInterface)
	Handle(s, "ec2", "DetachVolume", svc.DetachVolume)
	HandleNoOutput(s, "ec2", "DetachVpnGateway", svc.DetachVpnGateway)
	Handle(s, "ec2", "DisableTransitGatewayRouteTablePropagation", svc.DisableTransitGatewayRouteTablePropagation)
	HandleNoOutput(s, "ec2", "DisableVgwRoutePropagation", svc.DisableVgwRoutePropagation)
	HandleNoOutput(s, "ec2", "DisassociateAddress", svc.DisassociateAddress)
	Handle(s, "ec2", "DisassociateNatGatewayAddress", svc.DisassociateNatGatewayAddress)
	HandleNoOutput(s, "ec2", "DisassociateRouteTable", svc.DisassociateRouteTable)
	Handle(s, "ec2", "DisassociateSubnetCidrBlock", svc.DisassociateSubnetCidrBlock)
	Handle(s, "ec2", "DisassociateTransitGatewayRouteTable", svc.DisassociateTransitGatewayRouteTable)
	Handle(s, "ec2", "DisassociateVpcCidrBlock", svc.DisassociateVpcCidrBlock)
	Handle(s, "ec2", "EnableTransitGatewayRouteTablePropagation", svc.EnableTransitGatewayRouteTablePropagation)
	HandleNoOutput(s, "ec2", "EnableVgwRoutePropagation", svc.EnableVgwRoutePropagation)
	Handle(s, "ec2", "GetConsoleOutput", svc.GetConsoleOutput)
	Handle(s, "ec2", "GetInstanceMetadataDefaults", svc.GetInstanceMetadataDefaults)
	Handle(s, "ec2", "GetManagedPrefixListAssociations", svc.GetManagedPrefixListAssociations)
	Handle(s, "ec2", "GetManagedPrefixListEntries", svc.GetManagedPrefixListEntries)
	Handle(s, "ec2", "GetNetworkInsightsAccessScopeAnalysisFindings", svc.GetNetworkInsightsAccessScopeAnalysisFindings)
	Handle(s, "ec2", "GetNetworkInsightsAccessScopeContent", svc.GetNetworkInsightsAccessScopeContent)
	Handle(s, "ec2", "GetTransitGatewayAttachmentPropagations", svc.GetTransitGatewayAttachmentPropagations)
	Handle(s, "ec2", "GetTransitGatewayRouteTableAssociations", svc.GetTransitGatewayRouteTableAssociations)
	Handle(s, "ec2", "GetTransitGatewayRouteTablePropagations", svc.GetTransitGatewayRouteTablePropagations)
	Handle(s, "ec2", "GetVpnConnectionDeviceSampleConfiguration", svc.GetVpnConnectionDeviceSampleConfiguration)
	Handle(s, "ec2", "GetVpnConnectionDeviceTypes", svc.GetVpnConnectionDeviceTypes)
	Handle(s, "ec2", "ImportKeyPair", svc.ImportKeyPair)
	HandleNoOutput(s, "ec2", "ModifyInstanceAttribute", svc.ModifyInstanceAttribute)
	Handle(s, "ec2", "ModifyInstanceCreditSpecification", svc.ModifyInstanceCreditSpecification)
	Handle(s, "ec2", "ModifyInstanceMetadataDefaults", svc.ModifyInstanceMetadataDefaults)
	Handle(s, "ec2", "ModifyInstanceMetadataOptions", svc.ModifyInstanceMetadataOptions)
	Handle(s, "ec2", "ModifyLaunchTemplate", svc.ModifyLaunchTemplate)
	Handle(s, "ec2", "ModifyManagedPrefixList", svc.ModifyManagedPrefixList)
	HandleNoOutput(s, "ec2", "ModifyNetworkInterfaceAttribute", svc.ModifyNetworkInterfaceAttribute)
	Handle(s, "ec2", "ModifyPrivateDnsNameOptions", svc.ModifyPrivateDnsNameOptions)
	Handle(s, "ec2", "ModifySecurityGroupRules", svc.ModifySecurityGroupRules)
	HandleNoOutput(s, "ec2", "ModifySubnetAttribute", svc.ModifySubnetAttribute)
	Handle(s, "ec2", "ModifyTransitGateway", svc.ModifyTransitGateway)
	Handle(s, "ec2", "ModifyTransitGatewayVpcAttachment", svc.ModifyTransitGatewayVpcAttachment)
	Handle(s, "ec2", "ModifyVolume", svc.ModifyVolume)
	HandleNoOutput(s, "ec2", "ModifyVpcAttribute", svc.ModifyVpcAttribute)
	Handle(s, "ec2", "ModifyVpcBlockPublicAccessExclusion", svc.ModifyVpcBlockPublicAccessExclusion)
	Handle(s, "ec2", "ModifyVpcBlockPublicAccessOptions", svc.ModifyVpcBlockPublicAccessOptions)
	Handle(s, "ec2", "ModifyVpcEndpoint", svc.ModifyVpcEndpoint)
	Handle(s, "ec2", "ModifyVpcEndpointConnectionNotification", svc.ModifyVpcEndpointConnectionNotification)
	Handle(s, "ec2", "ModifyVpcEndpointServiceConfiguration", svc.ModifyVpcEndpointServiceConfiguration)
	Handle(s, "ec2", "ModifyVpcEndpointServicePermissions", svc.ModifyVpcEndpointServicePermissions)
	Handle(s, "ec2", "ModifyVpcPeeringConnectionOptions", svc.ModifyVpcPeeringConnectionOptions)
	Handle(s, "ec2", "ModifyVpnConnectionOptions", svc.ModifyVpnConnectionOptions)
	Handle(s, "ec2", "ModifyVpnTunnelOptions", svc.ModifyVpnTunnelOptions)
	HandleNoOutput(s, "ec2", "RebootInstances", svc.RebootInstances)
	Handle(s, "ec2", "RegisterImage", svc.RegisterImage)
	Handle(s, "ec2", "RejectTransitGatewayPeeringAttachment", svc.RejectTransitGatewayPeeringAttachment)
	Handle(s, "ec2", "RejectVpcEndpointConnections", svc.RejectVpcEndpointConnections)
	Handle(s, "ec2", "RejectVpcPeeringConnection", svc.RejectVpcPeeringConnection)
	HandleNoOutput(s, "ec2", "ReleaseAddress", svc.ReleaseAddress)
	Handle(s, "ec2", "ReplaceNetworkAclAssociation", svc.ReplaceNetworkAclAssociation)
	HandleNoOutput(s, "ec2", "ReplaceNetworkAclEntry", svc.ReplaceNetworkAclEntry)
	HandleNoOutput(s, "ec2", "ReplaceRoute", svc.ReplaceRoute)
	Handle(s, "ec2", "ReplaceRouteTableAssociation", svc.ReplaceRouteTableAssociation)
	Handle(s, "ec2", "ReplaceTransitGatewayRoute", svc.ReplaceTransitGatewayRoute)
	HandleNoOutput(s, "ec2", "ResetNetworkInterfaceAttribute", svc.ResetNetworkInterfaceAttribute)
	Handle(s, "ec2", "RevokeSecurityGroupEgress", svc.RevokeSecurityGroupEgress)
	Handle(s, "ec2", "RevokeSecurityGroupIngress", svc.RevokeSecurityGroupIngress)
	Handle(s, "ec2", "RunInstances", svc.RunInstances)
	Handle(s, "ec2", "SearchTransitGatewayRoutes", svc.SearchTransitGatewayRoutes)
	Handle(s, "ec2", "StartInstances", svc.StartInstances)
	Handle(s, "ec2", "StartNetworkInsightsAccessScopeAnalysis", svc.StartNetworkInsightsAccessScopeAnalysis)
	Handle(s, "ec2", "StartNetworkInsightsAnalysis", svc.StartNetworkInsightsAnalysis)
	Handle(s, "ec2", "StartVpcEndpointServicePrivateDnsVerification", svc.StartVpcEndpointServicePrivateDnsVerification)
	Handle(s, "ec2", "StopInstances", svc.StopInstances)
	Handle(s, "ec2", "TerminateInstances", svc.TerminateInstances)
	Handle(s, "ec2", "UnassignIpv6Addresses", svc.UnassignIpv6Addresses)
	HandleNoOutput(s, "ec2", "UnassignPrivateIpAddresses", svc.UnassignPrivateIpAddresses)
	Handle(s, "ec2", "UpdateSecurityGroupRuleDescriptionsEgress", svc.UpdateSecurityGroupRuleDescriptionsEgress)
	Handle(s, "ec2", "UpdateSecurityGroupRuleDescriptionsIngress", svc.UpdateSecurityGroupRuleDescriptionsIngress)
}

// ec2Protocol is the EC2 Query protocol: form parameters in, <ActionResponse> with the
// members of the result out, errors in <Response><Errors>.
type ec2Protocol struct{}

func (ec2Protocol) params(r *http.Request, body []byte) (url.Values, error) {
	return formParams(r, body)
}

// operation reads the action. The protocol errors follow "Error codes for the Amazon EC2
// API" (common client errors), all HTTP 400:
//   - no Action: MissingAction;
//   - no Version: MissingParameter; a Version other than 2016-11-15: NoSuchVersion with
//     the wording EC2 uses ("The requested version (V) of service AmazonEC2 does not
//     exist"). Real EC2 still serves older versions; vpcd only has this one's shapes.
func (ec2Protocol) operation(req *request) (string, error) {
	action := req.params.Get("Action")
	if action == "" {
		return "", ec2.ErrMissingAction("The request must contain the parameter Action")
	}
	if v := req.params.Get("Version"); v == "" {
		return "", ec2.ErrMissingParameter("Version")
	} else if v != ec2.APIVersion {
		return "", ec2.ErrNoSuchVersion("The requested version (%s) of service AmazonEC2 does not exist", v)
	}
	return action, nil
}

// unknownOperation: an action EC2 does not have is InvalidAction; an action EC2 has but
// vpcd does not serve yet is UnsupportedOperation ("The specified request includes an
// unsupported operation"), so that a client can tell a typo from a gap in vpcd.
func (ec2Protocol) unknownOperation(_ *request, op string, inModel bool) error {
	if inModel {
		return ec2.ErrUnsupportedOperation("The action %s is not supported by vpcd yet.", op)
	}
	return ec2.ErrInvalidAction(op)
}

func (ec2Protocol) decode(req *request, _ string, in any) error {
	return ec2.Decode(req.params, in)
}

func (ec2Protocol) writeResult(w http.ResponseWriter, req *request, out any) error {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Write(ec2.EncodeResponse(req.op, req.id, out))
	return nil
}

func (ec2Protocol) writeError(w http.ResponseWriter, req *request, e *ec2.Error) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(e.Status)
	w.Write(ec2.EncodeError(e, req.id))
}
