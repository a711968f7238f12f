"""Grouping contacts that fit none of our reasons into themes. Pure Python (no Django).

Method (docs/themes.md explains the choice and its measurements):

1. Similarity. Each contact is its sentence embedding (multilingual-e5-small, the same
   vectors the suggestion model uses) minus what contacts in general share — the mean
   embedding of all the period's contacts, or of the input when there is no such background
   — normalised again: e5 gives every pair of texts a cosine of 0.7–0.95, mostly from
   sharing a language and a register; removing the common part leaves what sets contacts
   apart. To that, a fifth of the similarity comes from shared words (TF-IDF over content
   words, Spanish and English stop words removed), which keeps product names and short
   misspelt texts together.
2. Groups. Agglomerative clustering with average linkage (scikit-learn): contacts merge into
   a group while the group's average cosine distance stays below `distance`. It has no
   random start, so the same contacts always give the same groups; groups smaller than
   `min_size` are left as noise (contacts that resemble nothing else).
3. Themes. Largest first (ties: the one whose first contact came first). Members ordered by
   how central they are (their average similarity to the rest of the theme), so the first
   ones are the examples. Key terms: class-based TF-IDF — the share of the theme's contacts
   that use a term, weighted by how rare the term is among all of this run's contacts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from motivo.themes import text as words


@dataclass(frozen=True)
class Params:
    """How themes are found. Stored with every run, so a run can be repeated exactly."""

    distance: float = 0.8  # average cosine distance up to which a group keeps growing
    min_size: int = 5  # smaller groups are noise
    text_weight: float = 0.2  # share of the similarity that comes from shared words
    terms: int = 6  # key terms per theme
    examples: int = 5  # example contacts per theme (the most central ones)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "distance": self.distance,
            "min_size": self.min_size,
            "text_weight": self.text_weight,
            "terms": self.terms,
            "examples": self.examples,
        }


@dataclass(frozen=True)
class Found:
    """One theme: input positions of its contacts, most central first, with their
    centrality (average similarity to the theme's other contacts), and its key terms."""

    members: tuple[int, ...]
    centrality: tuple[float, ...]
    terms: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class Discovery:
    themes: list[Found] = field(default_factory=list)
    noise: list[int] = field(default_factory=list)  # input positions in no theme


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def similarity(
    texts: Sequence[str],
    vectors: np.ndarray,
    *,
    text_weight: float,
    background: np.ndarray | None = None,
) -> np.ndarray:
    """(n, n) cosine similarity of the contacts: embeddings centred on `background` (what
    contacts in general share; default: the mean of `vectors`), plus `text_weight` of TF-IDF
    over content words."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    embedded = np.asarray(vectors, dtype=np.float64)
    centre = (
        embedded.mean(axis=0, keepdims=True)
        if background is None
        else np.asarray(background, dtype=np.float64).reshape(1, -1)
    )
    centred = _normalise(embedded - centre)
    sim = (1.0 - text_weight) * (centred @ centred.T)
    if text_weight > 0:
        vectoriser = TfidfVectorizer(analyzer=words.analyzer, sublinear_tf=True, norm="l2")
        try:
            tfidf = vectoriser.fit_transform(texts)
        except ValueError:  # no content word in any text
            tfidf = None
        if tfidf is not None:
            sim += text_weight * (tfidf @ tfidf.T).toarray()
    sim = (sim + sim.T) / 2  # exactly symmetric whatever the rounding
    np.fill_diagonal(sim, 1.0)
    return sim


def _groups(sim: np.ndarray, distance: float) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    dist = np.clip(1.0 - sim, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=distance,
    )
    return model.fit_predict(dist)


def discover(
    texts: Sequence[str],
    vectors: np.ndarray,
    params: Params | None = None,
    *,
    background: np.ndarray | None = None,
) -> Discovery:
    """Themes among `texts` (row i of `vectors` is the L2-normalised embedding of text i).
    `background`: the mean embedding of contacts in general, which the similarity leaves out
    (default: the mean of `vectors`). Deterministic: the same input gives the same result."""
    params = params or Params()
    n = len(texts)
    if len(vectors) != n:
        raise ValueError("one vector per text is needed")
    if n < max(params.min_size, 2):
        return Discovery(noise=list(range(n)))
    sim = similarity(texts, vectors, text_weight=params.text_weight, background=background)
    labels = _groups(sim, params.distance)
    by_label: dict[int, list[int]] = {}
    for position, label in enumerate(labels.tolist()):
        by_label.setdefault(label, []).append(position)
    groups = [members for members in by_label.values() if len(members) >= params.min_size]
    groups.sort(key=lambda members: (-len(members), members[0]))
    in_theme = {position for members in groups for position in members}
    result = Discovery(noise=[i for i in range(n) if i not in in_theme])
    terms = key_terms(texts, groups, count=params.terms)
    for members, theme_terms in zip(groups, terms, strict=True):
        block = sim[np.ix_(members, members)]
        centrality = (block.sum(axis=1) - 1.0) / (len(members) - 1)
        order = sorted(range(len(members)), key=lambda i: (-round(centrality[i], 9), members[i]))
        result.themes.append(
            Found(
                members=tuple(members[i] for i in order),
                centrality=tuple(float(centrality[i]) for i in order),
                terms=tuple(theme_terms),
            )
        )
    return result


def key_terms(
    texts: Sequence[str], groups: Sequence[Sequence[int]], *, count: int = 6
) -> list[list[str]]:
    """Up to `count` distinctive terms per group (class-based TF-IDF over documents): a
    term scores (contacts of the group using it / group size) × log(1 + all contacts / all
    contacts using it). A term must be used by at least two contacts of the group and
    a sixth of them. Word pairs ("tarjeta regalo") count as terms; a single word already
    inside a chosen pair is not repeated."""
    spellings = words.Spellings()
    doc_terms: list[set[str]] = []
    for body in texts:
        pairs = words.terms_of(body)
        spellings.add(pairs)
        doc_terms.append({key for key, _shown in pairs})
    used_by: Counter[str] = Counter()
    for found in doc_terms:
        used_by.update(found)
    total = len(texts)
    result = []
    for members in groups:
        in_group: Counter[str] = Counter()
        for position in members:
            in_group.update(doc_terms[position])
        size = len(members)
        floor = max(2, math.ceil(size / 6))
        scored = [
            (in_group[term] / size * math.log(1 + total / used_by[term]), term, in_group[term])
            for term in in_group
            if in_group[term] >= floor
        ]
        scored.sort(key=lambda item: (-round(item[0], 9), item[1]))
        result.append([spellings.shown(term) for term in _distinct(scored, count)])
    return result


def _distinct(scored: Sequence[tuple[float, str, int]], count: int) -> list[str]:
    """The best terms (scored: (score, term, contacts using it), best first), without a
    word that a chosen pair already says, nor a pair sharing a word with a chosen pair. A
    pair whose words were chosen before takes the place of the first of them when nearly as
    many contacts use the pair (60 %); else it is left out."""
    chosen: list[tuple[str, int]] = []
    for _score, term, used in scored:
        parts = [word for word in term.split(" ") if word not in words.CONNECTORS]
        if len(parts) == 1:
            if len(chosen) < count and not any(term in c.split(" ") for c, _n in chosen):
                chosen.append((term, used))
            continue
        if any(set(parts) & set(c.split(" ")) for c, _n in chosen if " " in c):
            continue  # "puntos del club" after "club sol"
        inside = [i for i, (c, _n) in enumerate(chosen) if c in parts]
        if not inside:
            if len(chosen) < count:
                chosen.append((term, used))
            continue
        if used >= 0.6 * max(chosen[i][1] for i in inside):
            first = inside[0]
            chosen = [
                (term, used) if i == first else item
                for i, item in enumerate(chosen)
                if i == first or i not in inside
            ]
    return [term for term, _n in chosen]
