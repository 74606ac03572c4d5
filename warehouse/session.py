"""One connection's statements, from text to result: parse, bind, optimise, execute.

A session owns its transaction.  In autocommit mode each statement reads the latest
committed snapshot and, when it writes, commits at its end.  After ``BEGIN`` the session
keeps the snapshot it started with (snapshot isolation); its first write takes the
database's writer lock (``Database.begin_write``), and ``COMMIT`` publishes everything
atomically.  A failed statement changes nothing: in autocommit mode its writes are rolled
back; inside a transaction the transaction is aborted (SQLSTATE 25P02) until ROLLBACK.
"""

from __future__ import annotations

import datetime as _dt
import re
import threading
from collections import OrderedDict
from typing import Any

import pyarrow as pa
from sqlglot import exp

from warehouse.catalog.system_log import system_log
from warehouse.errors import Error, InternalError, NotSupportedError, ProgrammingError
from warehouse.exec.executor import ExecContext, execute
from warehouse.optimizer import optimize
from warehouse.plan.binder import Binder
from warehouse.plan.logical import Plan, explain
from warehouse.result import Result
from warehouse.sql.dialect import Warehouse, parse
from warehouse.vector import batch_to_arrow

_TXN_WORDS = re.compile(
    r"^\s*(begin|start\s+transaction|commit|end|rollback|abort)(\s+(work|transaction))?\s*;?\s*$",
    re.IGNORECASE,
)
PLAN_CACHE_SIZE = 256
NONDETERMINISTIC = {"getdate", "sysdate", "random", "now", "timeofday", "current_date", "current_timestamp", "pg_last_copy_count", "pg_last_copy_id"}


def _nondeterministic(ast: exp.Expression) -> bool:
    """Whether a statement calls a function whose value changes between runs."""
    for node in ast.walk():
        if isinstance(node, (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime, exp.Rand)):
            return True
        if isinstance(node, exp.Anonymous) and node.name.lower() in NONDETERMINISTIC:
            return True
    return False


def _parse_with_external(sql: str) -> list[exp.Expression]:
    """``parse(sql)``, except that external-table DDL (Hive syntax: ``sql/external.py``)
    becomes ``Command(EXTERNAL_DDL, text)`` for ``statements/external.py``."""
    from warehouse.sql.external import COMMAND_WORD, is_external, split_statements

    pieces = split_statements(sql)
    if pieces is None:
        return parse(sql)
    out: list[exp.Expression] = []
    for piece in pieces:
        if is_external(piece):
            out.append(exp.Command(this=COMMAND_WORD, expression=exp.Literal.string(piece)))
        else:
            out.extend(parse(piece))
    return out


class Session:
    """A connection's state: its database, transaction, settings and plan cache."""

    def __init__(self, database: Any, *, user: str = "admin") -> None:
        self.db = database
        self.user = user
        self.txn: Any = None  # storage WriteTransaction once this transaction has written
        self.snapshot: Any = None  # pinned CatalogSnapshot inside BEGIN ... COMMIT
        self.in_transaction = False
        self.aborted = False
        self.settings: dict[str, str] = {"search_path": "$user, public", "datestyle": "ISO, MDY"}
        self.last_copy_count = 0
        self.last_copy_id = -1
        self.last_query_id = 0
        self.cancel_event = threading.Event()
        self._plans: OrderedDict[tuple[Any, ...], Plan] = OrderedDict()
        self.progress: Any = None
        self.cursors: dict[str, Any] = {}  # open SQL cursors by name (statements/cursors.py)
        self.pid = 0  # the server's backend pid (stl_query.pid, pg_backend_pid)
        self.database_name = "dev"
        self.user_id: int | None = None  # usesysid, looked up on first use

    # ------------------------------------------------------------------ public API
    def execute(self, sql: str, params: list[Any] | None = None) -> Result:
        """Run every statement in ``sql``; return the last one's result."""
        params = list(params or [])
        m = _TXN_WORDS.match(sql)
        if m:
            return self._transaction_word(m.group(1).lower().split()[0])
        statements = _parse_with_external(sql)
        if not statements:
            return Result(status="EMPTY")
        result = Result()
        for ast in statements:
            result = self.execute_ast(ast, sql if len(statements) == 1 else ast.sql(dialect=Warehouse), params)
        return result

    def execute_ast(self, ast: exp.Expression, sql: str, params: list[Any]) -> Result:
        """One parsed statement, with transaction handling around it."""
        if isinstance(ast, exp.Transaction):
            return self._transaction_word("begin")
        if isinstance(ast, exp.Commit):
            return self._transaction_word("commit")
        if isinstance(ast, exp.Rollback):
            return self._transaction_word("rollback")
        if self.aborted:
            msg = "current transaction is aborted, commands ignored until end of transaction block"
            raise ProgrammingError(msg, sqlstate="25P02")
        self.cancel_event.clear()
        self.last_query_id = system_log(self.db).next_query_id()
        started = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
        try:
            result = self._dispatch(ast, sql, params)
        except Error:
            self._fail()
            self._record_query(sql, started, aborted=True)
            raise
        except (KeyboardInterrupt, MemoryError):
            self._fail()
            raise
        except Exception as e:  # an engine bug: report it as such, state stays consistent
            self._fail()
            msg = f"internal error: {type(e).__name__}: {e}"
            raise InternalError(msg) from e
        if not self.in_transaction and self.txn is not None:
            self.txn.commit()
            self.txn = None
        self._record_query(sql, started)
        return result

    def _record_query(self, sql: str, started: Any, aborted: bool = False) -> None:
        """One ``stl_query`` row per statement (user, start, end, text)."""
        if self.user_id is None:
            from warehouse.auth.users import user_id

            self.user_id = user_id(self.catalog(), self.user) or 0
        end = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
        row = {"userid": self.user_id, "query": self.last_query_id, "pid": self.pid, "database": self.database_name,
               "querytxt": sql[:4000], "starttime": started, "endtime": end, "aborted": int(aborted), "username": self.user,
               "label": "default", "xid": 0, "insert_pristine": 0, "concurrency_scaling_status": 0}
        system_log(self.db).append("stl_query", [row])

    def commit(self) -> None:
        if self.in_transaction or self.txn is not None:
            self._transaction_word("commit")

    def rollback(self) -> None:
        if self.in_transaction or self.txn is not None:
            self._transaction_word("rollback")

    def check_privilege(self, schema: str, name: str, privilege: str) -> None:
        """Raise 42501 unless this session's user may ``privilege`` (SELECT, INSERT, UPDATE,
        DELETE) the relation.  Every user may do everything until users and grants exist
        (the server issue); statements call this before touching a table."""
        from warehouse.auth.privileges import check_privilege

        check_privilege(self, schema, name, privilege)

    def cancel(self) -> None:
        """Cancel the running statement (from another thread)."""
        self.cancel_event.set()

    def close(self) -> None:
        if self.txn is not None:
            self.txn.rollback()
            self.txn = None
        self.in_transaction = False

    # ------------------------------------------------------------ transactions
    def _transaction_word(self, word: str) -> Result:
        if word in ("begin", "start"):
            if self.in_transaction:
                return Result(status="BEGIN", notices=["there is already a transaction in progress"])
            self.in_transaction = True
            self.aborted = False
            self.snapshot = self.db.snapshot()
            return Result(status="BEGIN")
        if word in ("commit", "end"):
            if self.aborted:
                self._end_transaction(commit=False)
                return Result(status="ROLLBACK")
            self._end_transaction(commit=True)
            return Result(status="COMMIT")
        self._end_transaction(commit=False)
        return Result(status="ROLLBACK")

    def _end_transaction(self, *, commit: bool) -> None:
        self.cursors.clear()  # SQL cursors (statements/cursors.py) end with their transaction
        txn, self.txn = self.txn, None
        self.in_transaction = False
        self.aborted = False
        self.snapshot = None
        if txn is not None:
            if commit:
                txn.commit()
            else:
                txn.rollback()

    def _fail(self) -> None:
        if self.in_transaction:
            self.aborted = True
        elif self.txn is not None:
            txn, self.txn = self.txn, None
            txn.rollback()

    def catalog(self) -> Any:
        """The catalog this statement reads: the transaction's own view, else the latest."""
        if self.txn is not None:
            return self.txn.current()
        if self.snapshot is not None:
            return self.snapshot
        return self.db.snapshot()

    def writer(self) -> Any:
        """The write transaction, begun on first use (takes the writer lock)."""
        if self.txn is None:
            base = self.snapshot if self.in_transaction else None
            self.txn = self.db.begin_write(base)
        return self.txn

    # ----------------------------------------------------------------- dispatch
    def _dispatch(self, ast: exp.Expression, sql: str, params: list[Any]) -> Result:
        from warehouse.statements import commands, ddl, dml

        if isinstance(ast, (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery, exp.Values)):
            return self.run_query(ast, sql, params)
        if isinstance(ast, (exp.Create, exp.Alter)):  # external schemas and tables first (statements/external.py)
            from warehouse.statements.external import intercept_ddl

            done = intercept_ddl(self, ast)
            if done is not None:
                return done
        if isinstance(ast, exp.Create):
            return ddl.create(self, ast, sql, params)
        if isinstance(ast, exp.Drop):
            return ddl.drop(self, ast)
        if isinstance(ast, exp.Alter):
            return ddl.alter(self, ast)
        if isinstance(ast, exp.TruncateTable):
            return ddl.truncate(self, ast)
        if isinstance(ast, exp.Insert):
            return dml.insert(self, ast, params)
        if isinstance(ast, exp.Update):
            return dml.update(self, ast, params)
        if isinstance(ast, exp.Delete):
            return dml.delete(self, ast, params)
        if isinstance(ast, exp.Copy):
            from warehouse.statements.copy_from import copy_from

            return copy_from(self, ast)
        from warehouse.statements.unload import is_unload, unload

        if is_unload(ast):
            return unload(self, ast, sql)
        return commands.other(self, ast, sql, params)

    # ------------------------------------------------------------------ queries
    def binder(self, sql: str, params: list[Any], live: list[bool] | None = None) -> Binder:
        """A binder over the current catalog.  ``live[0]`` is set when the statement reads
        something the catalog version does not describe (a system view's rows, an external
        table read by a subquery at bind time), so its plan must not be cached."""
        from warehouse.catalog.system_views import system_view

        catalog = self.catalog()
        live = live if live is not None else [False]

        def sysview(name: str) -> pa.Table | None:
            from warehouse.catalog.session_views import session_view

            t = session_view(self, name)
            if t is None:
                t = system_view(catalog, name.split(".")[-1])
            if t is not None:
                live[0] = True
            return t

        def run_plan(plan: Plan) -> pa.Table:
            if _reads_external(plan):
                live[0] = True
            return self.run_plan(plan)

        from warehouse.catalog.pg_functions import SessionFunctions

        return Binder(catalog, params=params, run_plan=run_plan, system_view=sysview, sql=sql, check_privilege=self.check_privilege,
                      session_function=SessionFunctions(self).bind)

    def plan_query(self, ast: exp.Expression, sql: str, params: list[Any]) -> Plan:
        """Bind and optimise a query; plans are cached by text, parameters and catalog."""
        catalog = self.catalog()
        key = (sql, tuple(type(p).__name__ for p in params), tuple(repr(p) for p in params), id(catalog), getattr(catalog, "version", None))
        plan = self._plans.get(key)
        if plan is not None:
            self._plans.move_to_end(key)
            return plan
        live = [False]
        binder = self.binder(sql, params, live)
        block = binder.bind_query(ast)
        if block.correlations:
            msg = "internal: correlated references at the top level"
            raise InternalError(msg)
        plan = optimize(block.plan)
        # subqueries run at bind time depend only on the snapshot, which the key names; a
        # statement with a nondeterministic function, or reading live rows, is never cached
        if self.txn is None and not live[0] and not (binder.volatile and _nondeterministic(ast)):
            self._plans[key] = plan
            if len(self._plans) > PLAN_CACHE_SIZE:
                self._plans.popitem(last=False)
        return plan

    def run_plan(self, plan: Plan) -> pa.Table:
        """Execute a plan (also used for subqueries at bind time) and return Arrow."""
        plan = optimize(plan)
        ctx = ExecContext(cancel=self.cancel_event, progress=self.progress)
        batch = execute(plan, ctx)
        self._log_scans(ctx)
        return batch_to_arrow(batch, [f.name for f in plan.fields])

    def run_query(self, ast: exp.Expression, sql: str, params: list[Any]) -> Result:
        plan = self.plan_query(ast, sql, params)
        ctx = ExecContext(cancel=self.cancel_event, progress=self.progress)
        batch = execute(plan, ctx)
        self._log_scans(ctx)
        names = [f.name for f in plan.fields]
        table = batch_to_arrow(batch, names) if plan.fields else pa.table({})
        return Result(names, [f.type for f in plan.fields], table, batch.length, f"SELECT {batch.length}",
                      notices=list(ctx.stats.get("notices", ())))

    def _log_scans(self, ctx: ExecContext) -> None:
        """``svl_s3query_summary`` / ``svl_s3partition`` rows for the external tables the
        statement scanned (``exec.external_scan`` leaves them in ``ctx.stats``)."""
        scans = ctx.stats.get("s3_scans")
        if not scans:
            return
        log = system_log(self.db)
        summary, partitions = [], []
        for i, scan in enumerate(scans):
            elapsed = int((scan["endtime"] - scan["starttime"]).total_seconds() * 1_000_000)
            summary.append({**scan, "userid": self.user_id or 0, "query": self.last_query_id, "segment": 0, "step": i,
                            "elapsed": elapsed, "aborted": 0})
            if scan["is_partitioned"] == "t":
                partitions.append({"query": self.last_query_id, "segment": 0, "node": 0, "slice": 0,
                                   "starttime": scan["starttime"], "endtime": scan["endtime"],
                                   "total_partitions": scan["total_partitions"], "qualified_partitions": scan["qualified_partitions"],
                                   "assigned_partitions": scan["qualified_partitions"], "assignment": "D"})
        log.append("svl_s3query_summary", summary)
        if partitions:
            log.append("svl_s3partition", partitions)

    def explain(self, ast: exp.Expression, sql: str, params: list[Any]) -> Result:
        plan = self.plan_query(ast, sql, params)
        lines = explain(plan)
        table = pa.table({"QUERY PLAN": pa.array(lines, pa.string())})
        from warehouse import types as T

        return Result(["QUERY PLAN"], [T.varchar(65535)], table, len(lines), f"SELECT {len(lines)}")


def _reads_external(plan: Plan) -> bool:
    """Whether a plan scans an external table (whose objects can change at any time)."""
    from warehouse.plan.logical import ExternalScan

    stack = [plan]
    while stack:
        node = stack.pop()
        if isinstance(node, ExternalScan):
            return True
        stack.extend(node.inputs())
    return False


__all__ = ["Session", "NotSupportedError"]
