package api

import (
	"vpcd/internal/aws/directconnect"
	"vpcd/internal/control"
)

// Direct Connect is served for its control plane (control/directconnect): locations,
// dedicated connections, Direct Connect gateways and their associations, private and
// transit virtual interfaces, tags. Hosted connections, LAGs, interconnects, public
// virtual interfaces, MACsec keys, LOAs and BGP failover tests stay unserved.
func registerDirectConnect(s *Server, svc *control.Service) {
	s.addService(directconnect.API, jsonProtocol{desc: &directconnect.API})
	d := svc.DirectConnect
	const name = "directconnect"
	Handle(s, name, "DescribeLocations", d.DescribeLocations)
	Handle(s, name, "CreateConnection", d.CreateConnection)
	Handle(s, name, "DescribeConnections", d.DescribeConnections)
	Handle(s, name, "UpdateConnection", d.UpdateConnection)
	Handle(s, name, "DeleteConnection", d.DeleteConnection)
	Handle(s, name, "CreateDirectConnectGateway", d.CreateDirectConnectGateway)
	Handle(s, name, "DescribeDirectConnectGateways", d.DescribeDirectConnectGateways)
	Handle(s, name, "UpdateDirectConnectGateway", d.UpdateDirectConnectGateway)
	Handle(s, name, "DeleteDirectConnectGateway", d.DeleteDirectConnectGateway)
	Handle(s, name, "CreateDirectConnectGatewayAssociation", d.CreateDirectConnectGatewayAssociation)
	Handle(s, name, "DescribeDirectConnectGatewayAssociations", d.DescribeDirectConnectGatewayAssociations)
	Handle(s, name, "UpdateDirectConnectGatewayAssociation", d.UpdateDirectConnectGatewayAssociation)
	Handle(s, name, "DeleteDirectConnectGatewayAssociation", d.DeleteDirectConnectGatewayAssociation)
	Handle(s, name, "DescribeDirectConnectGatewayAttachments", d.DescribeDirectConnectGatewayAttachments)
	Handle(s, name, "CreatePrivateVirtualInterface", d.CreatePrivateVirtualInterface)
	Handle(s, name, "CreateTransitVirtualInterface", d.CreateTransitVirtualInterface)
	Handle(s, name, "DescribeVirtualInterfaces", d.DescribeVirtualInterfaces)
	Handle(s, name, "UpdateVirtualInterfaceAttributes", d.UpdateVirtualInterfaceAttributes)
	Handle(s, name, "DeleteVirtualInterface", d.DeleteVirtualInterface)
	Handle(s, name, "DescribeVirtualGateways", d.DescribeVirtualGateways)
	Handle(s, name, "TagResource", d.TagResource)
	Handle(s, name, "UntagResource", d.UntagResource)
	Handle(s, name, "DescribeTags", d.DescribeTags)
}
