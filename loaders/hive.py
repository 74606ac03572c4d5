"""Reading external tables' objects with Hive's SerDe rules, over the COPY readers.

COPY and a Hive SerDe disagree on bad input: COPY rejects a row whose field does not
convert, while Hive's LazySimpleSerDe, OpenCSVSerde and RegexSerDe read that field as NULL
and keep the row.  So text formats are read here in two steps: the COPY readers
(``loaders.text``, ``loaders.regex_reader``) produce every field as text, and
``convert_lenient`` turns text into the declared types with ``loaders.convert``'s parsers,
a value that does not convert becoming NULL.  JSON goes through ``loaders.json_reader`` with
the declared types (a record that is not JSON, or does not convert, is skipped); Parquet
and ORC are read by column name (case-insensitive, as Athena does), a column the file lacks
reading as NULL.

Each object's compression comes from its extension (``.gz``, ``.bz2``, ``.zst``...), as Hive
decides.  What was skipped or read as NULL is counted in ``HiveChunk`` so the engine can
say so in a notice; none of it is fatal.  An object that cannot be read at all raises
``LoadError`` naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from loaders.columnar import cast_column
from loaders.compression import compression_for_name
from loaders.convert import _convert_column
from loaders.objectstore import SourceObject
from loaders.parquet import plain_strings
from loaders.pipeline import _parallel
from loaders.rejects import ERR_EXTRA_FIELDS, ERR_JSON, LoadError
from loaders.spec import LoadSpec

__all__ = ["HiveChunk", "HiveFormat", "convert_lenient", "read_hive"]

BATCH_ROWS = 1 << 20
_FIELDS = re.compile(r"line has (\d+) field")


@dataclass(frozen=True)
class HiveFormat:
    """How objects are read: ``kind`` DELIMITED, CSV, JSON, REGEX, PARQUET or ORC, plus the
    SerDe's settings (already resolved from SERDEPROPERTIES / TBLPROPERTIES)."""

    kind: str
    delimiter: str = "\x01"
    quote: str = '"'
    escape: bool = False
    null_format: str = "\\N"
    skip_header: int = 0
    regex: str | None = None
    regex_ignore_case: bool = False
    # JSON (OpenX JsonSerDe): ``mapping.<column>`` = key, ``case.insensitive``, ``ignore.malformed.json``
    json_mapping: tuple[tuple[str, str], ...] = ()
    json_ignore_case: bool = True
    ignore_malformed: bool = False


@dataclass
class HiveChunk:
    """Rows of one object in the requested columns, and what did not read cleanly."""

    table: pa.Table
    filename: str
    skipped: int = 0  # rows left out (malformed records)
    nulled: int = 0  # fields read as NULL because their text did not convert
    unmatched: int = 0  # RegexSerDe lines that did not match (NULL rows)
    malformed: int = 0  # malformed JSON records read as rows of NULLs (ignore.malformed.json)


def convert_lenient(columns: list[pa.Array], spec: LoadSpec) -> tuple[list[pa.Array], int]:
    """Text columns into ``spec.types``; a value that does not convert becomes NULL.

    Returns the converted arrays and how many values were set to NULL.
    """
    out = []
    nulled = 0
    for i, arr in enumerate(columns):
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if pa.types.is_null(arr.type):
            out.append(pa.nulls(len(arr), spec.types[i]))
            continue
        col = _convert_column(arr, spec, i)
        values = col.values
        if col.bad is not None:
            nulled += int(np.count_nonzero(col.bad))
            values = pc.if_else(pa.array(col.bad), pa.scalar(None, values.type), values)
        if values.type != spec.types[i]:
            values = values.cast(spec.types[i])
        out.append(values)
    return out, nulled


def _text_spec(spec: LoadSpec, fmt: HiveFormat) -> LoadSpec:
    """The spec that reads every column as text (missing trailing fields NULL)."""
    n = spec.width
    return replace(
        spec, types=(pa.string(),) * n, lengths=(None,) * n, not_null=(), format="CSV" if fmt.kind == "CSV" else "DELIMITED",
        delimiter=fmt.delimiter, quote=fmt.quote, escape=fmt.escape and fmt.kind != "CSV", null_as=fmt.null_format,
        ignore_header=fmt.skip_header, fill_record=True, accept_inv_chars="?", empty_as_null=False, blanks_as_null=False,
    )


def _convert_spec(spec: LoadSpec, wanted: list[int]) -> LoadSpec:
    """The spec that converts the wanted columns' text (varchar values too long are cut)."""
    return replace(
        spec, names=tuple(spec.names[i] for i in wanted), types=tuple(spec.types[i] for i in wanted),
        lengths=tuple(spec.lengths[i] for i in wanted), not_null=(), truncate_columns=True, null_as=None,
        type_names=(), accept_inv_chars="?",
    )


def _schema(spec: LoadSpec, wanted: list[int]) -> pa.Schema:
    return pa.schema([pa.field(spec.names[i], spec.types[i]) for i in wanted])


def read_hive(objects: list[SourceObject], spec: LoadSpec, fmt: HiveFormat, wanted: list[int]) -> Iterator[HiveChunk]:
    """Every object's rows as chunks holding the ``wanted`` columns of ``spec`` (in that order).

    ``spec`` names every data column of the table in declaration order (text formats are
    positional); only the wanted ones are converted or read.
    """
    if not objects:
        return
    kind = fmt.kind
    if kind in ("DELIMITED", "CSV"):
        yield from _text(objects, spec, fmt, wanted)
    elif kind == "REGEX":
        yield from _regex(objects, spec, fmt, wanted)
    elif kind == "JSON":
        yield from _json(objects, spec, wanted, fmt)
    elif kind in ("PARQUET", "ORC"):
        sub = _convert_spec(spec, wanted)
        yield from _parallel(objects, lambda o: _columnar(o, sub, kind), None)
    else:
        msg = f"external table format {kind} is not supported"
        raise LoadError(msg)


def _text(objects: list[SourceObject], spec: LoadSpec, fmt: HiveFormat, wanted: list[int]) -> Iterator[HiveChunk]:
    from loaders.text import parse_text, split_text

    text_spec = _text_spec(spec, fmt)
    conv = _convert_spec(spec, wanted)
    schema = _schema(spec, wanted)

    def pieces(o: SourceObject) -> Iterator[object]:
        yield from split_text(o, replace(text_spec, compression=compression_for_name(o.path)))

    def work(piece: object) -> HiveChunk:
        chunk = parse_text(piece, text_spec)  # type: ignore[arg-type]
        extra = [int(m.group(1)) for r in chunk.rejects if r.err_code == ERR_EXTRA_FIELDS and (m := _FIELDS.match(r.reason))]
        if extra:  # Hive ignores fields beyond the last column: read this piece again, wider
            n = max(extra) - spec.width
            wide = replace(text_spec, names=text_spec.names + tuple(f"__hive_extra_{k}" for k in range(n)),
                           types=text_spec.types + (pa.string(),) * n, lengths=text_spec.lengths + (None,) * n)
            chunk = parse_text(piece, wide)  # type: ignore[arg-type]
        columns, nulled = convert_lenient([chunk.table.column(i) for i in wanted], conv)
        return HiveChunk(pa.Table.from_arrays(columns, schema=schema), chunk.filename, len(chunk.rejects), nulled)

    yield from _parallel(objects, pieces, work)


def _regex(objects: list[SourceObject], spec: LoadSpec, fmt: HiveFormat, wanted: list[int]) -> Iterator[HiveChunk]:
    from loaders.regex_reader import compile_regex, read_regex

    if not fmt.regex:
        msg = "RegexSerDe needs SERDEPROPERTIES ('input.regex' = '...')"
        raise LoadError(msg)
    rx = compile_regex(fmt.regex, spec.width, fmt.regex_ignore_case)
    conv = _convert_spec(spec, wanted)
    schema = _schema(spec, wanted)

    def pieces(o: SourceObject) -> Iterator[object]:
        yield from read_regex(o, rx, spec.width, compression_for_name(o.path), fmt.skip_header)

    def work(chunk: object) -> HiveChunk:
        columns, nulled = convert_lenient([chunk.table.column(i) for i in wanted], conv)  # type: ignore[attr-defined]
        return HiveChunk(pa.Table.from_arrays(columns, schema=schema), chunk.filename, 0, nulled, chunk.unmatched)  # type: ignore[attr-defined]

    yield from _parallel(objects, pieces, work)


def _json(objects: list[SourceObject], spec: LoadSpec, wanted: list[int], fmt: HiveFormat) -> Iterator[HiveChunk]:
    """JSON records; keys match columns case-insensitively unless ``case.insensitive`` is
    false, ``mapping.<column>`` names a column's key.  A record that is not JSON fails the
    query naming the object and line (Hive's SerDes do), or with ``ignore.malformed.json``
    reads as a row of NULLs; a record whose value does not convert is skipped (counted)."""
    from loaders.json_reader import read_json

    sub = replace(_convert_spec(spec, wanted), format="JSON", format_arg="auto ignorecase" if fmt.json_ignore_case else "auto", null_as="\\N")
    mapping = dict(fmt.json_mapping)
    names = sub.names
    keys = tuple(mapping.get(n, n).lower() if fmt.json_ignore_case else mapping.get(n, n) for n in names)
    if keys != names:
        sub = replace(sub, names=keys)
    schema = pa.schema([pa.field(n, t) for n, t in zip(names, sub.types)])

    def chunks(o: SourceObject) -> Iterator[HiveChunk]:
        for c in read_json(o, replace(sub, compression=compression_for_name(o.path))):
            table = c.table.rename_columns(list(names)) if keys != names else c.table
            bad = [r for r in c.rejects if r.err_code == ERR_JSON]
            if bad and not fmt.ignore_malformed:
                first = bad[0]
                msg = (f"malformed JSON record ({first.reason}); set SERDEPROPERTIES ('ignore.malformed.json' = 'true') "
                       f"to read such records as rows of NULLs")
                raise LoadError(msg, filename=first.filename or o.url, line_number=first.line_number, err_code=ERR_JSON)
            if bad:
                table = pa.concat_tables([table, pa.Table.from_arrays([pa.nulls(len(bad), t) for t in sub.types], schema=schema)])
            yield HiveChunk(table, c.filename, len(c.rejects) - len(bad), malformed=len(bad))

    yield from _parallel(objects, chunks, None)


def _columnar(obj: SourceObject, spec: LoadSpec, kind: str) -> Iterator[HiveChunk]:
    """One Parquet/ORC object, columns matched by name (case-insensitive)."""
    fmt = kind.lower()
    try:
        dataset = ds.dataset(obj.path, filesystem=obj.fs, format=fmt)
        schema = plain_strings(dataset.schema)
        dataset = ds.dataset(obj.path, filesystem=obj.fs, format=fmt, schema=schema)
    except (OSError, pa.ArrowException) as e:
        msg = f"cannot read {kind} object: {str(e).splitlines()[0]}"
        raise LoadError(msg, filename=obj.url) from None
    by_name = {f.name.lower(): f.name for f in schema}
    present = [by_name.get(n.lower()) for n in spec.names]
    read = [p for p in present if p is not None]
    target = pa.schema([pa.field(n, t) for n, t in zip(spec.names, spec.types)])
    try:
        if not read:  # none of the wanted columns is in the file: count the rows
            rows = dataset.count_rows()
            if rows:
                yield HiveChunk(pa.Table.from_arrays([pa.nulls(rows, t) for t in spec.types], schema=target), obj.url)
            return
        for batch in dataset.to_batches(columns=read, batch_size=BATCH_ROWS, use_threads=True):
            columns = []
            for name, source, t in zip(spec.names, present, spec.types):
                if source is None:
                    columns.append(pa.nulls(batch.num_rows, t))
                    continue
                columns.append(cast_column(batch.column(source), t, str(source), obj.url, name))
            yield HiveChunk(pa.Table.from_arrays(columns, schema=target), obj.url)
    except LoadError:
        raise
    except (OSError, pa.ArrowException) as e:
        msg = f"cannot read {kind} data: {str(e).splitlines()[0]}"
        raise LoadError(msg, filename=obj.url) from None
