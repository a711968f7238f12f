"""Static content of the demo shop "Tienda Sol": who works there, the reason taxonomy and
what customers and agents write.

Reasons are named the way a customer would say them. Each carries its owner, its action
from the value–irritant matrix, a relative volume (the Pareto skew), an optional trend over
the six months and the texts customers write about it, in Spanish and English. Placeholders
in the texts: {order}, {product}, {amount}, {days}, {first_name}, {agent}.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SHOP_NAME = "Tienda Sol"

DEPARTMENTS = (
    ("Logística", "logistica@tiendasol.example"),
    ("Atención al cliente", "atencion@tiendasol.example"),
    ("Finanzas", "finanzas@tiendasol.example"),
    ("Tecnología", "tecnologia@tiendasol.example"),
    ("Producto y Compras", "producto@tiendasol.example"),
)


@dataclass(frozen=True)
class StaffMember:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str = ""
    language: str = "es"


ADMIN_PASSWORD = "motivo-admin"
SUPERVISOR_PASSWORD = "motivo-supervisor"
AGENT_PASSWORD = "motivo-agent"
PASSWORDS = {"admin": ADMIN_PASSWORD, "supervisor": SUPERVISOR_PASSWORD, "agent": AGENT_PASSWORD}

TEAM_ORDERS = "Pedidos y envíos"
TEAM_MONEY = "Pagos y cuentas"
TEAM_RETURNS = "Devoluciones y producto"
TEAMS = (TEAM_ORDERS, TEAM_MONEY, TEAM_RETURNS)

STAFF = (
    StaffMember("admin", "Alba", "Ruiz", "admin"),
    StaffMember("marta", "Marta", "Serrano", "supervisor"),
    StaffMember("ana", "Ana", "López", "agent", TEAM_ORDERS),
    StaffMember("david", "David", "Moreno", "agent", TEAM_ORDERS),
    StaffMember("elena", "Elena", "Navarro", "agent", TEAM_ORDERS),
    StaffMember("pablo", "Pablo", "Gil", "agent", TEAM_MONEY),
    StaffMember("sara", "Sara", "Ortega", "agent", TEAM_MONEY, "en"),
    StaffMember("jorge", "Jorge", "Castro", "agent", TEAM_RETURNS),
    StaffMember("lucia", "Lucía", "Vidal", "agent", TEAM_RETURNS),
    StaffMember("carlos", "Carlos", "Romero", "agent", TEAM_RETURNS),
    # Heads of the departments that own reasons (supervisors: they see the dashboards).
    StaffMember("rocio", "Rocío", "Domínguez", "supervisor"),
    StaffMember("javier", "Javier", "Prieto", "supervisor"),
    StaffMember("ines", "Inés", "Herrero", "supervisor"),
    StaffMember("tomas", "Tomás", "Vega", "supervisor", language="en"),
)

# The named owner person of each department's reasons.
DEPARTMENT_HEADS = {
    "Logística": "rocio",
    "Atención al cliente": "marta",
    "Finanzas": "javier",
    "Tecnología": "ines",
    "Producto y Compras": "tomas",
}

# The improvement council's value–irritant ratings (customer, company), −2..−1 irritating,
# 1..2 valuable. Reasons left out are still "to rate"; a few ratings disagree with the
# catalog's action on purpose, so the matrix shows flags.
RATINGS: dict[str, tuple[int, int]] = {
    "¿Dónde está mi pedido?": (-2, -2),
    "Mi pedido llega tarde": (-2, -2),
    "Quiero cambiar la dirección de entrega": (1, -1),
    "El paquete llegó dañado": (-2, -2),
    "Quiero cambiar o cancelar mi pedido": (1, -1),
    "No me ha llegado el correo de confirmación": (-1, -1),
    "Mi código de descuento no funciona": (-1, -2),
    "Quiero hacer un pedido por teléfono": (2, 1),
    "Quiero devolver un producto": (2, -1),
    "¿Cuándo me devolvéis el dinero?": (-1, -1),  # action self-serve: flagged
    "Me han enviado un producto equivocado": (-2, -2),
    "Falta un artículo en mi pedido": (-2, -1),
    "Me han cobrado dos veces": (-2, -2),
    "Mi pago ha sido rechazado": (-1, 1),
    "Quiero pagar a plazos": (2, 2),
    "No puedo entrar en mi cuenta": (-1, -1),  # action self-serve: flagged
    "Quiero cambiar mis datos personales": (1, -1),
    "No quiero recibir más correos": (-1, 1),
    "Quiero borrar mi cuenta": (-1, 1),
    "Tengo una duda sobre un producto": (2, 2),
    "¿Cuándo volverá a estar disponible?": (1, -1),
    "¿Qué cubre la garantía?": (1, -1),
    "Necesito una factura": (1, -1),
}

# Customers that always exist, so the login instructions can name one.
EXAMPLE_CUSTOMERS = (
    ("María García", "maria.garcia@example.com", "es"),
    ("Emma Wilson", "emma.wilson@example.com", "en"),
)


@dataclass(frozen=True)
class Texts:
    subjects: tuple[str, ...]
    bodies: tuple[str, ...]
    replies: tuple[str, ...]


@dataclass(frozen=True)
class ReasonSpec:
    category: str
    name: str
    owner: str
    action: str
    weight: float  # relative volume
    es: Texts
    en: Texts
    description: str = ""
    trend: tuple[float, float] = (1.0, 1.0)  # volume factor six months ago -> today
    channels: dict[str, float] = field(default_factory=dict)  # channel mix overrides


CATEGORIES = (
    "Envíos",
    "Pedido",
    "Devoluciones",
    "Pagos",
    "Cuenta",
    "Producto",
    "Garantía",
    "Facturas",
)

REASONS: tuple[ReasonSpec, ...] = (
    ReasonSpec(
        "Envíos",
        "¿Dónde está mi pedido?",
        "Logística",
        "eliminate",
        30,
        description="The customer asks where the order is: tracking is not proactive enough.",
        es=Texts(
            subjects=(
                "¿Dónde está mi pedido {order}?",
                "No me ha llegado el pedido",
                "Seguimiento del pedido {order}",
                "Pedido sin noticias",
            ),
            bodies=(
                "Hola, hice el pedido {order} hace {days} días y todavía no me ha llegado. "
                "El seguimiento no se mueve desde hace tiempo. ¿Me podéis decir dónde está?",
                "Buenas, compré {product} y no sé nada del envío. El número de pedido es "
                "{order}. Gracias.",
                "Hola, el enlace de seguimiento del pedido {order} no funciona y no sé cuándo "
                "llegará. Lo necesito para esta semana.",
            ),
            replies=(
                "Hola, {first_name}: he revisado tu pedido {order}. Salió de nuestro almacén "
                "y la agencia lo entregará en 24-48 horas. Te escribo si hay cualquier "
                "novedad. Un saludo, {agent}",
                "Hola, {first_name}: siento la espera. El paquete {order} estaba retenido en "
                "la delegación de la agencia; ya he pedido que salga hoy en reparto. "
                "Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Where is my order {order}?", "Order not arrived", "Tracking {order}"),
            bodies=(
                "Hi, I placed order {order} {days} days ago and it still hasn't arrived. The "
                "tracking hasn't changed for days. Could you tell me where it is?",
                "Hello, I bought {product} and haven't heard anything about delivery. My "
                "order number is {order}. Thanks.",
            ),
            replies=(
                "Hi {first_name}, I checked order {order}: it left our warehouse and the "
                "courier will deliver it within 24-48 hours. I'll let you know if anything "
                "changes. Best regards, {agent}",
            ),
        ),
        channels={"email": 0.35, "chat": 0.25, "phone": 0.2, "web": 0.15, "portal": 0.05},
    ),
    ReasonSpec(
        "Envíos",
        "Mi pedido llega tarde",
        "Logística",
        "eliminate",
        9,
        es=Texts(
            subjects=("El pedido {order} llega tarde", "Retraso en la entrega"),
            bodies=(
                "Hola, la entrega del pedido {order} estaba prevista para hace {days} días y "
                "sigue sin llegar. Era un regalo y ya no llega a tiempo.",
                "Me dijisteis que {product} llegaría en 48 horas y ya van {days} días. ¿Qué "
                "ha pasado?",
            ),
            replies=(
                "Hola, {first_name}: tienes razón, el pedido {order} va con retraso por un "
                "problema con la agencia. Lo hemos priorizado y te devolvemos los gastos de "
                "envío. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Order {order} is late", "Late delivery"),
            bodies=(
                "Hello, order {order} was due {days} days ago and it still hasn't arrived. "
                "It was a present and now it won't be on time.",
            ),
            replies=(
                "Hi {first_name}, you're right, order {order} is delayed because of a "
                "problem with the courier. We've prioritised it and refunded the shipping "
                "cost. Best regards, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Envíos",
        "Quiero cambiar la dirección de entrega",
        "Logística",
        "self_serve",
        6,
        es=Texts(
            subjects=("Cambio de dirección del pedido {order}", "Cambiar dirección de envío"),
            bodies=(
                "Hola, me he equivocado al poner la dirección en el pedido {order}. ¿Podéis "
                "cambiarla antes de que salga?",
                "Buenos días, esta semana no estaré en casa. ¿Puedo recibir el pedido {order} "
                "en la oficina?",
            ),
            replies=(
                "Hola, {first_name}: he cambiado la dirección de entrega del pedido {order}. "
                "Puedes hacerlo tú mismo desde «Mis pedidos» mientras no haya salido. "
                "Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Change delivery address for {order}",),
            bodies=(
                "Hi, I typed the wrong address on order {order}. Can you change it before it "
                "ships?",
            ),
            replies=(
                "Hi {first_name}, I've updated the delivery address of order {order}. You "
                "can also do it yourself under 'My orders' until it ships. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Envíos",
        "El paquete llegó dañado",
        "Logística",
        "eliminate",
        4,
        es=Texts(
            subjects=("Paquete dañado", "Producto dañado en el pedido {order}"),
            bodies=(
                "Hola, hoy ha llegado el pedido {order}: la caja venía aplastada y {product} "
                "viene con golpes. Os adjunto fotos.",
            ),
            replies=(
                "Hola, {first_name}: lo siento mucho. Te enviamos hoy mismo un repuesto sin "
                "coste y la agencia recogerá el dañado. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Damaged parcel",),
            bodies=(
                "Hi, order {order} arrived today, the box was crushed and {product} is "
                "broken. Photos attached.",
            ),
            replies=(
                "Hi {first_name}, I'm very sorry. We're sending a replacement today at no "
                "cost and the courier will collect the damaged one. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Pedido",
        "Quiero cambiar o cancelar mi pedido",
        "Atención al cliente",
        "self_serve",
        12,
        es=Texts(
            subjects=("Cancelar pedido {order}", "Cambiar mi pedido", "Anular compra"),
            bodies=(
                "Hola, quiero cancelar el pedido {order}, me he equivocado de talla. ¿Todavía "
                "se puede?",
                "Buenas, en el pedido {order} quería añadir también {product}. ¿Lo podéis cambiar?",
            ),
            replies=(
                "Hola, {first_name}: he cancelado el pedido {order}; verás el reembolso de "
                "{amount} € en 3-5 días. La próxima vez puedes cancelarlo desde «Mis "
                "pedidos». Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Cancel order {order}", "Change my order"),
            bodies=(
                "Hello, I'd like to cancel order {order}, I picked the wrong size. Is it "
                "still possible?",
            ),
            replies=(
                "Hi {first_name}, I've cancelled order {order}; the refund of {amount} EUR "
                "will show in 3-5 days. Next time you can cancel it under 'My orders'. "
                "Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Pedido",
        "No me ha llegado el correo de confirmación",
        "Tecnología",
        "eliminate",
        5,
        trend=(1.6, 0.5),
        es=Texts(
            subjects=("No he recibido la confirmación", "¿Se ha hecho mi pedido?"),
            bodies=(
                "Hola, he pagado un pedido pero no me ha llegado ningún correo de "
                "confirmación. ¿Está hecho o tengo que repetirlo?",
            ),
            replies=(
                "Hola, {first_name}: tu pedido {order} está registrado y pagado. Te he "
                "reenviado la confirmación; revisa también la carpeta de spam. Un saludo, "
                "{agent}",
            ),
        ),
        en=Texts(
            subjects=("No confirmation email",),
            bodies=(
                "Hi, I paid for an order but never got a confirmation email. Did it go "
                "through or should I order again?",
            ),
            replies=(
                "Hi {first_name}, your order {order} is registered and paid. I've resent "
                "the confirmation; please check your spam folder too. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Pedido",
        "Mi código de descuento no funciona",
        "Tecnología",
        "eliminate",
        4,
        es=Texts(
            subjects=("El código de descuento no funciona", "Cupón no válido"),
            bodies=(
                "Hola, intento usar el código de descuento que me enviasteis y la web dice "
                "que no es válido. Quería comprar {product}.",
            ),
            replies=(
                "Hola, {first_name}: el código tenía un error en nuestro sistema, ya está "
                "corregido. Te he aplicado el descuento en el pedido {order}. Un saludo, "
                "{agent}",
            ),
        ),
        en=Texts(
            subjects=("Discount code not working",),
            bodies=(
                "Hi, I'm trying to use the discount code you sent me and the site says it "
                "isn't valid. I wanted to buy {product}.",
            ),
            replies=(
                "Hi {first_name}, the code had an error on our side, it's fixed now. I've "
                "applied the discount to order {order}. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Pedido",
        "Quiero hacer un pedido por teléfono",
        "Atención al cliente",
        "leverage",
        2,
        channels={"phone": 0.8, "chat": 0.1, "email": 0.1},
        es=Texts(
            subjects=("Pedido por teléfono", "Quiero encargar {product}"),
            bodies=(
                "Llamada: quiere encargar {product} y prefiere hacerlo por teléfono "
                "porque no se aclara con la web.",
            ),
            replies=(
                "Hola, {first_name}: tal como hablamos, he preparado el pedido {order} con "
                "{product}. Te llegará en 48 horas. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Order by phone",),
            bodies=("Call: the customer wants to order {product} over the phone.",),
            replies=(
                "Hi {first_name}, as we discussed, I've placed order {order} for "
                "{product}. It will arrive in 48 hours. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Devoluciones",
        "Quiero devolver un producto",
        "Atención al cliente",
        "self_serve",
        16,
        es=Texts(
            subjects=("Devolución del pedido {order}", "Quiero devolver un producto", "Devolución"),
            bodies=(
                "Hola, quiero devolver {product} del pedido {order}, no es lo que esperaba. "
                "¿Cómo lo hago?",
                "Buenas tardes, la talla no me queda bien. ¿Cómo hago la devolución del "
                "pedido {order}?",
            ),
            replies=(
                "Hola, {first_name}: te he enviado la etiqueta de devolución del pedido "
                "{order}. Llévalo a cualquier punto de recogida en los próximos 14 días. "
                "También puedes pedir la etiqueta desde el portal. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Return request", "I want to return an item"),
            bodies=(
                "Hi, I want to return {product} from order {order}, it's not what I "
                "expected. How do I do it?",
            ),
            replies=(
                "Hi {first_name}, I've sent you the return label for order {order}. Drop it "
                "at any pick-up point within 14 days. You can also get the label from the "
                "portal. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Devoluciones",
        "¿Cuándo me devolvéis el dinero?",
        "Finanzas",
        "self_serve",
        10,
        es=Texts(
            subjects=("Reembolso pendiente", "¿Y mi reembolso?", "Devolución del dinero"),
            bodies=(
                "Hola, devolví {product} hace {days} días y todavía no he recibido el "
                "reembolso de {amount} €. ¿Cuándo lo tendré?",
                "Buenos días, me confirmasteis la devolución del pedido {order} pero el "
                "dinero no aparece en mi cuenta.",
            ),
            replies=(
                "Hola, {first_name}: el reembolso de {amount} € del pedido {order} se emitió "
                "ayer; según tu banco tarda de 3 a 5 días hábiles. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Refund pending", "Where is my refund?"),
            bodies=(
                "Hello, I returned {product} {days} days ago and still haven't received "
                "the refund of {amount} EUR. When will I get it?",
            ),
            replies=(
                "Hi {first_name}, the refund of {amount} EUR for order {order} was issued "
                "yesterday; banks take 3 to 5 working days. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Devoluciones",
        "Me han enviado un producto equivocado",
        "Logística",
        "eliminate",
        5,
        es=Texts(
            subjects=("Producto equivocado", "Me ha llegado otra cosa"),
            bodies=(
                "Hola, pedí {product} y me ha llegado otro artículo distinto. Pedido {order}.",
            ),
            replies=(
                "Hola, {first_name}: disculpa el error de preparación. Te enviamos hoy "
                "{product} y recogemos el artículo equivocado sin coste. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Wrong item received",),
            bodies=("Hi, I ordered {product} and received a different item. Order {order}.",),
            replies=(
                "Hi {first_name}, sorry for the picking mistake. We're sending {product} "
                "today and collecting the wrong item at no cost. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Envíos",
        "Falta un artículo en mi pedido",
        "Logística",
        "eliminate",
        4,
        es=Texts(
            subjects=("Falta un artículo", "Pedido incompleto {order}"),
            bodies=(
                "Hola, en el pedido {order} venían dos artículos y solo ha llegado uno. "
                "Falta {product}.",
            ),
            replies=(
                "Hola, {first_name}: el pedido {order} salió en dos paquetes; el segundo con "
                "{product} llega mañana. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Item missing from my order",),
            bodies=("Hi, order {order} had two items and only one arrived: {product} is missing.",),
            replies=(
                "Hi {first_name}, order {order} shipped in two parcels; the second one with "
                "{product} arrives tomorrow. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Pagos",
        "Me han cobrado dos veces",
        "Finanzas",
        "eliminate",
        8,
        es=Texts(
            subjects=("Cobro duplicado", "Me habéis cobrado dos veces", "Doble cargo"),
            bodies=(
                "Hola, en mi cuenta aparecen dos cargos de {amount} € por el pedido {order}. "
                "Solo hice una compra.",
                "Buenas, me habéis cobrado dos veces el mismo pedido. Necesito que me "
                "devolváis uno de los cargos cuanto antes.",
            ),
            replies=(
                "Hola, {first_name}: tienes razón, hubo un cargo duplicado de {amount} €. Ya "
                "lo hemos anulado; desaparecerá de tu cuenta en unos días. Disculpa las "
                "molestias. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Charged twice", "Duplicate charge"),
            bodies=(
                "Hi, I see two charges of {amount} EUR for order {order} on my card. I only "
                "bought once.",
            ),
            replies=(
                "Hi {first_name}, you're right, there was a duplicate charge of {amount} "
                "EUR. We've reversed it; it will disappear from your statement in a few "
                "days. Sorry for the trouble. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Pagos",
        "Mi pago ha sido rechazado",
        "Tecnología",
        "simplify",
        5,
        es=Texts(
            subjects=("Pago rechazado", "No puedo pagar"),
            bodies=(
                "Hola, intento pagar {product} con mi tarjeta y la web me da error. La "
                "tarjeta funciona en otras tiendas.",
            ),
            replies=(
                "Hola, {first_name}: tu banco pedía una verificación adicional que la web no "
                "mostraba bien. Ya está solucionado; prueba de nuevo y, si falla, puedes "
                "pagar con Bizum. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Payment declined",),
            bodies=(
                "Hi, I'm trying to pay for {product} with my card and the site gives an "
                "error. The card works in other shops.",
            ),
            replies=(
                "Hi {first_name}, your bank required an extra verification step our site "
                "didn't show properly. It's fixed now, please try again. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Pagos",
        "Quiero pagar a plazos",
        "Finanzas",
        "leverage",
        2,
        es=Texts(
            subjects=("Pago a plazos", "¿Puedo pagar en cuotas?"),
            bodies=(
                "Hola, me interesa {product}. ¿Se puede pagar en varios plazos sin intereses?",
            ),
            replies=(
                "Hola, {first_name}: sí, para compras de más de 90 € puedes pagar en 3 "
                "plazos sin intereses; elige «Pago a plazos» al finalizar la compra. "
                "Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Pay in instalments",),
            bodies=("Hi, I'm interested in {product}. Can I pay in instalments?",),
            replies=(
                "Hi {first_name}, yes: for purchases over 90 EUR you can pay in 3 interest-"
                "free instalments; choose 'Pay in instalments' at checkout. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Cuenta",
        "No puedo entrar en mi cuenta",
        "Tecnología",
        "self_serve",
        9,
        trend=(1.5, 0.7),
        es=Texts(
            subjects=("No puedo entrar", "Problema con la contraseña", "Cuenta bloqueada"),
            bodies=(
                "Hola, no puedo entrar en mi cuenta. Dice que la contraseña es incorrecta y "
                "el correo para cambiarla no me llega.",
                "Buenas, mi cuenta se ha bloqueado después de varios intentos. ¿Me la podéis "
                "desbloquear?",
            ),
            replies=(
                "Hola, {first_name}: he desbloqueado tu cuenta y te he enviado un enlace "
                "para crear una contraseña nueva. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Can't log in", "Account locked"),
            bodies=(
                "Hi, I can't log into my account. It says the password is wrong and the "
                "reset email never arrives.",
            ),
            replies=(
                "Hi {first_name}, I've unlocked your account and sent you a link to set a "
                "new password. Best, {agent}",
            ),
        ),
        channels={"email": 0.35, "chat": 0.35, "phone": 0.15, "web": 0.15},
    ),
    ReasonSpec(
        "Cuenta",
        "Quiero cambiar mis datos personales",
        "Atención al cliente",
        "self_serve",
        3,
        es=Texts(
            subjects=("Cambiar mis datos", "Actualizar teléfono y dirección"),
            bodies=("Hola, he cambiado de teléfono y de dirección. ¿Me actualizáis los datos?",),
            replies=(
                "Hola, {first_name}: datos actualizados. Puedes cambiarlos tú mismo en «Mi "
                "cuenta» › «Datos personales». Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Update my details",),
            bodies=("Hi, I have a new phone number and address. Can you update my details?",),
            replies=(
                "Hi {first_name}, details updated. You can change them yourself under 'My "
                "account'. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Cuenta",
        "No quiero recibir más correos",
        "Tecnología",
        "simplify",
        2,
        es=Texts(
            subjects=("Darme de baja de la publicidad", "No quiero más correos"),
            bodies=(
                "Hola, me he dado de baja de la newsletter tres veces y me siguen llegando "
                "correos. Por favor, quitadme de la lista.",
            ),
            replies=(
                "Hola, {first_name}: te he quitado de todas las listas de correo. Disculpa "
                "las molestias. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Stop sending me emails",),
            bodies=("Hi, I've unsubscribed from the newsletter three times and still get emails.",),
            replies=(
                "Hi {first_name}, I've removed you from every mailing list. Sorry for the "
                "trouble. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Cuenta",
        "Quiero borrar mi cuenta",
        "Atención al cliente",
        "simplify",
        1,
        es=Texts(
            subjects=("Borrar mi cuenta", "Eliminar mis datos"),
            bodies=("Hola, quiero que borréis mi cuenta y todos mis datos personales.",),
            replies=(
                "Hola, {first_name}: hemos eliminado tu cuenta y tus datos personales, "
                "salvo las facturas que la ley nos obliga a guardar. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Delete my account",),
            bodies=("Hi, please delete my account and all my personal data.",),
            replies=(
                "Hi {first_name}, we've deleted your account and personal data, except the "
                "invoices we must keep by law. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Producto",
        "Tengo una duda sobre un producto",
        "Producto y Compras",
        "leverage",
        11,
        es=Texts(
            subjects=("Duda sobre {product}", "Consulta sobre un producto", "¿Qué talla pido?"),
            bodies=(
                "Hola, estoy pensando en comprar {product}. ¿Me podéis decir qué medidas "
                "tiene y si es compatible con lo que ya tengo?",
                "Buenas, ¿sabéis si {product} viene con garantía y con manual en español?",
            ),
            replies=(
                "Hola, {first_name}: te paso la ficha completa del producto. Por lo que "
                "cuentas, te recomiendo la versión grande. Si tienes más dudas, aquí "
                "estamos. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Question about {product}", "Which size should I get?"),
            bodies=(
                "Hi, I'm thinking of buying {product}. Could you tell me its dimensions and "
                "whether it works with what I already have?",
            ),
            replies=(
                "Hi {first_name}, here's the full spec sheet of {product}. From what you "
                "describe, I'd recommend the large version. Best, {agent}",
            ),
        ),
        channels={"chat": 0.4, "email": 0.3, "web": 0.15, "phone": 0.15},
    ),
    ReasonSpec(
        "Producto",
        "¿Cuándo volverá a estar disponible?",
        "Producto y Compras",
        "self_serve",
        4,
        es=Texts(
            subjects=("¿Cuándo tendréis {product}?", "Producto agotado"),
            bodies=(
                "Hola, lleva semanas sin stock {product}. ¿Sabéis cuándo volverá a estar "
                "disponible?",
            ),
            replies=(
                "Hola, {first_name}: esperamos reponer {product} en unas dos semanas. Puedes "
                "activar el aviso «Avísame» en la ficha y te escribimos al llegar. "
                "Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("When will {product} be back?",),
            bodies=("Hi, {product} has been out of stock for weeks. When will it be back?",),
            replies=(
                "Hi {first_name}, we expect {product} back in about two weeks. Use "
                "'Notify me' on the product page and we'll email you. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Garantía",
        "Mi producto se ha estropeado",
        "Producto y Compras",
        "simplify",
        6,
        es=Texts(
            subjects=("El producto no funciona", "Reclamación de garantía", "Producto averiado"),
            bodies=(
                "Hola, compré {product} hace unos meses y ha dejado de funcionar. Está en "
                "garantía. ¿Qué tengo que hacer?",
            ),
            replies=(
                "Hola, {first_name}: lo cubre la garantía. Te he enviado una etiqueta para "
                "que nos lo mandes; lo reparamos o te lo cambiamos en 7 días. Un saludo, "
                "{agent}",
            ),
        ),
        en=Texts(
            subjects=("Item stopped working", "Warranty claim"),
            bodies=(
                "Hi, I bought {product} a few months ago and it has stopped working. It's "
                "under warranty. What should I do?",
            ),
            replies=(
                "Hi {first_name}, the warranty covers it. I've sent you a label to ship it "
                "to us; we'll repair or replace it within 7 days. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Garantía",
        "¿Qué cubre la garantía?",
        "Producto y Compras",
        "self_serve",
        2,
        es=Texts(
            subjects=("Consulta sobre la garantía",),
            bodies=(
                "Hola, he comprado {product}. ¿La garantía cubre también la batería? "
                "¿Cuántos años son?",
            ),
            replies=(
                "Hola, {first_name}: la garantía es de 3 años e incluye la batería durante "
                "el primero. Lo tienes explicado en la sección «Garantías». Un saludo, "
                "{agent}",
            ),
        ),
        en=Texts(
            subjects=("Warranty question",),
            bodies=("Hi, does the warranty of {product} cover the battery? How long is it?",),
            replies=(
                "Hi {first_name}, the warranty lasts 3 years and covers the battery during "
                "the first. See the 'Warranty' section for details. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Facturas",
        "Necesito una factura",
        "Finanzas",
        "self_serve",
        5,
        es=Texts(
            subjects=("Factura del pedido {order}", "Necesito factura con mis datos fiscales"),
            bodies=(
                "Hola, necesito la factura del pedido {order} a nombre de mi empresa, con "
                "el NIF. ¿Me la podéis enviar?",
            ),
            replies=(
                "Hola, {first_name}: te adjunto la factura del pedido {order}. Puedes "
                "descargarla cuando quieras desde «Mis pedidos». Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Invoice for order {order}",),
            bodies=("Hi, I need an invoice for order {order} in my company's name.",),
            replies=(
                "Hi {first_name}, please find attached the invoice for order {order}. You "
                "can download it any time under 'My orders'. Best, {agent}",
            ),
        ),
    ),
    ReasonSpec(
        "Facturas",
        "Hay un error en mi factura",
        "Finanzas",
        "eliminate",
        2,
        es=Texts(
            subjects=("Error en la factura", "La factura no está bien"),
            bodies=(
                "Hola, la factura del pedido {order} tiene mal la dirección y el importe no "
                "coincide con lo que pagué ({amount} €).",
            ),
            replies=(
                "Hola, {first_name}: he anulado la factura y te envío la corregida. "
                "Disculpa el error. Un saludo, {agent}",
            ),
        ),
        en=Texts(
            subjects=("Mistake on my invoice",),
            bodies=(
                "Hi, the invoice for order {order} has the wrong address and the amount "
                "doesn't match what I paid ({amount} EUR).",
            ),
            replies=(
                "Hi {first_name}, I've cancelled that invoice and attached the corrected "
                "one. Sorry for the mistake. Best, {agent}",
            ),
        ),
    ),
)

# Which team handles which category (the demo routes cases by reason category).
CATEGORY_TEAM = {
    "Envíos": TEAM_ORDERS,
    "Pedido": TEAM_ORDERS,
    "Pagos": TEAM_MONEY,
    "Cuenta": TEAM_MONEY,
    "Facturas": TEAM_MONEY,
    "Devoluciones": TEAM_RETURNS,
    "Producto": TEAM_RETURNS,
    "Garantía": TEAM_RETURNS,
}

# Customer texts for a reason that is not in this catalog (an installation's own taxonomy).
GENERIC = {
    "es": Texts(
        subjects=("Consulta: {reason}", "{reason}"),
        bodies=(
            "Hola, os escribo por lo siguiente: {reason}. Es sobre el pedido {order}. "
            "¿Me podéis ayudar?",
        ),
        replies=("Hola, {first_name}: ya lo tenemos resuelto. Un saludo, {agent}",),
    ),
    "en": Texts(
        subjects=("Question: {reason}",),
        bodies=(
            "Hello, I'm writing about this: {reason}. It's about order {order}. Can you help?",
        ),
        replies=("Hi {first_name}, this is sorted now. Best regards, {agent}",),
    ),
}

# Follow-ups: the customer writes again about the same thing.
FOLLOW_UPS = {
    "es": (
        "Hola de nuevo, sigo sin solución con lo del pedido {order}. ¿Alguna novedad?",
        "Vuelvo a escribir porque nadie me ha contestado todavía. Pedido {order}.",
        "Perdonad la insistencia, pero necesito una respuesta sobre el pedido {order}.",
    ),
    "en": (
        "Hello again, still no solution for order {order}. Any news?",
        "I'm writing again because nobody has answered yet. Order {order}.",
    ),
}

# The agent's answer after the customer had to write again.
FOLLOW_UP_REPLIES = {
    "es": (
        "Hola, {first_name}: disculpa la espera. Lo he revisado con el equipo y ya está "
        "solucionado lo del pedido {order}. Si vuelve a pasar, escríbeme directamente. "
        "Un saludo, {agent}",
        "Hola, {first_name}: perdona que no te contestáramos antes. El pedido {order} ya "
        "está en orden; te he dejado una nota en tu ficha para que no tengas que repetirlo. "
        "Un saludo, {agent}",
    ),
    "en": (
        "Hi {first_name}, sorry for the wait. I've looked into it with the team and order "
        "{order} is sorted now. If it happens again, just reply to me directly. Best, {agent}",
    ),
}

WAITING_QUESTIONS = {
    "es": (
        "Hola, {first_name}: para revisarlo necesito el número de pedido y una foto del "
        "producto. ¿Me los envías? Un saludo, {agent}",
        "Hola, {first_name}: ¿me confirmas la dirección completa de entrega? Un saludo, {agent}",
    ),
    "en": (
        "Hi {first_name}, to check this I need your order number and a photo of the item. "
        "Could you send them? Best, {agent}",
    ),
}

NOTES = (
    "Cliente muy molesto: es la tercera vez que escribe. Priorizar.",
    "Consultado con Logística: la agencia confirma incidencia en la zona.",
    "Ofrecido cupón de 10 € como compensación; aceptado.",
    "Pendiente de confirmación de Finanzas para el reembolso.",
    "He pedido a Producto que revise la ficha: la información de tallas confunde.",
)

PRODUCTS = {
    "es": (
        "la cafetera espresso",
        "la mochila de viaje",
        "el reloj deportivo",
        "la chaqueta impermeable",
        "la lámpara de escritorio",
        "el juego de sartenes",
        "la freidora de aire",
        "el colchón viscoelástico",
        "la silla de oficina",
        "el robot aspirador",
        "el altavoz bluetooth",
        "el patinete eléctrico",
    ),
    "en": (
        "the espresso machine",
        "the travel backpack",
        "the sports watch",
        "the rain jacket",
        "the desk lamp",
        "the frying pan set",
        "the air fryer",
        "the memory foam mattress",
        "the office chair",
        "the robot vacuum",
        "the bluetooth speaker",
        "the electric scooter",
    ),
}

SPANISH_FIRST = (
    "María", "Carmen", "Josefa", "Isabel", "Laura", "Cristina", "Marta", "Lucía", "Paula",
    "Sara", "Raquel", "Elena", "Beatriz", "Pilar", "Nuria", "Silvia", "Rosa", "Irene",
    "Alicia", "Andrea", "Claudia", "Noelia", "Sonia", "Teresa", "Julia", "Inés", "Alba",
    "Antonio", "José", "Manuel", "Francisco", "David", "Juan", "Javier", "Daniel", "Carlos",
    "Miguel", "Alejandro", "Rafael", "Pedro", "Ángel", "Pablo", "Sergio", "Fernando",
    "Jorge", "Luis", "Alberto", "Álvaro", "Diego", "Adrián", "Raúl", "Iván", "Rubén",
    "Óscar", "Andrés", "Víctor", "Joaquín", "Santiago", "Marcos", "Hugo",
)  # fmt: skip
SPANISH_LAST = (
    "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez",
    "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz",
    "Álvarez", "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez",
    "Ramos", "Gil", "Ramírez", "Serrano", "Blanco", "Molina", "Morales", "Suárez", "Ortega",
    "Delgado", "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez", "Iglesias", "Medina",
    "Garrido", "Cortés", "Castillo", "Santos", "Lozano", "Guerrero", "Cano", "Prieto",
    "Méndez", "Cruz", "Calvo", "Gallego", "Vidal", "León", "Herrera", "Márquez", "Peña",
    "Cabrera",
)  # fmt: skip
ENGLISH_FIRST = (
    "Emma", "Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Sophie", "Chloe", "Lucy",
    "Hannah", "Emily", "Charlotte", "Ella", "Jessica", "Sarah", "Rachel", "Laura", "Kate",
    "Anna", "Oliver", "George", "Harry", "Jack", "Noah", "Charlie", "Thomas", "James",
    "William", "Daniel", "Henry", "Samuel", "Joseph", "Michael", "David", "Peter", "Mark",
    "Ryan", "Adam", "Ben",
)  # fmt: skip
ENGLISH_LAST = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Hughes", "Edwards", "Turner", "Hill", "Moore", "Cooper", "Ward",
    "Morris", "King", "Baker", "Harris", "Lewis", "Young", "Allen", "Scott", "Mitchell",
    "Carter", "Phillips", "Bennett", "Murphy",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "correo.example", "mail.example")

CANNED_REPLIES = (
    (
        "Saludo",
        "es",
        "Hola, {customer_name}:\n\nGracias por escribirnos. Hemos recibido tu consulta "
        "(caso {case_number}) y ya estamos con ella.\n\nUn saludo,\n{agent_name}",
    ),
    (
        "Saludo",
        "en",
        "Hi {customer_name},\n\nThanks for getting in touch. We've received your request "
        "(case {case_number}) and we're on it.\n\nBest regards,\n{agent_name}",
    ),
    (
        "Seguimiento del pedido",
        "es",
        "Hola, {customer_name}:\n\nHe revisado tu pedido: ya ha salido de nuestro almacén y "
        "la agencia lo entregará en 24-48 horas. Puedes seguirlo desde «Mis pedidos».\n\n"
        "Si tienes cualquier duda, responde a este mensaje indicando el caso {case_number}."
        "\n\nUn saludo,\n{agent_name}",
    ),
    (
        "Seguimiento del pedido",
        "en",
        "Hi {customer_name},\n\nI've checked your order: it has left our warehouse and the "
        "courier will deliver it within 24-48 hours. You can track it under 'My orders'.\n\n"
        "If you have any questions, just reply quoting case {case_number}.\n\n"
        "Best regards,\n{agent_name}",
    ),
    (
        "Instrucciones de devolución",
        "es",
        "Hola, {customer_name}:\n\nTe adjuntamos la etiqueta de devolución. Tienes 14 días "
        "para llevar el paquete a cualquier punto de recogida. En cuanto lo recibamos, te "
        "devolvemos el importe en 3-5 días.\n\nUn saludo,\n{agent_name} (caso {case_number})",
    ),
    (
        "Instrucciones de devolución",
        "en",
        "Hi {customer_name},\n\nPlease find the return label attached. You have 14 days to "
        "drop the parcel at any pick-up point. Once it reaches us, we refund you within 3-5 "
        "days.\n\nBest regards,\n{agent_name} (case {case_number})",
    ),
    (
        "Reembolso emitido",
        "es",
        "Hola, {customer_name}:\n\nHemos emitido el reembolso. Según tu banco, puede tardar "
        "de 3 a 5 días hábiles en aparecer en tu cuenta.\n\nUn saludo,\n{agent_name}",
    ),
    (
        "Reembolso emitido",
        "en",
        "Hi {customer_name},\n\nWe've issued your refund. Depending on your bank it can take "
        "3 to 5 working days to show on your account.\n\nBest regards,\n{agent_name}",
    ),
    (
        "Cobro duplicado",
        "es",
        "Hola, {customer_name}:\n\nTienes razón: se produjo un cargo duplicado. Ya lo hemos "
        "anulado y desaparecerá de tu cuenta en unos días. Sentimos las molestias.\n\n"
        "Un saludo,\n{agent_name}",
    ),
    (
        "Cobro duplicado",
        "en",
        "Hi {customer_name},\n\nYou're right: you were charged twice. We've reversed the "
        "duplicate charge and it will disappear from your statement in a few days. Sorry for "
        "the trouble.\n\nBest regards,\n{agent_name}",
    ),
    (
        "Restablecer contraseña",
        "es",
        "Hola, {customer_name}:\n\nTe hemos enviado un enlace para crear una contraseña nueva; "
        "caduca en una hora. Si no lo ves, revisa la carpeta de spam.\n\nUn saludo,\n"
        "{agent_name}",
    ),
    (
        "Restablecer contraseña",
        "en",
        "Hi {customer_name},\n\nWe've sent you a link to set a new password; it expires in "
        "one hour. If you can't see it, please check your spam folder.\n\nBest regards,\n"
        "{agent_name}",
    ),
    (
        "Cierre del caso",
        "es",
        "Hola, {customer_name}:\n\nDoy por resuelto el caso {case_number}. Si necesitas algo "
        "más, responde a este mensaje y lo reabrimos.\n\nUn saludo,\n{agent_name}",
    ),
    (
        "Cierre del caso",
        "en",
        "Hi {customer_name},\n\nI'm marking case {case_number} as solved. If you need "
        "anything else, just reply and we'll reopen it.\n\nBest regards,\n{agent_name}",
    ),
)
