#!/usr/bin/env bash
# The VPC talks' walk-through with the aws CLI against a live vpcd: a VPC, two subnets in
# two zones, an internet gateway, a route table with 0.0.0.0/0 to it, associations, and
# back. VPCD_URL is the endpoint; every step checks what AWS would answer.
set -euo pipefail
: "${VPCD_URL:?}"
export AWS_ACCESS_KEY_ID=123456789012 AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
ec2() { aws --endpoint-url "$VPCD_URL" ec2 "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_error() { # expect_error CODE command...
	local code=$1; shift
	local out
	if out=$("$@" 2>&1); then fail "expected $code from: $*"; fi
	grep -q "($code)" <<<"$out" || fail "expected $code, got: $out"
}

vpc=$(ec2 create-vpc --cidr-block 10.10.0.0/16 --tag-specifications 'ResourceType=vpc,Tags=[{Key=Name,Value=talk}]' --query Vpc.VpcId --output text)
[[ $vpc =~ ^vpc-[0-9a-f]{17}$ ]] || fail "vpc id $vpc"
[ "$(ec2 describe-vpcs --filters Name=tag:Name,Values=talk --query 'Vpcs[0].CidrBlock' --output text)" = 10.10.0.0/16 ] || fail "describe-vpcs by tag"
ec2 modify-vpc-attribute --vpc-id "$vpc" --enable-dns-hostnames '{"Value":true}'
[ "$(ec2 describe-vpc-attribute --vpc-id "$vpc" --attribute enableDnsHostnames --query EnableDnsHostnames.Value --output text)" = True ] || fail "dns hostnames"

sub_a=$(ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.10.1.0/24 --availability-zone us-east-1a --query Subnet.SubnetId --output text)
sub_b=$(ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.10.2.0/24 --availability-zone-id use1-az2 --query Subnet.SubnetId --output text)
[ "$(ec2 describe-subnets --subnet-ids "$sub_a" --query 'Subnets[0].AvailableIpAddressCount' --output text)" = 251 ] || fail "5 reserved addresses"
[ "$(ec2 describe-subnets --subnet-ids "$sub_b" --query 'Subnets[0].AvailabilityZone' --output text)" = us-east-1b ] || fail "zone by id"
expect_error InvalidSubnet.Conflict ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.10.1.128/25
expect_error InvalidSubnet.Range ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.20.0.0/24
ec2 modify-subnet-attribute --subnet-id "$sub_a" --map-public-ip-on-launch
[ "$(ec2 describe-subnets --subnet-ids "$sub_a" --query 'Subnets[0].MapPublicIpOnLaunch' --output text)" = True ] || fail "map public ip"

igw=$(ec2 create-internet-gateway --query InternetGateway.InternetGatewayId --output text)
ec2 attach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
expect_error DependencyViolation ec2 delete-vpc --vpc-id "$vpc"

rtb=$(ec2 create-route-table --vpc-id "$vpc" --query RouteTable.RouteTableId --output text)
ec2 create-route --route-table-id "$rtb" --destination-cidr-block 0.0.0.0/0 --gateway-id "$igw" >/dev/null
expect_error RouteAlreadyExists ec2 create-route --route-table-id "$rtb" --destination-cidr-block 0.0.0.0/0 --gateway-id "$igw"
assoc=$(ec2 associate-route-table --route-table-id "$rtb" --subnet-id "$sub_a" --query AssociationId --output text)
[ "$(ec2 describe-route-tables --filters Name=association.subnet-id,Values="$sub_a" --query 'RouteTables[0].RouteTableId' --output text)" = "$rtb" ] || fail "association filter"
[ "$(ec2 describe-route-tables --route-table-ids "$rtb" --query "RouteTables[0].Routes[?DestinationCidrBlock=='0.0.0.0/0'].State" --output text)" = active ] || fail "route active"

# and back
ec2 disassociate-route-table --association-id "$assoc"
ec2 delete-route --route-table-id "$rtb" --destination-cidr-block 0.0.0.0/0
ec2 delete-route-table --route-table-id "$rtb"
ec2 detach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
ec2 delete-internet-gateway --internet-gateway-id "$igw"
ec2 delete-subnet --subnet-id "$sub_a"
ec2 delete-subnet --subnet-id "$sub_b"
ec2 delete-vpc --vpc-id "$vpc"
expect_error InvalidVpcID.NotFound ec2 describe-vpcs --vpc-ids "$vpc"
expect_error DryRunOperation ec2 create-vpc --cidr-block 10.0.0.0/16 --dry-run
echo "vpc talk: ok"
