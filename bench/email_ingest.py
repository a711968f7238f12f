"""Inbound e-mail benchmark: parse and store a realistic mix through the one pipeline.

Requirement checked: >= 200 messages/s parsed and stored on SQLite (one process), every
message ending processed, ignored or quarantined as its corpus manifest says.

The mix is the parser corpus (motivo/mail/tests/corpus/*.eml: plain, HTML, replies with
quoted history, forwards, attachments and inline images, a dozen charsets, bounces,
auto-replies, list mail and malformed messages) repeated with a unique Message-ID per copy,
so every delivery is new. Senders repeat, as real customers do. Each message goes through
`inbound_email_receive` exactly as the IMAP poller, the LMTP listener and the HTTP endpoint
call it: raw stored first (one commit), then parsed and routed (a second commit). The
database, media and settings live in a throwaway temp dir.

Usage:  .venv/bin/python bench/email_ingest.py [--messages 3000] [--keep]
Exit status: 0 PASS, 1 FAIL.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "motivo" / "mail" / "tests" / "corpus"
TARGET_RATE = 200.0
_MESSAGE_ID = re.compile(rb"^Message-ID:[^\r\n]*\r?\n", re.IGNORECASE | re.MULTILINE)


def unique_copy(raw: bytes, n: int) -> bytes:
    """`raw` with a Message-ID of its own (replaced, or added before the first header)."""
    header = b"Message-ID: <bench-%d@email-ingest.bench>\r\n" % n
    if _MESSAGE_ID.search(raw):
        return _MESSAGE_ID.sub(lambda _m: header, raw, count=1)
    return header + raw


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="motivo-email-bench-"))
    os.environ["MOTIVO_DATA_DIR"] = str(workdir)
    os.environ["MOTIVO_SUPPORT_ADDRESS"] = "soporte@motivo.localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motivo.config.settings")
    os.environ.setdefault("MOTIVO_TESTING", "1")  # demo secret key, no worker: tasks inline
    sys.path.insert(0, str(REPO))
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)  # quarantined corpus mail logs a warning each
    from django.core.management import call_command
    from django.db import connection

    from motivo.mail.models import InboundEmail
    from motivo.mail.services import inbound_email_receive

    call_command("migrate", interactive=False, verbosity=0)
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    corpus = [(name, (CORPUS / name).read_bytes()) for name in sorted(manifest)]
    # Not timed: building the copies.
    batch = [
        (corpus[i % len(corpus)][0], unique_copy(corpus[i % len(corpus)][1], i))
        for i in range(args.messages)
    ]
    warmup = [unique_copy(raw, 10_000_000 + i) for i, (_n, raw) in enumerate(corpus)]
    for raw in warmup:
        inbound_email_receive(raw=raw, transport="http")

    statuses: Counter[str] = Counter()
    mismatches: list[str] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for name, raw in batch:
        row = inbound_email_receive(raw=raw, transport="http").inbound
        statuses[row.status] += 1
        if row.status != manifest[name]["expect"] and len(mismatches) < 5:
            mismatches.append(f"{name}: {row.status} ({row.reason or row.error[:80]})")
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    rate = len(batch) / seconds
    stored = InboundEmail.objects.count() - len(warmup)
    size = sum(len(raw) for _n, raw in batch)
    connection.close()

    ok = rate >= TARGET_RATE and not mismatches and stored == len(batch)
    print(f"Inbound e-mail pipeline on SQLite ({connection.vendor}), one process")
    print(f"  corpus files        {len(corpus)} (copied to {len(batch):,} unique messages)")
    print(f"  raw bytes           {size / 1e6:.1f} MB")
    print(f"  stored              {stored:,}")
    print("  outcome             " + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items())))
    print(f"  time                {seconds:.2f} s")
    print(f"  rate                {rate:,.0f} messages/s (target >= {TARGET_RATE:.0f})")
    per_cpu = len(batch) / cpu_seconds
    print(f"  CPU of this process {cpu_seconds:.2f} s ({per_cpu:,.0f} messages per CPU second)")
    print(f"  load average        {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for line in mismatches:
        print(f"  MISMATCH {line}")
    print("PASS" if ok else "FAIL")
    if args.keep:
        print(f"  data kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
