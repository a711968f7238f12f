"""Contact-ingest benchmark for `POST /api/v1/contacts`.

Requirement checked: production server (`motivo serve`), SQLite, 8 concurrent keep-alive
connections for 20 s: >= 500 contacts/s, p99 <= 50 ms, no errors, and every accepted contact
stored exactly once.

The load generator shares the machine (2 cores) with the server, so it is deliberately cheap per
request: plain asyncio streams, HTTP/1.1 keep-alive, one closed-loop worker per connection,
request bytes assembled from pre-encoded pieces and responses parsed minimally (status line,
Content-Length or chunked body). No third-party HTTP client.

By default the script builds a throwaway installation in a temp dir (migrate, a user, an API
token), starts `motivo serve` on 127.0.0.1, warms up, measures, replays some requests to check
idempotency, stops the server and counts the stored contacts. With --url it benchmarks an
already running local server instead (then --token is required).

Usage:  .venv/bin/python bench/ingest.py [--duration 20] [--connections 8] [--workers 2]
Exit status: 0 PASS, 1 FAIL, 2 the benchmark could not run (setup error).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import http.client
import json
import os
import platform
import random
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"

TARGET_RATE = 500.0  # accepted contacts per second
TARGET_P99_MS = 50.0
WARMUP_S = 2.0
REPLAYS = 200
CUSTOMERS = 5_000
CHANNELS = ("email", "web", "chat", "phone")
LOCAL_HOSTS = ("127.0.0.1", "localhost")
HEALTH_TIMEOUT_S = 60.0
STOP_GRACE_S = 15.0  # in-flight requests still unanswered this long after the deadline fail
MAX_ERROR_SAMPLES = 5
COUNT_MARKER = "BENCH-COUNTS "

BENCH_USER = "bench"
BENCH_SECRET = "bench-pass"  # throwaway credential of a throwaway database
# --rollups: reasons given at ingest (half the customers, one reason each, so their later
# contacts are repeats) and a promise for every channel, so each contact also updates the
# reason, repeat and promise roll-ups. Runs on older trees too: promises only where they exist.
ROLLUP_REASONS = 10
ROLLUP_SETUP = f"""
from motivo.reasons.models import Reason, ReasonCategory
category = ReasonCategory.objects.create(name="Bench")
for i in range({ROLLUP_REASONS}):
    Reason.objects.create(category=category, name=f"Bench reason {{i}}")
try:
    from motivo.promises.services import promise_save
except ImportError:
    print("no promises in this tree")
else:
    promise_save(tier=None, channel="", first_answer_minutes=240,
                 first_answer_target_minutes=120, resolution_minutes=2880,
                 resolution_target_minutes=1440)
"""

SUBJECTS = (
    "No me ha llegado el pedido",
    "Cobro duplicado en la factura",
    "Quiero cambiar la dirección de entrega",
    "La aplicación no me deja entrar",
    "Consulta sobre la devolución",
)
BODIES = (
    "Hola, hice un pedido hace una semana y todavía no ha llegado. ¿Podéis revisarlo?",
    "Buenas tardes, me habéis cobrado dos veces el mismo mes y necesito que lo corrijáis.",
    "Me mudo la semana que viene y quiero que el próximo envío vaya a la nueva dirección.",
    "Desde ayer la aplicación me dice que la contraseña es incorrecta aunque no la he cambiado.",
    "Devolví el producto hace diez días y aún no he recibido el reembolso. Gracias.",
)


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


class RequestFactory:
    """Builds the bytes of each ingest request from pre-encoded pieces.

    Request (conn, seq) is deterministic, so an accepted request can be rebuilt byte for byte
    for the idempotency replay without keeping every payload in memory.
    """

    def __init__(
        self, host_header: str, token: str, run_id: str, connections: int, reasons: bool = False
    ) -> None:
        self.run_id = run_id
        self._reasons = reasons
        self.prefix = f"bench-{run_id}-"
        self._connections = connections
        self._head = (
            "POST /api/v1/contacts HTTP/1.1\r\n"
            f"Host: {host_header}\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\n"
            "Accept: application/json\r\n"
            "Content-Length: "
        ).encode()
        self._bodies: dict[tuple[int, int], bytes] = {}

    def external_id(self, conn: int, seq: int) -> str:
        return f"{self.prefix}{conn}-{seq}"

    def _body_prefix(self, customer: int, channel: int) -> bytes:
        """JSON body up to the opening quote of external_id (cached per customer and channel)."""
        key = (customer, channel)
        cached = self._bodies.get(key)
        if cached is not None:
            return cached
        name = f"Customer {customer}"
        if CHANNELS[channel] == "phone":
            who = {"phone": f"+34600{customer:06d}", "name": name}
        else:
            who = {"email": f"c{customer}@bench.example", "name": name}
        doc = {
            "channel": CHANNELS[channel],
            "customer": who,
            "subject": SUBJECTS[customer % len(SUBJECTS)],
            "body": BODIES[(customer + channel) % len(BODIES)],
        }
        if self._reasons and customer % 2 == 0:
            doc["reason"] = f"Bench reason {customer // 2 % ROLLUP_REASONS}"
        doc["external_id"] = ""
        encoded = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        cached = encoded[: -len(b'"}')]  # cut the empty external_id's closing '"' and the '}'
        self._bodies[key] = cached
        return cached

    def build(self, conn: int, seq: int) -> tuple[str, bytes]:
        """External id and full HTTP request bytes of request `seq` on connection `conn`."""
        n = seq * self._connections + conn  # global request number
        customer = n % CUSTOMERS
        channel = (n + n // CUSTOMERS) % len(CHANNELS)  # a customer comes back on other channels
        ext = self.external_id(conn, seq)
        body = self._body_prefix(customer, channel) + ext.encode() + b'"}'
        return ext, b"".join((self._head, str(len(body)).encode(), b"\r\n\r\n", body))


# --------------------------------------------------------------------------------------------
# Minimal HTTP/1.1 keep-alive client
# --------------------------------------------------------------------------------------------


class Connection:
    """One keep-alive connection sending one request at a time."""

    def __init__(self, index: int, host: str, port: int) -> None:
        self.index = index
        self.seq = 0
        self._host = host
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self._host, self._port)

    async def reopen(self) -> None:
        self.close()
        await self.open()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.transport.abort()
        self._reader = self._writer = None

    async def request(self, payload: bytes) -> tuple[int, bytes]:
        """Send `payload`, return (status, body). Raises OSError/IncompleteReadError on failure."""
        if self._writer is None or self._reader is None:
            await self.open()
        assert self._writer is not None and self._reader is not None
        reader = self._reader
        self._writer.write(payload)  # small payload, closed loop: the buffer never builds up
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        start = lower.find(b"\r\ncontent-length:")
        if start >= 0:
            start += 17
            body = await reader.readexactly(int(lower[start : lower.index(b"\r\n", start)]))
        elif b"\r\ntransfer-encoding: chunked" in lower:
            body = await self._read_chunked(reader)
        else:  # no framing: the body runs to the end of the connection
            body = await reader.read()
            self.close()
            return status, body
        if b"\r\nconnection: close" in lower:
            self.close()  # reopened lazily by the next request
        return status, body

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                    pass
                return b"".join(parts)
            parts.append((await reader.readexactly(size + 2))[:-2])


CLIENT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


# --------------------------------------------------------------------------------------------
# Load phases
# --------------------------------------------------------------------------------------------


@dataclass
class PhaseStats:
    name: str
    requests: int = 0
    accepted: int = 0
    errors: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    error_kinds: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float | None = None
    machine_cpu_s: float | None = None  # all processes, to spot a busy machine

    def error(self, kind: str, detail: str) -> None:
        self.errors += 1
        self.error_kinds[kind] += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(f"{kind}: {detail[:500]}")


@dataclass
class Accepted:
    contact_id: int
    conn: int
    seq: int


def parse_accepted(body: bytes) -> int | None:
    """contact_id of a 201/200 answer, None when the body does not carry one."""
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    contact_id = doc.get("contact_id") if isinstance(doc, dict) else None
    if isinstance(contact_id, int) and not isinstance(contact_id, bool):
        return contact_id
    return None


async def run_phase(
    name: str,
    conns: list[Connection],
    factory: RequestFactory,
    duration_s: float,
    accepted: dict[str, Accepted],
    server_pgid: int | None,
) -> PhaseStats:
    """Closed loop: every connection sends back-to-back requests until the deadline."""
    stats = PhaseStats(name)
    latencies = stats.latencies_ns
    perf_ns = time.perf_counter_ns
    started = perf_ns()
    deadline = started + int(duration_s * 1e9)
    last_done = started

    async def worker(conn: Connection) -> None:
        nonlocal last_done
        while perf_ns() < deadline:
            seq = conn.seq
            conn.seq += 1
            ext, payload = factory.build(conn.index, seq)
            stats.requests += 1
            t0 = perf_ns()
            try:
                status, body = await conn.request(payload)
            except CLIENT_ERRORS as exc:
                stats.error(type(exc).__name__, f"{ext}: {exc!r}")
                conn.close()
                await asyncio.sleep(0.01)  # do not spin on a refusing server
                continue
            t1 = perf_ns()
            latencies.append(t1 - t0)
            last_done = max(last_done, t1)
            if status != 201:
                stats.error(f"HTTP {status}", f"{ext}: {body.decode(errors='replace')}")
                continue
            contact_id = parse_accepted(body)
            if contact_id is None:
                stats.error("bad body", f"{ext}: {body.decode(errors='replace')}")
                continue
            stats.accepted += 1
            accepted[ext] = Accepted(contact_id, conn.index, seq)

    cpu0 = time.process_time()
    server_cpu0 = process_group_cpu_s(server_pgid)
    machine_cpu0 = machine_cpu_s()
    await run_workers(conns, worker, duration_s, stats.error)
    stats.client_cpu_s = time.process_time() - cpu0
    server_cpu1 = process_group_cpu_s(server_pgid)
    machine_cpu1 = machine_cpu_s()
    if server_cpu0 is not None and server_cpu1 is not None:
        stats.server_cpu_s = server_cpu1 - server_cpu0
    if machine_cpu0 is not None and machine_cpu1 is not None:
        stats.machine_cpu_s = machine_cpu1 - machine_cpu0
    stats.elapsed_s = (last_done - started) / 1e9
    return stats


@dataclass
class ReplayResult:
    sent: int = 0
    matched: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.sent > 0 and self.matched == self.sent


async def replay(
    host: str, port: int, factory: RequestFactory, accepted: dict[str, Accepted], count: int
) -> ReplayResult:
    """Re-send `count` accepted requests: each must answer 200/201 with the same contact_id."""
    result = ReplayResult()
    sample = random.Random(0).sample(sorted(accepted), min(count, len(accepted)))
    conn = Connection(0, host, port)
    try:
        for ext in sample:
            first = accepted[ext]
            _, payload = factory.build(first.conn, first.seq)
            result.sent += 1
            try:
                status, body = await conn.request(payload)
            except CLIENT_ERRORS as exc:
                result.problems.append(f"{ext}: {exc!r}")
                conn.close()
                continue
            contact_id = parse_accepted(body) if status in (200, 201) else None
            if contact_id == first.contact_id:
                result.matched += 1
            else:
                text = body.decode(errors="replace")[:300]
                result.problems.append(
                    f"{ext}: HTTP {status}, contact_id {contact_id} (first answer "
                    f"{first.contact_id}): {text}"
                )
    finally:
        conn.close()
    return result


async def run_load(
    host: str,
    port: int,
    factory: RequestFactory,
    connections: int,
    duration_s: float,
    server_pgid: int | None,
) -> tuple[PhaseStats, PhaseStats, ReplayResult, dict[str, Accepted]]:
    accepted: dict[str, Accepted] = {}
    conns = [Connection(i, host, port) for i in range(connections)]
    await asyncio.gather(*(conn.open() for conn in conns))
    try:
        warmup = await run_phase("warmup", conns, factory, WARMUP_S, accepted, server_pgid)
        load = await run_phase("load", conns, factory, duration_s, accepted, server_pgid)
    finally:
        for conn in conns:
            conn.close()
    replayed = await replay(host, port, factory, accepted, REPLAYS)
    return warmup, load, replayed, accepted


# --------------------------------------------------------------------------------------------
# Server lifecycle
# --------------------------------------------------------------------------------------------


def motivo_command(override: str | None) -> list[str]:
    """The `motivo` CLI: --motivo-cmd, else the venv's entry point, else `python -c` on the repo."""
    if override:
        return shlex.split(override)
    exe = Path(sys.executable).parent / "motivo"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "import sys; from motivo.cli import main; sys.exit(main())"]


class SetupError(RuntimeError):
    pass


def run_cli(motivo: list[str], args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    cmd = [*motivo, *args]
    try:
        done = subprocess.run(
            cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SetupError(f"`motivo {' '.join(args)}` failed: {exc}") from exc
    if done.returncode != 0:
        raise SetupError(
            f"`motivo {' '.join(args)}` exited {done.returncode}\n"
            f"--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-3000:]}"
        )
    return done.stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_status(host: str, port: int, path: str) -> int | None:
    """Status of GET `path`, None when the server does not answer (no proxies involved)."""
    conn = http.client.HTTPConnection(host, port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def wait_healthy(
    host: str, port: int, proc: subprocess.Popen[bytes] | None, log: Path | None
) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    status: int | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SetupError(f"server exited with {proc.returncode}\n{tail(log)}")
        status = http_status(host, port, "/healthz")
        if status == 200:
            return
        time.sleep(0.25)
    raise SetupError(
        f"GET /healthz did not answer 200 in {HEALTH_TIMEOUT_S:.0f} s (last: {status})"
    )


def tail(path: Path | None, lines: int = 40) -> str:
    if path is None or not path.exists():
        return ""
    text = path.read_text(errors="replace").splitlines()
    return "--- server log (tail) ---\n" + "\n".join(text[-lines:])


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, SIGKILL it if it lingers."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # workers may outlive the master briefly; make sure none keeps the database open
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def process_group_cpu_s(pgid: int | None) -> float | None:
    """user+system CPU seconds of the live processes of a process group (Linux /proc)."""
    if pgid is None or not Path("/proc/self/stat").exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # fields after "comm)": state ppid pgrp ... utime(11) stime(12)
            total += int(fields[11]) + int(fields[12])
    return total / ticks


async def run_workers(
    conns: list[Connection],
    worker: Callable[[Connection], Awaitable[None]],
    duration_s: float,
    error: Callable[[str, str], None],
) -> None:
    """Run `worker` on every connection until they finish or the deadline (plus a grace
    period) passes; stragglers count as errors and their connections are closed. The
    collector is off meanwhile, so its pauses do not land in the client's timings."""
    gc.disable()
    try:
        tasks = [asyncio.create_task(worker(conn)) for conn in conns]
        _, pending = await asyncio.wait(tasks, timeout=duration_s + STOP_GRACE_S)
        for task in pending:
            task.cancel()
            error("timeout", f"no answer {STOP_GRACE_S:.0f} s after the deadline")
        if pending:
            await asyncio.wait(pending)
            for conn in conns:
                conn.close()
    finally:
        gc.enable()


def machine_cpu_s() -> float | None:
    """Busy CPU seconds of the whole machine since boot, summed over cores (Linux /proc)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    # cpu  user nice system idle iowait irq softirq steal ...
    busy = sum(int(value) for i, value in enumerate(fields[1:9]) if i not in (3, 4))
    return busy / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------
# Exactly-once verification
# --------------------------------------------------------------------------------------------


def sqlite_path(database_url: str) -> Path | None:
    if not database_url.startswith("sqlite:///"):
        return None
    path = database_url.removeprefix("sqlite:///")
    return Path(path) if path and path != ":memory:" else None


def count_sqlite(path: Path, prefix: str) -> dict[str, int]:
    uri = f"file:{path}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        rows = db.execute(
            "SELECT external_id, COUNT(*) FROM cases_contact "
            "WHERE substr(external_id, 1, ?) = ? GROUP BY external_id",
            (len(prefix), prefix),
        ).fetchall()
    return {str(ext): int(n) for ext, n in rows}


def count_django(motivo: list[str], env: dict[str, str], prefix: str) -> dict[str, int]:
    code = (
        "import json\n"
        "from django.db.models import Count\n"
        "from motivo.cases.models import Contact\n"
        f"rows = Contact.objects.filter(external_id__startswith={prefix!r})"
        ".values('external_id').annotate(n=Count('pk'))\n"
        f"print({COUNT_MARKER!r} + json.dumps({{r['external_id']: r['n'] for r in rows}}))\n"
    )
    out = run_cli(motivo, ["manage", "shell", "-c", code], env)
    for line in out.splitlines():
        if line.startswith(COUNT_MARKER):
            return {str(k): int(v) for k, v in json.loads(line[len(COUNT_MARKER) :]).items()}
    raise SetupError(f"no {COUNT_MARKER.strip()} line in `motivo manage shell` output:\n{out}")


@dataclass
class StorageCheck:
    method: str
    stored_rows: int = 0
    missing: list[str] = field(default_factory=list)
    duplicated: dict[str, int] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    distinct_contact_ids: bool = True
    error: str | None = None

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and not (self.missing or self.duplicated or self.extra)
            and (self.distinct_contact_ids)
        )


def verify_storage(
    accepted: dict[str, Accepted],
    prefix: str,
    database_url: str | None,
    motivo: list[str],
    env: dict[str, str],
) -> StorageCheck:
    counts: dict[str, int] | None = None
    errors: list[str] = []
    method = "unverified"
    db_file = sqlite_path(database_url) if database_url else None
    if db_file is not None:
        try:
            counts, method = count_sqlite(db_file, prefix), f"sqlite3 {db_file.name}"
        except sqlite3.Error as exc:
            errors.append(f"sqlite3: {exc}")
    if counts is None:
        try:
            counts, method = count_django(motivo, env, prefix), "Django ORM (motivo manage shell)"
        except SetupError as exc:
            errors.append(str(exc))
    if counts is None:
        return StorageCheck(method, error="; ".join(errors))
    check = StorageCheck(method, stored_rows=sum(counts.values()))
    check.missing = sorted(ext for ext in accepted if ext not in counts)
    check.duplicated = {ext: n for ext, n in sorted(counts.items()) if n > 1}
    check.extra = sorted(ext for ext in counts if ext not in accepted)
    check.distinct_contact_ids = len({a.contact_id for a in accepted.values()}) == len(accepted)
    return check


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def percentile_ms(sorted_ns: list[int], pct: float) -> float | None:
    """Nearest-rank percentile in milliseconds."""
    if not sorted_ns:
        return None
    rank = max(1, -(-len(sorted_ns) * pct // 100))  # ceil(n * pct / 100)
    return sorted_ns[int(rank) - 1] / 1e6


def latency_summary(latencies_ns: list[int]) -> dict[str, float | None]:
    ordered = sorted(latencies_ns)
    mean = sum(ordered) / len(ordered) / 1e6 if ordered else None
    return {
        "mean": mean,
        "p50": percentile_ms(ordered, 50),
        "p90": percentile_ms(ordered, 90),
        "p99": percentile_ms(ordered, 99),
        "max": ordered[-1] / 1e6 if ordered else None,
    }


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def git_revision() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "n/a" if value is None else format(value, spec)


def build_report(
    args: argparse.Namespace,
    target: str,
    database_url: str | None,
    warmup: PhaseStats,
    load: PhaseStats,
    replayed: ReplayResult,
    storage: StorageCheck,
) -> dict[str, Any]:
    rate = load.accepted / load.elapsed_s if load.elapsed_s > 0 else 0.0
    lat = latency_summary(load.latencies_ns)
    p99 = lat["p99"]
    errors = warmup.errors + load.errors
    checks = {
        "throughput": {"ok": rate >= TARGET_RATE, "value": rate, "target": f">= {TARGET_RATE:g}/s"},
        "p99_latency": {
            "ok": p99 is not None and p99 <= TARGET_P99_MS,
            "value": p99,
            "target": f"<= {TARGET_P99_MS:g} ms",
        },
        "no_errors": {"ok": errors == 0, "value": errors, "target": "0"},
        "exactly_once": {"ok": storage.ok, "value": storage.method, "target": "1 row per accept"},
        "idempotent_replay": {
            "ok": replayed.ok,
            "value": f"{replayed.matched}/{replayed.sent}",
            "target": "same contact_id",
        },
    }

    def phase(stats: PhaseStats) -> dict[str, Any]:
        return {
            "requests": stats.requests,
            "accepted": stats.accepted,
            "errors": stats.errors,
            "error_kinds": dict(stats.error_kinds),
            "error_samples": stats.error_samples,
            "elapsed_s": stats.elapsed_s,
            "client_cpu_s": stats.client_cpu_s,
            "server_cpu_s": stats.server_cpu_s,
            "machine_cpu_s": stats.machine_cpu_s,
        }

    return {
        "benchmark": "ingest",
        "requirement": (
            "POST /api/v1/contacts, production server, SQLite, 8 keep-alive connections for "
            "20 s: >= 500 contacts/s, p99 <= 50 ms, no errors, each accepted contact stored once"
        ),
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "host": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "config": {
            "target": target,
            "database_url": redact(database_url) if database_url else None,
            "workers": None if args.url else args.workers,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": WARMUP_S,
            "customers": CUSTOMERS,
        },
        "warmup": phase(warmup),
        "load": phase(load) | {"contacts_per_s": rate, "latency_ms": lat},
        "replay": {
            "sent": replayed.sent,
            "matched": replayed.matched,
            "problems": replayed.problems,
        },
        "storage": {
            "method": storage.method,
            "accepted": warmup.accepted + load.accepted,
            "stored_rows": storage.stored_rows,
            "missing": len(storage.missing),
            "duplicated": len(storage.duplicated),
            "extra": len(storage.extra),
            "distinct_contact_ids": storage.distinct_contact_ids,
            "examples": {
                "missing": storage.missing[:5],
                "duplicated": dict(list(storage.duplicated.items())[:5]),
                "extra": storage.extra[:5],
            },
            "error": storage.error,
        },
        "checks": checks,
        "pass": all(check["ok"] for check in checks.values()),
    }


def print_report(report: dict[str, Any]) -> None:
    load, cfg, lat = report["load"], report["config"], report["load"]["latency_ms"]
    storage, checks = report["storage"], report["checks"]
    workers = f", {cfg['workers']} server workers" if cfg["workers"] else ""
    elapsed = load["elapsed_s"] or float("nan")

    def share(cpu_s: float | None) -> str:
        return "n/a" if cpu_s is None else f"{cpu_s / elapsed * 100:.0f}%"

    others = None
    if load["machine_cpu_s"] is not None and load["server_cpu_s"] is not None:
        others = max(0.0, load["machine_cpu_s"] - load["server_cpu_s"] - load["client_cpu_s"])
    per_request = "n/a"
    if load["server_cpu_s"] is not None and load["requests"]:
        per_request = f"{load['server_cpu_s'] / load['requests'] * 1000:.2f} ms"
    lines = [
        "",
        "Contact ingest benchmark: POST /api/v1/contacts",
        f"  target      {cfg['target']} ({cfg['database_url']}){workers}",
        f"  load        {cfg['connections']} keep-alive connections, closed loop, "
        f"{WARMUP_S:g} s warm-up + {cfg['duration_s']:g} s",
        f"  host        {report['host']['cpus']} CPUs, Python {report['host']['python']}, "
        f"git {report['git_revision']}",
        "",
        f"  requests    {load['requests']}",
        f"  accepted    {load['accepted']}  (201 with contact_id)",
        f"  errors      {load['errors']}  (warm-up: {report['warmup']['errors']})",
        f"  duration    {load['elapsed_s']:.2f} s",
        f"  throughput  {load['contacts_per_s']:.1f} contacts/s",
        f"  latency ms  p50 {fmt(lat['p50'])}  p90 {fmt(lat['p90'])}  p99 {fmt(lat['p99'])}  "
        f"max {fmt(lat['max'])}  mean {fmt(lat['mean'])}",
        f"  cpu         server {share(load['server_cpu_s'])}, client "
        f"{share(load['client_cpu_s'])}, other processes {share(others)} of one core "
        f"({report['host']['cpus']} cores); server CPU per request {per_request}",
        f"  replay      {report['replay']['matched']}/{report['replay']['sent']} "
        "re-sent requests answered with their first contact_id",
        f"  storage     {storage['accepted']} accepted (incl. warm-up), "
        f"{storage['stored_rows']} rows stored; missing {storage['missing']}, "
        f"duplicated {storage['duplicated']}, extra {storage['extra']} [{storage['method']}]",
    ]
    if storage["error"]:
        lines.append(f"  storage err {storage['error'][:2000]}")
    for phase_name in ("warmup", "load"):
        for kind, n in report[phase_name]["error_kinds"].items():
            lines.append(f"  {phase_name} error  {n} x {kind}")
        for sample in report[phase_name]["error_samples"]:
            lines.append(f"    e.g. {sample}")
    for problem in report["replay"]["problems"][:MAX_ERROR_SAMPLES]:
        lines.append(f"  replay      {problem}")
    lines.append("")
    for name, check in checks.items():
        value = check["value"]
        shown = fmt(value) if isinstance(value, float) else str(value)
        verdict = "ok  " if check["ok"] else "FAIL"
        lines.append(f"  [{verdict}] {name:<18} {shown:<36} target {check['target']}")
    lines += ["", "PASS" if report["pass"] else "FAIL", ""]
    print("\n".join(lines), flush=True)


def write_json(report: dict[str, Any], name: str = "ingest") -> Path:
    """Save `report` as bench/results/<name>-<timestamp>.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (20)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections (8)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (2)")
    parser.add_argument(
        "--threads", type=int, default=None, help="request threads per server process"
    )
    parser.add_argument("--port", type=int, default=None, help="server port (a free one)")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir")
    parser.add_argument(
        "--serve-args",
        default="",
        help="more options for `motivo serve`, e.g. '--no-suggest --no-spike-watch'",
    )
    parser.add_argument(
        "--rollups",
        action="store_true",
        help="half the contacts carry a reason and every channel has a promise, so ingest "
        "also updates the reason, repeat and promise roll-ups (not with --url)",
    )
    parser.add_argument(
        "--database-url", help="DATABASE_URL (default: a fresh SQLite file in the temp dir)"
    )
    parser.add_argument(
        "--url", help="benchmark this running local server, e.g. http://127.0.0.1:8000"
    )
    parser.add_argument("--token", help="API token for --url")
    parser.add_argument(
        "--motivo-cmd", help="command that runs the motivo CLI (default: the venv's `motivo`)"
    )
    args = parser.parse_args(argv)
    if args.url and not args.token:
        parser.error("--url requires --token")
    if args.url:
        parts = urlsplit(args.url)
        if parts.scheme != "http" or parts.hostname not in LOCAL_HOSTS:
            parser.error("--url must be http://127.0.0.1:<port> or http://localhost:<port>")
    if args.duration <= 0 or args.connections <= 0 or args.workers <= 0:
        parser.error("--duration, --connections and --workers must be positive")
    return args


def base_env(tmp: Path | None, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    if tmp is not None:
        env.update(
            {
                "MOTIVO_DATA_DIR": str(tmp),
                "DJANGO_DEBUG": "0",
                "MOTIVO_SECRET_KEY": "bench-secret",
                "MOTIVO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            }
        )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    motivo = motivo_command(args.motivo_cmd)
    run_id = secrets.token_hex(4)
    tmp: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    try:
        if args.url:
            parts = urlsplit(args.url)
            host, port = "127.0.0.1", parts.port or 80
            host_header, token = parts.netloc, args.token
            database_url = args.database_url or os.environ.get("DATABASE_URL")
            env = base_env(None, database_url)
            target = args.url
        else:
            tmp = Path(tempfile.mkdtemp(prefix="motivo-bench-"))
            database_url = args.database_url or f"sqlite:///{tmp / 'motivo.sqlite3'}"
            env = base_env(tmp, database_url)
            host, port = "127.0.0.1", args.port or free_port()
            host_header = f"{host}:{port}"
            print(f"data dir {tmp}; migrating ...", flush=True)
            run_cli(motivo, ["manage", "migrate", "--noinput"], env)
            run_cli(
                motivo,
                ["user", "create", BENCH_USER, "--role", "admin", "--password", BENCH_SECRET],
                env,
            )
            lines = run_cli(motivo, ["token", "create", "--user", BENCH_USER], env).splitlines()
            token = lines[-1].strip() if lines else ""
            if not token:
                raise SetupError("`motivo token create` printed no token")
            if args.rollups:
                run_cli(motivo, ["manage", "shell", "-c", ROLLUP_SETUP], env)
            log = tmp / "server.log"
            cmd = [*motivo, "serve", "--host", host, "--port", str(port)]
            cmd += ["--workers", str(args.workers), "--no-worker"]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            cmd += shlex.split(args.serve_args)
            print(
                f"starting motivo serve on {host_header} ({args.workers} workers) ...", flush=True
            )
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    cmd,
                    env=env,
                    cwd=REPO,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            target = f"motivo serve on {host_header}"
        wait_healthy(host, port, proc, tmp / "server.log" if tmp else None)

        factory = RequestFactory(host_header, token, run_id, args.connections, reasons=args.rollups)
        print(
            f"warm-up {WARMUP_S:g} s, then {args.duration:g} s with {args.connections} "
            f"connections (run {run_id}) ...",
            flush=True,
        )
        warmup, load, replayed, accepted = asyncio.run(
            run_load(
                host, port, factory, args.connections, args.duration, proc.pid if proc else None
            )
        )
        if proc is not None:
            stop_server(proc)
            if proc.returncode not in (0, -signal.SIGTERM):
                print(f"note: server exited with {proc.returncode}", flush=True)
        storage = verify_storage(accepted, factory.prefix, database_url, motivo, env)
        report = build_report(args, target, database_url, warmup, load, replayed, storage)
        print_report(report)
        print(f"results written to {write_json(report).relative_to(REPO)}")
        return 0 if report["pass"] else 1
    except SetupError as exc:
        print(f"benchmark could not run: {exc}", file=sys.stderr)
        if proc is not None and tmp is not None:
            print(tail(tmp / "server.log"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if proc is not None:
            stop_server(proc)
        if tmp is not None:
            if args.keep:
                print(f"kept {tmp}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
