"""Repeat contacts and FCR on hand-made data with known answers (DESIGN.md definitions),
and the roll-ups against a recomputation from the raw rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motivo.cases.models import Case, Contact, Status
from motivo.cases.services import (
    case_customer_message,
    case_merge,
    case_set_status,
    contact_set_reason,
)
from motivo.customers.models import Customer
from motivo.customers.services import customer_merge
from motivo.insights import repeats
from motivo.insights.models import FcrDay, FcrDayCount, ReasonDayCount

pytestmark = pytest.mark.django_db

R = dt.timedelta(days=7)


def raw_repeats() -> dict[int, int | None]:
    """Every contact's repeat_of, straight from the definition (no shortcut)."""
    contacts = list(Contact.objects.all())
    result = {}
    for contact in contacts:
        earlier = [
            other
            for other in contacts
            if (other.received_at, other.pk) < (contact.received_at, contact.pk)
            and other.customer_id == contact.customer_id
            and contact.received_at - other.received_at <= R
            and (
                other.case_id == contact.case_id
                or (contact.reason_id is not None and other.reason_id == contact.reason_id)
            )
        ]
        latest = max(earlier, key=lambda c: (c.received_at, c.pk), default=None)
        result[contact.pk] = latest.pk if latest else None
    return result


def stored_repeats() -> dict[int, int | None]:
    rows = Contact.objects.values_list("pk", "is_repeat", "repeat_of_id")
    for _pk, flag, of in rows:
        assert flag == (of is not None)
    return {pk: of for pk, _flag, of in rows}


def raw_repeat_counts() -> dict:
    counts: dict = {}
    for contact in Contact.objects.filter(is_repeat=True, reason__isnull=False):
        key = (timezone.localtime(contact.received_at).date(), contact.reason_id, contact.channel)
        counts[key] = counts.get(key, 0) + 1
    return counts


def rollup_repeat_counts() -> dict:
    return {
        (r.day, r.reason_id, r.channel): r.repeats
        for r in ReasonDayCount.objects.all()
        if r.repeats
    }


def assert_exact() -> None:
    assert stored_repeats() == raw_repeats()
    assert rollup_repeat_counts() == raw_repeat_counts()


def contact(result) -> Contact:
    return Contact.objects.get(pk=result.contact_id)


def test_same_case_further_contact_is_a_repeat(ingest):
    t0 = timezone.now() - dt.timedelta(days=3)
    first = ingest(email="ana@example.test", received_at=t0)
    case = Case.objects.get(pk=first.case_id)
    message = case_customer_message(
        case=case, channel="phone", body="Sigo esperando", received_at=t0 + dt.timedelta(days=2)
    )
    second = message.contact
    assert second.is_repeat and second.repeat_of_id == first.contact_id
    assert not contact(first).is_repeat
    assert_exact()


def test_same_reason_across_channels_and_the_exact_r_day_boundary(ingest, reason):
    t0 = timezone.now() - dt.timedelta(days=20)
    a = ingest(email="ana@example.test", reason=reason, received_at=t0)
    # Exactly R days later, another channel, a new case: a repeat of a.
    b = ingest(email="ana@example.test", reason=reason, received_at=t0 + R, channel="chat")
    # R days and a second after b: not a repeat of b (nor of a).
    c = ingest(
        email="ana@example.test", reason=reason, received_at=t0 + 2 * R + dt.timedelta(seconds=1)
    )
    assert contact(b).repeat_of_id == a.contact_id
    assert not contact(c).is_repeat and not contact(a).is_repeat
    # Another customer with the same reason is no repeat.
    d = ingest(email="otro@example.test", reason=reason, received_at=t0 + dt.timedelta(days=1))
    assert not contact(d).is_repeat
    assert_exact()
    day = timezone.localtime(t0 + R).date()
    assert ReasonDayCount.objects.get(day=day, reason=reason, channel="chat").repeats == 1


def test_reason_set_later_makes_both_ways_repeats(ingest, reason, agent):
    t0 = timezone.now() - dt.timedelta(days=10)
    a = ingest(email="ana@example.test", received_at=t0)
    b = ingest(email="ana@example.test", received_at=t0 + dt.timedelta(days=1), channel="web")
    assert not contact(b).is_repeat  # different cases, no reasons yet
    # The later contact gets its reason first: no earlier contact with it yet.
    contact_set_reason(contact=contact(b), actor=agent, reason=reason)
    assert not contact(b).is_repeat
    # Now the earlier one gets the same reason: the later one becomes a repeat of it.
    contact_set_reason(contact=contact(a), actor=agent, reason=reason)
    assert contact(b).repeat_of_id == a.contact_id and not contact(a).is_repeat
    assert_exact()


def test_corrected_reason_stops_a_repeat(ingest, reason, other_reason, agent):
    t0 = timezone.now() - dt.timedelta(days=10)
    a = ingest(email="ana@example.test", reason=reason, received_at=t0)
    b = ingest(email="ana@example.test", reason=reason, received_at=t0 + dt.timedelta(days=2))
    c = ingest(email="ana@example.test", reason=reason, received_at=t0 + dt.timedelta(days=3))
    assert contact(b).repeat_of_id == a.contact_id and contact(c).repeat_of_id == b.contact_id
    # b was misclassified: it is no repeat any more, and c now repeats a.
    updated = contact_set_reason(contact=contact(b), actor=agent, reason=other_reason)
    assert not updated.is_repeat and updated.repeat_of_id is None
    assert not contact(b).is_repeat
    assert contact(c).repeat_of_id == a.contact_id
    assert_exact()
    # Corrected back: b repeats a again, c repeats b.
    contact_set_reason(contact=contact(b), actor=agent, reason=reason)
    assert contact(b).repeat_of_id == a.contact_id and contact(c).repeat_of_id == b.contact_id
    assert_exact()


def test_reason_moves_the_repeat_count_with_it(ingest, reason, other_reason, agent):
    t0 = timezone.now() - dt.timedelta(days=5)
    first = ingest(email="ana@example.test", received_at=t0)
    message = case_customer_message(
        case=Case.objects.get(pk=first.case_id), channel="email", body="¿Y bien?",
        received_at=t0 + dt.timedelta(hours=5),
    )  # fmt: skip
    second = message.contact
    contact_set_reason(contact=second, actor=agent, reason=reason)
    assert_exact()
    contact_set_reason(contact=Contact.objects.get(pk=second.pk), actor=agent, reason=other_reason)
    assert Contact.objects.get(pk=second.pk).is_repeat  # same case: still a repeat
    assert_exact()


def test_merged_customers_share_one_history(ingest, reason):
    t0 = timezone.now() - dt.timedelta(days=10)
    a = ingest(email="ana@example.test", reason=reason, received_at=t0)
    b = ingest(phone="+34600111222", reason=reason, received_at=t0 + dt.timedelta(days=1))
    assert not contact(b).is_repeat
    customer_merge(
        source=Customer.objects.get(pk=b.customer_id),
        target=Customer.objects.get(pk=a.customer_id),
        actor=None,
    )
    assert contact(b).repeat_of_id == a.contact_id
    assert_exact()


def test_merged_cases_become_the_same_case(ingest, agent):
    t0 = timezone.now() - dt.timedelta(days=10)
    a = ingest(email="ana@example.test", received_at=t0)
    b = ingest(email="ana@example.test", received_at=t0 + dt.timedelta(days=1))
    assert not contact(b).is_repeat
    case_merge(
        source=Case.objects.get(pk=b.case_id), target=Case.objects.get(pk=a.case_id), actor=agent
    )
    assert contact(b).repeat_of_id == a.contact_id
    assert_exact()


def test_new_case_ingest_costs_one_lookup_only_with_a_reason(
    ingest, reason, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    t0 = timezone.now()
    ingest(email="ana@example.test", received_at=t0 - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as without:
        ingest(email="ana@example.test", received_at=t0)
    with CaptureQueriesContext(connection) as with_reason:
        ingest(email="ana@example.test", received_at=t0, reason=reason)
    lookups = [q["sql"] for q in with_reason.captured_queries if "received_at" in q["sql"]]
    assert not [q["sql"] for q in without.captured_queries if '"received_at" >=' in q["sql"]]
    assert len([sql for sql in lookups if "SELECT" in sql and "LIMIT 1" in sql]) == 1


# --- FCR -----------------------------------------------------------------------------------


def resolve(result, agent, at: dt.datetime, reason) -> Case:
    for item in Contact.objects.filter(case_id=result.case_id, reason__isnull=True):
        contact_set_reason(contact=item, actor=agent, reason=reason)
    case = Case.objects.get(pk=result.case_id)
    case_set_status(case=case, actor=agent, status=Status.RESOLVED)
    Case.objects.filter(pk=case.pk).update(resolved_at=at)
    return Case.objects.get(pk=case.pk)


def raw_fcr(day: dt.date) -> dict:
    """(resolved, first_contact, repeated) per (reason, channel, team, agent), recomputed
    from the raw rows for the cases resolved on `day`."""
    out: dict = {}
    for case in Case.objects.filter(resolved_at__isnull=False, merged_into__isnull=True):
        if timezone.localtime(case.resolved_at).date() != day:
            continue
        rows = list(case.contacts.order_by("received_at", "id"))
        reasons = {c.reason_id for c in rows}
        repeated = any(
            other.case_id != case.pk
            and other.reason_id in reasons
            and rows[0].received_at < other.received_at <= case.resolved_at + R
            for other in Contact.objects.filter(customer_id=case.customer_id)
        )
        key = (rows[0].reason_id, rows[0].channel, case.team_id, case.assignee_id)
        totals = out.setdefault(key, [0, 0, 0])
        totals[0] += 1
        totals[1] += len(rows) == 1 and not repeated
        totals[2] += repeated
    return {key: tuple(value) for key, value in out.items()}


def stored_fcr(day: dt.date) -> dict:
    return {
        (r.reason_id, r.channel, r.team_id, r.agent_id): (r.resolved, r.first_contact, r.repeated)
        for r in FcrDayCount.objects.filter(day=day)
    }


def test_fcr_known_answers_and_window_not_passed(ingest, reason, other_reason, agent):
    today = timezone.localdate()
    day = today - dt.timedelta(days=20)
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())
    # 1) one contact, no repeat: FCR.
    one = ingest(email="uno@example.test", received_at=noon - dt.timedelta(hours=2))
    resolve(one, agent, noon, reason)
    # 2) one contact, then the same reason on a new case 7 days after resolution: not FCR.
    two = ingest(email="dos@example.test", received_at=noon - dt.timedelta(hours=2))
    resolve(two, agent, noon, reason)
    ingest(email="dos@example.test", reason=reason, received_at=noon + R)
    # 3) one contact, another reason soon after, and the same reason after the window: FCR.
    three = ingest(email="tres@example.test", received_at=noon - dt.timedelta(hours=2))
    resolve(three, agent, noon, reason)
    ingest(email="tres@example.test", reason=other_reason, received_at=noon + dt.timedelta(days=1))
    ingest(email="tres@example.test", reason=reason, received_at=noon + R + dt.timedelta(minutes=1))
    # 4) two contacts on the case: not FCR.
    four = ingest(email="cuatro@example.test", received_at=noon - dt.timedelta(hours=3))
    case_customer_message(
        case=Case.objects.get(pk=four.case_id), channel="phone", body="Otra vez",
        received_at=noon - dt.timedelta(hours=1),
    )  # fmt: skip
    resolve(four, agent, noon, reason)
    # 5) resolved yesterday: its window has not passed.
    recent = ingest(email="cinco@example.test", received_at=timezone.now() - dt.timedelta(days=1))
    resolve(recent, agent, timezone.now() - dt.timedelta(days=1), reason)

    outcomes = {o.case_id: o for o in repeats.case_outcomes(day=day)}
    assert [outcomes[r.case_id].first_contact for r in (one, two, three, four)] == [
        True, False, True, False,
    ]  # fmt: skip
    assert [outcomes[r.case_id].repeated for r in (one, two, three, four)] == [
        False, True, False, False,
    ]  # fmt: skip
    days = repeats.fcr_finalise()
    assert days[-1] == repeats.last_final_day() == today - dt.timedelta(days=8)
    assert day in days and timezone.localdate() - dt.timedelta(days=1) not in days
    assert stored_fcr(day) == raw_fcr(day) == {(reason.pk, "email", None, None): (4, 2, 1)}
    assert FcrDay.objects.filter(day=day).exists() and repeats.fcr_is_current()
    with pytest.raises(ValueError):
        repeats.fcr_day_finalise(day=today - dt.timedelta(days=1))
    # Idempotent: running again changes nothing.
    repeats.fcr_finalise()
    assert stored_fcr(day) == raw_fcr(day)


def test_fcr_rollup_equals_raw_recomputation_by_team_and_agent(ingest, reason, agent, supervisor):
    from motivo.accounts.models import Team
    from motivo.cases.services import case_assign

    team = Team.objects.create(name="Pedidos")
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    for offset in range(9, 14):
        day = today - dt.timedelta(days=offset)
        at = dt.datetime.combine(day, dt.time(10), tzinfo=zone)
        for n in range(offset % 3 + 1):
            result = ingest(email=f"c{n}@example.test", received_at=at - dt.timedelta(hours=n))
            case = Case.objects.get(pk=result.case_id)
            if n % 2:
                case_assign(case=case, actor=supervisor, assignee=agent, team=team)
            resolve(result, agent, at + dt.timedelta(hours=1), reason)
    repeats.fcr_finalise()
    for offset in range(9, 14):
        day = today - dt.timedelta(days=offset)
        assert stored_fcr(day) == raw_fcr(day)
    assert_exact()


# --- Pages ---------------------------------------------------------------------------------


def _page_data(ingest, reason, other_reason, agent, supervisor, n: int = 1) -> dt.date:
    """Repeats in the last days and resolved cases 12 days ago (final), n of each."""
    from motivo.accounts.models import Team
    from motivo.cases.services import case_assign

    team, _created = Team.objects.get_or_create(name="Pedidos")
    now = timezone.now()
    for i in range(n):
        email = f"rep{i}-{_unique()}@example.test"
        ingest(email=email, reason=reason, received_at=now - dt.timedelta(days=3))
        ingest(email=email, reason=reason, received_at=now - dt.timedelta(days=2), channel="chat")
        old = ingest(email=email, received_at=now - dt.timedelta(days=12, hours=1))
        case_assign(case=Case.objects.get(pk=old.case_id), actor=supervisor, assignee=agent,
                    team=team)  # fmt: skip
        resolve(old, agent, now - dt.timedelta(days=12), other_reason)
    return timezone.localdate()


_counter = {"n": 0}


def _unique() -> int:
    _counter["n"] += 1
    return _counter["n"]


def test_repeats_page_figures_drilldown_and_csv(
    client, ingest, reason, other_reason, agent, supervisor
):
    from django.urls import reverse

    today = _page_data(ingest, reason, other_reason, agent, supervisor)
    client.force_login(supervisor)
    params = {
        "date_from": (today - dt.timedelta(days=20)).isoformat(),
        "date_to": today.isoformat(),
    }
    response = client.get(reverse("insights:repeats"), params)
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.total.contacts, report.total.repeats) == (3, 1)
    by_reason = {row.key: row for row in report.reasons}
    assert (by_reason[str(reason.pk)].contacts, by_reason[str(reason.pk)].repeats) == (2, 1)
    by_channel = {row.key: row for row in report.channels}
    assert by_channel["chat"].repeats == 1 and by_channel["email"].repeats == 0
    # FCR was finalised by the page (immediate task backend in tests).
    assert FcrDay.objects.filter(day=repeats.last_final_day()).exists()
    response = client.get(reverse("insights:repeats"), params)
    report = response.context["report"]
    assert (report.total.resolved, report.total.first_contact) == (1, 1)
    assert [(row.label, row.resolved, row.fcr) for row in report.teams] == [("Pedidos", 1, 1.0)]
    assert [(row.label, row.fcr) for row in report.agents] == [(agent.display_name, 1.0)]
    assert str(by_reason[str(reason.pk)].label) in response.content.decode()
    # Drill-down to the repeat contacts only.
    drill = client.get(reverse("insights:contacts"), {**params, "repeat": "1"})
    items = drill.context["page"].items
    assert [c.channel for c in items] == ["chat"] and all(c.is_repeat for c in items)
    assert "Repeat contacts" in drill.content.decode()
    # CSV export.
    csv = client.get(reverse("insights:repeats_csv"), params)
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv")
    assert "Total,All,3,1,33.3,1,1,100.0,0.0" in text
    assert f"Agent,{agent.display_name},,,,1,1,100.0,0.0" in text


def test_repeats_pages_are_for_managers(client, agent):
    from django.urls import reverse

    client.force_login(agent)
    for name in ("repeats", "repeats_csv"):
        assert client.get(reverse(f"insights:{name}")).status_code == 403


def test_repeats_page_query_count_does_not_grow(
    client, ingest, reason, other_reason, agent, supervisor
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client.force_login(supervisor)
    _page_data(ingest, reason, other_reason, agent, supervisor)
    repeats.fcr_finalise()
    counts = []
    for _round in range(2):
        for name in ("insights:repeats", "insights:repeats_csv"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse(name)).status_code == 200
            counts.append(len(captured.captured_queries))
        _page_data(ingest, reason, other_reason, agent, supervisor, n=3)
        repeats.fcr_finalise()
    assert counts[:2] == counts[2:]


def test_case_page_shows_the_repeat_mark(client, ingest, agent, supervisor):
    from django.urls import reverse

    t0 = timezone.now() - dt.timedelta(days=2)
    first = ingest(email="ana@example.test", received_at=t0)
    case = Case.objects.get(pk=first.case_id)
    case_customer_message(case=case, channel="phone", body="Otra vez", received_at=t0 + R / 7)
    client.force_login(supervisor)
    response = client.get(reverse("cases:detail", args=[case.pk]))
    marks = [
        line for line in response.content.decode().splitlines() if 'data-testid="repeat-of"' in line
    ]
    assert len(marks) == 1 and "repeat of" in marks[0]
