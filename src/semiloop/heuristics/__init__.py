"""Heuristics: rules as seed labels.

Labeling functions vote a class for a row or abstain: Python functions
(:func:`labeling_function`) and the declarative rules of a project's config
(keywords, regular expressions, thresholds; :func:`rules_from_config`).
:func:`apply_labeling_functions` gives the label matrix ``L`` (n_rows,
n_functions; -1 = abstain), :func:`lf_summary` how each function behaves on
it, :func:`majority_vote` and the label model :class:`DawidSkene` combine the
votes, and :func:`seed_labels` turns the result into seed labels with a
confidence and the source ``"rule"`` for the project store.
This layer knows nothing of the store or the methods: it works on tables and arrays.
"""

from semiloop.heuristics.analysis import (
    label_conflict,
    label_coverage,
    label_overlap,
    lf_conflicts,
    lf_coverages,
    lf_empirical_accuracies,
    lf_overlaps,
    lf_polarities,
    lf_summary,
)
from semiloop.heuristics.config import KINDS, rules_from_config
from semiloop.heuristics.functions import (
    ABSTAIN,
    LabelingFunction,
    PythonLabelingFunction,
    apply_labeling_functions,
    labeling_function,
)
from semiloop.heuristics.label_model import DawidSkene
from semiloop.heuristics.majority import majority_vote, vote_counts
from semiloop.heuristics.rules import OPERATORS, KeywordRule, RegexRule, ThresholdRule
from semiloop.heuristics.seeds import SOURCE, seed_labels

__all__ = [
    "ABSTAIN",
    "KINDS",
    "OPERATORS",
    "SOURCE",
    "DawidSkene",
    "KeywordRule",
    "LabelingFunction",
    "PythonLabelingFunction",
    "RegexRule",
    "ThresholdRule",
    "apply_labeling_functions",
    "label_conflict",
    "label_coverage",
    "label_overlap",
    "labeling_function",
    "lf_conflicts",
    "lf_coverages",
    "lf_empirical_accuracies",
    "lf_overlaps",
    "lf_polarities",
    "lf_summary",
    "majority_vote",
    "rules_from_config",
    "seed_labels",
    "vote_counts",
]
