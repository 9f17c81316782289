"""The safety guard: a semi-supervised model is kept only where held-out labels say it helps.

Every semi-supervised method in semiloop is judged the same way. The labeled
rows are split (repeated cross-validation folds, or one held-out share for
models too expensive to refit five times); each candidate model and the
supervised model predict the rows held out from them; the candidate is kept
only when its per-row gain over the reference is significant.

The test is exact for small samples. Each row's gain (in correctness, and in
Brier score so that the probabilities count too) is a paired difference;
under the null hypothesis that the candidate is no better, each gain is as
likely to have the opposite sign, so the p-value is the share of sign flips
whose standardised sum reaches the observed one: all ``2^m`` flips for
``m <= 16`` rows that differ, 20,000 seeded random ones above. When several
candidates or criteria compete (``semiloop train --method auto``) the flips
are shared and the maximum statistic over them is compared (Westfall and
Young's single-step max-T), so choosing the best of k does not raise the rate
at which a useless candidate is kept. ``margin`` is the one-sided level written as a
normal quantile, so that ``margin=1.5`` keeps at ``p <= 0.067`` and
``margin=2.0`` at ``p <= 0.023``. A candidate whose held-out accuracy is not
above chance (the share of the most frequent held-out class) is never kept.

Small classes. A split is only usable when each of its training parts
keeps labeled rows of at least two classes, since no classifier is fitted on
one. Where the labels are too few for that (one labeled row per class, or
two classes of which one has a single row) :func:`label_folds` returns no
split, and the methods keep the supervised model fitted on all labeled rows,
say so in their outcome and warn: :func:`not_compared` is that decision, and
its reason (:func:`too_few_to_hold_out`) names the classes to label more of.
Otherwise a class with a single row is held out like any other, and the fold
that holds it out is trained without it.

Sources: Good, "Permutation, Parametric and Bootstrap Tests of Hypotheses"
(2005), ch. 3 (the one-sample sign-flip test); Westfall and Young,
"Resampling-Based Multiple Testing" (1993), sec. 2.6 (single-step max-T);
Brier, "Verification of forecasts expressed in terms of probability" (1950).

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 1] * 10)
>>> supervised = score_out_of_fold(y, np.tile([[0.6, 0.4]], (20, 1)))   # always class 0
>>> better = score_out_of_fold(y, np.eye(2)[y] * 0.8 + 0.1)             # always right
>>> decision = choose(supervised, {"graph": better}, chance=no_information_rate(y))
>>> decision.kept, decision.criteria["graph"]     # 10 rows gained; all 20 more sure
('graph', 'Brier score')
>>> decision.p_values["graph"] < 0.001
True
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm
from sklearn.model_selection import StratifiedKFold, train_test_split

__all__ = [
    "CRITERIA",
    "NOT_SCORED",
    "GuardDecision",
    "GuardScore",
    "GuardState",
    "choose",
    "held_out_rows",
    "holdout_split",
    "label_folds",
    "level_of",
    "make_splits",
    "max_t_p_values",
    "no_information_rate",
    "not_compared",
    "score_out_of_fold",
    "sign_flip_p_value",
    "stack_held_out",
    "stacked_truth",
    "too_few_to_hold_out",
]

EXACT_UP_TO = 16       # rows that differ; above, sign flips are sampled
N_RESAMPLES = 20_000
_CHUNK = 2_000
_RESAMPLE_SEED = 0     # fixed: the same scores always give the same decision
SPLIT_MODES = ("folds", "holdout")


@dataclass(frozen=True, eq=False)
class GuardScore:
    """One model's held-out predictions of the labeled rows, scored per row.

    Parameters
    ----------
    correct : ndarray of shape (n_rows,)
        For each held-out labeled row (every labeled row for folds, the
        held-out share for a single split), the share of repeats in which its
        held-out prediction was right.
    brier : ndarray of shape (n_rows,)
        Per-row Brier score ``sum_k (p_k - 1[y = k])^2``, averaged over repeats.
    row_log_loss : ndarray of shape (n_rows,)
        Per-row log-loss, averaged over repeats.

    Attributes
    ----------
    accuracy, log_loss : float or None
        Means over the rows (rounded to 6 decimals); None for a score of no
        rows (:data:`NOT_SCORED`).
    """

    correct: np.ndarray = field(repr=False)
    brier: np.ndarray = field(repr=False)
    row_log_loss: np.ndarray = field(repr=False)

    @property
    def accuracy(self):
        return round(float(np.mean(self.correct)), 6) if len(self.correct) else None

    @property
    def log_loss(self):
        return round(float(np.mean(self.row_log_loss)), 6) if len(self.row_log_loss) else None

    def __str__(self):
        if not len(self.correct):
            return "not scored (no held-out rows)"
        return f"accuracy {self.accuracy:.4f}, log-loss {self.log_loss:.4f}"


NOT_SCORED = GuardScore(np.empty(0), np.empty(0), np.empty(0))
"""The score of a model that no held-out row could judge (accuracy None)."""


def score_out_of_fold(y, proba, *, n_repeats=1):
    """Score stacked held-out probabilities (``n_repeats`` copies of the labeled rows).

    Parameters
    ----------
    y : ndarray of int, shape (n_repeats * n_rows,)
        Class index of each stacked row.
    proba : ndarray of shape (n_repeats * n_rows, n_classes)
    n_repeats : int, default=1

    Returns
    -------
    GuardScore

    >>> import numpy as np
    >>> score_out_of_fold(np.array([0, 1]), np.array([[0.8, 0.2], [0.6, 0.4]])).accuracy
    0.5
    """
    proba = np.asarray(proba, dtype=float)
    y = np.asarray(y)
    rows = np.arange(len(y))
    hits = (proba.argmax(axis=1) == y).astype(float)
    truth = np.zeros_like(proba)
    truth[rows, y] = 1.0
    brier = ((proba - truth) ** 2).sum(axis=1)
    log_loss = -np.log(np.clip(proba[rows, y], 1e-12, 1.0))

    def per_row(values):
        return values.reshape(n_repeats, -1).mean(axis=0)

    return GuardScore(per_row(hits), per_row(brier), per_row(log_loss))


def no_information_rate(y):
    """Chance accuracy: the share of the most frequent class among ``y`` (int codes).

    >>> no_information_rate(np.array([0, 0, 1, 2]))
    0.5
    """
    y = np.asarray(y)
    return float(np.bincount(y).max() / len(y)) if len(y) else 0.0


def _flip_signs(n_rows, random_state):
    """Sign-flip matrices of shape (n_flips, n_rows), chunk by chunk; True means flipped."""
    if n_rows <= EXACT_UP_TO:
        codes = np.arange(2 ** n_rows)
        for start in range(0, len(codes), _CHUNK * 8):
            block = codes[start:start + _CHUNK * 8, None]
            yield (block >> np.arange(n_rows)) & 1 == 1
        return
    rng = np.random.default_rng(random_state)
    for start in range(0, N_RESAMPLES, _CHUNK):
        yield rng.random((min(_CHUNK, N_RESAMPLES - start), n_rows)) < 0.5


def max_t_p_values(gains, *, random_state=_RESAMPLE_SEED):
    """One-sided p-values of several candidates' mean gains, adjusted for choosing among them.

    Parameters
    ----------
    gains : ndarray of shape (n_rows, n_candidates)
        Paired per-row gains of each candidate over the reference (positive:
        the candidate is better on that row).

    Returns
    -------
    p_values : ndarray of shape (n_candidates,)
        Single-step max-T adjusted p-values: the share of sign flips (shared
        by all candidates) whose largest standardised sum
        ``T_c = sum_i s_i g_ic / sqrt(sum_i g_ic^2)`` reaches candidate c's
        observed ``T_c``. A candidate with no positive total gets 1.

    Examples
    --------
    >>> gains = np.array([[1.0], [1.0], [1.0]])      # 3 rows, all gained
    >>> float(max_t_p_values(gains)[0])              # 1 of 8 flips is as extreme
    0.125
    """
    gains = np.asarray(gains, dtype=float)
    if gains.ndim == 1:
        gains = gains[:, None]
    gains = gains[np.any(gains != 0, axis=1)]
    n_candidates = gains.shape[1]
    if len(gains) == 0:
        return np.ones(n_candidates)
    scale = np.sqrt((gains ** 2).sum(axis=0))
    scale[scale == 0] = 1.0
    observed = gains.sum(axis=0) / scale
    exceed = np.zeros(n_candidates)
    total = 0
    for flips in _flip_signs(len(gains), random_state):
        # Flipping the rows in F turns sum(g) into sum(g) - 2 sum_F(g).
        signed = (gains.sum(axis=0) - 2.0 * (flips.astype(float) @ gains)) / scale
        largest = signed.max(axis=1)
        # A small tolerance so that exact ties with the observed value count.
        exceed += (largest[:, None] >= observed[None] - 1e-9).sum(axis=0)
        total += len(flips)
    if len(gains) <= EXACT_UP_TO:
        p_values = exceed / total
    else:
        p_values = (exceed + 1) / (total + 1)
    return np.where(observed > 0, np.minimum(p_values, 1.0), 1.0)


def sign_flip_p_value(gains, *, random_state=_RESAMPLE_SEED):
    """One-sided p-value that the mean of paired ``gains`` is above 0 (sign-flip test).

    >>> sign_flip_p_value(np.array([1.0, 1.0, 1.0, 0.0, 0.0]))
    0.125
    """
    return float(max_t_p_values(np.asarray(gains, dtype=float)[:, None],
                                random_state=random_state)[0])


CRITERIA = ("accuracy", "Brier score")


def _gains(candidate, reference, criterion):
    """Per-row gains of ``candidate`` over ``reference`` (positive: the candidate is better)."""
    if criterion == "accuracy":
        return candidate.correct - reference.correct
    return reference.brier - candidate.brier


@dataclass(frozen=True)
class GuardDecision:
    """What the guard decided among candidates.

    Attributes
    ----------
    kept : str or None
        The candidate kept, or None: the reference (supervised) model stays.
    p_values : dict
        Adjusted one-sided p-value of each candidate.
    criteria : dict
        Per candidate, what its gains were measured in (``"accuracy"``, or
        ``"Brier score"`` where it is right on exactly the same rows).
    level : float
        The one-sided level the p-values were held to.
    reason : str
        One sentence: what was compared and why the decision fell this way.
    """

    kept: str | None
    p_values: dict
    criteria: dict
    level: float
    reason: str


def level_of(margin):
    """The one-sided significance level that a guard ``margin`` stands for: ``1 - Phi(margin)``.

    >>> round(level_of(2.0), 4), round(level_of(1.5), 4)
    (0.0228, 0.0668)
    """
    return float(norm.sf(margin))


def choose(reference, candidates, *, margin=1.5, chance=0.0, criteria=CRITERIA,
           random_state=_RESAMPLE_SEED):
    """Keep the best candidate that beats ``reference`` significantly, or none.

    Parameters
    ----------
    reference : GuardScore
        The model to beat (the supervised one, or the best round so far).
    candidates : dict of str to GuardScore
        Scored on the same held-out rows as ``reference``.
    margin : float, default=1.5
        The one-sided level as a normal quantile: p must be at most
        ``1 - Phi(margin)`` (0.067 for 1.5, 0.023 for 2.0); 0 keeps any
        candidate with a positive gain.
    chance : float, default=0.0
        A candidate whose accuracy is not above this is never kept (see
        :func:`no_information_rate`).
    criteria : tuple of str, default=("accuracy", "Brier score")
        What gains are measured in. Each candidate is tested in each; the
        max-T adjustment covers all candidate-criterion pairs, and a candidate's
        p-value is its smallest adjusted one. Correctness alone wastes what the
        probabilities say: with 30 labels, label spreading right on every
        held-out row against a supervised model's 26 is p = 1/16 by
        correctness, far below 0.001 by Brier score.

    Returns
    -------
    GuardDecision
        Among significant candidates above chance and at least as accurate as
        the reference, the most accurate one (then the lowest log-loss) is kept.
    """
    level = level_of(margin)
    names = list(candidates)
    if not names:
        return GuardDecision(None, {}, {}, level, "no candidate to compare")
    pairs = [(name, criterion) for name in names for criterion in criteria]
    adjusted = max_t_p_values(
        np.column_stack([_gains(candidates[name], reference, criterion)
                         for name, criterion in pairs]), random_state=random_state)
    p_values, criteria = {}, {}
    for (name, criterion), p_value in zip(pairs, adjusted, strict=True):
        if name not in p_values or p_value < p_values[name]:
            p_values[name], criteria[name] = float(p_value), criterion
    eligible = [name for name in names
                if p_values[name] <= level
                and candidates[name].accuracy > chance
                and candidates[name].accuracy >= reference.accuracy]
    if eligible:
        kept = min(eligible, key=lambda name: (-candidates[name].accuracy,
                                               candidates[name].log_loss))
        reason = (f"{kept} beats the reference on held-out labeled rows ({criteria[kept]}: "
                  f"{reference} -> {candidates[kept]}; p = {p_values[kept]:.3g} <= "
                  f"{level:.3g})")
        return GuardDecision(kept, p_values, criteria, level, reason)
    best = min(names, key=lambda name: p_values[name])
    if candidates[best].accuracy <= chance and p_values[best] <= level:
        why = f"its held-out accuracy {candidates[best].accuracy:.4f} is not above chance " \
              f"({chance:.4f})"
    else:
        why = f"p = {p_values[best]:.3g} > {level:.3g} ({criteria[best]}: {reference} -> " \
              f"{candidates[best]})"
    return GuardDecision(None, p_values, criteria, level,
                         f"no candidate clearly beats the reference; the closest, {best}: {why}")


def too_few_to_hold_out(label_codes, classes, *, rows="labeled"):
    """Why the labeled rows give no split (:func:`label_folds`), and which classes to label.

    Parameters
    ----------
    label_codes : ndarray of int
        Class index of each labeled row.
    classes : ndarray
        The class values, indexed by ``label_codes``.
    rows : {"labeled", "validation"}, default="labeled"
        Which rows ``label_codes`` are: all labeled rows, or the labeled rows
        marked to judge on (``validation_rows`` of the guarded methods).

    Returns
    -------
    str
        One clause: the labeled rows per class, why none can be held out, and
        the fix; with at least two labeled rows in every class the guard can
        always compare.

    >>> print(too_few_to_hold_out(np.array([0, 1, 1, 1]), np.array(["a", "b"])))
    too few rows are labeled to hold any out ({'a': 1, 'b': 3} per class): a class with a \
single labeled row cannot be both trained on and held out, leaving fewer than two classes to \
compare on; label at least 2 rows of class 'a'
    """
    counts = np.bincount(np.asarray(label_codes), minlength=len(classes))
    present = np.flatnonzero(counts)
    names = [_plain(classes[c]) for c in present]
    per_class = ", ".join(f"{name!r}: {counts[c]}" for name, c in zip(names, present,
                                                                        strict=True))
    single = [repr(name) for name, c in zip(names, present, strict=True) if counts[c] == 1]
    which = f"class {single[0]}" if len(single) == 1 else f"classes {', '.join(single)}"
    if rows == "validation":
        return (f"too few labeled rows are marked to judge on to hold any out ({{{per_class}}} "
                "per class); mark more labeled rows in validation_rows (labels drawn at "
                "random, not chosen by a query strategy), at least 2 in each of two classes")
    return (f"too few rows are labeled to hold any out ({{{per_class}}} per class): a class "
            "with a single labeled row cannot be both trained on and held out, leaving fewer "
            f"than two classes to compare on; label at least 2 rows of {which}")


def not_compared(label_codes, classes, *, margin=1.5, rows="labeled"):
    """The decision where the labeled rows are too few for any split (:func:`label_folds`).

    No held-out row can say whether a semi-supervised model helps, so none is
    kept: the reference (supervised) model stays.

    Parameters
    ----------
    label_codes : ndarray of int
        Class index of each labeled row.
    classes : ndarray
        The class values, indexed by ``label_codes``.
    margin : float, default=1.5
        The level the guard would have held candidates to (see :func:`choose`).
    rows : {"labeled", "validation"}, default="labeled"
        See :func:`too_few_to_hold_out`.

    Returns
    -------
    GuardDecision
        ``kept`` None, no p-values, and the reason, a sentence that the
        methods also give as their ``outcome_`` and warn with.

    >>> print(not_compared(np.array([0, 1, 2]), np.array([3, 5, 7])).reason)
    the guard could not compare, so the supervised model is kept: too few rows are labeled to \
hold any out ({3: 1, 5: 1, 7: 1} per class): a class with a single labeled row cannot be both \
trained on and held out, leaving fewer than two classes to compare on; label at least 2 rows \
of classes 3, 5, 7
    """
    reason = ("the guard could not compare, so the supervised model is kept: "
              + too_few_to_hold_out(label_codes, classes, rows=rows))
    return GuardDecision(None, {}, {}, level_of(margin), reason)


def _plain(value):
    return value.item() if hasattr(value, "item") else value


@dataclass
class GuardState:
    """The guard across successive steps (self-training rounds, training epochs).

    Plain state: the best score so far and its step; :meth:`propose` compares
    a new step with that best and moves it when the step is accepted. The
    deep trainer and scheduled retraining use it the same way.

    Parameters
    ----------
    margin : float, default=1.5
        See :func:`choose`.
    patience : int, default=0
        Steps to go on after one that is not accepted before :attr:`stop` is set.
    chance : float, default=0.0
        See :func:`choose`.
    criteria : tuple of str, default=("accuracy",)
        See :func:`choose`. Steps are judged on correctness alone: a step
        that only sharpens probabilities is no reason to keep more
        pseudo-labels.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1] * 10)
    >>> state = GuardState(margin=1.5)
    >>> state.start(score_out_of_fold(y, np.tile([[0.6, 0.4]], (20, 1))))
    >>> state.propose(score_out_of_fold(y, np.eye(2)[y])).kept
    'step 1'
    >>> state.best_step, state.stop
    (1, False)
    """

    margin: float = 1.5
    patience: int = 0
    chance: float = 0.0
    criteria: tuple = ("accuracy",)
    best: GuardScore | None = None
    best_step: int = 0
    step: int = 0
    patience_left: int = 0
    stop: bool = False

    def start(self, score):
        """Set the reference (step 0, the supervised model)."""
        self.best, self.best_step, self.step = score, 0, 0
        self.patience_left, self.stop = self.patience, False

    def propose(self, score):
        """Compare the next step with the best so far; returns the :class:`GuardDecision`."""
        self.step += 1
        decision = choose(self.best, {f"step {self.step}": score}, margin=self.margin,
                          chance=self.chance, criteria=self.criteria)
        if decision.kept is not None:
            self.best, self.best_step = score, self.step
            self.patience_left = self.patience
        elif self.patience_left == 0:
            self.stop = True
        else:
            self.patience_left -= 1
        return decision

    @property
    def pending(self):
        """Whether steps after the best one were run and not accepted."""
        return self.step > self.best_step


def label_folds(label_codes, *, cv=5, validation_size=200, random_state=None):
    """Stratified folds of the labeled rows, repeated until they give at least
    ``validation_size`` held-out predictions (at most 5 repeats).

    Returns a list of ``(repeat, train, held_out)`` positions into ``label_codes``.
    With fewer than ``cv`` rows in some class there are fewer folds (two where a
    class has a single labeled row; its fold is trained without it). The list is
    empty where some training part would hold a single class, since no classifier
    is fitted on one; that happens only where at most one class has two or more
    labeled rows (one labeled row per class, or two classes of which one has a
    single row), and then no split could compare models on two classes anyway
    (see :func:`not_compared`).

    >>> import numpy as np
    >>> folds = label_folds(np.array([0, 1] * 10), cv=5, validation_size=40, random_state=0)
    >>> len(folds), sorted(np.concatenate([h for r, _, h in folds if r == 1])) == list(range(20))
    (10, True)
    >>> label_folds(np.array([0, 1, 1, 1]), random_state=0)
    []
    """
    label_codes = np.asarray(label_codes)
    folds = _folds(label_codes, cv, validation_size, random_state)
    return folds if _trainable(label_codes, folds) else []


def _folds(label_codes, cv, validation_size, random_state):
    """:func:`label_folds` without the check that each training part holds two classes."""
    counts = np.bincount(label_codes)
    if np.count_nonzero(counts >= 2) == 0:
        return []          # every class has a single row: none can be held out
    n_splits = int(max(2, min(cv, counts[counts > 0].min(), len(label_codes))))
    n_repeats = int(min(5, max(1, np.ceil(validation_size / len(label_codes)))))
    random_state = _seed(random_state)
    folds = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class")
        for repeat in range(n_repeats):
            splitter = StratifiedKFold(
                n_splits=n_splits, shuffle=True,
                random_state=None if random_state is None else random_state + repeat)
            folds += [(repeat, train, held_out) for train, held_out
                      in splitter.split(np.zeros(len(label_codes)), label_codes)]
    return folds


def holdout_split(label_codes, *, share=0.2, random_state=None):
    """One stratified held-out share of the labeled rows, for models too costly to refit.

    Returns ``[(0, train, held_out)]`` like :func:`label_folds`, or ``[]`` where
    the training part would hold a single class.

    >>> split = holdout_split(np.array([0, 1] * 10), share=0.2, random_state=0)
    >>> len(split), len(split[0][2])
    (1, 4)
    """
    label_codes = np.asarray(label_codes)
    split = _holdout(label_codes, share, random_state)
    return split if _trainable(label_codes, split) else []


def _holdout(label_codes, share, random_state):
    """:func:`holdout_split` without the check that the training part holds two classes."""
    positions = np.arange(len(label_codes))
    counts = np.bincount(label_codes)
    n_held_out = int(np.ceil(share * len(label_codes)))
    n_classes = np.count_nonzero(counts)
    stratified = (counts[counts > 0].min() >= 2
                  and n_classes <= min(n_held_out, len(label_codes) - n_held_out))
    stratify = label_codes if stratified else None
    train, held_out = train_test_split(positions, test_size=share, stratify=stratify,
                                       random_state=_seed(random_state))
    return [(0, np.sort(train), np.sort(held_out))]


def _trainable(label_codes, splits):
    """Whether every training part holds labeled rows of at least two classes."""
    return all(len(np.unique(label_codes[train])) >= 2 for _, train, _ in splits)


def make_splits(label_codes, *, mode="folds", cv=5, validation_size=200, share=0.2,
                eligible=None, random_state=None):
    """The guard's splits of the labeled rows: ``"folds"`` or ``"holdout"``.

    Either is ``[]`` where the labels are too few for a split whose training
    parts each hold two classes (see :func:`not_compared`).

    ``eligible`` (bool, one per labeled row) limits the held-out rows to those
    marked: the splits are made over them alone, and every other labeled row is
    in every training part. Labels chosen by active learning sit near a model's
    boundary, so they misjudge which model is better on the data to come; the
    labels drawn at random are the ones to judge on.

    >>> codes = np.array([0, 1, 0, 1, 0, 1, 1, 0])
    >>> splits = make_splits(codes, cv=2, validation_size=1, random_state=0,
    ...                      eligible=np.array([True] * 4 + [False] * 4))
    >>> sorted(np.concatenate([h for _, _, h in splits]).tolist())
    [0, 1, 2, 3]
    >>> all({4, 5, 6, 7} <= set(train.tolist()) for _, train, _ in splits)
    True
    """
    if eligible is not None:
        eligible = np.asarray(eligible, dtype=bool)
        label_codes = np.asarray(label_codes)
        if eligible.shape != label_codes.shape:
            raise ValueError(f"eligible has {eligible.shape[0]} entries for "
                             f"{label_codes.shape[0]} labeled rows; give one per labeled row")
        positions = np.flatnonzero(eligible)
        if len(positions) < 2:
            return []
        subset = np.unique(label_codes[positions], return_inverse=True)[1]
        if mode == "folds":
            inner = _folds(subset, cv, validation_size, random_state)
        elif mode == "holdout":
            inner = _holdout(subset, share, random_state) if np.bincount(subset).max() >= 2 else []
        else:
            raise ValueError(f"mode={mode!r}; use one of {SPLIT_MODES}")
        everyone = np.arange(len(label_codes))
        splits = [(repeat, np.setdiff1d(everyone, positions[held_out]), positions[held_out])
                  for repeat, _, held_out in inner]
        return splits if _trainable(label_codes, splits) else []
    if mode == "folds":
        return label_folds(label_codes, cv=cv, validation_size=validation_size,
                           random_state=random_state)
    if mode == "holdout":
        # too few labels for folds (a class with one row beside one other class, or one row
        # per class) are too few for a held-out share too: the same rule for both modes
        if not label_folds(label_codes, cv=cv, validation_size=1, random_state=random_state):
            return []
        return holdout_split(label_codes, share=share, random_state=random_state)
    raise ValueError(f"mode={mode!r}; use one of {SPLIT_MODES}")


def _seed(random_state):
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    return random_state


def stacked_truth(label_codes, folds):
    """Class codes of the held-out rows, stacked over repeats, and the number of repeats.

    Each repeat covers the rows held out in it, in labeled-row order: every
    labeled row for folds, the held-out share alone for a single split.

    >>> stacked_truth(np.array([0, 1]), [(0, [1], [0]), (0, [0], [1]), (1, [1], [0])])
    (array([0, 1, 0]), 2)
    >>> stacked_truth(np.array([0, 1, 1, 0]), [(0, [0, 1], [2, 3])])
    (array([1, 0]), 1)
    """
    label_codes = np.asarray(label_codes)
    return label_codes[np.concatenate(held_out_rows(folds))], folds[-1][0] + 1


def held_out_rows(folds):
    """Per repeat, the sorted labeled-row positions held out in that repeat.

    >>> held_out_rows([(0, [2, 3], [0, 1]), (0, [0, 1], [2, 3]), (1, [0, 1, 2], [3])])
    [array([0, 1, 2, 3]), array([3])]
    """
    n_repeats = folds[-1][0] + 1
    return [np.unique(np.concatenate([np.asarray(held_out, dtype=int)
                                      for r, _, held_out in folds if r == repeat]))
            for repeat in range(n_repeats)]


def stack_held_out(parts, folds, n_labeled):
    """Held-out predictions of each fold, stacked over repeats in labeled-row order.

    Parameters
    ----------
    parts : list of ndarray of shape (len(held_out), n_classes)
        One per fold, in the order of ``folds``.
    folds : list of (repeat, train, held_out)
    n_labeled : int

    Returns
    -------
    proba : ndarray of shape (n_stacked, n_classes)
        The rows of :func:`stacked_truth`, in its order: ``n_repeats * n_labeled``
        rows for folds, the held-out rows alone for a single held-out share.
    """
    n_repeats = folds[-1][0] + 1
    proba = np.zeros((n_repeats, n_labeled, np.shape(parts[0])[1]))
    for (repeat, _, held_out), part in zip(folds, parts, strict=True):
        proba[repeat, held_out] = part
    return np.concatenate([proba[repeat, rows]
                           for repeat, rows in enumerate(held_out_rows(folds))])
