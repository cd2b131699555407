package api

import (
	"vpcd/internal/aws/route53resolver"
	"vpcd/internal/control"
)

// Route 53 Resolver is served for its endpoints, forwarding rules and their associations
// with VPCs (control/resolverrules), which the VPCs' DNS servers follow. DNS Firewall,
// query logging, Outpost resolvers and DNSSEC validation stay unserved.
func registerRoute53Resolver(s *Server, svc *control.Service) {
	s.addService(route53resolver.API, jsonProtocol{desc: &route53resolver.API})
	r := svc.ResolverRules
	const name = "route53resolver"
	Handle(s, name, "CreateResolverEndpoint", r.CreateResolverEndpoint)
	Handle(s, name, "GetResolverEndpoint", r.GetResolverEndpoint)
	Handle(s, name, "ListResolverEndpoints", r.ListResolverEndpoints)
	Handle(s, name, "UpdateResolverEndpoint", r.UpdateResolverEndpoint)
	Handle(s, name, "DeleteResolverEndpoint", r.DeleteResolverEndpoint)
	Handle(s, name, "ListResolverEndpointIpAddresses", r.ListResolverEndpointIpAddresses)
	Handle(s, name, "AssociateResolverEndpointIpAddress", r.AssociateResolverEndpointIpAddress)
	Handle(s, name, "DisassociateResolverEndpointIpAddress", r.DisassociateResolverEndpointIpAddress)
	Handle(s, name, "CreateResolverRule", r.CreateResolverRule)
	Handle(s, name, "GetResolverRule", r.GetResolverRule)
	Handle(s, name, "ListResolverRules", r.ListResolverRules)
	Handle(s, name, "UpdateResolverRule", r.UpdateResolverRule)
	Handle(s, name, "DeleteResolverRule", r.DeleteResolverRule)
	Handle(s, name, "AssociateResolverRule", r.AssociateResolverRule)
	Handle(s, name, "DisassociateResolverRule", r.DisassociateResolverRule)
	Handle(s, name, "GetResolverRuleAssociation", r.GetResolverRuleAssociation)
	Handle(s, name, "ListResolverRuleAssociations", r.ListResolverRuleAssociations)
	Handle(s, name, "TagResource", r.TagResource)
	Handle(s, name, "UntagResource", r.UntagResource)
	Handle(s, name, "ListTagsForResource", r.ListTagsForResource)
}
