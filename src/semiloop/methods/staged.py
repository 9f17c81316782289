"""A pipeline of semi-supervised stages, each stage's labels feeding the next.

Teams rarely run one method alone: rule votes seed the labels, self-training
adds the confident pseudo-labels, a consistency method trains on the result.
:class:`StagedClassifier` runs such a chain as one scikit-learn classifier, so
that one guard (:class:`~semiloop.methods.guarded.GuardedClassifier`) judges
the whole chain against the supervised model on held-out *human* labels: the
rule labels are given to the constructor, aligned with the rows of ``X``, so
they never enter ``y`` and never score the chain.

Stages, in order:

- ``{"method": "rules"}``: rows that ``y`` leaves unlabeled and that the rules
  voted on get the rule label, weighted ``rule_weight * rule_confidence``.
- ``{"method": NAME, "model": BASE}``: a method of :data:`semiloop.registry.METHODS`
  around a base classifier, or ``"supervised"``: the base classifier alone,
  fitted on the labels so far (as a last stage: rules, then a plain model).
  Every stage but the last passes on its confident predictions: unlabeled
  rows predicted with probability at least ``accept`` become labels of the
  next stage, weighted ``pseudo_weight * confidence``.
  The last stage is the model.

Weights reach a stage's classifier where it accepts ``sample_weight``
(self-training around logistic regression does; label spreading does not, and
then every label counts alike).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = np.r_[rng.normal(-2, 1, (100, 2)), rng.normal(2, 1, (100, 2))]
>>> y = np.full(200, -1)
>>> y[[0, 1, 100, 101]] = [0, 0, 1, 1]
>>> rules = np.where(X[:, 0] < -3, 0, -1)
>>> staged = StagedClassifier([{"method": "rules"}, {"method": "graph"}],
...                           rule_labels=rules).fit(X, y)
>>> int(staged.n_rule_labels_), float(staged.score(X, np.repeat([0, 1], 100)))
(18, 0.995)
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from semiloop.data.labels import encode_labels
from semiloop.errors import SemiloopError
from semiloop.methods._chain import fit_estimator, full_proba
from semiloop.methods._inputs import prepare_target

__all__ = ["StagedClassifier", "check_stages"]

RULES = "rules"
SUPERVISED = "supervised"
#: a self-training stage runs without its own guard, audit and hold-back: a guard
#: around the whole chain (GuardedClassifier) judges it, and nesting guards costs
#: five refits of the chain per fold
_UNGUARDED_SELF_TRAINING = {"guard": False, "calibrate": False, "audit_size": 0.0,
                            "hold_back_unstable": False}


def check_stages(stages):
    """Check a stage list (as a project's config gives it) and return it as dicts.

    Raises
    ------
    SemiloopError
        When the list is empty, a stage names no known method or model, the
        rules come after a method, or the last stage is the rules.
    """
    from semiloop.base_models import BASE_MODELS
    from semiloop.registry import METHODS

    stages = [dict(stage) for stage in stages]
    if not stages:
        raise SemiloopError("the pipeline has no stage; give at least one method, "
                            "for example [{method = 'self-training'}]")
    for position, stage in enumerate(stages):
        name = stage.get("method")
        if name == RULES:
            if position > 0 and stages[position - 1].get("method") != RULES:
                raise SemiloopError("the rules stage must come first: rule votes seed the "
                                    "labels that the methods start from")
            continue
        if name not in METHODS and name != SUPERVISED:
            raise SemiloopError(f"pipeline stage {position + 1} names method {name!r}; use "
                                f"'rules', 'supervised' or one of {', '.join(METHODS)}")
        model = stage.get("model", "logreg")
        if isinstance(model, str) and model not in BASE_MODELS:
            raise SemiloopError(f"pipeline stage {position + 1} names model {model!r}; use "
                                f"one of {', '.join(BASE_MODELS)}")
    if stages[-1].get("method") == RULES:
        raise SemiloopError("the pipeline ends with the rules; add a method after them, "
                            "for example {method = 'self-training'}")
    return stages


class StagedClassifier(ClassifierMixin, BaseEstimator):
    """Semi-supervised stages in a chain, each stage's labels feeding the next.

    Parameters
    ----------
    stages : list of dict
        The stages (see the module docstring): ``{"method": "rules"}`` or
        ``{"method": NAME, "model": BASE}`` with NAME in
        :data:`semiloop.registry.METHODS` and BASE in
        :data:`semiloop.base_models.BASE_MODELS` (default ``"logreg"``).
    rule_labels : array-like of shape (n_samples,), default=None
        The rules' combined vote for each row of the ``X`` given to ``fit``:
        a label as ``y`` writes them (the guard passes class codes), ``-1``
        where they abstain; a vote for a class absent from ``y`` is ignored.
        Needed by a rules stage.
    rule_confidence : array-like of float, shape (n_samples,), default=None
        The label model's confidence in each vote, in [0, 1] (default 1).
    rule_weight : float, default=0.5
        The weight of a rule label at confidence 1 (a human label weighs 1).
    accept : float, default=0.95
        Probability at which a stage's prediction becomes the next stage's label.
    pseudo_weight : float, default=0.5
        The weight of such a pseudo-label at confidence 1.
    random_state : int, default=0

    Attributes
    ----------
    classes_ : ndarray
        The classes seen in ``y``, sorted.
    stages_ : list of estimator
        The fitted methods, in order (the rules stage has none).
    final_estimator_ : estimator
        The last stage: it predicts.
    stage_labels_ : ndarray of int, shape (n_samples,)
        The labels the last stage was fitted on, as indices into ``classes_``
        (``-1``: unlabeled).
    stage_sources_ : ndarray of str, shape (n_samples,)
        Where each of those labels came from: ``"given"``, ``"rule"``,
        ``"pseudo"`` or ``""``.
    n_rule_labels_, n_pseudo_labels_ : int
        Labels the rules and the non-final stages added.
    """

    def __init__(self, stages=({"method": "self-training"},), *, rule_labels=None,
                 rule_confidence=None, rule_weight=0.5, accept=0.95, pseudo_weight=0.5,
                 random_state=0):
        self.stages = stages
        self.rule_labels = rule_labels
        self.rule_confidence = rule_confidence
        self.rule_weight = rule_weight
        self.accept = accept
        self.pseudo_weight = pseudo_weight
        self.random_state = random_state

    def fit(self, X, y):
        """Run the stages in order on ``X`` (n_samples, n_features) and ``y`` (-1: unlabeled).

        Raises
        ------
        SemiloopError
            When a rules stage has no ``rule_labels``, or they do not match ``X``.
        """
        stages = check_stages(self.stages)
        codes, self.classes_ = encode_labels(prepare_target(self, y))
        codes = codes.copy()
        weights = np.where(codes >= 0, 1.0, 0.0)
        sources = np.where(codes >= 0, "given", "").astype(object)
        self.stages_ = []
        self.n_rule_labels_ = self.n_pseudo_labels_ = 0
        for position, stage in enumerate(stages):
            if stage["method"] == RULES:
                added = self._add_rule_labels(codes, weights, sources, len(codes))
                self.n_rule_labels_ += added
                continue
            model = self._fit_stage(stage, X, codes, weights)
            self.stages_.append(model)
            if position < len(stages) - 1:
                self.n_pseudo_labels_ += self._pass_on(model, X, codes, weights, sources)
        self.final_estimator_ = self.stages_[-1]
        self.stage_labels_ = codes
        self.stage_sources_ = sources.astype(str)
        return self

    def _add_rule_labels(self, codes, weights, sources, n_rows):
        if self.rule_labels is None:
            raise SemiloopError("the pipeline has a rules stage but no rule labels; define "
                                "rules in the project's config, or drop the rules stage")
        votes = np.asarray(self.rule_labels)
        if votes.shape != (n_rows,):
            raise SemiloopError(f"rule_labels has shape {votes.shape}; give one vote per row "
                                f"of X ({n_rows})")
        confidence = (np.ones(n_rows) if self.rule_confidence is None
                      else np.asarray(self.rule_confidence, dtype=float))
        known = np.isin(votes, self.classes_) & (votes != -1)
        take = (codes < 0) & known
        codes[take] = np.searchsorted(self.classes_, votes[take])
        weights[take] = self.rule_weight * confidence[take]
        sources[take] = "rule"
        return int(take.sum())

    def _fit_stage(self, stage, X, codes, weights):
        from semiloop.registry import METHODS, _base, make_candidate, make_method

        name, model = stage["method"], stage.get("model", "logreg")
        options = {k: v for k, v in stage.items() if k not in ("method", "model")}
        labeled = codes >= 0
        weighted = None if np.all(weights[labeled] == 1.0) else weights
        if name == SUPERVISED:
            base = _base(model, self.random_state)
            return fit_estimator(base, _rows(X, np.flatnonzero(labeled)), codes[labeled],
                                 sample_weight=None if weighted is None else weights[labeled])
        if METHODS[name].candidate and not options:
            estimator = make_candidate(name, model, random_state=self.random_state)
            if name == "self-training":  # the guard around the whole chain judges it
                estimator.set_params(**_UNGUARDED_SELF_TRAINING)
        else:
            estimator = make_method(name, model, random_state=self.random_state, **options)
        return fit_estimator(estimator, X, codes, sample_weight=weighted)

    def _pass_on(self, model, X, codes, weights, sources):
        unlabeled = np.flatnonzero(codes < 0)
        if not len(unlabeled):
            return 0
        proba = full_proba(model, _rows(X, unlabeled), np.arange(len(self.classes_)))
        confidence = proba.max(axis=1)
        sure = confidence >= self.accept
        rows = unlabeled[sure]
        codes[rows] = proba[sure].argmax(axis=1)
        weights[rows] = self.pseudo_weight * confidence[sure]
        sources[rows] = "pseudo"
        return int(sure.sum())

    def predict_proba(self, X):
        """Class probabilities of the last stage, shape (n_samples, n_classes)."""
        check_is_fitted(self, "final_estimator_")
        return full_proba(self.final_estimator_, X, np.arange(len(self.classes_)))

    def predict(self, X):
        """The most probable class of each row, shape (n_samples,)."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _rows(X, rows):
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]
