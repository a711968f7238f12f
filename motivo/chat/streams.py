"""Server-sent event streams of the live chat, for the widget and for staff.

Three kinds of subscriber: a customer's widget (one session), an agent's chat pane (one
session) and the staff console (every session's state). They all read the database, the
source of truth, through `poll`: one query for changed sessions and, when a session is
watched, one for new public messages on the watched cases (the (case, created_at) index),
however many subscribers there are. Each subscriber drops what it has already sent, so the
look-back window (`OVERLAP`) can be generous: it covers writes whose timestamp was taken
before an earlier poll but which committed after it.

Two drivers run `poll`:
- `sync_events` — a plain generator for a WSGI server (tests, `manage.py runserver`): each
  stream polls for itself and ends after `WSGI_STREAM_SECONDS` (the browser reconnects);
- `Hub` — one per ASGI process (the realtime server `motivo serve` starts, config/asgi.py):
  one polling task for every open stream of the process, in one worker thread, woken
  early by Redis notices when MOTIVO_CHAT_BUS=redis (`chat.bus`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections
from django.utils import timezone

from motivo.cases.models import Message
from motivo.chat import bus
from motivo.chat.models import ChatSession
from motivo.chat.selectors import (
    PUBLIC_KINDS,
    chat_messages,
    chat_sessions_open,
    message_payload,
    session_payload,
)

logger = logging.getLogger(__name__)

OVERLAP = dt.timedelta(seconds=5)
TOUCH_SECONDS = 20.0  # how often open streams mark their customer / agent as seen
EXPIRE_SECONDS = 60.0  # how often idle chats are ended (once per interval, all processes)
WSGI_STREAM_SECONDS = 25.0
WSGI_HEARTBEAT_SECONDS = 5.0
ASGI_HEARTBEAT_SECONDS = 15.0
# Open streams one realtime process holds for one chat (the customer's tabs) and for one
# staff member (console and panes). Chats themselves are rate limited per address, so this
# also bounds what one address can hold open.
MAX_STREAMS_PER_CHAT = 5
MAX_STREAMS_PER_USER = 20

CUSTOMER, AGENT, CONSOLE = "customer", "agent", "console"


def sse(event: str, data: object, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@dataclass(eq=False)
class Subscriber:
    """One open stream and what it has already sent."""

    kind: str
    session: ChatSession | None = None
    user_id: int | None = None  # console: the agent to mark as seen
    since: dt.datetime = field(default_factory=timezone.now)
    seen: set[int] = field(default_factory=set)
    revisions: dict[int, int] = field(default_factory=dict)
    closed: bool = False  # the session ended: the stream stops after its last event

    @property
    def staff(self) -> bool:
        return self.kind != CUSTOMER


def snapshot(sub: Subscriber, *, after_id: int = 0) -> list[str]:
    """What a stream sends first: the current state, and the session's lines after
    `after_id` (the browser's Last-Event-ID when it reconnects)."""
    sub.since = timezone.now()
    if sub.kind == CONSOLE:
        out = []
        for session in chat_sessions_open():
            sub.revisions[session.pk] = session.revision
            out.append(sse("session", session_payload(session, staff=True)))
        return [*out, sse("ready", {})]
    session = sub.session
    assert session is not None
    sub.revisions[session.pk] = session.revision
    out = [sse("session", session_payload(session, staff=sub.staff))]
    for message in chat_messages(session=session, after_id=after_id):
        sub.seen.add(message.pk)
        out.append(sse("message", message_payload(message, customer_name=session.name), message.pk))
    if session.status == ChatSession.Status.ENDED:
        sub.closed = True
    return [*out, sse("ready", {})]


def poll(subs: list[Subscriber]) -> dict[Subscriber, list[str]]:
    """New events for each subscriber, from two queries at most."""
    if not subs:
        return {}
    now = timezone.now()
    since = min(sub.since for sub in subs) - OVERLAP
    changed = list(
        ChatSession.objects.filter(updated_at__gte=since)
        .select_related("case", "agent")
        .order_by("updated_at", "id")[:1000]
    )
    watched = [sub for sub in subs if sub.kind != CONSOLE and not sub.closed]
    for sub in watched:
        for session in changed:
            if session.pk == sub.session.pk:
                sub.session = session
    case_ids = {sub.session.case_id for sub in watched}
    messages = []
    if case_ids:
        messages = list(
            Message.objects.filter(
                case_id__in=case_ids, created_at__gte=since, kind__in=PUBLIC_KINDS
            )
            .select_related("author")
            .order_by("created_at", "id")
        )
    out: dict[Subscriber, list[str]] = {}
    for sub in subs:
        events = out.setdefault(sub, [])
        sub.since = now
        if sub.kind == CONSOLE:
            for session in changed:
                if sub.revisions.get(session.pk) != session.revision:
                    sub.revisions[session.pk] = session.revision
                    events.append(sse("session", session_payload(session, staff=True)))
            continue
        if sub.closed:
            continue
        session = sub.session
        for message in messages:
            if (
                message.case_id == session.case_id
                and message.created_at >= session.started_at
                and (session.ended_at is None or message.created_at <= session.ended_at)
                and message.pk not in sub.seen
            ):
                sub.seen.add(message.pk)
                payload = message_payload(message, customer_name=session.name)
                events.append(sse("message", payload, message.pk))
        if sub.revisions.get(session.pk) != session.revision:
            sub.revisions[session.pk] = session.revision
            events.append(sse("session", session_payload(session, staff=sub.staff)))
        if session.status == ChatSession.Status.ENDED:
            sub.closed = True
    return out


class _Housekeeping:
    """Marks the people behind open streams as seen, and ends idle chats."""

    def __init__(self) -> None:
        self.touched = 0.0

    def run(self, subs: list[Subscriber]) -> None:
        from motivo.chat.services import (
            chat_customer_seen,
            chat_presence_touch,
            chat_sessions_expire,
        )

        now = time.monotonic()
        if now - self.touched < TOUCH_SECONDS:
            return
        self.touched = now
        chat_presence_touch(user_ids=[s.user_id for s in subs if s.kind == CONSOLE and s.user_id])
        chat_customer_seen(
            session_ids=[s.session.pk for s in subs if s.kind == CUSTOMER and not s.closed]
        )
        if cache.add("chat:expire", 1, timeout=int(EXPIRE_SECONDS)):
            chat_sessions_expire()


def _redis_pubsub():
    if not bus.redis_enabled():
        return None
    import redis

    try:
        pubsub = bus._client(settings.MOTIVO_CHAT_REDIS_URL).pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(bus.CHANNEL)
        return pubsub
    except redis.RedisError as exc:
        logger.warning("chat: Redis unreachable (%s); polling instead", exc)
        return None


def sync_events(sub: Subscriber, *, after_id: int = 0, seconds: float = 0) -> Iterator[str]:
    """The stream for a WSGI server: polls for itself, ends after `seconds`
    (WSGI_STREAM_SECONDS by default)."""
    seconds = seconds or WSGI_STREAM_SECONDS
    yield "retry: 1000\n\n"
    yield from snapshot(sub, after_id=after_id)
    pubsub = _redis_pubsub()
    housekeeping = _Housekeeping()
    deadline = time.monotonic() + seconds
    last_sent = time.monotonic()
    try:
        while not sub.closed and time.monotonic() < deadline:
            if pubsub is not None:
                try:
                    pubsub.get_message(timeout=bus.REDIS_SAFETY_POLL_SECONDS)
                except Exception:
                    pubsub = None
            else:
                time.sleep(bus.poll_seconds())
            try:
                events = poll([sub])[sub]
                housekeeping.run([sub])
            except Exception:  # the database went away: end; the browser reconnects
                logger.info("chat: stream poll failed", exc_info=True)
                return
            if events:
                last_sent = time.monotonic()
                yield from events
            elif time.monotonic() - last_sent > WSGI_HEARTBEAT_SECONDS:
                last_sent = time.monotonic()
                yield ": ping\n\n"
    finally:
        if pubsub is not None:
            with contextlib.suppress(Exception):
                pubsub.close()


class Hub:
    """The ASGI process's single poller: every open stream of the process is served by
    one loop running `poll` in one worker thread."""

    def __init__(self) -> None:
        self.subs: dict[Subscriber, asyncio.Queue[str | None]] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-hub")
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.listener: asyncio.Task | None = None
        self.redis_ok = False
        self.housekeeping = _Housekeeping()
        self.polls = 0

    async def run_sync(self, fn, *args, **kwargs):
        def call():
            close_old_connections()
            return fn(*args, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    def interval(self) -> float:
        return bus.REDIS_SAFETY_POLL_SECONDS if self.redis_ok else bus.poll_seconds()

    def subscribe(self, sub: Subscriber) -> asyncio.Queue[str | None]:
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.subs[sub] = queue
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        if bus.redis_enabled() and (self.listener is None or self.listener.done()):
            self.listener = asyncio.get_running_loop().create_task(self._listen())
        return queue

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subs.pop(sub, None)

    def full(self, sub: Subscriber) -> bool:
        """True when the chat (customer) or the staff member already holds as many open
        streams as allowed: the new one is refused."""
        if sub.kind == CUSTOMER:
            pk = sub.session.pk
            mine = [s for s in self.subs if s.kind == CUSTOMER and s.session.pk == pk]
            return len(mine) >= MAX_STREAMS_PER_CHAT
        mine = [s for s in self.subs if s.staff and s.user_id == sub.user_id]
        return len(mine) >= MAX_STREAMS_PER_USER

    async def _run(self) -> None:
        while self.subs:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.interval())
            self.wake.clear()
            subs = list(self.subs)
            try:
                found = await self.run_sync(self._poll, subs)
            except Exception:
                logger.exception("chat: stream poll failed")
                await asyncio.sleep(1)
                continue
            self.polls += 1
            for sub, events in found.items():
                queue = self.subs.get(sub)
                if queue is None:
                    continue
                for event in events:
                    queue.put_nowait(event)
                if sub.closed:
                    queue.put_nowait(None)
        if self.listener is not None:
            self.listener.cancel()

    def _poll(self, subs: list[Subscriber]) -> dict[Subscriber, list[str]]:
        found = poll(subs)
        self.housekeeping.run(subs)
        return found

    async def _listen(self) -> None:
        """Wake the poller when a Redis notice arrives; reconnect when Redis goes away."""
        import redis
        import redis.asyncio as aredis

        while self.subs:
            client = aredis.Redis.from_url(settings.MOTIVO_CHAT_REDIS_URL)
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(bus.CHANNEL)
                self.redis_ok = True
                async for message in pubsub.listen():
                    if message and message.get("type") == "message":
                        self.wake.set()
            except (redis.RedisError, OSError) as exc:
                if self.redis_ok:
                    logger.warning("chat: lost Redis (%s); polling until it is back", exc)
                self.redis_ok = False
                await asyncio.sleep(2)
            finally:
                self.redis_ok = False
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def events(self, sub: Subscriber, *, after_id: int = 0) -> AsyncIterator[str]:
        """The stream for the ASGI server; ends when the session ends or the client goes."""
        first = await self.run_sync(snapshot, sub, after_id=after_id)
        queue = None if sub.closed else self.subscribe(sub)
        try:
            yield "retry: 1000\n\n"
            for event in first:
                yield event
            while queue is not None:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=ASGI_HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": ping\n\n"
                    continue
                if event is None:
                    return
                yield event
        finally:
            self.unsubscribe(sub)


_hubs: dict[int, Hub] = {}


def hub() -> Hub:
    """The hub of the running event loop (one per process in practice)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(id(loop))
    if found is None:
        found = _hubs[id(loop)] = Hub()
    return found
