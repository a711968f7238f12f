"""Reason-suggestion latency under load: contacts arriving at 100/s for a minute.

Requirement checked (issue 4): with contacts arriving through `POST /api/v1/contacts` at
100 per second for 60 s, every contact has its three reason suggestions within 2 s of its
POST (p95), and ingestion itself is not slowed (the POSTs' own latency is printed too).

The suggester answers in two passes (docs/reason-suggestions.md): a lexical first pass for
every new contact, then the embedding model, which replaces those suggestions as fast as the
CPU allows. Both are timed: "suggestions" is the first (the requirement), "refined" the
second, with how many were refined by the end and at what rate.

The script builds a throwaway installation (migrate, an admin and an API token, the demo
shop's 25 reasons with their descriptions and example phrases), starts `motivo serve`
(web server + the background suggester; no task worker, chat or mail poller), waits for the
first model version (trained from the reasons alone: cold start), warms up, then sends
contacts open-loop at the given rate over a few keep-alive connections, with texts made from
the demo's Spanish and English templates. A reader thread polls the SQLite file (read-only)
every 20 ms for new `suggest_contactprediction` rows and stamps when each contact's
suggestions appeared; latency = that moment − the start of the contact's POST.

Usage:  .venv/bin/python bench/suggest_latency.py [--rate 100] [--duration 60] [--workers 2]
Exit status: 0 PASS, 1 FAIL, 2 the benchmark could not run (setup error).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest import (
    BENCH_SECRET,
    BENCH_USER,
    CLIENT_ERRORS,
    REPO,
    Connection,
    SetupError,
    base_env,
    free_port,
    git_revision,
    machine_cpu_s,
    motivo_command,
    parse_accepted,
    percentile_ms,
    process_group_cpu_s,
    run_cli,
    stop_server,
    tail,
    wait_healthy,
    write_json,
)

TARGET_P95_MS = 2000.0
WARMUP_CONTACTS = 60
MODEL_TIMEOUT_S = 600.0
GRACE_S = 30.0  # after the last POST, how long stragglers may take before they count missing
POLL_S = 0.02

SETUP_REASONS = """
from motivo.demo import catalog
from motivo.reasons.models import ReasonCategory
from motivo.reasons.services import category_save, reason_save
from motivo.suggest.demo import EXAMPLES
categories = {}
for position, name in enumerate(catalog.CATEGORIES, start=1):
    categories[name] = category_save(name=name, position=position)
for spec in catalog.REASONS:
    reason_save(category=categories[spec.category], name=spec.name, owner=None,
                action=spec.action, description=spec.description,
                examples=EXAMPLES.get(spec.name, ()))
print("reasons", len(catalog.REASONS))
"""

TEXTS_CODE = """
import json
from motivo.demo import catalog
out = []
for spec in catalog.REASONS:
    for texts in (spec.es, spec.en):
        out.append([list(texts.subjects), list(texts.bodies)])
print("BENCH-TEXTS " + json.dumps(out, ensure_ascii=False))
"""

PRODUCTS = ("las zapatillas Trail 3", "la mochila Sol 20L", "el abrigo Norte", "a rain jacket")


@dataclass
class Sent:
    external_id: str
    started: float  # perf_counter at the start of the POST
    contact_id: int | None = None
    post_ms: float | None = None


@dataclass
class Run:
    sent: list[Sent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seen: dict[int, float] = field(default_factory=dict)  # contact id -> perf_counter
    refined: dict[int, float] = field(default_factory=dict)  # … when the 2nd pass was seen
    lag_max_s: float = 0.0  # how far behind schedule a POST started, at worst


class PredictionWatcher(threading.Thread):
    """Polls the SQLite file for new predictions and stamps when each first appears."""

    def __init__(self, db_path: Path, run: Run) -> None:
        super().__init__(daemon=True)
        self.db_path = db_path
        self.run_data = run
        self.stop = threading.Event()
        self.floor = 0  # every contact id below this has been seen or is not ours

    def run(self) -> None:
        db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)
        polls = 0
        try:
            while not self.stop.wait(POLL_S):
                try:
                    rows = db.execute(
                        "SELECT contact_id, refined FROM suggest_contactprediction "
                        "WHERE contact_id >= ?",
                        (self.floor,),
                    ).fetchall()
                except sqlite3.OperationalError:
                    continue
                now = time.perf_counter()
                seen, refined = self.run_data.seen, self.run_data.refined
                for contact_id, done in rows:
                    seen.setdefault(contact_id, now)
                    if done:
                        refined.setdefault(contact_id, now)
                polls += 1
                if polls % 25 == 0:  # skip, from now on, what is already refined
                    waiting = [
                        s.contact_id
                        for s in list(self.run_data.sent)
                        if s.contact_id is not None and s.contact_id not in refined
                    ]
                    if waiting:
                        self.floor = max(self.floor, min(waiting))
        finally:
            db.close()


class _Values(dict):
    """Template values; a placeholder without one becomes a plausible number."""

    def __missing__(self, key: str) -> str:
        return "42"


def build_payloads(templates: list, count: int, run_id: str, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    payloads = []
    for n in range(count):
        subjects, bodies = templates[rng.randrange(len(templates))]
        values = {
            "order": f"TS-{rng.randrange(10000, 99999)}",
            "product": rng.choice(PRODUCTS),
            "days": str(rng.randrange(2, 20)),
            "first_name": "Ana",
            "agent": "Luis",
        }
        doc = {
            "channel": rng.choice(("email", "web", "chat")),
            "customer": {"email": f"c{n % 3000}@bench.example", "name": f"Customer {n % 3000}"},
            "subject": rng.choice(subjects).format_map(_Values(values)),
            "body": rng.choice(bodies).format_map(_Values(values)),
            "external_id": f"sl-{run_id}-{n}",
        }
        payloads.append(json.dumps(doc, ensure_ascii=False).encode())
    return payloads


def request_bytes(host: str, token: str, body: bytes) -> bytes:
    head = (
        "POST /api/v1/contacts HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\n"
        "Accept: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def send_open_loop(
    host: str, port: int, token: str, payloads: list[bytes], rate: float, connections: int, run: Run
) -> float:
    """Start POST i at t0 + i/rate (open loop) on the first free connection; returns the
    wall time the sending took."""
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    conns = [Connection(i, host, port) for i in range(connections)]
    await asyncio.gather(*(c.open() for c in conns))
    host_header = f"{host}:{port}"

    async def worker(conn: Connection) -> None:
        while True:
            item = await queue.get()
            if item is None:
                return
            index, due = item
            body = payloads[index]
            started = time.perf_counter()
            run.lag_max_s = max(run.lag_max_s, started - due)
            sent = Sent(external_id=str(index), started=started)
            run.sent.append(sent)
            try:
                status, answer = await conn.request(request_bytes(host_header, token, body))
            except CLIENT_ERRORS as exc:
                run.errors.append(f"{index}: {exc!r}")
                conn.close()
                continue
            sent.post_ms = (time.perf_counter() - started) * 1000
            if status not in (200, 201):
                run.errors.append(f"{index}: HTTP {status} {answer[:200]!r}")
                continue
            sent.contact_id = parse_accepted(answer)

    tasks = [asyncio.create_task(worker(c)) for c in conns]
    t0 = time.perf_counter()
    for index in range(len(payloads)):
        due = t0 + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((index, due))
    for _ in conns:
        queue.put_nowait(None)
    await asyncio.gather(*tasks)
    for c in conns:
        c.close()
    return time.perf_counter() - t0


def api_json(host: str, port: int, token: str, path: str) -> Any:
    import http.client

    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return json.loads(response.read() or b"null") if response.status == 200 else None
    except (OSError, ValueError):
        return None
    finally:
        conn.close()


def wait_for_model(host: str, port: int, token: str, proc: subprocess.Popen, log: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < MODEL_TIMEOUT_S:
        if proc.poll() is not None:
            raise SetupError(f"server exited with {proc.returncode}\n{tail(log)}")
        status = api_json(host, port, token, "/api/v1/suggest/model")
        if status and status.get("active"):
            return time.monotonic() - started
        time.sleep(0.5)
    raise SetupError(f"no active suggestion model after {MODEL_TIMEOUT_S:.0f} s\n{tail(log)}")


def _spread(stamps: dict[int, float], sends: list[Sent]) -> dict[str, float | None]:
    ordered = sorted(
        int((stamps[s.contact_id] - s.started) * 1e9)
        for s in sends
        if s.contact_id is not None and s.contact_id in stamps
    )
    return {
        "n": len(ordered),
        "p50": percentile_ms(ordered, 50),
        "p95": percentile_ms(ordered, 95),
        "p99": percentile_ms(ordered, 99),
        "max": ordered[-1] / 1e6 if ordered else None,
    }


def summarise(run: Run, sends: list[Sent]) -> dict[str, Any]:
    latencies = sorted(
        int((run.seen[s.contact_id] - s.started) * 1e9)
        for s in sends
        if s.contact_id is not None and s.contact_id in run.seen
    )
    posts = sorted(int(s.post_ms * 1e6) for s in sends if s.post_ms is not None)
    missing = [
        s.contact_id for s in sends if s.contact_id is not None and s.contact_id not in run.seen
    ]
    return {
        "contacts": len(sends),
        "accepted": sum(1 for s in sends if s.contact_id is not None),
        "with_suggestions": len(latencies),
        "missing": len(missing),
        "suggest_ms": {
            "p50": percentile_ms(latencies, 50),
            "p95": percentile_ms(latencies, 95),
            "p99": percentile_ms(latencies, 99),
            "max": latencies[-1] / 1e6 if latencies else None,
        },
        "refined_ms": _spread(run.refined, sends),
        "post_ms": {
            "p50": percentile_ms(posts, 50),
            "p95": percentile_ms(posts, 95),
            "p99": percentile_ms(posts, 99),
            "max": posts[-1] / 1e6 if posts else None,
        },
    }


def fmt(value: float | None, spec: str = ".0f") -> str:
    return "n/a" if value is None else format(value, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="contacts per second (100)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (60)")
    parser.add_argument("--workers", type=int, default=2, help="web server processes (2)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections (8)")
    parser.add_argument(
        "--refine-wait",
        type=float,
        default=600.0,
        help="seconds to wait after the load for the second pass to finish (600)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir")
    args = parser.parse_args(argv)

    motivo = motivo_command(None)
    run_id = secrets.token_hex(4)
    tmp = Path(tempfile.mkdtemp(prefix="motivo-suggest-bench-"))
    db_path = tmp / "motivo.sqlite3"
    env = base_env(tmp, f"sqlite:///{db_path}")
    host, port = "127.0.0.1", free_port()
    proc: subprocess.Popen[bytes] | None = None
    watcher: PredictionWatcher | None = None
    try:
        print(f"data dir {tmp}; migrating, 25 reasons with phrases ...", flush=True)
        run_cli(motivo, ["manage", "migrate", "--noinput"], env)
        run_cli(motivo, ["manage", "shell", "-c", SETUP_REASONS], env)
        run_cli(
            motivo,
            ["user", "create", BENCH_USER, "--role", "admin", "--password", BENCH_SECRET],
            env,
        )
        token = (
            run_cli(motivo, ["token", "create", "--user", BENCH_USER], env).splitlines()[-1].strip()
        )
        out = run_cli(motivo, ["manage", "shell", "-c", TEXTS_CODE], env)
        line = next(x for x in out.splitlines() if x.startswith("BENCH-TEXTS "))
        templates = json.loads(line.removeprefix("BENCH-TEXTS "))
        total = int(args.rate * args.duration)
        payloads = build_payloads(templates, WARMUP_CONTACTS + total, run_id)

        log = tmp / "server.log"
        cmd = [*motivo, "serve", "--host", host, "--port", str(port), "--workers",
               str(args.workers), "--no-worker", "--no-chat", "--no-mail-poll"]  # fmt: skip
        print(f"starting motivo serve on {host}:{port} (with the suggester) ...", flush=True)
        with log.open("wb") as sink:
            proc = subprocess.Popen(
                cmd, env=env, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_healthy(host, port, proc, log)
        model_s = wait_for_model(host, port, token, proc, log)
        print(f"first model version active after {model_s:.1f} s; warming up ...", flush=True)

        run = Run()
        watcher = PredictionWatcher(db_path, run)
        watcher.start()
        asyncio.run(send_open_loop(host, port, token, payloads[:WARMUP_CONTACTS], 20.0, 2, run))
        warm = list(run.sent)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(
            s.contact_id not in run.seen for s in warm if s.contact_id
        ):
            time.sleep(0.1)
        run.sent.clear()
        run.lag_max_s = 0.0

        print(f"load: {args.rate:g} contacts/s for {args.duration:g} s ...", flush=True)
        load_started = time.perf_counter()
        cpu0, machine0 = process_group_cpu_s(proc.pid), machine_cpu_s()
        load0 = os.getloadavg()[0]
        elapsed = asyncio.run(
            send_open_loop(
                host, port, token, payloads[WARMUP_CONTACTS:], args.rate, args.connections, run
            )
        )
        cpu1, machine1 = process_group_cpu_s(proc.pid), machine_cpu_s()
        load1 = os.getloadavg()[0]
        deadline = time.monotonic() + GRACE_S
        while time.monotonic() < deadline and any(
            s.contact_id not in run.seen for s in run.sent if s.contact_id
        ):
            time.sleep(0.1)
        print("waiting for the second pass to refine them all ...", flush=True)
        deadline = time.monotonic() + args.refine_wait
        while time.monotonic() < deadline and any(
            s.contact_id not in run.refined for s in run.sent if s.contact_id
        ):
            time.sleep(0.2)
        watcher.stop.set()
        watcher.join(5)
        ours = {s.contact_id for s in run.sent if s.contact_id}
        last_refined = max((t for c, t in run.refined.items() if c in ours), default=None)
        refine_rate = (
            sum(1 for c in run.refined if c in ours) / (last_refined - load_started)
            if last_refined
            else None
        )

        figures = summarise(run, run.sent)
        p95 = figures["suggest_ms"]["p95"]
        achieved = figures["contacts"] / elapsed if elapsed else 0.0
        checks = {
            "suggest_p95": {"ok": p95 is not None and p95 <= TARGET_P95_MS, "value": p95,
                            "target": f"<= {TARGET_P95_MS:g} ms"},
            "all_suggested": {"ok": figures["missing"] == 0, "value": figures["missing"],
                              "target": "0 missing"},
            "no_errors": {"ok": not run.errors, "value": len(run.errors), "target": "0"},
            "rate": {"ok": achieved >= args.rate * 0.97, "value": achieved,
                     "target": f">= {args.rate * 0.97:g}/s sent"},
        }  # fmt: skip
        report = {
            "benchmark": "suggest_latency",
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "git_revision": git_revision(),
            "host": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "config": vars(args),
            "model_ready_s": model_s,
            "sent_per_s": achieved,
            "lag_max_s": run.lag_max_s,
            "server_cpu_s": None if cpu0 is None or cpu1 is None else cpu1 - cpu0,
            "machine_cpu_s": None if machine0 is None or machine1 is None else machine1 - machine0,
            "loadavg": [load0, load1],
            "refined_per_s": refine_rate,
            "all_refined_after_s": None if last_refined is None else last_refined - load_started,
            **figures,
            "errors": run.errors[:5],
            "checks": checks,
            "pass": all(c["ok"] for c in checks.values()),
        }
        s, p, r = figures["suggest_ms"], figures["post_ms"], figures["refined_ms"]
        server = report["server_cpu_s"]
        machine = report["machine_cpu_s"]
        lines = [
            "",
            "Reason-suggestion latency: POST /api/v1/contacts -> suggestions stored",
            f"  load        {achieved:.1f} contacts/s sent for {elapsed:.1f} s "
            f"({args.connections} connections, {args.workers} server workers; worst start "
            f"{run.lag_max_s * 1000:.0f} ms behind schedule)",
            f"  host        {os.cpu_count()} CPUs, load average {load0:.1f} -> {load1:.1f}",
            f"  contacts    {figures['accepted']} accepted, {figures['with_suggestions']} with "
            f"suggestions, {figures['missing']} missing after {GRACE_S:g} s",
            f"  suggestions p50 {fmt(s['p50'])} ms  p95 {fmt(s['p95'])} ms  p99 {fmt(s['p99'])} ms"
            f"  max {fmt(s['max'])} ms  (from the POST)",
            f"  refined     {r['n']} of {figures['accepted']} by the end; p50 {fmt(r['p50'])} ms"
            f"  p95 {fmt(r['p95'])} ms  max {fmt(r['max'])} ms; second pass "
            f"{fmt(refine_rate, '.1f')} contacts/s (all refined "
            f"{fmt(report['all_refined_after_s'], '.0f')} s after the load began)",
            f"  POST        p50 {fmt(p['p50'], '.1f')} ms  p95 {fmt(p['p95'], '.1f')} ms  "
            f"p99 {fmt(p['p99'], '.1f')} ms  max {fmt(p['max'], '.1f')} ms",
            f"  cpu         server+suggester {fmt(server and server / elapsed * 100)} %, "
            f"whole machine {fmt(machine and machine / elapsed * 100)} % of one core",
            "",
        ]
        for name, check in checks.items():
            value = check["value"]
            shown = f"{value:.1f}" if isinstance(value, float) else str(value)
            lines.append(f"  [{'ok  ' if check['ok'] else 'FAIL'}] {name:<14} {shown:<12} "
                         f"target {check['target']}")  # fmt: skip
        for error in run.errors[:5]:
            lines.append(f"  error       {error}")
        lines += ["", "PASS" if report["pass"] else "FAIL", ""]
        print("\n".join(lines), flush=True)
        print(f"results written to {write_json(report, 'suggest_latency').relative_to(REPO)}")
        return 0 if report["pass"] else 1
    except SetupError as exc:
        print(f"benchmark could not run: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if watcher is not None:
            watcher.stop.set()
        if proc is not None:
            stop_server(proc)
        if args.keep:
            print(f"kept {tmp}")
        else:
            with contextlib.suppress(OSError):
                shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
