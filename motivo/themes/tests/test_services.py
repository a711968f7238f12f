"""Runs, their input, their stored themes, and a manager's decisions on a theme."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from motivo.cases.models import CaseEvent, Contact
from motivo.core.errors import DomainError
from motivo.insights.models import ReasonDayCount
from motivo.reasons.models import Action, Reason, ReasonEvent
from motivo.suggest.models import Confirmation
from motivo.suggest.services import contact_reason_confirm
from motivo.themes import selectors, services
from motivo.themes.models import Theme, ThemeMember, ThemeRun
from motivo.themes.tests.data import EN, ES, ORDINARY_ES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_themes")]


@pytest.fixture
def spanish(flagged):
    """The Spanish topics as contacts no reason fits, {topic: [Contact]}, among ordinary
    contacts the model was sure about (not input, but the background of the period)."""
    flagged(ORDINARY_ES, none_of_ours=False, confidence=0.95)
    return {topic: flagged(texts) for topic, texts in ES.items()}


@pytest.fixture
def run_now(django_capture_on_commit_callbacks):
    """run_now(actor=None, **period): ask for a run; after the commit the tests' task
    backend runs it at once. Returns the finished run."""

    def run(actor=None, **period) -> ThemeRun:
        with django_capture_on_commit_callbacks(execute=True):
            queued = services.theme_run_request(actor=actor, **period)
        queued.refresh_from_db()
        return queued

    return run


def theme_of(run: ThemeRun, contacts: list[Contact]) -> Theme:
    """The theme holding most of these contacts."""
    ids = [c.pk for c in contacts]
    counts = {
        theme: ThemeMember.objects.filter(theme=theme, contact_id__in=ids).count()
        for theme in run.themes.all()
    }
    return max(counts, key=counts.get)


def signature(run: ThemeRun) -> list[tuple]:
    return [
        (
            theme.rank,
            theme.label,
            tuple(theme.terms),
            theme.size,
            tuple(theme.members.order_by("position").values_list("contact_id", "is_example")),
        )
        for theme in run.themes.order_by("rank")
    ]


def test_a_run_stores_the_themes_by_size_with_terms_and_examples(spanish, supervisor, run_now):
    run = run_now(actor=supervisor)

    assert run.status == ThemeRun.Status.DONE and run.requested_by == supervisor
    assert run.contacts == sum(len(c) for c in spanish.values())
    assert run.seconds is not None and run.finished_at is not None
    assert run.params["min_size"] == 3 and run.params["distance"] == 0.8
    themes = list(run.themes.order_by("rank"))
    assert [t.rank for t in themes] == [1, 2, 3]
    assert [t.size for t in themes] == sorted((t.size for t in themes), reverse=True)
    assert run.noise == run.contacts - sum(t.size for t in themes)
    assert run.noise >= len(ES["ruido"])
    app = theme_of(run, spanish["app"])
    assert {"app", "aplicación"} & set(app.terms)
    assert app.label == ", ".join(app.terms[:3])
    members = list(app.members.order_by("position"))
    assert len(members) == app.size
    assert {m.contact_id for m in members} <= {c.pk for c in spanish["app"]}
    assert [m.is_example for m in members] == [True] * 5 + [False] * (app.size - 5)
    assert [m.centrality for m in members] == sorted((m.centrality for m in members), reverse=True)


def test_rerunning_on_the_same_data_gives_the_same_themes(spanish, run_now):
    first = run_now()
    second = run_now()

    assert second.pk != first.pk
    assert signature(second) == signature(first)
    assert len(signature(first)) == 3


def test_input_is_the_period_weak_or_none_and_not_decided(flagged, agent, reason):
    inside = flagged(EN["points"])
    flagged(EN["invoice"], days_ago=60)  # before the period
    flagged(["Where is my parcel? It has not arrived"] * 3, none_of_ours=False, confidence=0.97)
    weak = flagged(EN["noise"][:2], none_of_ours=False, confidence=0.3, days_ago=2)
    confirmed = inside[0]
    contact_reason_confirm(contact=confirmed, actor=agent, reason=reason)
    agent_none = inside[1]
    contact_reason_confirm(contact=agent_none, actor=agent, none_of_ours=True)

    today = timezone.localdate()
    found = selectors.discovery_input(
        date_from=today - dt.timedelta(days=29), date_to=today, max_confidence=0.5, limit=100
    )

    expected = [c.pk for c in weak] + [c.pk for c in inside[1:]]
    assert found.contact_ids == expected  # oldest first
    assert found.left_out == 1  # an agent gave it one of our reasons
    assert found.vectors.shape == (len(expected), 384)
    assert found.texts[2].endswith(EN["points"][1])


def test_to_reason_creates_it_and_classifies_the_examples(spanish, supervisor, reason, run_now):
    run = run_now()
    theme = theme_of(run, spanish["aduanas"])
    examples = list(theme.members.filter(is_example=True).values_list("contact_id", flat=True))
    others = list(theme.members.filter(is_example=False).values_list("contact_id", flat=True))

    theme = services.theme_to_reason(
        theme=theme,
        actor=supervisor,
        name="Me piden pagar aduanas en Canarias",
        category=reason.category,
        owner=reason.owner,
        action=Action.SIMPLIFY,
        description="Envíos a Canarias: el DUA y las tasas de aduana.",
    )

    created = theme.reason
    assert created.name == "Me piden pagar aduanas en Canarias"
    assert (created.category, created.owner, created.action) == (
        reason.category, reason.owner, Action.SIMPLIFY,
    )  # fmt: skip
    assert ReasonEvent.objects.filter(reason=created, kind="created", actor=supervisor).exists()
    assert theme.status == Theme.Status.REASON_CREATED
    assert theme.acted_by == supervisor and theme.acted_at is not None
    assert theme.contacts_classified == len(examples) == 5
    assert set(Contact.objects.filter(reason=created).values_list("pk", flat=True)) == set(examples)
    assert not Contact.objects.filter(pk__in=others, reason__isnull=False).exists()
    # The examples are confirmed by the manager: the reason's first training data.
    confirmations = Confirmation.objects.filter(contact_id__in=examples)
    assert confirmations.count() == 5
    assert {(c.reason_id, c.actor_id, c.none_of_ours) for c in confirmations} == {
        (created.pk, supervisor.pk, False)
    }
    # The roll-ups and the cases' timelines follow (contact_set_reason).
    assert sum(ReasonDayCount.objects.filter(reason=created).values_list("count", flat=True)) == 5
    assert CaseEvent.objects.filter(kind="reason_set", actor=supervisor).count() == 5


def test_to_reason_for_all_contacts_keeps_a_persons_choice(
    spanish, supervisor, agent, reason, run_now
):
    run = run_now()
    theme = theme_of(run, spanish["puntos"])
    ids = list(theme.members.values_list("contact_id", flat=True))
    chosen = Contact.objects.get(pk=ids[0])
    contact_reason_confirm(contact=chosen, actor=agent, reason=reason)

    theme = services.theme_to_reason(
        theme=theme,
        actor=supervisor,
        name="Mis puntos del Club Sol no aparecen",
        category=reason.category,
        owner=None,
        action=Action.ELIMINATE,
        apply_to="all",
    )

    assert theme.contacts_classified == len(ids) - 1
    chosen.refresh_from_db()
    assert chosen.reason == reason
    assert Contact.objects.filter(pk__in=ids, reason=theme.reason).count() == len(ids) - 1


def test_merge_gives_all_contacts_the_reason(spanish, supervisor, other_reason, run_now):
    run = run_now()
    theme = theme_of(run, spanish["app"])
    ids = set(theme.members.values_list("contact_id", flat=True))

    theme = services.theme_merge(theme=theme, actor=supervisor, reason=other_reason)

    assert theme.status == Theme.Status.MERGED and theme.reason == other_reason
    assert theme.contacts_classified == len(ids)
    assert set(Contact.objects.filter(reason=other_reason).values_list("pk", flat=True)) == ids
    assert Confirmation.objects.filter(contact_id__in=ids, actor=supervisor).count() == len(ids)


def test_a_decided_theme_is_final_and_leaves_later_runs(
    spanish, supervisor, reason, other_reason, run_now
):
    run = run_now()
    merged = theme_of(run, spanish["app"])
    services.theme_merge(theme=merged, actor=supervisor, reason=other_reason)
    dismissed = theme_of(run, spanish["aduanas"])
    services.theme_dismiss(theme=dismissed, actor=supervisor)

    with pytest.raises(DomainError) as refused:
        services.theme_merge(theme=merged, actor=supervisor, reason=reason)
    assert refused.value.code == "conflict"
    with pytest.raises(DomainError):
        services.theme_to_reason(
            theme=dismissed, actor=supervisor, name="X", category=reason.category, owner=None,
            action=Action.ELIMINATE,
        )  # fmt: skip
    assert not Reason.objects.filter(name="X").exists()  # rolled back with the refusal
    dismissed.refresh_from_db()
    assert dismissed.status == Theme.Status.DISMISSED and dismissed.reason is None

    later = run_now()
    assert later.themes.count() == 1  # only the points are left
    left = {c for t in later.themes.all() for c in t.members.values_list("contact_id", flat=True)}
    assert left <= {c.pk for c in spanish["puntos"]}


def test_merge_into_a_retired_reason_is_refused(spanish, supervisor, other_reason, run_now):
    theme = theme_of(run_now(), spanish["app"])
    Reason.objects.filter(pk=other_reason.pk).update(active=False)
    other_reason.refresh_from_db()
    with pytest.raises(DomainError, match="no longer in use"):
        services.theme_merge(theme=theme, actor=supervisor, reason=other_reason)
    theme.refresh_from_db()
    assert theme.is_open


def test_period_is_checked():
    today = timezone.localdate()
    with pytest.raises(DomainError) as after:
        services.theme_run_request(
            actor=None, date_from=today, date_to=today - dt.timedelta(days=1)
        )
    assert after.value.field == "date_from"
    with pytest.raises(DomainError):
        services.theme_run_request(actor=None, date_from=today + dt.timedelta(days=1))
    with pytest.raises(DomainError):
        services.theme_run_request(
            actor=None, date_from=today - dt.timedelta(days=400), date_to=today
        )
    assert not ThemeRun.objects.exists()


def test_a_failing_run_is_recorded(spanish, monkeypatch, run_now):
    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(services.clustering, "discover", broken)
    run = run_now()
    assert run.status == ThemeRun.Status.FAILED
    assert "out of memory" in run.error
    assert not Theme.objects.exists()


def test_no_contacts_gives_a_run_without_themes(db, run_now):
    run = run_now()
    assert run.status == ThemeRun.Status.DONE
    assert (run.contacts, run.noise, run.themes.count()) == (0, 0, 0)


def test_daily_run_once_a_day_and_the_command(spanish):
    first = services.themes_daily()
    assert first.trigger == ThemeRun.Trigger.DAILY and first.status == ThemeRun.Status.DONE
    assert first.date_to == timezone.localdate()
    assert (first.date_to - first.date_from).days == 29
    assert services.themes_daily() is None
    out = StringIO()
    call_command("themes_discover", stdout=out)
    assert "exists already" in out.getvalue()

    since = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    call_command("themes_discover", "--from", since, stdout=out)
    assert "3 themes" in out.getvalue()
    assert ThemeRun.objects.filter(status="done").count() == 2
