"""The improvement council's part of the Tienda Sol demo: a few targets and improvements on
the reasons that cause most contacts, so the council's pages have something to show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from motivo.accounts.models import Role, User
from motivo.core.errors import DomainError
from motivo.council.measures import Window, full_weeks_before
from motivo.council.models import Improvement, Metric, Target
from motivo.council.services import improvement_create, target_set
from motivo.insights import selectors as figures
from motivo.insights.models import VolumeKind
from motivo.reasons.models import Reason

IMPROVEMENTS = (
    # (title, reason ranks, status, done days ago, due in days, hypothesis)
    (
        "Aviso de seguimiento por SMS al enviar el pedido",
        (0,),
        Improvement.Status.DONE,
        45,
        None,
        "Si el cliente recibe el enlace de seguimiento en el móvil, no nos preguntará dónde "
        "está su pedido: esperamos un 25 % menos de consultas.",
    ),
    (
        "Reembolso automático 48 h después de recibir la devolución",
        (1,),
        Improvement.Status.DONE,
        10,
        None,
        "Con una fecha de reembolso clara y cumplida, desaparecen las consultas de seguimiento.",
    ),
    (
        "Página de estado del pedido sin iniciar sesión",
        (0, 2),
        Improvement.Status.IN_PROGRESS,
        None,
        30,
        "Un enlace público con el estado evita tener que entrar en la cuenta.",
    ),
    (
        "Revisar el embalaje de los artículos frágiles",
        (3,),
        Improvement.Status.PLANNED,
        None,
        60,
        "Menos paquetes dañados, menos contactos y menos reenvíos.",
    ),
    (
        "Chat de ayuda dentro del formulario de pago",
        (4,),
        Improvement.Status.PROPOSED,
        None,
        None,
        "",
    ),
)


def council_demo_seed(*, today: dt.date) -> None:
    """Targets on the top reasons of the last eight weeks (set six weeks ago, so they show
    progress) and five improvements; does nothing if the council already has targets."""
    if Target.objects.exists():
        return
    set_on = today - dt.timedelta(weeks=6)
    due_on = set_on + dt.timedelta(weeks=26)
    baseline = full_weeks_before(set_on)
    since = Window(figures.week_start(set_on), figures.week_start(today) - dt.timedelta(days=1))
    before = figures.reason_contact_counts(date_from=baseline.date_from, date_to=baseline.date_to)
    after = figures.reason_contact_counts(date_from=since.date_from, date_to=since.date_to)
    ranked = sorted(before, key=lambda pk: -before[pk])[:10]
    if len(ranked) < 5:
        return
    # Targets go to the busy reasons that fell most since (so the board has a leader), the
    # improvements to the busiest ones.
    weekly_change = {pk: after.get(pk, 0) / since.weeks - before[pk] / baseline.weeks
                     for pk in ranked}  # fmt: skip
    falling = sorted(ranked, key=lambda pk: weekly_change[pk] / before[pk])
    reasons = Reason.objects.in_bulk(ranked)
    top = [reasons[pk] for pk in ranked]
    fell = [reasons[pk] for pk in falling]
    manager = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk").first()
    target_set(reasons=[fell[0]], metric=Metric.CONTACTS, change_pct=Decimal(-20),
               due_on=due_on, actor=manager, set_on=set_on,
               note="Objetivo del comité de mejora")  # fmt: skip
    target_set(reasons=[fell[1]], metric=Metric.CONTACTS, change_pct=Decimal(-15),
               due_on=due_on, actor=manager, set_on=set_on)  # fmt: skip
    orders = VolumeKind.objects.filter(slug="orders").first()
    pair = {"reasons": [fell[2], fell[3]], "change_pct": Decimal(-10), "due_on": due_on,
            "actor": manager, "set_on": set_on}  # fmt: skip
    try:
        target_set(metric=Metric.CPX, volume_kind=orders, **pair)
    except DomainError:  # no order volumes in this installation
        target_set(metric=Metric.CONTACTS, **pair)
    for title, ranks, status, done_ago, due_in, hypothesis in IMPROVEMENTS:
        chosen = [top[rank] for rank in ranks]
        improvement_create(
            title=title,
            reasons=chosen,
            actor=manager,
            hypothesis=hypothesis,
            owner=chosen[0].owner_person or manager,
            status=status,
            done_on=today - dt.timedelta(days=done_ago) if done_ago else None,
            due_on=today + dt.timedelta(days=due_in) if due_in else None,
            volume_kind=orders,
        )
