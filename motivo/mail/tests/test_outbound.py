"""Outbound mail through a real SMTP server (aiosmtpd on a free port, smtp_server.py):
headers and threading, language, attachments, retries, permanent failures, resend,
notifications."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.cases.models import Case, CaseEvent
from motivo.cases.services import case_assign, case_reply
from motivo.core.errors import DomainError
from motivo.mail.models import InboundEmail, OutboundEmail
from motivo.mail.outbound import REFERENCES_LIMIT, email_send, references_chain
from motivo.mail.tasks import email_deliver_task
from motivo.mail.tests.smtp_server import SmtpServer, smtp_down, smtp_server  # noqa: F401
from motivo.mail.tokens import case_id_from_address
from motivo.portal.services import portal_link_request

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def _case(ingest, **kwargs) -> Case:
    return Case.objects.get(pk=ingest(**kwargs).case_id)


def _reply(case, agent, capture, body="Your parcel left today.", **kwargs):
    with capture(execute=True):
        return case_reply(case=case, author=agent, body=body, **kwargs)


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


# --------------------------------------------------------------------------- a reply


@pytest.mark.parametrize(
    ("language", "greeting", "footer"),
    [
        ("en", "Hello Ann,", "in the customer portal"),
        ("es", "Hola, Ann:", "en el portal de clientes"),
    ],
)
def test_reply_is_a_real_smtp_transaction_with_headers_language_and_attachment(
    smtp_server,  # noqa: F811
    ingest,
    agent,
    django_capture_on_commit_callbacks,
    language,
    greeting,
    footer,
):
    case = _case(
        ingest, email="ann@example.test", name="Ann", subject="Parcel & <box>", language=language
    )
    upload = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 fake", content_type="application/pdf")
    message = _reply(
        case,
        agent,
        django_capture_on_commit_callbacks,
        body="<b>Sent</b> today.",
        attachments=[upload],
    )

    [received] = smtp_server.messages
    mail = received.message
    email = OutboundEmail.objects.get(message=message)
    assert received.rcpt_tos == ["ann@example.test"]
    assert (email.status, email.attempts, email.kind) == ("sent", 1, "reply")
    assert email.sent_at is not None
    assert mail["Message-ID"] == f"<{email.rfc_message_id}>"
    assert email.rfc_message_id.endswith("@motivo.localhost")  # the support address's domain
    assert mail["In-Reply-To"] is None  # nothing to answer yet: the case came by API
    assert case_id_from_address(str(mail["Reply-To"])) == case.pk
    assert mail["X-Motivo-Case"] == str(case.pk)
    assert mail["Subject"] == f"Re: Parcel & <box> [{case.number}]"  # plain text: unescaped
    assert mail["Auto-Submitted"] is None  # a person wrote it
    text = _text(mail)
    assert text.startswith(greeting)
    assert footer in text
    assert "<b>Sent</b> today." in text
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "&lt;b&gt;Sent&lt;/b&gt; today." in html  # escaped, not markup
    assert "<b>Sent</b>" not in html
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "invoice.pdf"
    assert attachment.get_content() == b"%PDF-1.4 fake"


def test_replies_thread_on_the_previous_mail_of_the_case(
    smtp_server,  # noqa: F811
    ingest,
    agent,
    django_capture_on_commit_callbacks,
):
    case = _case(ingest, email="ann@example.test")
    first = _reply(case, agent, django_capture_on_commit_callbacks, body="First.")
    second = _reply(case, agent, django_capture_on_commit_callbacks, body="Second.")
    third = _reply(case, agent, django_capture_on_commit_callbacks, body="Third.")
    ids = [OutboundEmail.objects.get(message=m).rfc_message_id for m in (first, second, third)]
    mails = [r.message for r in smtp_server.messages]
    assert len(set(ids)) == 3
    assert mails[1]["In-Reply-To"] == f"<{ids[0]}>"
    assert mails[1]["References"] == f"<{ids[0]}>"
    assert mails[2]["In-Reply-To"] == f"<{ids[1]}>"
    assert mails[2]["References"].split() == [f"<{ids[0]}>", f"<{ids[1]}>"]


def test_reply_answers_the_latest_inbound_email_and_carries_its_references(
    smtp_server,  # noqa: F811
    ingest,
    agent,
    django_capture_on_commit_callbacks,
):
    case = _case(ingest, email="ann@example.test")
    earlier = _reply(case, agent, django_capture_on_commit_callbacks, body="Which order?")
    ours = OutboundEmail.objects.get(message=earlier).rfc_message_id
    raw = (
        "From: Ann <ann@example.test>\r\nTo: soporte@motivo.localhost\r\n"
        "Message-ID: <answer-1@mail.example.test>\r\n"
        f"In-Reply-To: <{ours}>\r\nReferences: <root@mail.example.test>\r\n <{ours}>\r\n"
        "Subject: Re: Parcel\r\n\r\nOrder 42.\r\n"
    ).encode()
    InboundEmail.objects.create(
        raw=raw,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        rfc_message_id="answer-1@mail.example.test",
        dedupe_key="answer-1@mail.example.test",
        transport=InboundEmail.Transport.LMTP,
        from_address="ann@example.test",
        received_at=timezone.now() + dt.timedelta(seconds=1),
        case=case,
    )
    _reply(case, agent, django_capture_on_commit_callbacks, body="Found it.")
    mail = smtp_server.messages[-1].message
    assert mail["In-Reply-To"] == "<answer-1@mail.example.test>"
    assert mail["References"].split() == [
        "<root@mail.example.test>",
        f"<{ours}>",
        "<answer-1@mail.example.test>",
    ]


def test_threading_reads_only_the_head_of_a_large_inbound_message(ingest):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from motivo.mail.outbound import HEADER_BYTES, thread_headers

    case = _case(ingest, email="ann@example.test")
    raw = (
        b"From: ann@example.test\r\nMessage-ID: <big-1@mail.example.test>\r\n"
        b"References: <root@mail.example.test>\r\nSubject: Scan\r\n\r\n"
    ) + b"A" * (3 * HEADER_BYTES)
    InboundEmail.objects.create(
        raw=raw, size=len(raw), sha256=hashlib.sha256(raw).hexdigest(),
        rfc_message_id="big-1@mail.example.test", dedupe_key="mid:big-1@mail.example.test",
        transport=InboundEmail.Transport.HTTP, received_at=timezone.now(), case=case,
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        parent, references = thread_headers(case)
    assert parent == "big-1@mail.example.test"
    assert references == ["root@mail.example.test", "big-1@mail.example.test"]
    [read] = [q["sql"] for q in queries if "mail_inboundemail" in q["sql"]]
    assert "SUBSTR" in read.upper()  # the head of the message, not its megabytes


def test_references_are_deduplicated_and_bounded():
    previous = " ".join(f"<id{n}@x>" for n in range(40)) + " <id3@x>"
    chain = references_chain(previous, "<new@x>")
    assert len(chain) == REFERENCES_LIMIT
    assert chain[0] == "id0@x"  # the thread's root stays
    assert chain[-2:] == ["id39@x", "new@x"]
    assert len(set(chain)) == len(chain)
    assert references_chain("<a@x> <b@x> <a@x>", "b@x") == ["a@x", "b@x"]


def test_an_invalid_recipient_is_refused_before_anything_is_recorded(db):
    with pytest.raises(DomainError) as error:
        email_send(kind="reply", to="not an address", subject="S", body="B")
    assert error.value.field == "to"
    assert not OutboundEmail.objects.exists()


# --------------------------------------------------------------------------- failures


def test_server_down_retries_then_fails_with_an_event_visible_on_the_case_page(
    smtp_down,  # noqa: F811
    settings,
    ingest,
    agent,
    client,
    django_capture_on_commit_callbacks,
):
    settings.MOTIVO_MAIL_MAX_ATTEMPTS = 3
    case = _case(ingest, email="ann@example.test", name="Ann")
    message = _reply(case, agent, django_capture_on_commit_callbacks)

    email = OutboundEmail.objects.get(message=message)
    assert (email.status, email.attempts) == ("failed", 3)
    assert "Connection" in email.last_error  # ConnectionRefusedError
    event = case.events.get(kind=CaseEvent.Kind.DELIVERY_FAILED)
    assert event.data["message_id"] == message.pk
    assert event.data["channel"] == "email"
    assert event.data["attempts"] == 3

    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-status="failed"' in page
    assert "Not delivered" in page
    assert reverse("cases:email_resend", args=[case.pk, email.pk]) in page
    assert "could not be delivered by Email after 3 attempts" in page  # the timeline


def test_resend_after_the_server_is_back_delivers_a_new_mail(
    smtp_down,  # noqa: F811
    settings,
    ingest,
    agent,
    client,
    django_capture_on_commit_callbacks,
):
    settings.MOTIVO_MAIL_MAX_ATTEMPTS = 2
    case = _case(ingest, email="ann@example.test", name="Ann")
    message = _reply(case, agent, django_capture_on_commit_callbacks)
    failed = OutboundEmail.objects.get(message=message)
    assert failed.status == "failed"

    server = SmtpServer().start()
    settings.MAILERS = {"default": server.mailer()}
    try:
        client.force_login(agent)
        url = reverse("cases:email_resend", args=[case.pk, failed.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].endswith(f"#message-{message.pk}")
        latest = OutboundEmail.objects.filter(message=message).latest("pk")
        assert latest.pk != failed.pk
        assert (latest.status, latest.attempts) == ("sent", 1)
        [received] = server.messages
        assert received.message["Message-ID"] == f"<{latest.rfc_message_id}>"
        assert "Your parcel left today." in _text(received.message)
        page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert 'data-status="sent"' in page
        assert "E-mailed to ann@example.test" in page

        # Sending the old, superseded mail again is refused: nothing new goes out.
        response = client.post(url, follow=True)
        assert "already being sent again or was delivered" in response.content.decode()
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_resend_needs_staff_and_the_case_of_the_mail(
    smtp_down,  # noqa: F811
    settings,
    ingest,
    agent,
    customer_user,
    client,
    django_capture_on_commit_callbacks,
):
    settings.MOTIVO_MAIL_MAX_ATTEMPTS = 1
    case = _case(ingest, email="ann@example.test")
    other = _case(ingest, email="bob@example.test")
    message = _reply(case, agent, django_capture_on_commit_callbacks)
    email = OutboundEmail.objects.get(message=message)
    client.force_login(agent)
    assert client.get(reverse("cases:email_resend", args=[case.pk, email.pk])).status_code == 405
    wrong_case = reverse("cases:email_resend", args=[other.pk, email.pk])
    assert client.post(wrong_case).status_code == 404
    client.force_login(customer_user[0])
    response = client.post(reverse("cases:email_resend", args=[case.pk, email.pk]))
    assert response.status_code in (302, 403, 404)
    assert OutboundEmail.objects.filter(message=message).count() == 1


def test_a_permanent_refusal_fails_at_once(
    smtp_server,  # noqa: F811
    ingest,
    agent,
    django_capture_on_commit_callbacks,
):
    smtp_server.answer = "550 5.1.1 No such user here"
    case = _case(ingest, email="ann@example.test")
    message = _reply(case, agent, django_capture_on_commit_callbacks)
    email = OutboundEmail.objects.get(message=message)
    assert (email.status, email.attempts) == ("failed", 1)
    assert email.last_error == "550 5.1.1 No such user here"
    assert smtp_server.transactions == 1
    assert case.events.get(kind=CaseEvent.Kind.DELIVERY_FAILED).data["attempts"] == 1


def test_a_temporary_refusal_is_retried_later_through_the_queue(
    smtp_server,  # noqa: F811
    settings,
    ingest,
    agent,
    django_capture_on_commit_callbacks,
):
    """Under a backend that defers (as the database and Redis queues do), a 4xx answer
    re-enqueues the delivery with run_after = now + back-off."""
    case = _case(ingest, email="ann@example.test")
    settings.TASKS = DUMMY_TASKS
    settings.MOTIVO_MAIL_RETRY_SECONDS = 60
    backend = email_deliver_task.get_backend()
    smtp_server.answer = "451 4.3.0 Try again later"
    message = _reply(case, agent, django_capture_on_commit_callbacks)

    def run_next():  # what a worker does with the next task (its after-commit work too)
        result = backend.results.pop(0)
        with django_capture_on_commit_callbacks(execute=True):
            result.task.call(*result.args, **result.kwargs)
        return result

    run_next()  # the reply task: records the mail and enqueues its delivery
    email = OutboundEmail.objects.get(message=message)
    assert (email.status, email.attempts) == ("pending", 0)
    started = timezone.now()
    run_next()  # first attempt: 451
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("pending", 1)
    assert email.last_error == "451 4.3.0 Try again later"
    [retry] = backend.results
    assert retry.task.name == "email_deliver_task"
    delay = retry.task.run_after - started
    assert dt.timedelta(seconds=55) < delay < dt.timedelta(seconds=65)

    run_next()  # second attempt, still 451: the delay doubles
    [retry] = backend.results
    assert (
        dt.timedelta(seconds=115)
        < retry.task.run_after - timezone.now()
        < dt.timedelta(seconds=125)
    )

    smtp_server.answer = None
    run_next()
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 3, "")
    assert backend.results == []
    assert len(smtp_server.messages) == 1
    assert not case.events.filter(kind=CaseEvent.Kind.DELIVERY_FAILED).exists()


def test_a_duplicated_delivery_task_sends_once(
    smtp_server,  # noqa: F811
    settings,
    db,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = DUMMY_TASKS
    backend = email_deliver_task.get_backend()
    with django_capture_on_commit_callbacks(execute=True):
        email_send(kind="portal_link", to="ann@example.test", subject="Link", body="Here.")
    [result] = backend.results
    result.task.call(*result.args)
    result.task.call(*result.args)  # the queue delivered the same task twice
    assert smtp_server.transactions == 1
    assert OutboundEmail.objects.get().attempts == 1


def test_a_duplicated_reply_task_mails_the_reply_once(
    smtp_server,  # noqa: F811
    settings,
    ingest,
    agent,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = DUMMY_TASKS
    backend = email_deliver_task.get_backend()
    case = _case(ingest, email="ann@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        message = case_reply(case=case, author=agent, body="Your parcel left today.")
    [reply_task] = backend.results
    with django_capture_on_commit_callbacks(execute=True):
        reply_task.task.call(*reply_task.args)
        reply_task.task.call(*reply_task.args)  # the queue ran the same task twice
    assert OutboundEmail.objects.filter(message=message).count() == 1
    for result in backend.results[1:]:  # the delivery task(s) it enqueued
        result.task.call(*result.args)
    assert smtp_server.transactions == 1


# --------------------------------------------------------------------------- notifications


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "Case {number} was assigned to you: Parcel & <box>"),
        ("es", "Se te ha asignado el caso"),
    ],
)
def test_assignment_mail_goes_through_the_service_in_the_agent_language(
    smtp_server,  # noqa: F811
    ingest,
    supervisor,
    django_capture_on_commit_callbacks,
    settings,
    language,
    subject,
):
    settings.SITE_URL = "https://desk.example.test/"  # a trailing slash makes no "//"
    eve = user_create(username="eve", role=Role.AGENT, email="eve@example.test", language=language)
    case = _case(ingest, subject="Parcel & <box>")
    with django_capture_on_commit_callbacks(execute=True):
        case_assign(case=case, actor=supervisor, assignee=eve)
    [received] = smtp_server.messages
    email = OutboundEmail.objects.get(kind="assignment")
    assert (email.to, email.case_id, email.status) == ("eve@example.test", None, "sent")
    assert received.message["Message-ID"] == f"<{email.rfc_message_id}>"
    assert received.message["Subject"].startswith(subject.format(number=case.number))
    assert received.message["Auto-Submitted"] == "auto-generated"
    assert received.message["Reply-To"] is None  # an agent's answer must not land on the case
    assert received.message["In-Reply-To"] is None
    assert f"https://desk.example.test/cases/{case.pk}/" in _text(received.message)


def test_portal_link_goes_through_the_service(
    smtp_server,  # noqa: F811
    ingest,
    django_capture_on_commit_callbacks,
):
    ingest(email="ann@example.test", name="Ann", language="es")
    with django_capture_on_commit_callbacks(execute=True):
        portal_link_request(email="ann@example.test", language="en")
    [received] = smtp_server.messages
    email = OutboundEmail.objects.get(kind="portal_link")
    assert (email.to, email.case_id, email.status) == ("ann@example.test", None, "sent")
    assert received.message["Message-ID"] == f"<{email.rfc_message_id}>"
    assert received.message["Subject"] == "Tu enlace de acceso al portal de clientes"
    assert "/portal/login/" in _text(received.message)


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_keeps_the_retry_until_its_time(
    smtp_server,  # noqa: F811
    settings,
    ingest,
    agent,
):
    """The demo's queue (django-tasks-db) with its real worker: a 421 leaves a task row
    whose run_after is the back-off; the worker does not run it early."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.MOTIVO_MAIL_RETRY_SECONDS = 300
    smtp_server.answer = "421 4.7.0 Too busy, come back later"
    case = _case(ingest, email="ann@example.test")
    message = case_reply(case=case, author=agent, body="Your parcel left today.")

    def work():  # the reply task, then the delivery it enqueues, then any retry due
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    work()
    email = OutboundEmail.objects.get(message=message)
    assert (email.status, email.attempts) == ("pending", 1)
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.task_path == "motivo.mail.tasks.email_deliver_task"
    assert waiting.run_after > timezone.now() + dt.timedelta(seconds=290)
    work()  # too early: nothing runs
    assert smtp_server.transactions == 1

    smtp_server.answer = None
    DBTaskResult.objects.filter(pk=waiting.pk).update(run_after=timezone.now())
    work()
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
    assert len(smtp_server.messages) == 1
