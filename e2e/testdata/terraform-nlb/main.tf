# A network load balancer as Terraform users write it: an internal aws_lb of type network
# in two subnets with a security group, a TCP target group of ip targets with its health
# check and attributes, a listener forwarding to it, and a target attached.
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

resource "aws_vpc" "main" {
  cidr_block = "10.80.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.80.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.80.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_security_group" "nlb" {
  name   = "nlb"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["10.80.0.0/16"]
  }
}

resource "aws_lb" "web" {
  name                             = "web"
  internal                         = true
  load_balancer_type               = "network"
  subnets                          = [aws_subnet.a.id, aws_subnet.b.id]
  security_groups                  = [aws_security_group.nlb.id]
  enable_cross_zone_load_balancing = true
  tags = {
    Name = "web"
  }
}

resource "aws_lb_target_group" "web" {
  name                 = "web"
  port                 = 80
  protocol             = "TCP"
  target_type          = "ip"
  vpc_id               = aws_vpc.main.id
  deregistration_delay = 30
  health_check {
    protocol            = "TCP"
    interval            = 10
    healthy_threshold   = 3
    unhealthy_threshold = 3
  }
  tags = {
    Name = "web"
  }
}

resource "aws_lb_listener" "web" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "TCP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_lb_target_group_attachment" "web" {
  target_group_arn = aws_lb_target_group.web.arn
  target_id        = "10.80.1.50"
  port             = 80
}

output "lb_arn" {
  value = aws_lb.web.arn
}

output "lb_dns_name" {
  value = aws_lb.web.dns_name
}

output "lb_zone_id" {
  value = aws_lb.web.zone_id
}

output "target_group_arn" {
  value = aws_lb_target_group.web.arn
}

output "listener_arn" {
  value = aws_lb_listener.web.arn
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "subnet_a" {
  value = aws_subnet.a.id
}
