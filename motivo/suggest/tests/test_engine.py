"""The classifier engine with real embeddings on a handful of texts (no database)."""

import numpy as np
import pytest

from motivo.suggest import engine

SEEDS = {
    "1": [
        "¿Dónde está mi pedido?",
        "Where is my order?",
        "El pedido no ha llegado y el seguimiento no se mueve",
    ],
    "2": [
        "Quiero devolver un producto",
        "I want to return an item",
        "Devolución de un artículo que no me gusta",
    ],
    "3": [
        "Me han cobrado dos veces",
        "I was charged twice",
        "Cargo duplicado en la tarjeta",
    ],
    "4": [
        "No puedo entrar en mi cuenta",
        "I can't log in to my account",
        "He olvidado la contraseña",
    ],
}


@pytest.fixture(scope="module")
def cold():
    return engine.train([], [], seeds=SEEDS)


@pytest.fixture(scope="module")
def trained():
    texts = [
        "mi pedido aún no llega, ¿dónde está?",
        "hace una semana que compré y no sé nada del paquete",
        "where's my parcel? tracking shows nothing",
        "quiero devolver las zapatillas, no me quedan bien",
        "¿cómo hago una devolución?",
        "I'd like to send the jacket back",
        "me habéis cobrado el pedido dos veces",
        "veo dos cargos iguales en mi tarjeta",
        "double charge on my credit card",
        "no me deja iniciar sesión",
        "la contraseña no funciona y no puedo entrar",
        "locked out of my account",
    ]
    labels = ["1", "1", "1", "2", "2", "2", "3", "3", "3", "4", "4", "4"]
    return engine.train(texts, labels, seeds=SEEDS), texts, labels


def top(classifier, texts):
    return [p.suggestions[0].label for p in classifier.predict(texts)]


def test_embed_shape_and_norm():
    v = engine.embed(["hola", "where is my order"])
    assert v.shape == (2, engine.DIM) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert engine.embed([]).shape == (0, engine.DIM)


def test_cold_start_from_seeds_alone(cold):
    assert cold.labels == ["1", "2", "3", "4"]
    assert top(cold, ["¿Dónde está mi pedido? No ha llegado todavía"]) == ["1"]
    assert top(cold, ["I want to return these shoes"]) == ["2"]
    assert top(cold, ["me cobrasteis dos veces el mismo pedido"]) == ["3"]
    assert top(cold, ["I forgot my password and cannot log in"]) == ["4"]


def test_predictions_are_ranked_probabilities(trained):
    classifier, _, _ = trained
    (p,) = classifier.predict(["quiero devolver un abrigo"], k=3)
    confidences = [s.confidence for s in p.suggestions]
    assert len(p.suggestions) == 3
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert len({s.label for s in p.suggestions}) == 3
    (p,) = classifier.predict(["x"], k=10)
    assert len(p.suggestions) == 4
    assert classifier.predict([]) == []


def test_misspelled_and_mixed_language_input(trained):
    classifier, _, _ = trained
    assert top(classifier, ["dnde esta mi pedio?? no a llegao"]) == ["1"]
    assert top(classifier, ["kiero debolver el producto"]) == ["2"]
    assert top(classifier, ["me cobraron twice el pedido"]) == ["3"]


def test_unrelated_text_is_none_of_ours(trained):
    classifier, _, _ = trained
    predictions = classifier.predict(
        ["qwxz zzkv plort", "¿Cuál es la capital de Australia?", "what's the weather tomorrow"]
    )
    assert [p.none_of_ours for p in predictions] == [True, True, True]
    assert not classifier.predict(["¿dónde está mi pedido?"])[0].none_of_ours


def test_cold_start_flags_unrelated_text(cold):
    predictions = cold.predict(["¿Cuál es la capital de Australia?", "quiero devolver mi pedido"])
    assert [p.none_of_ours for p in predictions] == [True, False]
    assert cold.info["none_mode"] == "similarity"


def test_none_texts_teach_what_is_not_ours(trained):
    _, texts, labels = trained
    unrelated = ["¿Cuál es la capital de Francia?", "cuéntame un chiste", "what time is it"]
    classifier = engine.train(texts, labels, seeds=SEEDS, none_texts=unrelated)
    assert classifier.labels == ["1", "2", "3", "4"]
    assert classifier.info["n_none_texts"] == 3
    (p,) = classifier.predict(["cuéntame otro chiste, por favor"])
    assert p.none_of_ours
    assert all(s.label != "" and s.label in classifier.labels for s in p.suggestions)
    assert not classifier.predict(["me habéis cobrado dos veces"])[0].none_of_ours


def test_round_trip_gives_identical_predictions(trained):
    classifier, texts, _ = trained
    data = classifier.to_bytes()
    assert isinstance(data, bytes)
    assert b"pickle" not in data.lower()
    restored = engine.Classifier.from_bytes(data)
    assert restored.labels == classifier.labels
    assert restored.info == classifier.info
    probe = [*texts, "texto cualquiera", "I want my money back"]
    assert restored.predict(probe) == classifier.predict(probe)


def test_training_is_deterministic(trained):
    classifier, texts, labels = trained
    again = engine.train(texts, labels, seeds=SEEDS)
    probe = [*texts, "otra cosa distinta"]
    probs_a, fit_a = classifier.scores(probe)
    probs_b, fit_b = again.scores(probe)
    assert np.array_equal(probs_a, probs_b)
    assert np.array_equal(fit_a, fit_b)
    assert again.none_threshold == classifier.none_threshold


def test_both_linear_models_fit_deterministically(trained):
    _, texts, labels = trained
    vectors = engine.embed(texts)
    first = engine._fit_core(texts, vectors, labels, svc=True)
    second = engine._fit_core(texts, vectors, labels, svc=True)
    assert first.svc_coef.shape == first.coef.shape
    assert np.array_equal(first.coef, second.coef)
    assert np.array_equal(first.svc_coef, second.svc_coef)


def test_given_vectors_are_used(trained):
    classifier, texts, _ = trained
    vectors = engine.embed(texts)
    assert classifier.predict(texts, vectors=vectors) == classifier.predict(texts)
    with pytest.raises(ValueError, match="shape"):
        classifier.predict(texts, vectors=vectors[:2])


def test_nothing_to_train_on_is_refused():
    with pytest.raises(ValueError, match="nothing to train on"):
        engine.train([], [])
    with pytest.raises(ValueError, match="nothing to train on"):
        engine.train([], [], seeds={"1": ["", "   "]})
    with pytest.raises(ValueError, match="same length"):
        engine.train(["a"], [])


def test_info_describes_the_model(trained):
    classifier, texts, _ = trained
    info = classifier.info
    assert info["engine_version"] == engine.ENGINE_VERSION
    assert info["n_examples"] == len(texts)
    assert info["n_labels"] == 4
    assert info["none_threshold"] == pytest.approx(classifier.none_threshold, abs=1e-6)
    assert info["none_mode"] == "heldout"
    assert info["train_seconds"] >= 0


POOL = [
    "mi cuenta está bloqueada y no puedo entrar",
    "cuenta bloqueada después de tres intentos con la contraseña",
    "no puedo iniciar sesión, me sale cuenta bloqueada",
    "my account is blocked, I cannot log in",
    "account blocked after too many password attempts",
    "el paquete sigue sin llegar, ¿dónde está?",
    "me habéis cobrado dos veces el mismo pedido",
    "quiero devolver el abrigo",
    "¿venden tarjetas regalo en la tienda física?",
]


def test_unconfirmed_texts_help_a_reason_with_two_examples(trained):
    _, texts, labels = trained
    # reason 4 (login) with two confirmed examples only
    keep = [i for i, label in enumerate(labels) if not (label == "4" and "locked" in texts[i])]
    texts = [texts[i] for i in keep]
    labels = [labels[i] for i in keep]
    assert labels.count("4") == 2
    without = engine.train(texts, labels, seeds=SEEDS)
    with_pool = engine.train(texts, labels, seeds=SEEDS, unlabelled_texts=POOL)

    assert without.info["n_unlabelled"] == 0 and without.info["n_pseudo_labelled"] == 0
    assert with_pool.info["n_unlabelled"] == len(POOL)
    assert with_pool.info["n_pseudo_labelled"] >= 3
    probe = ["cuenta bloqueada", "blocked account"]
    j_without, j_with = without.labels.index("4"), with_pool.labels.index("4")
    p_without = without.scores(probe)[0][:, j_without]
    p_with = with_pool.scores(probe)[0][:, j_with]
    assert (p_with > p_without).all()
    assert top(with_pool, probe) == ["4", "4"]
    again = engine.train(texts, labels, seeds=SEEDS, unlabelled_texts=POOL)
    assert np.array_equal(again.scores(probe)[0], with_pool.scores(probe)[0])  # deterministic
    with pytest.raises(ValueError, match="shape"):
        engine.train(
            texts, labels, seeds=SEEDS, unlabelled_texts=POOL, unlabelled_vectors=np.zeros((1, 3))
        )
