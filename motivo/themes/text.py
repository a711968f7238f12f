"""Words of a contact for key terms: tokens, Spanish and English stop words, accent folding.

Pure Python (no Django). A term's identity is its folded form (lower case, accents removed:
"envío" and "envio" are one term); it is shown in the spelling customers used most.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Words of two or more letters (any alphabet); digits and underscores split words.
WORD = re.compile(r"[^\W\d_]{2,}")
# Codes with a digit in them (order numbers "TS-817338", "A1B2"): never words.
CODE = re.compile(r"[\w-]*\d[\w-]*")


# Spanish function words and the commonest verbs forms, folded (no accents).
def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


SPANISH_STOP_WORDS = _words(
    """
    a al algo algun alguna algunas alguno algunos ante antes aqui asi aun aunque bajo bien cada
    casi como con contra cual cuales cualquier cuando cuanto de del desde donde dos durante e el
    ella ellas ello ellos en entre era eran eres es esa esas ese eso esos esta estaba estaban
    estado estais estamos estan estar estas este esto estos estoy fue fueron fui ha haber habia
    habian han has hasta hay he hemos hice hizo la las le les lo los mas me mi mia mias mio mios
    mis mismo mucho muchos muy nada ni no nos nosotras nosotros nuestra nuestras nuestro nuestros
    nunca o os otra otras otro otros para pero poco por porque pues que quien quienes se sea sean
    segun ser si sido siempre sin sino sobre sois solo somos son soy su sus suya suyas suyo suyos
    tal tambien tan tanto te tendria tenemos tener tengo tenia ti tiene tienen toda todas todo
    todos tu tus tuve tuvo un una unas uno unos usted ustedes va vais vamos van vaya vez vosotras
    vosotros voy vuestra vuestro y ya yo puedo puede pueden podeis podria hacer hace hecho sea
    ahora aca alla ese cosa cosas dia dias vez veces solo sola tras cuyo cuya dice dicen
    hago haga pone ponen sale salen esperaba ayer hoy
    """
)

# What customers write around their question in both languages: greetings, thanks,
# politeness, "I have a question" — present in every theme, so never a key term.
CONTACT_FILLER = _words(
    """
    hola buenas buenos tardes noches dias saludo saludos gracias muchas favor porfa porfavor
    cordial atentamente adios un saludo querria quisiera queria quiero necesito gustaria
    consulta pregunta duda ayuda ayudar podeis podrian podrias decir saber escribo escribir
    hello hi hey dear thanks thank regards please kind best cheers question help need want
    would like could can know tell writing write wrote ok okay vale bueno
    haven hasn didn doesn isn wasn weren don won couldn wouldn shouldn aren im ive
    """
)


def fold(text: str) -> str:
    """Lower case without accents: "Envío" → "envio"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# scikit-learn's English list holds words that name a help-desk problem; they stay terms.
ENGLISH_KEPT = _words(
    "bill call computer fire system interest amount move empty full back front top bottom "
    "side detail describe find found fill"
)

STOP_WORDS = frozenset(
    {fold(word) for word in ENGLISH_STOP_WORDS - ENGLISH_KEPT} | SPANISH_STOP_WORDS | CONTACT_FILLER
)


def singular(key: str) -> str:
    """A folded word without its plural "s" ("aduanas" and "aduana", "points" and "point"
    are one term); short words and "ss" endings stay as they are."""
    if len(key) > 4 and key.endswith("s") and not key.endswith("ss"):
        return key[:-1]
    return key


def tokens(text: str) -> list[tuple[str, str]]:
    """(folded, as written in lower case) for each word of `text`, in order, stop words
    included (callers need the gaps they leave)."""
    # A code becomes a stop word ("y"), so that no word pair spans it.
    return [(fold(match), match.casefold()) for match in WORD.findall(CODE.sub(" y ", text))]


# Words that join two nouns into one term: "punto de recogida", "proof of delivery".
CONNECTORS = frozenset({"de", "del", "of"})


def terms_of(text: str, *, bigrams: bool = True) -> list[tuple[str, str]]:
    """The content terms of a text as (key, shown): words that are not stop words, and pairs
    of such words written next to each other or joined by "de"/"of" ("tarjeta regalo",
    "punto de recogida", "loyalty points")."""
    found: list[tuple[str, str]] = []
    previous: tuple[str, str] | None = None
    joiner: tuple[str, str] | None = None  # a connector right after `previous`
    for folded, shown in tokens(text):
        if folded in STOP_WORDS:
            if previous is not None and joiner is None and folded in CONNECTORS:
                joiner = (folded, shown)
            else:
                previous, joiner = None, None
            continue
        key = singular(folded)
        found.append((key, shown))
        if bigrams and previous is not None:
            middle_key = f" {joiner[0]} " if joiner else " "
            middle_shown = f" {joiner[1]} " if joiner else " "
            found.append((previous[0] + middle_key + key, previous[1] + middle_shown + shown))
        previous, joiner = (key, shown), None
    return found


class Spellings:
    """Counts how each term was written, to show its commonest spelling."""

    def __init__(self) -> None:
        self._seen: dict[str, Counter[str]] = {}

    def add(self, pairs: Iterable[tuple[str, str]]) -> None:
        for key, shown in pairs:
            self._seen.setdefault(key, Counter())[shown] += 1

    def shown(self, key: str) -> str:
        counts = self._seen.get(key)
        if not counts:
            return key
        # Most frequent; ties by the spelling itself, so the choice is stable.
        return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


def analyzer(text: str) -> Sequence[str]:
    """The terms of a text by key (for scikit-learn's vectorisers)."""
    return [key for key, _shown in terms_of(text)]
