"""Dashboards benchmark: the insights pages on 1,000,000 contacts, and freshness.

Requirements checked: with 1,000,000 contacts in a SQLite database, each dashboard request
(top reasons with the previous period, trend per reason, contacts per order, the first page
of a drill-down list, and the top reasons API) is served in <= 200 ms p95; and a contact
ingested through `POST /api/v1/contacts` with a reason shows in the top reasons page within
5 s.

The script seeds a data dir (migrate, `motivo demo --contacts N`: the demo shop with its
daily orders plus N generated contacts; the same helpers as bench/list_cases.py), starts
`motivo serve`, signs in as the demo supervisor (marta) through the login form, and asks
each page --requests times in turn over one keep-alive connection after --warmup requests,
then reports p50/p95/p99. Seeding a million contacts takes minutes: --reuse DIR keeps the
seeded dir for the next run.

Usage:  .venv/bin/python bench/dashboards.py [--contacts 1000000] [--reuse DIR] [--requests 200]
Exit status: 0 PASS, 1 FAIL, 2 the benchmark could not run (setup error).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ingest import (
    SetupError,
    free_port,
    git_revision,
    latency_summary,
    motivo_command,
    percentile_ms,
    run_cli,
    sqlite_path,
    stop_server,
    tail,
    wait_healthy,
    write_json,
)
from list_cases import CSRF_INPUT, bench_env, loadavg_1m, response_cookies, run_streamed

REPO = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 200.0
FRESHNESS_TARGET_S = 5.0
REQUIRED_CONTACTS = 1_000_000
STATE_FILE = "dashboards-bench.json"
DB_FILE = "motivo.sqlite3"
SUPERVISOR = "marta"
SUPERVISOR_SECRET = "motivo-supervisor"  # the demo shop's published supervisor password


def seed(motivo: list[str], env: dict[str, str], data_dir: Path, contacts: int) -> dict[str, Any]:
    log = data_dir / "seed.log"
    print(f"migrating {data_dir} ...", flush=True)
    migrate_s = run_streamed(motivo, ["manage", "migrate", "--noinput"], env, log)
    print(f"seeding: motivo demo --contacts {contacts} ...", flush=True)
    seed_s = run_streamed(motivo, ["demo", "--contacts", str(contacts)], env, log)
    out = run_cli(motivo, ["token", "create", "--user", SUPERVISOR, "--name", "bench"], env)
    token = out.strip().splitlines()[-1].strip() if out.strip() else ""
    if not token:
        raise SetupError("`motivo token create` printed no token")
    state = {
        "requested_contacts": contacts,
        "migrate_s": round(migrate_s, 2),
        "seed_s": round(seed_s, 2),
        "seeded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "token": token,
        "git_revision": git_revision(),
    }
    (data_dir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    return state


def database_figures(database_url: str) -> dict[str, Any]:
    path = sqlite_path(database_url)
    if path is None:
        return {}
    with sqlite3.connect(path) as db:
        contacts = db.execute("SELECT count(*) FROM cases_contact").fetchone()[0]
        rollup = db.execute("SELECT count(*) FROM insights_reasondaycount").fetchone()[0]
        top = db.execute(
            "SELECT reason_id FROM insights_reasondaycount GROUP BY reason_id "
            "ORDER BY sum(count) DESC LIMIT 1"
        ).fetchone()
    return {"contacts": contacts, "rollup_rows": rollup, "top_reason_id": top and top[0]}


def sign_in(host: str, port: int) -> str:
    """Sign the demo supervisor in through the login form; return the Cookie header."""
    origin = f"http://{host}:{port}"
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        page = response.read().decode(errors="replace")
        cookies = response_cookies(response)
        match = CSRF_INPUT.search(page)
        if "csrftoken" not in cookies or match is None:
            raise SetupError("the login page set no csrftoken cookie or has no CSRF input")
        body = urlencode(
            {
                "username": SUPERVISOR,
                "password": SUPERVISOR_SECRET,
                "csrfmiddlewaretoken": match.group(1) or match.group(2),
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
            raise SetupError(f"sign-in as {SUPERVISOR} failed ({response.status})")
    finally:
        conn.close()
    return f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"


def targets(top_reason: int | None) -> dict[str, str]:
    today = dt.date.today()
    month = {
        "date_from": (today - dt.timedelta(days=29)).isoformat(),
        "date_to": today.isoformat(),
    }
    quarter = {**month, "date_from": (today - dt.timedelta(days=89)).isoformat()}
    pages = {
        "top reasons + previous period (30 d)": "/insights/pareto/",
        "top reasons + previous period (90 d)": f"/insights/pareto/?{urlencode(quarter)}",
        "top reasons CSV (30 d)": "/insights/pareto.csv",
        "top reasons API (existing Pareto)": "/api/v1/insights/pareto",
        "trend per reason (26 weeks)": "/insights/trend/",
        "trend CSV": "/insights/trend.csv",
        "contacts per order (12 weeks)": "/insights/cpx/",
        "contacts per order (52 weeks)": "/insights/cpx/?weeks=52",
        "drill-down, all reasons, page 1": f"/insights/contacts/?{urlencode(month)}",
    }
    if top_reason:
        query = urlencode({**month, "reason": top_reason})
        pages["drill-down, top reason, page 1"] = f"/insights/contacts/?{query}"
        query = urlencode({**month, "reason": top_reason, "channel": "phone"})
        pages["drill-down, top reason on phone, page 1"] = f"/insights/contacts/?{query}"
    return pages


def uncached() -> dict[str, list[str]]:
    """Pages asked with different inputs request after request (cycles longer than the chart
    memo): charts are memoized per input, so these measure a full render each time, the cost
    when the figures keep changing."""
    today = dt.date.today()
    ends = [today - dt.timedelta(days=index) for index in range(150)]
    weeks = [
        {"until": (today - dt.timedelta(weeks=index)).isoformat(), "channel": channel}
        for index in range(20)
        for channel in ("", "email", "chat", "phone", "web", "portal")
    ]
    return {
        "top reasons, new period each request": [
            "/insights/pareto/?"
            + urlencode(
                {
                    "date_from": (end - dt.timedelta(days=29)).isoformat(),
                    "date_to": end.isoformat(),
                }
            )
            for end in ends
        ],
        "trend, new weeks each request": [f"/insights/trend/?{urlencode(w)}" for w in weeks],
        "contacts per order, new weeks each request": [
            f"/insights/cpx/?{urlencode(w)}" for w in weeks
        ],
    }


def measure(
    conn: http.client.HTTPConnection,
    path: str | list[str],
    headers: dict[str, str],
    requests: int,
    warmup: int,
) -> dict[str, Any]:
    latencies: list[int] = []
    errors = 0
    size = 0
    paths = [path] if isinstance(path, str) else path
    for index in range(warmup + requests):
        started = time.perf_counter_ns()
        conn.request("GET", paths[index % len(paths)], headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter_ns() - started
        if response.status != 200:
            errors += 1
        if index >= warmup:
            latencies.append(elapsed)
        size = len(body)
    summary = latency_summary(latencies) | {"p95": percentile_ms(sorted(latencies), 95)}
    return {"path": paths[0], "errors": errors, "bytes": size, **summary}


PARETO_TOTAL = re.compile(rb'data-testid="total">(\d+)<')


def freshness(host: str, port: int, cookie: str, token: str) -> dict[str, Any]:
    """POST a contact with a reason, then poll today's top reasons page until it counts it."""
    today = dt.date.today().isoformat()
    page = "/insights/pareto/?" + urlencode({"date_from": today, "date_to": today})
    conn = http.client.HTTPConnection(host, port, timeout=30)

    def total() -> int:
        conn.request("GET", page, headers={"Cookie": cookie})
        response = conn.getresponse()
        match = PARETO_TOTAL.search(response.read())
        return int(match.group(1)) if match else 0

    before = total()
    payload = {
        "channel": "email",
        "customer": {"email": f"fresh-{time.time_ns()}@example.test", "name": "Bench"},
        "subject": "¿Dónde está mi pedido?",
        "body": "Benchmark contact",
        "reason": "¿Dónde está mi pedido?",
    }
    started = time.perf_counter()
    conn.request(
        "POST",
        "/api/v1/contacts",
        body=json.dumps(payload),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    response.read()
    if response.status not in (200, 201):
        raise SetupError(f"POST /api/v1/contacts answered {response.status}")
    seen = None
    while time.perf_counter() - started < 30:
        if total() >= before + 1:
            seen = time.perf_counter() - started
            break
        time.sleep(0.05)
    conn.close()
    return {"before": before, "seconds": seen, "ok": seen is not None and seen <= 5.0}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=REQUIRED_CONTACTS, help="(1000000)")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured requests per page")
    parser.add_argument("--workers", type=int, default=2, help="server processes (2)")
    parser.add_argument("--reuse", metavar="DIR", type=Path, help="seeded data dir to reuse")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir")
    parser.add_argument("--motivo-cmd", help="command that runs the motivo CLI")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    motivo = motivo_command(args.motivo_cmd)
    if args.reuse:
        data_dir = args.reuse.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="motivo-bench-dash-"))
    database_url = f"sqlite:///{data_dir / DB_FILE}"
    env = bench_env(data_dir, database_url)
    proc: subprocess.Popen[bytes] | None = None
    try:
        state_file = data_dir / STATE_FILE
        if args.reuse and state_file.exists():
            state = json.loads(state_file.read_text()) | {"reused": True}
            print(f"reusing {data_dir} (seeded {state['seeded_at']})", flush=True)
        else:
            state = seed(motivo, env, data_dir, args.contacts) | {"reused": False}
        figures = database_figures(database_url)
        print(
            f"{figures.get('contacts', 0):,} contacts; "
            f"{figures.get('rollup_rows', 0):,} roll-up rows",
            flush=True,
        )
        host, port = "127.0.0.1", free_port()
        log = data_dir / "server.log"
        cmd = [*motivo, "serve", "--host", host, "--port", str(port)]
        cmd += ["--workers", str(args.workers), "--no-worker", "--no-chat"]
        with log.open("ab") as out:
            proc = subprocess.Popen(
                cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_healthy(host, port, proc, log)
        cookie = sign_in(host, port)
        loadavg_before = loadavg_1m()
        results: dict[str, Any] = {}
        conn = http.client.HTTPConnection(host, port, timeout=60)
        pages: dict[str, str | list[str]] = {
            **targets(figures.get("top_reason_id")),
            **uncached(),
        }
        for label, path in pages.items():
            headers = {"Cookie": cookie}
            if isinstance(path, str) and path.startswith("/api/"):
                headers = {"Authorization": f"Bearer {state['token']}"}
            result = measure(conn, path, headers, args.requests, args.warmup)
            result["ok"] = result["errors"] == 0 and (result["p95"] or 1e9) <= TARGET_P95_MS
            results[label] = result
            print(
                f"  {label:<42} p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  "
                f"p99 {result['p99']:6.1f} ms  {'PASS' if result['ok'] else 'FAIL'}",
                flush=True,
            )
        conn.close()
        fresh = freshness(host, port, cookie, state["token"])
        seen = "never" if fresh["seconds"] is None else f"{fresh['seconds']:.2f} s"
        print(
            f"  new contact counted on the top reasons page after {seen} "
            f"(target <= {FRESHNESS_TARGET_S:g} s): {'PASS' if fresh['ok'] else 'FAIL'}",
            flush=True,
        )
        stop_server(proc)
        proc = None
        passed = all(r["ok"] for r in results.values()) and fresh["ok"]
        dataset_ok = figures.get("contacts", 0) >= state["requested_contacts"]
        report = {
            "benchmark": "dashboards",
            "requirement": "each dashboard request <= 200 ms p95 with 1,000,000 contacts "
            "(SQLite); a new contact shows within 5 s",
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "git_revision": git_revision(),
            "host": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "loadavg_1m_before": loadavg_before,
                "loadavg_1m_after": loadavg_1m(),
            },
            "config": {"workers": args.workers, "requests": args.requests, "warmup": args.warmup},
            "seed": state | {"token": "<redacted>"},
            "database": figures,
            "pages": results,
            "freshness": fresh,
            "pass": passed and dataset_ok,
        }
        print(
            f"dataset: {figures.get('contacts', 0):,} contacts "
            f"({'ok' if dataset_ok else 'FEWER than requested'}); "
            f"load average before/after {loadavg_before}/{report['host']['loadavg_1m_after']}"
        )
        print("PASS" if report["pass"] else "FAIL")
        print(f"results written to {write_json(report, 'dashboards').relative_to(REPO)}")
        return 0 if report["pass"] else 1
    except SetupError as exc:
        print(f"benchmark could not run: {exc}", file=sys.stderr)
        if proc is not None:
            print(tail(data_dir / "server.log"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if proc is not None:
            stop_server(proc)
        if args.reuse:
            print(f"reuse: .venv/bin/python bench/dashboards.py --reuse {data_dir}")
        elif args.keep:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
