"""Fixtures for the dashboards' tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.cases.services import contact_set_reason
from motivo.core.testing import signed_in


@pytest.fixture
def manager_client(supervisor) -> Client:
    return signed_in(supervisor)


def local(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """An aware datetime at the given local (TIME_ZONE) wall-clock time."""
    zone = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


@pytest.fixture
def classified(ingest, agent):
    """Make `n` contacts received at `when` on `channel` and have the agent set `reason`."""

    def make(reason, n: int = 1, *, when: dt.datetime, channel: str = "email") -> list[Contact]:
        contacts = []
        for _ in range(n):
            result = ingest(received_at=when, channel=channel)
            contact = Contact.objects.get(pk=result.contact_id)
            contacts.append(contact_set_reason(contact=contact, actor=agent, reason=reason))
        return contacts

    return make
