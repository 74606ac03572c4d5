"""The S3 fixtures (``s3_server``, ``s3``) live in ``tests/conftest.py``, shared with
``tests/external`` (one moto server per test session)."""
