package kit

import (
	"cmp"

	"vpcd/internal/ec2"
)

// MetadataOptions are an instance's instance metadata options with AWS's defaults
// filled in: HttpEndpoint enabled, HttpProtocolIpv6 and InstanceMetadataTags disabled.
// State is "applied", as DescribeInstances shows them once a change has reached the
// instance (here at once).
func (r *InstanceRecord) MetadataOptions() *ec2.InstanceMetadataOptionsResponse {
	return &ec2.InstanceMetadataOptionsResponse{
		State:                   Ptr("applied"),
		HttpTokens:              Ptr(r.HTTPTokens),
		HttpPutResponseHopLimit: Ptr(r.HTTPPutResponseHopLimit),
		HttpEndpoint:            Ptr(cmp.Or(r.HTTPEndpoint, "enabled")),
		HttpProtocolIpv6:        Ptr(cmp.Or(r.HTTPProtocolIPv6, "disabled")),
		InstanceMetadataTags:    Ptr(cmp.Or(r.InstanceMetadataTags, "disabled")),
	}
}
