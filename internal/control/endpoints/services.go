package endpoints

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"vpcd/internal/control/kit"
	"vpcd/internal/ec2"
)

// awsService is one AWS service that a region offers endpoints to, as
// DescribeVpcEndpointServices lists it: com.amazonaws.REGION.<Suffix>.
type awsService struct {
	Suffix string
	// Gateway and Interface are the endpoint types the service takes; S3 and DynamoDB
	// take both and are listed once per type, as AWS lists them.
	Gateway, Interface bool
	// DNS is the service's public name under REGION.amazonaws.com, the private DNS name
	// of its interface endpoints ("" when it has none): "api.ecr" for ecr.api.
	DNS string
	// NoPolicy: the service's endpoints take no endpoint policy.
	NoPolicy bool
}

// awsServices are the common AWS services of every region, by suffix. The list is
// vpcd's choice of AWS's several hundred: what modules and stacks usually look up.
var awsServices = []awsService{
	{Suffix: "access-analyzer", Interface: true, DNS: "access-analyzer"},
	{Suffix: "acm", Interface: true, DNS: "acm"},
	{Suffix: "acm-pca", Interface: true, DNS: "acm-pca"},
	{Suffix: "application-autoscaling", Interface: true, DNS: "application-autoscaling"},
	{Suffix: "athena", Interface: true, DNS: "athena"},
	{Suffix: "autoscaling", Interface: true, DNS: "autoscaling"},
	{Suffix: "backup", Interface: true, DNS: "backup"},
	{Suffix: "batch", Interface: true, DNS: "batch"},
	{Suffix: "cloudformation", Interface: true, DNS: "cloudformation"},
	{Suffix: "cloudtrail", Interface: true, DNS: "cloudtrail"},
	{Suffix: "codeartifact.api", Interface: true, DNS: "codeartifact"},
	{Suffix: "codeartifact.repositories", Interface: true, DNS: "*.d.codeartifact"},
	{Suffix: "codebuild", Interface: true, DNS: "codebuild"},
	{Suffix: "codecommit", Interface: true, DNS: "codecommit"},
	{Suffix: "codedeploy", Interface: true, DNS: "codedeploy"},
	{Suffix: "codepipeline", Interface: true, DNS: "codepipeline"},
	{Suffix: "config", Interface: true, DNS: "config"},
	{Suffix: "dynamodb", Gateway: true, Interface: true},
	{Suffix: "ebs", Interface: true, DNS: "ebs", NoPolicy: true},
	{Suffix: "ec2", Interface: true, DNS: "ec2"},
	{Suffix: "ec2messages", Interface: true, DNS: "ec2messages"},
	{Suffix: "ecr.api", Interface: true, DNS: "api.ecr"},
	{Suffix: "ecr.dkr", Interface: true, DNS: "*.dkr.ecr"},
	{Suffix: "ecs", Interface: true, DNS: "ecs"},
	{Suffix: "ecs-agent", Interface: true, DNS: "ecs-a"},
	{Suffix: "ecs-telemetry", Interface: true, DNS: "ecs-t"},
	{Suffix: "eks", Interface: true, DNS: "eks"},
	{Suffix: "eks-auth", Interface: true, DNS: "eks-auth"},
	{Suffix: "elasticache", Interface: true, DNS: "elasticache"},
	{Suffix: "elasticbeanstalk", Interface: true, DNS: "elasticbeanstalk"},
	{Suffix: "elasticfilesystem", Interface: true, DNS: "elasticfilesystem"},
	{Suffix: "elasticloadbalancing", Interface: true, DNS: "elasticloadbalancing"},
	{Suffix: "elasticmapreduce", Interface: true, DNS: "elasticmapreduce"},
	{Suffix: "events", Interface: true, DNS: "events"},
	{Suffix: "execute-api", Interface: true, DNS: "*.execute-api"},
	{Suffix: "git-codecommit", Interface: true, DNS: "git-codecommit"},
	{Suffix: "glue", Interface: true, DNS: "glue"},
	{Suffix: "kinesis-firehose", Interface: true, DNS: "firehose"},
	{Suffix: "kinesis-streams", Interface: true, DNS: "kinesis"},
	{Suffix: "kms", Interface: true, DNS: "kms"},
	{Suffix: "lambda", Interface: true, DNS: "lambda"},
	{Suffix: "logs", Interface: true, DNS: "logs"},
	{Suffix: "monitoring", Interface: true, DNS: "monitoring"},
	{Suffix: "rds", Interface: true, DNS: "rds"},
	{Suffix: "rds-data", Interface: true, DNS: "rds-data"},
	{Suffix: "redshift", Interface: true, DNS: "redshift"},
	{Suffix: "route53resolver", Interface: true, DNS: "route53resolver"},
	{Suffix: "s3", Gateway: true, Interface: true, DNS: "*.s3"},
	{Suffix: "sagemaker.api", Interface: true, DNS: "api.sagemaker"},
	{Suffix: "sagemaker.runtime", Interface: true, DNS: "runtime.sagemaker"},
	{Suffix: "secretsmanager", Interface: true, DNS: "secretsmanager"},
	{Suffix: "servicecatalog", Interface: true, DNS: "servicecatalog"},
	{Suffix: "servicequotas", Interface: true, DNS: "servicequotas"},
	{Suffix: "sns", Interface: true, DNS: "sns"},
	{Suffix: "sqs", Interface: true, DNS: "sqs"},
	{Suffix: "ssm", Interface: true, DNS: "ssm"},
	{Suffix: "ssm-contacts", Interface: true, DNS: "ssm-contacts"},
	{Suffix: "ssm-incidents", Interface: true, DNS: "ssm-incidents"},
	{Suffix: "ssmmessages", Interface: true, DNS: "ssmmessages"},
	{Suffix: "states", Interface: true, DNS: "states"},
	{Suffix: "sts", Interface: true, DNS: "sts"},
	{Suffix: "transfer", Interface: true, DNS: "transfer"},
	{Suffix: "xray", Interface: true, DNS: "xray"},
}

// endpointService is one entry of DescribeVpcEndpointServices: a service and one of its
// endpoint types.
type endpointService struct {
	Name, Type, Region string
	svc                *awsService
}

// regionServices are the region's endpoint services, sorted by name and then type
// (Gateway before Interface), as AWS lists them.
func regionServices(region string) []endpointService {
	var out []endpointService
	for i := range awsServices {
		s := &awsServices[i]
		name := "com.amazonaws." + region + "." + s.Suffix
		if s.Gateway {
			out = append(out, endpointService{Name: name, Type: "Gateway", Region: region, svc: s})
		}
		if s.Interface {
			out = append(out, endpointService{Name: name, Type: "Interface", Region: region, svc: s})
		}
	}
	slices.SortStableFunc(out, func(a, b endpointService) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// lookupService finds the region's service of that name; ok is false for a name the
// region does not have.
func lookupService(region, name string) (types []string, ok bool) {
	for _, s := range regionServices(region) {
		if s.Name == name {
			types = append(types, s.Type)
		}
	}
	return types, len(types) > 0
}

// ID is the service's ID, the same in every vpcd: vpce-svc- and 17 hex digits derived
// from its name and type.
func (s endpointService) ID() string {
	sum := sha256.Sum256([]byte(s.Name + "/" + s.Type))
	return "vpce-svc-" + hex.EncodeToString(sum[:9])[:17]
}

// key orders services for pagination: by name, then type.
func (s endpointService) key() string { return s.Name + "\x00" + s.Type }

// privateDNS is the private DNS name of the service's interface endpoints, "" for none.
func (s endpointService) privateDNS() string {
	if s.Type != "Interface" || s.svc.DNS == "" {
		return ""
	}
	return s.svc.DNS + "." + s.Region + ".amazonaws.com"
}

// baseDNS is the name under which the service's endpoints get their DNS names: the
// service's own public name for a gateway, REGION.vpce.amazonaws.com for an interface.
func (s endpointService) baseDNS() string {
	svc := s.svc.Suffix
	if s.Type == "Gateway" {
		return svc + "." + s.Region + ".amazonaws.com"
	}
	return svc + "." + s.Region + ".vpce.amazonaws.com"
}

// EC2 is the service as DescribeVpcEndpointServices shows it.
func (s endpointService) EC2() ec2.ServiceDetail {
	var zones, zoneIDs []string
	for _, z := range kit.ZonesOf(s.Region) {
		zones, zoneIDs = append(zones, z.Name), append(zoneIDs, z.ID)
	}
	out := ec2.ServiceDetail{
		ServiceName: kit.Ptr(s.Name), ServiceId: kit.Ptr(s.ID()), ServiceType: []ec2.ServiceTypeDetail{{ServiceType: kit.Ptr(s.Type)}},
		ServiceRegion: kit.Ptr(s.Region), AvailabilityZones: zones, AvailabilityZoneIds: zoneIDs, Owner: kit.Ptr("amazon"),
		BaseEndpointDnsNames: []string{s.baseDNS()}, PrivateDnsNames: []ec2.PrivateDnsDetails{},
		VpcEndpointPolicySupported: kit.Ptr(!s.svc.NoPolicy), AcceptanceRequired: kit.Ptr(false), ManagesVpcEndpoints: kit.Ptr(false),
		SupportedIpAddressTypes: []string{"ipv4"}, Tags: []ec2.Tag{},
	}
	if dns := s.privateDNS(); dns != "" {
		out.PrivateDnsName = kit.Ptr(dns)
		out.PrivateDnsNames = []ec2.PrivateDnsDetails{{PrivateDnsName: kit.Ptr(dns)}}
		out.PrivateDnsNameVerificationState = kit.Ptr("verified")
	}
	return out
}

// serviceFilters are DescribeVpcEndpointServices' filters.
var serviceFilters = map[string]func(endpointService) []string{
	"owner":                      func(endpointService) []string { return []string{"amazon"} },
	"service-name":               func(s endpointService) []string { return []string{s.Name} },
	"service-region":             func(s endpointService) []string { return []string{s.Region} },
	"service-type":               func(s endpointService) []string { return []string{s.Type} },
	"supported-ip-address-types": func(endpointService) []string { return []string{"ipv4"} },
}

// endpointServiceFilters are DescribeVpcEndpointServices' filters of endpoint services.
var endpointServiceFilters = map[string]func(*kit.EndpointServiceRecord) []string{
	"owner":                      func(r *kit.EndpointServiceRecord) []string { return []string{r.Owner} },
	"service-name":               func(r *kit.EndpointServiceRecord) []string { return []string{r.Name} },
	"service-region":             func(r *kit.EndpointServiceRecord) []string { return []string{serviceRegionOf(r.Name)} },
	"service-type":               func(*kit.EndpointServiceRecord) []string { return []string{"Interface"} },
	"supported-ip-address-types": func(r *kit.EndpointServiceRecord) []string { return r.IPAddressTypes },
}

// serviceRegionOf is the region in an endpoint service's name, com.amazonaws.vpce.REGION.ID.
func serviceRegionOf(name string) string {
	parts := strings.Split(name, ".")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}
