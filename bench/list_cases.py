"""Case-list benchmark: the agent inbox page and `GET /api/v1/cases?status=open`.

Requirement checked: with 1,000,000 cases in the database, the inbox page
(`GET /cases/?status=open`, HTML, signed-in agent) and `GET /api/v1/cases?status=open`
(bearer token) each answer with p99 <= 50 ms and no errors. For scale: django-helpdesk's ticket
list served about 6-11 pages/s, median ~1.4 s, with only ~1,000 tickets.

The script builds an installation in a data dir (migrate, `motivo demo --contacts N`, an agent
user and an API token), starts `motivo serve` on 127.0.0.1, signs the agent in through the real
login form, then loads each endpoint in turn: closed loop over --connections keep-alive
connections (spread evenly over the server workers), each cycling through the pages in --pages
(1, 2 and 20 by default), a 2 s warm-up, then --duration measured seconds. Seeding a million
cases takes minutes, so --reuse DIR keeps the seeded dir and uses it again on the next run.

Usage:  .venv/bin/python bench/list_cases.py [--cases 1000000] [--reuse DIR] [--duration 20]
Exit status: 0 PASS, 1 FAIL, 2 the benchmark could not run (setup error).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import http.client
import json
import math
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

# Shared pieces of the ingest benchmark (this file's directory is on sys.path when run as a
# script): the minimal keep-alive client and the server lifecycle helpers.
from ingest import (
    CLIENT_ERRORS,
    Connection,
    SetupError,
    fmt,
    free_port,
    git_revision,
    latency_summary,
    machine_cpu_s,
    motivo_command,
    process_group_cpu_s,
    redact,
    run_cli,
    run_workers,
    sqlite_path,
    stop_server,
    tail,
    wait_healthy,
    write_json,
)

REPO = Path(__file__).resolve().parent.parent

TARGET_P99_MS = 50.0
REQUIRED_CASES = 1_000_000
WARMUP_S = 2.0
STOP_GRACE_S = 15.0
MAX_ERROR_SAMPLES = 5
SEED_TIMEOUT_S = 4 * 3600
BALANCE_ATTEMPTS = 60
MAX_TOP_UPS = 3  # extra `motivo demo --contacts` runs when repeat contacts left too few cases
TOP_UP_FACTOR = 1.08  # generated contacts per new case, with a margin
STATE_FILE = "list-bench.json"  # in a seeded data dir: token, seed time, requested cases
DB_FILE = "motivo.sqlite3"
MARKER = "BENCH-LIST "

BENCH_USER = "bench"
BENCH_SECRET = "bench-pass-123"  # throwaway credential of a throwaway database

INBOX = "inbox"
API = "api"
ENDPOINT_LABELS = {INBOX: "GET /cases/?status=open", API: "GET /api/v1/cases?status=open"}
ENDPOINT_PATHS = {INBOX: "/cases/", API: "/api/v1/cases"}


# --------------------------------------------------------------------------------------------
# Environment, seeding, counting
# --------------------------------------------------------------------------------------------


def bench_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(
        {
            "MOTIVO_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "MOTIVO_SECRET_KEY": "bench",
            "DJANGO_DEBUG": "0",
            "MOTIVO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
    )
    return env


def run_streamed(motivo: list[str], args: list[str], env: dict[str, str], log: Path) -> float:
    """Run a long CLI command, echo its output (prefixed) and log it; return its wall time."""
    cmd = [*motivo, *args]
    started = time.perf_counter()
    try:
        with log.open("a", encoding="utf-8") as out:
            out.write(f"$ motivo {' '.join(args)}\n")
            proc = subprocess.Popen(
                cmd,
                env=env,
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                out.write(line)
                print(f"  | {line.rstrip()[:200]}", flush=True)
            rc = proc.wait(timeout=SEED_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SetupError(f"`motivo {' '.join(args)}` failed: {exc}") from exc
    if rc != 0:
        raise SetupError(f"`motivo {' '.join(args)}` exited {rc} (log: {log})")
    return time.perf_counter() - started


def seed(
    motivo: list[str], env: dict[str, str], data_dir: Path, database_url: str, cases: int
) -> dict[str, Any]:
    """Migrate, then `motivo demo --contacts N` with N = `cases`; repeat contacts join existing
    cases, so top up with more generated contacts until there are `cases` cases. Then the agent
    and its API token."""
    log = data_dir / "seed.log"
    print(f"migrating {data_dir} ...", flush=True)
    migrate_s = run_streamed(motivo, ["manage", "migrate", "--noinput"], env, log)
    runs: list[dict[str, Any]] = []
    contacts = cases
    for _ in range(1 + MAX_TOP_UPS):
        print(f"seeding: motivo demo --contacts {contacts} ...", flush=True)
        seconds = run_streamed(motivo, ["demo", "--contacts", str(contacts)], env, log)
        total = count_cases(database_url, motivo, env)["total"]
        runs.append({"contacts": contacts, "seconds": round(seconds, 2), "cases_after": total})
        print(f"  {seconds:.1f} s; {total:,} cases in the database", flush=True)
        if total >= cases:
            break
        contacts = math.ceil((cases - total) * TOP_UP_FACTOR) + 100
    seed_s = sum(run["seconds"] for run in runs)
    print(f"seeded in {seed_s:.1f} s (migrate {migrate_s:.1f} s)", flush=True)
    run_cli(
        motivo,
        ["user", "create", BENCH_USER, "--role", "agent", "--password", BENCH_SECRET],
        env,
    )
    out = run_cli(motivo, ["token", "create", "--user", BENCH_USER], env).strip()
    token = out.splitlines()[-1].strip() if out else ""
    if not token:
        raise SetupError("`motivo token create` printed no token")
    state = {
        "requested_cases": cases,
        "migrate_s": round(migrate_s, 2),
        "seed_s": round(seed_s, 2),
        "demo_runs": runs,
        "seeded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "token": token,
        "git_revision": git_revision(),
    }
    (data_dir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    return state


COUNT_SQL = (
    "SELECT count(*), coalesce(sum(status = 'open'), 0) FROM cases_case",
    "SELECT status, count(*) FROM cases_case GROUP BY status",
)


def count_cases(database_url: str, motivo: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Cases in the database, and how many are open: sqlite3 on the file, else the ORM."""
    db_file = sqlite_path(database_url)
    if db_file is not None:
        with contextlib.closing(sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)) as db:
            total, open_ = db.execute(COUNT_SQL[0]).fetchone()
            by_status = dict(db.execute(COUNT_SQL[1]).fetchall())
        return {"total": total, "open": open_, "by_status": by_status, "method": "sqlite3"}
    code = (
        "import json\n"
        "from django.db.models import Count\n"
        "from motivo.cases.models import Case\n"
        "rows = Case.objects.values('status').annotate(n=Count('pk')).order_by()\n"
        f"print({MARKER!r} + json.dumps({{r['status']: r['n'] for r in rows}}))\n"
    )
    for line in run_cli(motivo, ["manage", "shell", "-c", code], env).splitlines():
        if line.startswith(MARKER):
            by_status = json.loads(line[len(MARKER) :])
            return {
                "total": sum(by_status.values()),
                "open": by_status.get("open", 0),
                "by_status": by_status,
                "method": "Django ORM",
            }
    raise SetupError("could not count the cases")


EXPLAIN_CODE = """
import json, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from motivo.accounts.models import User
from motivo.cases.selectors import CaseFilters, case_list_for_user
user = User.objects.get(username=%(user)r)
out = []
for page in %(pages)r:
    case_list_for_user(user=user, filters=CaseFilters(status="open"), page=page)
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        items = case_list_for_user(user=user, filters=CaseFilters(status="open"), page=page).items
        ms = (time.perf_counter() - t0) * 1000
    plans = []
    for q in ctx.captured_queries:
        with connection.cursor() as cur:
            cur.execute("EXPLAIN QUERY PLAN " + q["sql"])
            plans.append({"sql": q["sql"], "plan": [r[-1] for r in cur.fetchall()]})
    out.append({"page": page, "ms": ms, "items": len(items), "queries": plans})
print(%(marker)r + json.dumps(out))
"""


def explain(motivo: list[str], env: dict[str, str], pages: list[int]) -> list[dict[str, Any]] | str:
    """Queries and SQLite plans of `case_list_for_user(status=open)` for the bench agent."""
    code = EXPLAIN_CODE % {"user": BENCH_USER, "pages": pages, "marker": MARKER}
    try:
        out = run_cli(motivo, ["manage", "shell", "-c", code], env)
    except SetupError as exc:
        return str(exc)
    for line in out.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    return f"no plan in output:\n{out[-2000:]}"


# --------------------------------------------------------------------------------------------
# Signing in
# --------------------------------------------------------------------------------------------

CSRF_INPUT = re.compile(
    r"""<input[^>]*name=["']csrfmiddlewaretoken["'][^>]*value=["']([^"']+)["']"""
    r"""|<input[^>]*value=["']([^"']+)["'][^>]*name=["']csrfmiddlewaretoken["']"""
)


def response_cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in(
    host: str, port: int, username: str = BENCH_USER, password: str = BENCH_SECRET
) -> dict[str, str]:
    """Sign a user (the bench agent by default) in through the login form; return the
    cookies to send."""
    origin = f"http://{host}:{port}"
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        page = response.read().decode(errors="replace")
        if response.status != 200:
            raise SetupError(f"GET /accounts/login/ answered {response.status}")
        cookies = response_cookies(response)
        match = CSRF_INPUT.search(page)
        if "csrftoken" not in cookies or match is None:
            raise SetupError("the login page set no csrftoken cookie or has no CSRF input")
        body = urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": match.group(1) or match.group(2),
                "next": "",
            }
        )
        conn.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookies['csrftoken']}",
                "Origin": origin,
                "Referer": f"{origin}/accounts/login/",
            },
        )
        response = conn.getresponse()
        response.read()
        cookies |= response_cookies(response)
        if response.status != 302 or "sessionid" not in cookies:
            raise SetupError(
                f"sign-in as {username} failed: POST /accounts/login/ answered {response.status} "
                f"(sessionid cookie {'set' if 'sessionid' in cookies else 'missing'})"
            )
    except (OSError, http.client.HTTPException) as exc:
        raise SetupError(f"sign-in failed: {exc!r}") from exc
    finally:
        conn.close()
    return {"sessionid": cookies["sessionid"], "csrftoken": cookies["csrftoken"]}


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


def target_path(endpoint: str, page: int) -> str:
    query = "status=open" if page == 1 else f"status=open&page={page}"
    return f"{ENDPOINT_PATHS[endpoint]}?{query}"


def build_request(endpoint: str, page: int, host_header: str, auth: dict[str, str]) -> bytes:
    if endpoint == INBOX:
        credentials = f"Cookie: sessionid={auth['sessionid']}; csrftoken={auth['csrftoken']}"
        accept = "text/html"
    else:
        credentials = f"Authorization: Bearer {auth['token']}"
        accept = "application/json"
    return (
        f"GET {target_path(endpoint, page)} HTTP/1.1\r\n"
        f"Host: {host_header}\r\n"
        f"{credentials}\r\n"
        f"Accept: {accept}\r\n"
        "\r\n"
    ).encode()


def count_rows(endpoint: str, body: bytes) -> int | None:
    """How many cases a page shows: JSON list items, or table rows linking to a case."""
    if endpoint == API:
        try:
            doc = json.loads(body)
        except ValueError:
            return None
        if isinstance(doc, list):
            return len(doc)
        if isinstance(doc, dict):
            for key in ("items", "results", "cases", "data"):
                if isinstance(doc.get(key), list):
                    return len(doc[key])
        return None
    return len(set(re.findall(rb'href="/cases/(\d+)/', body))) or None


async def probe(host: str, port: int, requests: dict[tuple[str, int], bytes]) -> dict[str, Any]:
    """One request per (endpoint, page) before the load: status, size, rows shown."""
    conn = Connection(0, host, port)
    found: dict[str, Any] = {}
    try:
        for (endpoint, page), payload in requests.items():
            t0 = time.perf_counter_ns()
            try:
                status, body = await conn.request(payload)
            except CLIENT_ERRORS as exc:
                found[f"{endpoint} p{page}"] = {"error": repr(exc)}
                conn.close()
                continue
            found[f"{endpoint} p{page}"] = {
                "status": status,
                "bytes": len(body),
                "rows": count_rows(endpoint, body) if status == 200 else None,
                "first_ms": (time.perf_counter_ns() - t0) / 1e6,
                "sample": None if status == 200 else body[:300].decode(errors="replace"),
            }
    finally:
        conn.close()
    return found


# --------------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------------


def loadavg_1m() -> float | None:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


@dataclass
class PhaseStats:
    endpoint: str
    name: str
    requests: int = 0
    errors: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    by_page: dict[int, list[int]] = field(default_factory=dict)
    error_kinds: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    bytes_read: int = 0
    elapsed_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float | None = None
    machine_cpu_s: float | None = None  # every process on the host, ours included

    def error(self, kind: str, detail: str) -> None:
        self.errors += 1
        self.error_kinds[kind] += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(f"{kind}: {detail[:300]}")


async def run_phase(
    endpoint: str,
    name: str,
    conns: list[Connection],
    mix: list[tuple[int, bytes]],
    duration_s: float,
    server_pgid: int | None,
) -> PhaseStats:
    """Closed loop: each connection cycles through `mix` (page, request) until the deadline."""
    stats = PhaseStats(endpoint, name, by_page={page: [] for page, _ in mix})
    perf_ns = time.perf_counter_ns
    started = perf_ns()
    deadline = started + int(duration_s * 1e9)
    last_done = started

    async def worker(conn: Connection) -> None:
        nonlocal last_done
        step = conn.index  # connections start at different points of the cycle
        while perf_ns() < deadline:
            page, payload = mix[step % len(mix)]
            step += 1
            stats.requests += 1
            t0 = perf_ns()
            try:
                status, body = await conn.request(payload)
            except CLIENT_ERRORS as exc:
                stats.error(type(exc).__name__, f"page {page}: {exc!r}")
                conn.close()
                await asyncio.sleep(0.01)  # do not spin on a refusing server
                continue
            t1 = perf_ns()
            stats.latencies_ns.append(t1 - t0)
            stats.by_page[page].append(t1 - t0)
            stats.bytes_read += len(body)
            last_done = max(last_done, t1)
            if status != 200:
                stats.error(f"HTTP {status}", f"page {page}: {body[:300].decode(errors='replace')}")

    cpu0 = time.process_time()
    server_cpu0 = process_group_cpu_s(server_pgid)
    machine_cpu0 = machine_cpu_s()
    await run_workers(conns, worker, duration_s, stats.error)
    stats.client_cpu_s = time.process_time() - cpu0
    server_cpu1 = process_group_cpu_s(server_pgid)
    if server_cpu0 is not None and server_cpu1 is not None:
        stats.server_cpu_s = server_cpu1 - server_cpu0
    machine_cpu1 = machine_cpu_s()
    if machine_cpu0 is not None and machine_cpu1 is not None:
        stats.machine_cpu_s = machine_cpu1 - machine_cpu0
    stats.elapsed_s = (last_done - started) / 1e9
    return stats


def server_connection_owners(server_pgid: int, server_port: int) -> dict[int, int]:
    """Client port -> pid of the server process holding that TCP connection (Linux /proc).

    Worker processes accept connections independently, so a handful of keep-alive connections
    often lands unevenly (3 on one worker, 1 on the other): the loaded worker then interleaves
    three requests while the other idles, and the figures depend on that draw, not on the code.
    """
    socket_pid: dict[str, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != server_pgid:
                continue
            pid = int(stat.parent.name)
            for fd in (stat.parent / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    socket_pid[target[8:-1]] = pid
        except (OSError, IndexError, ValueError):
            continue
    owners: dict[int, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            local_port = int(cols[1].rsplit(":", 1)[1], 16)
            if local_port == server_port and cols[9] in socket_pid:
                owners[int(cols[2].rsplit(":", 1)[1], 16)] = socket_pid[cols[9]]
    return owners


def local_port(conn: Connection) -> int | None:
    writer = conn._writer  # the ingest client keeps its stream private
    return writer.get_extra_info("sockname")[1] if writer is not None else None


async def balance(
    conns: list[Connection], workers: int, server_pgid: int | None, server_port: int
) -> list[int] | None:
    """Reopen connections until the server workers hold them evenly (as many clients would);
    return the connections per worker, or None when that cannot be seen."""
    if server_pgid is None or not Path("/proc/net/tcp").exists():
        return None
    quota = -(-len(conns) // workers)
    spread = min(len(conns), workers)
    counts: Counter[int] = Counter()
    for _ in range(BALANCE_ATTEMPTS):
        await asyncio.sleep(0.05)  # let the workers accept
        owners = server_connection_owners(server_pgid, server_port)
        by_pid: dict[int, list[Connection]] = {}
        for conn in conns:
            pid = owners.get(local_port(conn) or -1)
            if pid is None:
                break
            by_pid.setdefault(pid, []).append(conn)
        else:
            counts = Counter({pid: len(held) for pid, held in by_pid.items()})
            if len(by_pid) >= spread and max(counts.values()) <= quota:
                return sorted(counts.values(), reverse=True)
            busiest = max(by_pid.values(), key=len)
            await busiest[-1].reopen()
            continue
        await asyncio.sleep(0.1)  # not accepted yet
    print(f"note: connections not spread evenly over the workers: {dict(counts)}", flush=True)
    return sorted(counts.values(), reverse=True) or None


async def load_endpoint(
    endpoint: str,
    host: str,
    port: int,
    mix: list[tuple[int, bytes]],
    connections: int,
    workers: int,
    duration_s: float,
    server_pgid: int | None,
) -> tuple[PhaseStats, PhaseStats, list[int] | None]:
    conns = [Connection(i, host, port) for i in range(connections)]
    await asyncio.gather(*(conn.open() for conn in conns))
    try:
        spread = await balance(conns, workers, server_pgid, port)
        warmup = await run_phase(endpoint, "warmup", conns, mix, WARMUP_S, server_pgid)
        load = await run_phase(endpoint, "load", conns, mix, duration_s, server_pgid)
    finally:
        for conn in conns:
            conn.close()
    return warmup, load, spread


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def endpoint_report(warmup: PhaseStats, load: PhaseStats) -> dict[str, Any]:
    lat = latency_summary(load.latencies_ns)
    errors = warmup.errors + load.errors
    p99 = lat["p99"]
    return {
        "label": ENDPOINT_LABELS[load.endpoint],
        "requests": load.requests,
        "errors": load.errors,
        "warmup_requests": warmup.requests,
        "warmup_errors": warmup.errors,
        "error_kinds": dict(warmup.error_kinds + load.error_kinds),
        "error_samples": (warmup.error_samples + load.error_samples)[:MAX_ERROR_SAMPLES],
        "elapsed_s": load.elapsed_s,
        "req_per_s": load.requests / load.elapsed_s if load.elapsed_s > 0 else 0.0,
        "latency_ms": lat,
        "by_page": {
            str(page): {"requests": len(ns)} | latency_summary(ns)
            for page, ns in load.by_page.items()
        },
        "mean_bytes": load.bytes_read / load.requests if load.requests else None,
        "client_cpu_s": load.client_cpu_s,
        "server_cpu_s": load.server_cpu_s,
        "other_cpu_s": (
            max(0.0, load.machine_cpu_s - load.client_cpu_s - load.server_cpu_s)
            if load.machine_cpu_s is not None and load.server_cpu_s is not None
            else None
        ),
        "checks": {
            "p99_latency": {
                "ok": p99 is not None and p99 <= TARGET_P99_MS,
                "value": p99,
                "target": f"<= {TARGET_P99_MS:g} ms",
            },
            "no_errors": {"ok": errors == 0, "value": errors, "target": "0 (warm-up included)"},
        },
    }


def percent(part: float | None, whole: float) -> str:
    return "n/a" if part is None or whole <= 0 else f"{part / whole * 100:.0f}%"


def spread_text(spread: list[int] | None) -> str:
    if not spread:
        return "spread over the workers unknown"
    return "per server worker: " + ", ".join(map(str, spread))


def seed_line(seed_info: dict[str, Any]) -> str:
    runs = seed_info.get("demo_runs") or [
        {"contacts": seed_info["requested_cases"], "seconds": seed_info["seed_s"]}
    ]
    parts = " + ".join(
        f"`motivo demo --contacts {run['contacts']}` {run['seconds']:.1f} s" for run in runs
    )
    reused = " (reused data dir)" if seed_info["reused"] else ""
    return f"{seed_info['seed_s']:.1f} s: {parts}{reused}"


def print_report(report: dict[str, Any]) -> None:
    cfg, db = report["config"], report["database"]
    lines = [
        "",
        "Case list benchmark: inbox page and GET /api/v1/cases?status=open",
        f"  target      motivo serve on 127.0.0.1 ({cfg['database_url']}), "
        f"{cfg['workers']} server workers",
        f"  load        {cfg['connections']} keep-alive connections per endpoint, closed loop, "
        f"pages {', '.join(map(str, cfg['pages']))} in turn, "
        f"{WARMUP_S:g} s warm-up + {cfg['duration_s']:g} s each",
        f"  host        {report['host']['cpus']} CPUs (shared), load average "
        f"{fmt(report['host']['loadavg_1m_before'], '.2f')} before / "
        f"{fmt(report['host']['loadavg_1m_after'], '.2f')} after, Python "
        f"{report['host']['python']}, git {report['git_revision']}",
        f"  database    {db['total']:,} cases, {db['open']:,} open "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(db['by_status'].items()))}) "
        f"[{db['method']}]",
        f"  seeding     {seed_line(report['seed'])}",
    ]
    for key, probe_result in report["probe"].items():
        if "error" in probe_result:
            lines.append(f"  probe       {key}: {probe_result['error']}")
            continue
        lines.append(
            f"  probe       {key:<10} HTTP {probe_result['status']}, "
            f"{probe_result['bytes']:,} bytes, {probe_result['rows']} cases shown, "
            f"first request {probe_result['first_ms']:.1f} ms"
        )
    for endpoint in report["endpoints"].values():
        lat = endpoint["latency_ms"]
        lines += [
            "",
            f"  {endpoint['label']}",
            f"    requests    {endpoint['requests']:,}  ({endpoint['req_per_s']:.1f} req/s over "
            f"{endpoint['elapsed_s']:.2f} s, mean {fmt(endpoint['mean_bytes'], ',.0f')} bytes)",
            f"    conns       {spread_text(endpoint['connections_per_worker'])}",
            f"    errors      {endpoint['errors']}  (warm-up: {endpoint['warmup_errors']} of "
            f"{endpoint['warmup_requests']})",
            f"    latency ms  p50 {fmt(lat['p50'])}  p90 {fmt(lat['p90'])}  "
            f"p99 {fmt(lat['p99'])}  max {fmt(lat['max'])}  mean {fmt(lat['mean'])}",
        ]
        for page, by in endpoint["by_page"].items():
            lines.append(
                f"      page {page:<4}  {by['requests']:>6,} req  p50 {fmt(by['p50'])}  "
                f"p90 {fmt(by['p90'])}  p99 {fmt(by['p99'])}  max {fmt(by['max'])}"
            )
        lines.append(
            f"    cpu         client {percent(endpoint['client_cpu_s'], endpoint['elapsed_s'])}, "
            f"server {percent(endpoint['server_cpu_s'], endpoint['elapsed_s'])}, "
            f"other processes {percent(endpoint['other_cpu_s'], endpoint['elapsed_s'])} "
            f"(of one core; {os.cpu_count()} cores)"
        )
        for kind, n in endpoint["error_kinds"].items():
            lines.append(f"    error       {n} x {kind}")
        for sample in endpoint["error_samples"]:
            lines.append(f"      e.g. {sample}")
        for name, check in endpoint["checks"].items():
            value = check["value"]
            shown = fmt(value) if isinstance(value, float) else str(value)
            verdict = "ok  " if check["ok"] else "FAIL"
            lines.append(f"    [{verdict}] {name:<14} {shown:<12} target {check['target']}")
    dataset = report["checks"]["dataset"]
    lines += [
        "",
        f"  [{'ok  ' if dataset['ok'] else 'FAIL'}] dataset        {dataset['value']:,} cases"
        f"      target {dataset['target']}",
    ]
    if db["total"] < REQUIRED_CASES:
        lines.append(
            f"  note: the requirement is stated for {REQUIRED_CASES:,} cases; "
            f"this run had {db['total']:,}"
        )
    if isinstance(report.get("explain"), list):
        lines.append("")
        lines.append("  case_list_for_user(status=open), in-process (no HTTP), SQLite plans:")
        for item in report["explain"]:
            lines.append(
                f"    page {item['page']}: {item['ms']:.1f} ms, {item['items']} cases, "
                f"{len(item['queries'])} queries"
            )
            for query in item["queries"]:
                lines.append(f"      {query['sql'][:160]}")
                for step in query["plan"]:
                    lines.append(f"        plan: {step}")
    elif report.get("explain"):
        lines.append(f"  explain failed: {report['explain'][:1000]}")
    lines += ["", "PASS" if report["pass"] else "FAIL", ""]
    print("\n".join(lines), flush=True)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cases",
        type=int,
        default=REQUIRED_CASES,
        help="cases to seed, with `motivo demo --contacts` (1000000)",
    )
    parser.add_argument(
        "--duration", type=float, default=20.0, help="measured seconds per endpoint (20)"
    )
    parser.add_argument("--connections", type=int, default=4, help="keep-alive connections (4)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (2)")
    parser.add_argument(
        "--pages",
        default="1,2,20",
        help="pages each connection cycles through, comma-separated (1,2,20)",
    )
    parser.add_argument(
        "--endpoints",
        default=f"{INBOX},{API}",
        help=f"which endpoints to load, comma-separated ({INBOX},{API})",
    )
    parser.add_argument("--port", type=int, default=None, help="server port (a free one)")
    parser.add_argument(
        "--reuse",
        metavar="DIR",
        type=Path,
        help="data dir to seed once and reuse on later runs (kept; seeded if still empty)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir")
    parser.add_argument(
        "--database-url", help="DATABASE_URL (default: sqlite:///<data dir>/motivo.sqlite3)"
    )
    parser.add_argument(
        "--no-explain",
        action="store_true",
        help="skip the EXPLAIN QUERY PLAN of case_list_for_user after the load",
    )
    parser.add_argument(
        "--motivo-cmd", help="command that runs the motivo CLI (default: the venv's `motivo`)"
    )
    args = parser.parse_args(argv)
    try:
        args.pages = [int(p) for p in args.pages.split(",") if p.strip()]
    except ValueError:
        parser.error("--pages must be comma-separated page numbers")
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    if not args.pages or min(args.pages) < 1:
        parser.error("--pages must list page numbers >= 1")
    if not args.endpoints or set(args.endpoints) - {INBOX, API}:
        parser.error(f"--endpoints takes {INBOX} and/or {API}")
    if args.cases <= 0 or args.duration <= 0 or args.connections <= 0 or args.workers <= 0:
        parser.error("--cases, --duration, --connections and --workers must be positive")
    return args


def prepare_data_dir(
    args: argparse.Namespace, motivo: list[str]
) -> tuple[Path, str, dict[str, str], dict[str, Any]]:
    """The data dir, its DATABASE_URL and env, and its seed state (seeding when needed)."""
    if args.reuse:
        data_dir = args.reuse.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="motivo-bench-list-"))
    database_url = args.database_url or f"sqlite:///{data_dir / DB_FILE}"
    env = bench_env(data_dir, database_url)
    state_file = data_dir / STATE_FILE
    if args.reuse and state_file.exists():
        state = json.loads(state_file.read_text())
        state["reused"] = True
        print(
            f"reusing {data_dir} (seeded {state['seeded_at']} with "
            f"--contacts {state['requested_cases']} in {state['seed_s']:.1f} s)",
            flush=True,
        )
        if state["requested_cases"] != args.cases:
            print(
                f"note: --cases {args.cases} ignored, the reused dir was seeded with "
                f"{state['requested_cases']}",
                flush=True,
            )
        return data_dir, database_url, env, state
    if args.reuse and (data_dir / DB_FILE).exists():
        raise SetupError(
            f"{data_dir} has a database but no {STATE_FILE}: not seeded by this script "
            "(or seeding was interrupted); remove it or pick another dir"
        )
    state = seed(motivo, env, data_dir, database_url, args.cases) | {"reused": False}
    return data_dir, database_url, env, state


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    motivo = motivo_command(args.motivo_cmd)
    data_dir: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    seeded = False
    try:
        data_dir, database_url, env, state = prepare_data_dir(args, motivo)
        seeded = True
        counted = count_cases(database_url, motivo, env)
        print(f"{counted['total']:,} cases in the database, {counted['open']:,} open", flush=True)

        host, port = "127.0.0.1", args.port or free_port()
        host_header = f"{host}:{port}"
        log = data_dir / "server.log"
        cmd = [*motivo, "serve", "--host", host, "--port", str(port)]
        cmd += ["--workers", str(args.workers), "--no-worker"]
        print(f"starting motivo serve on {host_header} ({args.workers} workers) ...", flush=True)
        with log.open("ab") as out:
            proc = subprocess.Popen(
                cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_healthy(host, port, proc, log)
        loadavg_before = loadavg_1m()

        auth = {"token": state["token"]}
        if INBOX in args.endpoints:
            auth |= sign_in(host, port)
        requests = {
            (endpoint, page): build_request(endpoint, page, host_header, auth)
            for endpoint in args.endpoints
            for page in args.pages
        }
        probed = asyncio.run(probe(host, port, requests))
        bad = {k: v for k, v in probed.items() if v.get("status") != 200}
        if bad:
            raise SetupError(f"probe requests failed: {json.dumps(bad, indent=2)}")

        endpoints: dict[str, Any] = {}
        for endpoint in args.endpoints:
            mix = [(page, requests[endpoint, page]) for page in args.pages]
            print(
                f"{ENDPOINT_LABELS[endpoint]}: warm-up {WARMUP_S:g} s, then {args.duration:g} s "
                f"with {args.connections} connections ...",
                flush=True,
            )
            warmup, load, spread = asyncio.run(
                load_endpoint(
                    endpoint,
                    host,
                    port,
                    mix,
                    args.connections,
                    args.workers,
                    args.duration,
                    proc.pid,
                )
            )
            endpoints[endpoint] = endpoint_report(warmup, load)
            endpoints[endpoint]["connections_per_worker"] = spread
        stop_server(proc)

        plans = None if args.no_explain else explain(motivo, env, args.pages)
        checks_ok = all(check["ok"] for e in endpoints.values() for check in e["checks"].values())
        dataset_ok = counted["total"] >= state["requested_cases"]
        report = {
            "benchmark": "list_cases",
            "requirement": (
                "Inbox page and GET /api/v1/cases?status=open with 1,000,000 cases in the "
                "database: p99 <= 50 ms"
            ),
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "git_revision": git_revision(),
            "host": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "loadavg_1m_before": loadavg_before,
                "loadavg_1m_after": loadavg_1m(),
            },
            "config": {
                "database_url": redact(database_url),
                "data_dir": str(data_dir),
                "workers": args.workers,
                "connections": args.connections,
                "duration_s": args.duration,
                "warmup_s": WARMUP_S,
                "pages": args.pages,
            },
            "seed": {
                "requested_cases": state["requested_cases"],
                "seed_s": state["seed_s"],
                "migrate_s": state.get("migrate_s"),
                "demo_runs": state.get("demo_runs"),
                "reused": state["reused"],
            },
            "database": counted,
            "probe": probed,
            "endpoints": endpoints,
            "checks": {
                "dataset": {
                    "ok": dataset_ok,
                    "value": counted["total"],
                    "target": f">= {state['requested_cases']:,} (seeded)",
                }
            },
            "explain": plans,
            "pass": checks_ok and dataset_ok,
        }
        print_report(report)
        print(f"results written to {write_json(report, 'list').relative_to(REPO)}")
        return 0 if report["pass"] else 1
    except SetupError as exc:
        print(f"benchmark could not run: {exc}", file=sys.stderr)
        if proc is not None and data_dir is not None:
            print(tail(data_dir / "server.log"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if proc is not None:
            stop_server(proc)
        if data_dir is not None:
            if args.reuse:
                if seeded:
                    print(f"reuse this data dir: {reuse_hint(data_dir)}")
            elif args.keep:
                print(f"kept {data_dir}; reuse it: {reuse_hint(data_dir)}")
            else:
                shutil.rmtree(data_dir, ignore_errors=True)


def reuse_hint(data_dir: Path) -> str:
    return f".venv/bin/python bench/list_cases.py --reuse {data_dir}"


if __name__ == "__main__":
    sys.exit(main())
