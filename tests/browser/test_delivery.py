"""In a real browser: the composer says where a reply goes; a reply the SMTP server could
not take shows "Not delivered" on the case page, and "Send again" delivers it once the
server is back."""

from __future__ import annotations

import pytest

from conftest import PASSWORD
from motivo.cases.models import Case
from motivo.mail.models import OutboundEmail
from motivo.mail.tests.smtp_server import SmtpServer, smtp_down  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_failed_reply_is_shown_and_sent_again(
    new_page,
    shot,
    smtp_down,  # noqa: F811
    settings,
    agent,
    ingest,
):
    settings.MOTIVO_MAIL_MAX_ATTEMPTS = 2
    case = Case.objects.get(
        pk=ingest(email="lucia@example.test", name="Lucía", subject="Caja rota").case_id
    )
    page = new_page(locale="es-ES")
    page.goto("/accounts/login/")
    page.fill("#id_username", agent.username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.goto(f"/cases/{case.pk}/")
    route = page.locator("[data-testid=reply-route]")
    assert "lucia@example.test" in route.inner_text()

    page.fill("textarea[name=body]", "Le enviamos otra caja hoy mismo.")
    page.locator("[data-testid=reply-form] button[type=submit]").click()
    badge = page.locator("[data-testid=delivery][data-status=failed]")
    badge.wait_for()
    assert "lucia@example.test" in badge.inner_text()
    shot(page, "delivery-failed")
    email = OutboundEmail.objects.get(case=case)
    assert (email.status, email.attempts) == ("failed", 2)

    server = SmtpServer().start()
    settings.MAILERS = {"default": server.mailer()}
    try:
        badge.locator("[data-testid=delivery-retry]").click()
        page.locator("[data-testid=delivery][data-status=sent]").wait_for()
        shot(page, "delivery-sent-again")
        [received] = server.messages
        assert received.rcpt_tos == ["lucia@example.test"]
    finally:
        server.stop()
