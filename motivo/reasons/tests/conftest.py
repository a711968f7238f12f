"""Clients for the taxonomy pages, in English so assertions do not depend on catalogs."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def manager_client(supervisor) -> Client:
    return signed_in(supervisor)


@pytest.fixture
def agent_client(agent) -> Client:
    return signed_in(agent)
