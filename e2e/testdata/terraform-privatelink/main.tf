# PrivateLink as Terraform users write it: a provider's internal network load balancer
# (aws_lb, aws_lb_target_group, aws_lb_listener) published as an endpoint service that
# requires acceptance, with allowed principals, and a consumer VPC with the same CIDR
# connecting through an interface endpoint that the provider accepts.
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
    ec2   = var.endpoint
    elbv2 = var.endpoint
    sts   = var.endpoint
  }
}

resource "aws_vpc" "provider" {
  cidr_block = "10.90.0.0/16"
}

resource "aws_subnet" "provider_a" {
  vpc_id            = aws_vpc.provider.id
  cidr_block        = "10.90.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "provider_b" {
  vpc_id            = aws_vpc.provider.id
  cidr_block        = "10.90.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_lb" "svc" {
  name               = "svc"
  internal           = true
  load_balancer_type = "network"
  subnets            = [aws_subnet.provider_a.id, aws_subnet.provider_b.id]
}

resource "aws_lb_target_group" "svc" {
  name        = "svc"
  port        = 8080
  protocol    = "TCP"
  target_type = "ip"
  vpc_id      = aws_vpc.provider.id
}

resource "aws_lb_listener" "svc" {
  load_balancer_arn = aws_lb.svc.arn
  port              = 80
  protocol          = "TCP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.svc.arn
  }
}

resource "aws_vpc_endpoint_service" "svc" {
  acceptance_required        = true
  network_load_balancer_arns = [aws_lb.svc.arn]
  allowed_principals         = ["arn:aws:iam::123456789012:root"]
  tags = {
    Name = "svc"
  }
  # The second principal is aws_vpc_endpoint_service_allowed_principal's.
  lifecycle {
    ignore_changes = [allowed_principals]
  }
}

resource "aws_vpc_endpoint_service_allowed_principal" "partner" {
  vpc_endpoint_service_id = aws_vpc_endpoint_service.svc.id
  principal_arn           = "arn:aws:iam::111122223333:root"
}

# The consumer's VPC overlaps the provider's: PrivateLink does not route between them.
resource "aws_vpc" "consumer" {
  cidr_block = "10.90.0.0/16"
}

resource "aws_subnet" "consumer_a" {
  vpc_id            = aws_vpc.consumer.id
  cidr_block        = "10.90.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_security_group" "endpoint" {
  name   = "svc-endpoint"
  vpc_id = aws_vpc.consumer.id
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["10.90.0.0/16"]
  }
}

resource "aws_vpc_endpoint" "svc" {
  vpc_id             = aws_vpc.consumer.id
  service_name       = aws_vpc_endpoint_service.svc.service_name
  vpc_endpoint_type  = "Interface"
  subnet_ids         = [aws_subnet.consumer_a.id]
  security_group_ids = [aws_security_group.endpoint.id]
}

resource "aws_vpc_endpoint_connection_accepter" "svc" {
  vpc_endpoint_service_id = aws_vpc_endpoint_service.svc.id
  vpc_endpoint_id         = aws_vpc_endpoint.svc.id
}

output "service_id" {
  value = aws_vpc_endpoint_service.svc.id
}

output "service_name" {
  value = aws_vpc_endpoint_service.svc.service_name
}

output "service_zones" {
  value = aws_vpc_endpoint_service.svc.availability_zones
}

output "endpoint_id" {
  value = aws_vpc_endpoint.svc.id
}

output "endpoint_state" {
  value = aws_vpc_endpoint_connection_accepter.svc.vpc_endpoint_state
}
