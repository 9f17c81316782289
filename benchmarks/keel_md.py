"""Summary figures and the markdown report of the KEEL suite (``keel.py``).

Figures, from `the project's `shared/BENCHMARK.md``, on per-dataset mean test accuracy in
points (percent):

- **harmed**: datasets where the method is more than 1 point below supervised-only;
- **gap closed**: over the datasets where full − supervised ≥ 1 point,
  mean(method − supervised) / mean(full − supervised) — a ratio of means.
"""

from __future__ import annotations

import numpy as np

__all__ = ["COLUMN_NAMES", "render", "summarise"]

COLUMN_NAMES = {
    "supervised": "supervised",
    "semiloop": "semiloop",
    "semiloop_auto": "semiloop auto (default)",
    "semiloop_graph": "semiloop graph (guarded)",
    "semiloop_label_spreading": "semiloop label spreading",
    "semiloop_s3vm": "semiloop S3VM",
    "semiloop_s3vm_weight0": "S3VM, unlabeled weight 0",
    "semiloop_s3vm_guarded": "semiloop S3VM (guarded)",
    "semiloop_deep": "semiloop deep (FreeMatch, guarded)",
    "sklearn_self_training": "sk self-training",
    "sklearn_label_spreading": "sk label spreading",
    "full": "full",
}
HARM_POINTS = 1.0
GAP_POINTS = 1.0


def _acc(results, ds, base, method):
    """Mean accuracy in points, or None when missing or any fold failed."""
    cell = results.get(ds, {}).get(base, {}).get(method)
    if cell is None or cell["errors"] or cell["mean_accuracy"] is None:
        return None
    return 100.0 * cell["mean_accuracy"]


def summarise(results, datasets, base, methods):
    """Mean accuracy, harmed and gap closed per method over ``datasets``."""
    sup = {ds: _acc(results, ds, base, "supervised") for ds in datasets}
    full = {ds: _acc(results, ds, base, "full") for ds in datasets}
    gap_sets = [
        ds
        for ds in datasets
        if sup[ds] is not None and full[ds] is not None and full[ds] - sup[ds] >= GAP_POINTS
    ]
    out = {}
    for method in methods:
        acc = {ds: _acc(results, ds, base, method) for ds in datasets}
        have = [ds for ds in datasets if acc[ds] is not None]
        entry = {
            "n_datasets": len(have),
            "mean_accuracy": float(np.mean([acc[ds] for ds in have])) if have else None,
            "missing": [ds for ds in datasets if acc[ds] is None],
            "harmed": None,
            "harmed_datasets": None,
            "gap_closed": None,
            "gap_datasets": gap_sets,
        }
        both = [ds for ds in have if sup[ds] is not None]
        if method != "supervised" and both:
            harmed = [ds for ds in both if acc[ds] < sup[ds] - HARM_POINTS]
            entry["harmed"] = len(harmed)
            entry["harmed_datasets"] = harmed
            entry["mean_delta"] = float(np.mean([acc[ds] - sup[ds] for ds in both]))
        if method != "supervised" and gap_sets and all(acc[ds] is not None for ds in gap_sets):
            num = np.mean([acc[ds] - sup[ds] for ds in gap_sets])
            den = np.mean([full[ds] - sup[ds] for ds in gap_sets])
            entry["gap_closed"] = float(num / den)
        out[method] = entry
    return out


def _fmt(value, spec=".1f", none="–"):
    return none if value is None else format(value, spec)


def _percent(ratio):
    return "–" if ratio is None else f"{100 * ratio:.0f}%"


def _table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _cell(results, ds, base, method, key):
    cell = results.get(ds, {}).get(base, {}).get(method)
    if cell is None:
        return "–"
    if cell["errors"]:
        return f"error ({len(cell['errors'])})"
    if key == "mean_accuracy":
        return _fmt(100 * cell[key])
    return _fmt(cell[key], ".2f")


def _base_section(report, base):
    results, methods = report["results"], report["methods"]
    datasets = report["datasets"]
    summary = report["summary"][base]
    head = ["dataset"] + [COLUMN_NAMES[m] for m in methods]
    rows = []
    for ds in datasets:
        status = report["fold_status"][ds]
        label = ds if status["complete"] else f"{ds} (incomplete: {status['folds_done']} folds)"
        rows.append([label] + [_cell(results, ds, base, m, "mean_accuracy") for m in methods])
    n = sum(1 for ds in datasets if report["fold_status"][ds]["complete"])
    rows.append(["**mean accuracy**"] + [_fmt(summary[m]["mean_accuracy"]) for m in methods])
    rows.append(
        ["**mean Δ vs supervised**"] + [_fmt(summary[m].get("mean_delta"), "+.1f") for m in methods]
    )
    rows.append(
        ["**harmed** (> 1 point below supervised)"]
        + ["–" if summary[m]["harmed"] is None else f"{summary[m]['harmed']}/{n}" for m in methods]
    )
    n_gap = len(summary[methods[0]]["gap_datasets"]) if methods else 0
    rows.append(
        [f"**gap closed** ({n_gap} datasets with full − supervised ≥ 1)"]
        + [_percent(summary[m]["gap_closed"]) for m in methods]
    )
    lines = [f"## Base: {base} — test accuracy (%), mean over folds", ""]
    lines += _table(head, rows)
    lines += _fallback_note(results, datasets, base)
    lines += _error_note(results, datasets, base, methods)
    lines += ["", f"### Base: {base} — fit seconds, mean over folds", ""]
    time_rows = [
        [ds] + [_cell(results, ds, base, m, "mean_fit_seconds") for m in methods] for ds in datasets
    ]
    totals = []
    for m in methods:
        vals = [
            results[ds][base][m]["mean_fit_seconds"]
            for ds in datasets
            if m in results.get(ds, {}).get(base, {})
            and results[ds][base][m]["mean_fit_seconds"] is not None
        ]
        totals.append(_fmt(sum(vals) if vals else None, ".2f"))
    time_rows.append(["**sum over datasets**", *totals])
    lines += _table(head, time_rows)
    return lines


def _fallback_note(results, datasets, base):
    lines = []
    for method in ("semiloop", "semiloop_auto", "semiloop_graph", "semiloop_s3vm_guarded"):
        flags = [
            flag
            for ds in datasets
            for flag in results.get(ds, {})
            .get(base, {})
            .get(method, {})
            .get("used_unlabeled_per_fold", [])
        ]
        known = [f for f in flags if f is not None]
        if known:
            fell_back = sum(1 for f in known if not f)
            lines += ["", f"{COLUMN_NAMES[method]} fell back to supervised (used_unlabeled_ "
                          f"false) in {fell_back} of {len(known)} fits."]
    return lines


def _error_note(results, datasets, base, methods):
    errors = {}
    for ds in datasets:
        for m in methods:
            cell = results.get(ds, {}).get(base, {}).get(m)
            for err in cell["errors"] if cell else []:
                errors.setdefault((m, err), []).append(ds)
    if not errors:
        return []
    lines = [""]
    for (m, err), dss in errors.items():
        names = ", ".join(dict.fromkeys(dss))
        lines.append(f"- error in {COLUMN_NAMES[m]} ({len(dss)} fits: {names}): `{err}`")
    return lines


def render(report):
    """The markdown report for one run."""
    mode = (
        f"QUICK mode: first {report['folds']} of {report['n_splits']} folds"
        if report["quick"]
        else f"all {report['n_splits']} folds"
    )
    v, m, d = report["versions"], report["machine"], report["data"]
    lines = [f"# KEEL suite 1 — {report['tag']}", ""]
    if report["fake_semiloop"]:
        lines += [
            "**FAKE semiloop**: SEMILOOP_BENCH_FAKE=1, the semiloop column is scikit-learn's "
            "SelfTrainingClassifier (harness test only).",
            "",
        ]
    lines += ["Command:", "", "```", report["command"], "```", ""]
    for cmd in report.get("resumed", []):
        lines += [f"Resumed with: `{cmd}`", ""]
    incomplete = [ds for ds, s in report["fold_status"].items() if not s["complete"]]
    lines += [
        f"- {mode}; seed {report['seed']}; {100 * report['label_fraction']:.0f}% labels per "
        "class; summaries over complete datasets only"
        + (f" (incomplete: {', '.join(incomplete)})" if incomplete else ""),
        f"- data: {d['wheel']} (sha256 {d['sha256'][:16]}…), raw values",
        f"- python {v['python']}, numpy {v['numpy']}, scikit-learn {v['sklearn']}, "
        f"scipy {v.get('scipy')}, semiloop {v.get('semiloop')}; git "
        f"{(report['git']['commit'] or '?')[:10]}{' (dirty)' if report['git']['dirty'] else ''}",
        f"- machine: {m['platform']}, {m['cpu_count']} CPUs, {m['jobs']} jobs; "
        f"started {report['started']}",
        "",
    ]
    for base in report["bases"]:
        lines += [*_base_section(report, base), ""]
    return "\n".join(lines)
