"""The SQLite backend queues write transactions on a file lock (core/dbbackends/sqlite3)."""

from __future__ import annotations

import fcntl
import os

import pytest
from django.db import connection, transaction

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only"),
]


def lock_is_free() -> bool:
    """Try the lock from another open file description, as another process would."""
    fd = os.open(f"{connection.settings_dict['NAME']}-writelock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def test_write_transaction_holds_the_lock_until_commit():
    assert lock_is_free()
    with transaction.atomic():
        assert not lock_is_free()
    assert lock_is_free()


def test_rollback_releases_the_lock():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert not lock_is_free()
        raise RuntimeError
    assert lock_is_free()
