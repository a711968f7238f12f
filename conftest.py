"""Fixtures shared by every app's tests (each app adds its own in tests/)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import translation

from motivo.accounts.models import Role, User
from motivo.accounts.services import user_create
from motivo.channels.services import IngestResult, contact_ingest
from motivo.customers.models import Customer
from motivo.reasons.models import Action, Department, Reason, ReasonCategory

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Every test gets a throw-away media directory and an empty cache (rate limits)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    """The product falls back to Spanish (LANGUAGE_CODE); tests read the English msgids
    unless they send Accept-Language or choose a language. Both languages are tested in
    motivo/core/tests/test_i18n.py."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def agent(db) -> User:
    return user_create(username="agent", role=Role.AGENT, password=PASSWORD, email="agent@x.test")


@pytest.fixture
def supervisor(db) -> User:
    return user_create(username="boss", role=Role.SUPERVISOR, password=PASSWORD)


@pytest.fixture
def admin_user(db) -> User:
    return user_create(username="root", role=Role.ADMIN, password=PASSWORD)


@pytest.fixture
def department(db) -> Department:
    return Department.objects.create(name="Logística")


@pytest.fixture
def reason(db, department) -> Reason:
    category = ReasonCategory.objects.create(name="Envíos", position=1)
    return Reason.objects.create(
        category=category, name="¿Dónde está mi pedido?", owner=department, action=Action.ELIMINATE
    )


@pytest.fixture
def other_reason(reason) -> Reason:
    return Reason.objects.create(
        category=reason.category, name="Pedido dañado", owner=reason.owner, action=Action.SIMPLIFY
    )


@pytest.fixture
def ingest(db):
    """Make an inbound contact: ingest(email="a@b.c", subject=..., ...) -> IngestResult."""
    counter = {"n": 0}

    def make(**kwargs) -> IngestResult:
        counter["n"] += 1
        kwargs.setdefault("channel", "email")
        if not any(k in kwargs for k in ("email", "phone", "chat")):
            kwargs["email"] = f"customer{counter['n']}@example.test"
        kwargs.setdefault("name", "Cliente")
        kwargs.setdefault("subject", f"Consulta {counter['n']}")
        kwargs.setdefault("body", "Hola, tengo una pregunta sobre mi pedido.")
        return contact_ingest(**kwargs)

    return make


@pytest.fixture
def customer_user(db, ingest):
    """A customer with a portal account and one case of their own; returns (user, customer)."""
    result = ingest(email="maria@example.test", name="María")
    customer = Customer.objects.get(pk=result.customer_id)
    user = user_create(
        username="maria@example.test", role=Role.CUSTOMER, email="maria@example.test"
    )
    customer.user = user
    customer.save(update_fields=["user"])
    return user, customer
