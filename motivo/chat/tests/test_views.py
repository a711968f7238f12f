"""The widget's endpoints (CORS, token, JSON errors), the console and the case page panel."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from motivo.cases.models import Case, Message
from motivo.chat.models import AgentPresence, ChatSession

pytestmark = pytest.mark.django_db


def _start(widget, **data):
    payload = {"name": "Lucía", "email": "lucia@example.test", "message": "Hola"} | data
    response = widget.post("/chat/api/sessions?lang=es", payload)
    if response.status_code == 201:
        widget.token = response.json()["token"]
    return response


@pytest.fixture
def staff_client(agent):
    client = Client(enforce_csrf_checks=True)
    client.login(username=agent.username, password=PASSWORD)
    return client


def _csrf(client: Client) -> str:
    client.get(reverse("chat:console"))
    return client.cookies["csrftoken"].value


def test_the_script_is_served_at_a_stable_address_for_any_site(client):
    response = client.get("/chat/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert b"X-Motivo-Chat-Token" in b"".join(response.streaming_content)


def test_preflight_allows_the_token_header_and_no_cookies(widget):
    response = widget.client.options(
        "/chat/api/messages",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "X-Motivo-Chat-Token" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize("path", ["sessions", "messages", "end", "leave"])
def test_writes_take_post_only_and_answer_in_json_the_site_can_read(widget, path):
    response = widget.get(f"/chat/api/{path}")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_config_speaks_the_visitors_language_and_says_whether_someone_is_there(
    widget, available_agent
):
    spanish = widget.get("/chat/api/config", lang="es").json()
    english = widget.get("/chat/api/config", lang="en").json()
    assert spanish["available"] is True and spanish["customer"] is None
    assert english["strings"]["launcher"] == "Chat with us"
    assert spanish["language"] == "es" and english["language"] == "en"
    assert set(spanish["strings"]) == set(english["strings"])
    AgentPresence.objects.update(available=False)
    assert widget.get("/chat/api/config").json()["available"] is False


def test_a_whole_chat_through_the_widget_endpoints(widget, available_agent):
    response = _start(widget, message="Mi pedido no llega")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Access-Control-Allow-Origin"] == "*"
    assert body["session"]["status"] == "waiting"
    assert [m["body"] for m in body["messages"]] == ["Mi pedido no llega"]
    assert body["stream_url"] == "http://testserver/chat/stream/session"
    sent = widget.post("/chat/api/messages", {"body": "¿Hola?"})
    assert sent.status_code == 201 and sent.json()["message"]["from"] == "customer"
    resumed = widget.get("/chat/api/session").json()
    assert [m["body"] for m in resumed["messages"]] == ["Mi pedido no llega", "¿Hola?"]
    ended = widget.post("/chat/api/end")
    assert ended.json()["session"]["status"] == "ended"
    late = widget.post("/chat/api/messages", {"body": "¿Sigues?"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "ended"


def test_errors_are_json_naming_the_field_in_the_visitors_language(widget, available_agent):
    response = _start(widget, email="nope")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "email"
    spanish = widget.post("/chat/api/sessions?lang=es", {"name": "", "email": "a@b.c"})
    assert spanish.json()["error"]["field"] == "body"
    bad = widget.client.post("/chat/api/sessions", "{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed"
    huge = widget.post("/chat/api/sessions", {"message": "x" * 70_000})
    assert huge.status_code == 400 and huge.json()["error"]["code"] == "too_large"


def test_without_the_right_secret_there_is_no_chat(widget, available_agent):
    _start(widget)
    widget.token = "wrong"
    assert widget.get("/chat/api/session").status_code == 404
    assert widget.post("/chat/api/messages", {"body": "x"}).status_code == 404
    widget.token = None
    assert widget.post("/chat/api/end").status_code == 404


def test_no_agent_available_answers_unavailable_and_a_message_can_be_left(widget):
    response = _start(widget)
    assert response.status_code == 400 and response.json()["error"]["code"] == "unavailable"
    left = widget.post(
        "/chat/api/leave", {"name": "Ana", "email": "ana@example.test", "message": "Llamadme"}
    )
    assert left.status_code == 201
    assert Case.objects.get(pk=left.json()["case_number"]).channel == "chat"
    asked = widget.post(
        "/chat/api/leave",
        {"name": "Ana", "email": "ana@example.test", "message": "Llamadme", "callback": True,
         "phone": "600111222"},
    )  # fmt: skip
    callback = asked.json()["callback"]
    assert callback["requested"] and not callback["booked"] and callback["error"]


def test_the_origin_allow_list_is_enforced_when_set(widget, available_agent, settings):
    settings.MOTIVO_CHAT_ALLOWED_ORIGINS = ["https://shop.example"]
    assert _start(widget).status_code == 201
    assert widget.get("/chat/api/config")["Access-Control-Allow-Origin"] == "https://shop.example"
    widget.origin = "https://evil.example"
    refused = widget.get("/chat/api/config")
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused


def test_sessions_are_rate_limited_per_visitor(widget, available_agent, settings):
    settings.MOTIVO_CHAT_MAX_SESSIONS_PER_IP = 1
    assert _start(widget).status_code == 201
    again = _start(widget, email="other@example.test")
    assert again.status_code == 429 and again.json()["error"]["code"] == "rate_limited"


def test_behind_a_proxy_visitors_are_counted_by_the_forwarded_address(
    widget, available_agent, settings
):
    settings.MOTIVO_CHAT_MAX_SESSIONS_PER_IP = 1
    settings.MOTIVO_CHAT_IP_HEADER = "X-Forwarded-For"

    def start(forwarded: str, email: str):
        return widget.client.post(
            "/chat/api/sessions",
            json.dumps({"name": "Ann", "email": email, "message": "Hola"}),
            content_type="application/json",
            headers={"Origin": widget.origin, "X-Forwarded-For": forwarded},
        )

    assert start("192.0.2.1, 198.51.100.20", "a@example.test").status_code == 201
    assert start("192.0.2.9, 198.51.100.21", "b@example.test").status_code == 201
    assert start("198.51.100.20", "c@example.test").status_code == 429
    # Not an address: the connection's own (127.0.0.1), not a key the client chooses.
    assert start("junk-1", "d@example.test").status_code == 201
    assert start("junk-2", "e@example.test").status_code == 429


def test_a_signed_in_customer_is_recognised_only_on_motivos_own_pages(
    customer_user, available_agent
):
    user, customer = customer_user
    client = Client()
    client.force_login(user)
    same_site = client.get("/chat/api/config").json()
    assert same_site["customer"] == {"name": "María"}
    foreign = client.get("/chat/api/config", headers={"Origin": "https://evil.example"}).json()
    assert foreign["customer"] is None
    started = client.post(
        "/chat/api/sessions", '{"message": "Hola"}', content_type="application/json"
    )
    assert started.status_code == 201
    assert ChatSession.objects.get().customer_id == customer.pk


def test_the_console_is_for_staff_and_lists_waiting_chats(staff_client, start_chat, customer_user):
    start_chat(name="Lucía Pérez")
    page = staff_client.get(reverse("chat:console"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lucía Pérez" in html and 'data-testid="chat-waiting"' in html
    assert "/chat/stream/console" in html
    customer = Client()
    customer.force_login(customer_user[0])
    assert customer.get(reverse("chat:console")).status_code == 403
    assert Client().get(reverse("chat:console")).status_code == 302  # sign in first


def test_availability_is_switched_with_a_csrf_checked_post(staff_client, agent):
    url = reverse("chat:availability")
    assert staff_client.post(url, {"available": "1"}).status_code == 403  # no CSRF token
    token = _csrf(staff_client)
    staff_client.post(url, {"available": "1"}, headers={"X-CSRFToken": token})
    assert AgentPresence.objects.get(user=agent).available
    assert (
        "You are available for chats" in staff_client.get(reverse("chat:console")).content.decode()
    )


def test_agent_takes_writes_and_ends_from_the_console(staff_client, agent, start_chat):
    session = start_chat().session
    token = _csrf(staff_client)
    headers = {"X-CSRFToken": token}
    pane = staff_client.get(reverse("chat:pane", args=[session.pk]))
    assert "Hola, mi pedido 4471 no llega." in pane.content.decode()
    assert staff_client.post(reverse("chat:take", args=[session.pk])).status_code == 403
    taken = staff_client.post(reverse("chat:take", args=[session.pk]), headers=headers)
    assert taken.json()["session"]["status"] == "active"
    sent = staff_client.post(
        reverse("chat:send", args=[session.pk]), {"body": "Hola Lucía"}, headers=headers
    )
    assert sent.status_code == 201
    assert Message.objects.get(pk=sent.json()["message"]["id"]).kind == "reply"
    empty = staff_client.post(
        reverse("chat:send", args=[session.pk]), {"body": " "}, headers=headers
    )
    assert empty.status_code == 400 and empty.json()["error"]["field"] == "body"
    ended = staff_client.post(reverse("chat:end", args=[session.pk]), headers=headers)
    assert ended.json()["session"]["status"] == "ended"
    assert staff_client.get(reverse("chat:pane", args=[999_999])).status_code == 404


def test_the_case_page_shows_the_live_chat_and_past_sessions(
    staff_client, start_chat, agent, django_assert_max_num_queries
):
    from motivo.chat.services import chat_session_end

    session = start_chat().session
    url = reverse("cases:detail", args=[session.case_id])
    html = staff_client.get(url).content.decode()
    assert 'data-testid="case-chat"' in html and "data-chat-pane" in html
    assert f"/chat/stream/sessions/{session.pk}" in html
    assert "Hola, mi pedido 4471 no llega." in html
    chat_session_end(session=session, actor=agent)
    html = staff_client.get(url).content.decode()
    assert 'data-testid="chat-sessions"' in html and "data-chat-pane" not in html
    assert "ended" in html


def test_the_case_page_of_a_case_without_chats_has_no_chat_panel(staff_client, ingest):
    case_id = ingest().case_id
    html = staff_client.get(reverse("cases:detail", args=[case_id])).content.decode()
    assert 'data-testid="case-chat"' not in html


def test_wsgi_streams_step_aside_when_a_realtime_server_serves_them(widget, settings, start_chat):
    started = start_chat()
    widget.token = started.token
    settings.MOTIVO_CHAT_STREAM_PORT = 8001
    response = widget.get("/chat/stream/session")
    assert response.status_code == 404 and response.json()["error"]["code"] == "elsewhere"
    state = widget.get("/chat/api/session").json()
    assert state["stream_url"] == "http://testserver:8001/chat/stream/session"
    settings.MOTIVO_CHAT_STREAM_URL = "https://chat.motivo.example/"
    state = widget.get("/chat/api/session").json()
    assert state["stream_url"] == "https://chat.motivo.example/chat/stream/session"


def test_motivos_own_chat_page_embeds_the_widget_in_the_visitors_language(client):
    page = client.get(reverse("chat:start"), headers={"Accept-Language": "en"}).content.decode()
    assert '<script src="/chat/widget.js" data-motivo-lang="en" data-motivo-open="1"' in page
