"""Pilot for Suite 4 (``loop.py``): which semiloop SSL model to score in the loop?

Usage (from the repository root)::

    .venv/bin/python benchmarks/loop_pilot.py                  # about 10 minutes on one core
    .venv/bin/python benchmarks/loop_pilot.py --datasets splice --fractions 0.01

The data and model of ``loop.py`` (fold 0, raw KEEL features standardised over
the train part, ``LogisticRegression(max_iter=2000)``), random labels
(``keel_data.hide_labels(y, fold=0, seed=s, fraction=f)``, so 1% is the loop's
start), and each candidate fitted once on the whole train part with those
labels: the supervised model, the bare label spreading that the graph method
guards (``make_candidate("graph")``), and the guarded methods that
``make_method`` builds around the logistic regression: ``self-training``,
``graph``, ``s3vm`` (up to 10 classes) and ``auto``. Test accuracy against the
target of ``loop.py`` (99% of the fully supervised accuracy), and fit seconds.

Writes ``benchmarks/results/loop-pilot.{jsonl,md}``.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
METHODS = ("supervised", "label spreading (bare)", "self-training", "graph", "s3vm", "auto")


def _model(method, seed):
    from loop import _logreg

    from semiloop.registry import make_candidate, make_method

    if method == "supervised":
        return _logreg(seed)
    if method == "label spreading (bare)":
        return make_candidate("graph", _logreg(seed), random_state=seed)
    return make_method(method, _logreg(seed), random_state=seed)


def main(argv=None):
    sys.path.insert(0, str(HERE))
    import keel_data
    from loop import DATASETS, _git, header, prepare  # noqa: F401
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=DATASETS)
    parser.add_argument("--fractions", default="0.01,0.03")
    parser.add_argument("--seeds", default="0")
    args = parser.parse_args(argv)
    threadpool_limits(1)
    command = " ".join([".venv/bin/python benchmarks/loop_pilot.py",
                        shlex.join(sys.argv[1:] if argv is None else argv)]).strip()
    out = HERE / "results" / "loop-pilot"
    head = header(argparse.Namespace(**vars(args)), command)
    rows = []
    with open(out.with_suffix(".jsonl"), "w") as handle:
        handle.write(json.dumps(head) + "\n")
        for name in args.datasets.split(","):
            X, y, Xt, yt, info = prepare(name)
            handle.write(json.dumps(info) + "\n")
            for seed in map(int, args.seeds.split(",")):
                for fraction in map(float, args.fractions.split(",")):
                    y_semi = keel_data.hide_labels(y, fold=0, seed=seed, fraction=fraction)
                    labeled = y_semi >= 0
                    for method in METHODS:
                        if method == "s3vm" and info["n_classes"] > 10:
                            continue
                        model = _model(method, seed)
                        started = time.perf_counter()
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            if method == "supervised":
                                model.fit(X[labeled], y[labeled])
                            else:
                                model.fit(X, y_semi)
                        seconds = time.perf_counter() - started
                        row = {"type": "fit", "dataset": name, "seed": seed,
                               "fraction": fraction, "n_labels": int(labeled.sum()),
                               "method": method,
                               "accuracy": float(np.mean(model.predict(Xt) == yt)),
                               "target": info["target"], "seconds": round(seconds, 2),
                               "kept": str(getattr(model, "kept_", "")) or None}
                        rows.append(row)
                        handle.write(json.dumps(row) + "\n")
                        handle.flush()
                        print(json.dumps(row), flush=True)
    versions = head["versions"]
    lines = ["# Suite 4 pilot: which SSL model to score in the loop", "",
             "Command (from the repository root):", "", "```", command, "```", "",
             f"- code under test: git {str(head['git']['commit'])[:10]}; "
             + ", ".join(f"{k} {v}" for k, v in versions.items()),
             f"- machine: {head['machine']['cpu']}, {head['machine']['cores']} cores (one "
             "thread used; shared with other jobs)",
             "- random labels, fold 0; test accuracy (%) and fit seconds; the target is 99% of "
             "the logistic regression on the whole train part; in brackets what a guarded "
             "method kept", "",
             "| dataset | labels | target | " + " | ".join(METHODS) + " |",
             "|---|---|---|" + "---|" * len(METHODS)]
    for name in args.datasets.split(","):
        for seed in map(int, args.seeds.split(",")):
            for fraction in map(float, args.fractions.split(",")):
                part = {r["method"]: r for r in rows if r["dataset"] == name
                        and r["seed"] == seed and r["fraction"] == fraction}
                if not part:
                    continue
                first = next(iter(part.values()))
                cells = []
                for method in METHODS:
                    r = part.get(method)
                    cells.append("–" if r is None else
                                 f"{100 * r['accuracy']:.1f} ({r['seconds']:.1f} s"
                                 + (f"; {r['kept']}" if r["kept"] else "") + ")")
                lines.append(f"| {name} | {first['n_labels']} ({100 * fraction:g}%, seed {seed})"
                             f" | {100 * first['target']:.2f} | " + " | ".join(cells) + " |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
