"""Grow a seeded PostgreSQL benchmark database to tens of millions of contacts, inside the
database server, in minutes.

Generating ten million contacts one by one in Python (`motivo demo --contacts 10000000`)
takes hours on a small machine. This script takes a database seeded by the demo generator
(e.g. bench/dashboards.py --contacts 100000 --database-url postgres://…) and copies its
generated customers, cases and contacts FACTOR − 1 more times with INSERT … SELECT over
generate_series, shifting every id (and every foreign key among the copied rows) by a fixed
stride per copy. Each copy keeps its original's channel, reason, local day and repeat flag
(repeat_of points at the copy of the original's repeat_of), so the roll-ups stay exact
after they are scaled by FACTOR in the same transaction: ReasonDayCount (contacts and
repeats), FcrDayCount, ReasonDayCallSeconds, PromiseDayCount (each copied case keeps its
due times and its tier). Messages, events and search documents are not
copied (no dashboard reads them); what the dashboards read — roll-ups, and one page of
contacts along the (reason, received_at) index with their cases and customers — has the
size of a FACTOR times larger installation.

Usage:  .venv/bin/python bench/pg_multiply.py --database-url postgres://…/motivo_bench10m
                                               --target 10000000
Prints the row counts before and after and the time taken.
"""

from __future__ import annotations

import argparse
import sys
import time

import psycopg

# (table, columns shifted by the contact/case/customer stride); other columns are copied.
SHIFTS = {
    "customers_customer": {"id": "customer", "merged_into_id": "customer"},
    "cases_case": {"id": "case", "customer_id": "customer", "merged_into_id": "case"},
    "cases_contact": {
        "id": "contact",
        "case_id": "case",
        "customer_id": "customer",
        "repeat_of_id": "contact",
    },
}
# Columns a copy must not repeat (unique): set to NULL, or suffixed with the copy number.
NULLED = {"customers_customer": {"user_id"}}
SUFFIXED = {"cases_contact": {"external_id"}}
# Roll-ups scaled by the factor: table -> counter columns.
SCALED = {
    "insights_reasondaycount": ["count", "repeats"],
    "insights_fcrdaycount": ["resolved", "first_contact", "repeated"],
    "costs_reasondaycallseconds": ["seconds", "calls"],
    "promises_promisedaycount": [
        "cases",
        "answered",
        "answer_kept",
        "answer_delighted",
        "resolution_cases",
        "resolved",
        "resolution_kept",
        "resolution_delighted",
        "kept",
        "delighted",
    ],
}
CHUNK_ROWS = 1_000_000


def columns(cur: psycopg.Cursor, table: str) -> list[str]:
    cur.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND table_schema = current_schema() ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cur.fetchall()]


def count(cur: psycopg.Cursor, table: str) -> int:
    cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
    return cur.fetchone()[0]


def select_list(table: str, cols: list[str], strides: dict[str, int]) -> str:
    parts = []
    for col in cols:
        if col in SHIFTS[table]:
            parts.append(f"t.{col} + k * {strides[SHIFTS[table][col]]}")
        elif col in NULLED.get(table, set()):
            parts.append("NULL")
        elif col in SUFFIXED.get(table, set()):
            parts.append(f"t.{col} || '#' || k")
        else:
            parts.append(f"t.{col}")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--target", type=int, default=10_000_000, help="contacts wanted")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with psycopg.connect(args.database_url, autocommit=False) as conn, conn.cursor() as cur:
        base = {table: count(cur, table) for table in SHIFTS}
        if base["cases_contact"] == 0:
            print("the database has no contacts: seed it first", file=sys.stderr)
            return 2
        factor = -(-args.target // base["cases_contact"])
        print(f"before: {base}; factor {factor}", flush=True)
        if factor <= 1:
            print("already at or above the target")
            return 0
        cur.execute("SET session_replication_role = replica")  # skip FK triggers on copies
        strides = {}
        for name, table in (
            ("customer", "customers_customer"),
            ("case", "cases_case"),
            ("contact", "cases_contact"),
        ):
            cur.execute(f"SELECT max(id) FROM {table}")  # noqa: S608
            strides[name] = cur.fetchone()[0]
        for table in SHIFTS:
            cols = columns(cur, table)
            per_chunk = max(1, CHUNK_ROWS // max(1, base[table]))
            for first in range(1, factor, per_chunk):
                last = min(factor - 1, first + per_chunk - 1)
                cur.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) "  # noqa: S608
                    f"SELECT {select_list(table, cols, strides)} FROM {table} t "
                    f"CROSS JOIN generate_series({first}, {last}) k "
                    f"WHERE t.id <= {strides[SHIFTS[table]['id']]}"
                )
                print(f"  {table}: copies {first}–{last} ({cur.rowcount:,} rows)", flush=True)
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        for table, counters in SCALED.items():
            sets = ", ".join(f"{col} = {col} * {factor}" for col in counters)
            cur.execute(f"UPDATE {table} SET {sets}")  # noqa: S608
            print(f"  {table}: {cur.rowcount:,} roll-up rows scaled by {factor}", flush=True)
        conn.commit()
        conn.autocommit = True
        for table in [*SHIFTS, *SCALED]:
            cur.execute(f"ANALYZE {table}")
        after = {table: count(cur, table) for table in SHIFTS}
    print(f"after: {after}; {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
