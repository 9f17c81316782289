"""Self-training's trust measures on KEEL: is the audit honest, do the guards cost accuracy?

Usage (from the repository root)::

    .venv/bin/python benchmarks/training_trust.py --folds 3 --tag dev

For each development dataset and fold of Suite 1 (10% of each class labeled,
the fold's test rows held out), ``SafeSelfTrainingClassifier`` with
``audit_size=0.2`` is fitted twice, without and with ``hold_back_unstable``.
Recorded per run:

- test accuracy of each, beside the supervised-only model (the same
  standardised logistic regression on the labeled rows);
- the audit's estimate of pseudo-label precision at the kept round against
  the true precision of the pseudo-labels the final model trained on (the
  unlabeled rows' hidden labels, which semiloop never sees);
- collapse alarms that tripped in any round (clean data: each is a false alarm);
- rows held back for review, and the precision of the pseudo-labels those rows
  would have had (the model's prediction against the hidden truth).

Writes ``benchmarks/results/training-trust-<tag>.{jsonl,md}``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def one_run(name, fold, hold_back):
    import keel_data
    from sklearn.base import clone

    from semiloop import SafeSelfTrainingClassifier
    from semiloop.methods._inputs import default_estimator

    data = keel_data.load_dataset(name)
    train, test = keel_data.fold_indices(data.y, fold)
    X, y = data.X[train], data.y[train]
    y_semi = keel_data.hide_labels(y, fold=fold)
    labeled = y_semi >= 0
    started = time.perf_counter()
    model = SafeSelfTrainingClassifier(audit_size=0.2, hold_back_unstable=hold_back,
                                       random_state=fold).fit(X, y_semi)
    seconds = time.perf_counter() - started
    supervised = clone(default_estimator(X)).fit(X[labeled], y[labeled])
    kept = [r for r in model.history_ if r.accepted]
    audits = [r.pseudo_label_audit for r in kept if r.pseudo_label_audit]
    taken = model.labeled_iter_ > 0
    held = model.held_back_
    return {
        "dataset": name, "fold": fold, "hold_back": hold_back, "seconds": round(seconds, 2),
        "accuracy": float(np.mean(model.predict(data.X[test]) == data.y[test])),
        "supervised": float(np.mean(supervised.predict(data.X[test]) == data.y[test])),
        "used_unlabeled": bool(model.used_unlabeled_),
        "n_pseudo": int(taken.sum()),
        "true_precision": (float(np.mean(model.transduction_[taken] == y[taken]))
                           if taken.any() else None),
        "audit_precision": audits[-1]["precision"] if audits else None,
        "audit_hidden": audits[-1]["n_hidden"] if audits else None,
        "alarms": sorted({a["name"] for r in model.history_ for a in r.alarms}),
        "n_held_back": len(held),
        "held_back_precision": (float(np.mean(model.predict(X[held]) == y[held]))
                                if len(held) else None),
    }


def summarise(rows):
    lines = ["| hold back | runs | accuracy | supervised | gap (points) | true precision "
             "| audit precision | mean abs. audit error | runs with an alarm | held back "
             "(precision) |", "|" + "---|" * 10]
    for hold_back in (False, True):
        part = [r for r in rows if r["hold_back"] == hold_back]
        if not part:
            continue
        pairs = [(r["audit_precision"], r["true_precision"]) for r in part
                 if r["audit_precision"] is not None and r["true_precision"] is not None]
        held = [r["held_back_precision"] for r in part if r["held_back_precision"] is not None]
        acc = np.mean([r["accuracy"] for r in part])
        sup = np.mean([r["supervised"] for r in part])
        lines.append(
            f"| {'on' if hold_back else 'off'} | {len(part)} | {acc:.4f} | {sup:.4f} | "
            f"{100 * (acc - sup):+.2f} | "
            f"{np.mean([p[1] for p in pairs]) if pairs else float('nan'):.4f} | "
            f"{np.mean([p[0] for p in pairs]) if pairs else float('nan'):.4f} | "
            f"{np.mean([abs(a - t) for a, t in pairs]) if pairs else float('nan'):.4f} | "
            f"{sum(bool(r['alarms']) for r in part)} / {len(part)} | "
            f"{np.mean([r['n_held_back'] for r in part]):.1f} "
            f"({np.mean(held) if held else float('nan'):.3f}) |")
    names = sorted({r["dataset"] for r in rows})
    lines += ["", "Per dataset (hold back off / on): accuracy, supervised", "",
              "| dataset | off | on | supervised |", "|---|---|---|---|"]
    for name in names:
        off = [r["accuracy"] for r in rows if r["dataset"] == name and not r["hold_back"]]
        on = [r["accuracy"] for r in rows if r["dataset"] == name and r["hold_back"]]
        sup = [r["supervised"] for r in rows if r["dataset"] == name]
        lines.append(f"| {name} | {np.mean(off):.4f} | {np.mean(on):.4f} | "
                     f"{np.mean(sup):.4f} |")
    alarms = sorted({a for r in rows for a in r["alarms"]})
    lines += ["", "Alarms seen (clean data, so each is a false alarm): "
              + (", ".join(f"{a}: {sum(a in r['alarms'] for r in rows)}" for a in alarms)
                 or "none")]
    return "\n".join(lines)


def main(argv=None):
    sys.path.insert(0, str(HERE))
    import keel_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(keel_data.DEV_DATASETS))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--tag", default="dev")
    args = parser.parse_args(argv)
    command = ".venv/bin/python benchmarks/training_trust.py " + shlex.join(argv or sys.argv[1:])
    out = HERE / "results" / f"training-trust-{args.tag}"
    rows = []
    with open(out.with_suffix(".jsonl"), "w") as handle:
        handle.write(json.dumps({"command": command}) + "\n")
        for name in args.datasets.split(","):
            for fold in range(args.folds):
                for hold_back in (False, True):
                    row = one_run(name, fold, hold_back)
                    rows.append(row)
                    handle.write(json.dumps(row) + "\n")
                    handle.flush()
                    print(json.dumps(row), flush=True)
    text = (f"# Self-training's trust measures on KEEL ({args.tag})\n\n"
            f"Command: `{command}`\n\n{summarise(rows)}\n")
    out.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
