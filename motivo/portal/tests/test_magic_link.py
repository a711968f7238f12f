"""Signing in to the portal with an e-mailed, signed, expiring, single-use link."""

from __future__ import annotations

import json
import time
from unittest import mock

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import translation

from motivo.accounts.models import Role, User
from motivo.accounts.services import user_create
from motivo.customers.models import Customer, Identity
from motivo.portal import tasks
from motivo.portal.services import LINKS_PER_HOUR
from motivo.portal.tokens import magic_link_token

pytestmark = pytest.mark.django_db


def test_link_request_mails_a_link_to_a_known_customer(request_link, customer_user):
    response = request_link("Maria@Example.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login_sent")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["maria@example.test"]
    assert "/portal/login/" in sent.body
    assert "15" in sent.body  # minutes the link is valid


def test_unknown_address_gets_the_same_answer(request_link, customer_user):
    known = request_link("maria@example.test")
    unknown = request_link("nobody@example.test")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    sent_page = Client().get(known["Location"])
    assert b"If the address you entered is valid" in sent_page.content


def test_staff_address_gets_the_same_answer_but_no_mail(request_link):
    user_create(username="staff@example.test", role=Role.AGENT, email="staff@example.test")
    response = request_link("staff@example.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login_sent")
    assert mail.outbox == []


def test_mail_is_in_the_customers_language_else_the_requests(request_link, customer_user):
    _user, customer = customer_user
    customer.language = "en"
    customer.save(update_fields=["language"])
    languages = []
    real_render = tasks.render_to_string

    def spy(*args, **kwargs):
        languages.append(translation.get_language())
        return real_render(*args, **kwargs)

    with mock.patch.object(tasks, "render_to_string", side_effect=spy):
        request_link("maria@example.test", HTTP_ACCEPT_LANGUAGE="es")
        request_link("new@example.test", HTTP_ACCEPT_LANGUAGE="es")
    assert languages == ["en", "en", "es", "es"]  # subject and body of each mail


def test_link_requests_are_rate_limited_per_address(request_link):
    for _ in range(LINKS_PER_HOUR):
        assert request_link("busy@example.test").status_code == 302
    response = request_link("busy@example.test")
    assert response.status_code == 429
    assert b"Too many sign-in links" in response.content
    assert len(mail.outbox) == LINKS_PER_HOUR
    assert request_link("other@example.test").status_code == 302


def test_invalid_address_is_refused_with_a_message(request_link):
    response = request_link("not-an-address")
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert mail.outbox == []


def test_opening_the_link_does_not_sign_in(client, magic_path, customer_user):
    path = magic_path("maria@example.test")
    response = client.get(path)
    assert response.status_code == 200
    assert b"Sign in as maria@example.test" in response.content
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portal:home")).status_code == 302  # still anonymous
    user, _customer = customer_user
    user.refresh_from_db()
    assert user.last_login is None


def test_link_signs_in_an_existing_customer_once(client, magic_path, customer_user):
    user, _customer = customer_user
    path = magic_path("maria@example.test")
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(reverse("portal:home")).status_code == 200

    again = Client()
    assert again.get(path).status_code == 400
    reused = again.post(path)
    assert reused.status_code == 400
    assert b"already used" in reused.content
    assert "_auth_user_id" not in again.session


def test_link_creates_customer_and_portal_account_for_a_new_address(client, magic_path):
    path = magic_path("New.Person@Example.test")
    response = client.post(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    user = User.objects.get(username="new.person@example.test")
    assert user.role == Role.CUSTOMER
    assert not user.has_usable_password()
    customer = Customer.objects.get(user=user)
    assert Identity.objects.filter(
        customer=customer, kind="email", value="new.person@example.test"
    ).exists()
    assert customer.language == "en"
    assert client.get(reverse("portal:home")).status_code == 200


def test_expired_link_is_refused(client, settings, customer_user):
    issued = time.time() - settings.MOTIVO_MAGIC_LINK_MAX_AGE - 5
    with mock.patch("django.core.signing.time.time", return_value=issued):
        token = magic_link_token(email="maria@example.test")
    path = reverse("portal:magic", args=[token])
    assert b"expired" in client.get(path).content
    response = client.post(path)
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_link_just_inside_its_lifetime_works(client, settings, customer_user):
    issued = time.time() - settings.MOTIVO_MAGIC_LINK_MAX_AGE + 30
    with mock.patch("django.core.signing.time.time", return_value=issued):
        token = magic_link_token(email="maria@example.test")
    assert client.post(reverse("portal:magic", args=[token])).status_code == 302


def test_tampered_link_is_refused(client, magic_path, customer_user):
    path = magic_path("eve@example.test")
    token = path.rstrip("/").rsplit("/", 1)[1]
    payload, stamp, signature = token.rsplit(":", 2)
    # Same signature, but the payload now names another customer's address.
    data = json.loads(signing.b64_decode(payload.encode()))
    data["e"] = "maria@example.test"
    forged_payload = signing.b64_encode(json.dumps(data, separators=(",", ":")).encode())
    forged = f"{forged_payload.decode()}:{stamp}:{signature}"
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (forged, flipped, "garbage"):
        response = client.post(reverse("portal:magic", args=[bad]))
        assert response.status_code == 400
        assert b"not valid" in response.content
    assert "_auth_user_id" not in client.session
    assert client.post(path).status_code == 302  # the real one still works


def test_csrf_is_enforced_on_the_portal_posts(magic_path, customer_user):
    path = magic_path("maria@example.test")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("portal:login"), {"email": "maria@example.test"}).status_code == 403
    assert strict.post(path).status_code == 403
    assert "_auth_user_id" not in strict.session
    # With the token from the confirmation page, the same POST works.
    page = strict.get(path)
    csrf = page.context["csrf_token"]
    assert strict.post(path, {"csrfmiddlewaretoken": csrf}).status_code == 302


def test_signed_in_customer_is_sent_from_login_to_home(customer_client):
    response = customer_client.get(reverse("portal:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_sign_in_remembers_the_customers_language(client, magic_path, customer_user):
    _user, customer = customer_user
    customer.language = "en"
    customer.save(update_fields=["language"])
    client.post(magic_path("maria@example.test"), HTTP_ACCEPT_LANGUAGE="es")
    assert client.session["motivo_language"] == "en"
    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="es")
    assert b'<html lang="en">' in page.content
