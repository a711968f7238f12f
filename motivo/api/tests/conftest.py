"""Fixtures for the API tests: tokens and clients."""

from __future__ import annotations

import pytest
from django.test import Client

from motivo.accounts.services import api_token_create
from motivo.api.auth import token_cache_clear
from motivo.api.tests.helpers import session_client


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    """Each test starts as a fresh process would: no token remembered."""
    token_cache_clear()
    yield
    token_cache_clear()


@pytest.fixture
def token(agent) -> str:
    _row, secret = api_token_create(user=agent, name="tests")
    return secret


@pytest.fixture
def api(token) -> Client:
    """A client sending the agent's bearer token."""
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def anon() -> Client:
    return Client()


@pytest.fixture
def customer_client(customer_user) -> Client:
    return session_client(customer_user[0])
