package dataplane

import (
	"net/netip"
	"reflect"
	"testing"

	"vpcd/internal/model"
	"vpcd/internal/vpcsvc"
)

// A VPC's S3 proxy carries each gateway endpoint for the blocks of the subnets whose
// route table (their own, or the main one) routes a prefix list to it; a VPC without
// such a subnet has no proxy. An endpoint whose prefix list holds DynamoDB's address is
// DynamoDB's.
func TestS3Endpoints(t *testing.T) {
	pfx := netip.MustParsePrefix
	n := model.NewNetwork()
	vpc := &model.VPC{ID: "vpc-1", Owner: "111122223333", Region: "eu-west-1", MainRouteTable: "rtb-main"}
	n.VPCs[vpc.ID] = vpc
	n.RouteTables["rtb-main"] = &model.RouteTable{ID: "rtb-main", VPC: "vpc-1", Routes: []model.Route{{DestinationPrefixList: "pl-s3", Target: "vpce-a"}}}
	n.RouteTables["rtb-b"] = &model.RouteTable{ID: "rtb-b", VPC: "vpc-1", Routes: []model.Route{{DestinationPrefixList: "pl-s3", Target: "vpce-b"}, {DestinationPrefixList: "pl-ddb", Target: "vpce-c"}}}
	n.PrefixLists["pl-s3"] = []netip.Prefix{pfx("192.0.2.64/26")}
	n.PrefixLists["pl-ddb"] = []netip.Prefix{pfx("192.0.2.128/26")}
	n.RouteTables["rtb-none"] = &model.RouteTable{ID: "rtb-none", VPC: "vpc-1", Routes: []model.Route{{Destination: pfx("0.0.0.0/0"), Target: "igw-1"}}}
	n.Subnets["subnet-1"] = &model.Subnet{ID: "subnet-1", VPC: "vpc-1", CIDR: pfx("10.0.1.0/24")}
	n.Subnets["subnet-2"] = &model.Subnet{ID: "subnet-2", VPC: "vpc-1", CIDR: pfx("10.0.2.0/24"), RouteTable: "rtb-b"}
	n.Subnets["subnet-3"] = &model.Subnet{ID: "subnet-3", VPC: "vpc-1", CIDR: pfx("10.0.3.0/24"), RouteTable: "rtb-none"}
	n.Subnets["subnet-4"] = &model.Subnet{ID: "subnet-4", VPC: "vpc-1", CIDR: pfx("10.0.4.0/24")}
	n.Subnets["subnet-x"] = &model.Subnet{ID: "subnet-x", VPC: "vpc-2", CIDR: pfx("10.0.5.0/24"), RouteTable: "rtb-b"}

	got := s3Endpoints(n, vpc, subnetsByVPC(n)[vpc.ID], "/data/api.sock")
	want := &vpcsvc.S3{Addrs: []netip.Addr{model.S3Addr}, DynamoDBAddrs: []netip.Addr{model.DynamoDBAddr}, Socket: "/data/api.sock", VPC: "vpc-1", Account: "111122223333", Region: "eu-west-1",
		Endpoints: []vpcsvc.S3Endpoint{{ID: "vpce-a", Sources: []netip.Prefix{pfx("10.0.1.0/24"), pfx("10.0.4.0/24")}}, {ID: "vpce-b", Sources: []netip.Prefix{pfx("10.0.2.0/24")}},
			{ID: "vpce-c", Service: "dynamodb", Sources: []netip.Prefix{pfx("10.0.2.0/24")}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("s3Endpoints = %+v, want %+v", got, want)
	}
	n.RouteTables["rtb-main"].Routes, n.RouteTables["rtb-b"].Routes = nil, nil
	if got := s3Endpoints(n, vpc, subnetsByVPC(n)[vpc.ID], "/data/api.sock"); got != nil {
		t.Errorf("without endpoint routes: %+v, want none", got)
	}
}
