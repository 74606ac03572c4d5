"""Fixtures shared by every test folder: a real S3-compatible server (moto) on loopback and the
AWS environment for it (``tests/s3``, ``tests/external``).

One server per test session: moto's IAM state is process-wide, so a second server in the same
process could not create its signed-in user.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bench.s3server import LoopbackS3


@pytest.fixture(scope="session")
def s3_server() -> Iterator[LoopbackS3]:
    server = LoopbackS3()
    saved = {k: os.environ.get(k) for k in server.environment()}
    os.environ.update(server.environment())
    yield server
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    server.stop()


@pytest.fixture
def s3(s3_server: LoopbackS3) -> Iterator[object]:
    """A boto3 client on a fresh server (all buckets forgotten after the test)."""
    client = s3_server.client()
    yield client
    s3_server.reset()
