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
	Handle(s, "route53", "CreateHostedZone", svc.DNS.CreateHostedZone)
	Handle(s, "route53", "GetHostedZone", svc.DNS.GetHostedZone)
	Handle(s, "route53", "GetHostedZoneCount", svc.DNS.GetHostedZoneCount)
	Handle(s, "route53", "GetHostedZoneLimit", svc.DNS.GetHostedZoneLimit)
	Handle(s, "route53", "GetAccountLimit", svc.DNS.GetAccountLimit)
	Handle(s, "route53", "UpdateHostedZoneComment", svc.DNS.UpdateHostedZoneComment)
	Handle(s, "route53", "DeleteHostedZone", svc.DNS.DeleteHostedZone)
	Handle(s, "route53", "ListHostedZones", svc.DNS.ListHostedZones)
	Handle(s, "route53", "ListHostedZonesByName", svc.DNS.ListHostedZonesByName)
	Handle(s, "route53", "ListHostedZonesByVPC", svc.DNS.ListHostedZonesByVPC)
	Handle(s, "route53", "AssociateVPCWithHostedZone", svc.DNS.AssociateVPCWithHostedZone)
	Handle(s, "route53", "DisassociateVPCFromHostedZone", svc.DNS.DisassociateVPCFromHostedZone)
	Handle(s, "route53", "CreateVPCAssociationAuthorization", svc.DNS.CreateVPCAssociationAuthorization)
	Handle(s, "route53", "DeleteVPCAssociationAuthorization", svc.DNS.DeleteVPCAssociationAuthorization)
	Handle(s, "route53", "ListVPCAssociationAuthorizations", svc.DNS.ListVPCAssociationAuthorizations)
	Handle(s, "route53", "ChangeResourceRecordSets", svc.DNS.ChangeResourceRecordSets)
	Handle(s, "route53", "ListResourceRecordSets", svc.DNS.ListResourceRecordSets)
	Handle(s, "route53", "GetChange", svc.DNS.GetChange)
	Handle(s, "route53", "ChangeTagsForResource", svc.DNS.ChangeTagsForResource)
	Handle(s, "route53", "ListTagsForResource", svc.DNS.ListTagsForResource)
	Handle(s, "route53", "ListTagsForResources", svc.DNS.ListTagsForResources)
}
