"""Background work of the studies app."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from motivo.studies.demo import studies_demo_seed


@task()
def studies_demo_task(today: str | None = None) -> int:
    """The demo's answered studies up to `today` (ISO date; default today), once the repeat
    contacts are marked: the demo enqueues it after insights' repeats_rebuild_task, on the
    same queue. Returns the number written."""
    return studies_demo_seed(today=dt.date.fromisoformat(today) if today else None)
