# Site-to-Site VPN as Terraform users (and terraform-aws-modules/vpc's enable_vpn_gateway)
# write it: a customer gateway, a virtual private gateway attached to the VPC, route
# propagation into a private route table, a static route to the gateway, and two VPN
# connections between the gateways: one with BGP and AWS's generated keys and inside
# CIDRs, one with static routes, a key and inside CIDR of its own, and a route.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" {
  type = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "123456789012"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    ec2 = var.endpoint
    sts = var.endpoint
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.70.0.0/16"
}

resource "aws_customer_gateway" "office" {
  bgp_asn    = 65070
  ip_address = "198.51.100.70"
  type       = "ipsec.1"
  tags = {
    Name = "office"
  }
}

resource "aws_vpn_gateway" "vgw" {
  vpc_id          = aws_vpc.main.id
  amazon_side_asn = 64620
  tags = {
    Name = "vgw"
  }
}

resource "aws_vpn_gateway" "spare" {
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_vpn_gateway_route_propagation" "private" {
  vpn_gateway_id = aws_vpn_gateway.vgw.id
  route_table_id = aws_route_table.private.id
}

resource "aws_route" "office" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "172.16.0.0/16"
  gateway_id             = aws_vpn_gateway.vgw.id
}

resource "aws_vpn_connection" "bgp" {
  customer_gateway_id = aws_customer_gateway.office.id
  vpn_gateway_id      = aws_vpn_gateway.vgw.id
  type                = "ipsec.1"
  tags = {
    Name = "office-bgp"
  }
}

resource "aws_vpn_connection" "static" {
  customer_gateway_id   = aws_customer_gateway.office.id
  vpn_gateway_id        = aws_vpn_gateway.vgw.id
  type                  = "ipsec.1"
  static_routes_only    = true
  tunnel1_inside_cidr   = "169.254.70.0/30"
  tunnel1_preshared_key = "terraform_key.1"
  tunnel1_ike_versions  = ["ikev2"]
}

resource "aws_vpn_connection_route" "office" {
  vpn_connection_id      = aws_vpn_connection.static.id
  destination_cidr_block = "192.168.70.0/24"
}

output "vpn_bgp_tunnel1_address" {
  value = aws_vpn_connection.bgp.tunnel1_address
}

output "vpn_bgp_tunnel2_address" {
  value = aws_vpn_connection.bgp.tunnel2_address
}

output "vpn_bgp_tunnel1_preshared_key" {
  value     = aws_vpn_connection.bgp.tunnel1_preshared_key
  sensitive = true
}

output "vpn_bgp_tunnel1_inside_cidr" {
  value = aws_vpn_connection.bgp.tunnel1_inside_cidr
}

output "vpn_bgp_tunnel1_bgp_asn" {
  value = aws_vpn_connection.bgp.tunnel1_bgp_asn
}

output "vpn_bgp_tunnel1_cgw_inside_address" {
  value = aws_vpn_connection.bgp.tunnel1_cgw_inside_address
}

output "vpn_static_tunnel1_inside_cidr" {
  value = aws_vpn_connection.static.tunnel1_inside_cidr
}

output "vpn_static_tunnel1_preshared_key" {
  value     = aws_vpn_connection.static.tunnel1_preshared_key
  sensitive = true
}

output "vpn_static_tunnel1_vgw_inside_address" {
  value = aws_vpn_connection.static.tunnel1_vgw_inside_address
}

output "customer_gateway_id" {
  value = aws_customer_gateway.office.id
}

output "vpn_gateway_id" {
  value = aws_vpn_gateway.vgw.id
}

output "vpn_gateway_asn" {
  value = aws_vpn_gateway.vgw.amazon_side_asn
}
