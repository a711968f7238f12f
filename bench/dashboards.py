"""Dashboards benchmark: every insights and accountability page, and freshness.

Requirements checked (issue 5, "Scale"): with 1,000,000 contacts in a SQLite database each
dashboard request is served in <= 200 ms p95, with 10,000,000 contacts on PostgreSQL in
<= 300 ms p95; and a contact ingested through `POST /api/v1/contacts` with a reason shows in
the top reasons page within 5 s. The pages: top reasons (with the previous period, CSV, API),
trend per reason, contacts per order, drill-down lists, the value-irritant matrix (and CSV),
the monthly chargeback statement (and CSV), targets, an owner's page (/council/mine/, signed
in as an owner person), recognition, improvements (list and one improvement) and the weekly
review (/council/review/, measured only when it answers 200).

The script seeds a data dir (migrate, `motivo demo --contacts N`: the demo shop with its
daily orders, costs, owner persons, targets and improvements plus N generated contacts; the
same helpers as bench/list_cases.py), starts `motivo serve`, signs in as the demo supervisor
(marta) and as an owner person (rocio) through the login form, and asks each page --requests
times in turn over one keep-alive connection after --warmup requests, then reports
p50/p95/p99. Seeding a million contacts takes minutes: --reuse DIR keeps the seeded dir for
the next run. --top-up runs the demo's idempotent base seed steps (owner persons and ratings,
channel costs, daily orders, targets and improvements) on a reused database seeded before
those existed. --database-url points the installation at PostgreSQL (the data dir still
holds the state file and the logs).

Usage:  .venv/bin/python bench/dashboards.py [--contacts 1000000] [--reuse DIR] [--requests 200]
                                             [--database-url URL] [--top-up]
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
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import list_cases
from ingest import (
    SetupError,
    free_port,
    git_revision,
    latency_summary,
    motivo_command,
    percentile_ms,
    run_cli,
    stop_server,
    tail,
    wait_healthy,
    write_json,
)
from list_cases import bench_env, loadavg_1m, run_streamed

REPO = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 200.0  # SQLite, 1,000,000 contacts
TARGET_P95_MS_POSTGRES = 300.0  # PostgreSQL, 10,000,000 contacts
FRESHNESS_TARGET_S = 5.0
REQUIRED_CONTACTS = 1_000_000
STATE_FILE = "dashboards-bench.json"
DB_FILE = "motivo.sqlite3"
SUPERVISOR = "marta"
SUPERVISOR_SECRET = "motivo-supervisor"  # the demo shop's published supervisor password
OWNER = "rocio"  # head of Logística (catalog.DEPARTMENT_HEADS): owns the busiest reasons
OPTIONAL_PAGES = ("weekly review",)  # measured only when the page exists (answers 200)

# The demo's base seed steps that a database seeded by an older revision may lack; each one
# is idempotent (creates only what is missing), so --top-up may run on any demo database.
TOP_UP = """
import datetime as dt
from django.db import transaction
from motivo.council.demo import council_demo_seed
from motivo.demo import seed
day = seed.anchor_day()
first = day - dt.timedelta(days=seed.WINDOW_DAYS)
with transaction.atomic():
    seed._organisation()  # staff, owner persons and value-irritant ratings
    seed.demo_orders(first_day=first, last_day=day - dt.timedelta(days=1))
    seed.demo_channel_costs(since=first)
    council_demo_seed(today=day)  # targets and improvements (nothing if targets exist)
"""

FIGURES = """
import json
from django.db.models import Sum
from motivo.cases.models import Contact
from motivo.costs.models import ChannelCost
from motivo.council.models import Improvement, Target
from motivo.insights.models import ReasonDayCount
from motivo.reasons.models import Reason
top = (ReasonDayCount.objects.values("reason_id").annotate(n=Sum("count"))
       .order_by("-n").first())
print(json.dumps({
    "contacts": Contact.objects.count(),
    "rollup_rows": ReasonDayCount.objects.count(),
    "top_reason_id": top and top["reason_id"],
    "channel_costs": ChannelCost.objects.count(),
    "owned_reasons": Reason.objects.filter(owner_person__isnull=False).count(),
    "targets": Target.objects.count(),
    "improvements": Improvement.objects.count(),
    "improvement_id": Improvement.objects.order_by("pk").values_list("pk", flat=True).first(),
}))
"""


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
        "database": env["DATABASE_URL"].split(":", 1)[0],
        "seeded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "token": token,
        "git_revision": git_revision(),
    }
    (data_dir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    return state


def database_figures(motivo: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Contacts, roll-up rows, the busiest reason and what the council pages need, through
    the ORM (any database)."""
    out = run_cli(motivo, ["manage", "shell", "-c", FIGURES], env, timeout=900)
    return json.loads(out.strip().splitlines()[-1])


def top_up(motivo: list[str], env: dict[str, str], data_dir: Path) -> float:
    """Run the demo's idempotent base seed steps (see TOP_UP); return the wall time."""
    print("topping up: owner persons, ratings, orders, costs, targets, improvements ...")
    started = time.perf_counter()
    out = run_cli(motivo, ["manage", "shell", "-c", TOP_UP], env, timeout=1800)
    with (data_dir / "seed.log").open("a") as log:
        log.write(f"--- top-up {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\n{out}")
    return time.perf_counter() - started


def sign_in(
    host: str, port: int, username: str = SUPERVISOR, password: str = SUPERVISOR_SECRET
) -> str:
    """Sign a demo user in through the login form; return the Cookie header."""
    cookies = list_cases.sign_in(host, port, username, password)
    return f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"


def targets(top_reason: int | None, improvement: int | None) -> dict[str, str]:
    today = dt.date.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
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
    pages |= {
        "value-irritant matrix": "/reasons/matrix/",
        "value-irritant matrix CSV": "/reasons/matrix.csv",
        f"chargeback statement ({last_month})": f"/costs/chargeback/?month={last_month}",
        f"chargeback CSV ({last_month})": f"/costs/chargeback.csv?month={last_month}",
        "targets": "/council/targets/",
        f"owner's page (as {OWNER})": "/council/mine/",
        "recognition": "/council/recognition/",
        "improvements": "/council/improvements/",
    }
    if improvement:
        pages["one improvement"] = f"/council/improvements/{improvement}/"
    pages |= {
        "promises kept (30 d)": "/promises/",
        "promises kept CSV (30 d)": "/promises/rates.csv",
        "promises: breached cases, page 1": "/promises/cases/?outcome=breached",
    }
    pages |= {
        "repeats and FCR (30 d)": "/insights/repeats/",
        "repeats and FCR (90 d)": f"/insights/repeats/?{urlencode(quarter)}",
        "repeats and FCR CSV (30 d)": "/insights/repeats.csv",
        "repeat-contact studies": "/studies/",
        "repeat-contact studies CSV": "/studies/report.csv",
        "spike alerts": "/spikes/",
        "themes (latest run)": "/themes/",
        "suggestion quality": "/suggest/quality/",
        "suggestion model versions": "/suggest/model/",
    }
    pages["weekly review"] = "/council/review/"
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


def probe(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> int:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


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
    parser.add_argument(
        "--database-url",
        help="DATABASE_URL of the installation (default: SQLite file in the data dir), "
        "e.g. postgres://postgres@127.0.0.1:5432/motivo_bench10m",
    )
    parser.add_argument(
        "--top-up",
        action="store_true",
        help="on a reused database, run the demo's idempotent base seed steps first",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    motivo = motivo_command(args.motivo_cmd)
    if args.reuse:
        data_dir = args.reuse.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="motivo-bench-dash-"))
    database_url = args.database_url or f"sqlite:///{data_dir / DB_FILE}"
    postgres = database_url.startswith(("postgres:", "postgresql:"))
    target_ms = TARGET_P95_MS_POSTGRES if postgres else TARGET_P95_MS
    env = bench_env(data_dir, database_url)
    proc: subprocess.Popen[bytes] | None = None
    try:
        state_file = data_dir / STATE_FILE
        if args.reuse and state_file.exists():
            state = json.loads(state_file.read_text()) | {"reused": True}
            print(f"reusing {data_dir} (seeded {state['seeded_at']})", flush=True)
        else:
            state = seed(motivo, env, data_dir, args.contacts) | {"reused": False}
        if state["reused"]:  # the pages need the schema of the code under test
            print("migrating (reused dir) ...", flush=True)
            state["migrate_reused_s"] = round(
                run_streamed(
                    motivo, ["manage", "migrate", "--noinput"], env, data_dir / "seed.log"
                ),
                2,
            )
        if args.top_up:
            state["top_up_s"] = round(top_up(motivo, env, data_dir), 2)
        figures = database_figures(motivo, env)
        print(
            f"{figures['contacts']:,} contacts; {figures['rollup_rows']:,} roll-up rows; "
            f"{figures['channel_costs']} channel costs, {figures['owned_reasons']} reasons "
            f"with an owner person, {figures['targets']} targets, "
            f"{figures['improvements']} improvements",
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
        owner_cookie = sign_in(host, port, OWNER, SUPERVISOR_SECRET)
        loadavg_before = loadavg_1m()
        results: dict[str, Any] = {}
        conn = http.client.HTTPConnection(host, port, timeout=60)
        pages: dict[str, str | list[str]] = {
            **targets(figures.get("top_reason_id"), figures.get("improvement_id")),
            **uncached(),
        }
        skipped: dict[str, str] = {}
        for label, path in pages.items():
            headers = {"Cookie": owner_cookie if label.startswith("owner's") else cookie}
            if isinstance(path, str) and path.startswith("/api/"):
                headers = {"Authorization": f"Bearer {state['token']}"}
            if label in OPTIONAL_PAGES:
                status = probe(conn, path, headers)
                if status != 200:
                    skipped[label] = f"{path} answered {status}"
                    print(f"  {label:<42} not measured: {skipped[label]}", flush=True)
                    continue
            result = measure(conn, path, headers, args.requests, args.warmup)
            result["ok"] = result["errors"] == 0 and (result["p95"] or 1e9) <= target_ms
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
            "(SQLite), <= 300 ms p95 with 10,000,000 contacts (PostgreSQL); a new contact "
            "shows within 5 s",
            "database": "postgresql" if postgres else "sqlite",
            "target_p95_ms": target_ms,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "git_revision": git_revision(),
            "host": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "loadavg_1m_before": loadavg_before,
                "loadavg_1m_after": loadavg_1m(),
            },
            "config": {
                "workers": args.workers,
                "requests": args.requests,
                "warmup": args.warmup,
                "top_up": args.top_up,
            },
            "seed": state | {"token": "<redacted>"},
            "figures": figures,
            "pages": results,
            "not_measured": skipped,
            "freshness": fresh,
            "pass": passed and dataset_ok,
        }
        print(
            f"dataset: {figures.get('contacts', 0):,} contacts "
            f"({'ok' if dataset_ok else 'FEWER than requested'}) on "
            f"{report['database']}, target p95 <= {target_ms:g} ms; "
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
            again = f" --database-url {database_url}" if args.database_url else ""
            print(f"reuse: .venv/bin/python bench/dashboards.py --reuse {data_dir}{again}")
        elif args.keep:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
