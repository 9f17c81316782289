"""Suite 4 — the loop (labels saved): a simulated annotator, four arms, labels to 99% of full.

Usage (from the repository root)::

    .venv/bin/python benchmarks/loop.py                         # 4 data sets, seeds 0-2
    .venv/bin/python benchmarks/loop.py --datasets splice --seeds 0 --max-labels 150 --tag smoke
    .venv/bin/python benchmarks/loop.py --resume                # continue a killed run
    .venv/bin/python benchmarks/loop.py --summarise-only        # rebuild the .md and figure

Protocol (``shared/BENCHMARK.md``, Suite 4): logistic regression
(``LogisticRegression(max_iter=2000)``) on the raw KEEL features
(``keel_data.py``) standardised over the whole train part (no labels are used
for that); the first fold of the Suite 1 split (``fold_indices(y, 0)``): the
train part is the pool, the test part scores every model. A run starts from
1% of the train part's labels (per class ``max(1, round(0.01 * count))``,
``keel_data.hide_labels(y, fold=0, seed=s, fraction=0.01)``); each round the
simulated annotator gives the true label of a batch (20 rows; 50 for letter)
chosen by the arm's strategy, and the models are refitted. Target: 99% of
the fully supervised accuracy (the same logistic regression on the whole train
part, scored on the test part).

Two label sequences per data set and seed, each scored by two models:

- ``random``: the batches are the next rows of a random permutation of the
  pool (``numpy.random.default_rng([seed, 1])``); scored by the supervised
  model: arm (a) random + supervised; by the SSL model: arm (b) random + SSL;
- ``active``: each batch is chosen by ``semiloop.active.query(strategy, LR,
  pool, batch)`` (``--strategy``, default margin) on the logistic regression
  fitted to the labels so far; scored by that model: arm (d) active +
  supervised (the suite's anchor); by the SSL model: arm (c) active + SSL.
  The active choice is made by the supervised model and the SSL model is
  scored on the same labels (a query by the SSL model would need an SSL fit
  every round);
- ``mixed``: each batch takes ``--random-share`` of its rows (rounded) as the
  next unlabeled rows of the random permutation, the rest by the active query
  on the other rows; scored by the supervised model: arm (f); by the SSL model
  judged on the random labels: arm (e);
- ``loop``: what ``semiloop round`` does. Every round the SSL model is fitted,
  judged on the random labels, and scored; its own probabilities choose the
  batch (``--random-share`` of it at random as in ``mixed``, the rest by the
  query strategy): arm (g), scored every round like the supervised arms (its
  first hit); arm (g_s) runs the SSL arms' search over the same scores (no
  extra fit), for the like-for-like table.

*Judged* SSL arms pass ``validation_rows`` to the SSL model (the rows labeled
at random: the 1% start and the random share of each batch), so its guard
holds out and scores only labels that represent the data, never the ones the
query chose near the boundary. Arm (c') is (c) judged on the 1% start alone.

The SSL model (``--ssl``, default ``auto``) is
``semiloop.registry.make_method(NAME, LogisticRegression(max_iter=2000))``: the
same logistic regression is its supervised reference and fallback. ``auto`` is
``semiloop train``'s default: self-training, the guarded graph method and the
S3VM (up to 10 classes) scored on held-out folds of the labeled rows, the best
kept only where it clearly beats the supervised model (no test rows, no hidden
labels).

*Labels needed*: the supervised model is refitted and scored every round, and
its figure is the first count whose test accuracy reaches the target (exact to
one batch). An SSL fit costs seconds to a minute, so the SSL arms are scored on
demand: at counts growing by ``--grid-ratio`` (1, 1.5x, 2.25x ... the start,
rounded up to whole rounds) until one reaches the target, then the rounds
between the last miss and that hit are bisected down to one batch. The SSL
figure is thus a count at which the accuracy crossed the target, never below
the first such count (equal to it where the curve is monotone between the
scored points): it can only overstate the labels SSL needs. On a curve that
wavers around the target the two rules differ (the first hit of every round
can be an early lucky round that the search steps over), so the arms
``a_s`` and ``d_s`` find the supervised figures with the very search of the
SSL arms (logistic regression refits, cheap): savings are reported like for
like (every arm searched) and the anchor's way ((a), (d) first hit). (b) is searched
up to (a)'s count of the same seed (``--no-cap-b`` lifts this): beyond it (b)
saves nothing. A figure not reached by ``--max-labels`` or an empty pool is
censored (``> N``).

Writes ``benchmarks/results/loop-<tag>.jsonl`` (a header per start with the
command, machine and versions; one record per data set; one per round with
the batch's row indices and the supervised accuracy where scored; one per SSL
fit; one per finished arm; ``--resume`` replays the recorded batches and fits
and continues), ``loop-<tag>.md`` (with ``loop-<tag>-notes.md``, written by hand
after a run, put in after its header) and ``loop-<tag>-curves.svg``.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_name] = "1"  # one core: set before numpy loads its BLAS

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATASETS = "optdigits,letter,magic,splice"
BATCH = {"letter": 50}
DEFAULT_BATCH = 20
TARGET_SHARE = 0.99
ARMS = {  # arm -> (sequence, scorer)
    "a": ("random", "supervised"),
    "b": ("random", "ssl"),
    "c": ("active", "ssl"),
    "d": ("active", "supervised"),
    "a_s": ("random", "supervised_search"),
    "d_s": ("active", "supervised_search"),
    "c_j": ("active", "ssl_judged"),
    "e": ("mixed", "ssl_judged"),
    "f": ("mixed", "supervised"),
    "f_s": ("mixed", "supervised_search"),
    "g": ("loop", "loop"),
    "g_s": ("loop", "loop_search"),
}
ARM_NAMES = {
    "a": "(a) random + supervised",
    "b": "(b) random + SSL",
    "c": "(c) active + SSL",
    "d": "(d) active + supervised",
    "a_s": "(a) random + supervised, searched",
    "d_s": "(d) active + supervised, searched",
    "c_j": "(c') active + SSL judged on the start labels",
    "e": "(e) mixed + SSL judged on the random labels",
    "f": "(f) mixed + supervised",
    "f_s": "(f) mixed + supervised, searched",
    "g": "(g) the loop: SSL model queries, judged on the random labels",
    "g_s": "(g) the loop, searched",
}
SEQUENCES = ("random", "active", "mixed", "loop")


# ----------------------------------------------------------------------------- set-up

def _logreg(seed):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000, random_state=seed)


def _ssl(name, seed, params=None):
    from semiloop.registry import make_candidate, make_method

    if name.startswith("bare:"):  # the candidate as auto scores it: no guard, no fallback
        model = make_candidate(name.removeprefix("bare:"), _logreg(seed), random_state=seed)
    else:
        model = make_method(name, _logreg(seed), random_state=seed)
    return model.set_params(**json.loads(params)) if params else model


def prepare(name):
    """Standardised train and test parts of fold 0, and the fully supervised accuracy."""
    import keel_data
    from sklearn.preprocessing import StandardScaler

    data = keel_data.load_dataset(name)
    train, test = keel_data.fold_indices(data.y, 0)
    scaler = StandardScaler().fit(data.X[train])
    X, Xt = scaler.transform(data.X[train]), scaler.transform(data.X[test])
    y, yt = data.y[train], data.y[test]
    started = time.perf_counter()
    full = _logreg(0).fit(X, y)
    seconds = time.perf_counter() - started
    full_accuracy = float(np.mean(full.predict(Xt) == yt))
    info = {"type": "dataset", "dataset": name, "n_train": len(y), "n_test": len(yt),
            "n_features": int(X.shape[1]), "n_classes": len(np.unique(y)),
            "batch": BATCH.get(name, DEFAULT_BATCH), "full_accuracy": full_accuracy,
            "target": TARGET_SHARE * full_accuracy, "full_seconds": round(seconds, 3)}
    return X, y, Xt, yt, info


def initial_labels(y, seed):
    """Row indices of the 1% start (at least one per class), in row order."""
    import keel_data

    return np.flatnonzero(keel_data.hide_labels(y, fold=0, seed=seed, fraction=0.01) >= 0)


# ----------------------------------------------------------------------------- one run

def _fit(model, X, y, labeled, *, semi, validation_rows=None):
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if semi:
            y_semi = np.full(len(y), -1)
            y_semi[labeled] = y[labeled]
            if validation_rows is None or not _takes_validation_rows(model):
                model.fit(X, y_semi)
            else:
                model.fit(X, y_semi, validation_rows=validation_rows)
        else:
            model.fit(X[labeled], y[labeled])
    return model, time.perf_counter() - started


def _takes_validation_rows(model):
    import inspect

    return "validation_rows" in inspect.signature(model.fit).parameters


class Sequence:
    """One label sequence (``random`` or ``active``) of one data set and seed.

    The order in which the annotator labels rows is built round by round and
    only as far as it is needed; the supervised model is scored every round
    until it reaches the target, the SSL model on the counts the search asks for.
    """

    def __init__(self, run, kind):
        self.run, self.kind = run, kind
        self.order = list(run.start)
        self.mask = np.zeros(len(run.y), dtype=bool)
        self.mask[run.start] = True
        self.rounds = 0
        self.supervised_reached = None
        self.permutation = np.random.default_rng([run.seed, 1]).permutation(
            np.setdiff1d(np.arange(len(run.y)), run.start))
        self.random_rows = set(run.start.tolist())  # labeled at random: start and random picks
        self.ssl_cache = {}
        self.judged_cache = {}
        self.sup_cache = {}  # supervised accuracy by count: every scored round, and searches
        self.loop_cache = {}  # the loop's SSL accuracy by count (kind "loop")
        self.loop_reached = None
        self.exhausted = False

    def replay(self, records):
        for record in records:
            assert record["round"] == self.rounds and record["n_labels"] == len(self.order), \
                record
            acc = record.get("supervised_accuracy")
            if acc is not None:
                self.sup_cache[record["n_labels"]] = acc
            if acc is not None and self.supervised_reached is None and acc >= self.run.target:
                self.supervised_reached = record["n_labels"]
            loop_acc = record.get("loop_accuracy")
            if loop_acc is not None:
                self.loop_cache[record["n_labels"]] = loop_acc
                if self.loop_reached is None and loop_acc >= self.run.target:
                    self.loop_reached = record["n_labels"]
            self._add(np.asarray(record["added"], dtype=int),
                      record.get("random_added", record["added"] if self.kind == "random"
                                 else []))

    def _add(self, batch, random_picks=()):
        self.random_rows.update(int(r) for r in random_picks)
        self.order.extend(batch.tolist())
        self.mask[batch] = True
        self.rounds += 1
        if not len(batch) or self.mask.all():
            self.exhausted = True

    def step(self, score_supervised):
        """One round: fit the supervised model (if needed), score it, label one batch."""
        from semiloop.active import query

        run = self.run
        idx = np.asarray(self.order)
        record = {"type": "round", "dataset": run.name, "seed": run.seed,
                  "sequence": self.kind, "round": self.rounds, "n_labels": len(idx)}
        model = None
        if self.kind == "loop":
            model = self._loop_model(idx, record)
        elif score_supervised or self.kind != "random":
            model, sec = _fit(_logreg(run.seed), run.X, run.y, idx, semi=False)
            if score_supervised:
                acc = float(np.mean(model.predict(run.Xt) == run.yt))
                record["supervised_accuracy"] = acc
                record["supervised_seconds"] = round(sec, 4)
                self.sup_cache[len(idx)] = acc
                if self.supervised_reached is None and acc >= run.target:
                    self.supervised_reached = len(idx)
        pool = np.flatnonzero(~self.mask)
        n = min(run.batch, len(pool))
        picks = np.array([], dtype=int)
        if n == 0:
            batch = np.array([], dtype=int)
        elif self.kind == "random":
            offset = len(idx) - len(run.start)
            batch = picks = self.permutation[offset:offset + n]
        else:
            if self.kind in ("mixed", "loop"):
                n_random = round(run.args.random_share * n)
                picks = self.permutation[~self.mask[self.permutation]][:n_random]
                pool = np.setdiff1d(pool, picks)
            chosen = query(run.args.strategy, model, run.X[pool], n - len(picks), ids=pool,
                           X_labeled=run.X[idx], random_state=run.seed) if len(pool) else None
            batch = np.concatenate([picks, np.asarray(chosen.ids if chosen else [], dtype=int)])
            if self.kind in ("mixed", "loop"):
                record["random_added"] = picks.tolist()
        record["added"] = batch.tolist()
        run.write(record)
        self._add(batch, picks)

    def _loop_model(self, idx, record):
        """The loop's SSL model on the labels so far, judged on the random ones; scored."""
        run = self.run
        validation_rows = np.zeros(len(run.y), dtype=bool)
        validation_rows[[r for r in idx.tolist() if r in self.random_rows]] = True
        model, sec = _fit(run.ssl_model(), run.X, run.y, idx, semi=True,
                          validation_rows=validation_rows)
        acc = float(np.mean(model.predict(run.Xt) == run.yt))
        kept = str(getattr(model, "kept_", "")) or None
        record.update(loop_accuracy=acc)
        run.write({"type": "ssl", "dataset": run.name, "seed": run.seed, "sequence": self.kind,
                   "n_labels": len(idx), "ssl_accuracy": acc, "ssl_seconds": round(sec, 3),
                   "ssl_kept": kept, "judged": True, "n_judged": int(validation_rows.sum())})
        self.loop_cache[len(idx)] = acc
        if self.loop_reached is None and acc >= run.target:
            self.loop_reached = len(idx)
        return model

    def loop_accuracy(self, n):
        self.extend_to(n)
        while n not in self.loop_cache and not self.exhausted:
            self.step(score_supervised=False)
        return self.loop_cache.get(n, 0.0)

    def loop_arm(self):
        """Fit, score and query with the SSL model every round until it reaches the target."""
        while self.loop_reached is None:
            if self.exhausted or len(self.order) > self.run.args.max_labels:
                return None, len(self.order)
            self.step(score_supervised=False)
        return self.loop_reached, None

    def count(self, k):
        """Labels after ``k`` rounds (the last round may be short when the pool runs out)."""
        return min(len(self.run.start) + k * self.run.batch, len(self.run.y))

    def extend_to(self, n):
        while len(self.order) < n and not self.exhausted:
            self.step(score_supervised=False)

    def supervised_arm(self):
        """Score the supervised model every round until it reaches the target."""
        args = self.run.args
        while self.supervised_reached is None:
            if self.exhausted or len(self.order) > args.max_labels:
                return None, len(self.order)
            self.step(score_supervised=True)
        return self.supervised_reached, None

    def ssl_accuracy(self, n, judged=False):
        cache = self.judged_cache if judged else self.ssl_cache
        if n in cache:
            return cache[n]
        run = self.run
        self.extend_to(n)
        idx = np.asarray(self.order[:n])
        validation_rows = None
        if judged:
            validation_rows = np.zeros(len(run.y), dtype=bool)
            validation_rows[[r for r in idx.tolist() if r in self.random_rows]] = True
        model, sec = _fit(run.ssl_model(), run.X, run.y, idx, semi=True,
                          validation_rows=validation_rows)
        acc = float(np.mean(model.predict(run.Xt) == run.yt))
        record = {"type": "ssl", "dataset": run.name, "seed": run.seed, "sequence": self.kind,
                  "n_labels": n, "ssl_accuracy": acc, "ssl_seconds": round(sec, 3),
                  "ssl_kept": str(getattr(model, "kept_", "")) or None}
        if judged:
            record.update(judged=True, n_judged=int(validation_rows.sum()))
        run.write(record)
        cache[n] = acc
        return acc

    def supervised_accuracy(self, n):
        if n in self.sup_cache:
            return self.sup_cache[n]
        run = self.run
        self.extend_to(n)
        model, _ = _fit(_logreg(run.seed), run.X, run.y, np.asarray(self.order[:n]), semi=False)
        acc = float(np.mean(model.predict(run.Xt) == run.yt))
        run.write({"type": "search", "dataset": run.name, "seed": run.seed,
                   "sequence": self.kind, "n_labels": n, "supervised_accuracy": acc})
        self.sup_cache[n] = acc
        return acc

    def search(self, scorer, cap):
        """Labels needed by ``scorer``: a geometric search over rounds, then bisection.

        Rounds ``k`` are scored at counts growing by ``--grid-ratio`` until one
        reaches the target (or the count passes ``cap``: then the figure is
        censored at the last scored count); between the last miss and that hit
        the rounds are bisected down to one batch. The figure is a count at which
        the accuracy crossed the target (an upper bound on the first such count
        when the curve is not monotone).
        """
        run = self.run
        accuracy = {"ssl": self.ssl_accuracy,
                    "ssl_judged": lambda n: self.ssl_accuracy(n, judged=True),
                    "loop": self.loop_accuracy,
                    "supervised": self.supervised_accuracy}[scorer]
        ratio = run.args.grid_ratio
        k_max = int(np.ceil((len(run.y) - len(run.start)) / run.batch))
        k_cap = min(k_max, int(np.ceil((min(cap, len(run.y)) - len(run.start)) / run.batch)))
        k, last_miss = 0, None
        while True:
            n = self.count(k)
            if accuracy(n) >= run.target:
                break
            last_miss = k
            if k >= k_cap:
                return None, n
            k = min(k_cap, max(k + 1, int(np.ceil((n * ratio - len(run.start)) / run.batch))))
        hit = k
        if last_miss is not None:
            lo = last_miss
            while hit - lo > 1:
                mid = (lo + hit) // 2
                if accuracy(self.count(mid)) >= run.target:
                    hit = mid
                else:
                    lo = mid
        return self.count(hit), None


class Run:
    """One data set and seed: its two sequences and four arms."""

    def __init__(self, args, name, seed, data, info, records, write):
        self.args, self.name, self.seed = args, name, seed
        self.X, self.y, self.Xt, self.yt = data
        self.target, self.batch = info["target"], info["batch"]
        self.start = initial_labels(self.y, seed)
        self.records, self.write = records, write
        self.sequences = {}
        for kind in SEQUENCES:
            sequence = Sequence(self, kind)
            rounds = [r for r in records if r["type"] == "round" and r["dataset"] == name
                      and r["seed"] == seed and r["sequence"] == kind]
            sequence.replay(sorted(rounds, key=lambda r: r["round"]))
            for judged, cache in ((False, sequence.ssl_cache), (True, sequence.judged_cache)):
                cache.update({r["n_labels"]: r["ssl_accuracy"] for r in records
                              if r["type"] == "ssl" and r["dataset"] == name
                              and r["seed"] == seed and r["sequence"] == kind
                              and r.get("judged", False) == judged})
            sequence.sup_cache.update({r["n_labels"]: r["supervised_accuracy"] for r in records
                                       if r["type"] == "search" and r["dataset"] == name
                                       and r["seed"] == seed and r["sequence"] == kind})
            self.sequences[kind] = sequence

    def ssl_model(self):
        return _ssl(self.args.ssl, self.seed, self.args.ssl_params)

    def done(self, arm):
        return next((r for r in self.records if r["type"] == "done" and r["dataset"] == self.name
                     and r["seed"] == self.seed and r["arm"] == arm), None)

    def arm(self, arm, cap=None):
        record = self.done(arm)
        if record is not None:
            return record
        started = time.perf_counter()
        sequence = self.sequences[ARMS[arm][0]]
        if ARMS[arm][1] == "supervised":
            needed, censored = sequence.supervised_arm()
        elif ARMS[arm][1] == "loop":
            needed, censored = sequence.loop_arm()
        elif ARMS[arm][1] == "loop_search":
            needed, censored = sequence.search("loop", self.args.max_labels)
        elif ARMS[arm][1] == "supervised_search":
            needed, censored = sequence.search("supervised", self.args.max_labels)
        else:
            needed, censored = sequence.search(ARMS[arm][1], self.args.max_labels if cap is None
                                               else cap)
        record = {"type": "done", "dataset": self.name, "seed": self.seed, "arm": arm,
                  "labels_needed": needed, "censored_at": censored, "n0": len(self.start),
                  "seconds": round(time.perf_counter() - started, 1)}
        self.write(record)
        print(f"{self.name} seed {self.seed} {ARM_NAMES[arm]}: "
              f"{needed if needed is not None else f'> {censored}'} "
              f"({record['seconds']} s)", flush=True)
        return record

    def arms(self, arms):
        for arm in arms:
            cap = None
            if arm == "b" and self.args.cap_b and "a" in self.args.arms:
                # beyond (a)'s count (b) cannot save labels; its guard falls back to (a)
                cap = self.arm("a")["labels_needed"]
            self.arm(arm, cap)


# ----------------------------------------------------------------------------- records

def _git():
    def git(*args):
        out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                             check=False)
        return out.stdout.strip()

    return {"commit": git("rev-parse", "HEAD") or None,
            "dirty": bool(git("status", "--porcelain", "--", "src"))}


def header(args, command):
    import bench_env
    import keel_data

    return {"type": "header", "command": command, "args": vars(args),
            "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "git": _git(), "machine": bench_env.machine(),
            "versions": bench_env.versions(["numpy", "scipy", "scikit-learn", "semiloop",
                                            "threadpoolctl", "matplotlib"]),
            "data": {"wheel": keel_data.WHEEL_NAME, "sha256": keel_data.wheel_sha256()},
            "threads": 1}


def read_records(path, with_offset=False):
    """The records of a .jsonl, up to a line cut by a kill (and the byte offset of that line)."""
    records, offset = [], 0
    if path.exists():
        for line in path.read_bytes().splitlines(keepends=True):
            try:
                if not line.endswith(b"\n"):
                    raise ValueError("unterminated")
                records.append(json.loads(line))
            except ValueError:  # a line cut by a kill
                break
            offset += len(line)
    return (records, offset) if with_offset else records


# ----------------------------------------------------------------------------- summary

def _done(records, dataset, arm):
    return sorted((r for r in records if r["type"] == "done" and r["dataset"] == dataset
                   and r["arm"] == arm), key=lambda r: r["seed"])


def _fmt_needed(done):
    """'mean (min–max)' of per-seed counts; '> N' where a seed never reached the target."""
    reached = [r["labels_needed"] for r in done if r["labels_needed"] is not None]
    censored = [r["censored_at"] for r in done if r["labels_needed"] is None]
    if censored:
        return (f"> {max(censored):,} ({len(censored)} of {len(done)} seeds not reached"
                + (f"; others {', '.join(f'{v:,}' for v in reached)}" if reached else "")
                + ")")
    return (f"{np.mean(reached):,.0f} ({min(reached):,}–{max(reached):,})"
            if len(reached) > 1 else f"{reached[0]:,}")


def paired_supervised(records):
    """The supervised model's test accuracy on the labels of every SSL fit (refitted here).

    The label order is rebuilt from the round records; the logistic regression
    is deterministic, so these are the accuracies the run would have recorded.
    """
    out = {}
    fits = [r for r in records if r["type"] == "ssl"]
    data = {}
    for r in fits:
        name, seed, sequence = r["dataset"], r["seed"], r["sequence"]
        if name not in data:
            X, y, Xt, yt, _ = prepare(name)
            data[name] = (X, y, Xt, yt)
        X, y, Xt, yt = data[name]
        order = list(initial_labels(y, seed))
        for rnd in sorted((x for x in records if x["type"] == "round" and x["dataset"] == name
                           and x["seed"] == seed and x["sequence"] == sequence),
                          key=lambda x: x["round"]):
            if len(order) >= r["n_labels"]:
                break
            order.extend(rnd["added"])
        idx = np.asarray(order[:r["n_labels"]])
        model, _ = _fit(_logreg(seed), X, y, idx, semi=False)
        out[(name, seed, sequence, r["n_labels"])] = float(np.mean(model.predict(Xt) == yt))
    return out


def _paired_table(records, paired):
    lines = ["", "## Every SSL fit against the supervised model on the same labels", "",
             "The suite's rule: each SSL result beside supervised-only on the same labeled "
             "rows. Δ = SSL − supervised test accuracy (points); *worse* = more than one point "
             "below.", "",
             "| dataset | sequence | SSL fits | mean Δ | worse | worse, by what the SSL model "
             "kept |", "|---|---|---|---|---|---|"]
    for name in dict.fromkeys(r["dataset"] for r in records if r["type"] == "dataset"):
        for sequence, judged in [(s, j) for s in SEQUENCES for j in (False, True)]:
            fits = [r for r in records if r["type"] == "ssl" and r["dataset"] == name
                    and r["sequence"] == sequence and r.get("judged", False) == judged]
            if not fits:
                continue
            delta = [100 * (r["ssl_accuracy"] - paired[(name, r["seed"], sequence,
                                                        r["n_labels"])]) for r in fits]
            worse = [r for r, d in zip(fits, delta, strict=True) if d < -1]
            kept = {}
            for r in worse:
                kept[r["ssl_kept"]] = kept.get(r["ssl_kept"], 0) + 1
            lines.append(f"| {name} | {sequence}{', judged' if judged else ''} | {len(fits)} | "
                         f"{np.mean(delta):+.2f} | "
                         f"{len(worse)} | "
                         + (", ".join(f"{k}: {v}" for k, v in sorted(kept.items(), key=str))
                            or "–") + " |")
    return lines


def _savings(records, infos, base_arm, compare, how):
    """The savings table of ``compare`` against ``base_arm``, and the target's verdict."""
    lines = ["", f"## Labels saved against {ARM_NAMES[base_arm]} ({how})", "",
             f"Saving = 1 − mean(arm) / mean(base) over seeds, base = {ARM_NAMES[base_arm]}; in "
             "brackets the range of the paired per-seed savings 1 − arm(s) / base(s). *Bound*: "
             "the most any arm can save, 1 − start / mean(base): every run starts with the 1% "
             "labels, so a data set whose bound is under 80% cannot meet the target (an oracle "
             "bound).", "",
             "| dataset | base mean | bound | " + " | ".join(ARM_NAMES[a] for a in compare)
             + " |", "|---|---|---|" + "---|" * len(compare)]
    mean_saving = {a: {} for a in compare}
    bounds = {}
    for name in infos:
        base = _done(records, name, base_arm)
        if not base or any(r["labels_needed"] is None for r in base):
            lines.append(f"| {name} | not reached | – | " + " | ".join("–" for _ in compare)
                         + " |")
            continue
        base_mean = np.mean([r["labels_needed"] for r in base])
        by_seed = {r["seed"]: r["labels_needed"] for r in base}
        bounds[name] = 1 - base[0]["n0"] / base_mean
        cells = []
        for arm in compare:
            done = _done(records, name, arm)
            if not done or any(r["labels_needed"] is None for r in done):
                cells.append(f"not reached by every seed: {_fmt_needed(done)}" if done else "–")
                continue
            saving = 1 - np.mean([r["labels_needed"] for r in done]) / base_mean
            per_seed = [1 - r["labels_needed"] / by_seed[r["seed"]] for r in done
                        if r["seed"] in by_seed]
            mean_saving[arm][name] = saving
            cells.append(f"{100 * saving:.0f}% ({100 * min(per_seed):.0f}% to "
                         f"{100 * max(per_seed):.0f}%)")
        lines.append(f"| {name} | {base_mean:,.0f} | {100 * bounds[name]:.0f}% | "
                     + " | ".join(cells) + " |")
    lines.append("| **mean over data sets** | | "
                 + (f"{100 * np.mean(list(bounds.values())):.0f}%" if bounds else "–") + " | "
                 + " | ".join(f"**{100 * np.mean(list(v.values())):.0f}%** ({len(v)} data sets)"
                              if v else "–" for v in mean_saving.values()) + " |")
    reachable = [n for n, b in bounds.items() if b >= 0.8]
    if len(reachable) < len(bounds):
        lines.append("| **mean over the data sets whose bound allows 80%** | | "
                     + (f"{100 * np.mean([bounds[n] for n in reachable]):.0f}%"
                        if reachable else "–") + " | "
                     + " | ".join(f"**{100 * np.mean([v[n] for n in reachable]):.0f}%**"
                                  if v and all(n in v for n in reachable) else "–"
                                  for v in mean_saving.values()) + " |")
    for arm in ("c", "c_j", "e", "g", "g_s"):
        if not mean_saving.get(arm):
            continue
        c = mean_saving[arm]
        ok_mean = np.mean(list(c.values())) >= 0.8
        ok_each = [n for n in reachable if c.get(n, -1) >= 0.8]
        ok_reach = all(n in c for n in reachable) and reachable and np.mean(
            [c[n] for n in reachable]) >= 0.8
        lines += ["", f"Target {ARM_NAMES[arm]} ≥ 80% fewer labels than {ARM_NAMES[base_arm]}: "
                  "on average "
                  f"{100 * np.mean(list(c.values())):.0f}% — **{'met' if ok_mean else 'missed'}**"
                  + (f" (over the data sets whose bound allows 80%: "
                     f"**{'met' if ok_reach else 'missed'}**)" if len(reachable) < len(bounds)
                     else "")
                  + "; on each data set whose bound allows 80% "
                  f"({', '.join(reachable) or 'none'}): met on {len(ok_each)} of {len(reachable)}"
                  + (f" (missed: {', '.join(n for n in reachable if n not in ok_each)})"
                     if len(ok_each) < len(reachable) else "") + "."]
    return lines


def _ssl_expression(args):
    name = str(args.get("ssl"))
    factory = "make_candidate" if name.startswith("bare:") else "make_method"
    text = f"{factory}({name.removeprefix('bare:')!r}, LogisticRegression(max_iter=2000))"
    return text + (f".set_params(**{args['ssl_params']})" if args.get("ssl_params") else "")


def summarise(records, tag, paired_lr=None, notes=None):
    headers = [r for r in records if r["type"] == "header"]
    head = headers[0] if headers else {}
    infos = {r["dataset"]: r for r in records if r["type"] == "dataset"}
    seeds = sorted({r["seed"] for r in records if r["type"] == "done"})
    arms = [a for a in ARMS if any(r["type"] == "done" and r["arm"] == a for r in records)]
    args = head.get("args", {})
    git, versions = head.get("git", {}), head.get("versions", {})
    machine, data = head.get("machine", {}), head.get("data", {})
    lines = [f"# Suite 4 — the loop: labels needed to reach 99% of full supervision ({tag})",
             "", "Command (from the repository root; one line per start or resume):", "",
             "```", *[h["command"].strip() for h in headers], "```", "",
             f"- code under test: git {str(git.get('commit'))[:10]}"
             f"{' (src dirty)' if git.get('dirty') else ''}; "
             + ", ".join(f"{k} {v}" for k, v in versions.items()),
             f"- machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
             f"{machine.get('memory_gb', '?')} GB (one thread used; shared with other jobs), "
             f"{machine.get('platform', '?')}; started {head.get('started')}",
             f"- data: {data.get('wheel')} (sha256 {str(data.get('sha256'))[:16]}…), raw values "
             "standardised over the train part of fold 0; the test part of fold 0 scores "
             "every model",
             f"- SSL model: `{_ssl_expression(args)}`;"
             f" active query: `{args.get('strategy')}` by the supervised logistic regression "
             "(active choice by the supervised model, SSL model scored on the same labels); "
             "in (g) by the SSL model itself, as `semiloop round` queries",
             f"- seeds {', '.join(map(str, seeds))}; supervised arms scored every round (exact "
             f"to one batch); SSL arms searched at counts × {args.get('grid_ratio')} then "
             "bisected to one batch (a crossing of the target, never below the first one)"
             + ("; (b) searched up to (a)'s count of its seed" if args.get("cap_b") else ""),
             ""]
    if notes:
        lines += [notes.strip(), ""]
    lines += ["## Labels needed (mean over seeds, min–max)", "",
              "| dataset | batch | start (1%) | full LR acc. | target | LR acc. at start | "
              + " | ".join(ARM_NAMES[a] for a in arms) + " |",
              "|---|---|---|---|---|---|" + "---|" * len(arms)]
    for name, info in infos.items():
        done_any = [r for r in records if r["type"] == "done" and r["dataset"] == name]
        n0 = done_any[0]["n0"] if done_any else "–"
        start_acc = [r["supervised_accuracy"] for r in records if r["type"] == "round"
                     and r["dataset"] == name and r["round"] == 0
                     and r["sequence"] == "random" and "supervised_accuracy" in r]
        start = (f"{100 * np.mean(start_acc):.2f} ({100 * min(start_acc):.2f}–"
                 f"{100 * max(start_acc):.2f})" if start_acc else "–")
        cells = [_fmt_needed(_done(records, name, a)) if _done(records, name, a) else "–"
                 for a in arms]
        lines.append(f"| {name} | {info['batch']} | {n0} | {100 * info['full_accuracy']:.2f} | "
                     f"{100 * info['target']:.2f} | {start} | " + " | ".join(cells) + " |")
    if "a_s" in arms:
        lines += _savings(records, infos, "a_s",
                          [a for a in ("b", "c", "d_s", "c_j", "f_s", "e", "g_s") if a in arms],
                          "like for like: every arm's count found by the same search")
    if "a" in arms:
        lines += _savings(records, infos, "a",
                          [a for a in ("d", "c", "b", "c_j", "f", "e", "g") if a in arms],
                          "the supervised arms' first hit, scored every round (the anchor's "
                          "way); (b) and (c) by their search")
    lines += ["", "## What the SSL model kept, and the cost", "",
              "| dataset | sequence | SSL fits | kept (count) | SSL s/fit (median, max) | "
              "LR s/fit (median) | arm seconds (sum over seeds) |", "|---|---|---|---|---|---|---|"]
    for name in infos:
        for sequence in SEQUENCES:
            ssl = [r for r in records if r["type"] == "ssl" and r["dataset"] == name
                   and r["sequence"] == sequence]
            sup = [r["supervised_seconds"] for r in records if r["type"] == "round"
                   and r["dataset"] == name and r["sequence"] == sequence
                   and "supervised_seconds" in r]
            kept = {}
            for r in ssl:
                kept[r.get("ssl_kept")] = kept.get(r.get("ssl_kept"), 0) + 1
            arm_seconds = sum(r["seconds"] for r in records if r["type"] == "done"
                              and r["dataset"] == name and ARMS[r["arm"]][0] == sequence)
            sec = [r["ssl_seconds"] for r in ssl]
            if not ssl:
                continue
            lines.append(
                f"| {name} | {sequence} | {len(ssl)} | "
                + ", ".join(f"{k}: {v}" for k, v in sorted(kept.items(), key=str)) + " | "
                + (f"{np.median(sec):.1f}, {max(sec):.1f}" if sec else "–") + " | "
                + (f"{np.median(sup):.3f}" if sup else "–") + f" | {arm_seconds:,.0f} |")
    if paired_lr is not None:
        lines += _paired_table(records, paired_lr)
    lines += ["", "## Per seed (labels needed; '>' = not reached by that count)", "",
              "| dataset | seed | " + " | ".join(ARM_NAMES[a] for a in arms) + " |",
              "|---|---|" + "---|" * len(arms)]
    for name in infos:
        for seed in seeds:
            cells = []
            for arm in arms:
                r = next((r for r in _done(records, name, arm) if r["seed"] == seed), None)
                cells.append("–" if r is None else f"{r['labels_needed']:,}"
                             if r["labels_needed"] is not None else f"> {r['censored_at']:,}")
            lines.append(f"| {name} | {seed} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(records, path):
    """Test accuracy against labels, one panel per data set, one line per arm and seed."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "semiloop-loop"  # the same figure, the same file
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    infos = [r for r in records if r["type"] == "dataset"]
    if not infos:
        return
    colours = {"a": "tab:gray", "b": "tab:blue", "c": "tab:red", "d": "tab:orange",
               "c_j": "tab:purple", "e": "tab:green", "f": "tab:olive"}
    cols = min(2, len(infos))
    n_rows = (len(infos) + cols - 1) // cols
    fig, axes = plt.subplots(n_rows, cols, figsize=(6.5 * cols, 4.4 * n_rows), squeeze=False)
    for ax, info in zip(axes.ravel(), infos, strict=False):
        name = info["dataset"]
        for arm, (sequence, scorer) in ARMS.items():
            if scorer == "supervised_search":
                continue
            kinds, key = (("round", "search"), "supervised_accuracy") if scorer == "supervised" \
                else (("ssl",), "ssl_accuracy")
            judged = scorer == "ssl_judged"
            seeds = sorted({r["seed"] for r in records if r["type"] in kinds
                            and r["dataset"] == name and r["sequence"] == sequence})
            for i, seed in enumerate(seeds):
                points = sorted((r["n_labels"], 100 * r[key]) for r in records
                                if r["type"] in kinds and r["dataset"] == name
                                and r["seed"] == seed and r["sequence"] == sequence
                                and r.get(key) is not None
                                and r.get("judged", False) == judged)
                if points:
                    xs, ys = zip(*points, strict=True)
                    ax.plot(xs, ys, color=colours[arm], lw=1, alpha=0.8,
                            marker="o" if scorer.startswith("ssl") else None, ms=3,
                            label=ARM_NAMES[arm] if i == 0 else None)
        ax.axhline(100 * info["target"], color="k", ls="--", lw=0.8,
                   label="99% of full supervision")
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{name}: batch {info['batch']}, full LR {100 * info['full_accuracy']:.1f}%",
                     fontsize=10)
        ax.set_xlabel("labels (log scale)")
        ax.set_ylabel("test accuracy (%)")
        shown = [100 * r[k] for r in records if r.get("dataset") == name
                 for k in ("supervised_accuracy", "ssl_accuracy") if r.get(k) is not None]
        low = max(100 * info["target"] - 25, min(shown, default=0) - 2, 0)
        ax.set_ylim(low, min(100.5, 100 * info["full_accuracy"] + 5))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    for ax in axes.ravel()[len(infos):]:
        ax.axis("off")
    fig.suptitle("Suite 4: lines = supervised every round; dots = SSL fits of the search",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)


# ----------------------------------------------------------------------------- main

def main(argv=None):
    sys.path.insert(0, str(HERE))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=DATASETS)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--tag", default="main")
    parser.add_argument("--ssl", default="auto",
                        help="a method of semiloop.registry.METHODS (default: auto), or "
                             "bare:NAME for auto's candidate NAME without guard (an ablation)")
    parser.add_argument("--ssl-params", default=None,
                        help="JSON of set_params for the SSL model (an ablation), e.g. "
                             '\'{"sparselabelspreading__class_balance": "mass"}\'')
    parser.add_argument("--strategy", default="margin",
                        help="a strategy of semiloop.active.STRATEGIES (default: margin)")
    parser.add_argument("--arms", default="a,b,c,d,a_s,d_s", help="of " + ",".join(ARMS))
    parser.add_argument("--grid-ratio", type=float, default=1.5,
                        help="growth of the counts of the SSL search before bisection")
    parser.add_argument("--no-cap-b", dest="cap_b", action="store_false",
                        help="search (b) beyond (a)'s count")
    parser.add_argument("--max-labels", type=int, default=10**9)
    parser.add_argument("--random-share", type=float, default=0.25,
                        help="share of each batch of the mixed sequence drawn at random")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--summarise-only", action="store_true")
    args = parser.parse_args(argv)
    args.arms = args.arms.split(",")
    command = " ".join([".venv/bin/python benchmarks/loop.py",
                        shlex.join(sys.argv[1:] if argv is None else argv)]).strip()
    out = HERE / "results" / f"loop-{args.tag}"
    jsonl, md, svg = (out.with_suffix(".jsonl"), out.with_suffix(".md"),
                      Path(f"{out}-curves.svg"))
    notes_file = Path(f"{out}-notes.md")  # written by hand after a run, put into the summary
    notes = notes_file.read_text() if notes_file.exists() else None
    if args.summarise_only:
        records = read_records(jsonl)
        md.write_text(summarise(records, args.tag, paired_supervised(records), notes))
        plot(records, svg)
        print(md.read_text())
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    if not args.resume and jsonl.exists():
        raise SystemExit(f"{jsonl.name} exists; pass --resume or another --tag")
    records, offset = read_records(jsonl, with_offset=True) if args.resume else ([], 0)
    with open(jsonl, "a" if args.resume else "w") as handle:
        handle.truncate(offset)  # drop a line cut by a kill

        def write(record):
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            records.append(record)

        write(header(args, command))
        prepared = {}
        # first the arms of the target figure ((d) is free with (c)), then (b)
        for phase in (("g", "g_s", "d", "c", "a", "d_s", "a_s", "f", "f_s", "e", "c_j"),
                      ("b",)):
            arms = [arm for arm in phase if arm in args.arms]
            for name in args.datasets.split(",") if arms else ():
                if name not in prepared:
                    *data, info = prepare(name)
                    prepared[name] = (data, info)
                    if not any(r["type"] == "dataset" and r["dataset"] == name
                               for r in records):
                        write(info)
                data, info = prepared[name]
                for seed in map(int, args.seeds.split(",")):
                    Run(args, name, seed, data, info, records, write).arms(arms)
                md.write_text(summarise(records, args.tag))
                plot(records, svg)
    md.write_text(summarise(records, args.tag, paired_supervised(records), notes))
    print(md.read_text())


if __name__ == "__main__":
    main()
