package resolverrules

import "testing"

func TestUpperSnake(t *testing.T) {
	for name, want := range map[string]string{
		"CreatorRequestId": "CREATOR_REQUEST_ID", "HostVPCId": "HOST_VPC_ID", "VPCId": "VPC_ID",
		"IpAddressCount": "IP_ADDRESS_COUNT", "Type": "TYPE", "ResolverEndpointId": "RESOLVER_ENDPOINT_ID",
	} {
		if got := upperSnake(name); got != want {
			t.Errorf("upperSnake(%s) = %s, want %s", name, got, want)
		}
	}
}
