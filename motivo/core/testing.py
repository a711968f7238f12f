"""Helpers for the apps' tests (imported by their conftest.py files; not used at run time)."""

from __future__ import annotations

from django.conf import settings
from django.test import Client


def signed_in(user, *, csrf: bool = False) -> Client:
    """A test client signed in as `user`, showing pages in English; `csrf`: enforce the
    CSRF checks as a browser would meet them."""
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
