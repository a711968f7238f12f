"""The council's pages: who may see and change what, CSRF, GET changes nothing, and query
counts that do not grow with the number of contacts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from motivo.council.models import Improvement, ImprovementEvent, Metric, Target, TargetReason
from motivo.council.services import improvement_create, target_set
from motivo.insights.selectors import week_start
from motivo.reasons.models import Reason

pytestmark = pytest.mark.django_db


def this_monday() -> dt.date:
    return week_start(timezone.localdate())


@pytest.fixture
def history(weekly, reason, other_reason):
    """10 contacts a week for `reason` and 4 for `other_reason` in the last 12 full weeks."""
    first = this_monday() - dt.timedelta(weeks=12)
    weekly(reason, first, [10] * 12)
    weekly(other_reason, first, [4] * 12)


@pytest.fixture
def target(history, reason, supervisor) -> Target:
    return target_set(
        reasons=[reason],
        metric=Metric.CONTACTS,
        change_pct=Decimal(-20),
        due_on=timezone.localdate() + dt.timedelta(days=90),
        actor=supervisor,
    )


def snapshot() -> tuple:
    return (
        list(Target.objects.values_list("pk", "status", "change_pct", "updated_at")),
        list(TargetReason.objects.values_list("pk", "baseline_contacts")),
        list(Improvement.objects.values_list("pk", "status", "updated_at")),
        ImprovementEvent.objects.count(),
    )


def test_manager_sets_a_target_through_the_page(manager_client, history, reason):
    url = reverse("council:target_create")
    assert manager_client.get(url).status_code == 200
    due = (timezone.localdate() + dt.timedelta(days=120)).isoformat()
    response = manager_client.post(
        url, {"reasons": [reason.pk], "metric": "contacts", "change_pct": "-20", "due_on": due}
    )
    target = Target.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("council:target_edit", args=[target.pk])
    assert target.baseline_contacts == 80
    page = manager_client.get(reverse("council:targets")).content.decode()
    assert reason.name in page and "10.0 a week" in page and "On track" in page
    detail = manager_client.get(response["Location"]).content.decode()
    assert "80 contacts in the 8 full weeks" in detail


def test_a_refused_target_shows_the_error_on_its_field(manager_client, history, reason):
    response = manager_client.post(
        reverse("council:target_create"),
        {"reasons": [reason.pk], "metric": "cpx", "change_pct": "-20", "due_on": "2099-01-01"},
    )
    assert response.status_code == 200
    assert "Choose the business volume" in response.content.decode()
    assert not Target.objects.exists()


def test_manager_edits_and_closes_a_target(manager_client, target):
    url = reverse("council:target_edit", args=[target.pk])
    due = (timezone.localdate() + dt.timedelta(days=200)).isoformat()
    response = manager_client.post(url, {"change_pct": "-30", "due_on": due, "note": "Q3"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.change_pct, target.baseline_contacts) == (-30, 80)
    manager_client.post(reverse("council:target_close", args=[target.pk]))
    target.refresh_from_db()
    assert target.status == "closed" and target.closed_on == timezone.localdate()


def test_agents_cannot_reach_the_targets_pages(agent_client, target):
    for url in (
        reverse("council:targets"),
        reverse("council:target_create"),
        reverse("council:target_edit", args=[target.pk]),
    ):
        assert agent_client.get(url).status_code == 403
    assert agent_client.post(reverse("council:target_close", args=[target.pk])).status_code == 403
    target.refresh_from_db()
    assert target.is_active


def test_agents_read_the_board_and_the_improvements(agent_client, target, reason):
    improvement = improvement_create(title="FAQ", reasons=[reason], actor=None)
    assert agent_client.get(reverse("council:recognition")).status_code == 200
    assert agent_client.get(reverse("council:improvements")).status_code == 200
    detail = agent_client.get(reverse("council:improvement_detail", args=[improvement.pk]))
    assert detail.status_code == 200
    assert 'data-testid="status-form"' not in detail.content.decode()
    assert agent_client.get(reverse("council:improvement_create")).status_code == 403
    url = reverse("council:improvement_status", args=[improvement.pk])
    assert agent_client.post(url, {"status": "done"}).status_code == 403
    improvement.refresh_from_db()
    assert improvement.status == "proposed"


def test_customers_and_strangers_are_kept_out(customer_user, target):
    client = Client()
    assert client.get(reverse("council:mine")).status_code == 302
    client.force_login(customer_user[0])
    for name in ("mine", "recognition", "improvements"):
        assert client.get(reverse(f"council:{name}")).status_code == 403


def test_owner_sees_their_reasons_and_not_others(
    client, owner, target, reason, other_reason, third_reason
):
    Reason.objects.filter(pk=reason.pk).update(owner_person=owner)
    client.force_login(owner)
    response = client.get(reverse("council:mine"))
    rows = response.context["data"].rows
    assert [row.reason.pk for row in rows] == [reason.pk]
    assert rows[0].progress.target.pk == target.pk
    assert rows[0].recent_contacts == 80
    assert [count for _day, count in rows[0].weekly] == [10] * 12
    page = response.content.decode()
    assert 'data-testid="sparkline"' in page and "<svg" in page
    assert other_reason.name not in page


def test_department_head_sees_the_departments_reasons(client, owner, reason, other_reason):
    department = reason.owner
    department.email = "Ana.Head@Example.test"
    department.save()
    owner.email = "ana.head@example.test"
    owner.save()
    client.force_login(owner)
    rows = client.get(reverse("council:mine")).context["data"].rows
    assert {row.reason.pk for row in rows} == {reason.pk, other_reason.pk}
    assert all(row.via_department for row in rows)


def test_owner_moves_their_improvement_along_but_cannot_edit_it(client, owner, reason):
    improvement = improvement_create(title="FAQ", reasons=[reason], actor=None, owner=owner)
    client.force_login(owner)
    assert client.get(reverse("council:improvement_edit", args=[improvement.pk])).status_code == 403
    url = reverse("council:improvement_status", args=[improvement.pk])
    response = client.post(url, {"status": "in_progress"})
    assert response.status_code == 302
    improvement.refresh_from_db()
    assert improvement.status == "in_progress"
    assert improvement.events.latest("pk").actor == owner


def test_manager_creates_and_edits_an_improvement(manager_client, reason, owner):
    response = manager_client.post(
        reverse("council:improvement_create"),
        {"title": "SMS de envío", "reasons": [reason.pk], "status": "planned", "owner": owner.pk},
    )
    improvement = Improvement.objects.get()
    assert response.status_code == 302
    url = reverse("council:improvement_edit", args=[improvement.pk])
    response = manager_client.post(
        url,
        {"title": "SMS de envío", "reasons": [reason.pk], "status": "done", "owner": owner.pk},
    )
    assert response.status_code == 302
    improvement.refresh_from_db()
    assert improvement.done_on == timezone.localdate()
    page = manager_client.get(reverse("council:improvement_detail", args=[improvement.pk]))
    ready = (timezone.localdate() + dt.timedelta(days=29)).strftime("%m/%d/%Y")
    assert f"Measuring, ready on {ready}" in page.content.decode()
    kinds = list(improvement.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["created", "status_changed"]


def test_csrf_is_enforced(supervisor, history, reason):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=supervisor.username, password=PASSWORD)
    url = reverse("council:target_create")
    due = (timezone.localdate() + dt.timedelta(days=120)).isoformat()
    data = {"reasons": [reason.pk], "metric": "contacts", "change_pct": "-20", "due_on": due}
    assert client.post(url, data).status_code == 403
    assert not Target.objects.exists()
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode()
    )
    assert client.post(url, {**data, "csrfmiddlewaretoken": token.group(1)}).status_code == 302
    assert Target.objects.count() == 1


def test_get_changes_nothing(manager_client, target, reason, supervisor):
    improvement = improvement_create(title="FAQ", reasons=[reason], actor=None)
    Reason.objects.filter(pk=reason.pk).update(owner_person=supervisor)
    before = snapshot()
    for url in (
        reverse("council:targets"),
        reverse("council:target_edit", args=[target.pk]),
        reverse("council:target_close", args=[target.pk]),
        reverse("council:mine"),
        reverse("council:recognition"),
        reverse("council:improvements"),
        reverse("council:improvement_detail", args=[improvement.pk]),
        reverse("council:improvement_status", args=[improvement.pk]),
        reverse("council:improvement_edit", args=[improvement.pk]),
    ):
        assert manager_client.get(url).status_code in (200, 405)
    assert snapshot() == before


def test_page_queries_stay_bounded(manager_client, history, reason, other_reason, supervisor, put):
    for r in (reason, other_reason):
        Reason.objects.filter(pk=r.pk).update(owner_person=supervisor)
        target_set(
            reasons=[r],
            metric=Metric.CONTACTS,
            change_pct=Decimal(-10),
            due_on=timezone.localdate() + dt.timedelta(days=90),
            actor=None,
        )
    old = timezone.localdate() - dt.timedelta(days=60)
    for n in range(3):
        improvement_create(
            title=f"Mejora {n}", reasons=[reason], actor=None, status="done", done_on=old
        )

    def queries(url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(url).status_code == 200
        return len(captured)

    counts = {name: queries(reverse(f"council:{name}")) for name in
              ("targets", "mine", "recognition", "improvements")}  # fmt: skip
    # More contacts do not add queries: the pages read the roll-up.
    for day in range(60):
        put(reason, timezone.localdate() - dt.timedelta(days=day), 50)
    again = {name: queries(reverse(f"council:{name}")) for name in counts}
    assert again == counts
    # Per item: targets ≤ 2 reads each, my reasons 1 sparkline each, improvements 2 each.
    assert counts["targets"] <= 8 + 2 * 2
    assert counts["mine"] <= 10 + 2 * 3
    assert counts["recognition"] <= 8
    assert counts["improvements"] <= 8 + 3 * 2
