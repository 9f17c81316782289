"""Benchmark suite 3 (scale, graph SSL): semiloop's label spreading at 10k, 100k and 1M points.

Usage (from the repository root)::

    .venv/bin/python benchmarks/graph_scale.py                      # 10k, 100k, 1M; 3 repeats
    .venv/bin/python benchmarks/graph_scale.py --sizes 10000 --repeats 1
    .venv/bin/python benchmarks/graph_scale.py --markdown-only      # re-render the .md

Data: "Suite 3 — scale" of the project's ``shared/BENCHMARK.md`` (10 classes, each
made of 5 Gaussian sub-clusters in 64 dimensions, float32, 1% of the points
labeled), generated exactly as given there, once per size, and cached as ``.npy``
in ``benchmarks/.cache/graph_scale/`` so that making it (float64 temporaries)
does not count in any method's memory.

Methods, each fit in a fresh subprocess with 2 BLAS/OpenMP threads, one at a time:

- ``semiloop``: ``semiloop.SparseLabelSpreading(n_neighbors=10, n_jobs=2)``;
- ``sklearn``: ``sklearn.semi_supervised.LabelSpreading(kernel="knn", n_neighbors=10)``,
  not run above 200k points (time grows as n²; the suite measured that 1M does not
  finish in 15 minutes);
- ``logreg`` / ``knn5``: supervised-only references, ``LogisticRegression(max_iter=1000)``
  and ``KNeighborsClassifier(5)`` trained on the labeled points;
- ``ceiling`` (100k only): ``KNeighborsClassifier(15)`` trained on a random half of
  all labels (``default_rng(0).permutation``), scored on the other half.

Recorded per run: wall seconds (``fit`` for the graph methods, whose labels for the
unlabeled points come out of ``fit``; ``fit`` + ``predict`` for the references),
accuracy on the unlabeled points, peak resident memory of the subprocess
(``VmHWM``) and its resident memory just after the imports and the data are loaded
(``data_mb``), so ``peak_mb - data_mb`` is what the method itself needed, and
``probe_s``, the seconds of a fixed matrix product run just before (the machine is
shared: a slow probe marks a slow moment).
Results go to ``benchmarks/results/graph-scale.{json,md}``, rewritten after every run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import bench_env
import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache" / "graph_scale"
RESULTS = HERE / "results"
THREADS = 2
SKLEARN_MAX_N = 200_000
SKLEARN_NOT_RUN = "not run: time grows as n², 1M does not finish in 15 min (suite measurement)"
CEILING_N = 100_000
PACKAGES = ["numpy", "scipy", "scikit-learn", "faiss-cpu", "semiloop"]
LABELS = {"semiloop": "semiloop SparseLabelSpreading",
          "sklearn": "scikit-learn LabelSpreading(knn, 10)",
          "logreg": "supervised LogisticRegression",
          "knn5": "supervised 5-NN",
          "ceiling": "ceiling: 15-NN on half of all labels"}
TARGET = {"n": 1_000_000, "seconds": 60.0, "peak_mb": 4096.0, "ceiling": 0.987}


def make_data(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Suite 3 data, exactly as ``shared/BENCHMARK.md`` gives it: X, y, labeled."""
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 1, (50, 64))
    component = rng.integers(0, 50, n)
    y = component % 10
    X = (centers[component] + rng.normal(0, 1.5, (n, 64))).astype("float32")
    labeled = rng.random(n) < 0.01
    return X, y, labeled


def prepare(n: int) -> None:
    """Make the data for size n once and cache it."""
    CACHE.mkdir(parents=True, exist_ok=True)
    if (CACHE / f"labeled_{n}.npy").exists():
        return
    for name, array in zip(("X", "y", "labeled"), make_data(n), strict=True):
        np.save(CACHE / f"{name}_{n}.npy", array)


def proc_status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def speed_probe() -> float:
    """Seconds for a fixed float32 matrix product, to see when the shared machine is slow."""
    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    t = time.perf_counter()
    for _ in range(20):
        a @ a
    return time.perf_counter() - t


def fit_method(method: str, X, y, labeled) -> dict:
    """Fit one method; its wall seconds, accuracy and method-specific facts."""
    out: dict = {}
    if method in ("semiloop", "sklearn"):
        if method == "semiloop":
            from semiloop import SparseLabelSpreading

            model = SparseLabelSpreading(n_neighbors=10, n_jobs=THREADS)
        else:
            from sklearn.semi_supervised import LabelSpreading

            model = LabelSpreading(kernel="knn", n_neighbors=10)
        y_partial = np.where(labeled, y, -1)
        t = time.perf_counter()
        model.fit(X, y_partial)
        out["seconds"] = time.perf_counter() - t
        pred = model.transduction_[~labeled]
        out["accuracy"] = float(np.mean(pred == y[~labeled]))
        out["transduction_sha1"] = hashlib.sha1(np.ascontiguousarray(pred).tobytes()).hexdigest()
        out["n_iter"] = int(np.max(model.n_iter_))
        if method == "semiloop":
            out["backend"] = model.neighbor_index_.backend_
            out["relative_residual"] = model.relative_residual_
            out["n_unreached"] = model.n_unreached_
        return out
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    if method == "ceiling":
        order = np.random.default_rng(0).permutation(len(y))
        train, test = order[: len(y) // 2], order[len(y) // 2:]
        model = KNeighborsClassifier(15)
    else:
        train, test = np.flatnonzero(labeled), np.flatnonzero(~labeled)
        model = LogisticRegression(max_iter=1000) if method == "logreg" \
            else KNeighborsClassifier(5)
    t = time.perf_counter()
    pred = model.fit(X[train], y[train]).predict(X[test])
    out["seconds"] = time.perf_counter() - t
    out["accuracy"] = float(np.mean(pred == y[test]))
    return out


def worker(method: str, n: int) -> None:
    """Run in a fresh subprocess: load the data, fit, print one JSON line."""
    import sklearn.linear_model
    import sklearn.neighbors
    import sklearn.semi_supervised  # noqa: F401

    import semiloop  # noqa: F401  (imports first, so data_mb counts them)

    probe_s = speed_probe()
    X, y, labeled = (np.load(CACHE / f"{name}_{n}.npy") for name in ("X", "y", "labeled"))
    data_mb = proc_status_mb("VmRSS")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fit_method(method, X, y, labeled)
    out.update(peak_mb=proc_status_mb("VmHWM"), data_mb=data_mb, probe_s=probe_s,
               warnings=sorted({f"{w.category.__name__}: {w.message}" for w in caught}))
    print(json.dumps(out))


def run_one(method: str, n: int, timeout: float) -> dict:
    """One fit in a fresh subprocess with the thread limits set."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = str(THREADS)
    t = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, __file__, "--worker", method, str(n)],
                           capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout after {timeout:.0f} s"}
    row = {"subprocess_wall_s": time.perf_counter() - t}
    if p.returncode != 0:
        return {**row, "status": f"failed (exit {p.returncode})",
                "error": (p.stderr.strip().splitlines() or [""])[-1]}
    return {**row, **json.loads(p.stdout.strip().splitlines()[-1]), "status": "ok"}


def plan(sizes: list[int], repeats: int) -> list[tuple[str, int, int]]:
    """(method, n, number of repeats) in the order they run."""
    out = []
    for n in sizes:
        out.append(("semiloop", n, repeats))
        out.append(("sklearn", n, (repeats if n <= 10_000 else 1) if n <= SKLEARN_MAX_N else 0))
        out += [("logreg", n, 1), ("knn5", n, 1)]
        if n == CEILING_N:
            out.append(("ceiling", n, 1))
    return out


def summarize(runs: list[dict]) -> list[dict]:
    """Per (n, method): median seconds, max peak, accuracy and whether it repeats exactly."""
    rows = []
    for key in sorted({(r["n"], r["method"]) for r in runs},
                      key=lambda k: (k[0], list(LABELS).index(k[1]))):
        group = [r for r in runs if (r["n"], r["method"]) == key]
        ok = [r for r in group if r["status"] == "ok"]
        row = {"n": key[0], "method": key[1], "repeats": len(ok)}
        if not ok:
            row["status"] = group[0]["status"]
            rows.append(row)
            continue
        peak = max(ok, key=lambda r: r["peak_mb"])
        row.update(seconds=statistics.median(r["seconds"] for r in ok),
                   seconds_all=[r["seconds"] for r in ok],
                   probe_s_all=[r.get("probe_s") for r in ok], peak_mb=peak["peak_mb"],
                   peak_minus_data_mb=peak["peak_mb"] - peak["data_mb"],
                   accuracy=ok[0]["accuracy"],
                   identical_across_repeats=len({(r["accuracy"], r.get("transduction_sha1"))
                                                 for r in ok}) == 1,
                   status="ok" if len(ok) == len(group) else "some repeats failed")
        for extra in ("backend", "n_iter", "relative_residual", "n_unreached"):
            if extra in ok[0]:
                row[extra] = ok[0][extra]
        rows.append(row)
    return rows


def targets(summary: list[dict]) -> list[dict]:
    """The suite's targets, each with whether it is met."""
    by = {(r["n"], r["method"]): r for r in summary if r.get("accuracy") is not None}
    out = []
    big = by.get((TARGET["n"], "semiloop"))
    if big:
        out.append({"target": "1M points in ≤ 60 s", "value": f"{big['seconds']:.1f} s (median)",
                    "met": big["seconds"] <= TARGET["seconds"]})
        out.append({"target": "1M points in ≤ 4 GB peak resident memory",
                    "value": f"{big['peak_mb'] / 1024:.2f} GB (max over repeats)",
                    "met": big["peak_mb"] <= TARGET["peak_mb"]})
    for n in sorted({n for n, _ in by}):
        s, lr, kn = by.get((n, "semiloop")), by.get((n, "logreg")), by.get((n, "knn5"))
        if s and lr and kn:
            out.append({"target": f"accuracy above both supervised references at n={n:,}",
                        "value": f"{s['accuracy']:.1%} vs logistic {lr['accuracy']:.1%}, "
                                 f"5-NN {kn['accuracy']:.1%}",
                        "met": s["accuracy"] > max(lr["accuracy"], kn["accuracy"])})
    if big:
        ceiling = by.get((CEILING_N, "ceiling"), {}).get("accuracy", TARGET["ceiling"])
        gap = (big["accuracy"] - ceiling) * 100
        out.append({"target": "close to the ceiling at 1M (15-NN on half the labels at 100k; "
                              "close: at most 1 point below)",
                    "value": f"{big['accuracy']:.1%} vs ceiling {ceiling:.1%} "
                             f"({abs(gap):.1f} points {'above' if gap >= 0 else 'below'})",
                    "met": gap >= -1.0})
    return out


def ratios(summary: list[dict]) -> dict:
    """scikit-learn's median seconds over semiloop's, where both ran."""
    by = {(r["n"], r["method"]): r for r in summary if r.get("seconds") is not None}
    return {str(n): by[(n, "sklearn")]["seconds"] / by[(n, "semiloop")]["seconds"]
            for n, m in by if m == "sklearn" and (n, "semiloop") in by}


def fmt(v, spec: str) -> str:
    return "—" if v is None else format(v, spec)


def write_markdown(res: dict) -> None:
    m = res["machine"]
    lines = [
        "# Suite 3 — scale: graph SSL (label spreading)", "",
        f"Command: `{res['command']}`  ",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; "
        f"{THREADS} BLAS/OpenMP threads, methods run one at a time.  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in res["versions"].items() if v)
        + f"; semiloop at commit {res['git']['commit'][:10]}"
        + (f" (uncommitted changes under src/: {', '.join(res['git']['src_changes'])})"
           if res["git"]["src_changes"] else "") + ".  ",
        "Seeds: data `default_rng(0)` exactly as the suite; semiloop random_state 0; "
        "ceiling split `default_rng(0).permutation`.", "",
        "Each run is a fresh subprocess. Seconds: `fit` for the graph methods, `fit` + "
        "`predict` for the supervised references; the median over repeats. Peak MB: the "
        "subprocess's `VmHWM` (max over repeats); data MB: its RSS after imports and "
        "loading the data, so peak − data is the method's own memory. Accuracy: on the "
        "unlabeled points (the ceiling: on the held-out half). Probe: seconds of a fixed "
        "matrix product at the start of each run (about 0.21 s when the machine is quiet).", "",
        "| n | method | repeats | seconds | peak MB | peak − data MB | accuracy | notes |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in res["summary"]:
        notes = []
        if r.get("status") != "ok":
            notes.append(r.get("status", "?"))
        if r.get("backend"):
            notes.append(f"{r['backend']} graph, {r['n_iter']} CG steps, "
                         f"residual {r['relative_residual']:.1e}")
        if r["repeats"] > 1:
            notes.append("runs " + " / ".join(f"{x:.1f}" for x in r["seconds_all"]) + " s")
        if r.get("probe_s_all") and None not in r["probe_s_all"]:
            notes.append("probe " + " / ".join(f"{x:.2f}" for x in r["probe_s_all"]) + " s")
        if r["repeats"] > 1:
            notes.append("accuracy identical across repeats" if r["identical_across_repeats"]
                         else "ACCURACY DIFFERS ACROSS REPEATS")
        lines.append(
            f"| {r['n']:,} | {LABELS[r['method']]} | {r['repeats']} | "
            f"{fmt(r.get('seconds'), '.1f')} | {fmt(r.get('peak_mb'), '.0f')} | "
            f"{fmt(r.get('peak_minus_data_mb'), '.0f')} | {fmt(r.get('accuracy'), '.1%')} | "
            f"{'; '.join(notes)} |")
    if res["speed_ratio"]:
        lines += ["", "Speed (median fit seconds, same run): " + "; ".join(
            f"at n={int(n):,} semiloop is {x:.1f}× faster than scikit-learn" if x >= 1
            else f"at n={int(n):,} scikit-learn is {1 / x:.1f}× faster than semiloop"
            for n, x in res["speed_ratio"].items()) + "."]
    lines += ["", "## Targets (Suite 3)", "", "| target | measured | met |", "|---|---|---|"]
    for t in res["targets"]:
        met = "**yes**" if t["met"] else "**no**"
        lines.append(f"| {t['target']} | {t['value']} | {met} |")
    if res.get("discussion"):
        lines += ["", res["discussion"]]
    (RESULTS / "graph-scale.md").write_text("\n".join(lines) + "\n")


def git_state() -> dict:
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True,
                              text=True).stdout

    changes = [line[3:] for line in git("status", "--porcelain", "src").splitlines()]
    return {"commit": git("rev-parse", "HEAD").strip(), "src_changes": changes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeats", type=int, default=3,
                    help="repeats of semiloop (and of scikit-learn at ≤ 10k points)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per subprocess")
    ap.add_argument("--markdown-only", action="store_true")
    ap.add_argument("--worker", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return
    out = RESULTS / "graph-scale.json"
    if args.markdown_only:
        write_markdown(json.loads(out.read_text()))
        return
    RESULTS.mkdir(exist_ok=True)
    res = {"command": " ".join(["python benchmarks/graph_scale.py", *sys.argv[1:]]),
           "versions": bench_env.versions(PACKAGES), "git": git_state(),
           "machine": bench_env.machine(),
           "threads": THREADS, "seeds": {"data": 0, "semiloop_random_state": 0,
                                         "ceiling_split": 0},
           "timeout_s": args.timeout, "runs": []}
    for method, n, repeats in plan([int(s) for s in args.sizes.split(",")], args.repeats):
        prepare(n)
        if repeats == 0:
            res["runs"].append({"method": method, "n": n, "repeat": 0, "status": SKLEARN_NOT_RUN})
        for i in range(repeats):
            row = {"method": method, "n": n, "repeat": i, **run_one(method, n, args.timeout)}
            print(json.dumps(row), flush=True)
            res["runs"].append(row)
            res["summary"] = summarize(res["runs"])
            res["speed_ratio"] = ratios(res["summary"])
            res["targets"] = targets(res["summary"])
            out.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
            write_markdown(res)


if __name__ == "__main__":
    main()
