"""Fixtures of the chat tests."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from motivo.chat.services import chat_presence_set, chat_session_start


@pytest.fixture
def available_agent(agent):
    """An agent who switched chats on (and so was seen just now)."""
    chat_presence_set(user=agent, available=True)
    return agent


@pytest.fixture
def start_chat(available_agent):
    """start_chat(email=..., body=...) -> StartedChat."""

    def make(**kwargs):
        kwargs.setdefault("name", "Lucía Pérez")
        kwargs.setdefault("email", "lucia@example.test")
        kwargs.setdefault("body", "Hola, mi pedido 4471 no llega.")
        kwargs.setdefault("language", "es")
        return chat_session_start(**kwargs)

    return make


class Widget:
    """The widget's side of the HTTP conversation: JSON, an Origin, the token header."""

    def __init__(self, origin: str = "https://shop.example") -> None:
        self.client = Client()
        self.origin = origin
        self.token: str | None = None

    def _headers(self) -> dict[str, str]:
        headers = {"Origin": self.origin}
        if self.token:
            headers["X-Motivo-Chat-Token"] = self.token
        return headers

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self._headers())

    def post(self, path: str, data: dict | None = None):
        return self.client.post(
            path,
            json.dumps(data or {}),
            content_type="application/json",
            headers=self._headers(),
        )


@pytest.fixture
def widget():
    return Widget()
