"""The IMAP poller against a real Dovecot started by the tests (see conftest.dovecot)."""

from __future__ import annotations

import imaplib
import re
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from motivo.cases.models import Case
from motivo.mail import imap
from motivo.mail.imap import mailbox_poll, mailboxes_poll
from motivo.mail.models import InboundEmail, Mailbox
from motivo.mail.tests.conftest import make_mail

pytestmark = pytest.mark.django_db
PASSWORD_ENV = "MOTIVO_TEST_IMAP_PASSWORD"


@pytest.fixture
def folder(imap_client):
    """A fresh folder for the test (the server is shared by the session)."""
    name = f"T{time.monotonic_ns()}"
    assert imap_client.create(name)[0] == "OK"
    yield name
    imap_client.delete(name)


@pytest.fixture
def mailbox(dovecot, folder, monkeypatch):
    host, port, user, password = dovecot
    monkeypatch.setenv(PASSWORD_ENV, password)
    return Mailbox.objects.create(
        name="Soporte", address="soporte@motivo.localhost", host=host, port=port,
        security=Mailbox.Security.NONE, username=user, password_env=PASSWORD_ENV, folder=folder,
    )  # fmt: skip


def append(client: imaplib.IMAP4, folder: str, raw: bytes) -> None:
    assert client.append(folder, None, None, raw)[0] == "OK"


def test_poll_takes_new_mail_once_by_uid(mailbox, imap_client, folder):
    append(imap_client, folder, make_mail(message_id="i1@x", sender="ana@x.es"))
    append(imap_client, folder, make_mail(message_id="i2@x", sender="luis@x.es"))
    result = mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.stored, result.error) == (2, 2, "")
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 2 and mailbox.uidvalidity and mailbox.last_error == ""
    assert mailbox.last_poll_at and mailbox.last_success_at
    assert Case.objects.count() == 2
    assert set(InboundEmail.objects.values_list("transport", "mailbox_id")) == {
        ("imap", mailbox.pk)
    }

    again = mailbox_poll(mailbox=mailbox)  # nothing new: "3:*" still answers UID 2
    assert (again.fetched, again.stored) == (0, 0)
    append(imap_client, folder, make_mail(message_id="i3@x", sender="ana@x.es"))
    third = mailbox_poll(mailbox=mailbox)
    assert (third.fetched, third.stored) == (1, 1)
    assert InboundEmail.objects.count() == 3 and Case.objects.count() == 3
    # Read-only: the poller left the messages unseen on the server.
    imap_client.select(folder, readonly=True)
    assert imap_client.uid("SEARCH", None, "UNSEEN")[1][0].split() == [b"1", b"2", b"3"]


def test_uidvalidity_change_reads_again_without_duplicates(mailbox, imap_client, folder):
    append(imap_client, folder, make_mail(message_id="v1@x"))
    append(imap_client, folder, make_mail(message_id="v2@x"))
    mailbox_poll(mailbox=mailbox)
    mailbox.refresh_from_db()
    old_validity = mailbox.uidvalidity
    # The folder is rebuilt: same messages, one more, new UIDVALIDITY.
    imap_client.select("INBOX")
    assert imap_client.delete(folder)[0] == "OK"
    assert imap_client.create(folder)[0] == "OK"
    for mid in ("v1@x", "v2@x", "v3@x"):
        append(imap_client, folder, make_mail(message_id=mid))
    result = mailbox_poll(mailbox=mailbox)
    mailbox.refresh_from_db()
    assert mailbox.uidvalidity != old_validity
    assert (result.fetched, result.stored, result.duplicates) == (3, 1, 2)
    assert mailbox.last_uid == 3
    assert InboundEmail.objects.count() == 3


def test_a_message_that_cannot_be_stored_does_not_block_the_mailbox(
    mailbox, imap_client, folder, settings, monkeypatch
):
    """A server that does not tell the size: the message over the limit is only found too
    big when it is stored. It is left on the server and reported; the next one is taken."""
    settings.MOTIVO_MAIL_MAX_MESSAGE_BYTES = 3000
    monkeypatch.setattr(imap, "_SIZE_ITEM", re.compile(rb"(?!)"))  # no RFC822.SIZE
    append(imap_client, folder, make_mail(message_id="b1@x"))
    append(imap_client, folder, make_mail(message_id="b2@x", body="long line\r\n" * 400))
    append(imap_client, folder, make_mail(message_id="b3@x"))
    result = mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.stored, result.skipped) == (3, 2, 1)
    assert "UID 2" in result.error and "limit" in result.error
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 3 and "UID 2" in mailbox.last_error
    assert set(InboundEmail.objects.values_list("rfc_message_id", flat=True)) == {
        "b1@x",
        "b3@x",
    }


def test_a_storage_failure_stops_the_poll_and_the_next_poll_resumes(
    mailbox, imap_client, folder, monkeypatch
):
    append(imap_client, folder, make_mail(message_id="d1@x"))
    append(imap_client, folder, make_mail(message_id="d2@x"))
    real = imap.inbound_email_receive
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("connection to the database lost")
        return real(**kwargs)

    monkeypatch.setattr(imap, "inbound_email_receive", flaky)
    result = mailbox_poll(mailbox=mailbox)
    assert (result.stored, result.error) == (1, "OperationalError: connection to the database lost")
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 1 and "database lost" in mailbox.last_error
    assert mailbox.last_poll_at is not None

    monkeypatch.setattr(imap, "inbound_email_receive", real)
    again = mailbox_poll(mailbox=mailbox)
    assert (again.fetched, again.stored, again.error) == (1, 1, "")
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 2 and mailbox.last_error == ""


def test_an_empty_folder_is_not_an_error(mailbox):
    result = mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.error) == (0, "")
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 0 and mailbox.uidvalidity and mailbox.last_success_at


def test_missing_password_variable_is_recorded(mailbox, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    result = mailbox_poll(mailbox=mailbox)
    assert PASSWORD_ENV in result.error
    mailbox.refresh_from_db()
    assert PASSWORD_ENV in mailbox.last_error and mailbox.last_poll_at


def test_wrong_password_is_recorded(mailbox, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    result = mailbox_poll(mailbox=mailbox)
    assert "AUTHENTICATIONFAILED" in result.error or "failed" in result.error.lower()
    mailbox.refresh_from_db()
    assert mailbox.last_error and mailbox.last_success_at is None


def test_inactive_mailboxes_are_not_polled(mailbox, imap_client, folder):
    append(imap_client, folder, make_mail(message_id="in@x"))
    Mailbox.objects.filter(pk=mailbox.pk).update(active=False)
    assert mailboxes_poll() == []
    assert not InboundEmail.objects.exists()


def test_mail_poll_command(mailbox, imap_client, folder, capsys):
    append(imap_client, folder, make_mail(message_id="cmd@x"))
    call_command("mail_poll")
    assert "Soporte: 1 fetched, 1 new, 0 already stored" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("mail_poll", mailbox="nope")
