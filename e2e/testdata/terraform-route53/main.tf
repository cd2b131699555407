# A private hosted zone as Terraform users write it: the zone with its first VPC, records
# of several types (an alias among them), and a second VPC associated on its own.
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
    ec2     = var.endpoint
    sts     = var.endpoint
    route53 = var.endpoint
  }
}

resource "aws_vpc" "app" {
  cidr_block           = "10.60.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
}

resource "aws_vpc" "ops" {
  cidr_block           = "10.61.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
}

resource "aws_route53_zone" "internal" {
  name    = "corp.internal"
  comment = "inside the VPCs"
  vpc {
    vpc_id = aws_vpc.app.id
  }
  tags = {
    team = "net"
  }
  # The second VPC is associated by aws_route53_zone_association.
  lifecycle {
    ignore_changes = [vpc]
  }
}

resource "aws_route53_zone_association" "ops" {
  zone_id = aws_route53_zone.internal.zone_id
  vpc_id  = aws_vpc.ops.id
}

resource "aws_route53_record" "db" {
  zone_id = aws_route53_zone.internal.zone_id
  name    = "db.corp.internal"
  type    = "A"
  ttl     = 60
  records = ["10.60.1.10", "10.60.1.11"]
}

resource "aws_route53_record" "api" {
  zone_id = aws_route53_zone.internal.zone_id
  name    = "api"
  type    = "CNAME"
  ttl     = 300
  records = ["db.corp.internal"]
}

resource "aws_route53_record" "spf" {
  zone_id = aws_route53_zone.internal.zone_id
  name    = "corp.internal"
  type    = "TXT"
  ttl     = 300
  records = ["v=spf1 -all", "owner=net"]
}

resource "aws_route53_record" "primary" {
  zone_id = aws_route53_zone.internal.zone_id
  name    = "primary.corp.internal"
  type    = "A"
  alias {
    name                   = aws_route53_record.db.fqdn
    zone_id                = aws_route53_zone.internal.zone_id
    evaluate_target_health = false
  }
}

output "zone_id" {
  value = aws_route53_zone.internal.zone_id
}

output "name_servers" {
  value = aws_route53_zone.internal.name_servers
}

output "db_fqdn" {
  value = aws_route53_record.db.fqdn
}

output "app_vpc" {
  value = aws_vpc.app.id
}

output "ops_vpc" {
  value = aws_vpc.ops.id
}
