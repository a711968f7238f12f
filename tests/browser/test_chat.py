"""Live chat in two browsers: a customer on a shop's page that embeds the widget with one
script tag (served from another origin), and an agent in the chat console. They write to
each other without reloading; the transcript ends up on the case."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from conftest import PASSWORD
from motivo.cases.models import Case, Message
from motivo.chat.models import ChatSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP_PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Tienda Sol</title>
<style>body{{font-family:Georgia,serif;background:#fdf6e3;margin:40px}} button{{color:red}}</style>
</head><body>
<h1>Tienda Sol</h1><p>Lámparas, mesas y sillas. ¿Dudas? Escríbenos por el chat.</p>
<script src="{motivo}/chat/widget.js" data-motivo-lang="es" async></script>
</body></html>
"""


@pytest.fixture
def shop(live_server, tmp_path):
    """A page of another site (its own origin) embedding the widget."""
    (tmp_path / "index.html").write_text(SHOP_PAGE.format(motivo=live_server.url))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


def sign_in_staff(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()


def test_customer_and_agent_chat_live_and_the_transcript_is_on_the_case(
    new_page, shot, shop, agent
):
    agent.first_name = "Marta"
    agent.save()
    # 1. The agent opens the chat console and starts taking chats.
    desk = new_page(locale="es-ES")
    sign_in_staff(desk, agent.username)
    desk.goto("/chat/")
    desk.locator("[data-testid=availability] button[type=submit]").click()
    desk.locator(".chat-on").wait_for()

    # 2. The customer, on the shop's own site, opens the widget and starts a chat.
    customer = new_page(locale="es-ES")
    customer.goto(shop)
    launcher = customer.locator("#motivo-chat .launcher")
    launcher.wait_for()
    launcher.click()
    form = customer.locator("#motivo-chat form[data-view=start]")
    form.locator("[name=name]").fill("Lucía Pérez")
    form.locator("[name=email]").fill("lucia@example.test")
    form.locator("[name=message]").fill("Hola, mi pedido 4471 no ha llegado.")
    shot(customer, "chat-01-widget-form")
    form.locator("button[type=submit]").click()
    customer.locator("#motivo-chat [data-chat-status][data-status=waiting]").wait_for()

    # 3. It appears in the agent's console without a reload; the agent takes it and answers.
    waiting = desk.locator("[data-testid=chat-waiting] li", has_text="Lucía Pérez")
    waiting.wait_for()
    waiting.locator("a").click()
    pane = desk.locator("[data-chat-pane]")
    pane.locator(".chat-line", has_text="Hola, mi pedido 4471 no ha llegado.").wait_for()
    pane.locator("[data-chat-take]").click()
    desk.locator("[data-chat-pane][data-status=active]").wait_for()
    pane.locator("textarea[name=body]").fill("Hola Lucía, soy Marta. Lo miro ahora mismo.")
    pane.locator("textarea[name=body]").press("Enter")

    # 4. The customer sees it live, and answers; the agent sees that live too.
    customer.locator("#motivo-chat .line.from-agent", has_text="soy Marta").wait_for()
    customer.locator("#motivo-chat [data-chat-status][data-status=active]").wait_for()
    customer.locator("#motivo-chat textarea[name=body]").fill("¡Gracias! Es el pedido 4471.")
    customer.locator("#motivo-chat form[data-compose] button[type=submit]").click()
    pane.locator(".chat-line.from-customer", has_text="Es el pedido 4471").wait_for()
    shot(customer, "chat-02-widget-conversation")
    shot(desk, "chat-03-agent-console")

    # 5. The transcript is the case's conversation; the case page shows the chat panel.
    session = ChatSession.objects.get()
    case = Case.objects.get(pk=session.case_id)
    assert case.channel == "chat" and case.assignee_id == agent.pk
    lines = list(case.messages.order_by("created_at").values_list("kind", "body"))
    assert lines == [
        (Message.Kind.INBOUND, "Hola, mi pedido 4471 no ha llegado."),
        (Message.Kind.REPLY, "Hola Lucía, soy Marta. Lo miro ahora mismo."),
        (Message.Kind.INBOUND, "¡Gracias! Es el pedido 4471."),
    ]
    desk.goto(f"/cases/{case.pk}/")
    panel = desk.locator("[data-testid=case-chat]")
    panel.locator(".chat-line", has_text="¡Gracias! Es el pedido 4471.").wait_for()
    desk.locator(".conversation").get_by_text("soy Marta").wait_for()
    shot(desk, "chat-04-case-page")

    # 6. The customer ends the chat; the agent's panel on the case page follows.
    customer.locator("#motivo-chat [data-end]").click()
    customer.locator("#motivo-chat [data-chat-ended]").wait_for()
    panel.locator("[data-chat-ended]").wait_for(state="visible")
    session.refresh_from_db()
    assert session.status == "ended" and session.ended_by == "customer"


def test_without_an_agent_the_widget_takes_a_message_in_english(new_page, shot, shop):
    customer = new_page(locale="en-GB")
    customer.goto(shop)
    customer.locator("#motivo-chat .launcher").click()
    form = customer.locator("#motivo-chat form[data-view=offline]")
    form.wait_for()
    form.locator("[name=name]").fill("Ann")
    form.locator("[name=email]").fill("not-an-address")
    form.locator("[name=message]").fill("Please call me about my invoice.")
    form.locator("button[type=submit]").click()
    form.locator("[data-error-for=email]").wait_for(state="visible")
    form.locator("[name=email]").fill("ann@example.test")
    form.locator("[name=callback]").check()
    form.locator("[name=phone]").fill("+44 20 7946 0000")
    form.locator("button[type=submit]").click()
    customer.locator("#motivo-chat [data-left]").wait_for()
    shot(customer, "chat-05-widget-offline")
    assert customer.locator("#motivo-chat [data-callback]").inner_text()
    case = Case.objects.get()
    assert case.channel == "chat"
    assert case.messages.get().body == "Please call me about my invoice."
