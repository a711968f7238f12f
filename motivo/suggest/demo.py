"""Reason suggestion in the demo shop: example phrases for Tienda Sol's reasons, a first
model version trained on the demo's classified contacts, eight weeks of agents'
confirmations (the model's real suggestions for contacts it was not trained on, and the
reasons the agents gave them) for the quality page, and suggestions for the open cases.

Called by `motivo serve --demo` and `motivo demo` after the base data; deterministic for the
same database. Costs a few seconds of embedding (about a thousand short texts).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db.models import Max, Min
from django.utils import timezone

from motivo.cases.models import ACTIVE_STATUSES, Contact
from motivo.reasons.models import Reason
from motivo.reasons.services import reason_save
from motivo.suggest import services
from motivo.suggest.models import Confirmation, ModelVersion

PER_REASON = 10  # confirmed contacts per reason the first version trains on
HISTORY_WEEKS = 8  # weeks of confirmations shown on the quality page
HISTORY_PER_WEEK = 20
OPEN_CONTACTS = 300  # newest contacts of open cases that get suggestions

# How Tienda Sol's customers put each reason, in their words (with the odd typo and some
# English): what the first version learns from besides the names and the contacts.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "¿Dónde está mi pedido?": (
        "mi paquete no llega",
        "el seguimiento no se actualiza",
        "no se nada de mi pedido",
        "where is my parcel",
    ),
    "Mi pedido llega tarde": (
        "me dijeron que llegaba el martes y nada",
        "la entrega va con retraso",
        "my delivery is late",
    ),
    "Quiero cambiar la dirección de entrega": (
        "me he mudado, enviadlo a otra direccion",
        "cambiar la calle del envío",
        "can you ship it to another address",
    ),
    "El paquete llegó dañado": (
        "la caja llegó rota",
        "el producto vino golpeado",
        "the box arrived damaged",
    ),
    "Quiero cambiar o cancelar mi pedido": (
        "anular la compra que hice ayer",
        "me he equivocado de talla en el pedido, quiero cambiarlo antes de que salga",
        "cancel my order please",
    ),
    "No me ha llegado el correo de confirmación": (
        "no me llegó ningún email después de pagar",
        "no se si el pedido se ha hecho",
        "I never got the confirmation email",
    ),
    "Mi código de descuento no funciona": (
        "el cupon dice que no es valido",
        "no me aplica el descuento",
        "promo code not working",
    ),
    "Quiero hacer un pedido por teléfono": (
        "¿puedo comprar llamando?",
        "quiero encargar por telefono",
        "can I order by phone",
    ),
    "Quiero devolver un producto": (
        "como hago la devolucion",
        "no me queda bien y lo quiero devolver",
        "I want to return an item",
    ),
    "¿Cuándo me devolvéis el dinero?": (
        "devolví el pedido y no me ha llegado el reembolso",
        "todavía no tengo mi dinero",
        "where is my refund",
    ),
    "Me han enviado un producto equivocado": (
        "me ha llegado otro modelo",
        "pedí una talla y me mandasteis otra",
        "you sent me the wrong item",
    ),
    "Falta un artículo en mi pedido": (
        "en la caja faltaba una cosa",
        "solo han llegado dos de los tres productos",
        "an item is missing from my order",
    ),
    "Me han cobrado dos veces": (
        "veo dos cargos en la tarjeta",
        "me habeis cobrado el pedido dos veces",
        "I was charged twice",
    ),
    "Mi pago ha sido rechazado": (
        "la tarjeta da error al pagar",
        "no me deja completar el pago",
        "my payment was declined",
    ),
    "Quiero pagar a plazos": (
        "¿se puede financiar?",
        "pagar en tres meses",
        "can I pay in instalments",
    ),
    "No puedo entrar en mi cuenta": (
        "he olvidado la contraseña",
        "no me deja iniciar sesion",
        "I can't log in",
    ),
    "Quiero cambiar mis datos personales": (
        "actualizar mi telefono",
        "cambiar el email de la cuenta",
        "update my personal details",
    ),
    "No quiero recibir más correos": (
        "dejad de mandarme publicidad",
        "darme de baja del boletín",
        "unsubscribe me",
    ),
    "Quiero borrar mi cuenta": (
        "eliminad todos mis datos",
        "cerrar mi cuenta",
        "delete my account",
    ),
    "Tengo una duda sobre un producto": (
        "¿de qué material es?",
        "¿que talla me recomendais?",
        "question about a product",
    ),
    "¿Cuándo volverá a estar disponible?": (
        "está agotado, ¿cuándo repondréis?",
        "avisadme cuando haya stock",
        "when will it be back in stock",
    ),
    "Mi producto se ha estropeado": (
        "ha dejado de funcionar a los dos meses",
        "se ha roto al poco de usarlo",
        "my product stopped working",
    ),
    "¿Qué cubre la garantía?": (
        "¿cuánto dura la garantía?",
        "¿la garantía cubre las caídas?",
        "what does the warranty cover",
    ),
    "Necesito una factura": (
        "necesito la factura para la empresa",
        "factura con mi NIF",
        "I need an invoice",
    ),
    "Hay un error en mi factura": (
        "la factura tiene mal el nombre",
        "el importe de la factura no coincide",
        "my invoice is wrong",
    ),
}


@dataclass
class DemoReport:
    phrases: int = 0  # reasons that got example phrases
    version: ModelVersion | None = None
    confirmations: int = 0
    suggested: int = 0  # contacts of open cases with suggestions
    seconds: float = 0.0


def suggest_demo_seed(
    *,
    today: dt.date | None = None,
    per_reason: int = PER_REASON,
    history_per_week: int = HISTORY_PER_WEEK,
    open_contacts: int = OPEN_CONTACTS,
) -> DemoReport:
    """Example phrases, a first version, eight weeks of confirmations and suggestions for
    the open cases; then the suggester starts after the newest demo contact. The sizes are
    smaller in tests."""
    started = time.perf_counter()
    report = DemoReport()
    report.phrases = _phrases()
    today = today or timezone.localdate()
    zone = timezone.get_current_timezone()
    history_start = dt.datetime.combine(
        today - dt.timedelta(weeks=HISTORY_WEEKS), dt.time.min, tzinfo=zone
    )
    report.version = services.model_train_now(
        trigger=ModelVersion.Trigger.DEMO, per_reason=per_reason, before=history_start
    )
    if report.version.status == ModelVersion.Status.ACTIVE:
        report.confirmations = _history(since=history_start, per_week=history_per_week)
        report.suggested = _open_cases(limit=open_contacts)
    services.suggester_skip_to_latest()
    report.seconds = time.perf_counter() - started
    return report


def _phrases() -> int:
    """Give the catalog's reasons their example phrases where they have none, through the
    reasons' own service (an event each)."""
    done = 0
    reasons = Reason.objects.filter(name__in=list(EXAMPLES)).select_related("category", "owner")
    for reason in reasons:
        if reason.examples:
            continue
        reason_save(
            category=reason.category,
            name=reason.name,
            owner=reason.owner,
            action=reason.action,
            description=reason.description,
            active=reason.active,
            reason=reason,
            examples=EXAMPLES[reason.name],
        )
        done += 1
    return done


def _history(*, since: dt.datetime, per_week: int) -> int:
    """For an even sample of each of the last weeks' classified contacts: the suggestions
    the model makes for them (it never saw them), and their reason as the agent's
    confirmation (by the case's agent, a little after the contact arrived)."""
    ids: list[int] = []
    for week in range(HISTORY_WEEKS):
        start = since + dt.timedelta(weeks=week)
        end = min(start + dt.timedelta(weeks=1), since + dt.timedelta(weeks=HISTORY_WEEKS))
        week_contacts = Contact.objects.filter(
            received_at__gte=start, received_at__lt=end, reason__isnull=False
        )
        bounds = week_contacts.aggregate(low=Min("pk"), high=Max("pk"))
        if bounds["low"] is None:
            continue
        step = max(1, (bounds["high"] - bounds["low"]) // per_week)
        wanted = range(bounds["low"], bounds["high"] + 1, step)
        ids += list(
            week_contacts.filter(pk__in=list(wanted)).values_list("pk", flat=True)[:per_week]
        )
    services.suggest_contacts(contact_ids=ids)
    contacts = Contact.objects.filter(pk__in=ids).select_related("reason", "case__assignee", "case")
    confirmed = 0
    for contact in contacts:
        services.contact_reason_confirm(
            contact=contact,
            actor=contact.case.assignee,
            reason=contact.reason,
            confirmed_at=min(
                contact.received_at + dt.timedelta(hours=2),
                timezone.now(),
            ),
        )
        confirmed += 1
    return confirmed


def _open_cases(*, limit: int) -> int:
    """The newest contacts of open cases get their suggestions (those without a reason get
    it applied where the model is sure enough, as new contacts would)."""
    ids = list(
        Contact.objects.filter(case__status__in=ACTIVE_STATUSES)
        .exclude(pk__in=Confirmation.objects.values("contact_id"))
        .order_by("-pk")
        .values_list("pk", flat=True)[:limit]
    )
    services.suggest_contacts(contact_ids=ids)
    return len(ids)
