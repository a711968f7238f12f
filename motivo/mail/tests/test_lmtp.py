"""The LMTP/SMTP listener (aiosmtpd) on a free port, fed by smtplib like a mail server."""

from __future__ import annotations

import smtplib

import pytest

from motivo.cases.models import Case
from motivo.mail.lmtp import listener
from motivo.mail.models import InboundEmail
from motivo.mail.tests.conftest import free_port, make_mail

# The listener works in its own thread and connection: its writes are committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lmtp_server():
    port = free_port()
    server = listener(host="127.0.0.1", port=port, lmtp=True)
    server.start()
    yield port
    server.stop()


@pytest.fixture
def smtp_server():
    port = free_port()
    server = listener(host="127.0.0.1", port=port, lmtp=False)
    server.start()
    yield port
    server.stop()


def test_lmtp_delivery_is_stored_and_processed(lmtp_server):
    raw = make_mail(message_id="l1@x", sender="ana@x.es", subject="Por LMTP")
    with smtplib.LMTP("127.0.0.1", lmtp_server) as client:
        refused = client.sendmail("ana@x.es", ["soporte@motivo.localhost"], raw)
        assert refused == {}
    row = InboundEmail.objects.get()
    assert row.transport == "lmtp" and row.status == "processed"
    assert bytes(row.raw).replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert row.envelope_from == "ana@x.es" and row.envelope_to == "soporte@motivo.localhost"
    assert Case.objects.get(pk=row.case_id).subject == "Por LMTP"

    with smtplib.LMTP("127.0.0.1", lmtp_server) as client:  # redelivery: nothing new
        client.sendmail("ana@x.es", ["soporte@motivo.localhost"], raw)
    assert InboundEmail.objects.count() == 1 and Case.objects.count() == 1


def test_lmtp_answers_data_once_per_recipient(lmtp_server):
    """RFC 2033: after DATA an LMTP server replies for each accepted recipient; a mail
    server waits for all of them (one reply only would leave it hanging)."""
    raw = make_mail(message_id="l2@x", sender="ana@x.es", subject="Two recipients")
    with smtplib.LMTP("127.0.0.1", lmtp_server) as client:
        client.sock.settimeout(5)
        client.ehlo()
        assert client.mail("ana@x.es")[0] == 250
        for rcpt in ("soporte@motivo.localhost", "ventas@motivo.localhost"):
            assert client.rcpt(rcpt)[0] == 250
        first = client.data(raw)
        second = client.getreply()
        assert client.noop()[0] == 250  # the conversation is still in step
    row = InboundEmail.objects.get()
    assert first == second == (250, f"2.0.0 Stored as {row.pk}".encode())
    assert row.envelope_to.split("\n") == ["soporte@motivo.localhost", "ventas@motivo.localhost"]


def test_smtp_delivery_and_an_ignored_auto_reply(smtp_server):
    raw = make_mail(message_id="s1@x", headers={"Auto-Submitted": "auto-replied"})
    with smtplib.SMTP("127.0.0.1", smtp_server) as client:
        client.sendmail("ana@x.es", ["soporte@motivo.localhost"], raw)
    row = InboundEmail.objects.get()
    assert row.status == "ignored" and "Auto-Submitted" in row.reason
    assert not Case.objects.exists()


def test_message_over_the_limit_is_refused(settings, lmtp_server):
    settings.MOTIVO_MAIL_MAX_MESSAGE_BYTES = 2000
    raw = make_mail(body="xxxx\r\n" * 1000)
    with (
        smtplib.LMTP("127.0.0.1", lmtp_server) as client,
        pytest.raises(smtplib.SMTPDataError) as caught,
    ):
        client.sendmail("ana@x.es", ["soporte@motivo.localhost"], raw)
    assert caught.value.smtp_code == 552
    assert not InboundEmail.objects.exists()
