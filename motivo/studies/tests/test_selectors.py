"""The studies' figures on a hand-made week with known answers: causes by count, by reason,
team and agent, the studied share, recomputed repeats left out, the weekly review's
section, an agent's open studies, and query counts that do not grow with the studies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motivo.cases.models import Contact
from motivo.cases.services import contact_set_reason
from motivo.reasons.models import Action, Reason
from motivo.studies import selectors
from motivo.studies.selectors import StudyFilters
from motivo.studies.services import study_answer

from .conftest import DAY, assign, at, reply_at

pytestmark = pytest.mark.django_db

END = DAY + dt.timedelta(days=6)


def d(n: int, hour: int = 10) -> dt.datetime:
    return at(DAY + dt.timedelta(days=n), hour)


@pytest.fixture
def week(pair, reason, other_reason, causes, agent, luis, team, supervisor):
    """Repeats received in DAY..DAY+6:
    A (reason): studied "promise not kept" with a note; luis replied to the first (team).
    B (reason): studied "wrong answer" with a note; nobody replied or was assigned.
    C (other_reason): studied "promise not kept" with a note; first case assigned to agent.
    D (other_reason): not studied; its case is luis's.
    Outside: E's repeat came before the period (studied); F was studied, then its reason was
    corrected so that it is no longer a repeat."""
    third = Reason.objects.create(
        category=reason.category, name="Factura", action=Action.SELF_SERVE
    )
    a = pair("a@x.test", reason, d(0), d(2))
    b = pair("b@x.test", reason, d(1), d(3))
    c = pair("c@x.test", other_reason, d(1), d(4))
    dd = pair("d@x.test", other_reason, d(2), d(5))
    e = pair("e@x.test", reason, d(-10), d(-8))
    f = pair("f@x.test", reason, d(1), d(2, 15))
    assign(a[0].case, luis, team)
    reply_at(a[0].case, luis, d(0, 12))
    assign(c[0].case, agent)
    assign(dd[1].case, luis)
    pnk, wrong = causes["promise_not_kept"], causes["wrong_answer"]
    study_answer(contact=a[1], cause=pnk, note="Promised 48 h.", actor=luis)
    study_answer(contact=b[1], cause=wrong, note="Wrong tracking link.", actor=agent)
    study_answer(contact=c[1], cause=pnk, note="Nobody called back.", actor=agent)
    study_answer(contact=e[1], cause=causes["policy"], actor=agent)
    study_answer(contact=f[1], cause=causes["other"], actor=agent)
    contact_set_reason(contact=Contact.objects.get(pk=f[1].pk), actor=supervisor, reason=third)
    assert not Contact.objects.get(pk=f[1].pk).is_repeat
    return {"a": a, "b": b, "c": c, "d": dd, "e": e, "f": f}


def test_causes_by_count_and_breakdowns(week, causes, reason, other_reason, luis, agent, team):
    report = selectors.study_report(date_from=DAY, date_to=END)

    assert (report.repeats, report.studied, report.unanswered) == (4, 3, 1)
    assert report.studied_pct == pytest.approx(75.0)
    pnk, wrong = causes["promise_not_kept"].pk, causes["wrong_answer"].pk
    assert [(c.cause_id, c.count) for c in report.causes] == [
        (pnk, 2),
        (wrong, 1),
        (causes["policy"].pk, 0),
        (causes["system_failure"].pk, 0),
        (causes["needed_more"].pk, 0),
        (causes["other"].pk, 0),
    ]
    assert report.causes[0].share_pct == pytest.approx(200 / 3)
    assert report.causes[0].label == "Promise not kept"

    by_reason = [(r.key, r.repeats, r.studied, r.by_cause) for r in report.reasons]
    assert by_reason == [
        (str(reason.pk), 2, 2, {pnk: 1, wrong: 1}),
        (str(other_reason.pk), 2, 1, {pnk: 1}),
    ]
    assert report.reasons[1].studied_pct == pytest.approx(50.0)
    assert [(r.key, r.label, r.by_cause) for r in report.teams] == [
        ("none", "No team", {wrong: 1, pnk: 1}),
        (str(team.pk), "Pedidos", {pnk: 1}),
    ]
    assert [(r.label, r.studied, r.top_cause) for r in report.agents] == [
        ("Luis Mora", 1, pnk),  # replied to A's first contact
        ("Nobody answered", 1, wrong),  # B: no reply, no assignee
        ("agent", 1, pnk),  # C: the first case's assignee
    ]


def test_filters_and_other_periods(week, causes, reason, other_reason):
    narrowed = selectors.study_report(
        date_from=DAY, date_to=END, filters=StudyFilters(reason_id=other_reason.pk)
    )
    assert (narrowed.repeats, narrowed.studied) == (2, 1)
    no_team = selectors.study_report(date_from=DAY, date_to=END, filters=StudyFilters(team="none"))
    assert (no_team.repeats, no_team.studied) == (None, 2)  # repeats are not known per team
    earlier = selectors.study_report(
        date_from=DAY - dt.timedelta(10), date_to=DAY - dt.timedelta(1)
    )
    assert (earlier.repeats, earlier.studied) == (1, 1)
    assert earlier.causes[0].cause_id == causes["policy"].pk
    empty = selectors.study_report(date_from=END + dt.timedelta(1), date_to=END + dt.timedelta(9))
    assert (empty.repeats, empty.studied, empty.studied_pct) == (0, 0, None)
    assert all(c.count == 0 for c in empty.causes) and not empty.reasons


def test_drill_down_pages(week, causes):
    page = selectors.study_page(
        date_from=DAY, date_to=END, cause_id=causes["promise_not_kept"].pk, size=1
    )
    assert [s.contact_id for s in page.items] == [week["c"][1].pk]  # newest repeat first
    assert page.next_cursor
    rest = selectors.study_page(
        date_from=DAY, date_to=END, cause_id=causes["promise_not_kept"].pk, size=1,
        before=page.next_cursor,
    )  # fmt: skip
    assert [s.contact_id for s in rest.items] == [week["a"][1].pk] and rest.next_cursor is None
    every = selectors.study_page(date_from=DAY, date_to=END)
    assert {s.contact_id for s in every.items} == {week[k][1].pk for k in "abc"}  # not F


def test_week_studies_for_the_review(week, causes):
    result = selectors.week_studies(date_from=DAY, date_to=END)
    assert (result.repeats, result.studied) == (4, 3)
    assert result.studied_pct == pytest.approx(75.0)
    assert [(c.cause_id, c.count) for c in result.causes] == [
        (causes["promise_not_kept"].pk, 2),
        (causes["wrong_answer"].pk, 1),
    ]
    # One note per cause first (top cause first, newest first), then the rest.
    assert [n.note for n in result.notes] == [
        "Nobody called back.",
        "Wrong tracking link.",
        "Promised 48 h.",
    ]
    assert result.notes[0].cause == "Promise not kept"
    assert result.notes[0].case_id == week["c"][1].case_id
    assert result.notes[2].agent == "Luis Mora"


def test_open_studies_of_an_agent(week, pair, reason, luis, agent, causes):
    old = pair("old@x.test", reason, d(-40), d(-39))
    assign(old[1].case, luis)
    page = selectors.open_studies(user=luis, today=END)
    assert [c.pk for c in page.items] == [week["d"][1].pk]  # D; not the answered A, not old
    assert selectors.open_studies(user=agent, today=END).items == []
    study_answer(contact=week["d"][1], cause=causes["needed_more"], actor=agent)
    assert selectors.open_studies(user=luis, today=END).items == []


def test_study_items_of_a_case(week, luis):
    first, second = week["a"]
    contacts = list(Contact.objects.filter(case=second.case).select_related("repeat_of"))
    [item] = selectors.study_items(contacts=contacts)
    assert item.first.pk == first.pk and item.study.cause.slug == "promise_not_kept"
    assert item.answer.author == luis and item.answer_text == "Ya está resuelto."
    assert not item.same_case and not item.studied_other_contact
    assert "pregunta" in item.first_text and "pregunta" in item.repeat_text
    first_case = list(Contact.objects.filter(case=first.case))
    assert selectors.study_items(contacts=first_case) == []  # the first is no repeat


def test_report_queries_do_not_grow_with_studies(week, pair, reason, causes, agent):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.study_report(date_from=DAY, date_to=END)
            selectors.week_studies(date_from=DAY, date_to=END)
        return len(ctx.captured_queries)

    before = queries()
    for n in range(6):
        _first, second = pair(f"more{n}@x.test", reason, d(n % 3), d(n % 3 + 2))
        study_answer(contact=second, cause=causes["needed_more"], note=f"n{n}", actor=agent)
    assert queries() == before <= 12


def test_case_panel_queries_do_not_grow_with_repeats(ingest, reason, agent, causes):
    from motivo.cases.models import Case
    from motivo.cases.services import case_customer_message
    from motivo.studies.templatetags.studies_tags import panel_items

    from .conftest import reply_at

    result = ingest(email="many@x.test", reason=reason, received_at=d(0))
    case = Case.objects.get(pk=result.case_id)

    def panel_queries() -> tuple[int, int]:
        contacts = list(Contact.objects.filter(case=case).select_related("repeat_of", "reason"))
        with CaptureQueriesContext(connection) as ctx:
            items = panel_items(contacts)
            for item in items:
                str(item.form["cause"])  # the radio buttons: no query per form
        return len(items), len(ctx.captured_queries)

    assert panel_queries() == (0, 0)  # no repeat: nothing read
    for n in range(1, 3):
        case_customer_message(case=case, channel="email", body=f"Again {n}", received_at=d(n))
        reply_at(case, agent, d(n, 12), body=f"Answer {n}")
    two = panel_queries()
    for n in range(3, 6):
        case_customer_message(case=case, channel="chat", body=f"Again {n}", received_at=d(n))
    study_answer(contact=Contact.objects.get(message__body="Again 4"), cause=causes["policy"],
                 actor=agent)  # fmt: skip
    five = panel_queries()
    assert two == (2, 4) and five == (5, 4)  # studies, texts, replies, causes
    contacts = list(Contact.objects.filter(case=case).select_related("repeat_of"))
    items = {item.repeat_text: item for item in panel_items(contacts)}
    assert items["Again 2"].answer_text == "Answer 1"  # the reply before it, not after
    assert items["Again 3"].answer_text == "Answer 2"
    assert items["Again 5"].answer is None  # nobody replied to "Again 4" before it
    assert items["Again 4"].study.cause.slug == "policy"
