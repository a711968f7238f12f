"""Helpers for the API tests."""

from __future__ import annotations

import json
from typing import Any

from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

CSRF = _get_new_csrf_string()


def session_client(user) -> Client:
    """A signed-in browser: session cookie, CSRF enforced, X-CSRFToken sent on every request."""
    client = Client(enforce_csrf_checks=True, headers={"X-CSRFToken": CSRF})
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    return client


def post_json(client: Client, url: str, data: Any, **extra: Any):
    return client.post(url, data=json.dumps(data), content_type="application/json", **extra)


def contact_payload(**overrides: Any) -> dict:
    payload = {
        "channel": "email",
        "customer": {"email": "lucia@example.test", "name": "Lucía"},
        "subject": "No me ha llegado el pedido",
        "body": "Hice el pedido hace una semana.",
    }
    payload.update(overrides)
    return payload


def error_of(response) -> dict:
    """The `error` object of an error answer, checking the shape every error shares."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "field"} <= set(body["error"]), body
    return body["error"]
