"""Fixtures for the council's tests: hand-made roll-up counts and business volumes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.core.testing import signed_in
from motivo.insights.models import BusinessVolume, VolumeKind
from motivo.insights.services import reason_count_add
from motivo.reasons.models import Action, Reason

MONDAY = dt.date(2026, 3, 2)  # a Monday; the tests' weeks are counted from here


def week(n: int) -> dt.date:
    """The Monday `n` weeks after MONDAY (negative: before)."""
    return MONDAY + dt.timedelta(weeks=n)


def local(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def put(db):
    """put(reason, day, n): n contacts with that reason on that local day (the roll-up)."""

    def add(reason: Reason, day: dt.date, n: int, channel: str = "email") -> None:
        reason_count_add(reason_id=reason.pk, channel=channel, day=day, delta=n)

    return add


@pytest.fixture
def weekly(put):
    """weekly(reason, first_monday, [n0, n1, …]): n_i contacts in week i (on its Wednesday)."""

    def add(reason: Reason, first: dt.date, counts: list[int]) -> None:
        for index, n in enumerate(counts):
            if n:
                put(reason, first + dt.timedelta(weeks=index, days=2), n)

    return add


@pytest.fixture
def orders(db):
    """orders({monday: value, …}) stores weekly order volumes; returns the VolumeKind."""
    kind = VolumeKind.objects.create(slug="orders", period=VolumeKind.Period.WEEK)

    def add(values: dict[dt.date, int]) -> VolumeKind:
        for monday, value in values.items():
            BusinessVolume.objects.update_or_create(
                kind=kind, date=monday, defaults={"value": Decimal(value)}
            )
        return kind

    return add


@pytest.fixture
def third_reason(reason) -> Reason:
    return Reason.objects.create(
        category=reason.category, name="Cambio de dirección", action=Action.SELF_SERVE
    )


@pytest.fixture
def owner(db):
    return user_create(
        username="ana", role=Role.AGENT, first_name="Ana", last_name="Ruiz", password="x-y-z-w-1"
    )


@pytest.fixture
def manager_client(supervisor) -> Client:
    return signed_in(supervisor)


@pytest.fixture
def agent_client(agent) -> Client:
    return signed_in(agent)
