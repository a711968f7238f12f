"""The studies' part of the Tienda Sol demo: answered studies on about two thirds of the
repeat contacts of the last eight weeks (the latest two days are left open for the agents),
with causes that fit their reasons and a note on some, so the studies page and the weekly
review have something to show. Deterministic: the same contacts give the same studies.

Run after the repeat flags exist (the demo enqueues it after insights' rebuild task)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from motivo.accounts.models import Role, User
from motivo.cases.models import Contact
from motivo.studies.defaults import default_causes_ensure
from motivo.studies.models import RepeatCause, RepeatStudy, StudyEvent
from motivo.studies.services import first_contact_agent

WEEKS = 8
OPEN_DAYS = 2  # the latest repeats stay open ("my open studies")
ANSWERED_SHARE = 0.68
NOTE_SHARE = 0.35

# Cause weights (by slug) for reasons whose name contains a keyword; the first match wins.
PROFILES: tuple[tuple[tuple[str, ...], dict[str, int]], ...] = (
    (
        ("dónde está", "llega tarde", "dañado", "falta", "equivocado"),
        {"promise_not_kept": 5, "wrong_answer": 2, "system_failure": 2, "needed_more": 1},
    ),
    (
        ("cobrado", "pago", "plazos", "factura", "dinero"),
        {"system_failure": 4, "policy": 3, "wrong_answer": 2, "promise_not_kept": 2},
    ),
    (
        ("devolver", "cancelar", "garantía", "descuento"),
        {"policy": 5, "wrong_answer": 3, "needed_more": 1, "promise_not_kept": 1},
    ),
    (
        ("cuenta", "correo", "datos", "entrar"),
        {"system_failure": 5, "wrong_answer": 2, "needed_more": 2},
    ),
)
DEFAULT_WEIGHTS = {"needed_more": 4, "wrong_answer": 3, "other": 1, "policy": 1}

NOTES = {
    "promise_not_kept": (
        "Le dijimos que el pedido llegaba en 48 h y el transportista tardó cinco días.",
        "Prometimos llamarle al día siguiente y nadie lo hizo.",
        "La fecha de entrega que dimos venía del sistema y no era real.",
    ),
    "wrong_answer": (
        "Le dimos el enlace de seguimiento del pedido anterior.",
        "La respuesta no decía cuándo se haría el reembolso, solo que estaba en trámite.",
        "We sent the generic returns text instead of the steps for his case.",
    ),
    "policy": (
        "La política de devoluciones no permite artículos abiertos y no lo explicamos bien.",
        "El plazo de reembolso de 14 días le parece excesivo: volverá a preguntar.",
    ),
    "system_failure": (
        "El correo de confirmación no salió por el fallo del proveedor de correo.",
        "El cobro duplicado no aparecía en nuestra herramienta hasta el día siguiente.",
        "The password reset link had expired before she opened it.",
    ),
    "needed_more": (
        "Resolvimos la entrega pero luego preguntó por la factura.",
        "Quería también cambiar la dirección de los próximos pedidos.",
    ),
    "other": ("El cliente escribió por error al canal equivocado.",),
}


def _weights(reason_name: str, available: dict[str, RepeatCause]) -> list[tuple[RepeatCause, int]]:
    name = reason_name.casefold()
    weights = DEFAULT_WEIGHTS
    for keywords, profile in PROFILES:
        if any(word in name for word in keywords):
            weights = profile
            break
    return [(available[slug], w) for slug, w in weights.items() if slug in available]


@transaction.atomic
def studies_demo_seed(*, today: dt.date | None = None) -> int:
    """Answer the demo's studies (see the module docstring); does nothing if any study
    exists already. Returns the number of studies written."""
    if RepeatStudy.objects.exists():
        return 0
    if not RepeatCause.objects.exists():
        default_causes_ensure()
    causes = {cause.slug: cause for cause in RepeatCause.objects.filter(active=True)}
    if not causes:
        return 0
    today = today or timezone.localdate()
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(today - dt.timedelta(weeks=WEEKS), dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(today - dt.timedelta(days=OPEN_DAYS), dt.time.min, tzinfo=zone)
    repeats = list(
        Contact.objects.filter(
            is_repeat=True,
            repeat_of__isnull=False,
            reason__isnull=False,
            received_at__gte=start,
            received_at__lt=end,
        )
        .select_related("reason", "case", "repeat_of__case")
        .order_by("received_at", "id")
    )
    fallback = list(
        User.objects.filter(role=Role.AGENT, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    studies = []
    for contact in repeats:
        rng = random.Random(f"motivo-demo-study:{contact.pk}")
        if rng.random() >= ANSWERED_SHARE:
            continue
        options = _weights(contact.reason.name, causes) or [(next(iter(causes.values())), 1)]
        cause = rng.choices([c for c, _w in options], [w for _c, w in options])[0]
        note = ""
        if rng.random() < NOTE_SHARE and NOTES.get(cause.slug):
            note = rng.choice(NOTES[cause.slug])
        agent_id, team_id = first_contact_agent(first=contact.repeat_of, before=contact)
        answered_by = contact.case.assignee_id or (rng.choice(fallback) if fallback else None)
        answered_at = contact.received_at + dt.timedelta(minutes=rng.randint(20, 60 * 30))
        answered_at = min(answered_at, timezone.now())
        studies.append(
            RepeatStudy(
                contact=contact,
                first_contact=contact.repeat_of,
                received_at=contact.received_at,
                cause=cause,
                note=note,
                agent_id=agent_id,
                team_id=team_id,
                answered_by_id=answered_by,
                answered_at=answered_at,
                updated_at=answered_at,
            )
        )
    RepeatStudy.objects.bulk_create(studies, batch_size=500)
    StudyEvent.objects.bulk_create(
        (
            StudyEvent(
                kind=StudyEvent.Kind.STUDY_ANSWERED,
                actor_id=study.answered_by_id,
                study=study,
                data={
                    "contact": study.contact_id,
                    "cause": study.cause_id,
                    "note": bool(study.note),
                },
                created_at=study.answered_at,
            )
            for study in studies
        ),
        batch_size=500,
    )
    return len(studies)
