"""Channel costs, goodwill and the call-seconds roll-up, and a recomputation of every figure
from the raw rows (contacts, calls, goodwill, cost rows)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.cases.services import contact_set_reason
from motivo.core.errors import DomainError
from motivo.costs.models import CallTally, ChannelCost, Goodwill, ReasonDayCallSeconds
from motivo.costs.selectors import chargeback, reason_cost_lines
from motivo.costs.services import call_seconds_sync, channel_cost_set, goodwill_give
from motivo.costs.tests.conftest import local
from motivo.insights.services import local_day
from motivo.reasons.models import Reason
from motivo.voice.models import Call
from motivo.voice.services import telephony_event


def test_first_cost_may_be_backdated_later_changes_may_not(db, supervisor):
    first = channel_cost_set(
        channel="email", effective_from=dt.date(2024, 1, 1), per_contact="4", actor=supervisor
    )
    assert first.per_contact == Decimal("4") and first.created_by == supervisor
    with pytest.raises(DomainError) as refused:
        channel_cost_set(
            channel="email", effective_from=dt.date(2024, 6, 1), per_contact="5", actor=supervisor
        )
    assert refused.value.field == "effective_from"
    today = timezone.localdate()
    channel_cost_set(channel="email", effective_from=today, per_contact="5", actor=supervisor)
    # Same channel and day again: replaces, does not add.
    channel_cost_set(channel="email", effective_from=today, per_contact="5.5", actor=supervisor)
    assert list(ChannelCost.objects.values_list("effective_from", "per_contact")) == [
        (today, Decimal("5.50")),
        (dt.date(2024, 1, 1), Decimal("4.00")),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"per_contact": "-1"}, "per_contact"),
        ({"per_contact": "abc"}, "per_contact"),
        ({"per_contact": "1.234"}, "per_contact"),
        ({"per_minute": "0.5"}, "per_minute"),  # email has no minutes
    ],
)
def test_bad_cost_input_is_refused_naming_the_field(db, supervisor, changes, field):
    values = {"channel": "email", "effective_from": dt.date(2025, 1, 1), "per_contact": "4"}
    with pytest.raises(DomainError) as refused:
        channel_cost_set(actor=supervisor, **{**values, **changes})
    assert refused.value.field == field
    assert not ChannelCost.objects.exists()


def test_goodwill_is_checked_and_counts_on_the_day_given(
    ingest, agent, reason, other_reason, monkeypatch
):
    result = ingest(reason=reason)
    contact = Contact.objects.get(pk=result.contact_id)
    other = Contact.objects.get(pk=ingest().contact_id)
    for amount in ("0", "-3", "x", "1.001", "100001"):
        with pytest.raises(DomainError) as refused:
            goodwill_give(case=contact.case, contact=contact, amount=amount, agent=agent)
        assert refused.value.field == "amount"
    with pytest.raises(DomainError) as refused:
        goodwill_give(case=contact.case, contact=other, amount="5", agent=agent)
    assert refused.value.field == "contact"
    # 23:30 UTC on 31 March is 01:30 on 1 April in Madrid: it counts in April.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2025, 3, 31, 23, 30, tzinfo=dt.UTC))
    given = goodwill_give(case=contact.case, contact=contact, amount="7,5", agent=agent)
    assert (given.day, given.amount, given.reason_id) == (
        dt.date(2025, 4, 1),
        Decimal("7.5"),
        reason.pk,
    )


def test_call_seconds_follow_duration_contact_and_reason(call, reason, other_reason, agent):
    logged = call(None, 120, when=local(dt.date(2025, 3, 5)))
    assert not ReasonDayCallSeconds.objects.exists()  # no reason yet: nothing counted
    contact_set_reason(contact=logged.contact, actor=agent, reason=reason)
    day = dt.date(2025, 3, 5)
    assert list(ReasonDayCallSeconds.objects.values_list("day", "reason", "seconds", "calls")) == [
        (day, reason.pk, 120, 1)
    ]
    contact_set_reason(contact=logged.contact, actor=agent, reason=other_reason)
    rows = set(ReasonDayCallSeconds.objects.values_list("day", "reason", "seconds", "calls"))
    assert rows == {(day, reason.pk, 0, 0), (day, other_reason.pk, 120, 1)}
    Call.objects.filter(pk=logged.pk).update(duration_seconds=30)
    logged.refresh_from_db()
    call_seconds_sync(call=logged)
    call_seconds_sync(call=logged)  # idempotent
    assert ReasonDayCallSeconds.objects.get(reason=other_reason).seconds == 30
    assert CallTally.objects.get().seconds == 30


def test_telephony_calls_count_when_they_end(db, agent, reason):
    start = local(dt.date(2025, 3, 7), 23, 58)  # ends after midnight: the contact's day counts
    telephony_event(event="started", call_id="c-1", from_number="+34600111222", at=start)
    telephony_event(
        event="answered",
        call_id="c-1",
        from_number="+34600111222",
        at=start + dt.timedelta(seconds=10),
        agent=agent.username,
    )
    found = Call.objects.get(external_call_id="c-1")
    contact_set_reason(contact=found.contact, actor=agent, reason=reason)
    assert not ReasonDayCallSeconds.objects.filter(seconds__gt=0).exists()  # still ringing
    telephony_event(
        event="ended",
        call_id="c-1",
        from_number="+34600111222",
        at=start + dt.timedelta(seconds=250),
    )
    row = ReasonDayCallSeconds.objects.get()
    assert (row.day, row.reason_id, row.seconds) == (dt.date(2025, 3, 7), reason.pk, 240)


def _recompute(date_from: dt.date, date_to: dt.date) -> dict[int, dict]:
    """Every figure from the raw rows: contacts (their channel, local day and reason), calls
    (duration, their contact), goodwill (amount, day, contact's reason) and cost rows."""
    costs = list(ChannelCost.objects.order_by("effective_from"))

    def rate(channel: str, day: dt.date) -> ChannelCost | None:
        in_force = [c for c in costs if c.channel == channel and c.effective_from <= day]
        return in_force[-1] if in_force else None

    figures: dict[int, dict] = defaultdict(
        lambda: {"contacts": 0, "contacts_cost": Decimal(0), "seconds": 0, "minutes": Decimal(0)}
    )
    for contact in Contact.objects.filter(reason__isnull=False):
        day = local_day(contact.received_at)
        if date_from <= day <= date_to:
            item = figures[contact.reason_id]
            item["contacts"] += 1
            found = rate(contact.channel, day)
            item["contacts_cost"] += found.per_contact if found else 0
    for call in Call.objects.filter(contact__reason__isnull=False).select_related("contact"):
        day = local_day(call.contact.received_at)
        if date_from <= day <= date_to and call.duration_seconds:
            item = figures[call.contact.reason_id]
            item["seconds"] += call.duration_seconds
            found = rate("phone", day)
            item["minutes"] += Decimal(call.duration_seconds) * (found.per_minute if found else 0)
    result = {}
    for reason_id, item in figures.items():
        goodwill = sum(
            (
                g.amount
                for g in Goodwill.objects.filter(contact__reason_id=reason_id)
                if date_from <= local_day(g.created_at) <= date_to
            ),
            Decimal(0),
        )
        minutes_cost = (item["minutes"] / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)
        result[reason_id] = {
            "contacts": item["contacts"],
            "seconds": item["seconds"],
            "goodwill": goodwill,
            "cost": item["contacts_cost"] + minutes_cost + goodwill,
        }
    return result


def test_every_figure_recomputed_from_raw_rows(
    cost, contacts, call, reason, other_reason, agent, monkeypatch
):
    """Random contacts on every channel around local midnights and a cost change, calls,
    goodwill and reclassifications; the roll-up figures equal a recomputation from the raw
    rows for several periods."""
    rng = random.Random(5)
    third = Reason.objects.create(category=reason.category, name="Factura", owner=None)
    reasons = [reason, other_reason, third]
    cost("email", dt.date(2025, 1, 1), "4.00")
    cost("email", dt.date(2025, 3, 10), "4.40")
    cost("web", dt.date(2025, 1, 1), "3.00")
    cost("chat", dt.date(2025, 3, 12), "5.00")
    cost("phone", dt.date(2025, 1, 1), "6.00", "0.80")
    cost("phone", dt.date(2025, 3, 15), "6.50", "0.7500")
    made = []
    for _ in range(40):
        day = dt.date(2025, 3, 1) + dt.timedelta(days=rng.randrange(31))
        when = local(day, rng.choice([0, 12, 23]), rng.choice([0, 30, 59]))
        channel = rng.choice(["email", "web", "chat", "portal"])
        made += contacts(rng.choice(reasons), when=when, channel=channel)
    for _ in range(8):
        day = dt.date(2025, 3, 1) + dt.timedelta(days=rng.randrange(31))
        logged = call(rng.choice(reasons), rng.randrange(1, 900), when=local(day, 23, 50))
        made.append(logged.contact)
    for contact in rng.sample(made, 10):
        monkeypatch.setattr(timezone, "now", lambda c=contact: c.received_at)
        goodwill_give(
            case=contact.case,
            contact=contact,
            amount=f"{rng.randrange(1, 5000) / 100}",
            agent=agent,
        )
    monkeypatch.undo()
    for contact in rng.sample(made, 12):
        contact.refresh_from_db()
        contact_set_reason(contact=contact, actor=agent, reason=rng.choice(reasons))
    for date_from, date_to in [
        (dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
        (dt.date(2025, 3, 10), dt.date(2025, 3, 14)),
        (dt.date(2025, 3, 15), dt.date(2025, 3, 15)),
    ]:
        expected = _recompute(date_from, date_to)
        lines = reason_cost_lines(date_from=date_from, date_to=date_to)
        got = {
            reason_id: {
                "contacts": line.contacts,
                "seconds": line.call_seconds,
                "goodwill": line.goodwill,
                "cost": line.cost,
            }
            for reason_id, line in lines.items()
        }
        expected = {k: v for k, v in expected.items() if any(v.values())}
        assert got == expected
    statement = chargeback(month=dt.date(2025, 3, 1))
    march = _recompute(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert statement.cost == sum(item["cost"] for item in march.values())
    owners = {d.department_id: d for d in statement.departments}
    assert set(owners) == {reason.owner_id, None}
    assert owners[None].cost == march[third.pk]["cost"]
