# What surrounds an instance, as Terraform users write it: an imported key pair, a launch
# template that names it, and instances launched from the template's latest version.
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
    ec2 = var.endpoint
    sts = var.endpoint
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "app" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.40.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_security_group" "app" {
  name   = "app"
  vpc_id = aws_vpc.main.id
}

resource "aws_key_pair" "deployer" {
  key_name   = "deployer"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEQDfjFU0/v0NgAYZNphaqXa/pLeuuu+j4pb9mXK155h bob"
  tags = {
    team = "app"
  }
}

resource "aws_launch_template" "app" {
  name                   = "app"
  description            = "app servers"
  image_id               = "ami-12345678"
  instance_type          = "t3.micro"
  key_name               = aws_key_pair.deployer.key_name
  vpc_security_group_ids = [aws_security_group.app.id]
  tag_specifications {
    resource_type = "instance"
    tags = {
      Name = "app"
    }
  }
  tags = {
    team = "app"
  }
}

# The template tags the instance; the instance says so too, or the next plan would
# remove the tag (the provider reads the instance's tags, as on AWS).
resource "aws_instance" "app" {
  subnet_id = aws_subnet.app.id
  tags = {
    Name = "app"
  }
  launch_template {
    id      = aws_launch_template.app.id
    version = "$Latest"
  }
}

output "instance_key_name" {
  value = aws_instance.app.key_name
}

output "instance_type" {
  value = aws_instance.app.instance_type
}

output "fingerprint" {
  value = aws_key_pair.deployer.fingerprint
}

output "template_version" {
  value = aws_launch_template.app.latest_version
}
