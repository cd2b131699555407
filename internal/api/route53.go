package api

import (
	"vpcd/internal/aws/route53"
	"vpcd/internal/control"
)

// Route 53 is served for hosted zones (control/dns): public and private zones, their
// record sets, VPC associations (across accounts too) and tags, and GetChange, which
// says INSYNC at once. Private zones answer inside their VPCs through the in-VPC
// resolver. Health checks, traffic policies, DNSSEC, query logging, CIDR collections and
// reusable delegation sets stay unserved.
func registerRoute53(s *Server, svc *control.Service) {
	s.addService(route53.API, newRestXMLProtocol(&route53.API, "InvalidInput"))
	Handle(s, "route53", "CreateHostedZone", svc.CreateHostedZone)
	Handle(s, "route53", "GetHostedZone", svc.GetHostedZone)
	Handle(s, "route53", "GetHostedZoneCount", svc.GetHostedZoneCount)
	Handle(s, "route53", "GetHostedZoneLimit", svc.GetHostedZoneLimit)
	Handle(s, "route53", "GetAccountLimit", svc.GetAccountLimit)
	Handle(s, "route53", "UpdateHostedZoneComment", svc.UpdateHostedZoneComment)
	Handle(s, "route53", "DeleteHostedZone", svc.DeleteHostedZone)
	Handle(s, "route53", "ListHostedZones", svc.ListHostedZones)
	Handle(s, "route53", "ListHostedZonesByName", svc.ListHostedZonesByName)
	Handle(s, "route53", "ListHostedZonesByVPC", svc.ListHostedZonesByVPC)
	Handle(s, "route53", "AssociateVPCWithHostedZone", svc.AssociateVPCWithHostedZone)
	Handle(s, "route53", "DisassociateVPCFromHostedZone", svc.DisassociateVPCFromHostedZone)
	Handle(s, "route53", "CreateVPCAssociationAuthorization", svc.CreateVPCAssociationAuthorization)
	Handle(s, "route53", "DeleteVPCAssociationAuthorization", svc.DeleteVPCAssociationAuthorization)
	Handle(s, "route53", "ListVPCAssociationAuthorizations", svc.ListVPCAssociationAuthorizations)
	Handle(s, "route53", "ChangeResourceRecordSets", svc.ChangeResourceRecordSets)
	Handle(s, "route53", "ListResourceRecordSets", svc.ListResourceRecordSets)
	Handle(s, "route53", "GetChange", svc.GetChange)
	Handle(s, "route53", "ChangeTagsForResource", svc.ChangeTagsForResource)
	Handle(s, "route53", "ListTagsForResource", svc.DNS.ListTagsForResource)
	Handle(s, "route53", "ListTagsForResources", svc.ListTagsForResources)
}
