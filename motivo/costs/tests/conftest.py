"""Fixtures for the costs tests: hand-made contacts, calls and cost rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.cases.services import contact_set_reason
from motivo.core.testing import signed_in
from motivo.costs.models import ChannelCost
from motivo.voice.services import call_log_for_number


def local(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """An aware datetime at the given local (TIME_ZONE) wall-clock time."""
    zone = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


@pytest.fixture
def manager_client(supervisor) -> Client:
    return signed_in(supervisor)


@pytest.fixture
def cost(db):
    """Write a ChannelCost row directly (backdated history the service would refuse)."""

    def make(channel: str, since: dt.date, per_contact: str, per_minute: str = "0"):
        return ChannelCost.objects.create(
            channel=channel,
            effective_from=since,
            per_contact=Decimal(per_contact),
            per_minute=Decimal(per_minute),
        )

    return make


@pytest.fixture
def contacts(ingest, agent):
    """Make `n` contacts received at `when` on `channel`, classified under `reason`."""

    def make(reason, n: int = 1, *, when: dt.datetime, channel: str = "email") -> list[Contact]:
        made = []
        for _ in range(n):
            result = ingest(received_at=when, channel=channel)
            contact = Contact.objects.get(pk=result.contact_id)
            made.append(contact_set_reason(contact=contact, actor=agent, reason=reason))
        return made

    return make


@pytest.fixture
def call(agent):
    """An incoming call of `seconds` started at `when` (a phone contact), classified."""
    counter = {"n": 0}

    def make(reason, seconds: int, *, when: dt.datetime):
        counter["n"] += 1
        logged = call_log_for_number(
            phone=f"+3460000{counter['n']:04d}",
            agent=agent,
            direction="in",
            duration_seconds=seconds,
            started_at=when,
        )
        if reason is not None:
            contact_set_reason(contact=logged.contact, actor=agent, reason=reason)
        return logged

    return make
