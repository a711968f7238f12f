"""Clients for the taxonomy pages, in English so assertions do not depend on catalogs."""

from __future__ import annotations

import pytest
from django.test import Client

from motivo.core.testing import signed_in


@pytest.fixture
def manager_client(supervisor) -> Client:
    return signed_in(supervisor)


@pytest.fixture
def agent_client(agent) -> Client:
    return signed_in(agent)
