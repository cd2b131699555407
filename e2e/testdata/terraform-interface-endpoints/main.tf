# Interface endpoints as Terraform users write them: EC2 and STS in two private subnets
# of two zones, with a security group that admits HTTPS from the VPC, private DNS on for
# one of them and off for the other.
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

data "aws_vpc_endpoint_service" "ec2" {
  service      = "ec2"
  service_type = "Interface"
}

resource "aws_vpc" "main" {
  cidr_block           = "10.61.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = ["us-east-1a", "us-east-1b"][count.index]
}

resource "aws_security_group" "endpoints" {
  name   = "endpoints"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

resource "aws_vpc_endpoint" "ec2" {
  vpc_id              = aws_vpc.main.id
  service_name        = data.aws_vpc_endpoint_service.ec2.service_name
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true
  tags = {
    Name = "ec2"
  }
}

resource "aws_vpc_endpoint" "sts" {
  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.us-east-1.sts"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.private[0].id]
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = false
}

output "ec2_endpoint" {
  value = aws_vpc_endpoint.ec2.id
}

output "ec2_state" {
  value = aws_vpc_endpoint.ec2.state
}

output "ec2_dns_names" {
  value = [for e in aws_vpc_endpoint.ec2.dns_entry : e.dns_name]
}

output "ec2_interfaces" {
  value = aws_vpc_endpoint.ec2.network_interface_ids
}

output "sts_private_dns" {
  value = aws_vpc_endpoint.sts.private_dns_enabled
}
