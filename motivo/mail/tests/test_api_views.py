"""The HTTP endpoint for raw mail, and the quarantine / message pages."""

from __future__ import annotations

import pytest
from django.test import Client

from motivo.accounts.services import api_token_create
from motivo.api.auth import token_cache_clear
from motivo.cases.models import Case
from motivo.mail import services
from motivo.mail.models import InboundEmail, Mailbox
from motivo.mail.tests.conftest import CORPUS, make_mail

pytestmark = pytest.mark.django_db
URL = "/api/v1/email/inbound"
EML = "message/rfc822"


@pytest.fixture
def bearer(agent) -> Client:
    token_cache_clear()
    _token, secret = api_token_create(user=agent, name="webhook")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_webhook_stores_and_answers_202_then_200_for_the_same_message(bearer):
    raw = make_mail(message_id="h1@x", subject="Por HTTP")
    response = bearer.post(URL, raw, content_type=EML)
    assert response.status_code == 202, response.content
    body = response.json()
    row = InboundEmail.objects.get()
    assert body == {
        "id": row.pk, "status": "processed", "reason": "new case", "error": "",
        "case_id": row.case_id, "duplicate": False,
    }  # fmt: skip
    assert row.transport == "http" and bytes(row.raw) == raw
    again = bearer.post(URL, raw, content_type=EML)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["id"] == row.pk
    assert InboundEmail.objects.count() == 1 and Case.objects.count() == 1


def test_webhook_takes_a_message_larger_than_the_form_upload_limit(bearer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    raw = make_mail(message_id="big@x", body="línea de texto\r\n" * 500)
    assert bearer.post(URL, raw, content_type=EML).status_code == 202


def test_webhook_refuses_what_is_not_a_raw_message(bearer, settings):
    response = bearer.post(URL, {"a": 1}, content_type="application/json")
    assert response.status_code == 415 and response.json()["error"]["field"] == "body"
    settings.MOTIVO_MAIL_MAX_MESSAGE_BYTES = 100
    response = bearer.post(URL, make_mail(), content_type=EML)
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert not InboundEmail.objects.exists()


def test_webhook_needs_a_staff_token(client, agent):
    assert Client().post(URL, make_mail(), content_type=EML).status_code == 401
    client.force_login(agent)  # a session is not enough: machines use tokens
    assert client.post(URL, make_mail(), content_type=EML).status_code == 401
    assert not InboundEmail.objects.exists()


@pytest.fixture
def quarantined(monkeypatch) -> InboundEmail:
    raw = (CORPUS / "missing_from.eml").read_bytes()
    return services.inbound_email_receive(raw=raw, transport="http").inbound


def test_quarantine_page_lists_with_error_and_mailboxes(client, supervisor, quarantined):
    Mailbox.objects.create(
        name="Ventas", address="ventas@x.es", host="imap.x.es", username="u",
        password_env="VENTAS_PW", last_error="LOGIN failed",
    )  # fmt: skip
    client.force_login(supervisor)
    page = client.get("/mail/quarantine/").content.decode()
    assert f'data-inbound="{quarantined.pk}"' in page
    assert "no sender address" in page
    assert "Ventas" in page and "LOGIN failed" in page
    ignored = services.inbound_email_receive(
        raw=(CORPUS / "out_of_office_en.eml").read_bytes(), transport="http"
    ).inbound
    page = client.get("/mail/quarantine/?status=ignored").content.decode()
    assert f'data-inbound="{ignored.pk}"' in page and "Auto-Submitted" in page
    # Ignored mail can be read, to check it was rightly ignored.
    page = client.get(f"/mail/inbound/{ignored.pk}/").content.decode()
    assert "I am out of the office until Monday." in page


def test_agents_cannot_open_the_quarantine(client, agent):
    client.force_login(agent)
    assert client.get("/mail/quarantine/").status_code == 403


def test_raw_download_and_retry(client, supervisor, quarantined):
    client.force_login(supervisor)
    response = client.get(f"/mail/inbound/{quarantined.pk}/raw/")
    assert response.status_code == 200 and response["Content-Type"] == "message/rfc822"
    assert f"inbound-{quarantined.pk}.eml" in response["Content-Disposition"]
    assert response.content == (CORPUS / "missing_from.eml").read_bytes()
    # Retrying without fixing anything fails again, visibly, and counts the attempt.
    response = client.post(f"/mail/inbound/{quarantined.pk}/retry/", follow=True)
    assert "Still quarantined" in response.content.decode()
    assert InboundEmail.objects.get(pk=quarantined.pk).attempts == 2


def test_retry_after_the_cause_is_fixed(client, supervisor, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    real = services.contact_ingest
    monkeypatch.setattr(services, "contact_ingest", broken)
    row = services.inbound_email_receive(raw=make_mail(message_id="fix@x"), transport="http")
    assert row.inbound.status == "quarantined"
    monkeypatch.setattr(services, "contact_ingest", real)
    client.force_login(supervisor)
    response = client.post(f"/mail/inbound/{row.inbound.pk}/retry/", follow=True)
    assert "Message processed" in response.content.decode()
    assert InboundEmail.objects.get(pk=row.inbound.pk).status == "processed"
    assert client.get(f"/mail/inbound/{row.inbound.pk}/retry/").status_code == 405


def test_message_page_shows_the_folded_quote(client, agent):
    body = "Vale.\n\nOn Mon, 3 Mar 2025, Support wrote:\n> Shall we refund you?"
    row = services.inbound_email_receive(
        raw=make_mail(message_id="page@x", body=body), transport="http"
    ).inbound
    client.force_login(agent)
    page = client.get(f"/mail/inbound/{row.pk}/").content.decode()
    assert "Shall we refund you?" in page and "Vale." in page
    assert client.get("/mail/inbound/999999/").status_code == 404


def test_customers_cannot_see_inbound_mail(client, customer_user):
    user, _customer = customer_user
    row = services.inbound_email_receive(raw=make_mail(message_id="c@x"), transport="http")
    client.force_login(user)
    assert client.get(f"/mail/inbound/{row.inbound.pk}/").status_code in (403, 404)
    assert client.get(f"/mail/inbound/{row.inbound.pk}/raw/").status_code in (403, 404)
