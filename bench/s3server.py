"""A real S3-compatible HTTP server on loopback (moto in server mode), for tests, the demo and
the load benchmark.

The server checks signatures: it starts with one IAM user whose generated key may do
anything, so a wrong key or secret is refused with 403 as AWS does.
``LoopbackS3`` starts moto's server on 127.0.0.1 with an ephemeral port in a daemon thread and
exposes the endpoint and a boto3 client; ``environment()`` gives the standard AWS variables
that point the engine at it.  Nothing leaves the machine; the thread dies with the process.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["LoopbackS3", "put_object"]

REGION = "us-east-1"
_SETUP_REQUESTS = 3  # create_user, create_access_key, put_user_policy: then every request is signed


class LoopbackS3:
    """moto's S3 server on 127.0.0.1:<free port>."""

    def __init__(self) -> None:
        import json

        import boto3
        import moto.settings
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto.settings.INITIAL_NO_AUTH_ACTION_COUNT = _SETUP_REQUESTS
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        self.port = self._server._server.port  # noqa: SLF001 - moto exposes no accessor
        self.endpoint = f"http://127.0.0.1:{self.port}"
        iam = boto3.client("iam", endpoint_url=self.endpoint, aws_access_key_id="setup", aws_secret_access_key="setup", region_name=REGION)
        iam.create_user(UserName="warehouse")
        key = iam.create_access_key(UserName="warehouse")["AccessKey"]
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        iam.put_user_policy(UserName="warehouse", PolicyName="all", PolicyDocument=json.dumps(policy))
        self.access_key = key["AccessKeyId"]
        self.secret_key = key["SecretAccessKey"]

    def environment(self) -> dict[str, str]:
        """The AWS variables that send the engine's S3 requests to this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self) -> Any:
        """A boto3 S3 client talking to this server (a real HTTP client, as users have)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=REGION,
        )

    def reset(self) -> None:
        """Delete every bucket and object (between tests); the IAM user stays."""
        c = self.client()
        for b in c.list_buckets().get("Buckets", []):
            for page in c.get_paginator("list_objects_v2").paginate(Bucket=b["Name"]):
                for o in page.get("Contents", []):
                    c.delete_object(Bucket=b["Name"], Key=o["Key"])
            c.delete_bucket(Bucket=b["Name"])

    def stop(self) -> None:
        self._server.stop()


def put_object(client: Any, bucket: str, key: str, body: bytes | str) -> None:
    """Store ``body`` at s3://bucket/key with a boto3 client, creating the bucket if needed."""
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    client.put_object(Bucket=bucket, Key=key, Body=body.encode() if isinstance(body, str) else body)
