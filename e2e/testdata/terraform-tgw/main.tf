# A transit gateway as Terraform users write it: two VPCs attached (one left in the
# gateway's default route table, one moved to a route table of its own), a propagation,
# a static route and a blackhole in that table, and VPC routes to the gateway.
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
  skip_requesting_account_id  = true
  endpoints {
    ec2 = var.endpoint
    sts = var.endpoint
  }
}

resource "aws_ec2_transit_gateway" "hub" {
  description     = "hub"
  amazon_side_asn = 64620
  tags = {
    Name = "hub"
  }
}

resource "aws_vpc" "shared" {
  cidr_block = "10.80.0.0/16"
}

resource "aws_subnet" "shared_a" {
  vpc_id            = aws_vpc.shared.id
  cidr_block        = "10.80.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "shared_b" {
  vpc_id            = aws_vpc.shared.id
  cidr_block        = "10.80.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_vpc" "prod" {
  cidr_block = "10.81.0.0/16"
}

resource "aws_subnet" "prod_a" {
  vpc_id            = aws_vpc.prod.id
  cidr_block        = "10.81.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_ec2_transit_gateway_vpc_attachment" "shared" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
  vpc_id             = aws_vpc.shared.id
  subnet_ids         = [aws_subnet.shared_a.id, aws_subnet.shared_b.id]
  tags = {
    Name = "shared"
  }
}

resource "aws_ec2_transit_gateway_vpc_attachment" "prod" {
  transit_gateway_id                              = aws_ec2_transit_gateway.hub.id
  vpc_id                                          = aws_vpc.prod.id
  subnet_ids                                      = [aws_subnet.prod_a.id]
  appliance_mode_support                          = "enable"
  transit_gateway_default_route_table_association = false
  transit_gateway_default_route_table_propagation = false
}

resource "aws_ec2_transit_gateway_route_table" "prod" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
  tags = {
    Name = "prod"
  }
}

resource "aws_ec2_transit_gateway_route_table_association" "prod" {
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.prod.id
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.prod.id
}

resource "aws_ec2_transit_gateway_route_table_propagation" "shared_to_prod" {
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.shared.id
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.prod.id
}

resource "aws_ec2_transit_gateway_route" "default" {
  destination_cidr_block         = "0.0.0.0/0"
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.shared.id
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.prod.id
}

resource "aws_ec2_transit_gateway_route" "blackhole" {
  destination_cidr_block         = "192.168.0.0/16"
  blackhole                      = true
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.prod.id
}

resource "aws_route_table" "prod" {
  vpc_id = aws_vpc.prod.id
}

resource "aws_route" "prod_to_shared" {
  route_table_id         = aws_route_table.prod.id
  destination_cidr_block = "10.80.0.0/16"
  transit_gateway_id     = aws_ec2_transit_gateway.hub.id
  depends_on             = [aws_ec2_transit_gateway_vpc_attachment.prod]
}

resource "aws_route_table" "shared" {
  vpc_id = aws_vpc.shared.id

  route {
    cidr_block         = "10.81.0.0/16"
    transit_gateway_id = aws_ec2_transit_gateway.hub.id
  }

  depends_on = [aws_ec2_transit_gateway_vpc_attachment.shared]
}

data "aws_ec2_transit_gateway_route_table" "default" {
  id = aws_ec2_transit_gateway.hub.association_default_route_table_id
}

output "transit_gateway_id" {
  value = aws_ec2_transit_gateway.hub.id
}

output "transit_gateway_arn" {
  value = aws_ec2_transit_gateway.hub.arn
}

output "default_route_table" {
  value = aws_ec2_transit_gateway.hub.association_default_route_table_id
}

output "default_route_table_is_default" {
  value = data.aws_ec2_transit_gateway_route_table.default.default_association_route_table
}

output "prod_route_table" {
  value = aws_ec2_transit_gateway_route_table.prod.id
}

output "shared_attachment" {
  value = aws_ec2_transit_gateway_vpc_attachment.shared.id
}

output "prod_attachment" {
  value = aws_ec2_transit_gateway_vpc_attachment.prod.id
}

output "prod_vpc_route_table" {
  value = aws_route_table.prod.id
}
