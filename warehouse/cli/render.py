"""Results as aligned text tables (numbers right-aligned, NULL visible), or CSV."""

from __future__ import annotations

import csv
import io

import pyarrow as pa

NULL = "NULL"


def _text(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def render_table(table: pa.Table) -> str:
    """psql-style aligned table with a row count footer."""
    names = table.column_names
    rows = [[_text(v) for v in row.values()] for row in table.to_pylist()]
    numeric = [pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_decimal(f.type) for f in table.schema]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    out = [" | ".join(n.center(w) for n, w in zip(names, widths))]
    out.append("-+-".join("-" * w for w in widths))
    for r in rows:
        out.append(" | ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(r, widths, numeric)))
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(line.rstrip() for line in out)


def render_csv(table: pa.Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.column_names)
    for row in table.to_pylist():
        w.writerow(["" if v is None else v for v in row.values()])
    return buf.getvalue().rstrip("\n")
