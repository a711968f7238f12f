"""Fixtures for the spike tests: reasons with a generated history in the roll-up."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.test import Client
from django.utils import timezone

from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.core.testing import signed_in
from motivo.insights.models import ReasonDayCount
from motivo.reasons.models import Action, Reason
from motivo.spikes.synthetic import WEEKDAY, poisson

HISTORY_DAYS = 70


def local_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def fill(db):
    """fill(reason, {day: n}) writes the roll-up (one channel per day)."""

    def write(reason: Reason, counts: dict[dt.date, int], channel: str = "email") -> None:
        ReasonDayCount.objects.bulk_create(
            ReasonDayCount(day=day, reason=reason, channel=channel, count=n)
            for day, n in counts.items()
            if n
        )

    return write


@pytest.fixture
def usual(fill, today):
    """usual(reason, level, seed) gives the reason HISTORY_DAYS ordinary days up to
    yesterday: Poisson counts around level × the shop's weekday rhythm. Returns the counts."""

    def make(reason: Reason, level: float, seed: int = 1, days: int = HISTORY_DAYS) -> dict:
        rng = random.Random(seed)
        counts = {}
        for back in range(days, 0, -1):
            day = today - dt.timedelta(days=back)
            counts[day] = poisson(rng, level * WEEKDAY[day.weekday()])
        fill(reason, counts)
        return counts

    return make


@pytest.fixture
def owner(db):
    return user_create(
        username="rocio",
        role=Role.AGENT,
        first_name="Rocío",
        email="rocio@x.test",
        language="es",
        password="x-y-z-w-1",
    )


@pytest.fixture
def clock_reason(reason) -> Reason:
    """A big steady reason: the yardstick for the share of the day so far."""
    return Reason.objects.create(
        category=reason.category, name="Cambio de dirección", action=Action.SELF_SERVE
    )


@pytest.fixture
def shop(usual, reason, other_reason, clock_reason, owner):
    """Three reasons with 70 ordinary days: `reason` (about 10 a day, owned by Rocío),
    `other_reason` (about 4) and `clock_reason` (about 40)."""
    Reason.objects.filter(pk=reason.pk).update(owner_person=owner)
    reason.refresh_from_db()
    return {
        reason.pk: usual(reason, 10, seed=1),
        other_reason.pk: usual(other_reason, 4, seed=2),
        clock_reason.pk: usual(clock_reason, 40, seed=3),
    }


@pytest.fixture
def manager_client(supervisor) -> Client:
    return signed_in(supervisor)


@pytest.fixture
def owner_client(owner) -> Client:
    return signed_in(owner)


@pytest.fixture
def agent_client(agent) -> Client:
    return signed_in(agent)
