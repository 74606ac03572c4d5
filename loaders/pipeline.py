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
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


from loaders.objectstore import Credentials, SourceObject
from loaders.rejects import LoadError
from loaders.spec import LoadedChunk, LoadSpec

__all__ = ["TEXT_FORMATS", "load_chunks"]

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
    ahead: int = 1,
) -> Iterator[LoadedChunk]:
    """Run ``produce`` over objects on reader threads and ``work`` on a pool; yield results.

    With ``work`` None the producers' items are the results themselves (formats whose
    reader converts as it goes).  At most ``workers + ahead`` items are in flight: a load
    keeps that small (each holds a converted piece); a caller that keeps every result anyway
    (an external scan) lets workers run further ahead of a slow item.
    """
    workers = _workers()
    pending: queue.Queue[Any] = queue.Queue(maxsize=workers + ahead)
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
            while not stop.is_set():
                try:
                    obj = todo.get_nowait()
                except queue.Empty:
                    break
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


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error

