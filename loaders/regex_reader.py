"""Hive's RegexSerDe: each line of text is matched against ``input.regex``; group i is column i.

As in Hive (``org.apache.hadoop.hive.serde2.RegexSerDe``) the whole line must match
(``Matcher.matches()``), a line that does not match is a row of NULLs (counted, so the engine
can say how many), and a group that did not take part in the match is NULL.  Values come out
as text; ``loaders.hive`` converts them to the declared types.

Patterns are Java regular expressions; ``java_to_python`` rewrites the few spellings Python's
``re`` writes differently (``(?<name>...)``, ``\\z``), and look-ahead/look-behind, possessive
quantifiers and atomic groups work as they are.

>>> rx = compile_regex(r"^(?!#)([^ ]+)\\s+([^ ]+)$", 2)
>>> chunk = parse_lines([b"#Version: 1.0", b"a b", b"c  d"], rx, 2, "mem")
>>> chunk.table.to_pydict(), chunk.unmatched
({'c0': [None, 'a', 'c'], 'c1': [None, 'b', 'd']}, 1)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from loaders.compression import read_chunks
from loaders.objectstore import SourceObject
from loaders.rejects import LoadError

__all__ = ["RegexChunk", "compile_regex", "java_to_python", "parse_lines", "read_regex"]

CHUNK_BYTES = 8 << 20
_NAMED_GROUP = re.compile(r"\(\?<(?![=!])([A-Za-z][A-Za-z0-9]*)>")


@dataclass
class RegexChunk:
    """Lines of one object as text columns (``c0``, ``c1``...), and how many did not match."""

    table: pa.Table
    unmatched: int
    filename: str
    nbytes: int
    lines: int


def java_to_python(pattern: str) -> str:
    """A Java regular expression in Python ``re`` syntax."""
    out = _NAMED_GROUP.sub(r"(?P<\1>", pattern)
    return out.replace(r"\z", r"\Z")


def compile_regex(pattern: str, ncolumns: int, ignore_case: bool = False) -> re.Pattern[str]:
    """Compile ``input.regex`` for ``ncolumns`` columns.

    Raises
    ------
    LoadError
        The pattern does not compile, or its group count differs from the column count
        (Hive's rule: one capturing group per column).
    """
    try:
        rx = re.compile(java_to_python(pattern), re.IGNORECASE if ignore_case else 0)
    except re.error as e:
        msg = f"input.regex does not compile: {e}"
        raise LoadError(msg) from None
    if rx.groups != ncolumns:
        msg = f"input.regex has {rx.groups} capturing group(s) but the table has {ncolumns} column(s)"
        raise LoadError(msg)
    return rx


def parse_lines(lines: list[bytes], rx: re.Pattern[str], ncolumns: int, filename: str) -> RegexChunk:
    """Match ``lines`` (without their line ends); non-matching lines give NULL rows."""
    cols: list[list[str | None]] = [[] for _ in range(ncolumns)]
    unmatched = 0
    nbytes = 0
    fullmatch = rx.fullmatch
    nulls = (None,) * ncolumns
    for raw in lines:
        nbytes += len(raw) + 1
        line = raw.decode("utf-8", "replace")
        if line.endswith("\r"):
            line = line[:-1]
        m = fullmatch(line)
        groups = m.groups() if m is not None else nulls
        if m is None:
            unmatched += 1
        for i in range(ncolumns):
            cols[i].append(groups[i])
    table = pa.table({f"c{i}": pa.array(cols[i], pa.string()) for i in range(ncolumns)})
    return RegexChunk(table, unmatched, filename, nbytes, len(lines))


def read_regex(
    obj: SourceObject, rx: re.Pattern[str], ncolumns: int, compression: str | None = None, skip_lines: int = 0,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[RegexChunk]:
    """Stream one object's lines as ``RegexChunk``s (after ``skip_lines`` header lines)."""
    rest = b""
    to_skip = skip_lines
    for data in read_chunks(obj, compression, chunk_bytes):
        data = rest + data
        cut = data.rfind(b"\n")
        if cut < 0:
            rest = data
            continue
        rest = data[cut + 1 :]
        lines = data[:cut].split(b"\n")
        if to_skip:
            dropped = min(to_skip, len(lines))
            lines = lines[dropped:]
            to_skip -= dropped
        if lines:
            yield parse_lines(lines, rx, ncolumns, obj.url)
    if rest and not to_skip:
        yield parse_lines([rest], rx, ncolumns, obj.url)

