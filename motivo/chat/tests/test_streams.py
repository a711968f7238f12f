"""Real time: what the streams send, the WSGI and ASGI drivers, the Redis bus (a real Redis
server the tests start) and the realtime server process itself."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from conftest import PASSWORD
from motivo.cases.services import case_add_note, case_reply
from motivo.chat import bus, streams
from motivo.chat.services import (
    chat_agent_message,
    chat_customer_message,
    chat_session_end,
    chat_session_take,
)

REPO = Path(__file__).resolve().parents[3]


def _run(coroutine) -> None:
    """asyncio.run in a thread of its own: Playwright's sync API (the browser tests) leaves
    an event loop running in the main thread, where asyncio.run refuses to start."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _events(chunks: list[str]) -> list[tuple[str, dict]]:
    found = []
    for chunk in chunks:
        for block in chunk.split("\n\n"):
            lines = dict(
                line.split(": ", 1) for line in block.split("\n") if ": " in line and line[0] != ":"
            )
            if "event" in lines:
                found.append((lines["event"], json.loads(lines["data"])))
    return found


def _bodies(events: list[tuple[str, dict]]) -> list[str]:
    return [data["body"] for kind, data in events if kind == "message"]


# ---------------------------------------------------------------------------- poll


@pytest.mark.django_db
def test_a_customer_stream_gets_each_public_line_once(start_chat, agent):
    session = start_chat().session
    sub = streams.Subscriber(streams.CUSTOMER, session=session)
    first = _events(streams.snapshot(sub))
    assert [kind for kind, _ in first] == ["session", "message", "ready"]
    assert first[0][1]["status"] == "waiting" and "email" not in first[0][1]  # not for customers
    chat_customer_message(session=session, body="¿Hola?")
    case_add_note(case=session.case, author=agent, body="internal note")
    case_reply(case=session.case, author=agent, body="Desde la ficha")  # the case reply box
    got = _events(streams.poll([sub])[sub])
    assert _bodies(got) == ["¿Hola?", "Desde la ficha"]
    assert _events(streams.poll([sub])[sub]) == []  # inside the look-back window: not again
    chat_session_take(session=session, agent=agent)
    chat_agent_message(session=session, agent=agent, body="Te ayudo")
    got = _events(streams.poll([sub])[sub])
    assert _bodies(got) == ["Te ayudo"]
    assert ("session", {**got[-1][1], "status": "active"}) == got[-1]
    chat_session_end(session=session, actor=agent)
    got = _events(streams.poll([sub])[sub])
    assert got[-1][1]["status"] == "ended" and sub.closed


@pytest.mark.django_db
def test_the_console_stream_sees_new_chats_and_their_changes(start_chat, agent):
    sub = streams.Subscriber(streams.CONSOLE, user_id=agent.pk)
    assert _events(streams.snapshot(sub)) == [("ready", {})]
    session = start_chat(name="Nueva Clienta").session
    got = _events(streams.poll([sub])[sub])
    assert [(k, d["name"], d["status"]) for k, d in got] == [
        ("session", "Nueva Clienta", "waiting")
    ]
    assert got[0][1]["case_url"] == f"/cases/{session.case_id}/"
    chat_session_take(session=session, agent=agent)
    got = _events(streams.poll([sub])[sub])
    assert [d["status"] for _, d in got] == ["active"]


@pytest.mark.django_db
def test_many_streams_cost_two_queries_per_poll(start_chat, django_assert_num_queries):
    subs = [streams.Subscriber(streams.CONSOLE)]
    for n in range(5):
        session = start_chat(email=f"c{n}@example.test").session
        sub = streams.Subscriber(streams.CUSTOMER, session=session)
        streams.snapshot(sub)
        subs.append(sub)
    with django_assert_num_queries(2):
        streams.poll(subs)


# ---------------------------------------------------------------------------- WSGI driver


@pytest.mark.django_db
def test_the_wsgi_stream_sends_the_chat_and_ends_with_it(start_chat, agent):
    started = start_chat()
    chat_customer_message(session=started.session, body="segunda")
    chat_session_end(session=started.session, actor=agent)
    response = Client().get("/chat/stream/session", headers={"X-Motivo-Chat-Token": started.token})
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-cache, no-store"
    chunks = [chunk.decode() for chunk in response.streaming_content]  # ends by itself
    got = _events(chunks)
    assert _bodies(got) == ["Hola, mi pedido 4471 no llega.", "segunda"]
    assert got[0][1]["status"] == "ended"
    after = Client().get(
        "/chat/stream/session?after=" + str(got[1][1]["id"]),
        headers={"X-Motivo-Chat-Token": started.token},
    )
    assert _bodies(_events([c.decode() for c in after.streaming_content])) == ["segunda"]


@pytest.mark.django_db
def test_staff_streams_need_a_staff_member(start_chat, customer_user, agent):
    session = start_chat().session
    url = f"/chat/stream/sessions/{session.pk}"
    assert Client().get(url).status_code == 403
    customer = Client()
    customer.force_login(customer_user[0])
    assert customer.get(url).status_code == 403
    assert customer.get("/chat/stream/console").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_wsgi_stream_delivers_a_line_written_while_it_is_open(start_chat, agent, monkeypatch):
    monkeypatch.setattr(streams, "WSGI_STREAM_SECONDS", 4.0)
    started = start_chat()
    response = Client().get("/chat/stream/session", headers={"X-Motivo-Chat-Token": started.token})
    writer = threading.Timer(
        0.5, lambda: chat_agent_message(session=started.session, agent=agent, body="en vivo")
    )
    writer.start()
    chunks = []
    began = time.monotonic()
    for chunk in response.streaming_content:
        chunks.append(chunk.decode())
        if "en vivo" in "".join(chunks):
            break
    writer.join()
    assert "en vivo" in _bodies(_events(chunks))
    assert time.monotonic() - began < 3.5


# ---------------------------------------------------------------------------- ASGI hub


async def _collect(agen, until: str, timeout: float) -> tuple[list[str], float]:
    chunks: list[str] = []
    began = time.monotonic()

    async def run() -> None:
        async for chunk in agen:
            chunks.append(chunk)
            if until in "".join(chunks):
                return

    await asyncio.wait_for(run(), timeout)
    return chunks, time.monotonic() - began


@pytest.mark.django_db(transaction=True)
def test_the_hub_serves_every_stream_of_the_process_from_one_poller(start_chat, agent):
    one, two = start_chat().session, start_chat(email="otro@example.test").session

    async def scenario() -> None:
        hub = streams.hub()
        a = streams.Subscriber(streams.CUSTOMER, session=one)
        b = streams.Subscriber(streams.CUSTOMER, session=two)
        stream_a, stream_b = hub.events(a), hub.events(b)
        await _collect(stream_a, "event: ready", 5)
        await _collect(stream_b, "event: ready", 5)
        assert len(hub.subs) == 2
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None, lambda: chat_agent_message(session=one, agent=agent, body="para uno")
        )
        chunks, _ = await _collect(stream_a, "para uno", 5)
        assert "para uno" in "".join(chunks)
        await loop.run_in_executor(None, lambda: chat_session_end(session=two, actor=agent))
        chunks, _ = await _collect(stream_b, '"ended"', 5)
        assert "para uno" not in "".join(chunks)  # another chat's line
        await stream_a.aclose()
        with pytest.raises(StopAsyncIteration):  # the ended chat's stream has finished
            await stream_b.__anext__()
        assert hub.subs == {}
        hub.executor.shutdown()

    _run(scenario())


@pytest.mark.django_db(transaction=True)
def test_a_chat_cannot_hold_more_than_a_few_streams_open(start_chat, monkeypatch):
    from django.test import AsyncRequestFactory

    from motivo.chat import views

    monkeypatch.setattr(streams, "MAX_STREAMS_PER_CHAT", 2)
    started = start_chat()

    def request():
        return AsyncRequestFactory().get(
            "/chat/stream/session", headers={"X-Motivo-Chat-Token": started.token}
        )

    async def scenario() -> None:
        hub = streams.hub()
        open_ = [hub.events(streams.Subscriber(streams.CUSTOMER, session=started.session))]
        open_.append(hub.events(streams.Subscriber(streams.CUSTOMER, session=started.session)))
        for stream in open_:
            await _collect(stream, "event: ready", 5)
        refused = await views.astream_session(request())
        assert refused.status_code == 429
        await open_[0].aclose()
        assert (await views.astream_session(request())).status_code == 200
        await open_[1].aclose()
        hub.executor.shutdown()

    _run(scenario())


# ---------------------------------------------------------------------------- Redis


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real Redis server of our own on a free port (Debian's redis-server; bin/test
    installs it): fails, never skips, without it."""
    import shutil

    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: bin/test installs Debian's redis-server package")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    deadline = time.monotonic() + 15
    while True:
        try:
            client.ping()
            break
        except redis.RedisError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_bus(settings, redis_server):
    """The chat bus on that Redis."""
    settings.MOTIVO_CHAT_BUS = "redis"
    settings.MOTIVO_CHAT_REDIS_URL = redis_server
    return redis_server


@pytest.mark.django_db(transaction=True)
def test_writes_publish_a_notice_on_redis_after_commit(redis_bus, start_chat):
    import redis

    pubsub = redis.Redis.from_url(redis_bus).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(bus.CHANNEL)
    try:
        session = start_chat().session
        chat_customer_message(session=session, body="hola")
        notices = []
        deadline = time.monotonic() + 5
        while len(notices) < 2 and time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.5)
            if message:
                notices.append(json.loads(message["data"]))
        assert notices == [{"session": session.pk, "case": session.case_id}] * 2
    finally:
        pubsub.close()


@pytest.mark.django_db(transaction=True)
def test_with_redis_the_hub_wakes_on_the_notice_not_on_its_slow_poll(
    redis_bus, start_chat, agent, monkeypatch
):
    monkeypatch.setattr(bus, "REDIS_SAFETY_POLL_SECONDS", 30.0)
    session = start_chat().session

    async def scenario() -> None:
        hub = streams.hub()
        sub = streams.Subscriber(streams.CUSTOMER, session=session)
        stream = hub.events(sub)
        await _collect(stream, "event: ready", 5)
        for _ in range(50):  # the subscription is up
            if hub.redis_ok:
                break
            await asyncio.sleep(0.1)
        assert hub.redis_ok
        await asyncio.sleep(0.3)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None, lambda: chat_agent_message(session=session, agent=agent, body="por redis")
        )
        _chunks, seconds = await _collect(stream, "por redis", 10)
        assert seconds < 3  # far below the 30 s safety poll: the notice woke the hub
        await stream.aclose()
        hub.executor.shutdown()

    _run(scenario())


@pytest.mark.django_db(transaction=True)
def test_the_wsgi_stream_also_wakes_on_redis(redis_bus, start_chat, agent, monkeypatch):
    monkeypatch.setattr(bus, "REDIS_SAFETY_POLL_SECONDS", 10.0)
    monkeypatch.setattr(streams, "WSGI_STREAM_SECONDS", 12.0)
    started = start_chat()
    sub = streams.Subscriber(streams.CUSTOMER, session=started.session)
    events = streams.sync_events(sub)
    chunks = [next(events) for _ in range(4)]  # retry, session, message, ready
    assert "event: ready" in chunks[-1]
    writer = threading.Timer(
        1.0, lambda: chat_agent_message(session=started.session, agent=agent, body="ya")
    )
    writer.start()
    began = time.monotonic()
    for chunk in events:
        chunks.append(chunk)
        if '"ya"' in chunk:
            break
    writer.join()
    events.close()
    assert time.monotonic() - began < 4


# ---------------------------------------------------------------------------- the process


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def realtime_server(tmp_path):
    """`motivo serve`'s realtime process (granian, ASGI) on the test database."""
    from motivo.cli import _realtime_command

    port = _free_port()
    env = dict(os.environ)
    for name in ("DJANGO_DEBUG", "MOTIVO_DEMO", "DJANGO_SETTINGS_MODULE", "MOTIVO_TESTING"):
        env.pop(name, None)
    env.update(
        MOTIVO_DATA_DIR=str(tmp_path),
        DATABASE_URL=_database_url(),
        MOTIVO_SECRET_KEY=django_settings.SECRET_KEY,
        MOTIVO_CHAT_POLL_MS="200",
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "realtime.log").open("wb")
    proc = subprocess.Popen(
        _realtime_command("127.0.0.1", port),
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "realtime.log").read_text()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


class _Stream:
    def __init__(self, port: int, path: str, headers: dict[str, str]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.conn.request("GET", path, headers=headers)
        self.response = self.conn.getresponse()
        self.seen = ""

    def until(self, text: str) -> str:
        while text not in self.seen:
            line = self.response.fp.readline()
            assert line, f"stream closed before {text!r}: {self.seen!r}"
            self.seen += line.decode()
        return self.seen

    def close(self) -> None:
        self.conn.close()


@pytest.mark.django_db(transaction=True)
def test_the_realtime_server_streams_to_the_widget_and_the_console(
    realtime_server, start_chat, agent
):
    started = start_chat()
    widget = _Stream(
        realtime_server,
        "/chat/stream/session",
        {"X-Motivo-Chat-Token": started.token, "Origin": "https://shop.example"},
    )
    assert widget.response.status == 200
    assert widget.response.getheader("Access-Control-Allow-Origin") == "*"
    widget.until("event: ready")
    staff = Client()
    assert staff.login(username=agent.username, password=PASSWORD)
    cookie = f"sessionid={staff.cookies['sessionid'].value}"
    page_origin = "http://127.0.0.1:8000"  # the console page, on the WSGI server's port
    console = _Stream(
        realtime_server, "/chat/stream/console", {"Cookie": cookie, "Origin": page_origin}
    )
    assert console.response.status == 200
    assert console.response.getheader("Access-Control-Allow-Origin") == page_origin
    assert console.response.getheader("Access-Control-Allow-Credentials") == "true"
    console.until("event: ready")
    chat_agent_message(session=started.session, agent=agent, body="Hola desde el equipo")
    assert '"from":"agent"' in widget.until("Hola desde el equipo")
    assert '"status":"active"' in console.until('"status":"active"')
    widget.close()
    console.close()
    anonymous = _Stream(realtime_server, "/chat/stream/console", {})
    assert anonymous.response.status == 403
    anonymous.close()
    wrong = _Stream(realtime_server, "/chat/stream/session", {"X-Motivo-Chat-Token": "nope"})
    assert wrong.response.status == 404
    wrong.close()
