"""Fixtures of the phone tests: a customer who takes calls, a fixed clock, clients."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from motivo.accounts.services import api_token_create
from motivo.api.auth import token_cache_clear
from motivo.customers.models import Customer

MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture(autouse=True)
def _company_time_zone(settings):
    settings.TIME_ZONE = "Europe/Madrid"
    token_cache_clear()
    yield
    token_cache_clear()


@pytest.fixture
def clock(monkeypatch):
    """clock(datetime) fixes `timezone.now()` (services, selectors, auto_now_add) there."""

    def set_to(moment: dt.datetime) -> dt.datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_to


def madrid(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MADRID)


@pytest.fixture
def caller(ingest) -> Customer:
    """A customer with a phone identity, one case, who takes calls 09:00–12:00."""
    result = ingest(phone="+34 600 111 222", name="Lucía", channel="phone")
    customer = Customer.objects.get(pk=result.customer_id)
    customer.callback_allowed = True
    customer.callback_from = dt.time(9, 0)
    customer.callback_to = dt.time(12, 0)
    customer.save()
    return customer


@pytest.fixture
def agent_client(client, agent) -> Client:
    client.force_login(agent)
    return client


@pytest.fixture
def token(agent) -> str:
    _row, secret = api_token_create(user=agent, name="tests")
    return secret


@pytest.fixture
def api(token) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})
