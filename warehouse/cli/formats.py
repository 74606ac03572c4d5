"""Result tables as text: ``table``, ``csv``, ``tsv``, ``json``, ``jsonl`` and ``markdown``.

The shell and the script modes both print through ``render`` so a result looks the same
either way.  In ``table`` (and expanded) output numbers are right-aligned, NULL shows as
``NULL`` (DuckDB's marker; psql's empty cell hides it), booleans as ``t``/``f`` as psql
prints them, and a ``(N rows)`` footer follows.  The machine formats write NULL as an empty
field (csv/tsv) or ``null`` (json) and booleans as ``true``/``false``.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from collections.abc import Callable

import pyarrow as pa

from wcwidth import wcswidth  # a dependency of prompt_toolkit

__all__ = ["FORMATS", "NULL", "render", "text_width"]

FORMATS = ("table", "csv", "tsv", "json", "jsonl", "markdown")
NULL = "NULL"
MIN_WIDTH = 5  # a truncated column keeps at least this many characters


def text_width(s: str) -> int:
    """Display width in terminal cells (wide CJK characters count two)."""
    w: int = wcswidth(s)
    return len(s) if w < 0 else w


def render(
    table: pa.Table,
    fmt: str = "table",
    *,
    expanded: bool = False,
    max_width: int | None = None,
    unicode: bool = True,
    total_rows: int | None = None,
    count: bool = True,
) -> str:
    """``table`` as text in format ``fmt``.

    Parameters
    ----------
    expanded
        One block per row (psql's ``\\x``), for the ``table`` format.
    max_width
        Terminal width: ``table`` output truncates its widest columns to fit (with ``…``).
    unicode
        Whether the terminal can show ``…``; otherwise ``...`` marks a cut.
    total_rows
        The result's full row count when ``table`` holds only its first rows.
    count
        End ``table`` output with the ``(N rows)`` line.
    """
    if fmt == "table":
        columns = [_column_text(c, _table_cell) for c in table.columns]
        numeric = [_is_numeric(f.type) for f in table.schema]
        total = table.num_rows if total_rows is None else total_rows
        footer = _footer(total, table.num_rows) if count else None
        if expanded:
            return _expanded(table.column_names, columns, table.num_rows, footer)
        return _aligned(table.column_names, columns, numeric, table.num_rows, footer, max_width, "…" if unicode else "...")
    if fmt in ("csv", "tsv"):
        return _delimited(table, "," if fmt == "csv" else "\t")
    if fmt in ("json", "jsonl"):
        return _json(table, lines=fmt == "jsonl")
    if fmt == "markdown":
        return _markdown(table)
    msg = f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}"
    raise ValueError(msg)


# ----- cells -----------------------------------------------------------------------------------
def _is_numeric(t: pa.DataType) -> bool:
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t))


def _column_text(column: pa.ChunkedArray, cell: Callable[[object], str]) -> list[str]:
    return [cell(v) for v in column.to_pylist()]


def _plain(value: object) -> str:
    """A value's text as SQL users expect it (timestamps with a space, no trailing zeros)."""
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ")
        if value.microsecond:
            head, _, tail = text.partition(".")
            frac, plus, tz = tail.partition("+")
            text = f"{head}.{frac.rstrip('0')}{plus}{tz}"
        return text
    return str(value)


def _table_cell(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    return _plain(value).replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _field(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _plain(value)


# ----- table and expanded ----------------------------------------------------------------------
def _footer(total: int, shown: int) -> str:
    text = f"({total} row{'' if total == 1 else 's'}"
    if shown < total:
        text += f"; first {shown} shown, use \\o FILE or --format csv for all"
    return text + ")"


def _aligned(
    names: list[str], columns: list[list[str]], numeric: list[bool], nrows: int, footer: str | None, max_width: int | None, cut: str
) -> str:
    widths = [max([text_width(n)] + [text_width(v) for v in col]) for n, col in zip(names, columns)]
    if max_width is not None and names:
        widths = _fit(widths, max_width - 3 * (len(names) - 1))
    head = [_pad(_clip(n, w, cut), w, "center") for n, w in zip(names, widths)]
    out = [" | ".join(head), "-+-".join("-" * w for w in widths)]
    for r in range(nrows):
        cells = []
        for col, w, num in zip(columns, widths, numeric):
            cells.append(_pad(_clip(col[r], w, cut), w, "right" if num else "left"))
        out.append(" | ".join(cells))
    if footer:
        out.append(footer)
    return "\n".join(line.rstrip() for line in out)


def _fit(widths: list[int], budget: int) -> list[int]:
    """Cap the widest columns at one common width so the row fits ``budget`` cells."""
    if sum(widths) <= budget:
        return widths
    cap = max(widths)
    while cap > MIN_WIDTH and sum(min(w, cap) for w in widths) > budget:
        cap -= 1
    return [min(w, cap) for w in widths]


def _clip(s: str, width: int, cut: str) -> str:
    if text_width(s) <= width:
        return s
    if width <= text_width(cut):
        return cut[:width]
    keep, used, out = width - text_width(cut), 0, []
    for ch in s:
        w = text_width(ch)
        if used + w > keep:
            break
        out.append(ch)
        used += w
    return "".join(out) + cut


def _pad(s: str, width: int, how: str) -> str:
    gap = max(width - text_width(s), 0)
    if how == "right":
        return " " * gap + s
    if how == "center":
        left = gap // 2
        return " " * left + s + " " * (gap - left)
    return s + " " * gap


def _expanded(names: list[str], columns: list[list[str]], nrows: int, footer: str | None) -> str:
    label = max((text_width(n) for n in names), default=0)
    widest = label + 3 + max((text_width(v) for col in columns for v in col), default=0)
    out = []
    for r in range(nrows):
        head = f"-[ RECORD {r + 1} ]"
        out.append(head + "-" * max(1, widest - text_width(head)))
        out.extend(f"{_pad(n, label, 'left')} | {col[r]}".rstrip() for n, col in zip(names, columns))
    if footer:
        out.append(footer)
    return "\n".join(out)


# ----- machine formats -------------------------------------------------------------------------
def _delimited(table: pa.Table, delimiter: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(table.column_names)
    columns = [_column_text(c, _field) for c in table.columns]
    for r in range(table.num_rows):
        w.writerow([col[r] for col in columns])
    return buf.getvalue().rstrip("\n")


def _json_value(value: object) -> str:
    if isinstance(value, decimal.Decimal):
        return str(value) if value.is_finite() else json.dumps(str(value))
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return json.dumps(str(value))  # JSON has no NaN or Infinity
    if isinstance(value, (bool, int, float)) or value is None:
        return json.dumps(value)
    return json.dumps(_plain(value), ensure_ascii=False)


def _json(table: pa.Table, *, lines: bool) -> str:
    keys = [json.dumps(n, ensure_ascii=False) for n in table.column_names]
    columns = [c.to_pylist() for c in table.columns]
    rows = ["{" + ", ".join(f"{k}: {_json_value(col[r])}" for k, col in zip(keys, columns)) + "}" for r in range(table.num_rows)]
    if lines:
        return "\n".join(rows)
    if not rows:
        return "[]"
    return "[\n" + ",\n".join(rows) + "\n]"


def _markdown(table: pa.Table) -> str:
    names = [n.replace("|", "\\|") for n in table.column_names]
    columns = [[v.replace("|", "\\|") for v in _column_text(c, _table_cell)] for c in table.columns]
    numeric = [_is_numeric(f.type) for f in table.schema]
    widths = [max([text_width(n), 3] + [text_width(v) for v in col]) for n, col in zip(names, columns)]
    out = ["| " + " | ".join(_pad(n, w, "left") for n, w in zip(names, widths)) + " |"]
    out.append("|" + "|".join(("-" * (w + 1) + ":") if num else ("-" * (w + 2)) for w, num in zip(widths, numeric)) + "|")
    for r in range(table.num_rows):
        cells = [_pad(col[r], w, "right" if num else "left") for col, w, num in zip(columns, widths, numeric)]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)
