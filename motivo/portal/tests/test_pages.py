"""The customer's own cases: list, detail, answering, new requests and attachments."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from motivo.accounts.services import user_create
from motivo.cases.models import Attachment, Case, Contact, Message, Status
from motivo.cases.services import case_add_note, case_reply, case_set_status
from motivo.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_case(customer_user) -> Case:
    _user, customer = customer_user
    return Case.objects.get(customer=customer)


@pytest.fixture
def other_case(ingest) -> Case:
    result = ingest(
        email="someone.else@example.test",
        subject="Otra persona",
        attachments=[SimpleUploadedFile("secret.txt", b"not yours", "text/plain")],
    )
    return Case.objects.get(pk=result.case_id)


def test_anonymous_visitors_are_sent_to_the_portal_sign_in(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize(
    "name, args",
    [("home", []), ("new_request", []), ("preferences", []), ("case", [1]), ("attachment", [1])],
)
def test_staff_get_403_on_customer_pages(client, agent, name, args):
    client.force_login(agent)
    assert client.get(reverse(f"portal:{name}", args=args)).status_code == 403


def test_csrf_is_enforced_on_signed_in_forms(customer_user, own_case):
    user, _customer = customer_user
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    new = strict.post(reverse("portal:new_request"), {"subject": "No token", "body": "Hi"})
    answer = strict.post(reverse("portal:case", args=[own_case.pk]), {"body": "No token"})
    prefs = strict.post(reverse("portal:preferences"), {"name": "Mallory", "language": "en"})
    assert (new.status_code, answer.status_code, prefs.status_code) == (403, 403, 403)
    assert not Message.objects.filter(body__in=["Hi", "No token"]).exists()


def test_home_lists_only_the_customers_own_cases_newest_first(
    customer_client, customer_user, ingest, other_case, django_assert_max_num_queries
):
    for n in range(3):
        ingest(email="maria@example.test", subject=f"Pedido {n}")
    with django_assert_max_num_queries(8):
        response = customer_client.get(reverse("portal:home"))
    assert response.status_code == 200
    cases = response.context["page"].items
    _user, customer = customer_user
    assert len(cases) == 4
    assert {case.customer_id for case in cases} == {customer.pk}
    assert [case.subject for case in cases[:3]] == ["Pedido 2", "Pedido 1", "Pedido 0"]
    assert b"Otra persona" not in response.content


def test_home_is_paged(customer_client, ingest):
    for n in range(21):
        ingest(email="maria@example.test", subject=f"Pedido {n}")
    first = customer_client.get(reverse("portal:home"))
    assert len(first.context["page"].items) == 20
    assert first.context["page"].has_next
    second = customer_client.get(reverse("portal:home") + "?page=2")
    assert len(second.context["page"].items) == 2  # 21 + the fixture's own case


def test_home_empty_state(client, db):
    customer = Customer.objects.create(name="Nuevo")
    user = user_create(username="nuevo@example.test", role="customer")
    customer.user = user
    customer.save(update_fields=["user"])
    client.force_login(user)
    response = client.get(reverse("portal:home"))
    assert b"You have no requests yet" in response.content


def test_case_page_shows_replies_but_not_internal_notes(
    customer_client, own_case, agent, django_assert_max_num_queries
):
    case_reply(case=own_case, author=agent, body="Your parcel leaves today.")
    case_add_note(case=own_case, author=agent, body="Customer seems upset, be careful")
    with django_assert_max_num_queries(12):
        response = customer_client.get(reverse("portal:case", args=[own_case.pk]))
    assert response.status_code == 200
    assert b"Your parcel leaves today." in response.content
    assert b"be careful" not in response.content
    assert b"In progress" in response.content


def test_another_customers_case_is_404(customer_client, other_case):
    response = customer_client.get(reverse("portal:case", args=[other_case.pk]))
    assert response.status_code == 404
    response = customer_client.post(
        reverse("portal:case", args=[other_case.pk]), {"body": "intrusion"}
    )
    assert response.status_code == 404
    assert not Message.objects.filter(body="intrusion").exists()
    assert customer_client.get(reverse("portal:case", args=[999999])).status_code == 404


def test_attachments_download_only_for_their_owner(customer_client, own_case, other_case, agent):
    reply = case_reply(
        case=own_case,
        author=agent,
        body="Here is your invoice.",
        attachments=[SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 fake", "application/pdf")],
    )
    mine = reply.attachments.get()
    response = customer_client.get(reverse("portal:attachment", args=[mine.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 fake"
    assert "invoice.pdf" in response["Content-Disposition"]

    theirs = Attachment.objects.get(message__case=other_case)
    assert customer_client.get(reverse("portal:attachment", args=[theirs.pk])).status_code == 404

    note = case_add_note(
        case=own_case,
        author=agent,
        body="internal",
        attachments=[SimpleUploadedFile("internal.txt", b"staff only", "text/plain")],
    )
    hidden = note.attachments.get()
    assert customer_client.get(reverse("portal:attachment", args=[hidden.pk])).status_code == 404


def test_new_request_opens_a_portal_case(
    customer_client, customer_user, django_capture_on_commit_callbacks
):
    user, customer = customer_user
    upload = SimpleUploadedFile("photo.jpg", b"jpegdata", "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(
            reverse("portal:new_request"),
            {"subject": "Broken lamp", "body": "It arrived broken.", "attachments": [upload]},
        )
    case = Case.objects.get(subject="Broken lamp")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:case", args=[case.pk])
    assert case.customer == customer
    assert case.channel == "portal"
    assert case.status == Status.NEW
    contact = Contact.objects.get(case=case)
    assert contact.channel == "portal"
    assert contact.reason is None
    message = Message.objects.get(case=case)
    assert (message.kind, message.body) == (Message.Kind.INBOUND, "It arrived broken.")
    assert message.attachments.get().filename == "photo.jpg"
    assert case.events.filter(kind="created", actor=user).exists()


def test_new_request_needs_subject_and_message(customer_client):
    response = customer_client.post(reverse("portal:new_request"), {"subject": "", "body": ""})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"subject", "body"}
    assert not Case.objects.filter(channel="portal").exists()


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_oversize_attachment_on_new_request_writes_nothing(customer_client, settings):
    settings.MOTIVO_MAX_ATTACHMENT_BYTES = 1024 * 1024
    cases, attachments = Case.objects.count(), Attachment.objects.count()
    big = SimpleUploadedFile("huge.bin", b"x" * (1024 * 1024 + 1), "application/octet-stream")
    response = customer_client.post(
        reverse("portal:new_request"),
        {"subject": "Big file", "body": "See attached", "attachments": [big]},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["attachments"]
    assert errors == ["huge.bin is larger than the 1 MB limit."]
    assert b"huge.bin is larger than the 1 MB limit." in response.content
    assert (Case.objects.count(), Attachment.objects.count()) == (cases, attachments)
    assert _media_files(settings) == []


def test_customer_answers_on_a_case(customer_client, own_case, agent):
    case_reply(case=own_case, author=agent, body="Which colour was it?")
    case_set_status(case=own_case, actor=agent, status=Status.WAITING)
    contacts = own_case.contacts.count()
    response = customer_client.post(
        reverse("portal:case", args=[own_case.pk]), {"body": "It was blue."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:case", args=[own_case.pk])
    own_case.refresh_from_db()
    assert own_case.status == Status.OPEN
    assert own_case.messages.filter(kind="inbound", body="It was blue.").exists()
    assert own_case.contacts.count() == contacts  # an answer to our question is no contact
    page = customer_client.get(response["Location"])
    assert b"It was blue." in page.content
    assert b"Which colour was it?" in page.content


def test_writing_again_on_a_resolved_case_is_a_new_portal_contact(
    customer_client, own_case, agent, reason
):
    for contact in own_case.contacts.all():
        contact.reason = reason
        contact.save(update_fields=["reason"])
    case_set_status(case=own_case, actor=agent, status=Status.RESOLVED)
    customer_client.post(reverse("portal:case", args=[own_case.pk]), {"body": "Still broken"})
    own_case.refresh_from_db()
    assert own_case.status == Status.OPEN
    assert own_case.contacts.order_by("-received_at").first().channel == "portal"


def test_empty_answer_is_refused(customer_client, own_case):
    messages = own_case.messages.count()
    response = customer_client.post(reverse("portal:case", args=[own_case.pk]), {"body": " "})
    assert response.status_code == 200
    assert response.context["form"].errors["body"]
    assert own_case.messages.count() == messages


def test_oversize_attachment_on_an_answer_writes_nothing(customer_client, own_case, settings):
    settings.MOTIVO_MAX_ATTACHMENT_BYTES = 1024 * 1024
    messages = own_case.messages.count()
    big = SimpleUploadedFile("huge.bin", b"x" * (1024 * 1024 + 1), "application/octet-stream")
    response = customer_client.post(
        reverse("portal:case", args=[own_case.pk]), {"body": "Here", "attachments": [big]}
    )
    assert response.status_code == 200
    assert "huge.bin is larger" in response.context["form"].errors["attachments"][0]
    assert own_case.messages.count() == messages
    assert _media_files(settings) == []


def test_merged_case_points_to_the_case_it_joined(customer_client, own_case, ingest, agent):
    from motivo.cases.services import case_merge

    other = Case.objects.get(pk=ingest(email="maria@example.test", subject="Again").case_id)
    case_merge(source=own_case, target=other, actor=agent)
    response = customer_client.get(reverse("portal:case", args=[own_case.pk]))
    assert reverse("portal:case", args=[other.pk]).encode() in response.content
    assert b'id="reply"' not in response.content
