"""Background work of theme discovery: a queued run, and the daily run."""

from __future__ import annotations

from django.tasks import task

from motivo.themes import services


@task()
def theme_run_task(run_id: int) -> str:
    """Run a queued theme run (asked for on the page or through the API). Returns its
    status."""
    return services.theme_run_execute(run_id=run_id).status


@task()
def themes_daily_task() -> int | None:
    """Today's daily run over the last MOTIVO_THEMES_DAYS days, unless it exists already.
    Returns the run's id (None: there was one)."""
    run = services.themes_daily()
    return run.pk if run is not None else None
