"""Three reasons with names, descriptions and example phrases in Spanish and English: the
real engine trains on them in about a second, so every test here uses it."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from motivo.core.testing import signed_in
from motivo.reasons.models import Action, Department, Reason, ReasonCategory
from motivo.suggest import runtime
from motivo.suggest.models import SuggestSettings

ORDER_TEXT = "Hola, mi paquete no ha llegado todavía y el seguimiento no se mueve"
CHARGE_TEXT = "Me habéis cobrado dos veces el mismo pedido en la tarjeta"
LOGIN_TEXT = "I forgot my password and I can't log in to my account"

# The embedding model on one thread, as `motivo serve` runs it: OpenMP's pool costs many times
# the CPU per call on a small machine. Read when the model first loads (after collection).
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    runtime.forget()
    yield
    runtime.forget()


@pytest.fixture
def reasons(db) -> dict[str, Reason]:
    """order, charge, login. Automatic application is off: the tests of it turn it on."""
    SuggestSettings.objects.update_or_create(pk=1, defaults={"auto_apply": False})
    department = Department.objects.create(name="Operaciones")
    shipping = ReasonCategory.objects.create(name="Envíos", position=1)
    money = ReasonCategory.objects.create(name="Pagos", position=2)
    account = ReasonCategory.objects.create(name="Cuenta", position=3)
    return {
        "order": Reason.objects.create(
            category=shipping,
            name="¿Dónde está mi pedido?",
            description="El cliente pregunta dónde está su pedido o paquete.",
            examples=[
                "mi paquete no llega",
                "el seguimiento no se actualiza",
                "where is my parcel",
            ],
            owner=department,
            action=Action.ELIMINATE,
        ),
        "charge": Reason.objects.create(
            category=money,
            name="Me han cobrado dos veces",
            description="Cargo duplicado en la tarjeta.",
            examples=["veo dos cargos en la tarjeta", "I was charged twice"],
            owner=department,
            action=Action.ELIMINATE,
        ),
        "login": Reason.objects.create(
            category=account,
            name="No puedo entrar en mi cuenta",
            description="Contraseña olvidada, cuenta bloqueada.",
            examples=["he olvidado la contraseña", "I can't log in"],
            owner=department,
            action=Action.SELF_SERVE,
        ),
    }


@pytest.fixture
def agent_client(agent) -> Client:
    return signed_in(agent)


@pytest.fixture
def manager_client(supervisor) -> Client:
    return signed_in(supervisor)


@pytest.fixture
def admin_client(admin_user) -> Client:
    return signed_in(admin_user)
