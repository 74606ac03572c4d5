"""Object stores behind one interface: S3-compatible buckets and the local file system.

Every load and unload names its data by URL: ``s3://bucket/key``, ``file:///path`` or a plain
local path.  ``pyarrow.fs`` does the I/O (its ``S3FileSystem`` speaks to AWS S3, MinIO, moto
or any S3-compatible endpoint); this module turns URLs into file systems and objects, applies
Redshift's rules for what a COPY source names, and gives every failure a message that names
the URL.

Where the endpoint and credentials come from, in order:

1. the statement's own clauses (``ACCESS_KEY_ID``/``SECRET_ACCESS_KEY``/``SESSION_TOKEN``,
   ``CREDENTIALS 'aws_access_key_id=...;aws_secret_access_key=...'``, ``REGION``), passed in
   as ``Credentials``;
2. the standard AWS environment: ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``,
   ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION`` (or
   ``AWS_DEFAULT_REGION``);
3. otherwise the AWS SDK's own chain (profiles), with the EC2 metadata lookup disabled so a
   laptop never waits on it.

Timeouts are short and retries few (``CONNECT_TIMEOUT``, ``REQUEST_TIMEOUT``,
``MAX_ATTEMPTS``): an unreachable endpoint fails in seconds, not minutes.
"""

from __future__ import annotations

import glob
import os
import threading
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs

from loaders.rejects import LoadError

__all__ = [
    "Credentials",
    "SourceObject",
    "delete_objects",
    "filesystem_for",
    "is_remote",
    "list_objects",
    "list_prefix",
    "open_output",
    "read_bytes",
]

CONNECT_TIMEOUT = 3.0
REQUEST_TIMEOUT = 30.0
MAX_ATTEMPTS = 2
_GLOB_CHARS = ("*", "?", "[")


@dataclass(frozen=True)
class Credentials:
    """What to reach an object store with; None fields fall back to the environment."""

    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None
    region: str | None = None
    endpoint: str | None = None

    def resolved(self) -> Credentials:
        """These credentials with the AWS environment filling what the statement left out."""
        env = os.environ
        if self.access_key is None and env.get("AWS_ACCESS_KEY_ID"):
            c = replace(
                self,
                access_key=env.get("AWS_ACCESS_KEY_ID"),
                secret_key=env.get("AWS_SECRET_ACCESS_KEY"),
                session_token=self.session_token or env.get("AWS_SESSION_TOKEN"),
            )
        else:
            c = self
        return replace(
            c,
            region=c.region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            endpoint=c.endpoint or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL"),
        )


@dataclass(frozen=True)
class SourceObject:
    """One object (file) to read: its URL for messages, its file system and path there."""

    url: str
    fs: Any  # pyarrow.fs.FileSystem
    path: str
    size: int

    def open(self) -> Any:
        """A sequential binary input stream over the whole object (not decompressed)."""
        try:
            return self.fs.open_input_stream(self.path, compression=None)
        except (OSError, pa.ArrowException) as e:
            raise LoadError(_explain(e, self.url), filename=self.url) from None

    def open_random(self) -> Any:
        """A random-access file (Parquet and ORC readers need one)."""
        try:
            return self.fs.open_input_file(self.path)
        except (OSError, pa.ArrowException) as e:
            raise LoadError(_explain(e, self.url), filename=self.url) from None


def is_remote(url: str) -> bool:
    return url.lower().startswith(("s3://", "s3a://"))


_FS_CACHE: dict[Credentials, Any] = {}
_FS_LOCK = threading.Lock()


def _s3(creds: Credentials) -> Any:
    c = creds.resolved()
    with _FS_LOCK:
        fs = _FS_CACHE.get(c)
        if fs is not None:
            return fs
        os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
        kwargs: dict[str, Any] = {
            "region": c.region,
            "connect_timeout": CONNECT_TIMEOUT,
            "request_timeout": REQUEST_TIMEOUT,
            "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=MAX_ATTEMPTS),
        }
        if c.access_key is not None:
            kwargs.update(access_key=c.access_key, secret_key=c.secret_key or "", session_token=c.session_token)
        if c.endpoint:
            scheme, _, host = c.endpoint.partition("://")
            if not host:
                scheme, host = "https", c.endpoint
            kwargs.update(endpoint_override=host.rstrip("/"), scheme=scheme)
        fs = pafs.S3FileSystem(**kwargs)
        _FS_CACHE[c] = fs
        return fs


def filesystem_for(url: str, creds: Credentials | None = None) -> tuple[Any, str]:
    """(pyarrow file system, path inside it) for a URL or local path."""
    if is_remote(url):
        return _s3(creds or Credentials()), url.split("://", 1)[1]
    if url.lower().startswith("file://"):
        url = url[len("file://") :]
    elif "://" in url:
        scheme = url.split("://", 1)[0]
        msg = f"unsupported URL scheme {scheme!r} (use s3:// or a local path): {url}"
        raise LoadError(msg, filename=url)
    path = os.path.abspath(os.path.expanduser(url))
    return pafs.LocalFileSystem(), path + "/" if url.endswith("/") and path != "/" else path


def _explain(e: BaseException, url: str) -> str:
    """A one-line reason for a pyarrow I/O error, without the SDK's noise."""
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    low = text.lower()
    if "access denied" in low or "invalid_access_key_id" in low or "signature_does_not_match" in low or "invalidaccesskeyid" in low or "signaturedoesnotmatch" in low or "forbidden" in low:
        return f"access denied to {url} (check the credentials): {text}"
    if "nosuchbucket" in low or "bucket does not exist" in low or "the specified bucket does not exist" in low:
        return f"bucket does not exist: {url}"
    if "couldn't connect" in low or "curl" in low or "connection refused" in low or "timeout" in low or "timed out" in low:
        return f"cannot reach the object store for {url}: {text}"
    if "path does not exist" in low or "no such file" in low or "nosuchkey" in low or "not found" in low:
        return f"object does not exist: {url}"
    return f"cannot read {url}: {text}"


def _skipped(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith(".") or base == "_SUCCESS" or base == ""


def list_prefix(url: str, creds: Credentials | None = None) -> list[SourceObject]:
    """Every object whose name starts with ``url`` (Redshift's prefix rule), sorted by name.

    ``s3://b/data/part_`` matches ``data/part_0000``, ``data/part_0001/x``...; a prefix that
    ends with ``/`` is a folder.  Hidden objects (``.name``), ``_SUCCESS`` markers and folder
    placeholders are skipped.  An empty list is not an error here.
    """
    fs, path = filesystem_for(url, creds)
    remote = is_remote(url)
    scheme = url.split("://", 1)[0] + "://" if remote else ""
    if path.endswith("/") or (remote and "/" not in path):
        parent = path.rstrip("/")
    else:
        parent = path.rsplit("/", 1)[0]
    try:
        infos = fs.get_file_info(pafs.FileSelector(parent or "/", recursive=True, allow_not_found=True))
    except (OSError, pa.ArrowException) as e:
        raise LoadError(_explain(e, url), filename=url) from None
    out = []
    for info in infos:
        if info.type != pafs.FileType.File:
            continue
        if not info.path.startswith(path):
            continue
        if _skipped(info.path):
            continue
        out.append(SourceObject(scheme + info.path, fs, info.path, int(info.size or 0)))
    out.sort(key=lambda o: o.path)
    if not out and remote:
        bucket = path.split("/", 1)[0]
        try:
            missing = fs.get_file_info(bucket).type == pafs.FileType.NotFound
        except (OSError, pa.ArrowException) as e:
            raise LoadError(_explain(e, url), filename=url) from None
        if missing:
            msg = f"bucket does not exist: s3://{bucket}"
            raise LoadError(msg, filename=url)
    return out


def list_objects(url: str, creds: Credentials | None = None) -> list[SourceObject]:
    """The objects a COPY source names.

    S3 follows Redshift: the URL is a key prefix and every object under it loads.  A local
    path is a file, a directory (every file under it), a glob, or a file-name prefix.

    Raises
    ------
    LoadError
        When nothing matches (naming the URL), or the store cannot be reached or read.
    """
    if not is_remote(url):
        fs, path = filesystem_for(url, creds)
        if os.path.isfile(path):
            objs = [SourceObject(path, fs, path, os.path.getsize(path))]
        elif any(c in path for c in _GLOB_CHARS):
            objs = [SourceObject(p, fs, p, os.path.getsize(p)) for p in sorted(glob.glob(path, recursive=True)) if os.path.isfile(p) and not _skipped(p)]
        elif os.path.isdir(path):
            objs = list_prefix(path + "/", creds)
        else:
            objs = list_prefix(path, creds)
    else:
        objs = list_prefix(url, creds)
    if not objs:
        what = "prefix" if is_remote(url) else "source"
        msg = f"no objects match the {what} {url!r}"
        raise LoadError(msg, filename=url)
    return objs


def stat_object(url: str, creds: Credentials | None = None) -> SourceObject | None:
    """The one object at ``url`` exactly, or None when it does not exist."""
    fs, path = filesystem_for(url, creds)
    try:
        info = fs.get_file_info(path)
    except (OSError, pa.ArrowException) as e:
        raise LoadError(_explain(e, url), filename=url) from None
    if info.type != pafs.FileType.File:
        return None
    return SourceObject(url if is_remote(url) else path, fs, path, int(info.size or 0))


def read_bytes(url: str, creds: Credentials | None = None) -> bytes:
    """A whole (small) object: manifests, JSONPaths files."""
    obj = stat_object(url, creds)
    if obj is None:
        msg = f"object does not exist: {url}"
        raise LoadError(msg, filename=url)
    with obj.open() as f:
        return f.read()


def open_output(url: str, creds: Credentials | None = None) -> Any:
    """A binary output stream creating (or replacing) the object at ``url``."""
    fs, path = filesystem_for(url, creds)
    try:
        if not is_remote(url):
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        return fs.open_output_stream(path, compression=None)
    except (OSError, pa.ArrowException) as e:
        raise LoadError(_explain(e, url).replace("cannot read", "cannot write"), filename=url) from None


def delete_objects(objs: list[SourceObject]) -> None:
    """Remove objects (UNLOAD ... CLEANPATH empties the prefix first)."""
    for o in objs:
        try:
            o.fs.delete_file(o.path)
        except (OSError, pa.ArrowException) as e:
            raise LoadError(_explain(e, o.url), filename=o.url) from None
