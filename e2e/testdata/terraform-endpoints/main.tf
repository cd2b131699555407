# Gateway endpoints as Terraform users write them: the services looked up by name and
# type, an S3 endpoint on one route table, a DynamoDB endpoint with a policy whose route
# table comes from a separate association, and an interface service only looked up.
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

data "aws_vpc_endpoint_service" "s3" {
  service      = "s3"
  service_type = "Gateway"
}

data "aws_vpc_endpoint_service" "dynamodb" {
  service      = "dynamodb"
  service_type = "Gateway"
}

data "aws_vpc_endpoint_service" "ssm" {
  service = "ssm"
}

resource "aws_vpc" "main" {
  cidr_block = "10.60.0.0/16"
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table" "intra" {
  vpc_id = aws_vpc.main.id
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.main.id
  service_name      = data.aws_vpc_endpoint_service.s3.service_name
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  tags = {
    Name = "s3"
  }
}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id       = aws_vpc.main.id
  service_name = data.aws_vpc_endpoint_service.dynamodb.service_name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Principal = "*"
      Action    = "dynamodb:*"
      Resource  = "*"
      Condition = { StringNotEquals = { "aws:sourceVpc" = aws_vpc.main.id } }
    }]
  })
}

resource "aws_vpc_endpoint_route_table_association" "dynamodb_intra" {
  vpc_endpoint_id = aws_vpc_endpoint.dynamodb.id
  route_table_id  = aws_route_table.intra.id
}

output "s3_endpoint" {
  value = aws_vpc_endpoint.s3.id
}

output "s3_prefix_list" {
  value = aws_vpc_endpoint.s3.prefix_list_id
}

output "s3_cidr_blocks" {
  value = aws_vpc_endpoint.s3.cidr_blocks
}

output "s3_state" {
  value = aws_vpc_endpoint.s3.state
}

output "dynamodb_endpoint" {
  value = aws_vpc_endpoint.dynamodb.id
}

output "private_table" {
  value = aws_route_table.private.id
}

output "intra_table" {
  value = aws_route_table.intra.id
}

output "ssm_private_dns_name" {
  value = data.aws_vpc_endpoint_service.ssm.private_dns_name
}

output "s3_service_type" {
  value = data.aws_vpc_endpoint_service.s3.service_type
}
