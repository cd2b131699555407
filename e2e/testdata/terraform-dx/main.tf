# Direct Connect as Terraform users write it: a dedicated connection at a location, a
# Direct Connect gateway associated with a virtual private gateway attached to the VPC,
# and two private virtual interfaces on the connection, one to the Direct Connect gateway
# and one straight to the virtual private gateway.
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
    ec2           = var.endpoint
    sts           = var.endpoint
    directconnect = var.endpoint
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.80.0.0/16"
}

resource "aws_vpn_gateway" "vgw" {
  vpc_id          = aws_vpc.main.id
  amazon_side_asn = 64680
}

resource "aws_dx_gateway" "main" {
  name            = "dx-main"
  amazon_side_asn = "64512"
}

resource "aws_dx_gateway_association" "vgw" {
  dx_gateway_id         = aws_dx_gateway.main.id
  associated_gateway_id = aws_vpn_gateway.vgw.id
}

resource "aws_dx_connection" "primary" {
  name      = "primary"
  location  = "EqDC2"
  bandwidth = "1Gbps"
  tags = {
    Name = "primary"
  }
}

resource "aws_dx_private_virtual_interface" "to_dxgw" {
  connection_id  = aws_dx_connection.primary.id
  name           = "to-dxgw"
  vlan           = 4001
  address_family = "ipv4"
  bgp_asn        = 65080
  dx_gateway_id  = aws_dx_gateway.main.id
  tags = {
    Name = "to-dxgw"
  }
}

resource "aws_dx_private_virtual_interface" "to_vgw" {
  connection_id    = aws_dx_connection.primary.id
  name             = "to-vgw"
  vlan             = 4002
  address_family   = "ipv4"
  bgp_asn          = 65081
  amazon_address   = "169.254.80.1/30"
  customer_address = "169.254.80.2/30"
  bgp_auth_key     = "terraform-key"
  mtu              = 9001
  vpn_gateway_id   = aws_vpn_gateway.vgw.id
}

output "dx_gateway_id" {
  value = aws_dx_gateway.main.id
}

output "association_prefixes" {
  value = aws_dx_gateway_association.vgw.allowed_prefixes
}

output "association_type" {
  value = aws_dx_gateway_association.vgw.associated_gateway_type
}

output "connection_id" {
  value = aws_dx_connection.primary.id
}

output "dxgw_vif_amazon_side_asn" {
  value = aws_dx_private_virtual_interface.to_dxgw.amazon_side_asn
}

output "dxgw_vif_amazon_address" {
  value = aws_dx_private_virtual_interface.to_dxgw.amazon_address
}

output "vgw_vif_amazon_side_asn" {
  value = aws_dx_private_virtual_interface.to_vgw.amazon_side_asn
}

output "vgw_vif_arn" {
  value = aws_dx_private_virtual_interface.to_vgw.arn
}
