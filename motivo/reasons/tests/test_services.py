"""Services of the value–irritant matrix: quadrant rules, flags, ratings, owner person, and
one typed event per change (none when nothing changed)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from motivo.accounts.models import Role
from motivo.accounts.services import user_create
from motivo.core.errors import DomainError
from motivo.reasons import services
from motivo.reasons.history import describe
from motivo.reasons.models import Action, Department, Reason, ReasonCategory, ReasonEvent
from motivo.reasons.models import quadrant_for as q

pytestmark = pytest.mark.django_db

E, S, SI, L = Action.ELIMINATE, Action.SELF_SERVE, Action.SIMPLIFY, Action.LEVERAGE


# --- quadrant rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "customer,company,expected",
    [
        # irritating to both → eliminate, at every strength and at the boundary (−1, −1)
        (-2, -2, E), (-2, -1, E), (-1, -2, E), (-1, -1, E),
        # valuable to the customer, irritating/costly to the company → self-serve
        (1, -1, S), (2, -2, S), (1, -2, S), (2, -1, S),
        # needed by the company, irritating to the customer → simplify
        (-1, 1, SI), (-2, 2, SI), (-1, 2, SI), (-2, 1, SI),
        # valuable to both → leverage, boundary (1, 1) included
        (1, 1, L), (2, 2, L), (1, 2, L), (2, 1, L),
    ],
)  # fmt: skip
def test_quadrant_of_every_rating(customer, company, expected):
    assert q(customer, company) == expected


@pytest.mark.parametrize("customer,company", [(None, None), (None, 1), (-1, None)])
def test_no_quadrant_until_both_sides_are_rated(customer, company):
    assert q(customer, company) is None


def ratings(reason: Reason) -> tuple:
    reason.refresh_from_db()
    return reason.customer_rating, reason.company_rating


def events(reason: Reason, kind: str | None = None) -> list[ReasonEvent]:
    qs = ReasonEvent.objects.filter(reason=reason).order_by("pk")
    return list(qs.filter(kind=kind) if kind else qs)


# --- rating ------------------------------------------------------------------------------


def test_rating_sets_the_quadrant_and_writes_one_event(reason, supervisor):
    assert reason.quadrant is None and not reason.flagged

    rated = services.reason_rate(
        reason=reason, customer_rating=-2, company_rating=-1, actor=supervisor
    )

    assert ratings(reason) == (-2, -1)
    assert rated.quadrant == Action.ELIMINATE and not rated.flagged  # action is eliminate
    (event,) = events(reason)
    assert (event.kind, event.actor) == ("rated", supervisor)
    assert event.data == {
        "from": {"customer": None, "company": None, "quadrant": None},
        "to": {"customer": -2, "company": -1, "quadrant": "eliminate"},
        "action": "eliminate",
    }


def test_the_same_rating_again_writes_no_event(reason, supervisor):
    services.reason_rate(reason=reason, customer_rating=1, company_rating=2, actor=supervisor)
    services.reason_rate(reason=reason, customer_rating=1, company_rating=2, actor=supervisor)
    assert len(events(reason, "rated")) == 1


def test_each_change_of_rating_is_an_event_and_clearing_is_one_too(reason, supervisor):
    services.reason_rate(reason=reason, customer_rating=1, company_rating=2, actor=supervisor)
    services.reason_rate(reason=reason, customer_rating=1, company_rating=-2, actor=supervisor)
    services.reason_rate(reason=reason, customer_rating=None, company_rating=None, actor=None)

    assert ratings(reason) == (None, None)
    moves = [(e.data["from"]["quadrant"], e.data["to"]["quadrant"]) for e in events(reason)]
    assert moves == [(None, "leverage"), ("leverage", "self_serve"), ("self_serve", None)]


@pytest.mark.parametrize(
    "customer,company,field",
    [(0, 1, "customer_rating"), (1, 3, "company_rating"), (-3, -1, "customer_rating"),
     (None, 1, "customer_rating"), (2, None, "company_rating")],
)  # fmt: skip
def test_bad_ratings_are_refused_and_change_nothing(reason, supervisor, customer, company, field):
    with pytest.raises(DomainError) as caught:
        services.reason_rate(
            reason=reason, customer_rating=customer, company_rating=company, actor=supervisor
        )
    assert caught.value.field == field
    assert ratings(reason) == (None, None) and events(reason) == []


def test_the_database_refuses_a_rating_off_the_scale_or_on_one_side_only(reason):
    for values in ({"customer_rating": 0, "company_rating": 1}, {"customer_rating": 1}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Reason.objects.filter(pk=reason.pk).update(**values)


# --- flag --------------------------------------------------------------------------------


def test_flagged_when_the_action_disagrees_with_the_quadrant(reason, supervisor):
    services.reason_rate(reason=reason, customer_rating=2, company_rating=-1, actor=supervisor)
    reason.refresh_from_db()
    assert reason.quadrant == Action.SELF_SERVE and reason.action == Action.ELIMINATE
    assert reason.flagged

    save(reason, supervisor, action=Action.SELF_SERVE)
    reason.refresh_from_db()
    assert not reason.flagged
    (change,) = events(reason, "action_changed")
    assert change.data == {"from": "eliminate", "to": "self_serve", "quadrant": "self_serve"}


def test_an_unrated_reason_is_never_flagged(reason):
    for action in Action.values:
        reason.action = action
        assert not reason.flagged


# --- reason_save: owner person and events --------------------------------------------------


def save(reason: Reason, actor, **changes) -> Reason:
    data = {
        "category": reason.category,
        "name": reason.name,
        "owner": reason.owner,
        "action": reason.action,
        "description": reason.description,
        "active": reason.active,
    }
    return services.reason_save(reason=reason, actor=actor, **{**data, **changes})


def test_creating_a_reason_is_an_event(department, supervisor, agent):
    category = ReasonCategory.objects.create(name="Pagos")
    reason = services.reason_save(
        category=category,
        name="Me han cobrado dos veces",
        owner=department,
        owner_person=agent,
        action=Action.ELIMINATE,
        actor=supervisor,
    )
    (event,) = events(reason)
    assert event.kind == "created" and event.actor == supervisor
    assert event.data["owner_person"] == {"id": agent.pk, "name": agent.display_name}
    assert event.data["category"] == {"id": category.pk, "name": "Pagos"}


def test_saving_without_changes_writes_no_event(reason, supervisor):
    save(reason, supervisor)
    save(reason, supervisor, description="  ")  # blank either way
    assert events(reason) == []


def test_a_new_description_or_new_phrases_are_one_described_event(reason, supervisor):
    """Both are what reason suggestions learn a reason from: the history shows them."""
    save(reason, supervisor, description="Cuando el pedido no llega.")
    save(reason, supervisor, examples=["mi paquete no llega", "where is my parcel"])
    save(reason, supervisor, examples=["  where is my parcel ", "mi paquete no llega"])  # same

    described, phrases, reordered = events(reason)
    assert described.kind == phrases.kind == reordered.kind == "described"
    assert described.data["description"] == {"from": "", "to": "Cuando el pedido no llega."}
    assert phrases.data["examples"] == {
        "from": [],
        "to": ["mi paquete no llega", "where is my parcel"],
    }
    assert reordered.data["examples"]["to"] == ["where is my parcel", "mi paquete no llega"]
    assert "where is my parcel" in describe(phrases)
    reason.refresh_from_db()
    assert reason.examples == ["where is my parcel", "mi paquete no llega"]


def test_phrases_are_kept_when_not_given(reason, supervisor):
    save(reason, supervisor, examples=["mi paquete no llega"])
    save(reason, supervisor, name="¿Dónde está mi paquete?")  # examples left out: kept
    reason.refresh_from_db()
    assert reason.examples == ["mi paquete no llega"]


def test_phrases_are_cleaned_and_limited(reason, supervisor):
    assert services.examples_clean(["  a  b ", "", "A B", "c"]) == ["a b", "c"]
    with pytest.raises(DomainError) as too_long:
        save(reason, supervisor, examples=["x" * (services.MAX_EXAMPLE_LENGTH + 1)])
    assert too_long.value.field == "examples"
    with pytest.raises(DomainError):
        save(reason, supervisor, examples=[f"frase {n}" for n in range(services.MAX_EXAMPLES + 1)])
    reason.refresh_from_db()
    assert reason.examples == []


def test_each_change_writes_its_own_event(reason, supervisor, agent):
    other_category = ReasonCategory.objects.create(name="Pedido")
    finance = Department.objects.create(name="Finanzas")
    logistics_id = reason.owner_id

    save(reason, supervisor, name="¿Dónde está mi paquete?")
    save(reason, supervisor, category=other_category)
    save(reason, supervisor, owner=finance, owner_person=agent)
    save(reason, supervisor, action=Action.SIMPLIFY)
    save(reason, supervisor, active=False)

    kinds = [event.kind for event in events(reason)]
    assert kinds == ["renamed", "moved", "owner_changed", "action_changed", "active_changed"]
    renamed, moved, owner, _action, active = events(reason)
    assert renamed.data == {"from": "¿Dónde está mi pedido?", "to": "¿Dónde está mi paquete?"}
    assert moved.data["from"]["name"] == "Envíos" and moved.data["to"]["name"] == "Pedido"
    assert owner.data == {
        "owner": {"from": {"id": logistics_id, "name": "Logística"},
                  "to": {"id": finance.pk, "name": "Finanzas"}},
        "owner_person": {"from": None, "to": {"id": agent.pk, "name": agent.display_name}},
    }  # fmt: skip
    assert active.data == {"active": False}
    assert all(event.actor == supervisor for event in events(reason))


def test_several_changes_in_one_save_write_one_event_each(reason, supervisor):
    save(reason, supervisor, name="Otro nombre", action=Action.LEVERAGE)
    assert sorted(e.kind for e in events(reason)) == ["action_changed", "renamed"]


def test_owner_person_is_kept_when_not_given_and_cleared_with_none(reason, supervisor, agent):
    save(reason, supervisor, owner_person=agent)
    save(reason, supervisor, action=Action.LEVERAGE)  # owner_person left out: kept
    reason.refresh_from_db()
    assert reason.owner_person == agent
    save(reason, supervisor, owner_person=None)
    reason.refresh_from_db()
    assert reason.owner_person is None
    assert [e.kind for e in events(reason, "owner_changed")] == ["owner_changed"] * 2


def test_owner_person_must_be_active_staff(reason, supervisor, customer_user):
    customer, _ = customer_user
    gone = user_create(username="gone", role=Role.AGENT)
    gone.is_active = False
    gone.save()
    for person in (customer, gone):
        with pytest.raises(DomainError) as caught:
            save(reason, supervisor, owner_person=person)
        assert caught.value.field == "owner_person"
    reason.refresh_from_db()
    assert reason.owner_person is None and events(reason) == []


def test_an_owner_who_left_does_not_block_other_changes(reason, supervisor, agent):
    save(reason, supervisor, owner_person=agent)
    agent.is_active = False
    agent.save()
    save(reason, supervisor, owner_person=agent, action=Action.SIMPLIFY)
    reason.refresh_from_db()
    assert reason.owner_person == agent and reason.action == Action.SIMPLIFY


def test_set_active_writes_an_event_only_on_change(reason, supervisor):
    services.reason_set_active(reason=reason, active=True, actor=supervisor)
    assert events(reason) == []
    services.reason_set_active(reason=reason, active=False, actor=supervisor)
    services.reason_set_active(reason=reason, active=False, actor=supervisor)
    assert [(e.kind, e.data) for e in events(reason)] == [("active_changed", {"active": False})]


def test_a_refused_save_writes_no_event(reason, other_reason, supervisor):
    with pytest.raises(DomainError):
        save(other_reason, supervisor, name=reason.name, action=Action.LEVERAGE)
    assert events(other_reason) == []


def test_imported_reasons_are_created_with_an_event(db):
    reason = services.reason_get_or_create_imported(name="Nuevo motivo")
    again = services.reason_get_or_create_imported(name="nuevo motivo")
    assert again == reason
    assert [(e.kind, e.actor) for e in events(reason)] == [("created", None)]
