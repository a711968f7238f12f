"""The inbound pipeline: raw kept first, idempotent, threading rules, attachments over the
limit, quarantine and retry after a crash midway."""

from __future__ import annotations

import base64

import pytest

from motivo.cases.models import Attachment, Case, CaseEvent, Contact, Message, Status
from motivo.cases.services import case_merge
from motivo.customers.models import Identity
from motivo.mail import services
from motivo.mail.models import InboundEmail, Mailbox, OutboundEmail
from motivo.mail.services import inbound_email_receive, inbound_email_retry
from motivo.mail.tests.conftest import make_mail
from motivo.mail.tokens import reply_address

pytestmark = pytest.mark.django_db
HTTP = InboundEmail.Transport.HTTP


def receive(raw: bytes, **kwargs) -> InboundEmail:
    kwargs.setdefault("transport", HTTP)
    return inbound_email_receive(raw=raw, **kwargs).inbound


def test_new_mail_opens_a_case_for_the_sender():
    row = receive(make_mail(message_id="m1@x", subject="Mi pedido", sender="Ana Gil <ana@x.es>"))
    assert row.status == InboundEmail.Status.PROCESSED
    assert row.reason == "new case"
    case = Case.objects.get(pk=row.case_id)
    assert case.subject == "Mi pedido" and case.channel == "email"
    assert case.customer.name == "Ana Gil"
    contact = Contact.objects.get(pk=row.contact_id)
    assert contact.external_id == "email:m1@x"
    assert Message.objects.get(pk=row.message_id).contact_id == contact.pk


def test_the_same_message_id_twice_stores_nothing_new():
    first = inbound_email_receive(raw=make_mail(message_id="dup@x"), transport=HTTP)
    again = inbound_email_receive(
        raw=make_mail(message_id="dup@x", body="Different bytes, same id"),
        transport=InboundEmail.Transport.IMAP,
    )
    assert first.created and not again.created
    assert again.inbound.pk == first.inbound.pk
    assert InboundEmail.objects.count() == 1
    assert Case.objects.count() == 1 and Contact.objects.count() == 1


def test_without_message_id_the_bytes_decide():
    one = inbound_email_receive(raw=make_mail(body="uno"), transport=HTTP)
    same = inbound_email_receive(raw=make_mail(body="uno"), transport=HTTP)
    other = inbound_email_receive(raw=make_mail(body="dos"), transport=HTTP)
    assert one.created and not same.created and other.created
    assert same.inbound.pk == one.inbound.pk
    assert one.inbound.dedupe_key == "sha256:" + one.inbound.sha256
    assert Case.objects.count() == 2


def test_reply_to_the_signed_address_lands_on_the_case(ingest):
    result = ingest(email="ana@x.es")
    raw = make_mail(message_id="r1@x", sender="ana@x.es", to=reply_address(result.case_id))
    row = receive(raw)
    assert row.case_id == result.case_id
    assert row.reason == "added to case (reply address)"
    assert Case.objects.count() == 1
    assert Contact.objects.filter(case_id=result.case_id).count() == 2  # not waiting: a contact


def test_reply_token_in_delivered_to_and_envelope(ingest):
    result = ingest(email="ana@x.es")
    headers = {"Delivered-To": reply_address(result.case_id)}
    assert receive(make_mail(message_id="d1@x", sender="ana@x.es", headers=headers)).case_id == (
        result.case_id
    )
    row = receive(
        make_mail(message_id="d2@x", sender="ana@x.es"), envelope_to=[reply_address(result.case_id)]
    )
    assert row.case_id == result.case_id


def test_answer_to_our_question_is_a_message_not_a_contact(ingest):
    result = ingest(email="ana@x.es")
    Case.objects.filter(pk=result.case_id).update(status=Status.WAITING)
    row = receive(make_mail(message_id="w@x", sender="ana@x.es", to=reply_address(result.case_id)))
    assert row.contact_id is None and row.message_id
    assert Contact.objects.filter(case_id=result.case_id).count() == 1
    assert Case.objects.get(pk=result.case_id).status == Status.OPEN


def test_valid_token_from_an_unknown_address_lands_on_the_case_but_gains_no_access(ingest, client):
    """Someone the customer forwarded our mail to answers it: the message is on the case,
    but their address does not become the customer's, so a portal sign-in link for it does
    not open the customer's account."""
    from motivo.portal.services import portal_sign_in
    from motivo.portal.tokens import magic_link_token

    result = ingest(email="ana@x.es")
    raw = make_mail(message_id="n@x", sender="friend@corp.es", to=reply_address(result.case_id))
    row = receive(raw)
    assert row.case_id == result.case_id and row.status == InboundEmail.Status.PROCESSED
    assert row.reason == "added to case (reply address, from an address that is not the customer's)"
    assert not Identity.objects.filter(value="friend@corp.es", customer_id=result.customer_id)
    user = portal_sign_in(token=magic_link_token(email="friend@corp.es"))
    client.force_login(user)
    assert client.get(f"/portal/cases/{result.case_id}/").status_code == 404


def test_a_forged_token_is_not_trusted(ingest):
    result = ingest(email="ana@x.es")
    forged = reply_address(result.case_id)[:-12] + "0000000000@motivo.localhost"
    row = receive(make_mail(message_id="f@x", sender="mallory@evil.es", to=forged))
    assert row.case_id != result.case_id
    assert not Identity.objects.filter(value="mallory@evil.es", customer_id=result.customer_id)


def test_token_of_a_merged_case_follows_the_merge(ingest):
    source = ingest(email="ana@x.es")
    target = ingest(email="ana@x.es")
    case_merge(
        source=Case.objects.get(pk=source.case_id),
        target=Case.objects.get(pk=target.case_id),
        actor=None,
    )
    row = receive(make_mail(message_id="mg@x", sender="ana@x.es", to=reply_address(source.case_id)))
    assert row.case_id == target.case_id


def test_in_reply_to_our_outbound_mail_threads(ingest):
    result = ingest(email="ana@x.es")
    OutboundEmail.objects.create(
        case_id=result.case_id, kind="reply", rfc_message_id="out-1@motivo", to="ana@x.es"
    )
    raw = make_mail(
        message_id="t1@x", sender="Ana <ANA@x.es>", headers={"In-Reply-To": "<out-1@motivo>"}
    )
    row = receive(raw)
    assert row.case_id == result.case_id and row.reason == "added to case (thread)"


def test_references_to_an_earlier_inbound_mail_thread():
    first = receive(make_mail(message_id="first@x", sender="ana@x.es"))
    raw = make_mail(
        message_id="second@x",
        sender="ana@x.es",
        subject="Re: Consulta",
        headers={"References": "<unknown@elsewhere> <first@x>"},
    )
    assert receive(raw).case_id == first.case_id
    assert Case.objects.count() == 1


def test_thread_from_someone_else_opens_their_own_case():
    first = receive(make_mail(message_id="a@x", sender="ana@x.es"))
    raw = make_mail(message_id="b@x", sender="eve@y.es", headers={"In-Reply-To": "<a@x>"})
    row = receive(raw)
    assert row.case_id != first.case_id
    assert "not the case's customer" in row.reason


def test_same_subject_alone_never_threads():
    first = receive(make_mail(message_id="s1@x", sender="ana@x.es", subject="Pedido 12"))
    row = receive(make_mail(message_id="s2@x", sender="ana@x.es", subject="Re: Pedido 12"))
    assert row.case_id != first.case_id


def test_mail_we_sent_coming_back_is_a_loop(ingest):
    OutboundEmail.objects.create(kind="reply", rfc_message_id="ours@motivo", to="ana@x.es")
    row = receive(make_mail(message_id="ours@motivo", sender="ana@x.es"))
    assert row.status == InboundEmail.Status.IGNORED and "loop" in row.reason
    row = receive(make_mail(message_id="o2@x", sender="desk@shop.es"))
    assert row.status == InboundEmail.Status.PROCESSED
    Mailbox.objects.create(name="Shop", address="desk@shop.es", host="h", username="u")
    row = receive(make_mail(message_id="o3@x", sender="Desk <desk+x@shop.es>"))
    assert row.status == InboundEmail.Status.IGNORED and "loop" in row.reason


def _with_attachment(size: int, message_id: str) -> bytes:
    data = base64.encodebytes(b"x" * size).replace(b"\n", b"\r\n")
    return (
        (
            f"From: ana@x.es\r\nTo: soporte@motivo.localhost\r\nSubject: Fotos\r\n"
            f"Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
            "Content-Type: text/plain; charset=utf-8\r\n\r\nOs mando las fotos.\r\n--B\r\n"
            'Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename="grande.jpg"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        + data
        + b"\r\n--B\r\n"
        + (
            b"Content-Type: text/plain\r\n"
            b'Content-Disposition: attachment; filename="small.txt"\r\n\r\nok\r\n--B--\r\n'
        )
    )


def test_attachment_over_the_limit_is_kept_out_with_an_event(settings):
    settings.MOTIVO_MAX_ATTACHMENT_BYTES = 1024 * 1024
    raw = _with_attachment(3 * 1024 * 1024, "big@x")  # built here: the repository stays small
    row = receive(raw)
    assert row.status == InboundEmail.Status.PROCESSED
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["small.txt"]
    event = CaseEvent.objects.get(case_id=row.case_id, kind="attachment_refused")
    assert event.data == {"filename": "grande.jpg", "size": 3 * 1024 * 1024, "limit": 1024 * 1024}
    assert len(bytes(InboundEmail.objects.get(pk=row.pk).raw)) == len(raw)  # still in the raw


def test_message_over_the_size_limit_is_refused_before_storing(settings):
    settings.MOTIVO_MAIL_MAX_MESSAGE_BYTES = 1000
    from motivo.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        receive(make_mail(body="x" * 2000))
    assert caught.value.code == "too_large"
    assert not InboundEmail.objects.exists()


def test_crash_midway_keeps_the_raw_quarantines_and_retry_works(monkeypatch):
    real = services.contact_ingest

    def broken(**kwargs):
        real(**kwargs)  # writes, then fails: everything it wrote must roll back
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "contact_ingest", broken)
    raw = make_mail(message_id="crash@x", sender="ana@x.es")
    row = receive(raw)
    assert row.status == InboundEmail.Status.QUARANTINED
    stored = InboundEmail.objects.get(pk=row.pk)
    assert stored.status == InboundEmail.Status.QUARANTINED
    assert "disk on fire" in stored.error and bytes(stored.raw) == raw
    assert not Case.objects.exists() and not Contact.objects.exists()

    monkeypatch.setattr(services, "contact_ingest", real)
    # Delivering it again changes nothing: it waits in quarantine for a person.
    assert not inbound_email_receive(raw=raw, transport=HTTP).created
    assert not Case.objects.exists()
    retried = inbound_email_retry(inbound=stored)
    assert retried.status == InboundEmail.Status.PROCESSED
    assert retried.attempts == 2 and retried.error == ""
    assert Case.objects.count() == 1


def test_a_message_left_received_is_processed_when_delivered_again():
    raw = make_mail(message_id="stuck@x")
    services.inbound_email_store(raw=raw, transport=HTTP)  # stored, then the process died
    assert InboundEmail.objects.get().status == InboundEmail.Status.RECEIVED
    row = receive(raw)
    assert row.status == InboundEmail.Status.PROCESSED and Case.objects.count() == 1


def test_a_concurrent_delivery_does_not_retry_what_the_first_quarantined(monkeypatch):
    """Two transports deliver the same message: the second read it as received, then
    the first quarantined it. The second must leave it for a person, not retry it."""
    raw = make_mail(message_id="race@x")
    stale = services.inbound_email_store(raw=raw, transport=HTTP).inbound  # "received"
    InboundEmail.objects.filter(pk=stale.pk).update(
        status=InboundEmail.Status.QUARANTINED, error="first attempt failed", attempts=1
    )
    monkeypatch.setattr(
        services, "inbound_email_store", lambda **kw: services.Delivery(stale, created=False)
    )
    row = inbound_email_receive(raw=raw, transport="lmtp").inbound
    assert (row.status, row.attempts, row.error) == ("quarantined", 1, "first attempt failed")
    assert not Case.objects.exists()
    assert InboundEmail.objects.get().attempts == 1


def test_retry_refuses_processed_mail():
    from motivo.core.errors import DomainError

    row = receive(make_mail(message_id="ok@x"))
    with pytest.raises(DomainError):
        inbound_email_retry(inbound=row)


def test_quoted_history_is_folded_and_kept():
    body = "Sí, cambiadlo.\n\nEl lun, 3 mar 2025, Soporte escribió:\n> ¿Lo cambiamos?"
    row = receive(make_mail(message_id="q@x", body=body))
    message = Message.objects.get(pk=row.message_id)
    assert message.body == "Sí, cambiadlo."
    folded = message.body_html.split('<details class="quoted">', 1)
    assert "¿Lo cambiamos?" not in folded[0] and "¿Lo cambiamos?" in folded[1]


def _dsn(*, original_id: str, action: str = "failed", headers_part: bool = True) -> bytes:
    """A delivery status notification (RFC 3464) about the mail `original_id`."""
    returned = (
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"From: soporte@motivo.localhost\r\nMessage-ID: <{original_id}>\r\nSubject: Re: x\r\n"
        if headers_part
        else "Content-Type: message/rfc822\r\n\r\n"
        f"From: soporte@motivo.localhost\r\nMessage-ID: <{original_id}>\r\n\r\nHola\r\n"
    )
    return (
        "From: MAILER-DAEMON@mx.example (Mail Delivery System)\r\n"
        "To: soporte@motivo.localhost\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn-{action}-{original_id}>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n"
        f"\r\nFinal-Recipient: rfc822; ana@x.es\r\nAction: {action}\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--b\r\n{returned}--b--\r\n"
    ).encode()


@pytest.mark.parametrize("headers_part", [True, False])
def test_a_bounce_of_our_reply_marks_it_failed_on_the_case(ingest, agent, headers_part):
    result = ingest(email="ana@x.es")
    reply = Message.objects.create(
        case_id=result.case_id, kind=Message.Kind.REPLY, body="Hola", author=agent,
        created_at=Case.objects.get(pk=result.case_id).created_at,
    )  # fmt: skip
    sent = OutboundEmail.objects.create(
        case_id=result.case_id, message=reply, kind="reply", rfc_message_id="r1@motivo",
        to="ana@x.es", status=OutboundEmail.Status.SENT, attempts=1,
    )  # fmt: skip
    row = receive(_dsn(original_id="r1@motivo", headers_part=headers_part))
    assert row.status == InboundEmail.Status.IGNORED and "marked failed" in row.reason
    sent.refresh_from_db()
    assert sent.status == OutboundEmail.Status.FAILED
    assert "5.1.1" in sent.last_error and "User unknown" in sent.last_error
    event = CaseEvent.objects.get(case_id=result.case_id, kind=CaseEvent.Kind.DELIVERY_FAILED)
    assert event.data["message_id"] == reply.pk
    assert not Contact.objects.filter(case_id=result.case_id).exclude(pk=result.contact_id)


def test_a_delay_report_or_a_bounce_of_unknown_mail_changes_nothing(ingest):
    result = ingest(email="ana@x.es")
    sent = OutboundEmail.objects.create(
        case_id=result.case_id, kind="reply", rfc_message_id="r2@motivo", to="ana@x.es",
        status=OutboundEmail.Status.SENT,
    )  # fmt: skip
    delayed = receive(_dsn(original_id="r2@motivo", action="delayed"))
    unknown = receive(_dsn(original_id="not-ours@elsewhere"))
    for row in (delayed, unknown):
        assert row.status == InboundEmail.Status.IGNORED and "marked failed" not in row.reason
    sent.refresh_from_db()
    assert sent.status == OutboundEmail.Status.SENT
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.DELIVERY_FAILED).exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_message_by_several_transports_at_once_is_one_row_and_one_case():
    """LMTP, IMAP and the webhook deliver one message at the same moment (each in its own
    thread and database connection): one stored row, one case, every caller gets that row."""
    import threading

    from django.db import connection

    raw = make_mail(message_id="same-time@x", sender="ana@x.es")
    start = threading.Barrier(4)
    results: list[services.Delivery] = []
    failures: list[BaseException] = []

    def deliver(transport: str) -> None:
        try:
            start.wait(timeout=10)
            results.append(inbound_email_receive(raw=raw, transport=transport))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=deliver, args=(transport,))
        for transport in ("lmtp", "imap", "http", "lmtp")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    row = InboundEmail.objects.get()
    assert row.status == InboundEmail.Status.PROCESSED and row.attempts == 1
    assert [r.created for r in results].count(True) == 1
    assert {r.inbound.pk for r in results} == {row.pk}
    assert Case.objects.count() == 1 and Contact.objects.count() == 1
