# An instance with a data volume attached, as Terraform users write it, against vpcd (API
# only: volumes hold no bytes). A root_block_device block waits for DescribeImages: the
# provider reads the image's root device name.
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

variable "data_size" {
  type    = number
  default = 20
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
  cidr_block = "10.30.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.30.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_instance" "app" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.a.id
  tags = {
    Name = "app"
  }
}

resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = var.data_size
  type              = "gp3"
  iops              = 4000
  encrypted         = true
  tags = {
    Name = "data"
  }
}

resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdh"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.app.id
}

output "instance_id" {
  value = aws_instance.app.id
}

output "root_volume_id" {
  value = aws_instance.app.root_block_device[0].volume_id
}

output "data_volume_id" {
  value = aws_ebs_volume.data.id
}
