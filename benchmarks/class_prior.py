"""The class prior of chosen labels (Suite 4's sequences): two measurements behind `class_prior`.

Usage (from the repository root)::

    .venv/bin/python benchmarks/class_prior.py    # results/class-prior.{md,jsonl}

1. *The S3VM's balance on chosen labels.* On the label sequences that
   ``loop.py --tag judged`` recorded for splice (``random``, margin-chosen
   ``active``, and ``mixed`` with a random quarter; seeds 0-2), the S3VM of
   ``auto`` (``semiloop.methods.recommended.s3vm_model``) is fitted with
   ``class_prior="labeled"`` and ``"predicted"`` at 49, 89, 149 and 229 labels
   and scored on the test part, beside logistic regression on the same labels.
   The L1 distance of each prior from the pool's class shares is recorded.
2. *What the guard sees of a better method* (optdigits). On the sequences of
   ``loop.py --tag queried-bare-graph-mass`` (unguarded label spreading with
   class mass normalisation, a random quarter per batch), at the count where
   each seed first reached the target, the guarded graph method with the same
   settings is fitted with ``validation_rows`` = the random labels, at
   margins 2.0 (``auto``'s) and 1.5; recorded: the held-out accuracies and
   p-value the guard computed, what it kept, and both models' test accuracy.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_name] = "1"

import json  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import loop  # noqa: E402

COUNTS = (49, 89, 149, 229)


def _sequence(records, dataset, seed, kind, start):
    rounds = sorted((r for r in records if r["type"] == "round" and r["dataset"] == dataset
                     and r["seed"] == seed and r["sequence"] == kind), key=lambda r: r["round"])
    order = list(start) + [i for r in rounds for i in r["added"]]
    random_rows = set(start.tolist()) | {i for r in rounds
                                         for i in r.get("random_added", r["added"]
                                                        if kind == "random" else [])}
    return order, random_rows


def _partial(y, rows):
    partial = np.full(len(y), -1)
    partial[rows] = y[rows]
    return partial


def s3vm_priors(write):
    from semiloop.methods.recommended import s3vm_model

    records = loop.read_records(HERE / "results" / "loop-judged.jsonl")
    X, y, Xt, yt, _ = loop.prepare("splice")
    pool_shares = np.bincount(y) / len(y)
    for seed in (0, 1, 2):
        start = loop.initial_labels(y, seed)
        for kind in ("random", "active", "mixed"):
            order, _ = _sequence(records, "splice", seed, kind, start)
            for n in COUNTS:
                rows = np.asarray(order[:n])
                logreg = loop._logreg(seed).fit(X[rows], y[rows])
                record = {"part": "s3vm", "seed": seed, "sequence": kind, "n_labels": n,
                          "logreg": float(np.mean(logreg.predict(Xt) == yt))}
                for prior in ("labeled", "predicted"):
                    model = s3vm_model(random_state=seed).set_params(s3vm__class_prior=prior)
                    model.fit(X, _partial(y, rows))
                    record[prior] = float(np.mean(model.predict(Xt) == yt))
                    record[f"{prior}_l1"] = float(np.abs(model[-1].class_prior_
                                                         - pool_shares).sum())
                write(record)


def guard_power(write):
    from semiloop.methods.guarded import GuardedClassifier
    from semiloop.methods.recommended import graph_model

    records = loop.read_records(HERE / "results" / "loop-queried-bare-graph-mass.jsonl")
    X, y, Xt, yt, _ = loop.prepare("optdigits")
    hits = {r["seed"]: r["labels_needed"] for r in records
            if r["type"] == "done" and r["arm"] == "g"}
    for seed, n in sorted(hits.items()):
        order, random_rows = _sequence(records, "optdigits", seed, "loop",
                                       loop.initial_labels(y, seed))
        rows = np.asarray(order[:n])
        judged = np.isin(np.arange(len(y)), [r for r in rows.tolist() if r in random_rows])
        method = graph_model(random_state=seed).set_params(
            sparselabelspreading__class_balance="mass")
        logreg = loop._logreg(seed).fit(X[rows], y[rows])
        bare = method.fit(X, _partial(y, rows))
        record = {"part": "guard", "seed": seed, "n_labels": n, "n_judged": int(judged.sum()),
                  "graph_test": float(np.mean(bare.predict(Xt) == yt)),
                  "logreg_test": float(np.mean(logreg.predict(Xt) == yt))}
        for margin in (2.0, 1.5):
            guard = GuardedClassifier(method, loop._logreg(seed), margin=margin,
                                      random_state=seed)
            guard.fit(X, _partial(y, rows), validation_rows=judged)
            scores = {h.candidate: h for h in guard.history_}
            graph = next(h for name, h in scores.items() if name != "supervised")
            record.update({f"kept_{margin}": str(guard.kept_),
                           "graph_held_out": graph.validation_accuracy,
                           "logreg_held_out": scores["supervised"].validation_accuracy,
                           "p_value": graph.p_value})
        write(record)


def _span(part, key, scale=100.0, digits=1):
    values = [scale * r[key] for r in part]
    return f"{min(values):.{digits}f}–{max(values):.{digits}f}"


def summarise(rows):
    lines = ["# The class prior of chosen labels", "",
             "Command: `.venv/bin/python benchmarks/class_prior.py` (see its docstring).", "",
             "## The S3VM on splice: labeled against predicted class shares", "",
             "Test accuracy (%); L1 = distance of the prior from the pool's class shares.", "",
             "| sequence | labels | logistic regression | S3VM, labeled shares | L1 | "
             "S3VM, predicted shares | L1 |", "|---|---|---|---|---|---|---|"]
    for kind in ("random", "active", "mixed"):
        for n in COUNTS:
            part = [r for r in rows if r["part"] == "s3vm" and r["sequence"] == kind
                    and r["n_labels"] == n]

            lines.append(f"| {kind} | {n} | {_span(part, 'logreg')} | "
                         f"{_span(part, 'labeled')} | {_span(part, 'labeled_l1', 1.0, 2)} | "
                         f"{_span(part, 'predicted')} | {_span(part, 'predicted_l1', 1.0, 2)} |")
    lines += ["", "Ranges over seeds 0–2.", "",
              "## What the guard sees of label spreading with class mass (optdigits)", "",
              "| seed | labels | judged on | held-out: graph | held-out: LR | p | kept at 2.0 "
              "| kept at 1.5 | test: graph | test: LR |", "|---" * 10 + "|"]
    for r in (r for r in rows if r["part"] == "guard"):
        lines.append(f"| {r['seed']} | {r['n_labels']} | {r['n_judged']} | "
                     f"{100 * r['graph_held_out']:.1f} | {100 * r['logreg_held_out']:.1f} | "
                     f"{r['p_value']:.3f} | {r['kept_2.0']} | {r['kept_1.5']} | "
                     f"{100 * r['graph_test']:.1f} | {100 * r['logreg_test']:.1f} |")
    return "\n".join(lines) + "\n"


def main():
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    out = HERE / "results" / "class-prior"
    rows = []
    with warnings.catch_warnings(), open(out.with_suffix(".jsonl"), "w") as handle:
        warnings.simplefilter("ignore")

        def write(record):
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            rows.append(record)
            print(record, flush=True)

        guard_power(write)
        s3vm_priors(write)
    out.with_suffix(".md").write_text(summarise(rows))
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
