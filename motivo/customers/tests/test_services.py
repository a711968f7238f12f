from __future__ import annotations

import datetime as dt

import pytest

from motivo.core.errors import DomainError
from motivo.customers.models import Customer
from motivo.customers.services import (
    customer_add_identity,
    customer_resolve,
    customer_update_preferences,
    identity_normalise,
)

pytestmark = pytest.mark.django_db


def test_normalise_email_and_phone():
    assert identity_normalise(kind="email", value=" Ana@Example.TEST ") == "ana@example.test"
    assert identity_normalise(kind="phone", value="+34 (600) 11-22-33") == "+34600112233"
    with pytest.raises(DomainError):
        identity_normalise(kind="email", value="ana@")


def test_resolve_is_find_or_create():
    customer, created = customer_resolve(kind="email", value="ana@example.test", name="Ana")
    again, created_again = customer_resolve(kind="email", value="ANA@example.test", name="X")
    assert created and not created_again and customer == again and again.name == "Ana"


def test_identity_of_another_customer_is_refused():
    ana, _ = customer_resolve(kind="email", value="ana@example.test")
    luis, _ = customer_resolve(kind="email", value="luis@example.test")
    customer_add_identity(customer=ana, kind="phone", value="600 111 222")
    with pytest.raises(DomainError):
        customer_add_identity(customer=luis, kind="phone", value="600111222")


def test_preferences_callback_window_rules():
    customer, _ = customer_resolve(kind="email", value="ana@example.test")
    with pytest.raises(DomainError) as error:
        customer_update_preferences(
            customer=customer, name="Ana", language="en", preferred_channel="phone",
            callback_allowed=True, callback_from=dt.time(18), callback_to=dt.time(9),
        )  # fmt: skip
    assert error.value.field == "callback_to"
    customer_update_preferences(
        customer=customer, name="Ana", language="en", preferred_channel="phone",
        callback_allowed=True, callback_from=dt.time(9), callback_to=dt.time(13),
    )  # fmt: skip
    customer.refresh_from_db()
    assert (customer.language, customer.callback_from) == ("en", dt.time(9))
    customer_update_preferences(
        customer=customer, name="Ana", language="es", preferred_channel="email",
        callback_allowed=False, callback_from=dt.time(9), callback_to=dt.time(13),
    )  # fmt: skip
    assert Customer.objects.get(pk=customer.pk).callback_from is None


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("600 111 222", "+34600111222"),  # national: read in MOTIVO_PHONE_REGION (ES)
        ("+34 600-111-222", "+34600111222"),
        ("0034600111222", "+34600111222"),
        ("+44 7700 900123", "+447700900123"),
        ("123456", "123456"),  # not a possible number anywhere: kept as its digits
    ],
)
def test_phone_numbers_are_stored_in_e164(written, stored):
    assert identity_normalise(kind="phone", value=written) == stored


def test_national_numbers_follow_the_company_country(settings):
    settings.MOTIVO_PHONE_REGION = "GB"
    assert identity_normalise(kind="phone", value="07700 900123") == "+447700900123"
