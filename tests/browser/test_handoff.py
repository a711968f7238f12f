"""Warm transfer in a real browser: agent A hands a case over to agent B with a note; B, in
a browser of their own, finds the case flagged in the inbox, meets the note first at the top
of the case page with what the customer already told us, and acknowledges it."""

from __future__ import annotations

import pytest

from conftest import PASSWORD
from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.cases.models import Case, Handoff
from motivo.cases.services import case_customer_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = (
    "Lucía ya envió las fotos de la lámpara rota. Reembolso aprobado por 39,90 €; "
    "falta enviarle la etiqueta de devolución hoy antes de las 18:00."
)


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/")


@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_agent_hands_over_and_the_receiver_reads_the_note_first(
    new_page, shot, agent, ingest, reason, locale
):
    lang = locale[:2]
    luis = user_create(
        username="luis", role=Role.AGENT, password=PASSWORD, first_name="Luis", last_name="Pardo"
    )
    result = ingest(
        email="lucia@example.test",
        name="Lucía Gómez",
        subject="La lámpara llegó rota",
        body="Hola, la lámpara del pedido 4471 llegó con la pantalla rota. Adjunto fotos.",
        reason=reason,
    )
    case = Case.objects.get(pk=result.case_id)
    case_customer_message(
        case=case,
        channel="web",
        body="¿Me devuelven el dinero o me mandan otra? Prefiero el dinero.",
    )

    # Agent A transfers the case to Luis with a note, from the case page's sidebar.
    desk = new_page(locale=locale)
    sign_in(desk, agent.username)
    desk.goto(f"/cases/{case.pk}/")
    desk.locator("#transfer > summary").click()
    form = desk.locator("[data-testid=transfer-form]")
    form.locator("select[name=assignee]").select_option(label="Luis Pardo")
    form.locator("textarea[name=note]").fill(NOTE)
    shot(desk, f"handoff-00-transfer-form-{lang}")
    form.locator("button[type=submit]").click()
    desk.locator("[data-testid=handoff]").wait_for()
    handoff = Handoff.objects.get(case=case)
    assert handoff.assignee_id == luis.pk and handoff.is_open
    # the sender sees only the folded banner
    assert desk.locator(".handoff-first").count() == 0
    assert desk.locator("details.handoff-collapsed").count() == 1

    # Agent B, in a browser of their own: the inbox flags the case.
    receiver = new_page(locale=locale)
    sign_in(receiver, luis.username)
    receiver.goto("/cases/?status=all")
    row = receiver.locator(f"tr[data-case='{case.pk}']")
    row.locator("[data-testid=handoff-flag]").wait_for()
    shot(receiver, f"handoff-01-inbox-{lang}")
    row.get_by_role("link", name=case.subject).click()

    # The note comes first, above the conversation, with what the customer already told us.
    banner = receiver.locator("section.handoff-first")
    banner.wait_for()
    assert NOTE in banner.locator("[data-testid=handoff-note]").inner_text()
    conversation = receiver.locator("#conversation-title")
    assert banner.bounding_box()["y"] < conversation.bounding_box()["y"]
    assert banner.bounding_box()["y"] < 400  # at the top of the page, no scrolling needed
    messages = banner.locator("[data-testid=handoff-messages]").inner_text()
    assert "Prefiero el dinero" in messages and "pantalla rota" in messages
    assert reason.name in banner.locator("[data-testid=handoff-contacts]").inner_text()
    shot(receiver, f"handoff-02-receiver-{lang}")

    # Acknowledge: the note folds away and stays on record.
    banner.locator("[data-testid=handoff-ack]").click()
    receiver.locator("details.handoff-collapsed").wait_for()
    assert receiver.locator("section.handoff-first").count() == 0
    handoff.refresh_from_db()
    assert handoff.acknowledged_by_id == luis.pk
    receiver.locator("details.handoff-collapsed > summary").click()
    assert NOTE in receiver.locator("details.handoff-collapsed").inner_text()
    shot(receiver, f"handoff-03-acknowledged-{lang}")
    receiver.goto("/cases/?status=all")
    receiver.locator(f"tr[data-case='{case.pk}']").wait_for()
    assert receiver.locator("[data-testid=handoff-flag]").count() == 0
