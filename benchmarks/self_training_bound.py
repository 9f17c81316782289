"""How far can self-training go on Suite 1? Oracle bounds on the KEEL protocol.

Self-training adds the unlabeled rows its model is most confident about, with
the model's own labels. Two bounds show what that can reach at best, on the
same folds, labeled rows and base classifiers as ``keel.py``:

- ``oracle_confident_half``: the most confident half of the unlabeled rows
  (by the supervised model's probability) added with their **true** labels:
  confidence-based selection with perfect pseudo-labels. No threshold,
  calibration, balancing or guard can beat the precision of this run;
- ``pseudo_confident_half``: the same rows with the model's own labels, which
  is one round of naive self-training at the same size;
- ``noisy_pool_P``: every unlabeled row added with its true label, a share P
  of them (5%, 10%, 20%) switched to a random other class: how precise
  pseudo-labels on the whole pool must be for the base to close the gap;
- ``supervised`` and ``full`` as in ``keel.py``.

Also recorded: the precision of the supervised model on its confident half
and on the whole pool, and of semiloop's label spreading (recommended, 10
neighbours, standardised features) on the whole pool.

Usage (from the repository root)::

    .venv/bin/python benchmarks/self_training_bound.py              # 10 folds
    .venv/bin/python benchmarks/self_training_bound.py --folds 3    # quick mode

Outputs ``benchmarks/results/self-training-bound-<tag>.{json,md}``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import shlex
import sys
import warnings
from pathlib import Path

import bench_env
import keel_data
import keel_md
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

BASES = {
    "rf": lambda: RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1),
    "logreg": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
}
NOISE_LEVELS = (0.05, 0.10, 0.20)
VARIANTS = ("supervised", "pseudo_confident_half", "oracle_confident_half",
            *(f"noisy_pool_{round(100 * p)}" for p in NOISE_LEVELS), "full")
PRECISIONS = ("precision_confident_half", "precision_pool", "precision_label_spreading")
SEED = 0


def _accuracy(model, X, y):
    return float(np.mean(model.predict(X) == y))


def _with_rows(make, X_lab, y_lab, X_add, y_add):
    return make().fit(np.vstack([X_lab, X_add]), np.concatenate([y_lab, y_add]))


def _switch_labels(y, share, n_classes, rng):
    """``y`` with ``share`` of its entries moved to a uniformly drawn other class."""
    y = y.copy()
    flip = rng.random(len(y)) < share
    y[flip] = (y[flip] + rng.integers(1, n_classes, flip.sum())) % n_classes
    return y


def run_task(dataset, fold):
    from threadpoolctl import threadpool_limits

    from semiloop.registry import make_candidate

    threadpool_limits(1)
    warnings.filterwarnings("ignore")
    data = keel_data.load_dataset(dataset)
    train, test = keel_data.fold_indices(data.y, fold)
    X, y, X_test, y_test = data.X[train], data.y[train], data.X[test], data.y[test]
    y_semi = keel_data.hide_labels(y, fold=fold, seed=SEED)
    labeled, pool = y_semi >= 0, y_semi < 0
    X_lab, y_lab, X_pool, y_pool = X[labeled], y[labeled], X[pool], y[pool]
    n_classes = int(y.max()) + 1
    spreading = make_candidate("graph", random_state=0).fit(X, y_semi)
    spread_labels = spreading[-1].transduction_[pool]
    out = {"dataset": dataset, "fold": fold, "n_labeled": int(labeled.sum()),
           "n_pool": int(pool.sum()), "bases": {}}
    for name, make in BASES.items():
        supervised = make().fit(X_lab, y_lab)
        proba = supervised.predict_proba(X_pool)
        own = supervised.classes_[proba.argmax(axis=1)]
        confident = np.argsort(-proba.max(axis=1), kind="stable")[: max(1, pool.sum() // 2)]
        rng = np.random.default_rng(SEED + fold)
        rec = {
            "supervised": _accuracy(supervised, X_test, y_test),
            "full": _accuracy(make().fit(X, y), X_test, y_test),
            "oracle_confident_half": _accuracy(_with_rows(
                make, X_lab, y_lab, X_pool[confident], y_pool[confident]), X_test, y_test),
            "pseudo_confident_half": _accuracy(_with_rows(
                make, X_lab, y_lab, X_pool[confident], own[confident]), X_test, y_test),
            "precision_confident_half": float(np.mean(own[confident] == y_pool[confident])),
            "precision_pool": float(np.mean(own == y_pool)),
            "precision_label_spreading": float(np.mean(spread_labels == y_pool)),
        }
        for share in NOISE_LEVELS:
            noisy = _switch_labels(y_pool, share, n_classes, rng)
            rec[f"noisy_pool_{round(100 * share)}"] = _accuracy(_with_rows(
                make, X_lab, y_lab, X_pool, noisy), X_test, y_test)
        out["bases"][name] = rec
    return out


def aggregate(records, datasets):
    """Per base: the keel_md summary of every variant and the mean precisions."""
    report = {}
    for base in BASES:
        results = {}
        for ds in datasets:
            folds = [r["bases"][base] for r in records if r["dataset"] == ds]
            results[ds] = {base: {v: {"errors": [], "mean_accuracy": float(
                np.mean([f[v] for f in folds]))} for v in VARIANTS}}
        summary = keel_md.summarise(results, datasets, base, VARIANTS)
        precision = {p: float(np.mean([r["bases"][base][p] for r in records]))
                     for p in PRECISIONS}
        per_dataset = {ds: {v: 100 * results[ds][base][v]["mean_accuracy"] for v in VARIANTS}
                       for ds in datasets}
        report[base] = {"summary": summary, "precision": precision, "per_dataset": per_dataset}
    return report


def render(header, report):
    lines = [f"# Self-training bounds on KEEL suite 1 — {header['tag']}", "",
             "Command:", "", "```", header["command"], "```", "",
             f"- {header['folds']} folds, seed {SEED}, 10% labels per class, "
             f"{len(header['datasets'])} development datasets",
             f"- versions: {header['versions']}", f"- machine: {header['machine']}",
             f"- started {header['started']}", ""]
    for base, entry in report.items():
        lines += [f"## Base: {base}", "",
                  "| variant | mean accuracy | gap closed | harmed |", "|---|---|---|---|"]
        for variant in VARIANTS:
            s = entry["summary"][variant]
            gap = "–" if s["gap_closed"] is None else f"{100 * s['gap_closed']:.0f}%"
            harmed = "–" if s["harmed"] is None else (
                f"{s['harmed']}/{s['n_datasets']}"
                + (f" ({', '.join(s['harmed_datasets'])})" if s["harmed"] else ""))
            lines.append(f"| {variant} | {s['mean_accuracy']:.1f} | {gap} | {harmed} |")
        lines += ["", "Pseudo-label precision, mean over datasets and folds: "
                  + ", ".join(f"{k.removeprefix('precision_')} {100 * v:.1f}%"
                              for k, v in entry["precision"].items()), "",
                  "| dataset | " + " | ".join(VARIANTS) + " |",
                  "|---|" + "---|" * len(VARIANTS)]
        for ds, row in entry["per_dataset"].items():
            lines.append(f"| {ds} | " + " | ".join(f"{row[v]:.1f}" for v in VARIANTS) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=keel_data.N_SPLITS)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--datasets", default=",".join(keel_data.DEV_DATASETS))
    parser.add_argument("--tag", default=None)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    datasets = args.datasets.split(",")
    tag = args.tag or f"dev-{args.folds}fold"
    header = {
        "tag": tag, "command": shlex.join(sys.orig_argv), "folds": args.folds,
        "datasets": datasets, "seed": SEED,
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "versions": bench_env.versions(["numpy", "scikit-learn", "semiloop"]),
        "machine": bench_env.machine(),
    }
    tasks = [(ds, fold) for ds in datasets for fold in range(args.folds)]
    with concurrent.futures.ProcessPoolExecutor(args.jobs) as executor:
        records = list(executor.map(run_task, *zip(*tasks, strict=True)))
    report = aggregate(records, datasets)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"self-training-bound-{tag}"
    stem.with_suffix(".json").write_text(json.dumps(
        {"header": header, "report": report, "records": records}, indent=1))
    stem.with_suffix(".md").write_text(render(header, report))
    print(render(header, report))


if __name__ == "__main__":
    main()
