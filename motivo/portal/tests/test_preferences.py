"""The customer's contact preferences, and the UI language that follows them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

VALID = {
    "name": "María López",
    "language": "en",
    "preferred_channel": "phone",
    "callback_allowed": "on",
    "callback_from": "09:00",
    "callback_to": "13:30",
}


def test_preferences_are_saved(customer_client, customer_user):
    response = customer_client.post(reverse("portal:preferences"), VALID)
    assert response.status_code == 302
    user, customer = customer_user
    customer.refresh_from_db()
    user.refresh_from_db()
    assert customer.name == "María López"
    assert customer.preferred_channel == "phone"
    assert customer.callback_allowed is True
    assert (customer.callback_from, customer.callback_to) == (dt.time(9), dt.time(13, 30))
    assert customer.language == "en"
    assert user.language == "en"


def test_changing_language_changes_the_interface(customer_client):
    customer_client.post(reverse("portal:preferences"), {**VALID, "language": "en"})
    page = customer_client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="es")
    assert b'<html lang="en">' in page.content
    customer_client.post(reverse("portal:preferences"), {**VALID, "language": "es"})
    page = customer_client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert b'<html lang="es">' in page.content


@pytest.mark.parametrize(
    "change, field, message",
    [
        (
            {"callback_from": "", "callback_to": ""},
            "callback_from",
            "Give the hours between which we may call.",
        ),
        (
            {"callback_from": "18:00", "callback_to": "09:00"},
            "callback_to",
            "The call window must end after it starts.",
        ),
    ],
)
def test_bad_callback_window_is_shown_next_to_the_field(
    customer_client, customer_user, change, field, message
):
    response = customer_client.post(reverse("portal:preferences"), {**VALID, **change})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message.encode() in response.content
    _user, customer = customer_user
    customer.refresh_from_db()
    assert customer.callback_allowed is False
    assert customer.name == "María"


def test_no_callback_clears_the_window(customer_client, customer_user):
    customer_client.post(reverse("portal:preferences"), VALID)
    data = {**VALID}
    del data["callback_allowed"]
    customer_client.post(reverse("portal:preferences"), data)
    _user, customer = customer_user
    customer.refresh_from_db()
    assert customer.callback_allowed is False
    assert customer.callback_from is None


def test_preferences_form_shows_current_values(customer_client, customer_user):
    response = customer_client.get(reverse("portal:preferences"))
    assert response.status_code == 200
    assert response.context["form"].initial["name"] == "María"
