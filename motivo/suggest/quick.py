"""The suggester's first pass: a lexical classifier that answers in well under a millisecond
per contact, so every contact has suggestions within moments even when they arrive faster
than the sentence-embedding model (`engine.py`) can read them.

Why: the embedding model costs about 40 ms of CPU for a contact of 120 characters (12 ms is
for a sentence of 20); at 100 contacts a second that is four cores. So the suggester answers
every new contact at once with this model — TF-IDF of word 1-2-grams and character 2-5-grams,
accents folded, and one multinomial logistic regression, trained on the same texts and seeds
as the engine — and then refines each contact with the engine as fast as the CPU allows
(the refined suggestions replace the first ones; "none of our reasons" and automatic
application wait for them). Pure Python + scikit-learn, no Django; saved with `np.savez`
(never pickle), stored beside the engine's bytes in the same ModelVersion.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

MAX_FEATURES = 60_000  # per block (words, characters)
C = 10.0


def _vectorizers(word_vocab: dict | None = None, char_vocab: dict | None = None):  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import TfidfVectorizer

    common = {"sublinear_tf": True, "strip_accents": "unicode", "lowercase": True}
    word = TfidfVectorizer(
        ngram_range=(1, 2), vocabulary=word_vocab, max_features=MAX_FEATURES, **common
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        vocabulary=char_vocab,
        max_features=MAX_FEATURES,
        **common,
    )
    return word, char


@dataclass(eq=False)
class QuickModel:
    labels: list[str]
    word_vocab: list[str]
    word_idf: np.ndarray
    char_vocab: list[str]
    char_idf: np.ndarray
    coef: np.ndarray  # (labels, |word| + |char|)
    bias: np.ndarray
    _vec: tuple | None = field(default=None, repr=False)

    def _features(self, texts: Sequence[str]):  # type: ignore[no-untyped-def]
        from scipy.sparse import hstack

        if self._vec is None:
            word, char = _vectorizers(
                {t: i for i, t in enumerate(self.word_vocab)},
                {t: i for i, t in enumerate(self.char_vocab)},
            )
            word.idf_, char.idf_ = self.word_idf, self.char_idf
            self._vec = (word, char)
        word, char = self._vec
        return hstack([word.transform(texts), char.transform(texts)]).tocsr()

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        logits = self._features([t or "-" for t in texts]) @ self.coef.T + self.bias
        logits = np.asarray(logits, dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str], *, k: int = 3) -> list[list[tuple[str, float]]]:
        """For each text, the top `k` (label, probability), best first."""
        if not len(texts):
            return []
        p = self.probabilities(texts)
        order = np.argsort(-p, axis=1, kind="stable")[:, : max(1, min(k, len(self.labels)))]
        return [
            [(self.labels[j], float(row[j])) for j in idx]
            for row, idx in zip(p, order, strict=True)
        ]

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            labels=np.array(json.dumps(self.labels)),
            word_vocab=np.array(json.dumps(self.word_vocab, ensure_ascii=False)),
            char_vocab=np.array(json.dumps(self.char_vocab, ensure_ascii=False)),
            word_idf=self.word_idf.astype(np.float32),
            char_idf=self.char_idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            bias=self.bias.astype(np.float32),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> QuickModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return cls(
                labels=json.loads(str(z["labels"])),
                word_vocab=json.loads(str(z["word_vocab"])),
                char_vocab=json.loads(str(z["char_vocab"])),
                word_idf=z["word_idf"].astype(np.float64),
                char_idf=z["char_idf"].astype(np.float64),
                coef=z["coef"],
                bias=z["bias"],
            )


def train(
    texts: Sequence[str], labels: Sequence[str], *, seeds: Mapping[str, Sequence[str]] | None = None
) -> QuickModel:
    """Fit on labelled texts plus each label's seed phrases (name, description, examples).
    Deterministic for the same input. Raises ValueError when there is nothing to learn."""
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression

    x_texts = [t or "-" for t in texts]
    y = [str(label) for label in labels]
    for label, phrases in sorted((seeds or {}).items()):
        for phrase in phrases:
            if phrase and str(phrase).strip():
                x_texts.append(str(phrase))
                y.append(str(label))
    if not x_texts:
        raise ValueError("nothing to train on: give labelled texts or seeds")
    classes = sorted(set(y))
    word, char = _vectorizers()
    features = hstack([word.fit_transform(x_texts), char.fit_transform(x_texts)]).tocsr()
    if len(classes) == 1:
        coef = np.zeros((1, features.shape[1]), dtype=np.float32)
        bias = np.zeros(1, dtype=np.float32)
    else:
        index = {c: i for i, c in enumerate(classes)}
        model = LogisticRegression(C=C, max_iter=1000, class_weight="balanced")
        model.fit(features, np.array([index[c] for c in y]))
        coef, bias = model.coef_, model.intercept_
        if len(classes) == 2:  # scikit-learn keeps one row for two classes
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            bias = np.array([-bias[0] / 2, bias[0] / 2])
    return QuickModel(
        labels=classes,
        word_vocab=list(word.get_feature_names_out()),
        word_idf=np.asarray(word.idf_, dtype=np.float64),
        char_vocab=list(char.get_feature_names_out()),
        char_idf=np.asarray(char.idf_, dtype=np.float64),
        coef=np.asarray(coef, dtype=np.float32),
        bias=np.asarray(bias, dtype=np.float32),
    )
