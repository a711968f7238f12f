"""How a change made in one process reaches the chat streams held open by another.

The database is the source of truth: every stream process polls it (one indexed query per
process and interval, see `streams.poll`). With MOTIVO_CHAT_BUS=redis, the services also
publish a small notice on a Redis pub/sub channel after commit; stream processes subscribe
and poll at once when one arrives, and fall back to polling every MOTIVO_CHAT_POLL_MS when
Redis is unreachable.
"""

from __future__ import annotations

import functools
import json
import logging

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

CHANNEL = "motivo:chat"
# With Redis, a poll still runs this often: it catches what no notice announces (a reply
# typed in the case page's reply box) and anything published while a subscriber was down.
REDIS_SAFETY_POLL_SECONDS = 1.0


def redis_enabled() -> bool:
    return (settings.MOTIVO_CHAT_BUS or "poll").lower() == "redis"


def poll_seconds() -> float:
    return max(settings.MOTIVO_CHAT_POLL_MS, 50) / 1000


@functools.cache
def _client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def publish(*, session_id: int, case_id: int) -> None:
    """Announce a change now (no-op without Redis). Failures are logged, never raised:
    the stream processes' polling delivers the change anyway."""
    if not redis_enabled():
        return
    import redis

    payload = json.dumps({"session": session_id, "case": case_id})
    try:
        _client(settings.MOTIVO_CHAT_REDIS_URL).publish(CHANNEL, payload)
    except redis.RedisError as exc:
        logger.warning("chat: could not publish on Redis (%s); streams will poll", exc)


def publish_on_commit(*, session_id: int, case_id: int) -> None:
    if redis_enabled():
        transaction.on_commit(lambda: publish(session_id=session_id, case_id=case_id))
