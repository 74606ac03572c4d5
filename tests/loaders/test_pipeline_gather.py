"""``loaders.pipeline.gather``: every item's result comes back once, producers wait when the
backlog is full and go on when it drains, and a failure on either side is raised to the
caller with no work item left running."""

from __future__ import annotations

import threading
import time

import pytest

from loaders import pipeline
from loaders.pipeline import gather


def _objects(n: int) -> list[int]:
    return list(range(n))  # gather never looks inside an object: produce does


class _Running:
    """Work items started and not yet returned: none may be left when ``gather`` returns."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0

    def __call__(self, fn):  # noqa: ANN001, ANN204
        def run(item):  # noqa: ANN001, ANN202
            with self.lock:
                self.now += 1
            try:
                return fn(item)
            finally:
                with self.lock:
                    self.now -= 1
        return run


def test_every_result_once_with_more_items_than_the_backlog_holds(monkeypatch):
    monkeypatch.setattr(pipeline, "_workers", lambda: 2)  # backlog of 16: producers must wait
    produced = []

    def produce(o):  # noqa: ANN001, ANN202
        for k in range(100):
            produced.append((o, k))
            yield (o, k)

    def work(item):  # noqa: ANN001, ANN202
        time.sleep(0.0002)
        return item[0] * 1000 + item[1]

    running = _Running()
    out = gather(_objects(3), produce, running(work))
    assert sorted(out) == [o * 1000 + k for o in range(3) for k in range(100)]
    assert running.now == 0


def test_a_failing_work_item_is_raised_and_every_thread_ends(monkeypatch):
    monkeypatch.setattr(pipeline, "_workers", lambda: 2)
    done = []

    def work(item):  # noqa: ANN001, ANN202
        if item == 37:
            raise ValueError("bad item 37")
        done.append(item)
        return item

    running = _Running()
    with pytest.raises(ValueError, match="bad item 37"):
        gather(_objects(1), lambda o: iter(range(10_000)), running(work))
    assert len(done) < 10_000  # the rest was not worked on
    assert running.now == 0


def test_a_failing_producer_is_raised(monkeypatch):
    monkeypatch.setattr(pipeline, "_workers", lambda: 2)

    def produce(o):  # noqa: ANN001, ANN202
        yield 1
        if o == 2:
            raise OSError("object 2 cannot be read")
        yield 2

    with pytest.raises(OSError, match="object 2"):
        gather(_objects(4), produce, lambda item: item)
    assert gather(_objects(2), lambda o: iter((o,)), lambda item: item * 2) in ([0, 2], [2, 0])  # threads still serve


def test_no_objects_no_results():
    assert gather([], lambda o: iter(()), lambda item: item) == []
