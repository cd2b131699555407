# Site-to-Site VPN's two ends as Terraform users (and terraform-aws-modules/vpc's
# enable_vpn_gateway) write them: a customer gateway, a virtual private gateway attached to
# the VPC, route propagation into a private route table, and a static route to the gateway.
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

output "customer_gateway_id" {
  value = aws_customer_gateway.office.id
}

output "vpn_gateway_id" {
  value = aws_vpn_gateway.vgw.id
}

output "vpn_gateway_asn" {
  value = aws_vpn_gateway.vgw.amazon_side_asn
}
