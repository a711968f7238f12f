"""Fixtures of the promises tests: a calendar, tiers and promises made through the services.

Most tests use a 24-hour calendar (business time = clock time) so that figures depend only
on the offsets the test chooses; the business-hours maths is tested on its own and in
test_due_times.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from motivo.core.testing import signed_in
from motivo.customers.models import CustomerTier
from motivo.promises import services
from motivo.promises.book import promise_book_clear

ALWAYS = [[(0, 1440)]] * 7
OFFICE = [[(540, 1080)]] * 5 + [[], []]


@pytest.fixture(autouse=True)
def _fresh_book():
    promise_book_clear()
    yield
    promise_book_clear()


@pytest.fixture
def always_open(db):
    return services.calendar_save(time_zone="Europe/Madrid", hours=ALWAYS)


@pytest.fixture
def madrid_office(db):
    return services.calendar_save(
        time_zone="Europe/Madrid", hours=OFFICE, holiday_country="ES", holiday_subdivision="MD"
    )


@pytest.fixture
def premium(db) -> CustomerTier:
    return services.tier_save(name="Premium", position=1)


@pytest.fixture
def standard(db) -> CustomerTier:
    return services.tier_save(name="Standard", position=2)


@pytest.fixture
def promises(always_open, premium):
    """Everyone: answer within 8 h (target 2 h), resolve within 48 h (target 24 h).
    Premium: answer within 2 h (target 1 h), no resolution promise. Chat: 10 min (5)."""
    hour = 60
    general = services.promise_save(
        tier=None, channel="", first_answer_minutes=8 * hour, first_answer_target_minutes=2 * hour,
        resolution_minutes=48 * hour, resolution_target_minutes=24 * hour,
    )  # fmt: skip
    vip = services.promise_save(
        tier=premium, channel="", first_answer_minutes=2 * hour,
        first_answer_target_minutes=1 * hour,
    )  # fmt: skip
    chat = services.promise_save(
        tier=None, channel="chat", first_answer_minutes=10, first_answer_target_minutes=5
    )
    return general, vip, chat


@pytest.fixture
def ago():
    """ago(hours=3) → an aware datetime that long before now."""
    from django.utils import timezone

    def make(**kwargs) -> dt.datetime:
        return timezone.now() - dt.timedelta(**kwargs)

    return make


@pytest.fixture
def in_tier(ingest):
    """Open a case for a new customer of `tier` (None: no tier) at `at`."""

    counter = {"n": 0}

    def make(tier, *, at, channel="email"):
        from motivo.customers.services import customer_resolve, customer_set_tier

        counter["n"] += 1
        email = f"tiered{counter['n']}@example.test"
        customer, _created = customer_resolve(kind="email", value=email, name="Cliente")
        customer_set_tier(customer=customer, tier=tier)
        return ingest(email=email, received_at=at, channel=channel)

    return make


@pytest.fixture
def manager_client(supervisor) -> Client:
    return signed_in(supervisor)


@pytest.fixture
def admin_client(admin_user) -> Client:
    return signed_in(admin_user)
