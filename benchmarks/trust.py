"""How often `semiloop check` gives each verdict, on clean KEEL splits and with injected defects.

Usage (from the repository root)::

    .venv/bin/python benchmarks/trust.py --datasets banana,phoneme,ring,segment --seeds 10

For each dataset and seed: a stratified 10% of the rows keep their label (at
least 2 per class), as in Suite 1; the rest are the unlabeled rows. Three
cases are checked with :func:`semiloop.trust.check_unlabeled`:

- ``clean``: nothing changed. Any verdict other than *trust* is a false alarm
  (the issue's bound: at most 5% for *do not trust*);
- ``shift``: the unlabeled rows' most informative feature (largest variance
  after standardising; all are standardised) moved by one standard deviation;
- ``unseen``: one class's labeled rows removed (its rows stay unlabeled), so
  the unlabeled rows hold a class no one labeled (data sets with 3 classes or more).

Writes ``benchmarks/results/trust-<tag>.jsonl`` (one line per check, the header
holds the command) and ``trust-<tag>.md`` (verdict rates per case).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CASES = ("clean", "shift", "unseen")


def split(y, seed, fraction=0.1):
    rng = np.random.default_rng(seed)
    labeled = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        labeled[rng.choice(rows, max(2, round(fraction * len(rows))), replace=False)] = True
    return labeled


def one_check(X, y, seed, case):
    from semiloop.trust import check_unlabeled

    labeled = split(y, seed)
    X = X.copy()
    if case == "shift":
        column = int(np.argmax(X.std(axis=0)))
        X[~labeled, column] += X[:, column].std()
    if case == "unseen":
        hidden = np.random.default_rng(seed).choice(np.unique(y))
        labeled &= y != hidden
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    started = time.perf_counter()
    result = check_unlabeled(frame[labeled].reset_index(drop=True),
                             frame[~labeled].reset_index(drop=True), y[labeled],
                             random_state=seed)
    return {"verdict": result.verdict, "auc": result.classifier_test.auc,
            "p_value": result.classifier_test.p_value,
            "drifted_features": len(result.drifted_features),
            "unseen_groups": [c.size for c in result.unseen_clusters],
            "seconds": round(time.perf_counter() - started, 2)}


def summarise(rows):
    lines = ["| case | checks | trust | caution | do not trust |", "|---|---|---|---|---|"]
    for case in CASES:
        verdicts = [r["verdict"] for r in rows if r["case"] == case]
        if not verdicts:
            continue
        share = {v: verdicts.count(v) / len(verdicts) for v in ("trust", "caution",
                                                               "do not trust")}
        lines.append(f"| {case} | {len(verdicts)} | {share['trust']:.0%} | "
                     f"{share['caution']:.0%} | {share['do not trust']:.0%} |")
    return "\n".join(lines)


def main(argv=None):
    import keel_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="banana,phoneme,ring,segment")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--tag", default="dev")
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/trust.py " + shlex.join(
        argv if argv is not None else sys.argv[1:])
    rows = []
    with (out / f"trust-{args.tag}.jsonl").open("w") as handle:
        handle.write(json.dumps({"kind": "header", "command": command}) + "\n")
        for name in args.datasets.split(","):
            data = keel_data.load_dataset(name)
            X = (data.X - data.X.mean(axis=0)) / np.where(data.X.std(axis=0) > 0,
                                                           data.X.std(axis=0), 1.0)
            for case in args.cases.split(","):
                if case == "unseen" and len(np.unique(data.y)) < 3:
                    continue  # hiding one of two classes leaves a single labeled class
                for seed in range(args.seeds):
                    row = {"kind": "check", "dataset": name, "case": case, "seed": seed,
                           **one_check(X, data.y, seed, case)}
                    rows.append(row)
                    handle.write(json.dumps(row) + "\n")
                    handle.flush()
                    print(f"{name} {case} seed {seed}: {row['verdict']} (AUC "
                          f"{row['auc']:.3f}, p {row['p_value']:.3g})", flush=True)
    table = summarise(rows)
    (out / f"trust-{args.tag}.md").write_text(
        f"# semiloop check on KEEL ({args.tag})\n\n`{command}`\n\n{table}\n")
    print(table)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
