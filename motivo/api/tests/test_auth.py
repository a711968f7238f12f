"""Who may call the API: bearer tokens of active staff, or the signed-in session (with CSRF)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from motivo.accounts.services import api_token_create, api_token_revoke
from motivo.api import auth
from motivo.api.tests.helpers import contact_payload, error_of, post_json, session_client
from motivo.cases.models import Contact

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/v1/cases"),
    ("get", "/api/v1/cases/1"),
    ("post", "/api/v1/cases/1/messages"),
    ("post", "/api/v1/contacts"),
    ("get", "/api/v1/reasons"),
    ("get", "/api/v1/insights/pareto"),
]


def call(client: Client, method: str, url: str):
    if method == "post":
        return post_json(client, url, contact_payload())
    return client.get(url)


def assert_401(response) -> None:
    assert response.status_code == 401, response.content
    assert error_of(response)["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_no_credentials_is_401_everywhere(anon, method, url):
    assert_401(call(anon, method, url))


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_bad_token_is_401_everywhere(db, method, url):
    client = Client(headers={"Authorization": "Bearer mtv_not-a-real-token"})
    assert_401(call(client, method, url))


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Token abc", "Basic dXNlcjpwYXNz"])
def test_malformed_authorization_header_is_401(db, header):
    assert_401(Client(headers={"Authorization": header}).get("/api/v1/cases"))


def later(monkeypatch, seconds: float) -> None:
    """Move the token cache's clock forward."""
    now = time.monotonic() + seconds
    monkeypatch.setattr(auth.time, "monotonic", lambda: now)


def test_revoked_token_is_401(agent, monkeypatch):
    row, secret = api_token_create(user=agent)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/cases").status_code == 200

    api_token_revoke(token=row)
    later(monkeypatch, auth.TOKEN_CACHE_SECONDS + 0.1)

    assert_401(client.get("/api/v1/cases"))
    assert_401(post_json(client, "/api/v1/contacts", contact_payload()))
    assert Contact.objects.count() == 0


def test_revoked_token_is_401_in_a_fresh_process(agent):
    row, secret = api_token_create(user=agent)
    api_token_revoke(token=row)

    assert_401(Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/cases"))


def test_token_look_up_is_cached_briefly(api, django_assert_num_queries):
    with django_assert_num_queries(2):  # the token, the page
        assert api.get("/api/v1/cases").status_code == 200
    with django_assert_num_queries(1):  # the page
        assert api.get("/api/v1/cases").status_code == 200


def test_token_of_deactivated_user_is_401(agent, token, api, monkeypatch):
    assert api.get("/api/v1/cases").status_code == 200
    agent.is_active = False
    agent.save()
    later(monkeypatch, auth.TOKEN_CACHE_SECONDS + 0.1)

    assert_401(api.get("/api/v1/cases"))


def test_session_of_staff_works_with_csrf(agent):
    client = session_client(agent)

    assert client.get("/api/v1/cases").status_code == 200
    response = post_json(client, "/api/v1/contacts", contact_payload())
    assert response.status_code == 201, response.content


def test_session_post_without_csrf_token_is_refused(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    response = post_json(client, "/api/v1/contacts", contact_payload())

    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]
    assert Contact.objects.count() == 0


def test_customer_session_may_not_create_contacts(customer_client):
    before = Contact.objects.count()

    response = post_json(customer_client, "/api/v1/contacts", contact_payload())

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert Contact.objects.count() == before


@pytest.mark.parametrize("url", ["/api/v1/reasons", "/api/v1/insights/pareto"])
def test_customer_session_may_not_read_staff_data(customer_client, url):
    response = customer_client.get(url)

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
