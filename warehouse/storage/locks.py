"""Writer serialisation: a threading lock per database (per process) + ``fcntl.flock`` on
``<db>/LOCK`` so writers in other processes wait too.  Readers never lock."""

from __future__ import annotations

import fcntl
import os
import threading
import time

from warehouse.errors import OperationalError

_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


def process_lock(key: str) -> threading.Lock:
    with _GUARD:
        lock = _PROCESS_LOCKS.get(key)
        if lock is None:
            lock = _PROCESS_LOCKS[key] = threading.Lock()
        return lock


class WriterLock:
    """The database's writer lock; ``path`` None for in-memory databases."""

    def __init__(self, path: str | None, key: str) -> None:
        self.path = path
        self.thread_lock = process_lock(key)
        self._fd: int | None = None

    def acquire(self, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        if not self.thread_lock.acquire(timeout=max(timeout, 0.0)):
            msg = f"could not obtain the write lock on {what} within {timeout:g} s"
            raise OperationalError(msg, sqlstate="55P03")
        if self.path is None:
            return
        try:
            fd = os.open(os.path.join(self.path, "LOCK"), os.O_RDWR | os.O_CREAT, 0o644)
            delay = 0.001
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        os.close(fd)
                        msg = f"could not obtain the write lock on {what} within {timeout:g} s (another process is writing)"
                        raise OperationalError(msg, sqlstate="55P03") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
            self._fd = fd
        except BaseException:
            self.thread_lock.release()
            raise

    def try_acquire(self) -> bool:
        """Take the lock only if it is free right now."""
        if not self.thread_lock.acquire(blocking=False):
            return False
        if self.path is None:
            return True
        fd = os.open(os.path.join(self.path, "LOCK"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            self.thread_lock.release()
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None
        self.thread_lock.release()
