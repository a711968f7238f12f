"""Theme discovery: how well and how fast contacts that fit no reason are grouped.

    .venv/bin/python bench/themes.py [--intents 20] [--per-intent 80] [--noise 400]
                                     [--cache DIR]

Quality, on CLINC150 (../shared/data/clinc150, CC BY 3.0; intents stand for themes, its
out-of-scope queries for noise): `--intents` intents of `--per-intent` queries each plus
`--noise` out-of-scope ones, embedded like contacts (motivo.suggest.engine.embed) and grouped
by motivo.themes.clustering with the product's defaults (min. 5 a theme, distance 0.8),
centred on the mean of 2,000 queries of all 150 intents (the "background": in the product,
the period's contacts). Reported: adjusted Rand index against the intents (each noise query
its own group), purity of the themes, share of noise left out, share of intent queries in a
theme; and the same for the hand-made Spanish and English sets of the tests.

Speed: the clustering of 2,000 and 5,000 contacts (5,000: the 2,000 repeated with a little
noise), and embedding throughput. Targets: ARI >= 0.80 on CLINC150, 2,000 contacts grouped
in <= 10 s. Exit 0 PASS, 1 FAIL, 2 could not run. Figures also go to
bench/results/themes-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

CLINC = ROOT.parent / "shared" / "data" / "clinc150" / "data_full.json"
RESULTS = ROOT / "bench" / "results"
ARI_TARGET = 0.80
SECONDS_TARGET = 10.0


def embedded(texts: list[str], cache: Path | None, name: str) -> tuple[np.ndarray, float]:
    """engine.embed(texts), from `cache` when it holds them. Returns (vectors, seconds)."""
    from motivo.suggest.engine import embed

    path = cache / f"{name}.npy" if cache else None
    if path and path.exists():
        vectors = np.load(path)
        if len(vectors) == len(texts):
            return vectors, 0.0
    started = time.perf_counter()
    vectors = embed(texts)
    seconds = time.perf_counter() - started
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors, seconds


def scores(labels: list[str], found, noise_label: str) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score

    predicted = [-1] * len(labels)
    for index, theme in enumerate(found.themes):
        for member in theme.members:
            predicted[member] = index
    truth = [label if label != noise_label else f"noise-{i}" for i, label in enumerate(labels)]
    groups = [p if p >= 0 else 1_000_000 + i for i, p in enumerate(predicted)]
    purity = [
        Counter(labels[m] for m in theme.members).most_common(1)[0][1] / theme.size
        for theme in found.themes
    ]
    noise = [i for i, label in enumerate(labels) if label == noise_label]
    inside = [i for i, label in enumerate(labels) if label != noise_label]
    return {
        "ari": round(adjusted_rand_score(truth, groups), 3),
        "themes": len(found.themes),
        "purity": round(float(np.mean(purity)), 3) if purity else 0.0,
        "noise_left_out": round(sum(predicted[i] < 0 for i in noise) / len(noise), 3)
        if noise
        else 1.0,
        "in_a_theme": round(sum(predicted[i] >= 0 for i in inside) / len(inside), 3),
    }


def clinc_sets(args: argparse.Namespace) -> tuple[list[str], list[str], list[str]]:
    data = json.loads(CLINC.read_text(encoding="utf-8"))
    rows = data["train"] + data["val"] + data["test"]
    by_intent: dict[str, list[str]] = {}
    for text, label in rows:
        by_intent.setdefault(label, []).append(text)
    rng = random.Random(7)
    intents = sorted(by_intent)
    rng.shuffle(intents)
    texts, labels = [], []
    for intent in intents[: args.intents]:
        chosen = sorted(by_intent[intent])
        rng.shuffle(chosen)
        texts += chosen[: args.per_intent]
        labels += [intent] * min(args.per_intent, len(chosen))
    oos = sorted(t for key in ("oos_train", "oos_val", "oos_test") for t, _l in data[key])
    rng.shuffle(oos)
    texts += oos[: args.noise]
    labels += ["noise"] * min(args.noise, len(oos))
    background = [text for text, _label in data["train"]]
    random.Random(11).shuffle(background)
    return texts, labels, background[:2000]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intents", type=int, default=20)
    parser.add_argument("--per-intent", type=int, default=80)
    parser.add_argument("--noise", type=int, default=400)
    parser.add_argument("--cache", type=Path, help="keep the embeddings here between runs")
    args = parser.parse_args()
    if not CLINC.exists():
        print(f"CLINC150 not found at {CLINC}", file=sys.stderr)
        return 2

    from motivo.themes.clustering import Params, discover
    from motivo.themes.tests.data import EN, ES, flatten

    params = Params()
    report: dict[str, object] = {"params": params.as_dict()}

    texts, labels, background_texts = clinc_sets(args)
    vectors, embed_seconds = embedded(texts, args.cache, f"clinc-{len(texts)}")
    background, _seconds = embedded(background_texts, args.cache, "clinc-background")
    if embed_seconds:
        report["embed_per_second"] = round(len(texts) / embed_seconds, 1)
    started = time.perf_counter()
    found = discover(texts, vectors, params, background=background.mean(axis=0))
    seconds = time.perf_counter() - started
    clinc = {**scores(labels, found, "noise"), "contacts": len(texts), "seconds": round(seconds, 2)}
    report["clinc150"] = clinc
    clinc_self = scores(labels, discover(texts, vectors, params), "noise")
    report["clinc150_no_background"] = clinc_self

    small = Params(min_size=3)
    for name, topics, noise in (("spanish", ES, "ruido"), ("english", EN, "noise")):
        set_texts, set_labels = flatten(topics)
        set_vectors, _s = embedded(set_texts, args.cache, f"hand-{name}")
        set_found = discover(set_texts, set_vectors, small)
        report[name] = {
            **scores(set_labels, set_found, noise),
            "terms": [list(theme.terms[:4]) for theme in set_found.themes],
        }

    timings = {}
    for n in (2000, 5000):
        rng = np.random.default_rng(3)
        reps = -(-n // len(vectors))
        big = np.vstack([vectors] * reps)[:n] + rng.normal(0, 0.01, (n, vectors.shape[1]))
        big = (big / np.linalg.norm(big, axis=1, keepdims=True)).astype(np.float32)
        big_texts = (texts * reps)[:n]
        started = time.perf_counter()
        result = discover(big_texts, big, params, background=background.mean(axis=0))
        timings[str(n)] = {
            "seconds": round(time.perf_counter() - started, 2),
            "themes": len(result.themes),
        }
    report["clustering_seconds"] = timings

    passed = clinc["ari"] >= ARI_TARGET and timings["2000"]["seconds"] <= SECONDS_TARGET
    report["pass"] = passed
    print(
        f"CLINC150, {clinc['contacts']} queries "
        f"({args.intents} intents + {args.noise} out of scope):"
    )
    print(
        f"  ARI {clinc['ari']:.3f} (target >= {ARI_TARGET})  themes {clinc['themes']}  "
        f"purity {clinc['purity']:.3f}  noise left out {clinc['noise_left_out']:.0%}  "
        f"intent queries in a theme {clinc['in_a_theme']:.0%}  ({clinc['seconds']} s)"
    )
    print(f"  without the background (centred on the input): ARI {clinc_self['ari']:.3f}")
    for name in ("spanish", "english"):
        item = report[name]
        print(
            f"{name.title()} hand-made set: ARI {item['ari']:.3f}, {item['themes']} themes, "
            f"purity {item['purity']:.3f}, noise left out {item['noise_left_out']:.0%}"
        )
        for terms in item["terms"]:
            print(f"    {', '.join(terms)}")
    for n, item in timings.items():
        print(f"Clustering {n} contacts: {item['seconds']} s ({item['themes']} themes)")
    if "embed_per_second" in report:
        print(f"Embedding: {report['embed_per_second']} texts/s (stored by the suggester)")
    print("PASS" if passed else "FAIL")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"themes-{stamp}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
