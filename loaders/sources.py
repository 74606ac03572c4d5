"""Where a load reads from: turn a COPY source into the list of files to read.

Local sources only for now.  ``s3://`` sources will resolve through ``pyarrow.fs`` (a
``FileSystem`` plus paths) in the same function; until then they raise a clear error.
"""

from __future__ import annotations

import glob
import os

from loaders.rejects import LoadError

__all__ = ["resolve_local", "resolve"]

_GLOB_CHARS = ("*", "?", "[")


def resolve(source: str) -> list[str]:
    """Files for any COPY source (local today; object stores in a later issue)."""
    if "://" in source:
        scheme = source.split("://", 1)[0].lower()
        if scheme in ("s3", "s3a", "gs", "gcs"):
            msg = f"S3 sources are not supported yet: {source}"
            raise LoadError(msg, filename=source)
        if scheme != "file":
            msg = f"unsupported source scheme {scheme!r}: {source}"
            raise LoadError(msg, filename=source)
        source = source.split("://", 1)[1]
    return resolve_local(source)


def resolve_local(pattern: str) -> list[str]:
    """The files a local source names, sorted.

    ``pattern`` is a file, a directory (every file under it, recursively), a glob, or -- as
    Redshift's COPY treats an S3 key -- a prefix of file names (``/data/part_`` matches
    ``/data/part_0001``, ``/data/part_0002/x``...).  Hidden files (``.name``) and empty
    marker files named ``_SUCCESS`` are skipped in directories and prefixes.

    Raises
    ------
    LoadError
        When nothing matches, naming the path.
    """
    if pattern.startswith("s3://"):
        return resolve(pattern)
    path = os.path.expanduser(pattern)
    if os.path.isfile(path):
        return [path]
    if os.path.isdir(path):
        files = _walk(path)
    elif any(c in path for c in _GLOB_CHARS):
        files = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
    else:
        parent, prefix = os.path.split(path)
        parent = parent or "."
        files = []
        if os.path.isdir(parent):
            for name in sorted(os.listdir(parent)):
                if not name.startswith(prefix) or _skipped(name):
                    continue
                full = os.path.join(parent, name)
                files.extend([full] if os.path.isfile(full) else _walk(full))
    if not files:
        msg = f"no files match the source {pattern!r}"
        raise LoadError(msg, filename=pattern)
    return files


def _skipped(name: str) -> bool:
    return name.startswith(".") or name == "_SUCCESS"


def _walk(directory: str) -> list[str]:
    out = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        out.extend(os.path.join(root, n) for n in names if not _skipped(n))
    return sorted(out)
