"""Inbound mail pages in a real browser: the quarantine with a retry, the mailbox status,
and the whole e-mail behind a folded quote."""

from __future__ import annotations

import pytest

from conftest import PASSWORD
from motivo.mail.models import InboundEmail, Mailbox
from motivo.mail.services import inbound_email_receive
from motivo.mail.tests.conftest import CORPUS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_quarantine_retry_and_whole_email(new_page, shot, supervisor, settings):
    settings.MOTIVO_SUPPORT_ADDRESS = "soporte@motivo.localhost"
    Mailbox.objects.create(
        name="Soporte", address="soporte@motivo.localhost", host="imap.example.com",
        username="soporte", password_env="SOPORTE_IMAP_PASSWORD",
        last_error="LOGIN failed: [AUTHENTICATIONFAILED] Authentication failed.",
    )  # fmt: skip
    stuck = inbound_email_receive(
        raw=(CORPUS / "missing_from.eml").read_bytes(), transport="imap"
    ).inbound
    inbound_email_receive(raw=(CORPUS / "bounce_dsn.eml").read_bytes(), transport="lmtp")
    reply = inbound_email_receive(
        raw=(CORPUS / "reply_gmail_es.eml").read_bytes(), transport="http"
    ).inbound

    page = new_page(locale="en-GB")
    sign_in(page, supervisor.username)
    page.click("[data-testid=nav-more] > summary")
    page.click("nav.mainnav >> text=Inbound mail")
    page.wait_for_selector(f"tr[data-inbound='{stuck.pk}']")
    assert "no sender address" in page.inner_text(f"tr[data-inbound='{stuck.pk}']")
    assert "AUTHENTICATIONFAILED" in page.inner_text("[data-testid=mailboxes]")
    shot(page, "mail-01-quarantine")

    page.click("a[data-status=ignored]")
    page.wait_for_selector("text=delivery report")
    shot(page, "mail-02-ignored")

    page.click("a[data-status=quarantined]")
    page.click(f"tr[data-inbound='{stuck.pk}'] button")
    page.wait_for_selector("text=Still quarantined")
    assert InboundEmail.objects.get(pk=stuck.pk).attempts == 2

    page.goto(f"/cases/{reply.case_id}/")
    assert "Prefiere reembolso o cambio" not in page.inner_text(".conversation")  # folded
    page.click("[data-testid=whole-email]")
    page.wait_for_selector("[data-testid=mail-quoted]")
    assert "Prefiere reembolso o cambio" in page.inner_text("[data-testid=mail-quoted]")
    assert "Prefiero el reembolso" in page.inner_text("[data-testid=mail-body]")
    shot(page, "mail-03-whole-email")
