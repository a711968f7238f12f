"""The PromiseDayCount roll-up stays equal to a recomputation from the raw cases, through
every change a case goes through; and the rates read from it equal the rates computed case by
case from the definitions (DESIGN.md: promise kept rate, delight rate)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motivo.accounts.models import Team
from motivo.cases.models import Case, Status
from motivo.cases.services import (
    case_assign,
    case_customer_message,
    case_merge,
    case_reply,
    case_set_status,
    contact_set_reason,
)
from motivo.promises.models import COUNTERS, PromiseDayCount
from motivo.promises.selectors import (
    NONE_KEY,
    OUTCOMES,
    RateFilters,
    case_promise,
    promise_case_page,
    promise_rates,
)
from motivo.promises.services import promise_rollup_rebuild

pytestmark = pytest.mark.django_db


def rollup() -> dict:
    rows = {}
    for row in PromiseDayCount.objects.all():
        counts = {name: getattr(row, name) for name in COUNTERS}
        if any(counts.values()):
            rows[(row.day, row.channel, row.tier_key, row.team_key)] = counts
    return rows


def recomputed() -> dict:
    """The roll-up from its definition, case by case."""
    rows: dict = {}
    for case in Case.objects.filter(merged_into__isnull=True, first_answer_due_at__isnull=False):
        key = (
            timezone.localtime(case.created_at).date(),
            case.channel,
            case.tier_id or 0,
            case.team_id or 0,
        )
        answered = case.first_reply_at
        resolved = case.first_resolved_at
        promised = case.resolution_due_at is not None
        answer_kept = answered is not None and answered <= case.first_answer_due_at
        answer_delighted = answered is not None and answered <= case.first_answer_target_at
        res_kept = promised and resolved is not None and resolved <= case.resolution_due_at
        res_delighted = promised and resolved is not None and resolved <= case.resolution_target_at
        counts = rows.setdefault(key, dict.fromkeys(COUNTERS, 0))
        counts["cases"] += 1
        counts["answered"] += answered is not None
        counts["answer_kept"] += answer_kept
        counts["answer_delighted"] += answer_delighted
        counts["resolution_cases"] += promised
        counts["resolved"] += promised and resolved is not None
        counts["resolution_kept"] += res_kept
        counts["resolution_delighted"] += res_delighted
        counts["kept"] += answer_kept and (not promised or res_kept)
        counts["delighted"] += answer_delighted and (not promised or res_delighted)
    return {key: counts for key, counts in rows.items() if any(counts.values())}


def state(case: Case, now: dt.datetime, *, target: bool) -> str:
    """kept / breached / pending of one case, straight from the definition."""

    def part(done, due):
        if due is None:
            return "kept"
        if done is not None:
            return "kept" if done <= due else "breached"
        return "pending" if due > now else "breached"

    answer = part(
        case.first_reply_at, case.first_answer_target_at if target else case.first_answer_due_at
    )
    resolution = part(
        case.first_resolved_at, case.resolution_target_at if target else case.resolution_due_at
    )
    if "breached" in (answer, resolution):
        return "breached"
    return "pending" if "pending" in (answer, resolution) else "kept"


def direct_rates(filters: RateFilters, now: dt.datetime) -> dict:
    """(cases, pending, kept, delight pending, delighted) per channel, from the raw cases."""
    zone = timezone.get_current_timezone()
    out: dict = {}
    for case in Case.objects.filter(merged_into__isnull=True, first_answer_due_at__isnull=False):
        day = case.created_at.astimezone(zone).date()
        if not filters.date_from <= day <= filters.date_to:
            continue
        promise, delight = state(case, now, target=False), state(case, now, target=True)
        figures = out.setdefault(case.channel, [0, 0, 0, 0, 0])
        figures[0] += 1
        figures[1] += promise == "pending"
        figures[2] += promise == "kept"
        figures[3] += delight == "pending"
        figures[4] += delight == "kept"
    return out


def assert_exact(now=None):
    assert rollup() == recomputed()
    now = now or timezone.now()
    today = timezone.localdate()
    filters = RateFilters(date_from=today - dt.timedelta(days=30), date_to=today)
    report = promise_rates(filters=filters, now=now)
    got = {
        f.key: [f.cases, f.pending, f.kept, f.delight_pending, f.delighted] for f in report.channels
    }
    assert got == direct_rates(filters, now)
    # Every figure drills down to exactly its cases.
    for outcome, expected in (
        ("all", report.total.cases),
        ("kept", report.total.kept),
        ("pending", report.total.pending),
        ("breached", report.total.breached),
        ("delighted", report.total.delighted),
        ("not_delighted", report.total.delight_decided - report.total.delighted),
    ):
        page = promise_case_page(filters=filters, outcome=outcome, now=now, size=1000)
        assert len(page.items) == expected, outcome
    return report


def test_due_times_stored_at_opening(promises, in_tier, ingest, ago, premium):
    at = ago(hours=1)
    plain = Case.objects.get(pk=ingest(received_at=at).case_id)
    assert plain.first_answer_due_at == at + dt.timedelta(hours=8)
    assert plain.first_answer_target_at == at + dt.timedelta(hours=2)
    assert plain.resolution_due_at == at + dt.timedelta(hours=48)
    assert plain.promise_ends_at == plain.resolution_due_at
    assert plain.tier_id is None
    vip = Case.objects.get(pk=in_tier(premium, at=at).case_id)
    assert vip.tier_id == premium.pk
    assert vip.first_answer_due_at == at + dt.timedelta(hours=2)
    assert vip.resolution_due_at is None and vip.promise_ends_at == vip.first_answer_due_at
    chat = Case.objects.get(pk=ingest(received_at=at, channel="chat").case_id)
    assert chat.first_answer_due_at == at + dt.timedelta(minutes=10)
    # premium on chat: the premium promise (tier before channel)
    vip_chat = Case.objects.get(pk=in_tier(premium, at=at, channel="chat").case_id)
    assert vip_chat.first_answer_due_at == at + dt.timedelta(hours=2)
    assert_exact()


def test_no_promise_no_figures(always_open, ingest):
    case = Case.objects.get(pk=ingest().case_id)
    assert case.first_answer_due_at is None and case.promise_ends_at is None
    assert rollup() == {}


def test_answers_kept_delighted_late_and_pending(promises, ingest, agent, ago):
    delighted = Case.objects.get(pk=ingest(received_at=ago(hours=1)).case_id)
    kept = Case.objects.get(pk=ingest(received_at=ago(hours=5)).case_id)
    late = Case.objects.get(pk=ingest(received_at=ago(hours=10)).case_id)
    pending = Case.objects.get(pk=ingest(received_at=ago(hours=3)).case_id)
    ingest(received_at=ago(hours=9))  # unanswered past its due time: breached
    for case in (delighted, kept, late):
        case_reply(case=case, author=agent, body="Aquí estamos.")
    # A note is no answer.
    from motivo.cases.services import case_add_note

    case_add_note(case=pending, author=agent, body="Mirando")
    report = assert_exact()
    total = report.total
    assert total.cases == 5
    assert total.answered == 3
    assert (total.answer_kept, total.answer_delighted) == (2, 1)
    # Resolution is promised (48 h) and still running for all five: none decided yet…
    assert total.resolution_pending == 5
    # …except that the late answers already broke the promise: decided, not kept.
    assert total.pending == 3 and total.breached == 2 and total.kept_rate == 0
    assert total.answer_kept_rate == pytest.approx(2 / 4)  # pending one left out
    assert pending.pk in [
        c.pk for c in promise_case_page(filters=report.filters, outcome="pending").items
    ]
    # Once the pending case's due time passes, it is breached.
    later = timezone.now() + dt.timedelta(hours=6)
    report = assert_exact(now=later)
    assert report.total.answer_pending == 0
    assert report.total.answer_kept_rate == pytest.approx(2 / 5)


def test_resolution_and_reopened_case(promises, ingest, agent, reason, ago):
    case = Case.objects.get(pk=ingest(received_at=ago(hours=1), reason=reason).case_id)
    case_reply(case=case, author=agent, body="Hola")
    assert_exact()
    case_set_status(case=case, actor=agent, status=Status.RESOLVED)
    case.refresh_from_db()
    first = case.first_resolved_at
    assert first is not None
    report = assert_exact()
    assert (report.total.kept, report.total.delighted, report.total.pending) == (1, 1, 0)
    # The customer writes again: the case reopens; its first resolution stays.
    case_customer_message(case=case, channel="email", body="Sigue sin llegar")
    case.refresh_from_db()
    assert case.status == Status.OPEN and case.resolved_at is None
    assert case.first_resolved_at == first
    for contact in case.contacts.filter(reason=None):
        contact_set_reason(contact=contact, actor=agent, reason=reason)
    case_set_status(case=case, actor=agent, status=Status.RESOLVED)
    case.refresh_from_db()
    assert case.first_resolved_at == first
    report = assert_exact()
    assert report.total.kept == 1


def test_resolution_late(promises, ingest, agent, reason, ago):
    case = Case.objects.get(pk=ingest(received_at=ago(hours=50), reason=reason).case_id)
    report = assert_exact()
    assert report.total.breached == 1  # nothing in 8 h: breached, already
    case_reply(case=case, author=agent, body="Perdón por la espera")
    case_set_status(case=case, actor=agent, status=Status.CLOSED)  # closing counts too
    report = assert_exact()
    assert report.total.resolved == 1 and report.total.resolution_kept == 0
    assert report.total.kept_rate == 0


def test_team_changes_move_the_case(promises, ingest, agent, ago):
    billing, shipping = Team.objects.create(name="Billing"), Team.objects.create(name="Shipping")
    case = Case.objects.get(pk=ingest(received_at=ago(hours=1)).case_id)
    case_assign(case=case, actor=agent, assignee=agent, team=billing)
    assert_exact()
    case_reply(case=case, author=agent, body="Hola")
    case_assign(case=case, actor=agent, assignee=agent, team=shipping)
    report = assert_exact()
    assert [(f.label, f.cases, f.answer_kept) for f in report.teams] == [("Shipping", 1, 1)]
    case_assign(case=case, actor=agent, assignee=None, team=None)
    report = assert_exact()
    assert [(f.key, f.cases) for f in report.teams] == [(str(NONE_KEY), 1)]


def test_tier_change_after_opening_keeps_the_tier_at_opening(
    promises, in_tier, agent, premium, ago
):
    from motivo.customers.models import Customer
    from motivo.customers.services import customer_set_tier

    result = in_tier(premium, at=ago(hours=3))
    customer_set_tier(customer=Customer.objects.get(pk=result.customer_id), tier=None)
    case = Case.objects.get(pk=result.case_id)
    case_reply(case=case, author=agent, body="Hola")
    report = assert_exact()
    assert [(f.label, f.cases, f.kept) for f in report.tiers] == [("Premium", 1, 0)]
    filters = RateFilters(
        date_from=report.filters.date_from, date_to=report.filters.date_to, tier=premium.pk
    )
    assert promise_rates(filters=filters).total.cases == 1
    filters = RateFilters(
        date_from=report.filters.date_from, date_to=report.filters.date_to, tier=NONE_KEY
    )
    assert promise_rates(filters=filters).total.cases == 0


def test_merged_case_leaves_and_target_takes_the_earlier_promise(promises, ingest, agent, ago):
    first = ingest(email="same@example.test", received_at=ago(hours=7))
    second = ingest(email="same@example.test", received_at=ago(hours=1))
    older, newer = Case.objects.get(pk=first.case_id), Case.objects.get(pk=second.case_id)
    assert_exact()
    case_merge(source=older, target=newer, actor=agent)
    newer.refresh_from_db()
    assert newer.first_answer_due_at == older.first_answer_due_at
    report = assert_exact()
    assert report.total.cases == 1
    case_reply(case=newer, author=agent, body="Hola")
    report = assert_exact()
    assert (report.total.answer_kept, report.total.answer_delighted) == (1, 0)
    case = Case.objects.get(pk=newer.pk)
    assert case_promise(case).state == "pending"  # resolution still running


def test_rebuild_gives_the_same_rollup(promises, ingest, agent, ago, in_tier, premium):
    for hours in (1, 3, 9, 30):
        case = Case.objects.get(pk=ingest(received_at=ago(hours=hours)).case_id)
        if hours != 3:
            case_reply(case=case, author=agent, body="Hola")
    in_tier(premium, at=ago(hours=2))
    before = rollup()
    assert before == recomputed()
    promise_rollup_rebuild()
    assert rollup() == before


def test_every_outcome_drills_down(promises, ingest, agent, ago):
    for hours in (1, 3, 5, 9, 12):
        case = Case.objects.get(pk=ingest(received_at=ago(hours=hours)).case_id)
        if hours in (1, 5, 12):
            case_reply(case=case, author=agent, body="Hola")
    filters = RateFilters(
        date_from=timezone.localdate() - dt.timedelta(days=2), date_to=timezone.localdate()
    )
    seen = set()
    for outcome in OUTCOMES:
        page = promise_case_page(filters=filters, outcome=outcome, size=2)
        ids = [c.pk for c in page.items]
        if page.next_cursor:
            ids += [
                c.pk
                for c in promise_case_page(
                    filters=filters, outcome=outcome, size=50, before=page.next_cursor
                ).items
            ]
        assert len(ids) == len(set(ids))
        seen.add((outcome, len(ids)))
    assert ("all", 5) in seen


def test_changes_from_stale_copies_count_once(promises, ingest, agent, ago):
    """Two pages open on the same case: both reply, both reassign."""
    case_id = ingest(received_at=ago(hours=1)).case_id
    one, two = Case.objects.get(pk=case_id), Case.objects.get(pk=case_id)
    first = case_reply(case=one, author=agent, body="Primera")
    case_reply(case=two, author=agent, body="Segunda")
    assert Case.objects.get(pk=case_id).first_reply_at == first.created_at
    assert assert_exact().total.answered == 1
    billing, shipping = Team.objects.create(name="Billing"), Team.objects.create(name="Shipping")
    one, two = Case.objects.get(pk=case_id), Case.objects.get(pk=case_id)
    case_assign(case=one, actor=agent, assignee=agent, team=billing)
    case_assign(case=two, actor=agent, assignee=agent, team=shipping)
    report = assert_exact()
    assert [(f.label, f.cases) for f in report.teams] == [("Shipping", 1)]
