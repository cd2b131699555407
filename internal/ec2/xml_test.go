package ec2

import (
	"strings"
	"testing"
)

func TestEncodeResponseLists(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		name   string
		action string
		out    any
		want   string // the body after <requestId>
	}{
		{"nil top-level list is an empty element", "DescribeVpcs",
			&DescribeVpcsResult{},
			"<vpcSet/>"},
		{"empty top-level list is an empty element", "DescribeVpcs",
			&DescribeVpcsResult{Vpcs: []Vpc{}},
			"<vpcSet/>"},
		{"nil next token is left out", "DescribeInstances",
			&DescribeInstancesResult{Reservations: nil},
			"<reservationSet/>"},
		{"items of a list", "DescribeVpcs",
			&DescribeVpcsResult{Vpcs: []Vpc{{VpcId: str("vpc-1"), CidrBlockAssociationSet: []VpcCidrBlockAssociation{{CidrBlock: str("10.0.0.0/16")}}}}},
			"<vpcSet><item><cidrBlockAssociationSet><item><cidrBlock>10.0.0.0/16</cidrBlock></item></cidrBlockAssociationSet><vpcId>vpc-1</vpcId></item></vpcSet>"},
		{"untagged VPC has no tagSet nor ipv6 set, as AWS answers", "DescribeVpcs",
			&DescribeVpcsResult{Vpcs: []Vpc{{VpcId: str("vpc-1"), Tags: []Tag{}}}},
			"<vpcSet><item><cidrBlockAssociationSet/><vpcId>vpc-1</vpcId></item></vpcSet>"},
		{"tags of a VPC when it has some", "DescribeVpcs",
			&DescribeVpcsResult{Vpcs: []Vpc{{VpcId: str("vpc-1"), Tags: []Tag{{Key: str("k"), Value: str("v")}}}}},
			"<vpcSet><item><cidrBlockAssociationSet/><tagSet><item><key>k</key><value>v</value></item></tagSet><vpcId>vpc-1</vpcId></item></vpcSet>"},
		{"new route table: empty associationSet, propagatingVgwSet, routeSet and tagSet", "CreateRouteTable",
			&CreateRouteTableResult{RouteTable: &RouteTable{RouteTableId: str("rtb-1")}},
			"<routeTable><associationSet/><propagatingVgwSet/><routeTableId>rtb-1</routeTableId><routeSet/><tagSet/></routeTable>"},
		{"detached internet gateway: empty attachmentSet", "CreateInternetGateway",
			&CreateInternetGatewayResult{InternetGateway: &InternetGateway{InternetGatewayId: str("igw-1")}},
			"<internetGateway><attachmentSet/><internetGatewayId>igw-1</internetGatewayId><tagSet/></internetGateway>"},
		{"security group rule: every range list written; an untagged group has no tagSet", "DescribeSecurityGroups",
			&DescribeSecurityGroupsResult{SecurityGroups: []SecurityGroup{{GroupId: str("sg-1"), IpPermissions: []IpPermission{{IpProtocol: str("-1"), IpRanges: []IpRange{{CidrIp: str("0.0.0.0/0")}}}}}}},
			"<securityGroupInfo><item><groupId>sg-1</groupId><ipPermissions><item><ipProtocol>-1</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges/><prefixListIds/><groups/></item></ipPermissions><ipPermissionsEgress/></item></securityGroupInfo>"},
		{"untagged instance has no tagSet; its other lists are written", "DescribeInstances",
			&DescribeInstancesResult{Reservations: []Reservation{{ReservationId: str("r-1"), Instances: []Instance{{InstanceId: str("i-1")}}}}},
			"<reservationSet><item><groupSet/><instancesSet><item>"},
		{"instance lists AWS sends only once used are left out", "RunInstances",
			&Reservation{Instances: []Instance{{InstanceId: str("i-1"), NetworkInterfaces: []InstanceNetworkInterface{{NetworkInterfaceId: str("eni-1")}}}}},
			"<groupSet/><instancesSet><item><blockDeviceMapping/><instanceId>i-1</instanceId><networkInterfaceSet><item><groupSet/><ipv6AddressesSet/><networkInterfaceId>eni-1</networkInterfaceId><privateIpAddressesSet/></item></networkInterfaceSet><productCodes/><groupSet/></item></instancesSet>"},
		{"no output: return true", "DeleteVpc", nil, "<return>true</return>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(EncodeResponse(tc.action, "req-1", tc.out))
			head := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<` + tc.action + `Response xmlns="` + XMLNamespace + `"><requestId>req-1</requestId>`
			if !strings.HasPrefix(got, head) {
				t.Fatalf("head of %s", got)
			}
			body := strings.TrimSuffix(strings.TrimPrefix(got, head), "</"+tc.action+"Response>")
			if !strings.HasPrefix(body, tc.want) {
				t.Errorf("body\n got %s\nwant %s", body, tc.want)
			}
			if tc.action == "DescribeInstances" && strings.Contains(body, "tagSet") {
				t.Errorf("untagged instance has a tagSet: %s", body)
			}
		})
	}
}
