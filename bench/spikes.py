"""Spike detection benchmark: quality on generated data and the cost of a detection run.

Requirements checked (issue 4, "Spikes"): planted spikes are all found and data without
spikes raise few false alarms; a detection run reads roll-ups, so it takes milliseconds to a
second for a shop with 200 reasons.

Part 1, quality (motivo/spikes/detection.py on motivo/spikes/synthetic.py data, no database):
- clean sets: --reasons reasons × --days days of Poisson counts with a weekday rhythm, ±20 %
  trends and holidays (with a catch-up the next day), one per seed → false alarms per 1,000
  reason-days (every day after the first 8 weeks is judged);
- planted sets: the same with spikes of 3–5 times the usual and at least 20 contacts more,
  lasting 1–3 days → recall (target: every planted spike day found) and false alarms on the
  other days;
- smaller spikes (×1.5–2, ×2–3 at least 5 and 10 contacts more) → recall, to show where
  the detector's sensitivity ends;
- over-dispersed clean data (gamma-Poisson, 1/size 0.05) → false alarms;
- half-days: every day judged when half its contacts are in → false alarms and recall.

Part 2, run time (a throwaway SQLite database): --reasons reasons with 120 days of roll-up
rows on three channels, a few spiking yesterday; `spikes_detect()` (yesterday and today so
far, what `motivo serve` runs every 5 minutes) timed over --runs runs, and the 8-week
backfill the demo runs.

Usage:  .venv/bin/python bench/spikes.py [--reasons 200] [--days 240] [--seeds 2] [--runs 10]
Exit status: 0 PASS, 1 FAIL, 2 the benchmark could not run (setup error).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from ingest import git_revision, write_json  # noqa: E402

from motivo.spikes import synthetic  # noqa: E402

TARGET_RECALL = 1.0  # every planted spike day (×3–5, ≥ 20 contacts more)
TARGET_FALSE_PER_1000 = 1.0  # false alarms per 1,000 reason-days without a spike
TARGET_RUN_S = 1.0  # one detection run for --reasons reasons


def quality(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {}
    print(f"Part 1: quality on {args.reasons} reasons × {args.days} days per set")

    def run(label: str, measure: synthetic.Measure, seconds: float) -> dict[str, Any]:
        row = {
            "reason_days": measure.tested,
            "planted": measure.planted,
            "found": measure.found,
            "recall": round(measure.recall, 4),
            "false_alarms": measure.alarms,
            "false_per_1000": round(measure.per_thousand, 3),
            "seconds": round(seconds, 1),
        }
        recall = f"recall {measure.found}/{measure.planted}" if measure.planted else "no spikes"
        print(
            f"  {label:<44} {recall:<18} false alarms {measure.alarms:>3} in "
            f"{measure.tested - measure.planted:>6,} reason-days "
            f"({measure.per_thousand:.3f} per 1,000)  [{seconds:.0f} s]"
        )
        return row

    def timed(**kwargs: Any) -> tuple[synthetic.Measure, float]:
        started = time.perf_counter()
        share = kwargs.pop("share", None)
        data = synthetic.generate(reasons=args.reasons, days=args.days, **kwargs)
        if share is None:
            result = synthetic.measure(data)
        else:
            result = synthetic.measure_intraday(data, share=share)
        return result, time.perf_counter() - started

    spikes = args.reasons // 2
    for seed in range(1, args.seeds + 1):
        report[f"clean_seed{seed}"] = run(f"clean, seed {seed}", *timed(seed=seed))
    for seed in range(1, args.seeds + 1):
        report[f"planted_seed{seed}"] = run(
            f"planted ×3–5, ≥20 more, seed {seed}",
            *timed(seed=100 + seed, spikes=spikes, multiplier=(3.0, 5.0), min_extra=20),
        )
    for label, key, multiplier, extra in (
        ("smaller ×2–3, ≥10 more", "planted_2_3", (2.0, 3.0), 10),
        ("smaller ×1.5–2, ≥5 more", "planted_15_2", (1.5, 2.0), 5),
    ):
        report[key] = run(
            label, *timed(seed=200, spikes=spikes, multiplier=multiplier, min_extra=extra)
        )
    report["overdispersed"] = run(
        "over-dispersed (1/size 0.05), clean", *timed(seed=300, dispersion=0.05)
    )
    report["half_day"] = run(
        "half-days, planted ×3–5, ≥20 more",
        *timed(seed=400, spikes=spikes, multiplier=(3.0, 5.0), min_extra=20, share=0.5),
    )
    clean = [report[f"clean_seed{s}"] for s in range(1, args.seeds + 1)]
    planted = [report[f"planted_seed{s}"] for s in range(1, args.seeds + 1)]
    clean_days = sum(r["reason_days"] for r in clean)
    clean_alarms = sum(r["false_alarms"] for r in clean)
    report["summary"] = {
        "recall": sum(r["found"] for r in planted) / max(1, sum(r["planted"] for r in planted)),
        "false_per_1000_clean": 1000 * clean_alarms / max(1, clean_days),
        "false_per_1000_planted": 1000
        * sum(r["false_alarms"] for r in planted)
        / max(1, sum(r["reason_days"] - r["planted"] for r in planted)),
    }
    return report


def run_time(args: argparse.Namespace) -> dict[str, Any]:
    print(f"Part 2: detection runs on the roll-up of {args.reasons} reasons (SQLite)")
    data_dir = Path(tempfile.mkdtemp(prefix="motivo-spikes-bench-"))
    os.environ.update(
        MOTIVO_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'motivo.sqlite3'}",
        DJANGO_SETTINGS_MODULE="motivo.config.settings",
        MOTIVO_TASKS="immediate",
        DJANGO_DEBUG="0",
        MOTIVO_SECRET_KEY="bench-only-secret",  # noqa: S106 - a throwaway database
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from motivo.insights.models import ReasonDayCount
    from motivo.reasons.models import Action, Reason, ReasonCategory
    from motivo.spikes.models import SpikeAlert
    from motivo.spikes.services import spikes_backfill, spikes_detect

    call_command("migrate", interactive=False, verbosity=0)
    category = ReasonCategory.objects.create(name="Bench")
    reasons = Reason.objects.bulk_create(
        Reason(category=category, name=f"Reason {n}", action=Action.ELIMINATE)
        for n in range(args.reasons)
    )
    today = timezone.localdate()
    rng = random.Random(7)
    rows = []
    levels = [2 ** rng.uniform(-1.5, 6.3) for _ in reasons]  # 0.35 to 80 a day
    channels = ("email", "chat", "phone")
    for back in range(120, 0, -1):
        day = today - dt.timedelta(days=back)
        for reason, level in zip(reasons, levels, strict=True):
            n = synthetic.poisson(rng, level * synthetic.WEEKDAY[day.weekday()])
            if back == 1 and reason.pk % 40 == 0:
                n += max(20, round(3 * level))  # a few spikes yesterday
            for index, channel in enumerate(channels):
                part = n // 3 + (1 if index < n % 3 else 0)
                if part:
                    rows.append(ReasonDayCount(day=day, reason=reason, channel=channel, count=part))
    ReasonDayCount.objects.bulk_create(rows, batch_size=5000)
    planted = sum(1 for reason in reasons if reason.pk % 40 == 0)
    print(f"  {len(rows):,} roll-up rows, {planted} reasons spiking yesterday")
    times = []
    first = spikes_detect()
    times.append(first.seconds)
    for _ in range(args.runs - 1):
        times.append(spikes_detect().seconds)
    raised = SpikeAlert.objects.count()
    started = time.perf_counter()
    backfill = spikes_backfill(
        since=today - dt.timedelta(days=56), until=today - dt.timedelta(days=1)
    )
    backfill_s = time.perf_counter() - started
    result = {
        "reasons": args.reasons,
        "rollup_rows": len(rows),
        "planted_yesterday": planted,
        "alerts_raised": raised,
        "alerts_after_backfill": SpikeAlert.objects.count(),
        "run_ms": {
            "first": round(times[0] * 1000, 1),
            "median": round(statistics.median(times) * 1000, 1),
            "max": round(max(times) * 1000, 1),
            "runs": len(times),
        },
        "backfill_56_days_s": round(backfill_s, 2),
        "backfill_reason_days": backfill.judged,
    }
    print(
        f"  spikes_detect() (yesterday + today so far, {first.judged} reason-days): first "
        f"{times[0] * 1000:.0f} ms (raised {len(first.raised)}), median "
        f"{statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms over "
        f"{len(times)} runs"
    )
    print(
        f"  8-week backfill: {backfill.judged:,} reason-days in {backfill_s:.2f} s; alerts "
        f"{SpikeAlert.objects.count()} (of them {planted} planted yesterday)"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reasons", type=int, default=200)
    parser.add_argument("--days", type=int, default=240)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--skip-quality", action="store_true", help="only the run time")
    args = parser.parse_args(argv)
    if args.days <= 70 or args.reasons < 2 or args.runs < 1:
        print("--days must exceed 70, --reasons be at least 2, --runs at least 1")
        return 2
    started = time.perf_counter()
    report: dict[str, Any] = {
        "revision": git_revision(),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    try:
        if not args.skip_quality:
            report["quality"] = quality(args)
        report["run_time"] = run_time(args)
    except Exception as exc:
        print(f"The benchmark could not run: {exc!r}")
        return 2
    checks = []
    if "quality" in report:
        summary = report["quality"]["summary"]
        checks += [
            ("every planted spike found", summary["recall"] >= TARGET_RECALL,
             f"recall {summary['recall']:.4f}"),
            (f"false alarms <= {TARGET_FALSE_PER_1000} per 1,000 reason-days (clean)",
             summary["false_per_1000_clean"] <= TARGET_FALSE_PER_1000,
             f"{summary['false_per_1000_clean']:.3f}"),
        ]  # fmt: skip
    median_s = report["run_time"]["run_ms"]["median"] / 1000
    checks.append(
        (f"a detection run for {args.reasons} reasons <= {TARGET_RUN_S} s",
         median_s <= TARGET_RUN_S, f"median {median_s * 1000:.0f} ms")
    )  # fmt: skip
    report["checks"] = [{"check": c, "pass": ok, "value": v} for c, ok, v in checks]
    report["seconds"] = round(time.perf_counter() - started, 1)
    print()
    for check, ok, value in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {check}: {value}")
    path = write_json(report, name="spikes")
    print(f"\nFigures saved to {path.relative_to(REPO)} ({report['seconds']:.0f} s in all)")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
