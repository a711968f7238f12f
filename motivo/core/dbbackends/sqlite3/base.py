"""Django's SQLite backend with write transactions queued on a file lock.

SQLite admits one writer at a time. When several processes write, a transaction that finds
the database locked is put to sleep by SQLite's busy handler on a fixed back-off schedule
(1, 2, 5 … 100 ms) instead of being woken when the lock frees, which turns a 2 ms wait into
a 100 ms one under load. Here every write transaction (BEGIN IMMEDIATE/EXCLUSIVE) first takes
an exclusive `flock` on `<database>-writelock`; the kernel wakes the next waiter as soon as
the holder commits or rolls back, so concurrent writers queue instead of polling. The busy
timeout stays as a fallback for writes made outside a transaction.
"""

from __future__ import annotations

import os

from django.db.backends.sqlite3 import base

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: plain SQLite locking only
    fcntl = None  # type: ignore[assignment]

WRITE_MODES = frozenset({"IMMEDIATE", "EXCLUSIVE"})


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd: int | None = None
    _lock_held = False

    def _write_lock_acquire(self) -> None:
        if fcntl is None or self.transaction_mode not in WRITE_MODES or self.is_in_memory_db():
            return
        if self._lock_fd is None:
            path = f"{self.settings_dict['NAME']}-writelock"
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._lock_held = True

    def _write_lock_release(self) -> None:
        if self._lock_held and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            self._lock_held = False

    def _start_transaction_under_autocommit(self) -> None:
        self._write_lock_acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._write_lock_release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._write_lock_release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._write_lock_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._write_lock_release()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
