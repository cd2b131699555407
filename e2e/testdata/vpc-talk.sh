#!/usr/bin/env bash
# The VPC talks' walk-through with the aws CLI against a live vpcd: a VPC, two subnets in
# two zones, an internet gateway, a route table with 0.0.0.0/0 to it, associations, and
# back; then regions, quotas, IPv6 and Block Public Access. VPCD_URL is the endpoint; every step checks what AWS would answer.
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

# a key pair and a launch template, and an instance from it
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ec2 create-key-pair --key-name talk-rsa --query KeyMaterial --output text >"$tmp/talk.pem"
# "Verify the fingerprint of your key pair": SHA-1 of the PKCS#8 DER private key.
fp=$(openssl pkcs8 -in "$tmp/talk.pem" -inform PEM -outform DER -topk8 -nocrypt | openssl sha1 -c | awk '{print $NF}')
[ "$(ec2 describe-key-pairs --key-names talk-rsa --query 'KeyPairs[0].KeyFingerprint' --output text)" = "$fp" ] || fail "fingerprint of a created key"
echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEQDfjFU0/v0NgAYZNphaqXa/pLeuuu+j4pb9mXK155h bob' >"$tmp/talk.pub"
[ "$(ec2 import-key-pair --key-name talk --public-key-material "fileb://$tmp/talk.pub" --query KeyFingerprint --output text)" = "NYS8si+OMb2C/89VOIr3vozn0ucJa5hIOIO9w2a/Nic=" ] || fail "fingerprint of an imported key"
expect_error InvalidKeyPair.Duplicate ec2 import-key-pair --key-name talk --public-key-material "fileb://$tmp/talk.pub"
lt=$(ec2 create-launch-template --launch-template-name talk --launch-template-data '{"ImageId":"ami-12345678","InstanceType":"t3.micro","KeyName":"talk"}' --query LaunchTemplate.LaunchTemplateId --output text)
[[ $lt =~ ^lt-[0-9a-f]{17}$ ]] || fail "launch template id $lt"
ec2 create-launch-template-version --launch-template-id "$lt" --source-version 1 --launch-template-data '{"InstanceType":"t3.small"}' >/dev/null
[ "$(ec2 describe-launch-template-versions --launch-template-id "$lt" --versions '$Latest' --query 'LaunchTemplateVersions[0].LaunchTemplateData.[ImageId,InstanceType]' --output text)" = "ami-12345678	t3.small" ] || fail "version 2 from version 1"
inst=$(ec2 run-instances --launch-template "LaunchTemplateId=$lt,Version=\$Latest" --subnet-id "$sub_a" --query 'Instances[0].InstanceId' --output text)
[ "$(ec2 describe-instances --instance-ids "$inst" --query 'Reservations[0].Instances[0].[KeyName,InstanceType]' --output text)" = "talk	t3.small" ] || fail "instance from the template"
expect_error InvalidKeyPair.NotFound ec2 run-instances --image-id ami-12345678 --subnet-id "$sub_a" --key-name nope
ec2 terminate-instances --instance-ids "$inst" >/dev/null
ec2 delete-launch-template --launch-template-id "$lt" >/dev/null
expect_error InvalidLaunchTemplateId.NotFound ec2 describe-launch-templates --launch-template-ids "$lt"
ec2 delete-key-pair --key-name talk >/dev/null
ec2 delete-key-pair --key-name talk-rsa >/dev/null

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
# Every commercial region, with its own zones.
ec2 describe-regions --query 'Regions[].RegionName' --output text | grep -qw eu-north-1 || fail "eu-north-1 not served"
[ "$(aws --endpoint-url "$VPCD_URL" --region sa-east-1 ec2 describe-availability-zones --query 'AvailabilityZones[0].ZoneName' --output text)" = sa-east-1a ] || fail "sa-east-1 zones"

# Quotas an account can raise.
sq() { aws --endpoint-url "$VPCD_URL" service-quotas "$@"; }
[ "$(sq get-service-quota --service-code ec2 --quota-code L-0263D0A3 --query Quota.Value --output text)" = 5.0 ] || fail "Elastic IP quota"
sq request-service-quota-increase --service-code ec2 --quota-code L-0263D0A3 --desired-value 10 >/dev/null
[ "$(sq get-service-quota --service-code ec2 --quota-code L-0263D0A3 --query Quota.Value --output text)" = 10.0 ] || fail "raised Elastic IP quota"

# IPv6: an Amazon-provided block, a /64 subnet, interface addresses from it.
vpc6=$(ec2 create-vpc --cidr-block 10.30.0.0/16 --amazon-provided-ipv6-cidr-block --query Vpc.VpcId --output text)
block=$(ec2 describe-vpcs --vpc-ids "$vpc6" --query 'Vpcs[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock' --output text)
[[ $block == */56 ]] || fail "IPv6 block $block"
sub6=$(ec2 create-subnet --vpc-id "$vpc6" --cidr-block 10.30.1.0/24 --ipv6-cidr-block "${block%/56}/64" --query Subnet.SubnetId --output text)
eni=$(ec2 create-network-interface --subnet-id "$sub6" --ipv6-address-count 1 --query NetworkInterface.NetworkInterfaceId --output text)
ec2 assign-ipv6-addresses --network-interface-id "$eni" --ipv6-address-count 1 >/dev/null
[ "$(ec2 describe-network-interfaces --network-interface-ids "$eni" --query 'length(NetworkInterfaces[0].Ipv6Addresses)' --output text)" = 2 ] || fail "two IPv6 addresses"
eigw=$(ec2 create-egress-only-internet-gateway --vpc-id "$vpc6" --query EgressOnlyInternetGateway.EgressOnlyInternetGatewayId --output text)

# Block Public Access and an exclusion.
ec2 modify-vpc-block-public-access-options --internet-gateway-block-mode block-bidirectional >/dev/null
[ "$(ec2 describe-vpc-block-public-access-options --query VpcBlockPublicAccessOptions.InternetGatewayBlockMode --output text)" = block-bidirectional ] || fail "BPA mode"
excl=$(ec2 create-vpc-block-public-access-exclusion --vpc-id "$vpc6" --internet-gateway-exclusion-mode allow-egress --query VpcBlockPublicAccessExclusion.ExclusionId --output text)
[[ $excl =~ ^vpcbpa-exclude-[0-9a-f]{17}$ ]] || fail "exclusion id $excl"
[ "$(ec2 describe-vpc-block-public-access-exclusions --exclusion-ids "$excl" --query 'VpcBlockPublicAccessExclusions[0].State' --output text)" = create-complete ] || fail "exclusion state"
ec2 delete-vpc-block-public-access-exclusion --exclusion-id "$excl" >/dev/null
ec2 modify-vpc-block-public-access-options --internet-gateway-block-mode off >/dev/null

# A gateway endpoint to S3 on the main route table, and the two ends of a VPN.
svc=$(ec2 describe-vpc-endpoint-services --filters Name=service-type,Values=Gateway --query 'ServiceNames' --output text)
[[ $svc == *com.amazonaws.us-east-1.s3* ]] || fail "gateway endpoint services: $svc"
rtb6=$(ec2 describe-route-tables --filters "Name=vpc-id,Values=$vpc6" --query 'RouteTables[0].RouteTableId' --output text)
vpce=$(ec2 create-vpc-endpoint --vpc-id "$vpc6" --service-name com.amazonaws.us-east-1.s3 --route-table-ids "$rtb6" --query VpcEndpoint.VpcEndpointId --output text)
[[ $vpce =~ ^vpce-[0-9a-f]{17}$ ]] || fail "endpoint id $vpce"
[ "$(ec2 describe-route-tables --route-table-ids "$rtb6" --query "RouteTables[0].Routes[?GatewayId=='$vpce'] | length(@)" --output text)" = 1 ] || fail "endpoint route"
ec2 delete-vpc-endpoints --vpc-endpoint-ids "$vpce" >/dev/null
cgw=$(ec2 create-customer-gateway --type ipsec.1 --public-ip 198.51.100.90 --bgp-asn 65090 --query CustomerGateway.CustomerGatewayId --output text)
vgw=$(ec2 create-vpn-gateway --type ipsec.1 --query VpnGateway.VpnGatewayId --output text)
ec2 attach-vpn-gateway --vpn-gateway-id "$vgw" --vpc-id "$vpc6" >/dev/null
ec2 enable-vgw-route-propagation --route-table-id "$rtb6" --gateway-id "$vgw"
[ "$(ec2 describe-route-tables --route-table-ids "$rtb6" --query 'RouteTables[0].PropagatingVgws[0].GatewayId' --output text)" = "$vgw" ] || fail "propagating gateway"
expect_error IncorrectState ec2 delete-vpn-gateway --vpn-gateway-id "$vgw"
ec2 detach-vpn-gateway --vpn-gateway-id "$vgw" --vpc-id "$vpc6"
ec2 delete-vpn-gateway --vpn-gateway-id "$vgw"
ec2 delete-customer-gateway --customer-gateway-id "$cgw"

ec2 delete-egress-only-internet-gateway --egress-only-internet-gateway-id "$eigw" >/dev/null
ec2 delete-network-interface --network-interface-id "$eni"
ec2 delete-subnet --subnet-id "$sub6"
ec2 delete-vpc --vpc-id "$vpc6"
echo "vpc talk: ok"
