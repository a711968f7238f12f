"""The background suggester as `motivo serve` runs it: a thread of rounds and a trainer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from motivo.suggest import services
from motivo.suggest.loop import Suggester
from motivo.suggest.models import ContactPrediction, ModelVersion, SuggesterState
from motivo.suggest.tests.conftest import CHARGE_TEXT, ORDER_TEXT

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_suggester_suggests_new_contacts_and_trains_what_is_requested(reasons, ingest):
    stop = threading.Event()
    lines: list[str] = []
    suggester = Suggester(idle_seconds=0.05, trainer_seconds=0.1, report=lines.append)
    thread = threading.Thread(target=suggester.run, args=(stop,), daemon=True)
    thread.start()
    try:
        first = ingest(subject="Cobro", body=CHARGE_TEXT).contact_id
        wait_until(lambda: ContactPrediction.objects.filter(contact_id=first).exists(), 300)
        assert ModelVersion.objects.get().trigger == "cold_start"

        requested = services.retrain_request(trigger="manual")
        wait_until(lambda: ModelVersion.objects.get(pk=requested.pk).status == "active", 300)
        second = ingest(subject="Pedido", body=ORDER_TEXT).contact_id
        wait_until(lambda: ContactPrediction.objects.filter(contact_id=second).exists(), 300)
        assert ContactPrediction.objects.get(contact_id=second).model_version_id == requested.pk
        assert SuggesterState.objects.get().heartbeat_at is not None
    finally:
        stop.set()
        thread.join(120)
    assert not thread.is_alive()
    assert any(f"v{requested.number}: active" in line for line in lines)
