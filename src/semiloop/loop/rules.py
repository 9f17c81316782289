"""A project's rules: votes on every item, combined into seed labels kept as source ``rule``.

The config's ``[[rules]]`` tables (:func:`semiloop.heuristics.rules_from_config`)
vote on every item; the project's combiner turns the votes into one label and
a confidence per item: majority vote by default (confidence: the winner's
share of the votes), or ``combiner = "dawid_skene"``, the Dawid–Skene label
model (:class:`semiloop.heuristics.DawidSkene`, anchored on the human labels
outside the validation set). On Suite 5's fortunes topics with two keyword
rules per topic (``benchmarks/results/rules-suite5.md``) majority vote labels
45% of the texts at 83% accuracy and the label model (two-coin, majority
vote's class prior) 46% at 82%, agreeing with majority vote wherever it
decides and settling its ties; the earlier confusion-matrix default put every
voted text in one class. So the label model's labels are used only when they
do not collapse (class shares within a total variation of 0.5 of majority
vote's) and are not significantly less accurate than majority vote's on the
human labels of voted items (10 or more; McNemar's exact one-sided test on
the items where one of the two is right, at 0.1; a tie in majority vote is
a miss); otherwise the round falls back to majority vote and warns. Items whose confidence is
below ``min_confidence`` get no rule label. The result enters the store as
one import of source ``rule``; the same votes give the same import, which
the store writes once. Rule labels never replace a human label, never enter
the validation set, and train with a weight below a human label's
(:class:`~semiloop.methods.staged.StagedClassifier`).

Config::

    [rules_model]
    combiner = "majority_vote"   # or "dawid_skene"
    min_confidence = 0.5
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from semiloop.errors import SemiloopError, SemiloopWarning

__all__ = ["COMBINERS", "RuleVotes", "apply_project_rules"]

COMBINERS = ("dawid_skene", "majority_vote")
DEFAULTS = {"combiner": "majority_vote", "min_confidence": 0.5}
#: Dawid-Skene's class shares further than this (total variation) from majority vote's: collapsed
COLLAPSE_DISTANCE = 0.5
#: human labels the rules voted on, needed before the two combiners are compared on them
MIN_CHECKED = 10
#: McNemar's one-sided level for "the label model is less accurate than majority vote"
WORSE_LEVEL = 0.1


@dataclass(frozen=True)
class RuleVotes:
    """The rules' votes and what the combiner made of them.

    Attributes
    ----------
    names : list of str
        The rules, in config order.
    L : ndarray of int, shape (n_items, n_rules)
        Votes as class indices, -1 where a rule abstains.
    labels : ndarray of int, shape (n_items,)
        The combined label (-1: none, or below ``min_confidence``).
    confidence : ndarray of float, shape (n_items,)
    summary : DataFrame
        :func:`semiloop.heuristics.lf_summary` with the human labels.
    combiner : str
    """

    names: list
    L: np.ndarray
    labels: np.ndarray
    confidence: np.ndarray
    summary: pd.DataFrame
    combiner: str


def apply_project_rules(config, frame, classes, human):
    """Vote the config's rules on ``frame`` and combine the votes.

    Parameters
    ----------
    config : dict
        The project's config, with ``rules`` (and optional ``rules_model``).
    frame : DataFrame of shape (n_items, n_columns)
        The items' columns.
    classes : list of str
        The project's classes (their order gives the indices).
    human : ndarray of int, shape (n_items,)
        Human labels as class indices, -1 elsewhere (validation items
        excluded by the caller): they anchor the label model and measure the
        rules' accuracy.

    Returns
    -------
    RuleVotes

    Raises
    ------
    SemiloopError
        When the config has no rules or names an unknown combiner.
    """
    from semiloop.heuristics import (
        DawidSkene,
        apply_labeling_functions,
        lf_summary,
        majority_vote,
        rules_from_config,
    )

    if not config.get("rules"):
        raise SemiloopError("the pipeline has a rules stage but the config has no [[rules]]; "
                            "add rules (see semiloop.heuristics) or drop the rules stage")
    options = {**DEFAULTS, **config.get("rules_model", {})}
    combiner = options["combiner"]
    if combiner not in COMBINERS:
        raise SemiloopError(f"[rules_model] combiner {combiner!r} is not known; use one of "
                            f"{', '.join(COMBINERS)}")
    rules = rules_from_config(config)
    L = apply_labeling_functions(frame, rules, classes=classes)
    n_classes = len(classes)
    labels, confidence = majority_vote(L, n_classes=n_classes)
    estimated = None
    if combiner == "dawid_skene":
        model = DawidSkene(n_classes=n_classes).fit(L, y=human)
        proba = model.predict_proba(L)
        modelled = np.where((L < 0).all(axis=1), -1, proba.argmax(axis=1))
        why = _collapsed(modelled, labels, human, n_classes, voted=(L >= 0).any(axis=1))
        if why is None:
            labels, confidence, estimated = modelled, proba.max(axis=1), model.accuracies_
        else:
            warnings.warn(f"the Dawid-Skene label model's rule labels {why}; the round uses "
                          "majority vote instead", SemiloopWarning, stacklevel=2)
            combiner = "majority_vote"
    labels = np.where((labels >= 0) & (confidence >= float(options["min_confidence"])),
                      labels, -1)
    names = [rule.name for rule in rules]
    summary = lf_summary(L, names=names, y=human, classes=classes,
                         estimated_accuracies=estimated)
    return RuleVotes(names, L, labels, np.where(labels >= 0, confidence, 0.0), summary,
                     combiner)


def _collapsed(modelled, majority, human, n_classes, voted):
    """Why the label model's labels should not be used, or None."""
    from scipy.stats import binomtest

    def shares(labels):
        voted = labels[labels >= 0]
        return np.bincount(voted, minlength=n_classes) / max(len(voted), 1)

    distance = 0.5 * np.abs(shares(modelled) - shares(majority)).sum()
    if distance > COLLAPSE_DISTANCE:
        return (f"collapse onto a few classes (class shares {distance:.2f} in total variation "
                "from majority vote's)")
    checked = (human >= 0) & voted
    if checked.sum() >= MIN_CHECKED:
        ours = modelled[checked] == human[checked]
        theirs = majority[checked] == human[checked]
        only_theirs, only_ours = int(np.sum(theirs & ~ours)), int(np.sum(ours & ~theirs))
        if only_theirs > only_ours and binomtest(
                only_theirs, only_theirs + only_ours, alternative="greater").pvalue <= WORSE_LEVEL:
            return (f"are less accurate than majority vote's on {int(checked.sum())} human "
                    f"labels ({ours.mean():.0%} against {theirs.mean():.0%})")
    return None
