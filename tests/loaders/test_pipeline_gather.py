"""``loaders.pipeline.gather``: every item's result comes back once, producers wait when the
backlog is full and go on when it drains, and a failure on either side is raised to the
caller with every thread stopped."""

from __future__ import annotations

import threading
import time

import pytest

from loaders import pipeline
from loaders.pipeline import gather


def _objects(n: int) -> list[int]:
    return list(range(n))  # gather never looks inside an object: produce does


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith(("load-reader-", "load_"))}


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

    out = gather(_objects(3), produce, work)
    assert sorted(out) == [o * 1000 + k for o in range(3) for k in range(100)]
    assert not _threads()


def test_a_failing_work_item_is_raised_and_every_thread_ends(monkeypatch):
    monkeypatch.setattr(pipeline, "_workers", lambda: 2)
    done = []

    def work(item):  # noqa: ANN001, ANN202
        if item == 37:
            raise ValueError("bad item 37")
        done.append(item)
        return item

    with pytest.raises(ValueError, match="bad item 37"):
        gather(_objects(1), lambda o: iter(range(10_000)), work)
    assert len(done) < 10_000  # the rest was not worked on
    assert not _threads()


def test_a_failing_producer_is_raised(monkeypatch):
    monkeypatch.setattr(pipeline, "_workers", lambda: 2)

    def produce(o):  # noqa: ANN001, ANN202
        yield 1
        if o == 2:
            raise OSError("object 2 cannot be read")
        yield 2

    with pytest.raises(OSError, match="object 2"):
        gather(_objects(4), produce, lambda item: item)
    assert not _threads()


def test_no_objects_no_results():
    assert gather([], lambda o: iter(()), lambda item: item) == []
