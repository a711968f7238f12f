"""Contacts the suggestion model could not place: what theme discovery starts from.

`flagged` ingests contacts and stores what the suggester would have stored for them — a
prediction ("none of our reasons", or a weak best suggestion) and the embedding of their
text — without training a model, so each test controls exactly which contacts are input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.core.testing import signed_in
from motivo.suggest.engine import ENGINE_VERSION
from motivo.suggest.models import ContactEmbedding, ContactPrediction, ModelVersion
from motivo.suggest.services import contact_text
from motivo.themes.tests.data import embed


def subject_of(text: str) -> str:
    return " ".join(text.split()[:5])


@pytest.fixture
def model_version(db) -> ModelVersion:
    return ModelVersion.objects.create(
        number=1,
        status=ModelVersion.Status.ACTIVE,
        trigger=ModelVersion.Trigger.MANUAL,
        created_at=timezone.now(),
    )


@pytest.fixture
def flagged(ingest, model_version):
    """flagged(texts, none_of_ours=True, confidence=0.2, days_ago=1) -> [Contact]: one
    contact per text, received `days_ago` days ago, as the suggester left it."""

    def make(
        texts: list[str],
        *,
        none_of_ours: bool = True,
        confidence: float = 0.2,
        days_ago: int = 1,
        channel: str = "email",
    ) -> list[Contact]:
        at = timezone.now() - dt.timedelta(days=days_ago)
        made = []
        vectors = embed([contact_text(subject_of(text), text) for text in texts])
        for index, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
            result = ingest(
                subject=subject_of(text),
                body=text,
                channel=channel,
                received_at=at + dt.timedelta(minutes=index),
            )
            contact = Contact.objects.get(pk=result.contact_id)
            ContactPrediction.objects.create(
                contact=contact,
                model_version=model_version,
                received_at=contact.received_at,
                none_of_ours=none_of_ours,
                top_confidence=confidence,
                created_at=timezone.now(),
            )
            ContactEmbedding.objects.create(
                contact=contact, engine_version=ENGINE_VERSION, vector=vector.tobytes()
            )
            made.append(contact)
        return made

    return make


@pytest.fixture
def small_themes(settings):
    """Themes of three contacts or more (the hand-made topics have seven or eight)."""
    settings.MOTIVO_THEMES_MIN_SIZE = 3


@pytest.fixture
def manager_client(supervisor) -> Client:
    return signed_in(supervisor)


@pytest.fixture
def agent_client(agent) -> Client:
    return signed_in(agent)
