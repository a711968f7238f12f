"""The embeddable web contact form: framing, language, spam checks, limits, idempotency,
and the review of refused submissions."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from motivo.cases.models import Attachment, Case, Contact
from motivo.channels import spam
from motivo.channels.models import RejectedSubmission
from motivo.customers.models import Identity

pytestmark = pytest.mark.django_db

URL = "/forms/contact/"


@pytest.fixture(autouse=True)
def _form_settings(settings):
    settings.MOTIVO_FORM_ALLOWED_ORIGINS = ["https://shop.example"]
    settings.MOTIVO_FORM_MIN_SECONDS = 3
    settings.MOTIVO_FORM_MAX_PER_IP = 20
    settings.MOTIVO_FORM_MAX_PER_EMAIL = 5


def _old_token(seconds: float = 10) -> str:
    """A token issued `seconds` ago (as if the visitor took that long to type)."""
    with mock.patch("motivo.channels.spam.time.time", return_value=time.time() - seconds):
        return spam.form_token_new()


def _data(**overrides) -> dict:
    data = {
        "name": "Lucía Pérez",
        "email": "lucia@example.test",
        "phone": "+34 600 123 456",
        "subject": "El pedido llegó incompleto",
        "message": "Falta una pieza del pedido 4471.",
        "website": "",
        "lang": "en",  # messages are checked in English (msgids)
        "token": _old_token(),
    }
    return data | overrides


def _post(client: Client | None = None, **overrides):
    return (client or Client()).post(URL, _data(**overrides), REMOTE_ADDR="198.51.100.7")


def test_form_page_is_frameable_only_by_allowed_origins():
    page = Client().get(URL, {"lang": "es"})
    assert page.status_code == 200
    assert "X-Frame-Options" not in page
    assert page["Content-Security-Policy"] == "frame-ancestors 'self' https://shop.example"
    body = page.content.decode()
    assert '<html lang="es">' in body and 'name="token"' in body and 'name="website"' in body
    # Every other page still refuses to be framed.
    assert Client().get("/accounts/login/")["X-Frame-Options"] == "DENY"


def test_language_from_query_or_browser():
    assert '<html lang="en">' in Client().get(URL, {"lang": "en"}).content.decode()
    browser = Client().get(URL, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert '<html lang="en">' in browser.content.decode()
    unknown = Client().get(URL, {"lang": "xx"}, HTTP_ACCEPT_LANGUAGE="es")
    assert '<html lang="es">' in unknown.content.decode()


def test_submission_opens_a_web_case_and_thanks_with_its_number():
    response = _post(lang="es")
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "web" and case.subject == "El pedido llegó incompleto"
    contact = Contact.objects.get()
    assert contact.external_id.startswith("web:")
    values = set(
        Identity.objects.filter(customer_id=case.customer_id).values_list("value", flat=True)
    )
    assert values == {"lucia@example.test", "+34600123456"}
    assert case.customer.language == "es" and case.customer.name == "Lucía Pérez"
    thanks = Client().get(response["Location"])
    assert thanks.status_code == 200
    assert f"#{case.pk}" in thanks.content.decode()
    assert '<html lang="es">' in thanks.content.decode()
    assert (
        "X-Frame-Options" not in thanks and "frame-ancestors" in thanks["Content-Security-Policy"]
    )


def test_thanks_page_needs_a_signed_reference():
    assert Client().get("/forms/contact/thanks/123/").status_code == 404
    forged = signing.dumps({"c": 1, "l": "es"}, salt="another")
    assert Client().get(f"/forms/contact/thanks/{forged}/").status_code == 404


def _thanks_case(response) -> int:
    token = re.search(r"/thanks/([^/]+)/", response["Location"]).group(1)
    return signing.loads(token, salt="motivo.channels.contact-form.thanks")["c"]


def test_double_submit_of_one_rendered_form_records_one_contact():
    token = _old_token()
    first = _post(token=token)
    second = _post(token=token)
    assert first.status_code == second.status_code == 302
    assert _thanks_case(first) == _thanks_case(second) == Case.objects.get().pk
    assert Contact.objects.count() == 1


def test_form_works_without_csrf_cookie_because_the_token_proves_origin():
    client = Client(enforce_csrf_checks=True)
    assert _post(client).status_code == 302
    assert Case.objects.count() == 1


def test_too_fast_submission_is_refused_and_input_kept():
    response = _post(token=spam.form_token_new())
    assert response.status_code == 400
    body = response.content.decode()
    assert "That was very quick" in body and "Falta una pieza del pedido 4471." in body
    assert not Case.objects.exists()


def test_expired_form_is_refused_and_input_kept(settings):
    settings.MOTIVO_FORM_MAX_AGE = 3600
    response = _post(token=_old_token(seconds=7200))
    assert response.status_code == 400
    assert "The form was open for a long time" in response.content.decode()
    assert "Lucía Pérez" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"website": "http://spam.example"}, RejectedSubmission.Why.HONEYPOT),
        ({"token": "forged:token"}, RejectedSubmission.Why.BAD_TOKEN),
        ({"token": ""}, RejectedSubmission.Why.BAD_TOKEN),
        (
            {"message": "cheap http://a.example http://b.example www.c.example https://d.example"},
            RejectedSubmission.Why.LINKS,
        ),
        ({"message": "see [url=http://x.example]this[/url]"}, RejectedSubmission.Why.LINKS),
        ({"name": "www.buy-now.example"}, RejectedSubmission.Why.LINKS),
    ],
)
def test_spam_is_refused_with_a_message_and_kept_for_review(overrides, why):
    response = _post(**overrides)
    assert response.status_code == 400
    assert "looks like spam" in response.content.decode()
    assert not Case.objects.exists()
    kept = RejectedSubmission.objects.get()
    assert kept.why == why and kept.email == "lucia@example.test" and kept.ip == "198.51.100.7"


def test_a_few_links_are_fine():
    response = _post(message="My order https://shop.example/orders/4471 is late.")
    assert response.status_code == 302


def test_rate_limit_per_ip_and_per_email(settings):
    settings.MOTIVO_FORM_MAX_PER_IP = 3
    for n in range(3):
        assert _post(email=f"p{n}@example.test").status_code == 302
    limited = _post(email="p9@example.test")
    assert limited.status_code == 429
    assert "Too many messages" in limited.content.decode()
    # Another visitor is not affected; the same email from elsewhere is limited separately.
    settings.MOTIVO_FORM_MAX_PER_EMAIL = 2
    other = Client()
    for _ in range(2):
        assert other.post(URL, _data(), REMOTE_ADDR="203.0.113.9").status_code == 302
    assert other.post(URL, _data(), REMOTE_ADDR="203.0.113.9").status_code == 429
    assert Contact.objects.count() == 5


def test_visitor_address_behind_a_proxy(settings, rf):
    request = rf.post(URL, HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.20")
    assert spam.client_ip(request) == "127.0.0.1"
    settings.MOTIVO_FORM_IP_HEADER = "X-Forwarded-For"
    assert spam.client_ip(request) == "198.51.100.20"
    # Not an address (a client reaching the server past the proxy): the connection's address,
    # never a string the database's address column would refuse.
    forged = rf.post(URL, HTTP_X_FORWARDED_FOR="1.2.3.4, <script>")
    assert spam.client_ip(forged) == "127.0.0.1"


def test_a_refused_submission_with_a_forged_address_header_is_kept(settings):
    settings.MOTIVO_FORM_IP_HEADER = "X-Forwarded-For"
    response = Client().post(
        URL, _data(website="bot"), REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="not-an-ip"
    )
    assert response.status_code == 400
    assert RejectedSubmission.objects.get().ip == "198.51.100.7"


def test_attachment_is_stored_and_too_large_one_refused(settings):
    settings.MOTIVO_FORM_MAX_ATTACHMENT_BYTES = 1024
    small = SimpleUploadedFile("foto.txt", b"x" * 100, content_type="text/plain")
    assert _post(attachment=small).status_code == 302
    assert Attachment.objects.get().filename == "foto.txt"
    large = SimpleUploadedFile("big.bin", b"x" * 2048)
    refused = _post(attachment=large)
    assert refused.status_code == 400
    assert "The file is larger than the 0 MB limit." in refused.content.decode()
    assert Case.objects.count() == 1


def test_an_oversized_attachment_is_not_stored_while_it_is_read(settings):
    """The size check runs while the upload streams in: past the limit nothing more is kept
    (no temporary file, no memory), and the rest of the form is still there."""
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    settings.MOTIVO_FORM_MAX_ATTACHMENT_BYTES = 100 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024  # larger files go to a temporary file
    written = []
    real = TemporaryFileUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        written.append(len(raw_data))
        return real(self, raw_data, start)

    large = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024))
    with mock.patch.object(TemporaryFileUploadHandler, "receive_data_chunk", spy):
        refused = _post(attachment=large)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "The file is larger than the 0 MB limit." in page and "Falta una pieza" in page
    assert 0 < sum(written) <= 100 * 1024 and not Case.objects.exists()


def test_invalid_input_is_a_form_error():
    response = _post(email="not-an-address", phone="12")
    assert response.status_code == 400
    assert not Case.objects.exists()
    bad_phone = _post(phone="12")
    assert bad_phone.status_code == 400
    assert "Not a valid phone number." in bad_phone.content.decode()


def test_embed_script_points_at_the_form():
    script = Client().get("/forms/contact/embed.js")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("text/javascript")
    assert "http://testserver/forms/contact/" in script.content.decode()


# ---------------------------------------------------------------------------- review


def test_managers_review_and_accept_refused_messages(supervisor, agent):
    _post(website="filled by a bot")
    kept = RejectedSubmission.objects.get()
    manager = Client()
    manager.force_login(supervisor)
    listing = manager.get(reverse("channels:rejected_list"))
    assert listing.status_code == 200 and "Falta una pieza" in listing.content.decode()
    assert not Case.objects.exists()  # the GET changed nothing
    desk = Client()
    desk.force_login(agent)
    assert desk.get(reverse("channels:rejected_list")).status_code == 403
    assert desk.post(reverse("channels:rejected_accept", args=[kept.pk])).status_code == 403
    accepted = manager.post(reverse("channels:rejected_accept", args=[kept.pk]))
    case = Case.objects.get()
    assert accepted.status_code == 302 and accepted["Location"] == f"/cases/{case.pk}/"
    assert case.channel == "web"
    kept.refresh_from_db()
    assert kept.accepted_case_id == case.pk
    again = manager.post(reverse("channels:rejected_accept", args=[kept.pk]))  # double click
    assert again.status_code == 302 and again["Location"] == f"/cases/{case.pk}/"
    assert Case.objects.count() == 1
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(supervisor)
    assert csrf_client.post(reverse("channels:rejected_accept", args=[kept.pk])).status_code == 403


def test_thanks_location_carries_no_personal_data():
    location = _post()["Location"]
    token = re.search(r"/thanks/([^/]+)/", location).group(1)
    data = signing.loads(token, salt="motivo.channels.contact-form.thanks")
    assert set(data) == {"c", "l"}
