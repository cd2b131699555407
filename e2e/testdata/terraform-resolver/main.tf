# Route 53 Resolver as Terraform users write it to reach a corporate DNS server: an
# outbound endpoint with an address in each of two subnets, a rule forwarding
# corp.example to the server's addresses through it, and the rule's association with
# the VPC.
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
    ec2             = var.endpoint
    sts             = var.endpoint
    route53resolver = var.endpoint
  }
}

resource "aws_vpc" "main" {
  cidr_block           = "10.60.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.60.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.60.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_security_group" "dns" {
  name   = "resolver-outbound"
  vpc_id = aws_vpc.main.id
  egress {
    from_port   = 53
    to_port     = 53
    protocol    = "udp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    from_port   = 53
    to_port     = 53
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_route53_resolver_endpoint" "out" {
  name               = "corp-outbound"
  direction          = "OUTBOUND"
  security_group_ids = [aws_security_group.dns.id]

  ip_address {
    subnet_id = aws_subnet.a.id
    ip        = "10.60.1.53"
  }

  ip_address {
    subnet_id = aws_subnet.b.id
  }

  tags = {
    team = "net"
  }
}

resource "aws_route53_resolver_rule" "corp" {
  name                 = "corp"
  domain_name          = "corp.example"
  rule_type            = "FORWARD"
  resolver_endpoint_id = aws_route53_resolver_endpoint.out.id

  target_ip {
    ip = "172.31.0.2"
  }

  target_ip {
    ip   = "172.31.0.3"
    port = 5353
  }

  tags = {
    team = "net"
  }
}

resource "aws_route53_resolver_rule_association" "corp" {
  name             = "corp-main"
  resolver_rule_id = aws_route53_resolver_rule.corp.id
  vpc_id           = aws_vpc.main.id
}

output "endpoint_id" {
  value = aws_route53_resolver_endpoint.out.id
}

output "endpoint_ips" {
  value = sort([for a in aws_route53_resolver_endpoint.out.ip_address : a.ip])
}

output "rule_arn" {
  value = aws_route53_resolver_rule.corp.arn
}

output "association_id" {
  value = aws_route53_resolver_rule_association.corp.id
}
