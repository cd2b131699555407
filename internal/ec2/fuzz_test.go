package ec2

import (
	"errors"
	"net/url"
	"testing"
)

// FuzzDecode feeds arbitrary query strings to the decoder of a few request shapes: it must
// never panic, and every failure must be an AWS client error.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		"CidrBlock=10.0.0.0/16&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=x",
		"Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1&MaxResults=5&NextToken=abc",
		"RouteTableId=rtb-1&DestinationCidrBlock=0.0.0.0/0&GatewayId=igw-1",
		"ImageId=ami-1&MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=0&NetworkInterface.1.SecurityGroupId.1=sg-1&UserData=aGk=",
		"Filter.0.Name=x", "Filter.99999999999.Name=x", "MinCount=1e9", "DryRun=TRUE", "VpcId.1.x=1", "UserData=%%%",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		params, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		for _, in := range []any{&CreateVpcRequest{}, &DescribeVpcsRequest{}, &CreateRouteRequest{}, &RunInstancesRequest{}} {
			err := Decode(params, in)
			if err == nil {
				continue
			}
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status >= 500 {
				t.Fatalf("Decode(%q) = %v, want an AWS client error", query, err)
			}
		}
	})
}
