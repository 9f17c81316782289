"""Which approximate-nearest-neighbour library should semiloop build its kNN graph with?

Usage (from the repository root)::

    .venv/bin/python benchmarks/ann_choice.py                       # 10k, 100k, 1M
    .venv/bin/python benchmarks/ann_choice.py --sizes 10000 --timeout 120
    .venv/bin/python benchmarks/ann_choice.py --markdown-only       # re-render the .md

Data: Suite 3 of the project's ``shared/BENCHMARK.md`` (10 classes, 50 Gaussian
sub-clusters in 64 dimensions, float32), generated exactly as given there.

Task: the k=10 nearest-neighbour graph of all n points (each point's 10 nearest
*other* points: 11 are asked for and the point itself is dropped). Per (library,
settings, n), in a fresh subprocess with a wall-clock limit:

- ``seconds``: wall seconds of index build + querying all n points;
- ``peak_mb``: peak resident memory of the subprocess (``VmHWM``), and
  ``data_mb``, the resident memory just after loading X (so ``peak_mb - data_mb``
  is what the library itself needed);
- ``recall``: recall@10 on 2,000 random points against exact neighbours computed
  by brute force (float32 screening, float64 re-ranking) in the parent process.

Everything runs with 2 threads (``OMP_NUM_THREADS`` etc. and the libraries' own
thread arguments). Results go to ``benchmarks/results/ann-choice.{json,md}``,
rewritten after every run so a killed run still leaves partial results.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import bench_env
import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "ann_choice"
RESULTS = HERE / "results"
K = 10
N_QUERIES = 2000
THREADS = 2

# (name, library, settings, sizes it runs at). The first config per library is
# the one carried to 1M; the others show the recall/speed trade-off at 10k/100k.
CONFIGS = [
    ("sklearn-brute", "sklearn", {"algorithm": "brute"}, (10_000, 100_000)),
    ("sklearn-kdtree", "sklearn", {"algorithm": "kd_tree"}, (10_000,)),
    ("hnswlib-M16-efc100-ef50", "hnswlib", {"M": 16, "ef_construction": 100, "ef": 50},
     (10_000, 100_000, 1_000_000)),
    ("hnswlib-M16-efc200-ef100", "hnswlib", {"M": 16, "ef_construction": 200, "ef": 100},
     (10_000, 100_000, 1_000_000)),
    ("faiss-hnsw-M16-efS64", "faiss-hnsw", {"M": 16, "efConstruction": 40, "efSearch": 64},
     (10_000, 100_000, 1_000_000)),
    ("faiss-hnsw-M32-efS64", "faiss-hnsw", {"M": 32, "efConstruction": 40, "efSearch": 64},
     (10_000, 100_000)),
    ("faiss-ivf-nprobe16", "faiss-ivf", {"nlist_per_sqrt_n": 4, "nprobe": 16},
     (10_000, 100_000, 1_000_000)),
    ("faiss-ivf-nprobe8", "faiss-ivf", {"nlist_per_sqrt_n": 4, "nprobe": 8},
     (10_000, 100_000)),
    ("faiss-ivf-nprobe32", "faiss-ivf", {"nlist_per_sqrt_n": 4, "nprobe": 32},
     (100_000, 1_000_000)),
    ("pynndescent-default", "pynndescent", {"n_jobs": THREADS}, (10_000, 100_000, 1_000_000)),
    # UMAP-style: ask NN-descent for 30 neighbours and keep the nearest 11
    ("pynndescent-k30", "pynndescent", {"n_jobs": THREADS, "n_neighbors": 30},
     (10_000, 100_000, 1_000_000)),
]

PACKAGES = ["numpy", "scipy", "scikit-learn", "hnswlib", "faiss-cpu", "pynndescent", "numba",
            "llvmlite"]


def make_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Suite 3 data, exactly as ``shared/BENCHMARK.md`` gives it."""
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 1, (50, 64))
    component = rng.integers(0, 50, n)
    y = component % 10
    X = (centers[component] + rng.normal(0, 1.5, (n, 64))).astype("float32")
    return X, y


def exact_neighbours(X: np.ndarray, queries: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    """The K nearest other points of each query row index, by brute force."""
    Q = X[queries]
    n_cand = 3 * K
    best_d = np.full((len(queries), 0), np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(X), chunk):
        B = X[start:start + chunk]
        d = (B.astype(np.float64) ** 2).sum(1)[None, :].astype(np.float32) - 2 * (Q @ B.T)
        part = np.argpartition(d, n_cand, axis=1)[:, :n_cand]
        best_d = np.hstack([best_d, np.take_along_axis(d, part, 1)])
        best_i = np.hstack([best_i, part + start])
        if best_d.shape[1] > n_cand:
            keep = np.argpartition(best_d, n_cand, axis=1)[:, :n_cand]
            best_d = np.take_along_axis(best_d, keep, 1)
            best_i = np.take_along_axis(best_i, keep, 1)
    # re-rank the candidates in float64 and drop the query itself
    diff = X[best_i].astype(np.float64) - Q[:, None, :].astype(np.float64)
    dist = (diff ** 2).sum(-1)
    dist[best_i == queries[:, None]] = np.inf
    order = np.argsort(dist, axis=1)[:, :K]
    return np.take_along_axis(best_i, order, 1)


def drop_self(idx: np.ndarray) -> np.ndarray:
    """From (n, K+1) neighbour indices, each row's K neighbours other than itself."""
    n = idx.shape[0]
    is_self = idx == np.arange(n)[:, None]
    # rows where self was not returned: drop the last (farthest) column instead
    no_self = ~is_self.any(1)
    is_self[no_self, -1] = True
    # rows where self appears twice cannot happen; keep exactly K per row
    return idx[~is_self].reshape(n, K)


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vm_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build_graph(lib: str, settings: dict, X: np.ndarray) -> tuple[np.ndarray, dict]:
    """(n, K+1) neighbour indices of every row of X (self included); extra info."""
    n, dim = X.shape
    info: dict = {}
    if lib == "sklearn":
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(n_neighbors=K + 1, algorithm=settings["algorithm"], n_jobs=THREADS)
        nn.fit(X)
        _, idx = nn.kneighbors(X)
        return idx, info
    if lib == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="l2", dim=dim)
        index.init_index(max_elements=n, ef_construction=settings["ef_construction"],
                         M=settings["M"], random_seed=0)
        index.set_num_threads(THREADS)
        t = time.perf_counter()
        index.add_items(X, np.arange(n), num_threads=THREADS)
        info["build_s"] = time.perf_counter() - t
        index.set_ef(settings["ef"])
        t = time.perf_counter()
        idx, _ = index.knn_query(X, k=K + 1, num_threads=THREADS)
        info["query_s"] = time.perf_counter() - t
        return idx.astype(np.int64), info
    if lib in ("faiss-hnsw", "faiss-ivf"):
        import faiss

        faiss.omp_set_num_threads(THREADS)
        t = time.perf_counter()
        if lib == "faiss-hnsw":
            index = faiss.IndexHNSWFlat(dim, settings["M"])
            index.hnsw.efConstruction = settings["efConstruction"]
            index.add(X)
            index.hnsw.efSearch = settings["efSearch"]
        else:
            nlist = int(settings["nlist_per_sqrt_n"] * np.sqrt(n))
            info["nlist"] = nlist
            quantizer = faiss.IndexFlatL2(dim)
            index = faiss.IndexIVFFlat(quantizer, dim, nlist)
            rng = np.random.default_rng(1)
            n_train = min(n, 40 * nlist)
            index.train(X[rng.choice(n, n_train, replace=False)])
            index.add(X)
            index.nprobe = settings["nprobe"]
        info["build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        _, idx = index.search(X, K + 1)
        info["query_s"] = time.perf_counter() - t
        return idx.astype(np.int64), info
    if lib == "pynndescent":
        import pynndescent

        # Numba compiles on first use: warm up on tiny data and report it apart.
        t = time.perf_counter()
        pynndescent.NNDescent(X[:2000], n_neighbors=K + 1, n_jobs=settings["n_jobs"])
        info["jit_warmup_s"] = time.perf_counter() - t
        t = time.perf_counter()
        n_neighbors = settings.get("n_neighbors", K + 1)
        index = pynndescent.NNDescent(X, n_neighbors=n_neighbors, n_jobs=settings["n_jobs"])
        idx, _ = index.neighbor_graph
        idx = idx[:, :K + 1]
        info["build_s"] = time.perf_counter() - t
        return idx.astype(np.int64), info
    raise ValueError(lib)


def worker(lib: str, settings: dict, n: int) -> None:
    X = np.load(CACHE / f"X_{n}.npy")
    queries = np.load(CACHE / f"queries_{n}.npy")
    exact = np.load(CACHE / f"exact_{n}.npy")
    data_mb = vm_rss_mb()
    t = time.perf_counter()
    mod = {"sklearn": "sklearn.neighbors", "hnswlib": "hnswlib", "faiss-hnsw": "faiss",
           "faiss-ivf": "faiss", "pynndescent": "pynndescent"}[lib]
    __import__(mod)
    import_s = time.perf_counter() - t
    t = time.perf_counter()
    idx, info = build_graph(lib, settings, X)
    seconds = time.perf_counter() - t
    if "jit_warmup_s" in info:
        seconds -= info["jit_warmup_s"]
    peak_mb = vm_hwm_mb()
    graph = drop_self(idx)
    approx = graph[queries]
    recall = float(np.mean([len(set(a) & set(e)) / K for a, e in zip(approx, exact, strict=True)]))
    print(json.dumps({"seconds": seconds, "import_s": import_s, "peak_mb": peak_mb,
                      "data_mb": data_mb, "recall": recall, **info}))


def prepare(n: int) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    if (CACHE / f"exact_{n}.npy").exists():
        return
    X, _ = make_data(n)
    queries = np.random.default_rng(1).choice(n, N_QUERIES, replace=False)
    t = time.perf_counter()
    exact = exact_neighbours(X, queries)
    print(f"exact neighbours of {N_QUERIES} queries at n={n}: {time.perf_counter() - t:.1f}s",
          flush=True)
    np.save(CACHE / f"X_{n}.npy", X)
    np.save(CACHE / f"queries_{n}.npy", queries)
    np.save(CACHE / f"exact_{n}.npy", exact)


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def write_markdown(res: dict) -> None:
    lines = [
        "# Which ANN library for the kNN graph (Suite 3 data)",
        "",
        f"Command: `{res['command']}`  ",
        f"Machine: {res['machine']['cpu']}, {res['machine']['cores']} cores, "
        f"{res['machine']['memory_gb']} GB; {THREADS} threads everywhere.  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in res["versions"].items() if v) + ".",
        "",
        "Task: k=10 graph of all n points (self excluded), build + query wall seconds; "
        "peak RSS of a fresh subprocess (`VmHWM`; `data` = RSS after loading X, so "
        "peak − data is the library's own memory); recall@10 on 2,000 random points "
        "against brute-force exact neighbours. pynndescent's seconds exclude its "
        "one-off Numba JIT warm-up, shown apart.",
        "",
        "| library / settings | n | seconds | peak MB | peak − data MB | recall@10 | notes |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in res["runs"]:
        notes = []
        if r.get("status") != "ok":
            notes.append(r.get("status", "?"))
        for key in ("build_s", "query_s", "jit_warmup_s", "import_s"):
            if r.get(key) is not None:
                notes.append(f"{key.removesuffix('_s')} {r[key]:.1f}s")
        if r.get("nlist"):
            notes.append(f"nlist {r['nlist']}")
        extra = None
        if r.get("peak_mb") is not None and r.get("data_mb") is not None:
            extra = r["peak_mb"] - r["data_mb"]
        lines.append(
            f"| {r['name']} | {r['n']:,} | {fmt(r.get('seconds'), '.1f')} | "
            f"{fmt(r.get('peak_mb'), '.0f')} | {fmt(extra, '.0f')} | "
            f"{fmt(r.get('recall'), '.3f')} | {'; '.join(notes)} |")
    if res.get("install"):
        lines += ["", "Install: " + res["install"]]
    if res.get("recommendation"):
        lines += ["", "## Recommendation", "", res["recommendation"]]
    (RESULTS / "ann-choice.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--only", default="", help="comma-separated config names")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--markdown-only", action="store_true")
    ap.add_argument("--worker", nargs=3, metavar=("LIB", "SETTINGS", "N"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        lib, settings, n = args.worker
        worker(lib, json.loads(settings), int(n))
        return
    out = RESULTS / "ann-choice.json"
    if args.markdown_only:
        write_markdown(json.loads(out.read_text()))
        return
    RESULTS.mkdir(exist_ok=True)
    prev = json.loads(out.read_text()) if out.exists() else {}
    res = {
        "command": "python benchmarks/ann_choice.py " + " ".join(sys.argv[1:]),
        "versions": bench_env.versions(PACKAGES),
        "machine": bench_env.machine(),
        "threads": THREADS,
        "k": K,
        "n_queries": N_QUERIES,
        "timeout_s": args.timeout,
        "install": prev.get("install", ""),
        "recommendation": prev.get("recommendation", ""),
        "runs": [r for r in prev.get("runs", [])],
    }
    only = set(filter(None, args.only.split(",")))
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS"):
        env[var] = str(THREADS)
    for n in [int(s) for s in args.sizes.split(",")]:
        prepare(n)
        for name, lib, settings, sizes in CONFIGS:
            if n not in sizes or (only and name not in only):
                continue
            row = {"name": name, "library": lib, "settings": settings, "n": n}
            t = time.perf_counter()
            try:
                p = subprocess.run(
                    [sys.executable, __file__, "--worker", lib, json.dumps(settings), str(n)],
                    capture_output=True, text=True, timeout=args.timeout, env=env)
                if p.returncode == 0:
                    row.update(json.loads(p.stdout.strip().splitlines()[-1]))
                    row["status"] = "ok"
                else:
                    row["status"] = f"failed (exit {p.returncode})"
                    row["error"] = p.stderr.strip().splitlines()[-1:] or [""]
            except subprocess.TimeoutExpired:
                row["status"] = f"timeout after {args.timeout:.0f}s"
            row["subprocess_wall_s"] = time.perf_counter() - t
            print(json.dumps(row), flush=True)
            res["runs"] = [r for r in res["runs"] if (r["name"], r["n"]) != (name, n)]
            res["runs"].append(row)
            res["runs"].sort(key=lambda r: (r["n"], r["name"]))
            out.write_text(json.dumps(res, indent=2) + "\n")
            write_markdown(res)


if __name__ == "__main__":
    main()
