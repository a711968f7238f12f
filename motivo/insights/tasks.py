"""Background work of the dashboards."""

from __future__ import annotations

from django.tasks import task

from motivo.insights.repeats import fcr_finalise, repeats_rebuild


@task()
def fcr_finalise_task() -> int:
    """Finalise the first-contact-resolution roll-up up to the last day whose repeat window
    has passed (idempotent). Returns the number of days written."""
    return len(fcr_finalise())


@task()
def repeats_rebuild_task() -> int:
    """Mark the repeat contacts of every customer again, then finalise FCR: for data loaded
    in bulk (the demo shop), which bypasses the services that mark repeats one by one.
    Returns the number of customers recomputed."""
    customers = repeats_rebuild()
    fcr_finalise()
    return customers
