"""A load's whole read side: objects in, converted chunks out, in parallel and bounded.

``load_chunks`` picks the reader for the format and runs it so that every core works and
memory stays bounded: reader threads stream objects (several objects at once, since an
object store's latency dominates small objects), cut text into pieces and hand them to a pool
that parses and converts; at most ``MAX_PENDING`` pieces are in flight, so a 5 GB input is
never held whole.  Chunks come out as soon as they are ready (not in input order; a table has
no row order).  Closing the generator early (an error, MAXERROR exceeded, a cancel) stops the
readers.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any


from loaders.objectstore import Credentials, SourceObject
from loaders.rejects import LoadError
from loaders.spec import LoadedChunk, LoadSpec

__all__ = ["TEXT_FORMATS", "gather", "in_parallel", "load_chunks"]

TEXT_FORMATS = ("DELIMITED", "CSV", "FIXEDWIDTH")
MAX_READERS = 4
_DONE = object()


def _workers() -> int:
    return max(os.cpu_count() or 2, 2)


def load_chunks(objects: list[SourceObject], spec: LoadSpec, creds: Credentials | None = None) -> Iterator[LoadedChunk]:
    """Every object's rows as converted chunks (see ``LoadedChunk``).

    Raises
    ------
    LoadError
        An object that cannot be read or parsed at all (naming it); rows that merely fail to
        convert come back as rejects instead.
    """
    fmt = spec.format
    if fmt in TEXT_FORMATS:
        from loaders.text import parse_text, split_text

        yield from _parallel(objects, lambda o: split_text(o, spec), lambda piece: parse_text(piece, spec))
        return
    if fmt == "JSON":
        from loaders.json_reader import read_json

        yield from _parallel(objects, lambda o: read_json(o, spec, creds), None)
        return
    if fmt in ("PARQUET", "ORC"):
        from loaders.columnar import read_columnar

        yield from _parallel(objects, lambda o: read_columnar(o, spec), None)
        return
    msg = f"COPY FORMAT {fmt} is not supported"
    raise LoadError(msg)


def _parallel(
    objects: list[SourceObject],
    produce: Callable[[SourceObject], Iterable[Any]],
    work: Callable[[Any], LoadedChunk] | None,
) -> Iterator[LoadedChunk]:
    """Run ``produce`` over objects on reader threads and ``work`` on a pool; yield results.

    With ``work`` None the producers' items are the results themselves (formats whose
    reader converts as it goes).  At most ``workers + 1`` items are in flight: each holds a
    converted piece, and a load must not hold its whole input.
    """
    workers = _workers()
    pending: queue.Queue[Any] = queue.Queue(maxsize=workers + 1)
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="load") if work is not None else None
    todo: queue.SimpleQueue[SourceObject] = queue.SimpleQueue()
    for o in objects:
        todo.put(o)
    nreaders = max(1, min(MAX_READERS, len(objects)))
    alive = [nreaders]
    lock = threading.Lock()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def reader() -> None:
        try:
            for obj in _unclaimed(todo, stop):
                for item in produce(obj):
                    fut = pool.submit(work, item) if pool is not None and work is not None else item
                    if not put(fut):
                        return
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, which raises it
            put(_Failure(e))
        finally:
            with lock:
                alive[0] -= 1
                last = alive[0] == 0
            if last:
                put(_DONE)

    threads = [threading.Thread(target=reader, name=f"load-reader-{i}", daemon=True) for i in range(nreaders)]
    for t in threads:
        t.start()
    try:
        while True:
            item = pending.get()
            if item is _DONE:
                break
            if isinstance(item, _Failure):
                raise item.error
            yield item.result() if isinstance(item, Future) else item
    finally:
        stop.set()
        while True:  # unblock readers waiting on a full queue
            try:
                item = pending.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, Future):
                item.cancel()
        for t in threads:
            t.join(timeout=5)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def gather(objects: list[SourceObject], produce: Callable[[SourceObject], Iterable[Any]], work: Callable[[Any], Any]) -> list[Any]:
    """Every result of ``work`` over the items ``produce`` yields for the objects, in no
    particular order: for a caller that keeps them all (an external scan).

    Why not ``_parallel``: its consumer wakes for every item, and each wake-up is a GIL
    hand-off between three threads (about 35 us, and the workers' kernels wait for it).
    Here the calling thread is one of the workers (it would only wait otherwise), and with
    one object also its reader: it queues the object's items, then works on them with
    ``workers - 1`` kept threads; several objects are read on kept threads (an object
    store's latency).  At most ``4 * workers + 8`` items wait (``_Backlog``).
    """
    workers = _workers()
    items = _Backlog(4 * workers + 8)
    todo: queue.SimpleQueue[SourceObject] = queue.SimpleQueue()
    for o in objects:
        todo.put(o)
    stop = threading.Event()
    failures: list[BaseException] = []
    lock = threading.Lock()
    nreaders = max(1, min(MAX_READERS, len(objects)))
    alive = [nreaders]
    results: list[list[Any]] = [[] for _ in range(workers)]

    def fail(e: BaseException) -> None:
        with lock:
            failures.append(e)
        stop.set()

    def reader(own: list[Any] | None = None) -> None:
        """Queue the objects' items; with ``own`` (the calling thread's results) an item
        that finds the backlog full is worked on here rather than waited with."""
        try:
            for obj in _unclaimed(todo, stop):
                for item in produce(obj):
                    if stop.is_set():
                        return
                    if own is not None and items.full():
                        own.append(work(item))
                    else:
                        items.put(item, stop)
        except BaseException as e:  # noqa: BLE001 - raised by the caller
            fail(e)
        finally:
            with lock:
                alive[0] -= 1
                last = alive[0] == 0
            if last:  # no more items: one end mark per worker
                for _ in range(workers):
                    items.put(_DONE, None)

    def worker(out: list[Any]) -> None:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if stop.is_set():
                continue  # drain, so that readers blocked on a full queue finish
            try:
                out.append(work(item))
            except BaseException as e:  # noqa: BLE001 - raised by the caller
                fail(e)

    pool = _gather_pool()
    tasks = [pool.submit(worker, results[i]) for i in range(1, workers)]
    if nreaders == 1:
        reader(results[0])
    else:
        tasks += [pool.submit(reader) for _ in range(nreaders)]
    worker(results[0])
    wait(tasks)
    if failures:
        raise failures[0]
    return [r for part in results for r in part]


def in_parallel(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Every task's result, in order: the first run by the calling thread, the others on
    the kept threads (safe to call from one of them: there are plenty)."""
    if len(tasks) <= 1:
        return [t() for t in tasks]
    pool = _gather_pool()
    futures = [pool.submit(t) for t in tasks[1:]]
    first = tasks[0]()
    return [first] + [f.result() for f in futures]


def _unclaimed(todo: queue.SimpleQueue[SourceObject], stop: threading.Event) -> Iterator[SourceObject]:
    """The objects no other reader has taken yet, until there are none or ``stop`` is set."""
    while not stop.is_set():
        try:
            yield todo.get_nowait()
        except queue.Empty:
            return


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _gather_pool() -> ThreadPoolExecutor:
    """The threads ``gather`` runs its readers and workers on, kept between scans: starting
    three threads costs half a millisecond, as much as scanning a small table.  Roomy, so
    that a scan started from inside another's work item still finds threads."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=64, thread_name_prefix="scan")
        return _POOL


class _Backlog:
    """A queue whose producers wait while it holds ``high`` items and are woken when it is
    down to half that: one wake-up per ``high / 2`` items taken, not one per item."""

    def __init__(self, high: int) -> None:
        self.items: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.high, self.low = high, high // 2
        self.room = threading.Condition()
        self.waiting = 0  # producers waiting for room

    def put(self, item: Any, stop: threading.Event | None) -> None:
        """Queue ``item``, first waiting for room unless ``stop`` is None (an end mark) or set."""
        if stop is not None and self.items.qsize() >= self.high:
            with self.room:
                self.waiting += 1
                while self.items.qsize() > self.low and not stop.is_set():
                    self.room.wait(0.1)
                self.waiting -= 1
        self.items.put(item)

    def full(self) -> bool:
        return self.items.qsize() >= self.high

    def get(self) -> Any:
        item = self.items.get()
        if self.waiting and self.items.qsize() <= self.low:
            with self.room:
                self.room.notify_all()
        return item


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error

