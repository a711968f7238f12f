"""The embeddable contact form in a real browser, framed by the company's own site (a tiny
HTTP server on 127.0.0.1, another site than the live server on localhost; a local one,
because Chromium's local-network-access checks keep public sites from framing localhost):
a visitor writes in, sees the thank-you page with the case number, and an agent finds the
case in the inbox."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from motivo.cases.models import Case
from motivo.customers.models import Identity
from tests.browser.test_journey import sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _site() -> tuple[ThreadingHTTPServer, dict[str, str]]:
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "not found").encode()
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, pages


@pytest.fixture
def shop(settings, live_server):
    """shop(page, body_html, allowed=True): the company's site showing body_html, at an
    origin MOTIVO_FORM_ALLOWED_ORIGINS lists (or, allowed=False, at one it does not)."""
    allowed_server, allowed_pages = _site()
    other_server, other_pages = _site()
    origin = f"http://127.0.0.1:{allowed_server.server_port}"
    settings.MOTIVO_FORM_ALLOWED_ORIGINS = [origin]
    settings.MOTIVO_FORM_MIN_SECONDS = 0  # the too-fast check has its own unit tests

    def serve(page, body: str, allowed: bool = True) -> None:
        server, pages = (allowed_server, allowed_pages) if allowed else (other_server, other_pages)
        pages["/contacto"] = (
            "<!doctype html><html><head><meta charset='utf-8'><title>Tienda Sol</title></head>"
            "<body style='font-family:sans-serif;background:#f3efe6;margin:0;padding:24px'>"
            "<h1 style='margin:0 0 12px'>Tienda Sol</h1>"
            f"<div style='background:#fff;max-width:760px;padding:8px'>{body}</div></body></html>"
        )
        page.goto(f"http://127.0.0.1:{server.server_port}/contacto")

    yield serve
    for server in (allowed_server, other_server):
        server.shutdown()
        server.server_close()


def _fill(frame, *, name: str, email: str, phone: str, subject: str, message: str) -> None:
    frame.locator("input[name=name]").fill(name)
    frame.locator("input[name=email]").fill(email)
    frame.locator("input[name=phone]").fill(phone)
    frame.locator("input[name=subject]").fill(subject)
    frame.locator("textarea[name=message]").fill(message)


def test_visitor_writes_in_through_the_framed_form(new_page, shot, shop, live_server, agent):
    subject = "El pedido 4471 llegó incompleto"
    visitor = new_page(locale="es-ES")
    shop(
        visitor,
        f"<iframe src='{live_server.url}/forms/contact/?lang=es' title='Contacto' "
        "style='width:100%;height:860px;border:0'></iframe>",
    )
    frame = visitor.frame_locator("iframe")
    frame.locator("[data-testid=contact-form]").wait_for()
    assert frame.locator("html").get_attribute("lang") == "es"
    _fill(
        frame,
        name="Lucía Pérez",
        email="lucia@example.test",
        phone="+34 600 123 456",
        subject=subject,
        message="Falta una pieza en la caja. ¿Me la pueden enviar?",
    )
    shot(visitor, "web-form-es")
    frame.locator("button[type=submit]").click()
    thanks = frame.locator("[data-testid=contact-thanks]")
    thanks.wait_for()
    case = Case.objects.get(subject=subject)
    assert case.channel == "web"
    assert f"#{case.pk}" in thanks.inner_text()
    assert set(Identity.objects.filter(customer=case.customer).values_list("value", flat=True)) == {
        "lucia@example.test",
        "+34600123456",
    }
    shot(visitor, "web-form-thanks-es")

    desk = new_page(locale="es-ES")
    sign_in_staff(desk, agent.username)
    desk.goto("/cases/")
    desk.locator("tr", has_text=subject).get_by_role("link", name=subject).wait_for()


def test_embed_script_in_english_and_other_sites_cannot_frame(new_page, shot, shop, live_server):
    visitor = new_page(locale="en-GB")
    shop(
        visitor,
        "<p>Questions? Write to us:</p>"
        f"<script src='{live_server.url}/forms/contact/embed.js' data-lang='en' async></script>",
    )
    frame = visitor.frame_locator("iframe")
    frame.locator("[data-testid=contact-form]").wait_for()
    assert frame.locator("html").get_attribute("lang") == "en"
    _fill(
        frame,
        name="Sam Taylor",
        email="sam@example.test",
        phone="",
        subject="Refund for a returned parcel",
        message="I sent the parcel back two weeks ago and have had no refund yet.",
    )
    # A visible honeypot-free form: the trap field is off-screen, not shown to people.
    assert not frame.locator("input[name=website]").is_visible() or (
        frame.locator(".webform-trap").bounding_box()["x"] < 0
    )
    shot(visitor, "web-form-en")
    frame.locator("button[type=submit]").click()
    thanks = frame.locator("[data-testid=contact-thanks]")
    thanks.wait_for()
    case = Case.objects.get(subject="Refund for a returned parcel")
    assert f"#{case.pk}" in thanks.inner_text()
    assert "Thank you" in thanks.inner_text()
    shot(visitor, "web-form-thanks-en")

    # A site that is not in MOTIVO_FORM_ALLOWED_ORIGINS gets no form (frame-ancestors).
    other = new_page(locale="en-GB")
    shop(
        other,
        f"<iframe src='{live_server.url}/forms/contact/?lang=en' style='width:100%;height:400px'>"
        "</iframe>",
        allowed=False,
    )
    other.wait_for_timeout(1500)
    assert other.frame_locator("iframe").locator("[data-testid=contact-form]").count() == 0


def test_form_with_a_known_phone_suggests_a_duplicate_and_a_supervisor_merges(
    new_page, shot, shop, live_server, ingest, supervisor
):
    from motivo.customers.models import Customer

    caller = Customer.objects.get(
        pk=ingest(channel="phone", phone="600 555 111", name="Marta").customer_id
    )
    writer = Customer.objects.get(
        pk=ingest(email="marta.r@example.test", name="Marta Ruiz").customer_id
    )
    visitor = new_page(locale="en-GB")
    shop(
        visitor,
        f"<iframe src='{live_server.url}/forms/contact/?lang=en' "
        "style='width:100%;height:860px;border:0'></iframe>",
    )
    frame = visitor.frame_locator("iframe")
    _fill(
        frame, name="Marta Ruiz", email="marta.r@example.test", phone="600555111",
        subject="Invoice address is wrong", message="Please correct the address on invoice 88.",
    )  # fmt: skip
    frame.locator("button[type=submit]").click()
    frame.locator("[data-testid=contact-thanks]").wait_for()

    desk = new_page(locale="en-GB")
    sign_in_staff(desk, supervisor.username)
    desk.goto(f"/cases/customers/{writer.pk}/")
    suggestion = desk.locator("[data-testid=duplicate-suggestion]")
    suggestion.wait_for()
    assert "600555111" in suggestion.inner_text()
    shot(desk, "customer-page-duplicate")
    desk.get_by_role("link", name="Merge into another customer…").click()
    desk.fill("input[name=q]", "600 555 111")
    desk.locator("[data-testid=merge-search] button").click()
    desk.locator(".merge-results", has_text="Marta").wait_for()
    shot(desk, "customer-merge-search")
    desk.go_back()
    desk.go_back()
    suggestion.get_by_role("link").last.click()
    desk.locator("[data-testid=merge-source]").wait_for()
    assert "Marta" in desk.locator("[data-testid=merge-source]").inner_text()
    shot(desk, "customer-merge-confirm")
    desk.locator("[data-testid=merge-confirm]").click()
    desk.wait_for_url(f"**/cases/customers/{writer.pk}/")
    caller.refresh_from_db()
    assert caller.merged_into_id == writer.pk
    identities = desk.locator("[data-testid=customer-identities]").inner_text()
    assert "600555111" in identities and "marta.r@example.test" in identities
    shot(desk, "customer-page-merged")
    desk.goto(f"/cases/customers/{caller.pk}/")
    desk.wait_for_url(f"**/cases/customers/{writer.pk}/")

    # Refused submissions wait for review; accepting one makes it a web case.
    from motivo.channels.models import RejectedSubmission

    RejectedSubmission.objects.create(
        why=RejectedSubmission.Why.LINKS, name="Pablo", email="pablo@example.test",
        subject="Links to my photos", message="http://a.example http://b.example "
        "http://c.example http://d.example — the parcel arrived broken.", ip="192.0.2.4",
    )  # fmt: skip
    desk.goto("/forms/rejected/")
    desk.locator("[data-testid=rejected-list]", has_text="Links to my photos").wait_for()
    shot(desk, "web-form-rejected")
    desk.get_by_role("button", name="Accept").click()
    desk.get_by_text("Links to my photos").first.wait_for()
    assert Case.objects.filter(subject="Links to my photos", channel="web").exists()
