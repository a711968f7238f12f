"""Theme discovery in the demo shop: recent contacts about things Tienda Sol has no reason
for yet — Club Sol points that do not show up, the mobile app closing itself, customs
charges on parcels to the Canary Islands — and a few one-offs, then a first run.

Called by `motivo serve --demo` and `motivo demo` after the reason suggestions (the
contacts get their suggestions, and so their embeddings, from the demo's model).
Deterministic and idempotent: the contacts carry fixed external ids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from motivo.cases.models import Contact
from motivo.channels.services import contact_ingest
from motivo.themes import services
from motivo.themes.models import ThemeRun

# (channel, subject, message). Spread over the last fortnight, no reason set.
CONTACTS: tuple[tuple[str, str, str], ...] = (
    # Club Sol points
    (
        "email",
        "Puntos Club Sol",
        "Hola, hice una compra el sábado y no me han sumado los puntos del Club Sol.",
    ),
    ("chat", "Chat", "los puntos de mi ultimo pedido no aparecen en el club sol"),
    (
        "web",
        "Mis puntos",
        "Tenía 450 puntos del Club Sol y hoy me aparecen 0 puntos. ¿Qué ha pasado?",
    ),
    (
        "email",
        "Saldo de puntos incorrecto",
        "Buenas, el saldo de puntos de mi tarjeta Club Sol está mal, faltan los de dos compras.",
    ),
    (
        "phone",
        "Llamada: puntos",
        "Llama porque no le han sumado los puntos Club Sol de la compra en tienda.",
    ),
    (
        "portal",
        "Puntos no sumados",
        "No se han añadido los puntos del Club Sol del pedido que recibí ayer.",
    ),
    (
        "chat",
        "Chat",
        "quiero canjear mis puntos club sol pero dice que no tengo suficientes y no es verdad",
    ),
    (
        "email",
        "Club Sol",
        "Hola, ¿cuánto tardan en aparecer los puntos del Club Sol? Ya ha pasado una semana.",
    ),
    ("web", "Puntos", "Me faltan puntos del Club Sol de la última compra online."),
    (
        "email",
        "Reclamación puntos Club Sol",
        "Es la segunda vez que no me suman los puntos del Club Sol. Por favor revisadlo.",
    ),
    ("chat", "Chat", "hola! los puntos del club sol de mi compra no salen en la app"),
    (
        "phone",
        "Llamada: Club Sol",
        "La clienta dice que su saldo de puntos Club Sol ha desaparecido.",
    ),
    # The mobile app closes itself
    (
        "email",
        "La app no funciona",
        "Desde la última actualización la aplicación se cierra nada más abrirla.",
    ),
    ("chat", "Chat", "la app se me cierra sola cada vez que entro"),
    (
        "web",
        "Error en la aplicación",
        "En mi Android la app de Tienda Sol se queda en blanco y se cierra.",
    ),
    (
        "portal",
        "App",
        "No puedo comprar desde el móvil: la aplicación se cierra al abrir el carrito.",
    ),
    (
        "email",
        "Aplicación móvil",
        "Hola, la app se bloquea y se cierra en el iPhone, ya la he reinstalado dos veces.",
    ),
    ("chat", "Chat", "la aplicacion se cierra al intentar pagar, que hago?"),
    ("phone", "Llamada: app", "El cliente no consigue usar la app, se cierra al iniciar sesión."),
    ("web", "Fallo de la app", "La app móvil se cierra de golpe cuando busco un producto."),
    ("email", "App se cierra", "Buenas, la aplicación de la tienda se cierra sola desde ayer."),
    ("chat", "Chat", "se cierra la app todo el rato en mi movil"),
    (
        "portal",
        "La aplicación se cuelga",
        "La aplicación se cuelga y se cierra, no me deja ver mis pedidos.",
    ),
    # Customs on parcels to the Canary Islands
    (
        "email",
        "Aduanas Canarias",
        "Vivo en Tenerife y el transportista me pide pagar aduanas para entregarme el pedido.",
    ),
    (
        "phone",
        "Llamada: aduanas",
        "Cliente de Las Palmas: le piden el DUA y tasas de aduana por su paquete.",
    ),
    (
        "web",
        "Pago de aduana",
        "¿Por qué tengo que pagar aduana si vivo en Canarias? Nadie me avisó.",
    ),
    (
        "email",
        "Paquete retenido en aduanas",
        "Mi pedido está retenido en aduanas en Gran Canaria hasta que pague el DUA.",
    ),
    ("chat", "Chat", "me han cobrado gastos de aduana al llegar el paquete a canarias"),
    ("portal", "Aduanas", "El envío a Lanzarote lleva una semana parado en aduanas."),
    ("email", "Tasas de aduana", "Hola, ¿cuánto hay que pagar de aduana por un envío a Canarias?"),
    (
        "phone",
        "Llamada: DUA",
        "La clienta no entiende por qué le piden el DUA para un envío a Fuerteventura.",
    ),
    (
        "web",
        "Envío a Canarias",
        "El repartidor no me entrega el paquete sin pagar las tasas de aduana en Canarias.",
    ),
    (
        "email",
        "Aduana",
        "Me reclaman el pago de aduanas por un pedido a La Palma, ¿lo pagáis vosotros?",
    ),
    # One-offs
    ("email", "Tienda física", "¿Tenéis tienda física en Valencia?"),
    ("chat", "Chat", "queria felicitar a Lucía, me atendió genial ayer"),
    ("web", "Trabajar con vosotros", "Me gustaría enviaros mi currículum, ¿a quién se lo mando?"),
    ("email", "Horario de agosto", "¿Cuál es vuestro horario de atención en agosto?"),
    ("email", "Patrocinio", "Organizamos una carrera solidaria, ¿os interesaría patrocinarla?"),
)

FIRST_NAMES = ("Ana", "Luis", "Marta", "Jorge", "Elena", "Pablo", "Nuria", "Sergio", "Rosa")
DAYS = 14


@dataclass
class DemoReport:
    contacts: int = 0
    run: ThemeRun | None = None


def _when(index: int, today: dt.date) -> dt.datetime:
    """Spread over the last DAYS days, at office hours, from the contact's position."""
    day = today - dt.timedelta(days=1 + (index * 5) % DAYS)
    moment = dt.time(9 + (index * 7) % 10, (index * 13) % 60)
    return dt.datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def _identity(index: int, channel: str) -> dict[str, str]:
    if channel in ("phone",):
        return {"phone": f"+3460099{index:04d}"}
    return {"email": f"tema{index:02d}@cliente.example"}


def themes_demo_seed(*, today: dt.date | None = None) -> DemoReport:
    """The contacts above (once), their suggestions, and a first theme run."""
    from motivo.suggest.services import suggest_contacts, suggester_skip_to_latest

    today = today or timezone.localdate()
    report = DemoReport()
    ids = []
    for index, (channel, subject, body) in enumerate(CONTACTS):
        result = contact_ingest(
            channel=channel,
            subject=subject,
            body=body,
            name=f"{FIRST_NAMES[index % len(FIRST_NAMES)]} T.",
            external_id=f"demo-theme-{index:02d}",
            received_at=_when(index, today),
            **_identity(index, channel),
        )
        ids.append(result.contact_id)
        report.contacts += int(result.created)
    # Their suggestions (none fits well) store their embeddings, which the run reads.
    suggest_contacts(contact_ids=ids)
    suggester_skip_to_latest()  # the background suggester need not read them again
    if Contact.objects.filter(pk__in=ids, embedding__isnull=False).exists():
        queued = services.theme_run_request(
            actor=None, trigger=ThemeRun.Trigger.DEMO, enqueue=False
        )
        report.run = services.theme_run_execute(run_id=queued.pk)
    return report
