"""Where a deep SSL training step spends its time, on Suite 2 (MNIST-1D, the 1-D CNN).

Usage (from the repository root)::

    .venv/bin/python benchmarks/profile_step.py --algorithm freematch --steps 60 --threads 2

Runs ``--steps`` steps of the trainer under ``torch.profiler`` after 20 warm-up
steps and reports, per step, the wall time of the trainer's phases
(``semiloop.*`` labels: sampling and augmentation, the algorithm's loss, the
backward pass, the optimiser and EMA update, the history bookkeeping; inside
the loss, the forward passes and, for the FixMatch family, the targets and
the mask or weight policy), then the operators that took the most time. Writes
``benchmarks/results/profile-<algorithm>.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algorithm", default="freematch")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--views", default="protocol")
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)

    import numpy as np
    import torch
    from mnist1d import choose_labeled, load_data, views  # this folder's Suite 2 script
    from torch.profiler import ProfilerActivity, profile

    from semiloop.methods.deep.algorithms import make_algorithm
    from semiloop.methods.deep.nets import CNN1d
    from semiloop.methods.deep.trainer import Trainer

    torch.set_num_threads(args.threads)
    x, y, _, _ = load_data()
    labeled = choose_labeled(y, 0)
    unlabeled = np.setdiff1d(np.arange(len(y)), labeled)
    weak, strong = views(args.views)
    t = torch.from_numpy

    def trainer(steps):
        torch.manual_seed(0)
        return Trainer(CNN1d(10), make_algorithm(args.algorithm), steps=steps, batch_size=64,
                       unlabeled_ratio=7, weak=weak, strong=strong, device="cpu",
                       log_every=10_000)

    load = os.getloadavg()[0]
    trainer(20).fit(t(x[labeled]), t(y[labeled]), t(x[unlabeled]))  # warm-up
    started = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        trainer(args.steps).fit(t(x[labeled]), t(y[labeled]), t(x[unlabeled]))
    wall = (time.perf_counter() - started) / args.steps
    events = prof.key_averages()
    inner = {"semiloop.forward", "semiloop.targets_and_mask"}
    phases = sorted((e for e in events if e.key.startswith("semiloop.") and e.key not in inner),
                    key=lambda e: -e.cpu_time_total)
    parts = [e for e in events if e.key in inner]
    lines = [f"# One training step of {args.algorithm} on MNIST-1D (1-D CNN, 64 + 7x64 rows)",
             "", f"`python benchmarks/profile_step.py {' '.join(sys.argv[1:])}`", "",
             f"Wall time per step under the profiler: {wall * 1000:.1f} ms "
             f"({args.threads} threads, load average {load:.2f} before the run).", "",
             "| phase | ms per step | share |", "|---|---|---|"]
    total = sum(e.cpu_time_total for e in phases)
    for event in phases:
        ms = event.cpu_time_total / 1000 / args.steps
        lines.append(f"| {event.key[len('semiloop.'):]} | {ms:.2f} | "
                     f"{event.cpu_time_total / total:.0%} |")
        if event.key == "semiloop.loss":
            for part in parts:
                ms = part.cpu_time_total / 1000 / args.steps
                lines.append(f"| loss: {part.key[len('semiloop.'):]} | {ms:.2f} | "
                             f"{part.cpu_time_total / total:.0%} |")
    lines += ["", "Operators by self time:", "", "```",
              events.table(sort_by="self_cpu_time_total", row_limit=15), "```"]
    text = "\n".join(lines) + "\n"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"profile-{args.algorithm}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
