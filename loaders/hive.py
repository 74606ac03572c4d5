"""Reading external tables' objects with Hive's SerDe rules, over the COPY readers.

COPY and a Hive SerDe disagree on bad input: COPY rejects a row whose field does not
convert, while Hive's LazySimpleSerDe and RegexSerDe read that field as NULL and keep the
row.  So text formats are read here in two steps: the COPY readers (``loaders.text``,
``loaders.regex_reader``) produce every field as text, and ``convert_checked`` turns text
into the declared types with ``loaders.convert``'s parsers, a value that does not convert
becoming NULL.  Athena's OpenCSVSerde and JSON SerDes fail the query on such a value instead
(``HIVE_BAD_DATA: Error parsing field value '<v>' for field <n> (<column>)``, naming the
object and line) unless ``use.null.for.invalid.data`` is true; OpenCSVSerde reads empty
non-string fields as NULL, a DATE given as a number as days and a TIMESTAMP as milliseconds
since 1970, and honours ``escapeChar`` (default ``\\``: ``\\"`` and ``\\\\`` are the
characters, a backslash before anything else is dropped, as opencsv 2.3 does).  JSON goes
through ``loaders.json_reader`` with the declared types (a string of digits converts to a
number column, a number reads as its text in a string column; a record that is not JSON
fails the query, or with ``ignore.malformed.json`` reads as a row of NULLs; OpenX's
``dots.in.keys`` reads top-level ``a.b`` as ``a_b``).  Parquet and ORC are read by column
name (case-insensitive, as Athena does), a column the file lacks reading as NULL.

Each object's compression comes from its extension (``.gz``, ``.bz2``, ``.zst``...), as Hive
decides; the ``compressionType`` table property names it for objects without one, and
``serialization.encoding`` transcodes text to UTF-8 as it streams
(``loaders.compression.hive_source``).  What was skipped or read as NULL is counted in
``HiveChunk`` so the engine can say so in a notice.  An object that cannot be read at all
raises ``LoadError`` naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from loaders.columnar import cast_column
from loaders.compression import hive_source
from loaders.convert import _convert_column
from loaders.objectstore import SourceObject
from loaders.parquet import plain_strings
from loaders.parquet_direct import NEEDS_ARROW, ColumnPlan, Decoded, decode_row_group, plan_columns
from loaders.pipeline import _parallel, gather
from loaders.row_group_stats import comparable, kept_row_groups
from loaders.rejects import ERR_EXTRA_FIELDS, ERR_JSON, LoadError, RejectedRow
from loaders.spec import LoadSpec

__all__ = ["HiveChunk", "HiveFormat", "bad_data", "convert_checked", "convert_lenient", "read_hive"]

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
    null_format: str | None = "\\N"  # None: no marker (OpenCSVSerde)
    skip_header: int = 0
    regex: str | None = None
    regex_ignore_case: bool = False
    # JSON (OpenX JsonSerDe): ``mapping.<column>`` = key, ``case.insensitive``, ``ignore.malformed.json``
    json_mapping: tuple[tuple[str, str], ...] = ()
    json_ignore_case: bool = True
    ignore_malformed: bool = False
    dots_in_keys: bool = False  # OpenX ``dots.in.keys``: a '.' in a top-level key reads as '_'
    # OpenCSVSerde ``escapeChar`` (None: no escapes); CSV and JSON values that do not convert
    # fail the query (HIVE_BAD_DATA) unless ``use.null.for.invalid.data`` makes them NULL
    csv_escape: str | None = None
    invalid_as_null: bool = False
    # ``compressionType``: the codec of objects whose extension names none (``compression_override``:
    # it wins over the extension, as Spectrum's ``compression_type`` does); ``serialization.encoding``
    # as a Python codec name (None: UTF-8)
    compression: str | None = None
    compression_override: bool = False
    encoding: str | None = None
    # LazySimpleSerDe: COLLECTION ITEMS / MAP KEYS TERMINATED BY, the separators of array/map/struct
    # values (``loaders.nested_text``; deeper levels use \004 to \010)
    collection_delim: str = "\x02"
    mapkey_delim: str = "\x03"


@dataclass
class HiveChunk:
    """Rows of one object in the requested columns, and what did not read cleanly."""

    table: pa.Table | None  # None when ``decoded`` holds the columns
    filename: str
    skipped: int = 0  # rows left out (malformed records)
    nulled: int = 0  # fields read as NULL because their text did not convert
    unmatched: int = 0  # RegexSerDe lines that did not match (NULL rows)
    malformed: int = 0  # malformed JSON records read as rows of NULLs (ignore.malformed.json)
    # Parquet/ORC, on an object's first chunk: its row groups (stripes) to read, and in all
    row_groups: tuple[int, int] | None = None
    # Parquet read by ``loaders.parquet_direct``: per requested column its values in the
    # engine's physical form (None: the file lacks the column), and the row count
    decoded: list[Decoded | None] | None = None
    rows: int = 0

    @property
    def num_rows(self) -> int:
        return self.rows if self.table is None else self.table.num_rows


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
        options={**spec.options, "hive.csv.escape": fmt.csv_escape} if fmt.kind == "CSV" and fmt.csv_escape else spec.options,
    )


def bad_data(value: str | None, field: int | None, column: str, reason: str, filename: str | None, line: int | None, code: int) -> LoadError:
    """Athena's HIVE_BAD_DATA error for a value that does not convert to its column's type."""
    shown = "" if value is None else value
    where = f"field {field} ({column})" if field is not None else f"column {column}"
    msg = (f"HIVE_BAD_DATA: Error parsing field value '{shown}' for {where}: {reason}; "
           f"TBLPROPERTIES ('use.null.for.invalid.data' = 'true') reads such values as NULL")
    return LoadError(msg, filename=filename, line_number=line, colname=column, err_code=code)


def convert_checked(
    columns: list[pa.Array], spec: LoadSpec, *, fields: list[int], filename: str, line_of: Callable[[int], int | None],
    strict: bool = True, epoch: bool = False, nested: tuple[tuple[str, ...], str | None] | None = None,
) -> tuple[list[pa.Array], int]:
    """``convert_lenient``, except that with ``strict`` a value that does not convert fails
    with HIVE_BAD_DATA naming the object, its line (``line_of(row)``) and the column
    (``fields[i]``: the column's position in the table).  ``epoch``: OpenCSVSerde's numeric
    forms, a DATE as days and a TIMESTAMP as milliseconds since 1970-01-01.  ``nested``
    (LazySimpleSerDe: the separators by nesting level and the null marker): array, map and
    struct columns are split by ``loaders.nested_text`` (their bad leaves read as NULL)."""
    out = []
    nulled = 0
    for i, arr in enumerate(columns):
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        t = spec.types[i]
        if pa.types.is_null(arr.type):
            out.append(pa.nulls(len(arr), t))
            continue
        if nested is not None and (pa.types.is_list(t) or pa.types.is_map(t) or pa.types.is_struct(t)):
            from loaders.nested_text import from_text

            values, bad = from_text(arr, t, spec, *nested)
            nulled += bad
            out.append(values)
            continue
        numeric = hit = None
        if epoch and (pa.types.is_date(t) or pa.types.is_timestamp(t)) and len(arr):
            text = arr if pa.types.is_string(arr.type) else arr.cast(pa.string())
            hit = pc.fill_null(pc.match_substring_regex(text, r"^\s*-?\d{1,15}\s*$"), False)
            if pc.any(hit).as_py():
                nums = pc.cast(pc.utf8_trim_whitespace(pc.if_else(hit, text, pa.scalar(None, pa.string()))), pa.int64())
                if pa.types.is_date(t):
                    numeric = pc.cast(nums, pa.int32()).cast(pa.date32())
                else:
                    numeric = pc.multiply(nums, 1000).cast(pa.timestamp("us")).cast(t)
                arr = pc.if_else(hit, pa.scalar(None, text.type), text)
            else:
                hit = None
        col = _convert_column(arr, spec, i)
        values = col.values
        if col.bad is not None:
            if strict:
                row = int(np.flatnonzero(col.bad)[0])
                raw = arr[row].as_py()
                raw = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
                raise bad_data(raw, fields[i], spec.names[i], col.reason, filename, line_of(row), col.code)
            nulled += int(np.count_nonzero(col.bad))
            values = pc.if_else(pa.array(col.bad), pa.scalar(None, values.type), values)
        if values.type != t:
            values = values.cast(t)
        if numeric is not None:
            values = pc.if_else(hit, numeric, values)
        out.append(values)
    return out, nulled


def _source(o: SourceObject, fmt: HiveFormat) -> tuple[SourceObject, str | None]:
    """The object to read and its compression (extension, ``compressionType``, encoding)."""
    return hive_source(o, fmt.compression, fmt.compression_override, fmt.encoding)


def _convert_spec(spec: LoadSpec, wanted: list[int]) -> LoadSpec:
    """The spec that converts the wanted columns' text (varchar values too long are cut)."""
    return replace(
        spec, names=tuple(spec.names[i] for i in wanted), types=tuple(spec.types[i] for i in wanted),
        lengths=tuple(spec.lengths[i] for i in wanted), not_null=(), truncate_columns=True, null_as=None,
        type_names=(), accept_inv_chars="?",
    )


def _schema(spec: LoadSpec, wanted: list[int]) -> pa.Schema:
    return pa.schema([pa.field(spec.names[i], spec.types[i]) for i in wanted])


def read_hive(
    objects: list[SourceObject], spec: LoadSpec, fmt: HiveFormat, wanted: list[int],
    then: Callable[[HiveChunk], Any] | None = None, row_filter: Any = None, physical: bool = False,
) -> Iterator[Any]:
    """Every object's rows as chunks holding the ``wanted`` columns of ``spec`` (in that order).

    ``spec`` names every data column of the table in declaration order (text formats are
    positional); only the wanted ones are converted or read.  ``then``, when given, is
    applied to each chunk on the thread that produced it (so the caller's per-chunk work,
    filters and partial aggregates, runs in parallel too) and its results are yielded
    instead.  ``row_filter`` (a ``pyarrow.dataset`` expression over file column names) lets
    Parquet/ORC skip row groups whose statistics show it cannot hold; rows of the groups
    read are not filtered by it.  ``physical``: Parquet row groups may come back as
    ``HiveChunk.decoded`` columns in the engine's physical form instead of a table (see
    ``loaders.parquet_direct``).
    """
    if not objects:
        return
    kind = fmt.kind
    if kind in ("DELIMITED", "CSV"):
        yield from _text(objects, spec, fmt, wanted, then)
    elif kind == "REGEX":
        yield from _regex(objects, spec, fmt, wanted, then)
    elif kind == "JSON":
        yield from _json(objects, spec, wanted, fmt, then)
    elif kind in ("PARQUET", "ORC"):
        sub = _convert_spec(spec, wanted)
        # the reader threads decode (pyarrow, its own threads too); the pool converts each
        # batch and runs ``then``, so one large object's row groups are worked on in parallel
        if physical and kind == "PARQUET":
            # row-group tasks are small and their results are all kept: no hand-off per task
            yield from gather(objects, lambda o: _parquet(o, sub, row_filter), _then_one(_finish, then))
        else:
            yield from _parallel(objects, lambda o: _columnar(o, sub, kind, row_filter), _then_one(_finish, then))
    else:
        msg = f"external table format {kind} is not supported"
        raise LoadError(msg)


def _then_each(produce: Callable[[SourceObject], Iterable[Any]], then: Callable[[Any], Any] | None) -> Callable[[SourceObject], Iterable[Any]]:
    """``produce`` with ``then`` applied to each item it yields."""
    if then is None:
        return produce
    return lambda o: (then(item) for item in produce(o))


def _then_one(work: Callable[[Any], Any], then: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """``work`` followed by ``then``."""
    if then is None:
        return work
    return lambda piece: then(work(piece))


def _text(objects: list[SourceObject], spec: LoadSpec, fmt: HiveFormat, wanted: list[int], then: Callable[[Any], Any] | None) -> Iterator[Any]:
    from loaders.nested_text import separators
    from loaders.text import parse_text, split_text

    text_spec = _text_spec(spec, fmt)
    conv = _convert_spec(spec, wanted)
    schema = _schema(spec, wanted)
    csv = fmt.kind == "CSV"  # OpenCSVSerde: a value that does not convert fails (LazySimpleSerDe: NULL)
    # LazySimpleSerDe's array/map/struct text: the separators by nesting level (COLLECTION ITEMS /
    # MAP KEYS TERMINATED BY where the format carries them, else Hive's \002 / \003) and the null marker
    seps = separators(fmt.delimiter, fmt.collection_delim, fmt.mapkey_delim)
    nested = None if csv else (seps, fmt.null_format)

    def pieces(o: SourceObject) -> Iterator[object]:
        src, comp = _source(o, fmt)
        yield from split_text(src, replace(text_spec, compression=comp))

    def work(piece: object) -> HiveChunk:
        from loaders.text import _map_lines

        used = text_spec
        chunk = parse_text(piece, text_spec)  # type: ignore[arg-type]
        extra = [int(m.group(1)) for r in chunk.rejects if r.err_code == ERR_EXTRA_FIELDS and (m := _FIELDS.match(r.reason))]
        if extra:  # Hive ignores fields beyond the last column: read this piece again, wider
            n = max(extra) - spec.width
            used = replace(text_spec, names=text_spec.names + tuple(f"__hive_extra_{k}" for k in range(n)),
                           types=text_spec.types + (pa.string(),) * n, lengths=text_spec.lengths + (None,) * n)
            chunk = parse_text(piece, used)  # type: ignore[arg-type]

        def line_of(row: int) -> int | None:  # only for an error message: find the row's line
            lines, _, _ = _map_lines(piece, used, chunk.table.num_rows, [])  # type: ignore[arg-type]
            return int(lines[row]) if row < len(lines) else None

        columns, nulled = convert_checked([chunk.table.column(i) for i in wanted], conv, fields=wanted, filename=chunk.filename,
                                          line_of=line_of, strict=csv and not fmt.invalid_as_null, epoch=csv, nested=nested)
        return HiveChunk(pa.Table.from_arrays(columns, schema=schema), chunk.filename, len(chunk.rejects), nulled)

    yield from _parallel(objects, pieces, _then_one(work, then))


def _regex(objects: list[SourceObject], spec: LoadSpec, fmt: HiveFormat, wanted: list[int], then: Callable[[Any], Any] | None) -> Iterator[Any]:
    from loaders.regex_reader import compile_regex, read_regex

    if not fmt.regex:
        msg = "RegexSerDe needs SERDEPROPERTIES ('input.regex' = '...')"
        raise LoadError(msg)
    rx = compile_regex(fmt.regex, spec.width, fmt.regex_ignore_case)
    conv = _convert_spec(spec, wanted)
    schema = _schema(spec, wanted)

    def pieces(o: SourceObject) -> Iterator[object]:
        src, comp = _source(o, fmt)
        yield from read_regex(src, rx, spec.width, comp, fmt.skip_header)

    def work(chunk: object) -> HiveChunk:
        columns, nulled = convert_lenient([chunk.table.column(i) for i in wanted], conv)  # type: ignore[attr-defined]
        return HiveChunk(pa.Table.from_arrays(columns, schema=schema), chunk.filename, 0, nulled, chunk.unmatched)  # type: ignore[attr-defined]

    yield from _parallel(objects, pieces, _then_one(work, then))


def _json(objects: list[SourceObject], spec: LoadSpec, wanted: list[int], fmt: HiveFormat, then: Callable[[Any], Any] | None) -> Iterator[Any]:
    """JSON records; keys match columns case-insensitively unless ``case.insensitive`` is
    false, ``mapping.<column>`` names a column's key, ``dots.in.keys`` reads ``a.b`` as
    ``a_b``.  A record that is not JSON fails the query naming the object and line (Hive's
    SerDes do), or with ``ignore.malformed.json`` reads as a row of NULLs.  A value that does
    not convert to its column's type (a JSON string "12" or a number converts to an int, a
    number to a string column reads as its text) fails with HIVE_BAD_DATA naming the object,
    line and column, also under ``ignore.malformed.json`` (it covers syntax only, as in
    OpenX); ``use.null.for.invalid.data`` reads it as NULL instead (counted)."""
    from loaders.json_reader import read_json

    sub = replace(_convert_spec(spec, wanted), format="JSON", format_arg="auto ignorecase" if fmt.json_ignore_case else "auto", null_as="\\N")
    if fmt.dots_in_keys or fmt.invalid_as_null:
        sub = replace(sub, options={**sub.options, "hive.dots_in_keys": fmt.dots_in_keys, "hive.invalid_as_null": fmt.invalid_as_null})
    # the engine keeps strings as dictionary codes: the JSON fast path hands them over encoded
    sub = replace(sub, options={**sub.options, "json.dictionary_strings": True})
    mapping = dict(fmt.json_mapping)
    names = sub.names

    def key(name: str) -> str:
        k = mapping.get(name, name)
        k = k.lower() if fmt.json_ignore_case else k
        return k.replace(".", "_") if fmt.dots_in_keys else k

    keys = tuple(key(n) for n in names)
    if keys != names:
        sub = replace(sub, names=keys)
    column_of = dict(zip(keys, names))
    field_of = dict(zip(names, wanted))
    schema = pa.schema([pa.field(n, t) for n, t in zip(names, sub.types)])

    def chunks(o: SourceObject) -> Iterator[HiveChunk]:
        src, comp = _source(o, fmt)
        for c in read_json(src, replace(sub, compression=comp)):
            table = c.table.rename_columns(list(names)) if keys != names else c.table
            bad = [r for r in c.rejects if r.err_code == ERR_JSON]
            if bad and not fmt.ignore_malformed:
                first = bad[0]
                msg = (f"malformed JSON record ({first.reason}); set SERDEPROPERTIES ('ignore.malformed.json' = 'true') "
                       f"to read such records as rows of NULLs")
                raise LoadError(msg, filename=first.filename or o.url, line_number=first.line_number, err_code=ERR_JSON)
            invalid = [r for r in c.rejects if r.err_code != ERR_JSON]
            if invalid and not fmt.invalid_as_null:
                r: RejectedRow = min(invalid, key=lambda x: x.line_number or 0)
                name = column_of.get(r.colname or "", r.colname or "?")
                raise bad_data(r.raw_value, field_of.get(name), name, r.reason, r.filename or o.url, r.line_number, r.err_code)
            if bad:
                table = pa.concat_tables([table, pa.Table.from_arrays([pa.nulls(len(bad), t) for t in sub.types], schema=schema)])
            yield HiveChunk(table, c.filename, 0, nulled=len(invalid), malformed=len(bad))

    yield from _parallel(objects, _then_each(chunks, then), None)


def _columnar(obj: SourceObject, spec: LoadSpec, kind: str, row_filter: Any = None) -> Iterator[HiveChunk | _Batch]:
    """One Parquet/ORC object, columns matched by name (case-insensitive); with
    ``row_filter``, Parquet row groups whose statistics rule it out are not read."""
    fmt = kind.lower()
    try:
        dataset = ds.dataset(obj.path, filesystem=obj.fs, format=fmt)
        schema = plain_strings(dataset.schema)
        by_name = {f.name.lower(): f.name for f in schema}
        present = [by_name.get(n.lower()) for n in spec.names]
        read = [p for p in present if p is not None]
        if kind == "PARQUET":
            # string columns wanted as strings are read as dictionaries: Parquet stores most
            # of them dictionary-encoded, and the engine's strings are dictionary codes, so
            # no value is copied or hashed again (several times faster than plain strings)
            strings = {src for src, t in zip(present, spec.types) if src is not None and pa.types.is_string(t)
                       and pa.types.is_string(schema.field(src).type)}
            if strings:
                schema = pa.schema([pa.field(f.name, pa.dictionary(pa.int32(), pa.string()), f.nullable) if f.name in strings else f
                                    for f in schema])
                fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=sorted(strings)))
        dataset = ds.dataset(obj.path, filesystem=obj.fs, format=fmt, schema=schema)
    except (OSError, pa.ArrowException) as e:
        msg = f"cannot read {kind} object: {str(e).splitlines()[0]}"
        raise LoadError(msg, filename=obj.url) from None
    target = pa.schema([pa.field(n, t) for n, t in zip(spec.names, spec.types)])
    try:
        if not read:  # none of the wanted columns is in the file: count the rows
            rows = dataset.count_rows()
            if rows:
                yield HiveChunk(pa.Table.from_arrays([pa.nulls(rows, t) for t in spec.types], schema=target), obj.url)
            return
        fragments = list(dataset.get_fragments())
        groups = _row_groups(fragments)
        if row_filter is not None and kind == "PARQUET":
            fragments = _pruned(fragments, schema, by_name, row_filter)
            dataset = ds.FileSystemDataset(fragments, schema, dataset.format, dataset.filesystem)
        counted: tuple[int, int] | None = (_row_groups(fragments), groups)
        for batch in dataset.to_batches(columns=read, batch_size=BATCH_ROWS, use_threads=True):
            yield _Batch(batch, obj.url, spec, present, counted)
            counted = None
        if counted is not None:  # every row group skipped
            yield HiveChunk(target.empty_table(), obj.url, row_groups=counted)
    except LoadError:
        raise
    except (OSError, pa.ArrowException) as e:
        where = _failing_row_group(dataset, read) if kind == "PARQUET" else ""
        msg = f"cannot read {kind} data{where}: {str(e).splitlines()[0]}"
        raise LoadError(msg, filename=obj.url) from None


def _parquet(obj: SourceObject, spec: LoadSpec, row_filter: Any) -> Iterator[HiveChunk | _Batch | _RowGroup]:
    """One Parquet object as row groups for ``parquet_direct`` to decode on the pool, or,
    when a wanted column is of a shape or type it does not decode, as ``_columnar`` reads it."""
    source = obj.open_random() if not isinstance(obj.fs, pafs.LocalFileSystem) else _local(obj)
    whole = _mapped_bytes(source)
    try:
        pf = pq.ParquetFile(source)
        by_name = {f.name.lower(): f.name for f in pf.schema_arrow}
        present = [by_name.get(n.lower()) for n in spec.names]
        plans = plan_columns(pf, present, list(spec.types)) if any(present) else None
    except (OSError, pa.ArrowException):
        plans = None  # _columnar says what is wrong
    if plans is None:
        yield from _columnar(obj, spec, "PARQUET", row_filter)
        return
    meta = pf.metadata
    groups = list(range(meta.num_row_groups))
    if row_filter is not None:
        groups = kept_row_groups(meta, pf.schema_arrow, by_name, row_filter, groups)
    counted: tuple[int, int] | None = (len(groups), meta.num_row_groups)
    for i in groups:
        if meta.row_group(i).num_rows == 0:
            continue
        yield _RowGroup(source, whole, meta, i, obj, spec, present, plans, counted)
        counted = None
    if counted is not None:  # every row group skipped or empty
        target = pa.schema([pa.field(n, t) for n, t in zip(spec.names, spec.types)])
        yield HiveChunk(target.empty_table(), obj.url, row_groups=counted)


def _mapped_bytes(source: Any) -> pa.Buffer | None:
    """A memory-mapped object's whole contents as one buffer, without a copy: column chunks
    are then slices of it (``read_at`` would copy every chunk's bytes, 150 us a megabyte)."""
    if not isinstance(source, pa.MemoryMappedFile):
        return None
    source.seek(0)
    return source.read_buffer()


def _local(obj: SourceObject) -> Any:
    """A local object memory-mapped: column chunks are then read without a copy."""
    try:
        return pa.memory_map(obj.path)
    except (OSError, pa.ArrowException) as e:
        msg = f"cannot read PARQUET object: {str(e).splitlines()[0]}"
        raise LoadError(msg, filename=obj.url) from None


@dataclass
class _RowGroup:
    """A Parquet row group ``parquet_direct`` decodes on the pool (``_finish``)."""

    source: Any  # the open object (pyarrow random-access file)
    whole: pa.Buffer | None  # its bytes, when it is memory-mapped
    meta: pq.FileMetaData
    index: int
    obj: SourceObject
    spec: LoadSpec
    present: list[str | None]
    plans: list[ColumnPlan | None]
    row_groups: tuple[int, int] | None


def _decode(item: _RowGroup) -> HiveChunk:
    """The row group decoded by ``parquet_direct``; the columns it leaves to pyarrow are read
    here in one call (strings as dictionaries), and a column that does not read is an error
    naming the row group."""
    meta = item.meta.row_group(item.index)
    decoded = decode_row_group(item.source if item.whole is None else item.whole, meta, item.plans)
    todo = [k for k, d in enumerate(decoded) if d is NEEDS_ARROW]
    if todo:
        names = [item.present[k] for k in todo]
        strings = [n for k, n in zip(todo, names) if pa.types.is_string(item.spec.types[k])]
        try:
            pf = pq.ParquetFile(item.source, metadata=item.meta, read_dictionary=strings)
            table = pf.read_row_group(item.index, columns=names)
        except (OSError, pa.ArrowException) as e:
            msg = f"cannot read PARQUET data in row group {item.index} of {item.meta.num_row_groups}: {str(e).splitlines()[0]}"
            raise LoadError(msg, filename=item.obj.url) from None
        for k, name in zip(todo, names):
            col = table.column(name).combine_chunks()
            t = item.spec.types[k]
            if pa.types.is_dictionary(col.type) and pa.types.is_string(t):
                if not pa.types.is_string(col.type.value_type):
                    col = pa.DictionaryArray.from_arrays(col.indices, col.dictionary.cast(pa.string()))
            else:
                col = cast_column(col, t, name, item.obj.url, item.spec.names[k])  # string_view casts too
            decoded[k] = Decoded(None, None, arrow=col)
    return HiveChunk(None, item.obj.url, row_groups=item.row_groups, decoded=decoded, rows=meta.num_rows)


def _failing_row_group(dataset: ds.Dataset, columns: list[str]) -> str:
    """`` in row group i of n`` for the first row group of ``dataset`` that does not decode
    (read again one group at a time: only on the error path), or ``""``."""
    try:
        groups = [g for f in dataset.get_fragments() for g in f.split_by_row_group()]
    except (OSError, pa.ArrowException):
        return ""
    for g in groups:
        try:
            g.to_table(columns=columns, schema=dataset.schema)
        except (OSError, pa.ArrowException):
            return f" in row group {g.row_groups[0].id} of {len(groups)}"
    return ""


@dataclass
class _Batch:
    """A batch decoded from a Parquet/ORC object, before ``_finish`` converts it."""

    batch: pa.RecordBatch
    url: str
    spec: LoadSpec
    present: list[str | None]  # per spec column: the file's column, None when missing
    row_groups: tuple[int, int] | None


def _finish(item: HiveChunk | _Batch | _RowGroup) -> HiveChunk:
    """A decoded batch as a chunk of the spec's columns and types (a missing column NULL)."""
    if isinstance(item, HiveChunk):
        return item
    if isinstance(item, _RowGroup):
        return _decode(item)
    batch, spec = item.batch, item.spec
    columns = []
    for name, source, t in zip(spec.names, item.present, spec.types):
        if source is None:
            columns.append(pa.nulls(batch.num_rows, t))
            continue
        col = batch.column(source)
        if pa.types.is_dictionary(col.type) and pa.types.is_string(t):
            columns.append(col)  # dictionary<string>: the engine takes it as it is
            continue
        columns.append(cast_column(col, t, str(source), item.url, name))
    return HiveChunk(pa.Table.from_arrays(columns, names=list(spec.names)), item.url, row_groups=item.row_groups)


def _row_groups(fragments: list[ds.Fragment]) -> int:
    """Row groups (Parquet) in the fragments; 1 a fragment otherwise (ORC)."""
    return sum(getattr(f, "num_row_groups", 1) for f in fragments)


_OPS = {"eq": "__eq__", "lt": "__lt__", "le": "__le__", "gt": "__gt__", "ge": "__ge__"}


def _pruned(fragments: list[ds.Fragment], schema: pa.Schema, by_name: dict[str, str], row_filter: list[tuple[str, str, list[Any]]]) -> list[ds.Fragment]:
    """The fragments cut to the row groups whose min/max statistics allow every
    ``(column, op, values)`` conjunct; a conjunct that cannot be expressed over the file's
    column (missing, another type) is left out, so pruning only ever reads more."""
    terms = []
    for name, op, values in row_filter:
        source = by_name.get(name.lower())
        if source is None:
            continue
        field = ds.field(source)
        try:
            ftype = schema.field(source).type
            if not all(comparable(ftype, v.type) for v in values):
                continue  # values that order otherwise in the file (text against numbers)
            scalars = [v.cast(ftype) for v in values]
            if any(x.cast(v.type) != v for x, v in zip(scalars, values)):
                continue  # the file's type cannot hold the constant exactly
        except (pa.ArrowException, TypeError, ValueError):
            continue
        if op == "in":
            terms.append(field.isin(pa.array([x.as_py() for x in scalars], ftype)))
        elif op in _OPS:
            terms.append(getattr(field, _OPS[op])(scalars[0]))
    if not terms:
        return fragments
    expr = terms[0]
    for t in terms[1:]:
        expr = expr & t
    try:
        kept = [f.subset(filter=expr) for f in fragments]
    except (pa.ArrowException, TypeError, ValueError):
        return fragments
    return [f for f in kept if f.num_row_groups]
