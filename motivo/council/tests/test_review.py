"""The weekly review: exact figures of a hand-made week, week keys and boundaries, who may see
it, the mail to the participants (one each, in their language, once) and a query count that
does not grow with the contacts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.council import review
from motivo.council.models import Improvement, Metric, WeeklyReviewSent
from motivo.council.services import target_set, weekly_review_send
from motivo.mail.models import OutboundEmail
from motivo.reasons.models import Action, Reason

from .conftest import week

pytestmark = pytest.mark.django_db

WEEK = review.Week(week(9))  # Monday 2026-05-04 .. Sunday 2026-05-10 = 2026-W19
URL = "/council/review/2026-W19/"


@pytest.fixture
def data(weekly, put, reason, other_reason, third_reason, owner, supervisor):
    """reason A: 10 a week for weeks 0..7, then 15, 15 (target −20 %: off track).
    other_reason B (owned by Ana): 10 a week, then 4, 3 (target −20 %: on track).
    third_reason C: 7 in week 9 only (new). Z02..Z09: 2 each in week 9, i in week 8; Z01 is
    the 11th reason of the week, left out of the top ten."""
    weekly(reason, week(0), [10] * 8 + [15, 15])
    weekly(other_reason, week(0), [10] * 8 + [4, 3])
    put(third_reason, week(9), 7)
    extras = {}
    for i in range(1, 9):
        extra = Reason.objects.create(
            category=reason.category, name=f"Z{i:02d}", action=Action.SIMPLIFY
        )
        put(extra, week(8) + dt.timedelta(days=1), i)
        put(extra, week(9) + dt.timedelta(days=6), 2)  # Sunday: still week 9
        extras[i] = extra
    put(extras[1], week(10), 50)  # the Monday after: not in the week
    other_reason.owner_person = owner
    other_reason.save()
    targets = {
        key: target_set(
            reasons=[r],
            metric=Metric.CONTACTS,
            change_pct=Decimal(-20),
            due_on=week(24),
            actor=supervisor,
            set_on=week(8),
        )
        for key, r in (("a", reason), ("b", other_reason))
    }

    def improvement(title: str, status: str, due_on=None, done_on=None, reasons=()):
        item = Improvement.objects.create(
            title=title, status=status, due_on=due_on, done_on=done_on, owner=owner
        )
        item.reasons.set(reasons)
        return item

    S = Improvement.Status
    improvements = {
        "horizon": improvement("At horizon", S.IN_PROGRESS, due_on=WEEK.end + dt.timedelta(14)),
        "overdue": improvement("Overdue", S.PLANNED, due_on=WEEK.start - dt.timedelta(3)),
        "later": improvement("Later", S.PROPOSED, due_on=WEEK.end + dt.timedelta(15)),
        "dropped": improvement("Dropped", S.DROPPED, due_on=WEEK.start),
        "undated": improvement("Undated", S.PROPOSED),
        "done_now": improvement(
            "Done now", S.DONE, due_on=WEEK.start, done_on=WEEK.start + dt.timedelta(2)
        ),
        "measured": improvement(
            "Measured", S.DONE, done_on=WEEK.end - dt.timedelta(28), reasons=[other_reason]
        ),
        "old": improvement("Old", S.DONE, done_on=WEEK.end - dt.timedelta(40)),
    }
    return {"targets": targets, "improvements": improvements, "extras": extras}


# ---------------------------------------------------------------------------------- weeks


def test_week_keys_parse_and_print():
    assert review.week_parse("2026-W19") == WEEK
    assert WEEK.key == "2026-W19" and WEEK.end == dt.date(2026, 5, 10)
    assert review.week_parse("2020-W53").start == dt.date(2020, 12, 28)
    assert review.week_parse("2026-W01").start == dt.date(2025, 12, 29)  # ISO: year of Thursday
    assert review.week_parse("2026-W01").key == "2026-W01"
    for bad in ("2021-W53", "2026-W00", "2026-W1", "2026-19", "W19", "", "2026-W19x"):
        with pytest.raises(ValueError):
            review.week_parse(bad)


def test_latest_full_week_and_boundaries():
    monday, sunday = dt.date(2026, 5, 11), dt.date(2026, 5, 10)
    assert review.latest_full_week(monday) == WEEK  # the week ended on Sunday
    assert review.latest_full_week(sunday) == WEEK.previous  # Sunday: this week not over
    assert WEEK.previous.key == "2026-W18" and WEEK.next.key == "2026-W20"
    assert WEEK.as_of == monday
    assert review.week_for_page(None, today=monday) == WEEK
    assert review.week_for_page("2026-W18", today=monday) == WEEK.previous
    with pytest.raises(Http404):
        review.week_for_page("2026-W20", today=monday)  # not over yet
    with pytest.raises(Http404):
        review.week_for_page("nonsense", today=monday)


# ---------------------------------------------------------------------------------- figures


def test_top_ten_with_previous_week_and_change(data, reason, other_reason, third_reason):
    result = review.weekly_review(week=WEEK)
    extras = data["extras"]
    got = [(row.reason_id, row.count, row.previous, row.change) for row in result.top]
    expected = [(reason.pk, 15, 15, 0), (third_reason.pk, 7, 0, 7), (other_reason.pk, 3, 4, -1)]
    expected += [(extras[i].pk, 2, i, 2 - i) for i in range(8, 1, -1)]
    assert got == expected
    assert [row.rank for row in result.top] == list(range(1, 11))
    assert extras[1].pk not in [row.reason_id for row in result.top]  # the 11th
    assert result.top[1].change_pct is None  # new this week
    assert result.top[2].change_pct == pytest.approx(-25.0)
    assert result.total == 15 + 7 + 3 + 8 * 2
    assert result.previous_total == 15 + 4 + sum(range(1, 9))
    assert result.top[0].link == (
        f"/insights/contacts/?date_from=2026-05-04&date_to=2026-05-10&reason={reason.pk}"
    )
    assert "date_from=2026-04-27&date_to=2026-05-03" in result.top[0].previous_link


def test_movers_targets_improvements_recognition(data, reason, other_reason, owner):
    result = review.weekly_review(week=WEEK)
    # Movers: weeks 6..9 against 2..5.
    assert [(m.reason_id, m.recent, m.before) for m in result.rises] == [(reason.pk, 50, 40)]
    assert [(m.reason_id, m.recent, m.before) for m in result.falls] == [(other_reason.pk, 27, 40)]
    # Targets as of Monday 2026-05-11: A is at 11.25 a week (weeks 2..9), above its line.
    assert [item.target.pk for item in result.off_track] == [data["targets"]["a"].pk]
    assert result.off_track[0].current.value == Decimal("11.25")
    assert result.targets_checked == 2
    # Improvements due: open, due by Sunday + 14 days, or overdue.
    imp = data["improvements"]
    assert [(d.improvement.pk, d.overdue) for d in result.due] == [
        (imp["overdue"].pk, True),
        (imp["horizon"].pk, False),
    ]
    # Done: during the week (measuring) or whose 28 days after ended in it (measured).
    done = {item.improvement.pk: item.effect for item in result.done}
    assert set(done) == {imp["done_now"].pk, imp["measured"].pk}
    assert done[imp["done_now"].pk].ready is False
    effect = done[imp["measured"].pk]
    assert effect.ready and (effect.before_contacts, effect.after_contacts) == (40, 27)
    assert effect.change_pct == Decimal("-32.5")
    # Recognition as of the end of the week: B avoided 2 × 10 − 7 = 13, credited to Ana.
    assert [(row.key, row.avoided_rounded) for row in result.recognition] == [
        (f"user:{owner.pk}", 13)
    ]


def test_targets_set_after_the_week_are_left_out(data, third_reason, supervisor):
    target_set(
        reasons=[third_reason],
        metric=Metric.CONTACTS,
        change_pct=Decimal(-50),
        due_on=week(30),
        actor=supervisor,
        set_on=week(11),
    )
    assert review.weekly_review(week=WEEK).targets_checked == 2


def test_query_count_does_not_grow_with_contacts(data, put, reason, other_reason):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            review.weekly_review(week=WEEK)
        return len(ctx.captured_queries)

    before = queries()
    for offset in range(-40, 7):
        for channel in ("email", "phone", "chat"):
            put(reason, WEEK.start + dt.timedelta(days=offset), 3, channel=channel)
            put(other_reason, WEEK.start + dt.timedelta(days=offset), 2, channel=channel)
    assert queries() == before
    assert before < 40


# ---------------------------------------------------------------------------------- page


def test_page_shows_the_week(data, manager_client, reason):
    response = manager_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Weekly review 2026-W19" in html
    assert 'href="/council/review/2026-W18/"' in html
    assert 'href="/council/review/2026-W20/"' in html  # W20 has ended in real time
    assert response.context["review"].top[0].reason_id == reason.pk
    assert 'data-testid="review-off-track"' in html and "Overdue" in html
    assert (
        f"/insights/contacts/?date_from=2026-05-04&amp;date_to=2026-05-10&amp;reason={reason.pk}"
        in html
    )
    assert 'action="/council/review/2026-W19/send/"' in html
    assert 'onclick="window.print()"' in html


def test_latest_week_page_and_bad_weeks(manager_client, supervisor):
    response = manager_client.get("/council/review/")
    assert response.status_code == 200
    latest = review.latest_full_week()
    assert f"Weekly review {latest.key}" in response.content.decode()
    assert 'data-testid="next-week"' not in response.content.decode()
    assert manager_client.get(f"/council/review/{latest.next.key}/").status_code == 404
    assert manager_client.get("/council/review/2026-W99/").status_code == 404


def test_who_may_see_the_review(data, owner, agent, agent_client, customer_user):
    ana = Client()
    ana.force_login(owner)
    page = ana.get(URL)
    assert page.status_code == 200
    assert 'action="/council/review/2026-W19/send/"' not in page.content.decode()
    assert ana.post(f"{URL}send/").status_code == 403  # owners read, managers send
    assert agent_client.get(URL).status_code == 403  # staff without reasons
    customer = Client()
    customer.force_login(customer_user[0])
    assert customer.get(URL).status_code in (302, 403)
    assert Client().get(URL).status_code == 302  # to sign in


# ---------------------------------------------------------------------------------- mail


@pytest.fixture
def people(data, supervisor, admin_user, owner, agent):
    supervisor.email, supervisor.language, supervisor.first_name = "boss@x.test", "es", "Boss"
    supervisor.save()
    owner.email, owner.language = "ana@x.test", "en"
    owner.save()
    return {"boss": supervisor, "root": admin_user, "ana": owner, "agent": agent}


def test_mail_once_per_participant_in_their_language(
    people, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://motivo.example"
    with django_capture_on_commit_callbacks(execute=True):
        result = weekly_review_send(week=WEEK)
    assert sorted(result.sent) == ["ana@x.test", "boss@x.test"]
    assert result.unreachable == ["root"]  # an admin without an address
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"ana@x.test", "boss@x.test"}  # not the agent who owns nothing
    link = "https://motivo.example/council/review/2026-W19/"
    for message in sent.values():
        assert "2026-W19" in message.subject and "41" in message.subject
        assert link in message.body
        html = message.alternatives[0][0]
        assert f'href="{link}"' in html
    spanish, english = sent["boss@x.test"], sent["ana@x.test"]
    assert spanish.body.startswith("Hola, Boss:")
    assert "(04/05/2026–10/05/2026)" in spanish.body  # day/month in Spanish
    assert '<html lang="es">' in spanish.alternatives[0][0]
    assert english.body.startswith("Hello Ana Ruiz,")
    assert "(05/04/2026–05/10/2026)" in english.body
    assert "1. ¿Dónde está mi pedido?: 15" in english.body
    rows = WeeklyReviewSent.objects.order_by("to")
    assert [(r.to, r.language) for r in rows] == [("ana@x.test", "en"), ("boss@x.test", "es")]
    assert all(r.email and r.email.kind == "weekly_review" for r in rows)


def test_mail_is_idempotent_per_week_and_person(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        weekly_review_send(week=WEEK)
    with django_capture_on_commit_callbacks(execute=True):
        again = weekly_review_send(week=WEEK)
    assert again.sent == [] and sorted(again.already) == ["ana@x.test", "boss@x.test"]
    assert len(mail.outbox) == 2
    # A participant added later gets it on the next run; another week is mailed afresh.
    newcomer = user_create(username="eva", role=Role.SUPERVISOR, email="eva@x.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_review_send(week=WEEK).sent == [newcomer.email]
        assert len(weekly_review_send(week=WEEK.previous).sent) == 3
    assert OutboundEmail.objects.filter(kind="weekly_review").count() == 6


def test_send_button_and_command(
    people, manager_client, django_capture_on_commit_callbacks, capsys
):
    assert manager_client.get(f"{URL}send/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"{URL}send/")
    assert response.status_code == 302 and response["Location"] == URL
    assert len(mail.outbox) == 2
    call_command("weekly_review_send", "--week", "2026-W19")
    assert "mailed 0, already mailed 2" in capsys.readouterr().out
    assert len(mail.outbox) == 2
    with pytest.raises(Exception, match="must look like"):
        call_command("weekly_review_send", "--week", "2026-19")


def test_send_needs_csrf(people, supervisor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    assert client.post(f"{URL}send/").status_code == 403
    assert not WeeklyReviewSent.objects.exists()


def test_repeat_contacts_of_the_week(data, reason, other_reason, third_reason):
    from motivo.insights.services import reason_count_add

    add = reason_count_add
    add(reason_id=reason.pk, channel="email", day=WEEK.start, delta=4, repeats=3)
    add(reason_id=reason.pk, channel="chat", day=WEEK.end, delta=1, repeats=1)
    add(
        reason_id=other_reason.pk,
        channel="email",
        day=WEEK.start + dt.timedelta(1),
        delta=2,
        repeats=2,
    )
    add(
        reason_id=third_reason.pk,
        channel="email",
        day=WEEK.end + dt.timedelta(1),
        delta=9,
        repeats=9,
    )
    add(
        reason_id=third_reason.pk,
        channel="email",
        day=WEEK.start - dt.timedelta(1),
        delta=9,
        repeats=9,
    )
    result = review.weekly_review(week=WEEK)
    assert result.repeat_contacts == 6
    assert [(r.reason_id, r.repeats) for r in result.repeat_reasons] == [
        (reason.pk, 4),
        (other_reason.pk, 2),
    ]
    assert result.total == 15 + 7 + 3 + 8 * 2 + 5 + 2


# ---------------------------------------------------------------------------------- studies


@pytest.fixture
def studied_week(ingest, reason, other_reason, agent, owner):
    """Three repeats received in WEEK (two of them studied, one with a note) and one the
    week after (studied, not in the week)."""
    from motivo.cases.models import Contact
    from motivo.studies.models import RepeatCause
    from motivo.studies.services import study_answer

    from .conftest import local

    def repeat(email: str, r: Reason, first: dt.date, second: dt.date) -> Contact:
        ingest(email=email, reason=r, received_at=local(first))
        result = ingest(email=email, reason=r, received_at=local(second))
        return Contact.objects.get(pk=result.contact_id)

    cause = {c.slug: c for c in RepeatCause.objects.all()}
    a = repeat("a@x.test", reason, WEEK.start - dt.timedelta(2), WEEK.start)
    b = repeat("b@x.test", reason, WEEK.start, WEEK.start + dt.timedelta(3))
    repeat("c@x.test", other_reason, WEEK.start + dt.timedelta(1), WEEK.end)
    later = repeat("d@x.test", reason, WEEK.end, WEEK.end + dt.timedelta(1))
    study_answer(contact=a, cause=cause["promise_not_kept"], note="Dijimos 48 h.", actor=agent)
    study_answer(contact=b, cause=cause["promise_not_kept"], actor=agent)
    study_answer(contact=later, cause=cause["policy"], actor=agent)
    user_create(username="eva", role=Role.SUPERVISOR, email="eva@x.test", language="es")
    owner.email, owner.language = "ana@x.test", "en"
    owner.save()
    Reason.objects.filter(pk=other_reason.pk).update(owner_person=owner)
    return cause


def test_repeat_contact_studies_of_the_week(studied_week, manager_client):
    result = review.weekly_review(week=WEEK)
    studies = result.studies
    assert (studies.repeats, studies.studied) == (3, 2)
    assert studies.studied_pct == pytest.approx(200 / 3)
    assert [(c.cause_id, c.count) for c in studies.causes] == [
        (studied_week["promise_not_kept"].pk, 2)
    ]
    assert [note.note for note in studies.notes] == ["Dijimos 48 h."]
    html = manager_client.get(URL).content.decode()
    assert 'data-testid="review-studies"' in html
    assert "2 of 3 repeat contacts studied (67 %)" in html
    assert 'data-testid="review-causes"' in html and "Promise not kept" in html
    assert "“Dijimos 48 h.”" in html
    assert "/studies/?date_from=2026-05-04&amp;date_to=2026-05-10" in html


def test_studies_in_the_mail_in_each_language(studied_week, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        weekly_review_send(week=WEEK)
    sent = {m.to[0]: m for m in mail.outbox}
    spanish, english = sent["eva@x.test"], sent["ana@x.test"]
    assert "- Promesa no cumplida: 2 (100 %)" in spanish.body
    assert "“Dijimos 48 h.” — Promesa no cumplida" in spanish.body
    assert "Promesa no cumplida" in spanish.alternatives[0][0]
    assert "- Promise not kept: 2 (100 %)" in english.body
    assert "Repeats studied: 2 (67 %)" in english.body
    assert "Promise not kept" in english.alternatives[0][0]
