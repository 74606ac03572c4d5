"""COPY ... FORMAT AS JSON: objects in a stream of bytes into rows of the target columns.

Input is newline-delimited, pretty-printed or concatenated objects (Firehose writes
``{...}{...}``).  Each object is one row; its values are found by column name (``'auto'``,
exactly; ``'auto ignorecase'``, ignoring case) or by a JSONPaths file (``$.a``, ``$['b']``,
``$.c[0]``, ``$.d.e``, in column order).  Missing keys are NULL; a nested object or array
bound to a character column loads as its JSON text; bound to a nested (list/map/struct)
target, as external tables' array/map/struct columns are, it is conformed to that type
(``loaders.nested``: pyarrow parses it where it can, a value of another shape is a rejected
row; with ``ignorecase`` every key is matched ignoring case, map keys lower-cased too).

How it is fast: a step of newline-delimited input (every line ``{...}``, checked by
``kernels.json_split.ndjson_lines``) goes straight to pyarrow, whose parse is the check; any
other step, or one pyarrow refuses, is scanned by ``kernels.json_split.scan_records``, which
finds the records and lays them out one per line.  Steps are parsed two at a time, in
order.  ``pyarrow.json`` parses with an explicit schema (numbers straight into int64, exact
decimals, doubles and booleans; character, date and timestamp values as text, which
``loaders.convert`` turns into the target types by Redshift's rules).  Only a piece of input
that pyarrow refuses is parsed record by record (Python's ``json``, numbers kept as their
text so decimals stay exact), after bisecting it to the bad records when they are few.  A
record that is not valid JSON is a rejected row (error 1224) with its line number.

Faster still (``_Reader._fast``): when every column is a top-level key of type integer,
float, string or timestamp and no option changes how text converts, each step is first read
by ``kernels.json_fields`` straight from its bytes (the records found in the same pass, the
step cut where its last whole record may end; strings dictionary-encoded when the spec's options carry
``json.dictionary_strings``, as external tables' do).  A step holding anything that path does
not take exactly as the one above would goes the way above instead; after two such steps an
object is read that way from the start.
"""

from __future__ import annotations

import json
import os
import queue
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from kernels.json_fields import count_lines, record_cut
from kernels.json_split import ARRAY, MALFORMED, OK, join_records, ndjson_lines, scan_records
from kernels.nested import lower_object_keys
from loaders import rejects as R
from loaders.compression import fill, open_stream
from loaders.convert import convert_text
from loaders.nested import NestedMismatch, column_from_records, conform, conform_py, is_nested, json_read_type
from loaders.objectstore import Credentials, SourceObject, read_bytes
from loaders.rejects import LoadError, RejectedRow
from loaders.spec import LoadedChunk, LoadSpec

__all__ = ["CHUNK_BYTES", "MAX_RECORD", "parse_jsonpath", "read_json"]

CHUNK_BYTES = 32 << 20  # decompressed bytes read per step
MAX_RECORD = 4 << 20  # Redshift's limit on one JSON object
_MIN_BISECT = 256  # a failing piece with fewer records is parsed record by record
_MAX_RAW = 1024  # stl_load_errors.raw_line is char(1024)
_PARSE_AHEAD = 2  # steps parsed at once per object

Step = str | int


_DONE = object()


@dataclass
class _Failure:
    error: BaseException


class _Refused(Exception):
    """pyarrow refused a step taken for newline-delimited on a quick look: scan it properly."""


class _Number(str):
    """A JSON number kept as its text (so decimals are exact and VARCHAR gets the digits)."""


def _bad_constant(name: str) -> Any:
    msg = f"invalid JSON value {name}"
    raise ValueError(msg)


def read_json(obj: SourceObject, spec: LoadSpec, creds: Credentials | None = None) -> Iterator[LoadedChunk]:
    """Read one object's JSON records as chunks of the target schema, streaming.

    Raises
    ------
    LoadError
        The input is a top-level array, the JSONPaths file is missing or invalid (or has a
        different number of paths than there are columns), or the object cannot be read.
    """
    paths, lower = _paths_for(spec, creds)
    yield from _Reader(obj, spec, paths, lower).chunks()


# ----------------------------------------------------------------------------- paths
_STEP = re.compile(r"""\.([^.\[\]]+)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\]""")


def parse_jsonpath(expr: str) -> tuple[Step, ...]:
    """The steps of a JSONPath expression as Redshift's jsonpaths files write them.

    >>> parse_jsonpath("$.a.b[0]['c d']")
    ('a', 'b', 0, 'c d')

    Raises
    ------
    ValueError
        The expression is not ``$`` followed by ``.name``, ``['name']`` or ``[n]`` steps.
    """
    text = expr.strip()
    if not text.startswith("$") or len(text) == 1:
        msg = f"invalid JSONPath expression {expr!r} (expected $.name, $['name'] or $.name[n])"
        raise ValueError(msg)
    steps: list[Step] = []
    pos = 1
    while pos < len(text):
        m = _STEP.match(text, pos)
        if m is None:
            msg = f"invalid JSONPath expression {expr!r} at character {pos + 1}"
            raise ValueError(msg)
        name, single, double, index = m.groups()
        if index is not None:
            steps.append(int(index))
        else:
            raw = name if name is not None else single if single is not None else double
            steps.append(re.sub(r"\\(.)", r"\1", raw))
        pos = m.end()
    if isinstance(steps[0], int):
        msg = f"invalid JSONPath expression {expr!r}: records are objects, so the path must start with a name"
        raise ValueError(msg)
    return tuple(steps)


def _paths_for(spec: LoadSpec, creds: Credentials | None) -> tuple[list[tuple[Step, ...]], bool]:
    arg = (spec.format_arg or "auto").strip()
    low = arg.lower()
    if low == "auto":
        return [(name,) for name in spec.names], False
    if low == "auto ignorecase":
        return [(name.lower(),) for name in spec.names], True
    raw = read_bytes(arg, creds)
    try:
        doc = json.loads(raw)
    except ValueError as e:
        msg = f"the JSONPaths file is not valid JSON: {e}"
        raise LoadError(msg, filename=arg, err_code=R.ERR_JSON) from None
    exprs = doc.get("jsonpaths") if isinstance(doc, dict) else None
    if not isinstance(exprs, list) or not all(isinstance(x, str) for x in exprs):
        msg = 'the JSONPaths file must be an object {"jsonpaths": ["$.a", ...]}'
        raise LoadError(msg, filename=arg, err_code=R.ERR_JSON)
    if len(exprs) != spec.width:
        msg = f"the JSONPaths file has {len(exprs)} path(s) but COPY loads {spec.width} column(s); the counts must match"
        raise LoadError(msg, filename=arg, err_code=R.ERR_JSON)
    try:
        return [parse_jsonpath(x) for x in exprs], False
    except ValueError as e:
        raise LoadError(str(e), filename=arg, err_code=R.ERR_JSON) from None


def _read_type(t: pa.DataType) -> pa.DataType | None:
    """The type pyarrow parses a column's JSON values as (text for what convert_text does);
    None for a nested type pyarrow cannot parse (a map: the record-by-record path)."""
    if is_nested(t):
        return json_read_type(t)
    if pa.types.is_integer(t):
        return pa.int64()
    if pa.types.is_decimal(t) or pa.types.is_boolean(t):
        return t
    if pa.types.is_floating(t):
        return pa.float64()
    return pa.string()


@dataclass
class _Node:
    """One level of the schema pyarrow reads: a leaf type, an object (fields) or a list."""

    leaf: pa.DataType | None = None
    fields: dict[str, _Node] | None = None
    element: _Node | None = None

    def arrow(self) -> pa.DataType:
        if self.leaf is not None:
            return self.leaf
        if self.element is not None:
            return pa.list_(self.element.arrow())
        return pa.struct([pa.field(k, v.arrow()) for k, v in (self.fields or {}).items()])


def _read_schema(paths: list[tuple[Step, ...]], types: tuple[pa.DataType, ...]) -> pa.Schema | None:
    """The explicit schema covering every path, or None when paths conflict (a name used
    as both a value and an object, two types for one place): then every record goes the
    slow way."""
    root = _Node(fields={})
    for path, t in zip(paths, types):
        if _from_text(path, t):
            continue  # built from the records' text (loaders.nested.from_spans), not by pyarrow
        node = root
        for k, step in enumerate(path):
            last = k == len(path) - 1
            if node.leaf is not None:
                return None
            if isinstance(step, int):
                if node.fields:
                    return None
                node.element = node.element or _Node()
                child = node.element
            else:
                if node.element is not None:
                    return None
                if node.fields is None:
                    node.fields = {}
                child = node.fields.setdefault(step, _Node())
            if last:
                want = _read_type(t)
                if want is None:
                    return None
                if child.fields is not None or child.element is not None or (child.leaf is not None and child.leaf != want):
                    return None
                child.leaf = want
            node = child
        if node is root:
            return None
    if not root.fields:
        return None
    return pa.schema([pa.field(k, v.arrow()) for k, v in (root.fields or {}).items()])


def _from_text(path: tuple[Step, ...], t: pa.DataType) -> bool:
    """A nested column pyarrow cannot parse (a map inside) under a top-level key."""
    return len(path) == 1 and isinstance(path[0], str) and is_nested(t) and json_read_type(t) is None


def _extract(table: pa.Table, path: tuple[Step, ...]) -> pa.Array:
    """The values at ``path`` in pyarrow's parse (NULL where a list is too short)."""
    arr: Any = table.column(path[0]).combine_chunks() if table.num_columns else None
    for step in path[1:]:
        if isinstance(step, str):
            valid = arr.is_valid()
            child = arr.field(step)
            arr = child if arr.null_count == 0 else pc.if_else(valid, child, pa.scalar(None, child.type))
        else:
            n = len(arr)
            lengths = pc.list_value_length(arr).fill_null(0).to_numpy(zero_copy_only=False)
            offsets = arr.offsets.to_numpy(zero_copy_only=False)[:n]
            has = lengths > step
            pos = np.where(has, offsets + step, 0)
            values = arr.values
            if len(values) == 0:
                arr = pa.nulls(n, values.type)
                continue
            taken = values.take(pa.array(pos))
            arr = pc.if_else(pa.array(has), taken, pa.scalar(None, values.type))
    return arr


# ---------------------------------------------------------------------------- reader
class _Reader:
    """One object's records, chunk by chunk."""

    def __init__(self, obj: SourceObject, spec: LoadSpec, paths: list[tuple[Step, ...]], lower: bool) -> None:
        self.obj = obj
        self.spec = spec
        self.paths = paths
        self.lower = lower
        self.schema = _read_schema(paths, spec.types)
        self.text_spec = replace(spec, null_as=None)  # JSON null is NULL; no NULL AS marker
        self.target = pa.schema([pa.field(n, t) for n, t in zip(spec.names, spec.types)])
        self.parse_options = pj.ParseOptions(explicit_schema=self.schema, unexpected_field_behavior="ignore") if self.schema is not None else None
        # external tables (loaders.hive): OpenX ``dots.in.keys`` maps '.' in top-level keys to
        # '_' (join_records' key mode 2, lower-casing is 1); ``use.null.for.invalid.data`` keeps a
        # record whose value does not convert, that value NULL (still reported as a reject)
        opts = spec.options or {}
        if opts.get("hive.dots_in_keys"):
            self.lower = int(lower) | 2
        self.lenient = bool(opts.get("hive.invalid_as_null"))
        # flat records of plain columns: parsed by kernels.json_fields, no pyarrow (see _fast)
        self.fast = _fast_plan(spec, paths, self.lower, self.parse_options is not None)
        self._fast_misses = 0
        # newline-delimited steps skip the record scan: pyarrow's parse (or the fast path's) is the check
        self.quick = self.parse_options is not None and (not self.lower or self.fast is not None)
        # struct fields inside nested (array/map/struct) columns match keys ignoring case too
        lower_keys = [p[0] for p, t in zip(paths, spec.types) if is_nested(t) and len(p) == 1 and isinstance(p[0], str)]
        self.lower_all = bool(int(self.lower) & 1) and bool(lower_keys)
        raw_keys = [json.dumps(k, ensure_ascii=False)[1:-1].encode() for k in lower_keys]
        self.lower_kdata = np.frombuffer(b"".join(raw_keys) or b" ", np.uint8)
        self.lower_koffs = np.concatenate([[0], np.cumsum([len(k) for k in raw_keys])]).astype(np.int64)
        # every column a map-holding nested one: built from the records' text, no pyarrow parse
        self.text_only = self.schema is None and all(_from_text(p, t) for p, t in zip(paths, spec.types))

    def chunks(self) -> Iterator[LoadedChunk]:
        compressed = self.spec.compression is not None
        pending: LoadedChunk | None = None
        for chunk in self._in_order(compressed):
            if pending is not None:
                yield pending
            pending = chunk
        if pending is None:
            pending = LoadedChunk(self.target.empty_table(), [], self.obj.url, 0, 0)
        if compressed:
            pending.nbytes = self.obj.size  # compressed positions are unknown while streaming
        yield pending

    def _in_order(self, compressed: bool) -> Iterator[LoadedChunk]:
        """Each step's chunk, in order.  Steps parse on a small pool, a step ahead, so that
        pyarrow's parse of one overlaps the conversion of the one before.  A quick step that
        pyarrow refuses is scanned properly here; when its last record runs on past the
        step (input that is not newline-delimited after all), the bytes left over go in
        front of the next step, which is then scanned here as well."""
        inflight: deque[tuple[tuple[Any, ...], Future[LoadedChunk | None]]] = deque()
        pool = ThreadPoolExecutor(max_workers=_PARSE_AHEAD, thread_name_prefix="json-parse")
        left: np.ndarray | None = None  # bytes of an unfinished record carried between steps
        left_line = 1

        def settle(item: tuple[Any, ...], fut: Future[LoadedChunk | None]) -> LoadedChunk:
            nonlocal left, left_line
            buf, res, line_base, nbytes, final, _ = item
            own = np.frombuffer(buf, np.uint8)[: int(res[4])]
            if left is None:
                chunk = fut.result()
                if chunk is not None:
                    return chunk
                data = own
            else:
                fut.cancel()
                data = np.concatenate([left, own])
                line_base = left_line
            r = scan_records(data, final, MAX_RECORD)
            used = int(r[4])
            left = data[used:] if used < len(data) else None
            left_line = line_base + int(r[5])
            return self._chunk(data, r, line_base, 0 if compressed else nbytes, False)

        try:
            for item in self._scanned():
                buf, res, line_base, nbytes, _, quick = item
                inflight.append((item, pool.submit(self._chunk, buf, res, line_base, 0 if compressed else nbytes, quick)))
                if len(inflight) >= _PARSE_AHEAD:
                    yield settle(*inflight.popleft())
            while inflight:
                yield settle(*inflight.popleft())
            if left is not None and bytes(left).strip():
                r = scan_records(left, True, MAX_RECORD)
                yield self._chunk(left, r, left_line, 0, False)
        finally:
            for _, f in inflight:
                f.cancel()
            pool.shutdown(wait=True)

    def _scanned(self) -> Iterator[tuple[bytes | np.ndarray, tuple[Any, ...], int, int, bool, bool]]:
        """(buffer, scan result, first line number, bytes, final, quick) per step, read and
        scanned one step ahead on a helper thread (I/O, decompression and the scan release
        the GIL).  A quick step passed ``ndjson_lines``' look instead of the scan: its result
        has the scan's shape (one OK record per line)."""
        q: queue.Queue[Any] = queue.Queue(maxsize=1)
        stop = threading.Event()

        def put(item: Any) -> bool:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            try:
                carry = b""
                line_base = 1
                first = True
                eof = False
                stream = open_stream(self.obj, self.spec.compression)
                try:
                    while not eof:
                        # read straight into the step's own buffer, behind the carried record
                        # (np.empty, not bytearray: zero-filling 32 MB first costs more than the read)
                        buf = np.empty(len(carry) + CHUNK_BYTES, np.uint8)
                        buf[: len(carry)] = np.frombuffer(carry, np.uint8)
                        got = fill(stream, memoryview(buf)[len(carry) :], self.obj, self.spec.compression)
                        eof = got < CHUNK_BYTES
                        buf = buf[: len(carry) + got]
                        if first:
                            first = False
                            if bytes(buf[:3]) == b"\xef\xbb\xbf":
                                buf = buf[3:]
                        if not len(buf):
                            carry = b""
                            break
                        quick = False
                        if self.quick and self.fast is not None:
                            # the fast path finds the records as it parses them (_chunk): the
                            # step ends where its last whole record may end (a guess it checks)
                            cut = len(buf) if eof else int(record_cut(buf))
                            if cut > 0:
                                res = (None, None, None, None, cut, int(count_lines(buf[:cut])[0]), True)
                                quick = True
                        elif self.quick:
                            starts, ends, cut = ndjson_lines(buf, MAX_RECORD)
                            if cut > 0:
                                n = len(starts)
                                res = (starts, ends, np.arange(n, dtype=np.int64), np.zeros(n, np.int8), cut, n, True)
                                quick = True
                        if not quick:
                            res = scan_records(buf, False, MAX_RECORD)
                        consumed = int(res[4])
                        if (res[0] is None or len(res[0])) and not put((buf, res, line_base, consumed, False, quick)):
                            return
                        line_base += int(res[5])
                        carry = bytes(buf[consumed:])
                finally:
                    stream.close()
                if carry.strip():
                    res = scan_records(np.frombuffer(carry, np.uint8), True, MAX_RECORD)
                    if not put((carry, res, line_base, len(carry), True, False)):
                        return
                put(_DONE)
            except BaseException as e:  # noqa: BLE001 - handed to the consuming thread
                put(_Failure(e))

        worker = threading.Thread(target=produce, name=f"json-scan {self.obj.url}", daemon=True)
        worker.start()
        try:
            while True:
                item = q.get()
                if item is _DONE:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                yield item
        finally:
            stop.set()
            worker.join()

    def _chunk(self, buf: bytes | np.ndarray, res: tuple[Any, ...], line_base: int, nbytes: int, quick: bool) -> LoadedChunk | None:
        """The step's records converted; None for a quick step pyarrow refuses."""
        url = self.obj.url
        fast = self.fast is not None
        if res[0] is None:  # a quick step for the fast path: records not found yet
            data = np.frombuffer(buf, np.uint8)[: int(res[4])]
            table = self._fast(data, None, None)
            if table is not None:
                return LoadedChunk(table, [], url, nbytes, table.num_rows)
            starts, ends, cut = ndjson_lines(data, MAX_RECORD)
            if cut != len(data) or self.lower:
                return None  # scanned properly by the caller, then the general path
            n = len(starts)
            res = (starts, ends, np.arange(n, dtype=np.int64), np.zeros(n, np.int8), cut, n, True)
            fast = False
        starts, ends, lines, flags = res[:4]
        if (flags == ARRAY).any():
            k = int(np.flatnonzero(flags == ARRAY)[0])
            msg = "the JSON input is an array ('[' at the top level); COPY ... JSON reads objects one after another ({...}{...} or one per line), not an array of them"
            raise LoadError(msg, filename=url, line_number=line_base + int(lines[k]), err_code=R.ERR_JSON)
        ok = flags == OK
        if fast and ok.all():
            table = self._fast(np.frombuffer(buf, np.uint8), starts, ends)
            if table is not None:
                return LoadedChunk(table, [], url, nbytes, len(flags))
            if quick and self.lower:
                return None  # scanned properly, then the general path (which lower-cases keys)
        rejects: list[RejectedRow] = []
        for k in np.flatnonzero(~ok):
            raw = bytes(buf[int(starts[k]) : int(ends[k])]).decode("utf-8", "replace").rstrip()[:_MAX_RAW]
            if flags[k] == MALFORMED:
                reason = "malformed JSON record (unterminated string or object, a missing ',', or longer than 4 MB)"
            else:
                reason = "not a JSON object: each record must be an object {...}"
            rejects.append(RejectedRow(url, line_base + int(lines[k]), None, None, reason, R.ERR_JSON, raw, None))
        ok_lines = (line_base + lines[ok]).astype(np.int64)
        data = np.frombuffer(buf, np.uint8)
        if res[6] and not self.lower:
            # newline-delimited already: pyarrow reads the input itself; record k spans
            # [starts[k], starts[k + 1]) give or take whitespace between them
            offsets = np.empty(len(starts) + 1, np.int64)
            offsets[:-1] = starts
            offsets[-1] = ends[-1] + 1 if len(ends) else 0
            out = data[: max(int(offsets[-1]), 0)] if len(ends) and int(offsets[-1]) <= len(data) else np.concatenate([data, np.array([10], np.uint8)])
        else:
            out, offsets = join_records(data, starts, ends, flags, self.lower)
            if self.lower_all:
                lower_object_keys(out, self.lower_kdata, self.lower_koffs)
        try:
            table, more = self._convert(out, offsets, ok_lines, quick)
        except _Refused:
            return None
        if rejects and more:
            rejects = sorted(rejects + more, key=lambda r: r.line_number or 0)
        else:
            rejects = rejects or more
        return LoadedChunk(table, rejects, url, nbytes, len(flags))

    # ------------------------------------------------------------------ conversion
    def _fast(self, data: np.ndarray, starts: np.ndarray | None, ends: np.ndarray | None) -> pa.Table | None:
        """The records' columns by ``kernels.json_fields.extract_fields``; None when some
        record or value is not one it handles exactly as the general path would (then that
        path reads the step).  Without ``starts``, ``data`` is whole records one after another
        (``extract_records`` finds them).
        String columns come back dictionary-encoded when the spec's options ask for it
        (``json.dictionary_strings``: the engine keeps strings as codes)."""
        from kernels.json_fields import C_FLOAT, C_INT, C_STRING, extract_fields, extract_records, gather_spans

        plan = self.fast
        if plan is None:
            return None
        keys, key_offsets, ctypes = plan
        if not data.flags.writeable:  # the last bytes of an object: one array type to compile
            data = data.copy()
        if starts is None:
            failed, ints, floats, spans, valid, _, ndict, n = extract_records(data, keys, key_offsets, ctypes, int(self.lower) & 1, MAX_RECORD)
        else:
            failed, ints, floats, spans, valid, _, ndict = extract_fields(data, starts, ends, keys, key_offsets, ctypes, int(self.lower) & 1, MAX_RECORD)
            n = len(starts)
        if failed >= 0:
            return self._missed()
        ints, floats, valid = ints[:, :n], floats[:, :n], valid[:, :n]
        dictionary = bool((self.spec.options or {}).get("json.dictionary_strings"))
        columns = []
        kinds = {C_FLOAT: 0, C_STRING: 0, C_INT: 0}  # columns of each kind so far
        for j, t in enumerate(self.spec.types):
            v = valid[j]
            validity = None if v.all() else pa.py_buffer(np.packbits(v, bitorder="little"))
            ct = int(ctypes[j])
            k = kinds[C_FLOAT] if ct == C_FLOAT else kinds[C_INT]  # ints: every kind but floats
            kinds[C_FLOAT if ct == C_FLOAT else C_INT] += 1
            if ct == C_STRING:
                s = kinds[C_STRING]
                kinds[C_STRING] += 1
                nd = int(ndict[s])
                lo, hi = spans[s, 0, :nd], spans[s, 1, :nd]  # each distinct value's bytes
                limit = self.spec.lengths[j] if j < len(self.spec.lengths) else None
                if limit is not None and nd and int((hi - lo).max()) > limit:
                    return self._missed()  # cut to the length by the general path's rules
                if dictionary:
                    offs, chars = gather_spans(data, lo, hi, np.ones(nd, np.bool_))
                    values = pa.Array.from_buffers(pa.string(), nd, [None, pa.py_buffer(offs), pa.py_buffer(chars)])
                    indices = pa.Array.from_buffers(pa.int32(), n, [validity, pa.py_buffer(ints[k].astype(np.int32))])
                    columns.append(pa.DictionaryArray.from_arrays(indices, values))
                    continue
                codes = ints[k] if nd else np.zeros(n, np.int64)
                if not nd:
                    lo = hi = np.zeros(1, np.int64)
                offs, chars = gather_spans(data, lo[codes], hi[codes], v)
                columns.append(pa.Array.from_buffers(pa.string(), n, [validity, pa.py_buffer(offs), pa.py_buffer(chars)]))
            elif ct == C_INT:
                x = ints[k]
                if t.bit_width < 64:
                    lo_v, hi_v = -(1 << (t.bit_width - 1)), (1 << (t.bit_width - 1)) - 1
                    if n and (int(x.min()) < lo_v or int(x.max()) > hi_v):
                        return self._missed()  # out of range: rejected by the general path
                columns.append(pa.Array.from_buffers(t, n, [validity, pa.py_buffer(x.astype(t.to_pandas_dtype()))]))
            elif ct == C_FLOAT:
                x = floats[k]
                if pa.types.is_float32(t):
                    x = x.astype(np.float32)
                    if np.isinf(x).any():
                        return self._missed()  # beyond REAL's range: rejected by the general path
                columns.append(pa.Array.from_buffers(t, n, [validity, pa.py_buffer(np.ascontiguousarray(x))]))
            else:
                columns.append(pa.Array.from_buffers(t, n, [validity, pa.py_buffer(np.ascontiguousarray(ints[k]))]))
        return pa.Table.from_arrays(columns, names=list(self.spec.names))

    def _missed(self) -> None:
        """A step the fast path could not take.  After two, this object's remaining steps go
        the general way from the start (as before the fast path), so input it never takes
        (non-ASCII names, other timestamp forms...) pays for at most two wasted passes."""
        self._fast_misses += 1
        if self._fast_misses >= 2:
            self.fast = None
            self.quick = self.parse_options is not None and not self.lower
        return None

    def _convert(self, out: np.ndarray, offsets: np.ndarray, lines: np.ndarray, quick: bool = False) -> tuple[pa.Table, list[RejectedRow]]:
        tables: list[pa.Table] = []
        rejects: list[RejectedRow] = []
        self._piece(out, offsets, lines, 0, len(offsets) - 1, tables, rejects, quick)
        if not tables:
            return self.target.empty_table(), rejects
        return (tables[0] if len(tables) == 1 else pa.concat_tables(tables)), rejects

    def _piece(self, out: np.ndarray, offsets: np.ndarray, lines: np.ndarray, lo: int, hi: int, tables: list[pa.Table], rejects: list[RejectedRow], quick: bool = False) -> None:
        if hi <= lo:
            return
        if self.parse_options is not None:
            data = pa.py_buffer(out[offsets[lo] : offsets[hi]])
            try:
                # bigger blocks parse faster; keep at least two per thread for balance
                block = min(16 << 20, max(1 << 20, len(data) // (2 * (os.cpu_count() or 1))))
                parsed = pj.read_json(pa.BufferReader(data), read_options=pj.ReadOptions(block_size=block), parse_options=self.parse_options)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
                if quick:
                    raise _Refused from None
                # a type that differs everywhere (numbers in a VARCHAR column) is not worth
                # bisecting; a few malformed records are
                systemic = "changed from" in str(e)
                if hi - lo > _MIN_BISECT and not systemic:
                    mid = (lo + hi) // 2
                    self._piece(out, offsets, lines, lo, mid, tables, rejects)
                    self._piece(out, offsets, lines, mid, hi, tables, rejects)
                    return
            else:
                if parsed.num_rows == hi - lo:
                    try:
                        t, r = self._typed(parsed, out, offsets, lines, lo, hi)
                    except NestedMismatch:
                        pass  # a nested value that does not fit its type: record by record, below
                    else:
                        tables.append(t)
                        rejects.extend(r)
                        return
                if quick:
                    raise _Refused
        elif self.text_only:
            try:
                t, r = self._typed(pa.table({}), out, offsets, lines, lo, hi)
            except NestedMismatch:
                pass  # record by record, below
            else:
                tables.append(t)
                rejects.extend(r)
                return
        t, r = self._records(out, offsets, lines, lo, hi)
        tables.append(t)
        rejects.extend(r)

    def _raw_line(self, out: np.ndarray, offsets: np.ndarray, lo: int) -> Callable[[int], str]:
        def raw(row: int) -> str:
            a, b = int(offsets[lo + row]), int(offsets[lo + row + 1]) - 1
            return bytes(out[a:b]).decode("utf-8", "replace").rstrip()[:_MAX_RAW]

        return raw

    def _typed(self, parsed: pa.Table, out: np.ndarray, offsets: np.ndarray, lines: np.ndarray, lo: int, hi: int) -> tuple[pa.Table, list[RejectedRow]]:
        """pyarrow's parse into the target: numbers checked natively, text by convert_text."""
        n = hi - lo
        spec = self.spec
        arrays: dict[int, pa.Array] = {}
        bad: dict[int, RejectedRow] = {}
        raw_line = self._raw_line(out, offsets, lo)
        text_cols: list[int] = []
        for i, (path, t) in enumerate(zip(self.paths, spec.types)):
            if _from_text(path, t):  # a map inside: built from the records' text
                arrays[i] = column_from_records(out, offsets, lo, hi, path[0], t, spec.names[i])
                continue
            a = _extract(parsed, path)
            if pa.types.is_integer(t) and t.bit_width < 64:
                lo_v, hi_v = -(1 << (t.bit_width - 1)), (1 << (t.bit_width - 1)) - 1
                v = a.fill_null(0).to_numpy(zero_copy_only=False)
                out_of_range = (v < lo_v) | (v > hi_v)
                if out_of_range.any():
                    for row in np.flatnonzero(out_of_range):
                        bad.setdefault(int(row), RejectedRow(self.obj.url, int(lines[lo + row]), spec.names[i], str(v[row]), f"integer out of range for {t}", R.ERR_INTEGER, raw_line(int(row)), None))
                    a = pc.if_else(pa.array(~out_of_range), a, pa.scalar(None, a.type))
                arrays[i] = a.cast(t)
            elif pa.types.is_float32(t):
                f32 = a.cast(t, safe=False)
                big = np.isinf(f32.fill_null(0).to_numpy(zero_copy_only=False)) & ~np.isinf(a.fill_null(0).to_numpy(zero_copy_only=False))
                for row in np.flatnonzero(big):
                    bad.setdefault(int(row), RejectedRow(self.obj.url, int(lines[lo + row]), spec.names[i], str(a[int(row)].as_py()), "value out of range for real", R.ERR_FLOAT, raw_line(int(row)), None))
                if big.any():
                    f32 = pc.if_else(pa.array(~big), f32, pa.scalar(None, t))
                arrays[i] = f32
            elif is_nested(t):
                arrays[i] = conform(a, t, spec.names[i])
            elif pa.types.is_string(_read_type(t)):
                text_cols.append(i)
                arrays[i] = a
            else:
                arrays[i] = a if a.type == t else a.cast(t)
        not_null = spec.not_null or ()
        for i, required in enumerate(not_null):
            if required and i not in text_cols and arrays[i].null_count:
                for row in np.flatnonzero(~arrays[i].is_valid().to_numpy(zero_copy_only=False)):
                    bad.setdefault(int(row), RejectedRow(self.obj.url, int(lines[lo + row]), spec.names[i], None, "missing data for not-null field", R.ERR_NOT_NULL, raw_line(int(row)), None))
        return self._assemble(n, arrays, text_cols, bad, lines[lo:hi], raw_line)

    def _records(self, out: np.ndarray, offsets: np.ndarray, lines: np.ndarray, lo: int, hi: int) -> tuple[pa.Table, list[RejectedRow]]:
        """The slow way: each record through Python's json, values as text."""
        n = hi - lo
        raw_line = self._raw_line(out, offsets, lo)
        columns: list[list[Any]] = [[None] * n for _ in self.paths]
        bad: dict[int, RejectedRow] = {}
        nested = {i for i, t in enumerate(self.spec.types) if is_nested(t)}
        view = memoryview(out)
        for row in range(n):
            a, b = int(offsets[lo + row]), int(offsets[lo + row + 1]) - 1
            try:
                doc = json.loads(bytes(view[a:b]), parse_float=_Number, parse_int=_Number, parse_constant=_bad_constant)
            except (ValueError, RecursionError) as e:
                reason = f"malformed JSON: {e.msg} at character {e.pos + 1}" if isinstance(e, json.JSONDecodeError) else f"malformed JSON: {e}"
                bad[row] = RejectedRow(self.obj.url, int(lines[lo + row]), None, None, reason, R.ERR_JSON, raw_line(row), None)
                continue
            for i, path in enumerate(self.paths):
                if i not in nested:
                    columns[i][row] = _as_text(_lookup(doc, path))
                    continue
                value = _lookup(doc, path)
                try:  # array/map/struct: the value conformed to the declared type
                    columns[i][row] = conform_py(value, self.spec.types[i], self.spec.names[i])
                except NestedMismatch as e:
                    bad.setdefault(row, RejectedRow(self.obj.url, int(lines[lo + row]), self.spec.names[i], (_as_text(value) or "")[:_MAX_RAW], str(e), R.ERR_GENERAL, raw_line(row), None))
        arrays = {i: pa.array(col, self.spec.types[i]) if i in nested else pa.array(col, pa.string())
                  for i, col in enumerate(columns)}
        text_cols = [i for i in range(len(self.paths)) if i not in nested]
        return self._assemble(n, arrays, text_cols, bad, lines[lo:hi], raw_line)

    def _assemble(self, n: int, arrays: dict[int, pa.Array], text_cols: list[int], bad: dict[int, RejectedRow], lines: np.ndarray, raw_line: Callable[[int], str]) -> tuple[pa.Table, list[RejectedRow]]:
        """Columns of ``n`` rows into the target table, dropping every row that failed."""
        spec = self.text_spec
        text_bad = np.zeros(n, dtype=np.bool_)
        converted: dict[int, pa.Array] = {}
        if self.lenient:
            return self._assemble_lenient(n, arrays, text_cols, bad, lines, raw_line)
        if text_cols:
            sub = _columns_of(spec, text_cols)
            # rows are numbered 0..n-1 here so that rejects map back to rows
            table, rejects = convert_text([arrays[i] for i in text_cols], sub, filename=self.obj.url, line_numbers=np.arange(n, dtype=np.int64), raw_line=raw_line)
            for r in rejects:
                row = int(r.line_number or 0)
                text_bad[row] = True
                if row not in bad:
                    bad[row] = replace(r, line_number=int(lines[row]))
            for k, i in enumerate(text_cols):
                converted[i] = table.column(k).combine_chunks()
        keep = np.ones(n, dtype=np.bool_)
        if bad:
            keep[list(bad)] = False
        columns = []
        keep_mask = pa.array(keep) if not keep.all() else None
        text_keep = pa.array(keep[~text_bad]) if keep_mask is not None else None
        for i in range(self.spec.width):
            if i in converted:
                a = converted[i]
                if text_keep is not None:
                    a = a.filter(text_keep)
            else:
                a = arrays[i]
                if keep_mask is not None:
                    a = a.filter(keep_mask)
            columns.append(a)
        rejected = [bad[row] for row in sorted(bad)]
        return pa.Table.from_arrays(columns, schema=self.target), rejected

    def _assemble_lenient(self, n: int, arrays: dict[int, pa.Array], text_cols: list[int], bad: dict[int, RejectedRow], lines: np.ndarray, raw_line: Callable[[int], str]) -> tuple[pa.Table, list[RejectedRow]]:
        """``_assemble`` where a value that does not convert is NULL and its record stays
        (one reject per such value); only records that are not JSON are dropped."""
        from loaders.convert import _convert_column, _flat

        spec = self.text_spec
        rejects = [r for r in bad.values() if r.err_code != R.ERR_JSON]  # _typed nulled these values already
        drop = {row: r for row, r in bad.items() if r.err_code == R.ERR_JSON}
        columns = []
        for i in range(self.spec.width):
            a = arrays[i]
            if i in text_cols:
                col = _convert_column(_flat(a), spec, i)
                a = col.values
                if col.bad is not None:
                    rows = np.flatnonzero(col.bad & ~np.isin(np.arange(n), list(drop)))
                    raw = arrays[i].take(pa.array(rows)).to_pylist() if len(rows) else []
                    for row, v in zip(rows, raw):
                        v = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
                        rejects.append(RejectedRow(self.obj.url, int(lines[row]), spec.names[i], None if v is None else str(v)[:_MAX_RAW], col.reason, col.code, raw_line(int(row)), None))
                    a = pc.if_else(pa.array(col.bad), pa.scalar(None, a.type), a)
                if a.type != self.spec.types[i]:
                    a = a.cast(self.spec.types[i])
            columns.append(a)
        if drop:
            keep = np.ones(n, dtype=np.bool_)
            keep[list(drop)] = False
            mask = pa.array(keep)
            columns = [c.filter(mask) for c in columns]
        rejects.sort(key=lambda r: r.line_number or 0)
        return pa.Table.from_arrays(columns, schema=self.target), sorted(drop.values(), key=lambda r: r.line_number or 0) + rejects


def _fast_plan(spec: LoadSpec, paths: list[tuple[Step, ...]], lower: bool | int, parsed: bool) -> tuple[Any, ...] | None:
    """What ``_Reader._fast`` needs (keys, key offsets, column kinds), or None
    when the load is not one it takes: every column a top-level ASCII key of type integer,
    float, string or timestamp (``auto`` TIMEFORMAT), keys exact or ignoring case only, and no
    option that changes how text converts (NOT NULL, EMPTYASNULL, BLANKSASNULL, TRIMBLANKS)."""
    from kernels.json_fields import C_FLOAT, C_INT, C_STRING, C_TIMESTAMP

    if not parsed or int(lower) not in (0, 1) or any(spec.not_null or ()) or spec.empty_as_null or spec.blanks_as_null or spec.trim_blanks:
        return None
    keys, offsets, ctypes = bytearray(), [0], []
    for path, t in zip(paths, spec.types):
        if len(path) != 1 or not isinstance(path[0], str) or not path[0].isascii():
            return None
        if pa.types.is_string(t):
            ctypes.append(C_STRING)
        elif pa.types.is_integer(t):
            ctypes.append(C_INT)
        elif pa.types.is_float32(t) or pa.types.is_float64(t):
            ctypes.append(C_FLOAT)
        elif pa.types.is_timestamp(t) and t.unit == "us" and (spec.time_format or "auto").lower() == "auto":
            ctypes.append(C_TIMESTAMP)
        else:
            return None
        keys += path[0].encode()
        offsets.append(len(keys))
    if not ctypes:
        return None
    return np.frombuffer(bytes(keys), np.uint8), np.array(offsets, np.int64), np.array(ctypes, np.int64)


def _columns_of(spec: LoadSpec, cols: list[int]) -> LoadSpec:
    """``spec`` narrowed to some columns (every per-column tuple field is subset)."""
    changes = {}
    for f in fields(spec):
        v = getattr(spec, f.name)
        if isinstance(v, tuple) and len(v) == spec.width and v:
            changes[f.name] = tuple(v[i] for i in cols)
    return replace(spec, **changes)


def _lookup(doc: Any, path: tuple[Step, ...]) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(doc, list) or step >= len(doc):
                return None
        elif not isinstance(doc, dict):
            return None
        doc = doc[step] if isinstance(step, int) else doc.get(step)
        if doc is None:
            return None
    return doc


def _as_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):  # strings and _Number
        return str(v)
    return _dump(v)


def _dump(v: Any) -> str:
    """Compact JSON text of a nested value, numbers as written."""
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _dump(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(_dump(x) for x in v) + "]"
    if isinstance(v, _Number):
        return str(v)
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v, ensure_ascii=False)
