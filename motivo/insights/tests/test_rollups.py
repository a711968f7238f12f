"""The roll-up stays equal to a direct count of contacts by reason, day and channel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count
from django.utils import timezone

from motivo.cases.models import Contact
from motivo.cases.services import contact_set_reason
from motivo.insights.models import ReasonDayCount
from motivo.insights.selectors import pareto

pytestmark = pytest.mark.django_db


def direct_counts() -> dict:
    rows = Contact.objects.exclude(reason=None).values("reason_id", "channel", "received_at")
    counts: dict = {}
    for row in rows:
        key = (timezone.localtime(row["received_at"]).date(), row["reason_id"], row["channel"])
        counts[key] = counts.get(key, 0) + 1
    return counts


def rollup_counts() -> dict:
    return {
        (r.day, r.reason_id, r.channel): r.count for r in ReasonDayCount.objects.all() if r.count
    }


def test_rollup_follows_ingest_and_reclassification(ingest, reason, other_reason, agent):
    now = timezone.now()
    a = ingest(reason=reason, received_at=now - dt.timedelta(days=2))
    ingest(reason=reason, received_at=now, channel="web")
    c = ingest(received_at=now)
    assert rollup_counts() == direct_counts()
    contact_set_reason(contact=Contact.objects.get(pk=c.contact_id), actor=agent, reason=reason)
    contact_set_reason(
        contact=Contact.objects.get(pk=a.contact_id), actor=agent, reason=other_reason
    )
    assert rollup_counts() == direct_counts()
    rows = pareto(date_from=(now - dt.timedelta(days=3)).date(), date_to=now.date())
    assert [(r.reason_id, r.count) for r in rows] == [(reason.pk, 2), (other_reason.pk, 1)]
    assert rows[0].share == pytest.approx(2 / 3) and rows[-1].cumulative_share == pytest.approx(1)
    assert Contact.objects.aggregate(n=Count("id"))["n"] == 3
