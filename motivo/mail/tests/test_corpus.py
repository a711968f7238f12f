"""Every .eml of the corpus goes through the whole pipeline: nothing crashes, nothing is lost.
Each ends processed, ignored with a reason, or quarantined with its raw bytes kept, as
corpus/manifest.json says, and what was stored is checked against the manifest."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from motivo.cases.models import Attachment, Case, Contact, Message
from motivo.mail.models import InboundEmail
from motivo.mail.services import inbound_email_receive
from motivo.mail.tests.conftest import CORPUS

MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))


def test_the_corpus_is_large_and_every_file_is_listed():
    files = {path.name for path in CORPUS.glob("*.eml")}
    assert len(files) >= 60
    assert files == set(MANIFEST)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_message(name):
    expected = MANIFEST[name]
    raw = (CORPUS / name).read_bytes()
    delivery = inbound_email_receive(raw=raw, transport=InboundEmail.Transport.HTTP)
    assert delivery.created
    row = InboundEmail.objects.get(pk=delivery.inbound.pk)
    assert bytes(row.raw) == raw  # the raw message is kept whatever happened
    assert row.status == expected["expect"], (row.status, row.reason, row.error)

    if row.status == InboundEmail.Status.IGNORED:
        assert expected["reason"].lower() in row.reason.lower()
        assert not Case.objects.exists()
        return
    if row.status == InboundEmail.Status.QUARANTINED:
        assert expected["error"] in row.error
        assert row.case_id is None
        assert not Case.objects.exists()
        return

    message = Message.objects.get(pk=row.message_id)
    contact = Contact.objects.get(pk=row.contact_id)
    assert message.case_id == contact.case_id == row.case_id
    assert message.contact_id == contact.pk
    assert "\x00" not in message.body
    if "body" in expected:
        assert expected["body"] in message.body
    if "not_body" in expected:
        assert expected["not_body"] not in message.body
    if "html" in expected:
        assert expected["html"] in message.body_html
    if "not_html" in expected:  # not in what shows unfolded
        assert expected["not_html"] not in message.body_html.split('<details class="quoted">')[0]
    if "quoted" in expected:  # folded away, one click from the message
        assert '<details class="quoted">' in message.body_html
    if "subject" in expected:
        assert expected["subject"] in Case.objects.get(pk=row.case_id).subject
    if "from_name" in expected:
        assert contact.customer.name == expected["from_name"]
    if "sender" in expected:
        assert row.from_address == expected["sender"]
        assert contact.customer.identities.filter(value=expected["sender"]).exists()
    if "attachments" in expected:
        stored = list(
            Attachment.objects.filter(message=message)
            .order_by("id")
            .values_list("filename", "size")
        )
        assert [filename for filename, _size in stored] == expected["attachments"]
        assert all(size > 0 for _name, size in stored)
    if "date" in expected:
        if expected["date"] is None:  # not sane: the time of arrival
            assert abs(contact.received_at - row.received_at) < dt.timedelta(minutes=1)
        else:
            assert contact.received_at == dt.datetime.fromisoformat(expected["date"])
