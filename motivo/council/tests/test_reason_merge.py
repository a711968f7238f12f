"""Merging two reasons that name one cause: contacts, roll-ups, targets, improvements and
repeat flags follow, exactly; the page and the API; refusals and access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from motivo.accounts.services import api_token_create
from motivo.cases.models import Contact
from motivo.core.errors import DomainError
from motivo.costs.models import Goodwill, ReasonDayCallSeconds
from motivo.costs.services import goodwill_give
from motivo.council import services
from motivo.council.models import Improvement, Metric, TargetReason
from motivo.insights.models import ReasonDayCount
from motivo.insights.selectors import week_start
from motivo.insights.tests.test_repeats import assert_exact
from motivo.reasons.models import Reason, ReasonEvent

pytestmark = pytest.mark.django_db


def raw_counts() -> dict:
    counts: dict = {}
    for contact in Contact.objects.filter(reason__isnull=False):
        key = (timezone.localtime(contact.received_at).date(), contact.reason_id, contact.channel)
        counts[key] = counts.get(key, 0) + 1
    return counts


def rollup_counts() -> dict:
    return {
        (r.day, r.reason_id, r.channel): r.count for r in ReasonDayCount.objects.all() if r.count
    }


@pytest.fixture
def two_names(ingest, reason, other_reason):
    """Ana wrote about "where is my order" then, two days later, about the same parcel under
    the other reason (not a repeat while the reasons differ); Luis wrote once each."""
    t0 = timezone.now() - dt.timedelta(days=10)
    ingest(email="ana@example.test", reason=reason, received_at=t0)
    ingest(email="ana@example.test", reason=other_reason, received_at=t0 + dt.timedelta(days=2))
    ingest(email="luis@example.test", reason=other_reason, received_at=t0, channel="chat")
    ingest(email="luis@example.test", reason=reason, received_at=t0, channel="chat")
    return reason, other_reason


def test_merge_moves_contacts_rollups_and_recounts_repeats(two_names, supervisor):
    reason, other = two_names
    assert Contact.objects.filter(is_repeat=True).count() == 0
    result = services.reason_merge(source=other, target=reason, actor=supervisor)
    assert (result.contacts, result.customers) == (2, 2)
    assert not Contact.objects.filter(reason=other).exists()
    assert rollup_counts() == raw_counts()
    assert not ReasonDayCount.objects.filter(reason=other).exists()
    # Ana's second contact now repeats her first (same reason within R days); Luis's two
    # contacts arrived at the same moment: the later id repeats the earlier one.
    assert Contact.objects.filter(is_repeat=True).count() == 2
    assert_exact()
    other.refresh_from_db()
    assert not other.active and other.merged_into_id == reason.pk
    kinds = {
        e.reason_id: e.kind
        for e in ReasonEvent.objects.filter(kind__in=["merged_into", "absorbed"])
    }
    assert kinds == {other.pk: "merged_into", reason.pk: "absorbed"}
    merged_event = ReasonEvent.objects.get(kind="merged_into")
    assert merged_event.data["into"] == {"id": reason.pk, "name": reason.name}
    assert merged_event.data["contacts"] == 2


def test_merge_sums_counters_on_the_same_day_and_channel(reason, other_reason, supervisor, put):
    day = dt.date(2026, 3, 4)
    put(reason, day, 3)
    put(other_reason, day, 2)
    put(other_reason, day, 5, channel="phone")
    ReasonDayCallSeconds.objects.create(day=day, reason=reason, seconds=100, calls=1)
    ReasonDayCallSeconds.objects.create(day=day, reason=other_reason, seconds=50, calls=2)
    services.reason_merge(source=other_reason, target=reason, actor=supervisor)
    rows = {(r.channel, r.count) for r in ReasonDayCount.objects.filter(reason=reason, day=day)}
    assert rows == {("email", 5), ("phone", 5)}
    seconds = ReasonDayCallSeconds.objects.get(reason=reason, day=day)
    assert (seconds.seconds, seconds.calls) == (150, 3)
    assert not ReasonDayCallSeconds.objects.filter(reason=other_reason).exists()


def test_goodwill_targets_and_improvements_follow(
    ingest, reason, other_reason, third_reason, supervisor, put
):
    result = ingest(email="eva@example.test", reason=other_reason)
    contact = Contact.objects.select_related("case").get(pk=result.contact_id)
    goodwill_give(case=contact.case, contact=contact, amount="10.00", agent=supervisor)
    monday = week_start(timezone.localdate())
    for weeks in range(1, 9):
        put(other_reason, monday - dt.timedelta(weeks=weeks) + dt.timedelta(days=2), 4)
        put(reason, monday - dt.timedelta(weeks=weeks) + dt.timedelta(days=2), 1)
    target = services.target_set(
        reasons=[reason, other_reason],
        metric=Metric.CONTACTS,
        change_pct=Decimal(-20),
        due_on=timezone.localdate() + dt.timedelta(days=60),
        actor=supervisor,
    )
    baseline = {
        r.reason_id: r.baseline_contacts for r in TargetReason.objects.filter(target=target)
    }
    assert baseline == {reason.pk: 8, other_reason.pk: 32}
    improvement = services.improvement_create(
        title="Avisar del envío", reasons=[other_reason, third_reason], actor=supervisor
    )
    services.reason_merge(source=other_reason, target=reason, actor=supervisor)
    assert set(Goodwill.objects.values_list("reason_id", flat=True)) == {reason.pk}
    [row] = TargetReason.objects.filter(target=target)
    assert (row.reason_id, row.baseline_contacts) == (reason.pk, 40)
    improvement = Improvement.objects.get(pk=improvement.pk)
    assert set(improvement.reasons.values_list("pk", flat=True)) == {reason.pk, third_reason.pk}


def test_refusals(reason, other_reason, third_reason, supervisor):
    with pytest.raises(DomainError):
        services.reason_merge(source=reason, target=reason, actor=supervisor)
    services.reason_merge(source=other_reason, target=reason, actor=supervisor)
    with pytest.raises(DomainError):  # already merged
        services.reason_merge(source=other_reason, target=third_reason, actor=supervisor)
    with pytest.raises(DomainError):  # into a merged (inactive) reason
        services.reason_merge(source=third_reason, target=other_reason, actor=supervisor)


def test_two_different_active_targets_are_refused(reason, other_reason, supervisor, put):
    monday = week_start(timezone.localdate())
    for r in (reason, other_reason):
        put(r, monday - dt.timedelta(weeks=2), 3)
        services.target_set(
            reasons=[r],
            metric=Metric.CONTACTS,
            change_pct=Decimal(-10),
            due_on=timezone.localdate() + dt.timedelta(days=30),
            actor=supervisor,
        )
    with pytest.raises(DomainError, match="active target"):
        services.reason_merge(source=other_reason, target=reason, actor=supervisor)
    assert Reason.objects.get(pk=other_reason.pk).active


def test_page_previews_and_merges(two_names, supervisor, agent):
    reason, other = two_names
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.get("/council/merge-reasons/").status_code == 403
    client.force_login(supervisor)
    page = client.get(f"/council/merge-reasons/?source={other.pk}")
    assert page.status_code == 200
    assert "2 contacts" in page.content.decode()
    csrf = client.cookies["csrftoken"].value
    refused = client.post("/council/merge-reasons/", {"source": other.pk, "target": reason.pk})
    assert refused.status_code == 403  # no CSRF token
    done = client.post(
        "/council/merge-reasons/",
        {"source": other.pk, "target": reason.pk, "csrfmiddlewaretoken": csrf},
    )
    assert done.status_code == 302 and done["Location"] == f"/reasons/{reason.pk}/edit/"
    edit = client.get(f"/reasons/{other.pk}/edit/").content.decode()
    assert "Merged into" in edit and reason.name in edit


def bearer(user) -> Client:
    secret = api_token_create(user=user, name="t")[1]
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_api_merge(two_names, supervisor, agent):
    reason, other = two_names
    url = f"/api/v1/reasons/{other.pk}/merge"
    body = {"into": reason.pk}
    assert bearer(agent).post(url, body, "application/json").status_code == 403
    wrong = bearer(supervisor).post(url, {"into": 999999}, "application/json")
    assert wrong.status_code in (400, 404, 422) and "reason" in wrong.content.decode().lower()
    extra = bearer(supervisor).post(url, {"into": reason.pk, "x": 1}, "application/json")
    assert extra.status_code == 422
    done = bearer(supervisor).post(url, body, "application/json")
    assert done.status_code == 200, done.content
    assert done.json() == {
        "reason": reason.pk,
        "contacts": 2,
        "customers": 2,
        "targets": 0,
        "improvements": 0,
    }
    again = bearer(supervisor).post(url, body, "application/json")
    assert again.status_code == 422 and again.json()["error"]["field"] == "target"
    missing = bearer(supervisor).post("/api/v1/reasons/999999/merge", body, "application/json")
    assert missing.status_code == 404
