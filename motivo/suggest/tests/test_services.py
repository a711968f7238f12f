"""Suggestions for new contacts, confirmations, training, activation and rollback, with the
real engine on three reasons (a few dozen short texts: seconds)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from motivo.cases.models import CaseEvent, Contact
from motivo.core.errors import DomainError
from motivo.insights.models import ReasonDayCount
from motivo.reasons.services import reason_save
from motivo.suggest import engine, selectors, services
from motivo.suggest.models import (
    Confirmation,
    ContactEmbedding,
    ContactPrediction,
    ModelVersion,
    SuggesterState,
)
from motivo.suggest.tests.conftest import CHARGE_TEXT, LOGIN_TEXT, ORDER_TEXT

pytestmark = pytest.mark.django_db
Status = ModelVersion.Status


def contact_of(result) -> Contact:
    return Contact.objects.select_related("case").get(pk=result.contact_id)


def ranked(contact: Contact) -> list[tuple[int, int, float]]:
    """(rank, reason id, confidence) of the contact's suggestions, best first."""
    return ContactPrediction.objects.get(contact=contact).ranked


def test_first_contact_gets_three_suggestions_from_a_cold_start_model(reasons, ingest):
    order = contact_of(ingest(subject="Pedido 4471", body=ORDER_TEXT))
    charge = contact_of(ingest(subject="Cobro", body=CHARGE_TEXT))
    login = contact_of(ingest(subject="Login", body=LOGIN_TEXT))

    assert services.suggest_pending() == 3

    version = ModelVersion.objects.get()
    assert (version.number, version.status, version.trigger) == (1, Status.ACTIVE, "cold_start")
    assert version.n_examples == 0 and version.n_labels == 3
    assert version.metrics["decision"] == "first"
    for contact, expected in ((order, "order"), (charge, "charge"), (login, "login")):
        suggestions = ranked(contact)
        assert [rank for rank, _r, _c in suggestions] == [1, 2, 3]
        assert suggestions[0][1] == reasons[expected].pk
        confidences = [confidence for _rank, _r, confidence in suggestions]
        assert confidences == sorted(confidences, reverse=True)
        assert 0 < confidences[-1] <= confidences[0] <= 1
        prediction = ContactPrediction.objects.get(contact=contact)
        assert prediction.top_confidence == pytest.approx(confidences[0])
        assert prediction.model_version_id == version.pk
    assert ContactEmbedding.objects.count() == 3
    assert SuggesterState.objects.get().watermark == login.pk
    assert services.suggest_pending() == 0  # nothing new


def test_auto_apply_uses_the_agents_service_and_marks_the_contact(reasons, ingest):
    # The model is sure enough of this clear case for the lowest threshold allowed.
    assert services.suggest_text(text=ORDER_TEXT).top_confidence >= 0.5
    services.settings_update(auto_apply=True, auto_apply_threshold=0.5, retrain_after=50)
    order = contact_of(ingest(subject="Pedido", body=ORDER_TEXT))
    given = contact_of(ingest(subject="Cobro", body=CHARGE_TEXT, reason=reasons["login"]))

    services.suggest_pending()

    order.refresh_from_db()
    prediction = ContactPrediction.objects.get(contact=order)
    assert prediction.top_confidence >= 0.5
    assert order.reason_id == reasons["order"].pk
    assert prediction.auto_applied and prediction.auto_reason_id == reasons["order"].pk
    event = CaseEvent.objects.get(case=order.case, kind=CaseEvent.Kind.REASON_SET)
    assert event.actor is None and event.data["to"] == reasons["order"].pk
    assert ReasonDayCount.objects.filter(reason=reasons["order"]).get().count == 1
    # A contact that arrived with a reason keeps it.
    given.refresh_from_db()
    assert given.reason_id == reasons["login"].pk
    assert not ContactPrediction.objects.get(contact=given).auto_applied


def test_no_auto_apply_below_the_threshold_or_when_off(reasons, ingest):
    services.settings_update(auto_apply=True, auto_apply_threshold=1.0, retrain_after=50)
    first = contact_of(ingest(subject="Pedido", body=ORDER_TEXT))
    services.suggest_pending()
    services.settings_update(auto_apply=False, auto_apply_threshold=0.5, retrain_after=50)
    second = contact_of(ingest(subject="Pedido", body=ORDER_TEXT))
    services.suggest_pending()

    assert Contact.objects.filter(pk__in=[first.pk, second.pk], reason__isnull=False).count() == 0
    assert not ContactPrediction.objects.filter(auto_applied=True).exists()


def test_a_reason_retired_after_training_is_never_suggested(reasons, ingest):
    services.model_train_now(trigger="manual")
    reasons["order"].active = False
    reasons["order"].save()
    contact = contact_of(ingest(subject="Pedido", body=ORDER_TEXT))

    services.suggest_pending()

    suggested = {reason_id for _rank, reason_id, _c in ranked(contact)}
    assert suggested == {reasons["charge"].pk, reasons["login"].pk}


def test_confirmation_records_what_was_suggested(reasons, ingest, agent):
    contact = contact_of(ingest(subject="Cobro", body=CHARGE_TEXT))
    services.suggest_pending()
    ranks = {reason_id: rank for rank, reason_id, _c in ranked(contact)}

    kept = services.contact_reason_confirm(contact=contact, actor=agent, reason=reasons["charge"])
    assert (kept.suggested_rank, kept.kept, kept.actor) == (1, True, agent)
    assert kept.suggested_reason_id == reasons["charge"].pk
    contact.refresh_from_db()
    assert contact.reason_id == reasons["charge"].pk

    changed = services.contact_reason_confirm(contact=contact, actor=agent, reason=reasons["login"])
    assert Confirmation.objects.count() == 1  # one per contact: the latest choice
    assert changed.suggested_rank == ranks[reasons["login"].pk] and not changed.kept
    assert changed.suggested_reason_id == reasons["charge"].pk
    contact.refresh_from_db()
    assert contact.reason_id == reasons["login"].pk

    none = services.contact_reason_confirm(contact=contact, actor=agent, none_of_ours=True)
    assert none.none_of_ours and none.reason is None and none.suggested_rank is None
    contact.refresh_from_db()
    assert contact.reason_id == reasons["login"].pk  # the reason stays


def test_confirmation_needs_exactly_one_choice(reasons, ingest, agent):
    contact = contact_of(ingest())
    with pytest.raises(DomainError):
        services.contact_reason_confirm(contact=contact, actor=agent)
    with pytest.raises(DomainError):
        services.contact_reason_confirm(
            contact=contact, actor=agent, reason=reasons["order"], none_of_ours=True
        )


def test_a_contact_without_suggestions_can_be_confirmed(reasons, ingest, agent):
    contact = contact_of(ingest())
    confirmation = services.contact_reason_confirm(
        contact=contact, actor=agent, reason=reasons["order"]
    )
    assert confirmation.model_version is None and confirmation.suggested_rank is None


def test_training_data_leaves_out_unconfirmed_automatic_reasons_and_none_of_ours(
    reasons, ingest, agent
):
    version = services.model_train_now(trigger="manual")
    typed = contact_of(ingest(body="a", reason=reasons["order"]))  # reason given by a person
    auto = contact_of(ingest(body="b"))
    auto_confirmed = contact_of(ingest(body="c"))
    auto_changed = contact_of(ingest(body="d"))
    none = contact_of(ingest(body="otra cosa"))
    now = timezone.now()
    for contact in (auto, auto_confirmed, auto_changed):  # the model set these
        contact.reason = reasons["charge"]
        contact.save(update_fields=["reason"])
        ContactPrediction.objects.create(
            contact=contact,
            model_version=version,
            received_at=contact.received_at,
            top_confidence=0.95,
            auto_applied=True,
            auto_reason=reasons["charge"],
            created_at=now,
        )
    services.contact_reason_confirm(contact=auto_confirmed, actor=agent, reason=reasons["charge"])
    auto_changed.reason = reasons["login"]  # changed by someone, not through the picker
    auto_changed.save(update_fields=["reason"])
    services.contact_reason_confirm(contact=none, actor=agent, none_of_ours=True)

    data = services.training_data(reason_ids=[r.pk for r in reasons.values()])

    assert sorted(data.ids) == sorted([typed.pk, auto_confirmed.pk, auto_changed.pk])
    assert dict(zip(data.ids, data.labels, strict=True)) == {
        typed.pk: str(reasons["order"].pk),
        auto_confirmed.pk: str(reasons["charge"].pk),
        auto_changed.pk: str(reasons["login"].pk),
    }
    assert data.none_ids == [none.pk]
    assert data.none_texts[0].endswith("otra cosa")


def test_held_out_contacts_are_a_fixed_fifth():
    ids = range(1, 10_001)
    held = [pk for pk in ids if services.is_held_out(pk)]
    assert 1800 < len(held) < 2200
    assert held == [pk for pk in ids if services.is_held_out(pk)]  # same every time


def _labelled(ingest, reasons, n_per_reason: int, wrong_when=None) -> list[Contact]:
    """Contacts in each reason's words, with their reason set as a person would; when
    `wrong_when(contact_id)` says so, the reason is a wrong one."""
    texts = {
        "order": [
            "Mi pedido {n} no ha llegado",
            "¿Dónde está el paquete {n}?",
            "Parcel {n} missing",
        ],
        "charge": ["Cobro duplicado {n}", "Me cobrasteis dos veces {n}", "Charged twice {n}"],
        "login": ["No puedo entrar {n}", "Olvidé mi contraseña {n}", "Can't log in {n}"],
    }
    wrong = {"order": "charge", "charge": "login", "login": "order"}
    made = []
    for key, phrases in texts.items():
        for n in range(n_per_reason):
            contact = contact_of(ingest(subject="Consulta", body=phrases[n % 3].format(n=n)))
            label = wrong[key] if wrong_when and wrong_when(contact.pk) else key
            contact.reason = reasons[label]
            contact.save(update_fields=["reason"])
            made.append(contact)
    return made


def test_retraining_measures_on_held_out_contacts_and_replaces_the_active_version(reasons, ingest):
    first = services.model_train_now(trigger="cold_start")
    made = _labelled(ingest, reasons, 9)

    second = services.model_train_now(trigger="manual")

    held = [c for c in made if services.is_held_out(c.pk)]
    assert held, "the data set has held-out contacts"
    assert second.metrics["n_heldout"] == len(held)
    assert second.n_examples == len(made) - len(held)
    assert second.metrics["accuracy"] >= 0.8
    assert second.metrics["quick_accuracy"] >= 0.8 and second.metrics["quick_top3"] >= 0.8
    assert second.metrics["compared_with"]["number"] == first.number
    assert second.status == Status.ACTIVE and second.metrics["decision"] == "not_worse"
    first.refresh_from_db()
    assert first.status == Status.RETIRED
    assert ContactEmbedding.objects.count() == len(made)  # embedded once, kept


def test_a_version_worse_on_the_held_out_contacts_is_rejected(reasons, ingest):
    made = _labelled(ingest, reasons, 9)
    good = services.model_train_now(trigger="manual")
    # Now the training contacts (not the held-out ones) say the wrong reason.
    for contact in made:
        if not services.is_held_out(contact.pk):
            wrong = {"order": "charge", "charge": "login", "login": "order"}
            key = next(k for k, r in reasons.items() if r.pk == contact.reason_id)
            contact.reason = reasons[wrong[key]]
            contact.save(update_fields=["reason"])

    bad = services.model_train_now(trigger="manual")

    assert bad.status == Status.REJECTED and bad.metrics["decision"] == "worse"
    assert bad.metrics["accuracy"] < bad.metrics["compared_with"]["accuracy"]
    good.refresh_from_db()
    assert good.status == Status.ACTIVE
    # …and it can still be activated by hand.
    services.model_activate(version=bad, actor=None)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (bad.status, good.status) == (Status.ACTIVE, Status.RETIRED)


def test_rollback_to_an_earlier_version(reasons, supervisor):
    first = services.model_train_now(trigger="cold_start")
    reason_save(
        category=reasons["order"].category,
        name=reasons["order"].name,
        owner=reasons["order"].owner,
        action=reasons["order"].action,
        description=reasons["order"].description,
        reason=reasons["order"],
        examples=["no me ha llegado nada"],
    )
    second = services.model_train_now(trigger="reasons_changed")
    assert second.status == Status.ACTIVE

    services.model_activate(version=first, actor=supervisor)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.ACTIVE, Status.RETIRED)
    assert first.activated_by == supervisor
    assert ModelVersion.objects.filter(status=Status.ACTIVE).count() == 1


def test_only_trained_inactive_versions_can_be_activated(reasons):
    queued = services.retrain_request(trigger="manual")
    with pytest.raises(DomainError):
        services.model_activate(version=queued, actor=None)


def test_retrain_requests_do_not_pile_up(reasons, supervisor):
    first = services.retrain_request(trigger="manual", actor=supervisor)
    again = services.retrain_request(trigger="confirmations")
    assert again.pk == first.pk and first.status == Status.QUEUED
    trained = services.model_train_pending()
    assert trained.pk == first.pk and trained.status == Status.ACTIVE
    assert services.model_train_pending() is None


def test_retrain_is_due_for_a_cold_start_changed_phrases_and_new_confirmations(
    reasons, ingest, agent
):
    assert services.retrain_due() == "cold_start"
    services.model_train_now(trigger="cold_start")
    assert services.retrain_due() is None

    order = reasons["order"]
    reason_save(
        category=order.category,
        name=order.name,
        owner=order.owner,
        action=order.action,
        description=order.description,
        reason=order,
        examples=[*order.examples, "mi pedido no aparece"],
    )
    assert services.retrain_due() == "reasons_changed"
    services.model_train_now(trigger="reasons_changed")
    assert services.retrain_due() is None

    services.settings_update(auto_apply=False, auto_apply_threshold=0.9, retrain_after=2)
    for body in ("uno", "dos"):
        contact = contact_of(ingest(body=body))
        assert services.retrain_due() is None
        services.contact_reason_confirm(contact=contact, actor=agent, reason=order)
    assert services.retrain_due() == "confirmations"


def test_no_model_without_reasons(db, ingest):
    ingest(body=ORDER_TEXT)
    assert services.suggest_pending() == 0
    assert services.retrain_due() is None
    assert not ModelVersion.objects.exists()
    with pytest.raises(DomainError):
        services.suggest_text(text="hola")


def test_a_failed_training_is_recorded_and_not_retried_at_once(reasons):
    for reason in reasons.values():
        reason.active = False
        reason.save()
    version = services.model_train_now(trigger="manual")  # nothing to train on
    assert version.status == Status.FAILED and "no active reasons" in version.note
    for reason in reasons.values():
        reason.active = True
        reason.save()
    assert services.retrain_due() is None  # not again for a while
    ModelVersion.objects.filter(pk=version.pk).update(
        created_at=timezone.now() - services.FAILURE_PAUSE - dt.timedelta(seconds=1)
    )
    assert services.retrain_due() == "cold_start"


def test_interrupted_trainings_are_marked_failed(reasons):
    version = services.retrain_request(trigger="manual")
    ModelVersion.objects.filter(pk=version.pk).update(status=Status.TRAINING)
    assert services.training_interrupted(before=timezone.now() + dt.timedelta(seconds=1)) == 1
    version.refresh_from_db()
    assert version.status == Status.FAILED


def test_history_gets_no_suggestions(reasons, ingest):
    old = contact_of(ingest(body=ORDER_TEXT))
    services.suggester_skip_to_latest()
    new = contact_of(ingest(body=CHARGE_TEXT))

    assert services.suggest_pending(sweep=True) == 1
    assert ContactPrediction.objects.filter(contact=new).exists()
    assert not ContactPrediction.objects.filter(contact=old).exists()


def test_suggest_text_reads_spanish_and_english(reasons):
    spanish = services.suggest_text(text="me cobraron 2 veces la compra")
    english = services.suggest_text(text="I can't sign in, password forgotten")
    assert spanish.suggestions[0].reason == reasons["charge"]
    assert english.suggestions[0].reason == reasons["login"]
    assert len(spanish.suggestions) == 3


def test_contacts_for_discovery_are_the_unsure_ones_with_their_vectors(reasons, ingest, agent):
    services.model_train_now(trigger="cold_start")
    sure = contact_of(ingest(body=CHARGE_TEXT))
    unsure = contact_of(ingest(body="¿Abrís el domingo la tienda de Sevilla?"))
    flagged = contact_of(ingest(body="Quiero proponer una colaboración"))
    services.suggest_pending()
    ContactPrediction.objects.filter(contact=sure).update(top_confidence=0.9, none_of_ours=False)
    ContactPrediction.objects.filter(contact=unsure).update(top_confidence=0.4, none_of_ours=False)
    ContactPrediction.objects.filter(contact=flagged).update(top_confidence=0.7, none_of_ours=True)
    agent_said = contact_of(ingest(body="Una queja sobre el parking"))
    services.suggest_pending()
    ContactPrediction.objects.filter(contact=agent_said).update(
        top_confidence=0.95, none_of_ours=False
    )
    services.contact_reason_confirm(contact=agent_said, actor=agent, none_of_ours=True)
    today = timezone.localdate()

    found = selectors.contacts_for_discovery(
        today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    )

    assert [c.contact_id for c in found.contacts] == [unsure.pk, flagged.pk, agent_said.pk]
    assert found.vectors.shape == (3, 384) and found.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(found.vectors, axis=1), 1.0, atol=1e-3)
    assert [c.none_of_ours for c in found.contacts] == [False, True, True]
    assert "Sevilla" in found.contacts[0].text
    empty = selectors.contacts_for_discovery(
        today + dt.timedelta(days=1), today + dt.timedelta(days=2)
    )
    assert empty.contacts == [] and empty.vectors.shape == (0, 384)


def test_first_pass_answers_at_once_and_the_second_refines(reasons, ingest):
    services.settings_update(auto_apply=True, auto_apply_threshold=0.5, retrain_after=50)
    assert services.suggest_text(text=ORDER_TEXT).top_confidence >= 0.5
    services.model_train_now(trigger="cold_start")
    order = contact_of(ingest(subject="Pedido", body=ORDER_TEXT))
    login = contact_of(ingest(subject="Login", body=LOGIN_TEXT))

    assert services.suggest_first_pass() == 2

    first = ContactPrediction.objects.get(contact=order)
    assert not first.refined and not first.none_of_ours and not first.auto_applied
    first_ranked = [reason_id for _rank, reason_id, _c in ranked(order)]
    assert len(first_ranked) == 3 and first_ranked[0] == reasons["order"].pk
    assert not ContactEmbedding.objects.exists()
    order.refresh_from_db()
    assert order.reason_id is None  # the first pass never applies a reason
    assert SuggesterState.objects.get().watermark == login.pk

    assert services.suggest_second_pass(limit=1) == 1  # the oldest first
    refined = ContactPrediction.objects.get(contact=order)
    assert refined.refined and refined.auto_applied
    assert not ContactPrediction.objects.get(contact=login).refined
    assert len(ranked(order)) == 3
    assert list(ContactEmbedding.objects.values_list("pk", flat=True)) == [order.pk]
    order.refresh_from_db()
    assert order.reason_id == reasons["order"].pk
    assert services.suggest_second_pass() == 1 and services.suggest_second_pass() == 0


def test_a_version_without_a_first_pass_model_embeds_at_once(reasons, ingest):
    version = services.model_train_now(trigger="cold_start")
    assert version.quick_data and version.metrics["quick_accuracy"] is None  # nothing held out
    ModelVersion.objects.filter(pk=version.pk).update(quick_data=b"")
    contact = contact_of(ingest(subject="Cobro", body=CHARGE_TEXT))

    assert services.suggest_first_pass() == 1

    assert ContactPrediction.objects.get(contact=contact).refined
    assert ContactEmbedding.objects.filter(pk=contact.pk).exists()


def test_training_also_learns_from_unconfirmed_embedded_contacts(reasons, ingest, agent):
    services.model_train_now(trigger="cold_start")
    unconfirmed = [
        contact_of(ingest(subject="Consulta", body=text))
        for text in (
            "Mi pedido 31 no ha llegado todavía",
            "¿Dónde está el paquete 32? No ha llegado",
            "Me cobrasteis dos veces el pedido 33",
            "Cobro duplicado en la tarjeta 34",
            "No puedo entrar en mi cuenta 35",
            "Olvidé mi contraseña y no puedo entrar 36",
        )
    ]
    not_embedded = contact_of(ingest(subject="Consulta", body="Sin vector todavía"))
    services.suggest_pending()
    ContactEmbedding.objects.filter(contact=not_embedded).delete()
    confirmed = contact_of(ingest(subject="Consulta", body="Olvidé mi contraseña otra vez"))
    services.suggest_pending()
    services.contact_reason_confirm(contact=confirmed, actor=agent, reason=reasons["login"])
    made = _labelled(ingest, reasons, 9)
    data = services.training_data(reason_ids=[r.pk for r in reasons.values()])

    pool = selectors.unconfirmed_pool(
        engine_version=engine.ENGINE_VERSION, exclude_texts=data.texts + data.none_texts
    )

    # only contacts nobody gave a reason to, with a stored embedding; newest first
    assert pool.contact_ids == [c.pk for c in reversed(unconfirmed)]
    assert pool.vectors.shape == (6, 384)
    version = services.model_train_now(trigger="manual")
    assert version.metrics["n_unconfirmed"] == 6
    assert version.metrics["n_pseudo_labelled"] >= 1
    assert version.status == Status.ACTIVE and len(made) == 27
