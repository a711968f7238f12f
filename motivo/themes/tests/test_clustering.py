"""The clustering and key terms on hand-made Spanish and English contacts (no database)."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from motivo.themes import text as words
from motivo.themes.clustering import Params, discover, key_terms
from motivo.themes.tests.data import EN, ES, NOISE, embed, flatten

SMALL = Params(min_size=3)


def _topics(found, labels):
    """For each theme, the topics of its contacts."""
    return [Counter(labels[i] for i in theme.members) for theme in found.themes]


@pytest.mark.parametrize(
    ("topics", "expected"),
    [
        (
            ES,
            {
                "puntos": {"puntos", "club sol"},
                "app": {"app", "aplicación", "se cierra", "cierra"},
                "aduanas": {"aduanas", "aduana", "canarias", "dua"},
            },
        ),
        (EN, {"points": {"loyalty points", "points", "loyalty"}, "invoice": {"vat", "invoice"}}),
    ],
    ids=["es", "en"],
)
def test_obvious_topics_become_themes_with_telling_terms(topics, expected):
    texts, labels = flatten(topics)
    found = discover(texts, embed(texts), SMALL)

    # One theme per topic, each of a single topic and holding most of it.
    assert len(found.themes) == len(expected)
    for theme, topic_counts in zip(found.themes, _topics(found, labels), strict=True):
        assert len(topic_counts) == 1, topic_counts
        [(topic, n)] = topic_counts.items()
        assert n >= 0.7 * labels.count(topic)
        assert set(theme.terms[:3]) & expected[topic], (topic, theme.terms)
        assert not set(theme.terms) & words.STOP_WORDS
    assert {topic for counts in _topics(found, labels) for topic in counts} == set(expected)
    # The noise stays noise.
    noise = [i for i, label in enumerate(labels) if label in NOISE]
    assert set(noise) <= set(found.noise)
    # Largest first; members most central first; the examples are the first members.
    sizes = [theme.size for theme in found.themes]
    assert sizes == sorted(sizes, reverse=True)
    for theme in found.themes:
        assert list(theme.centrality) == sorted(theme.centrality, reverse=True)


def test_mixed_languages_keep_topics_apart():
    texts, labels = flatten({**ES, **EN})
    found = discover(texts, embed(texts), SMALL)

    topics = _topics(found, labels)
    assert all(len(counts) == 1 for counts in topics), topics
    assert {topic for counts in topics for topic in counts} == {
        "puntos", "app", "aduanas", "points", "invoice",
    }  # fmt: skip


def test_same_input_same_themes_also_in_another_order():
    texts = flatten(ES)[0]
    vectors = embed(texts)
    first = discover(texts, vectors, SMALL)
    again = discover(list(texts), vectors.copy(), SMALL)
    assert again == first

    order = list(range(len(texts)))
    random.Random(4).shuffle(order)
    shuffled = discover([texts[i] for i in order], vectors[order], SMALL)
    as_texts = [sorted(texts[i] for i in theme.members) for theme in first.themes]
    shuffled_texts = [sorted(texts[order[i]] for i in theme.members) for theme in shuffled.themes]
    assert shuffled_texts == as_texts
    assert [theme.terms for theme in shuffled.themes] == [theme.terms for theme in first.themes]


def test_groups_below_the_minimum_size_are_noise():
    texts = flatten(ES)[0]
    vectors = embed(texts)
    assert len(discover(texts, vectors, Params(min_size=3)).themes) == 3
    big = discover(texts, vectors, Params(min_size=9))  # no topic has nine contacts
    assert big.themes == [] and big.noise == list(range(len(texts)))


def test_too_few_contacts_and_no_contacts():
    texts = ES["app"][:2]
    found = discover(texts, embed(texts), SMALL)
    assert found.themes == [] and found.noise == [0, 1]
    empty = discover([], np.zeros((0, 384), dtype=np.float32), SMALL)
    assert empty.themes == [] and empty.noise == []
    with pytest.raises(ValueError, match="one vector per text"):
        discover(texts, embed(texts[:1]), SMALL)


def test_key_terms_prefer_word_pairs_and_fold_accents():
    texts = [
        "La tarjeta regalo no funciona",
        "Mi tarjeta regalo da error",
        "Tarjeta regalo caducada",
        "El envío llega tarde",
        "El envio no llega",
        "¿Cuándo llega el envío?",
        "Hola, gracias",
    ]
    gift, shipping = key_terms(texts, [[0, 1, 2], [3, 4, 5]], count=3)
    assert gift[0] == "tarjeta regalo"
    assert "tarjeta" not in gift and "regalo" not in gift
    # "envío" and "envio" are one term, shown as most customers wrote it.
    assert shipping[:2] == ["llega", "envío"] or shipping[:2] == ["envío", "llega"]
    assert "envio" not in shipping


def test_joined_nouns_and_stop_words():
    pairs = words.terms_of("Hola, el punto de recogida está cerrado. Thanks for the help!")
    keys = [key for key, _shown in pairs]
    assert "punto de recogida" in keys
    assert "cerrado" in keys
    for filler in ("hola", "el", "esta", "thanks", "for", "the", "help"):
        assert filler not in keys
    assert words.fold("Devolución ÁÉÍ") == "devolucion aei"
