"""Shared helpers of the boto3 suite: clients for the vpcd under test and shape checks.

The Go test (e2e/boto3_test.go) starts vpcd and passes its address in VPCD_URL.
"""
import os
import random

import boto3
import botocore.config


def new_account():
    """A fresh 12-digit account: in lenient mode the access key picks the account."""
    return "%012d" % random.randrange(10**11, 10**12)


def client(account, region="us-east-1", service="ec2"):
    return boto3.client(
        service,
        endpoint_url=os.environ["VPCD_URL"],
        region_name=region,
        aws_access_key_id=account,
        aws_secret_access_key="x",
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


def list_members(ec2, operation):
    """The names of the list members of an operation's output shape."""
    shape = ec2.meta.service_model.operation_model(operation).output_shape
    if shape is None:
        return []
    return [name for name, m in shape.members.items() if m.type_name == "list"]
