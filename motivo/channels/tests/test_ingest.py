"""contact_ingest: one entry for every inbound contact; idempotent; all or nothing."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import IntegrityError
from django.utils import timezone

from motivo.cases.models import Case, CaseEvent, Contact, Message, Status
from motivo.channels.services import contact_ingest
from motivo.core.errors import DomainError
from motivo.customers.models import Customer, Identity
from motivo.insights.models import ReasonDayCount
from motivo.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def test_ingest_creates_customer_case_contact_message_and_events():
    result = contact_ingest(
        channel="email",
        email="Ana.Garcia@Example.test",
        name="Ana García",
        subject="Mi pedido no llega",
        body="Pedí hace diez días y nada.",
    )
    assert result.created
    case = Case.objects.get(pk=result.case_id)
    assert case.status == Status.NEW and case.channel == "email"
    contact = Contact.objects.get(pk=result.contact_id)
    assert contact.case_id == case.pk and contact.reason is None
    assert Message.objects.get(contact=contact).kind == Message.Kind.INBOUND
    assert Identity.objects.get(customer_id=result.customer_id).value == "ana.garcia@example.test"
    kinds = list(case.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [CaseEvent.Kind.CREATED, CaseEvent.Kind.CONTACT_ADDED]


def test_same_identity_lands_on_same_customer_across_channels():
    first = contact_ingest(channel="email", email="luis@example.test", subject="a", body="b")
    second = contact_ingest(channel="web", email="LUIS@example.test", subject="c", body="d")
    third = contact_ingest(channel="phone", phone="+34 600 11 22 33", subject="e", body="f")
    fourth = contact_ingest(channel="phone", phone="+34600112233", subject="g", body="h")
    assert first.customer_id == second.customer_id
    assert third.customer_id == fourth.customer_id != first.customer_id
    assert Customer.objects.count() == 2


def test_same_external_id_returns_first_result_and_writes_nothing():
    first = contact_ingest(
        channel="email", email="x@example.test", subject="s", body="b", external_id="zd-1"
    )
    counts = (Case.objects.count(), Contact.objects.count(), Message.objects.count())
    again = contact_ingest(
        channel="email", email="other@example.test", subject="t", body="c", external_id="zd-1"
    )
    assert (again.contact_id, again.case_id) == (first.contact_id, first.case_id)
    assert not again.created
    assert (Case.objects.count(), Contact.objects.count(), Message.objects.count()) == counts


def test_history_import_keeps_received_time_and_counts_reason(reason):
    when = timezone.now() - dt.timedelta(days=40)
    result = contact_ingest(
        channel="chat", chat="ana#42", subject="s", body="b", received_at=when, reason=reason
    )
    contact = Contact.objects.get(pk=result.contact_id)
    assert contact.received_at == when and contact.reason == reason
    assert Case.objects.get(pk=result.case_id).created_at == when
    row = ReasonDayCount.objects.get()
    assert (row.reason_id, row.channel, row.count) == (reason.pk, "chat", 1)
    assert row.day == timezone.localtime(when).date()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "fax", "email": "a@example.test"}, "channel"),
        ({"channel": "email"}, "customer"),
        ({"channel": "email", "email": "not-an-address"}, "email"),
        ({"channel": "phone", "phone": "12"}, "phone"),
        ({"channel": "email", "email": "a@example.test", "subject": "", "body": ""}, "subject"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(kwargs, field):
    kwargs = {"subject": "s", "body": "b", **kwargs}
    with pytest.raises(DomainError) as error:
        contact_ingest(**kwargs)
    assert error.value.field == field
    assert not Customer.objects.exists() and not Case.objects.exists()


def test_crash_mid_ingest_rolls_everything_back():
    with (
        mock.patch("motivo.cases.services.events.case_opened_events", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        contact_ingest(channel="email", email="crash@example.test", subject="s", body="b")
    assert not Customer.objects.exists()
    assert not Case.objects.exists() and not Contact.objects.exists()
    assert not SearchDocument.objects.exists()


def test_concurrent_duplicate_external_id_returns_the_stored_contact():
    """If the unique external_id collides inside the transaction (another process won the
    race), the caller still gets the stored contact."""
    first = contact_ingest(
        channel="email", email="race@example.test", subject="s", body="b", external_id="r-1"
    )
    real_existing = __import__("motivo.channels.services", fromlist=["_existing"])._existing
    calls = {"n": 0}

    def existing_misses_once(external_id):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_existing(external_id)

    with mock.patch("motivo.channels.services._existing", side_effect=existing_misses_once):
        again = contact_ingest(
            channel="email", email="race@example.test", subject="s", body="b", external_id="r-1"
        )
    assert again.contact_id == first.contact_id and not again.created
    assert Contact.objects.count() == 1


def test_integrity_error_without_external_id_is_retried_then_raised():
    with (
        mock.patch("motivo.channels.services.case_open", side_effect=IntegrityError("boom")),
        pytest.raises(IntegrityError),
    ):
        contact_ingest(channel="email", email="z@example.test", subject="s", body="b")
