"""Hand-made contacts with obvious topics and some noise, in Spanish and in English, and
their embeddings (computed once per test session: embedding costs tens of milliseconds a
text)."""

from __future__ import annotations

import numpy as np

# Spanish: three topics none of a shop's usual reasons covers, and unrelated one-offs.
ES: dict[str, list[str]] = {
    "puntos": [
        "No me han sumado los puntos del Club Sol de mi última compra",
        "Hola, compré unas zapatillas y los puntos del Club Sol no aparecen en mi cuenta",
        "¿Dónde están mis puntos? El pedido ya llegó y el saldo de puntos sigue igual",
        "Tenía 300 puntos del Club Sol y ahora me salen 0 puntos",
        "Los puntos de fidelidad de la compra del sábado no se han añadido",
        "Quiero canjear mis puntos del Club Sol pero el saldo de puntos está mal",
        "Buenas, faltan los puntos de dos pedidos en mi tarjeta Club Sol",
        "mis puntos club sol no se suman desde hace un mes",
    ],
    "app": [
        "La aplicación del móvil se cierra sola nada más abrirla",
        "Desde la última actualización la app se cierra al entrar",
        "Cada vez que abro la app en el iPhone se cierra de golpe",
        "La app de Tienda Sol se queda en blanco y luego se cierra",
        "En Android la aplicación se bloquea y se cierra al abrir el carrito",
        "No puedo usar la app, se cierra sola todo el rato",
        "la aplicacion se cierra sola cuando intento entrar, la he reinstalado y nada",
        "Hola, la app móvil se cuelga y se cierra en cuanto la abro",
    ],
    "aduanas": [
        "Vivo en Canarias y me piden pagar aduanas para recibir el pedido",
        "El transportista me pide el pago del DUA de aduanas por un envío a Tenerife",
        "¿Por qué tengo que pagar tasas de aduana si el envío es a Las Palmas?",
        "Me han cobrado gastos de aduana al llegar el paquete a Canarias",
        "Hola, desde Gran Canaria: el paquete está retenido en aduanas y me piden pagar",
        "Aduanas retiene mi pedido en Canarias hasta que pague el DUA",
        "No sabía que los envíos a Canarias pagaban aduana, ¿cuánto es?",
    ],
    "ruido": [
        "¿Tenéis tienda física en Sevilla?",
        "Quería felicitar a la chica que me atendió ayer, muy amable",
        "Me gustaría trabajar con vosotros, ¿dónde envío el currículum?",
        "¿Cuál es vuestro horario en agosto?",
        "¿Patrocináis equipos de fútbol infantil?",
    ],
}

# English: two topics and noise.
EN: dict[str, list[str]] = {
    "points": [
        "My loyalty points did not show up after my last order",
        "I am missing the loyalty points from my purchase last week",
        "Where are my reward points? The order arrived but no points were added",
        "The loyalty points balance in my account is wrong",
        "I should have 200 loyalty points but my account shows zero points",
        "Points from my order were never added to my loyalty account",
        "loyalty points missing again after buying shoes",
    ],
    "invoice": [
        "I need an invoice with my company VAT number",
        "Can you send a VAT invoice for my order? I need it for my business",
        "The invoice does not show my company name and VAT number",
        "Please issue a corrected invoice with our company VAT ID",
        "How do I get a company invoice with the VAT details?",
        "My accountant needs an invoice including our VAT number",
        "Invoice is missing the business VAT registration number",
    ],
    "noise": [
        "Do you have a physical store in London?",
        "I want to compliment the agent who helped me yesterday",
        "What are your opening hours at Christmas?",
        "Are you hiring? Where can I send my CV?",
        "Do you sponsor children's football teams?",
    ],
}

# What most contacts are about: reasons the shop has (the model is sure of them). They are
# not input, but they are the background every contact shares.
ORDINARY_ES: list[str] = [
    "Hola, hice un pedido hace una semana y todavía no me ha llegado",
    "¿Dónde está mi pedido? El seguimiento no se mueve desde el lunes",
    "Quiero devolver unas zapatillas que me quedan pequeñas",
    "¿Cómo hago la devolución de un pedido?",
    "Me habéis cobrado dos veces el mismo pedido en la tarjeta",
    "Veo dos cargos en el banco por una sola compra",
    "El paquete llegó con la caja rota y el producto dañado",
    "No puedo entrar en mi cuenta, he olvidado la contraseña",
    "Necesito una factura de mi pedido para la empresa",
    "Quiero cambiar la dirección de entrega de mi pedido",
    "Me ha llegado una talla equivocada",
    "¿Cuándo me devolvéis el dinero de la devolución?",
]

NOISE = {"ruido", "noise"}


def flatten(topics: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """(texts, topic of each text), topics in order."""
    texts: list[str] = []
    labels: list[str] = []
    for topic, items in topics.items():
        texts += items
        labels += [topic] * len(items)
    return texts, labels


_vectors: dict[str, np.ndarray] = {}


def embed(texts: list[str]) -> np.ndarray:
    """engine.embed of each text, remembered for the rest of the session."""
    from motivo.suggest import engine

    missing = [text for text in dict.fromkeys(texts) if text not in _vectors]
    if missing:
        for text, vector in zip(missing, engine.embed(missing), strict=True):
            _vectors[text] = vector
    return np.vstack([_vectors[text] for text in texts])
