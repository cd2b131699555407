# Flow logs as Terraform users write them: a CloudWatch Logs group with a retention and
# tags, a VPC flow log of all traffic into it, a subnet flow log of rejected traffic in a
# custom format to S3, and an interface's flow log with a one-minute interval.
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
    ec2            = var.endpoint
    sts            = var.endpoint
    cloudwatchlogs = var.endpoint
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
}

resource "aws_subnet" "app" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_network_interface" "app" {
  subnet_id = aws_subnet.app.id
}

resource "aws_cloudwatch_log_group" "flows" {
  name              = "/aws/vpc/flowlogs"
  retention_in_days = 14
  tags = {
    team = "net"
  }
}

resource "aws_flow_log" "vpc" {
  vpc_id          = aws_vpc.main.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.flows.arn
  iam_role_arn    = "arn:aws:iam::123456789012:role/flow-logs"
  tags = {
    Name = "vpc-all"
  }
}

resource "aws_flow_log" "subnet" {
  subnet_id                = aws_subnet.app.id
  traffic_type             = "REJECT"
  log_destination_type     = "s3"
  log_destination          = "arn:aws:s3:::flow-bucket/vpcd/"
  log_format               = "$${version} $${vpc-id} $${subnet-id} $${interface-id} $${srcaddr} $${dstaddr} $${dstport} $${action} $${tcp-flags} $${flow-direction}"
  max_aggregation_interval = 60
}

resource "aws_flow_log" "eni" {
  eni_id                   = aws_network_interface.app.id
  traffic_type             = "ACCEPT"
  log_destination          = aws_cloudwatch_log_group.flows.arn
  iam_role_arn             = "arn:aws:iam::123456789012:role/flow-logs"
  max_aggregation_interval = 60
}

output "vpc_flow_log" {
  value = aws_flow_log.vpc.id
}

output "log_group_arn" {
  value = aws_cloudwatch_log_group.flows.arn
}
