# A two-tier VPC as Terraform users write it, against vpcd: in each of two zones a public
# subnet with a NAT gateway and a private subnet that reaches the internet through its own
# zone's gateway; a custom network ACL on the private subnets; a second VPC peered with the
# first. The e2e test sends real traffic through all of it.
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

variable "probe" {
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

locals {
  zones = {
    a = { az = "us-east-1a", public = "10.0.0.0/24", private = "10.0.10.0/24" }
    b = { az = "us-east-1b", public = "10.0.1.0/24", private = "10.0.11.0/24" }
  }
}

# ---- The two-tier VPC ----

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_hostnames = true
  tags = {
    Name = "two-tier"
  }
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "public" {
  for_each                = local.zones
  vpc_id                  = aws_vpc.main.id
  cidr_block              = each.value.public
  availability_zone       = each.value.az
  map_public_ip_on_launch = true
  tags = {
    Name = "public-${each.key}"
    Tier = "public"
  }
}

resource "aws_subnet" "private" {
  for_each          = local.zones
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value.private
  availability_zone = each.value.az
  tags = {
    Name = "private-${each.key}"
    Tier = "private"
  }
}

resource "aws_eip" "nat" {
  for_each = local.zones
  domain   = "vpc"
  tags = {
    Name = "nat-${each.key}"
  }
  depends_on = [aws_internet_gateway.gw]
}

resource "aws_nat_gateway" "nat" {
  for_each      = local.zones
  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id
  tags = {
    Name = "nat-${each.key}"
  }
  depends_on = [aws_internet_gateway.gw]
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }
  tags = {
    Name = "public"
  }
}

resource "aws_route_table_association" "public" {
  for_each       = local.zones
  subnet_id      = aws_subnet.public[each.key].id
  route_table_id = aws_route_table.public.id
}

# One private route table per zone: each zone leaves through its own NAT gateway, and
# reaches the peer VPC over the peering.
resource "aws_route_table" "private" {
  for_each = local.zones
  vpc_id   = aws_vpc.main.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.nat[each.key].id
  }
  route {
    cidr_block                = aws_vpc.peer.cidr_block
    vpc_peering_connection_id = aws_vpc_peering_connection.peer.id
  }
  tags = {
    Name = "private-${each.key}"
  }
}

resource "aws_route_table_association" "private" {
  for_each       = local.zones
  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private[each.key].id
}

# The private subnets' ACL. Inbound: the deny on 8081 comes before every allow, so that
# nobody reaches 8081 however the rules below would let them in; the VPC may reach
# anything; the peer VPC only 8080; replies to what the private instances start come back
# on ephemeral ports. Outbound: everything.
resource "aws_network_acl" "private" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [for s in aws_subnet.private : s.id]

  ingress {
    rule_no    = 90
    action     = "deny"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 8081
    to_port    = 8081
  }
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    cidr_block = aws_vpc.main.cidr_block
    from_port  = 0
    to_port    = 0
  }
  ingress {
    rule_no    = 110
    action     = "allow"
    protocol   = "tcp"
    cidr_block = aws_vpc.peer.cidr_block
    from_port  = 8080
    to_port    = 8080
  }
  ingress {
    rule_no    = 120
    action     = "allow"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 1024
    to_port    = 65535
  }
  ingress {
    rule_no    = 130
    action     = "allow"
    protocol   = "udp"
    cidr_block = "0.0.0.0/0"
    from_port  = 1024
    to_port    = 65535
  }
  egress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
  tags = {
    Name = "private"
  }
}

resource "aws_security_group" "web" {
  name        = "web"
  description = "web: HTTP from anywhere"
  vpc_id      = aws_vpc.main.id
  ingress {
    description = "HTTP"
    protocol    = "tcp"
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# The app group lets both VPCs in on 8080 and 8081: only the ACL tells the ports apart.
resource "aws_security_group" "app" {
  name        = "app"
  description = "app: 8080-8081 from both VPCs"
  vpc_id      = aws_vpc.main.id
  ingress {
    protocol    = "tcp"
    from_port   = 8080
    to_port     = 8081
    cidr_blocks = [aws_vpc.main.cidr_block, aws_vpc.peer.cidr_block]
  }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "web" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.public["a"].id
  vpc_security_group_ids = [aws_security_group.web.id]
  user_data              = "#!/bin/sh\nexec python3 ${var.probe} tcp-serve 0.0.0.0 80 web\n"
  tags = {
    Name = "web"
  }
}

resource "aws_instance" "app" {
  for_each                    = local.zones
  ami                         = "ami-12345678"
  instance_type               = "t3.micro"
  subnet_id                   = aws_subnet.private[each.key].id
  associate_public_ip_address = false
  vpc_security_group_ids      = [aws_security_group.app.id]
  user_data                   = "#!/bin/sh\npython3 ${var.probe} tcp-serve 0.0.0.0 8081 app-${each.key} &\nexec python3 ${var.probe} tcp-serve 0.0.0.0 8080 app-${each.key}\n"
  tags = {
    Name = "app-${each.key}"
  }
}

# ---- The peer VPC ----

resource "aws_vpc" "peer" {
  cidr_block = "10.1.0.0/16"
  tags = {
    Name = "peer"
  }
}

resource "aws_subnet" "peer" {
  vpc_id            = aws_vpc.peer.id
  cidr_block        = "10.1.1.0/24"
  availability_zone = "us-east-1a"
  tags = {
    Name = "peer"
  }
}

resource "aws_vpc_peering_connection" "peer" {
  vpc_id      = aws_vpc.main.id
  peer_vpc_id = aws_vpc.peer.id
  auto_accept = true
  tags = {
    Name = "two-tier-to-peer"
  }
}

# The peer subnet uses its VPC's main route table.
resource "aws_route" "peer_to_main" {
  route_table_id            = aws_vpc.peer.main_route_table_id
  destination_cidr_block    = aws_vpc.main.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.peer.id
}

resource "aws_security_group" "peer" {
  name        = "peer-client"
  description = "peer client: no ingress"
  vpc_id      = aws_vpc.peer.id
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "peer" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.peer.id
  vpc_security_group_ids = [aws_security_group.peer.id]
  tags = {
    Name = "peer"
  }
}

# ---- What the test needs ----

output "main_vpc_id" {
  value = aws_vpc.main.id
}

output "peer_vpc_id" {
  value = aws_vpc.peer.id
}

output "peer_route_table_id" {
  value = aws_vpc.peer.main_route_table_id
}

output "peering_id" {
  value = aws_vpc_peering_connection.peer.id
}

output "web_id" {
  value = aws_instance.web.id
}

output "web_public_ip" {
  value = aws_instance.web.public_ip
}

output "app_ids" {
  value = { for k, i in aws_instance.app : k => i.id }
}

output "app_private_ips" {
  value = { for k, i in aws_instance.app : k => i.private_ip }
}

output "app_public_ips" {
  value = { for k, i in aws_instance.app : k => i.public_ip }
}

output "nat_ids" {
  value = { for k, n in aws_nat_gateway.nat : k => n.id }
}

output "nat_public_ips" {
  value = { for k, n in aws_nat_gateway.nat : k => n.public_ip }
}

output "peer_id" {
  value = aws_instance.peer.id
}

output "peer_private_ip" {
  value = aws_instance.peer.private_ip
}
