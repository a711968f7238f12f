"""Fixtures for the portal tests."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

LINK = re.compile(r"https?://\S+?(/portal/login/([^/\s]+)/)")


@pytest.fixture
def request_link(client, django_capture_on_commit_callbacks):
    """POST the sign-in form for `email` (running the after-commit mail task) and return
    the response."""

    def post(email: str, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("portal:login"), {"email": email}, **extra)

    return post


@pytest.fixture
def magic_path(request_link):
    """Ask for a link for `email` and return the path of the link in the mail."""

    def make(email: str) -> str:
        before = len(mail.outbox)
        request_link(email)
        assert len(mail.outbox) == before + 1
        match = LINK.search(mail.outbox[-1].body)
        assert match, mail.outbox[-1].body
        return match.group(1)

    return make


@pytest.fixture
def customer_client(client, customer_user):
    user, _customer = customer_user
    client.force_login(user)
    return client
