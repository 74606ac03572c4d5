"""The words the shell knows without asking the catalog: SQL keywords and function names.

The highlighter colours the keywords and the completer offers both; ``\\df`` lists the
functions.  Function names come from the engine's registry, so a new function shows up here
without an edit; the registry's operator entries (``add``, ``eq``, ...) are left out.
"""

from __future__ import annotations

from functools import cache

KEYWORDS: frozenset[str] = frozenset("""
ABORT ALL ALTER ANALYZE AND ANY AS ASC AUTO BEGIN BETWEEN BIGINT BOOLEAN BOTH BY BZIP2 CASE CAST
CHAR CHARACTER COLUMN COMMIT COMPOUND COMPUPDATE COPY CREATE CREDENTIALS CROSS CSV CURRENT_DATE
CURRENT_TIMESTAMP DATABASE DATE DATEFORMAT DECIMAL DEFAULT DELETE DELIMITER DESC DISTINCT DISTKEY
DISTSTYLE DOUBLE DROP ELSE EMPTYASNULL ENCODE END ESCAPE EVEN EXCEPT EXISTS EXPLAIN EXTRACT
FALSE FIELDS FIRST FOLLOWING FOR FORMAT FROM FULL GRANT GROUP GZIP HAVING HEADER IAM_ROLE
IF IGNOREHEADER ILIKE IN INNER INSERT INT INTEGER INTERLEAVED INTERSECT INTERVAL INTO IS JOIN
KEY LAST LEFT LIKE LIMIT MANIFEST MAXERROR MINUS NATURAL NOT NULL NULLS NUMERIC OFFSET ON
OR ORDER OUTER OVER PARQUET PARTITION PRECEDING PRECISION PRIMARY RANGE REAL REGION RENAME
RIGHT ROLLBACK ROW ROWS SCHEMA SELECT SET SHOW SIMILAR SMALLINT SORTKEY START TABLE TEMP
TEMPORARY TEXT THEN TIMEFORMAT TIMESTAMP TIMESTAMPTZ TO TRANSACTION TRUE TRUNCATE
TRUNCATECOLUMNS UNBOUNDED UNION UNLOAD UPDATE USING VACUUM VALUES VARCHAR VIEW WHEN WHERE
WINDOW WITH WITHOUT ZONE
""".split())

# registry entries that are operators or internals, not functions a user calls by name
_OPERATORS = frozenset("""
add subtract multiply divide modulo negate eq ne lt le gt ge and or not in_list like ilike
similar_to is_null is_not_null is_true is_false is_not_true is_not_false is_distinct_from
is_not_distinct_from case cast trunc_date ||
""".split())


@cache
def functions() -> dict[str, str]:
    """Function name -> kind ("scalar", "aggregate" or "window"), sorted by name."""
    from warehouse.functions.core import FUNCTIONS
    from warehouse.functions.registry import AGGREGATES, WINDOW_ONLY

    kinds = {n: "scalar" for n in FUNCTIONS if n.isidentifier() and n not in _OPERATORS}
    kinds.update({n: "aggregate" for n in AGGREGATES})
    kinds.update({n: "window" for n in WINDOW_ONLY})
    return dict(sorted(kinds.items()))
