"""Benchmark suite 2 (MNIST-1D, deep SSL): every algorithm, 100 labels, 3 seeds.

Usage (from the repository root)::

    .venv/bin/python benchmarks/mnist1d.py                              # all, 3 seeds, 3000 steps
    .venv/bin/python benchmarks/mnist1d.py --algorithms fixmatch,softmatch --seeds 0 --steps 500
    .venv/bin/python benchmarks/mnist1d.py --tag dev --threads 1

Protocol (``shared/BENCHMARK.md``, "Suite 2"): ``mnist1d`` with 12,000 samples
(9,600 train, 2,400 test, length 40, 10 classes, used as generated); 10
labeled signals per class drawn with ``numpy.random.default_rng(seed)``, the
other 9,500 training signals unlabeled; the Suite 2 1-D CNN
(:class:`semiloop.methods.deep.nets.CNN1d`); 64 labeled + 7 x 64 unlabeled per
step (MixMatch and ReMixMatch: 64 + 64, as published; see ``MU``), SGD (lr
0.03, Nesterov momentum 0.9, weight decay 5e-4 on weights), FixMatch's cosine
decay, EMA 0.999 (``--ema``); weak and strong views of
:func:`semiloop.methods.deep.augment.signal_views` with ``scale=1`` (the
protocol's recipe). ``supervised`` trains on the 100 labels, ``fullysupervised``
on all 9,600, with the same backbone, recipe and augmentation.

Reported per run: test accuracy of the EMA weights and of the raw weights
after the last step, wall seconds per training step (the whole step:
sampling, augmentation, forward, backward, optimiser, EMA, bookkeeping) and
CPU seconds; per algorithm, mean and standard deviation over seeds. Outputs
``benchmarks/results/mnist1d-<tag>.jsonl`` (one line per run, the header holds
the command) and ``mnist1d-<tag>.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import shlex
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "mnist1d-12000.npz"
#: MixMatch and ReMixMatch were published with as many unlabeled rows as labeled per step
#: (Berthelot et al. 2019, Sec. 4; 2020, Sec. 4) and then train on K views of each; at the
#: protocol's 7 they cost 2x (MixMatch) and 6x (ReMixMatch, K = 8) a FixMatch step.
MU = {"mixmatch": 1, "remixmatch": 1}
ALL = ["supervised", "pseudolabel", "pimodel", "meanteacher", "mixmatch", "remixmatch",
       "fixmatch", "flexmatch", "freematch", "softmatch", "fullysupervised"]


def load_data():
    """9,600 train and 2,400 test MNIST-1D signals, generated once and cached."""
    if not CACHE.exists():
        # this file is named like the package: look for the package, not for this script
        here = [p for p in sys.path if Path(p or ".").resolve() == HERE]
        for p in here:
            sys.path.remove(p)
        sys.modules.pop("mnist1d", None)
        try:
            from mnist1d.data import get_dataset_args, make_dataset
        finally:
            sys.path[:0] = here

        args = get_dataset_args()
        args.num_samples = 12000
        data = make_dataset(args)
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        np.savez(CACHE, x=data["x"], y=data["y"], x_test=data["x_test"], y_test=data["y_test"])
    data = np.load(CACHE)
    return (data["x"].astype(np.float32), data["y"].astype(np.int64),
            data["x_test"].astype(np.float32), data["y_test"].astype(np.int64))


def choose_labeled(y, seed, per_class=10):
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(y == c), per_class, replace=False)
             for c in range(int(y.max()) + 1)]
    return np.sort(np.concatenate(picks))


def views(recipe):
    """``(weak, strong)``: the protocol's recipe, or one that follows MNIST-1D's nuisances.

    ``protocol``: Suite 2's views, ``signal_views(scale=1)``. ``invariances``:
    ``signal_views(scale=1, strength="rich")``, the protocol's weak view and a
    strong view made of the transformations MNIST-1D's generator applies to
    its templates (Greydanus 2020, ``mnist1d/transform.py``), at about their
    sizes in the final 40 samples: a circular shift of up to 10 samples, a
    time stretch of 0.85-1.2 (the padding of 36-60 samples), amplitude
    0.8-1.2, a linear trend of up to 0.19 at the ends (shear 0.75), correlated
    noise of std 0.1 (a Gaussian filter of width 2 on noise of 0.25), then the
    protocol's 8-sample mask and N(0, 0.05²) noise.
    """
    from semiloop.methods.deep.augment import signal_views

    return signal_views(scale=1.0, strength="basic" if recipe == "protocol" else "rich")


def run_one(algorithm, seed, args, data):
    import torch

    from semiloop.methods.deep.algorithms import make_algorithm
    from semiloop.methods.deep.nets import CNN1d
    from semiloop.methods.deep.trainer import Trainer

    x, y, x_test, y_test = data
    labeled = choose_labeled(y, seed)
    unlabeled = np.setdiff1d(np.arange(len(y)), labeled)
    name = algorithm
    if algorithm == "fullysupervised":
        labeled, unlabeled, name = np.arange(len(y)), unlabeled[:0], "supervised"
    options = json.loads(args.options).get(algorithm, {}) if args.options else {}
    torch.manual_seed(seed)
    net = CNN1d(10)
    weak, strong = views(args.views)
    trainer = Trainer(
        net, make_algorithm(name, **options), steps=args.steps, batch_size=64,
        unlabeled_ratio=MU.get(algorithm, 7), weak=weak, strong=strong, optimizer=args.optimizer,
        learning_rate=args.lr, ema_decay=args.ema, ema_warmup=not args.no_ema_warmup,
        log_every=max(args.steps // 10, 1), device=args.device, seed=seed)
    t = torch.from_numpy
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    result = trainer.fit(t(x[labeled]), t(y[labeled]), t(x[unlabeled]),
                         unlabeled_truth=t(y[unlabeled]), n_classes=10)
    if args.device != "cpu" and torch.cuda.is_available():
        torch.cuda.synchronize()
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start

    def accuracy(model):
        device = next(model.parameters()).device
        with torch.no_grad():
            return float((model(t(x_test).to(device)).argmax(-1).cpu().numpy() == y_test).mean())

    last = result.history[-1]
    return {"kind": "run", "algorithm": algorithm, "seed": seed, "steps": args.steps,
            "mu": MU.get(algorithm, 7), "device": args.device,
            "options": options, "views": args.views, "ema_decay": args.ema,
            "ema_warmup": not args.no_ema_warmup, "accuracy_ema": accuracy(result.ema_model),
            "accuracy_raw": accuracy(result.model), "seconds_per_step": wall / args.steps,
            "cpu_seconds_per_step": cpu / args.steps, "train_wall_s": wall,
            "mask_rate_last": last.mask_rate,
            "pseudo_label_accuracy_last": last.pseudo_label_accuracy}


def summarise(rows):
    lines = ["| algorithm | μ | EMA accuracy % (mean ± std) | raw accuracy % | s/step | runs |",
             "|---|---|---|---|---|---|"]
    for algorithm in ALL:
        runs = [r for r in rows if r["algorithm"] == algorithm]
        if not runs:
            continue
        ema = np.array([r["accuracy_ema"] for r in runs]) * 100
        raw = np.array([r["accuracy_raw"] for r in runs]) * 100
        step = np.mean([r["seconds_per_step"] for r in runs])
        mu = runs[0].get("mu", 7)
        lines.append(f"| {algorithm} | {mu} | {ema.mean():.1f} ± {ema.std():.1f} | "
                     f"{raw.mean():.1f} ± {raw.std():.1f} | {step:.4f} | {len(runs)} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algorithms", default=",".join(ALL))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--optimizer", default="sgd")
    parser.add_argument("--lr", type=float, default=0.03)
    parser.add_argument("--no-ema-warmup", action="store_true",
                        help="plain EMA from the initial weights (USB's)")
    parser.add_argument("--options", default="",
                        help='JSON {"algorithm": {option: value}} passed to make_algorithm')
    parser.add_argument("--views", choices=["protocol", "invariances"], default="protocol",
                        help="augmentation recipe (see views())")
    parser.add_argument("--ema", type=float, default=0.999)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu",
                        help="cpu, cuda or auto (CUDA runs with mixed precision)")
    parser.add_argument("--tag", default="dev")
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--resume", action="store_true",
                        help="append to the tag's results and skip runs already in it "
                             "(same algorithm, seed and recipe); several processes may "
                             "append to one tag with disjoint --algorithms")
    parser.add_argument("--reuse", default="",
                        help="a results .jsonl whose runs with the same recipe are copied "
                             "in (marked reused_from) instead of being run again")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    data = load_data()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    jsonl = out / f"mnist1d-{args.tag}.jsonl"
    command = "python benchmarks/mnist1d.py " + " ".join(shlex.quote(a) for a in (
        argv if argv is not None else sys.argv[1:]))
    from bench_env import machine, versions

    header = {"kind": "header", "suite": "mnist1d", "command": command,
              "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
              "threads": args.threads, "load_average": os.getloadavg(),
              "versions": versions(["torch", "numpy", "mnist1d"]), "machine": machine(),
              "gpu": _gpu_name()}
    done = {recipe_key(r) for r in read_runs(jsonl)} if args.resume else set()
    reusable = {recipe_key(r): r for r in read_runs(Path(args.reuse))} if args.reuse else {}
    with jsonl.open("a" if args.resume else "w") as handle:
        handle.write(json.dumps(header) + "\n")
        for algorithm in args.algorithms.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                key = wanted_key(algorithm, seed, args)
                if key in done:
                    continue
                if key in reusable:
                    row = dict(reusable[key], reused_from=Path(args.reuse).name)
                    handle.write(json.dumps(row) + "\n")
                    handle.flush()
                    continue
                row = run_one(algorithm, seed, args, data)
                row["load_average_1min"] = os.getloadavg()[0]
                handle.write(json.dumps(row) + "\n")
                handle.flush()
                print(f"{algorithm} seed {seed}: EMA {row['accuracy_ema']:.4f} raw "
                      f"{row['accuracy_raw']:.4f} {row['seconds_per_step']:.4f} s/step",
                      flush=True)
    rows = read_runs(jsonl)
    table = summarise(rows)
    commands = "\n".join(f"- `{c}`" for c in dict.fromkeys(
        h["command"] for h in read_runs(jsonl, kind="header")))
    reused = sorted({r["reused_from"] for r in rows if "reused_from" in r})
    note = (f" Runs marked reused come from {', '.join(reused)} (same code path and recipe)."
            if reused else "")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (out / f"mnist1d-{args.tag}.md").write_text(
        f"# Suite 2, MNIST-1D, 100 labels ({args.tag})\n\n{commands}\n\n{table}\n\n"
        f"Peak memory {peak:.0f} MB; threads {args.threads}; load average at start "
        f"{header['load_average'][0]:.2f}.{note}\n")
    print(table)


def _gpu_name():
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def read_runs(path, kind="run"):
    """The rows of one kind in a results ``.jsonl`` (none when it does not exist)."""
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if r.get("kind") == kind]


def recipe_key(row):
    return (row["algorithm"], row["seed"], row["steps"], row.get("mu", 7), row["views"],
            row["ema_decay"],
            row["ema_warmup"], json.dumps(row["options"], sort_keys=True))


def wanted_key(algorithm, seed, args):
    options = json.loads(args.options).get(algorithm, {}) if args.options else {}
    return recipe_key({"algorithm": algorithm, "seed": seed, "steps": args.steps,
                       "mu": MU.get(algorithm, 7),
                       "views": args.views, "ema_decay": args.ema,
                       "ema_warmup": not args.no_ema_warmup, "options": options})


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
