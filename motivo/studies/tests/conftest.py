"""Fixtures for the studies' tests: repeat contacts made through contact_ingest, on local
days the tests choose."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motivo.accounts.models import Role, Team
from motivo.accounts.services import user_create
from motivo.cases.models import Case, Contact, Message
from motivo.core.testing import signed_in
from motivo.studies.defaults import default_causes_ensure
from motivo.studies.models import RepeatCause

DAY = dt.date(2026, 3, 4)  # a Wednesday; the tests' days are counted from here


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def causes(db) -> dict[str, RepeatCause]:
    """The default causes (migration 0002; again if a transactional test flushed them), by
    slug."""
    default_causes_ensure()
    return {cause.slug: cause for cause in RepeatCause.objects.all()}


@pytest.fixture
def pair(ingest):
    """pair(email, reason, first_at, repeat_at) -> (first, repeat) Contacts: two contacts
    of one customer with the same reason, the second within the window (a repeat)."""

    def make(email: str, reason, first_at: dt.datetime, repeat_at: dt.datetime, **kw):
        first = ingest(email=email, reason=reason, received_at=first_at, **kw)
        second = ingest(email=email, reason=reason, received_at=repeat_at, **kw)
        return Contact.objects.get(pk=first.contact_id), Contact.objects.get(pk=second.contact_id)

    return make


@pytest.fixture
def repeat(pair, reason):
    """One repeat contact (two days after its first contact) and its first."""
    first, second = pair("ana.cliente@example.test", reason, at(DAY), at(DAY + dt.timedelta(2)))
    assert second.is_repeat and second.repeat_of_id == first.pk
    return first, second


@pytest.fixture
def team(db) -> Team:
    return Team.objects.create(name="Pedidos")


@pytest.fixture
def luis(db):
    return user_create(
        username="luis", role=Role.AGENT, first_name="Luis", last_name="Mora", password="x-y-z-9"
    )


def reply_at(case: Case, author, when: dt.datetime, body: str = "Ya está resuelto.") -> Message:
    """A reply on `case` by `author`, dated `when` (written directly: the services date
    replies now)."""
    return Message.objects.create(
        case=case, kind=Message.Kind.REPLY, author=author, body=body, created_at=when
    )


def assign(case: Case, user=None, team=None) -> None:
    Case.objects.filter(pk=case.pk).update(assignee=user, team=team)


@pytest.fixture
def client_for(db):
    return signed_in
