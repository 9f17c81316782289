"""Before training: should the unlabeled rows be trusted? A verdict in words, with its evidence.

:func:`check_unlabeled` compares the labeled rows of a table with its
unlabeled rows and says **trust**, **caution** or **do not trust**:

- **do not trust** when a classifier tells the unlabeled rows from the
  labeled ones well (classifier two-sample test, AUC at least
  :data:`LARGE_AUC` with ``p <= 0.01``), or when a group of unlabeled rows
  holding at least :data:`UNSEEN_SHARE` of them lies apart from every labeled
  class (a class no one labeled);
- **caution** when the classifier test or a per-feature test (Holm-corrected
  across features) rejects at :data:`CAUTION_LEVEL`, or a smaller unlabeled
  group lies apart from the labels, or the seed labels look noisy: the
  noise-floor test of :mod:`semiloop.trust.label_noise` rejects at
  :data:`LABEL_NOISE_LEVEL` with at least :data:`LABEL_NOISE_RATE` of the
  labels flipped at random (the rows to review are listed, most likely wrong
  first);
- **trust** otherwise.

The two caution tests share a level of 0.05 (0.025 each), so on clean data
(labeled rows drawn at random from the same rows as the unlabeled ones) each
verdict other than trust is given at most 5% of the time. The label-noise
caution, measured on its own, tripped on 2 of 580 clean splits (0.3%; see
:mod:`semiloop.trust.label_noise`).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> labeled = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
>>> unlabeled = pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(2.0, 1, 600)})
>>> result = check_unlabeled(labeled, unlabeled, np.arange(60) % 2)
>>> result.verdict, result.classifier_test.drivers[0][0]
('do not trust', 'b')
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from semiloop.errors import DataError
from semiloop.trust.classifier_test import ClassifierTest, classifier_two_sample_test
from semiloop.trust.drift import feature_drift, holm_rejections, shifted_features
from semiloop.trust.label_noise import LabelNoise, find_label_noise
from semiloop.trust.scores import FAR_PERCENTILE, RowScores, row_scores, unseen_class_clusters

__all__ = ["CAUTION_LEVEL", "LABEL_NOISE_LEVEL", "LABEL_NOISE_RATE", "LARGE_AUC", "UNSEEN_SHARE",
           "VERDICTS", "TrustCheck", "check_to_dict", "check_unlabeled", "holm_rejections",
           "noisy_labels"]

VERDICTS = ("trust", "caution", "do not trust")
#: Classifier-test AUC from which the unlabeled rows are not trusted (with p <= 0.01).
LARGE_AUC = 0.70
#: Share of the unlabeled rows in a group apart from the labels that is not trusted.
UNSEEN_SHARE = 0.05
#: Level of each of the two caution tests (classifier test; Holm over the features).
CAUTION_LEVEL = 0.025
#: Level of the noise-floor test on the seed labels.
LABEL_NOISE_LEVEL = 0.001
#: Share of seed labels flipped at random from which the seed labels are not trusted.
LABEL_NOISE_RATE = 0.05


@dataclass(frozen=True)
class TrustCheck:
    """The verdict on a table's unlabeled rows and the evidence behind it.

    Attributes
    ----------
    verdict : {"trust", "caution", "do not trust"}
    reasons : list of str
        What was found, one sentence each (empty for trust).
    advice : list of str
        What to do about it.
    feature_drift : list of FeatureDrift
        Every compared feature, the most shifted first.
    classifier_test : ClassifierTest
    unseen_clusters : list of UnseenCluster
    scores : RowScores
        Per-row scores of the unlabeled rows (entropy from a logistic model
        fitted on the labeled rows).
    far_share : float
        Share of unlabeled rows farther from the labels than almost every
        label is from the others (``knn_percentile > 0.99``).
    prior, predicted_shares : ndarray of shape (n_classes,)
        Labeled class shares, and the shares the logistic model predicts for
        the unlabeled rows.
    n_labeled, n_unlabeled : int
    drifted_features : list of str
        Features whose test rejects after Holm's correction (or whose
        distance reaches its threshold on large samples).
    label_noise : LabelNoise or None
        How noisy the labeled rows' labels look and which to review (``issues``
        are positions among the labeled rows); None when a class has fewer
        than 2 labeled rows.
    """

    verdict: str
    reasons: list
    advice: list
    feature_drift: list
    classifier_test: ClassifierTest
    unseen_clusters: list
    scores: RowScores
    far_share: float
    prior: np.ndarray
    predicted_shares: np.ndarray
    n_labeled: int
    n_unlabeled: int
    drifted_features: list = field(default_factory=list)
    label_noise: LabelNoise | None = None


def noisy_labels(noise):
    """Whether a :class:`LabelNoise` result calls for caution.

    Parameters
    ----------
    noise : LabelNoise or None

    Returns
    -------
    bool
        True when the noise-floor test rejects at :data:`LABEL_NOISE_LEVEL`
        and at least :data:`LABEL_NOISE_RATE` of the labels look flipped at random.
    """
    return (noise is not None and noise.floor_p_value <= LABEL_NOISE_LEVEL
            and noise.floor_rate >= LABEL_NOISE_RATE)


def check_unlabeled(labeled, unlabeled, y_labeled, *, roles=None, random_state=0):
    """Compare a table's labeled and unlabeled rows and give a verdict.

    Parameters
    ----------
    labeled, unlabeled : pandas.DataFrame
        Feature columns (no label column) of the labeled and unlabeled rows.
    y_labeled : array-like of shape (n_labeled,)
        Class labels of the labeled rows.
    roles : dict, default=None
        Column roles (:mod:`semiloop.features.roles`); id and text columns
        are not compared feature by feature.
    random_state : int, default=0

    Returns
    -------
    TrustCheck

    Raises
    ------
    DataError
        With fewer than 5 labeled or unlabeled rows, or fewer than two classes.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import LabelEncoder, StandardScaler

    from semiloop.features import TableEncoder
    from semiloop.features.roles import infer_roles

    y_labeled = np.asarray(y_labeled)
    if len(labeled) < 5 or len(unlabeled) < 5:
        raise DataError(f"the check needs at least 5 labeled and 5 unlabeled rows, got "
                        f"{len(labeled)} and {len(unlabeled)}")
    codes = LabelEncoder().fit_transform(y_labeled)
    n_classes = int(codes.max()) + 1
    if n_classes < 2:
        raise DataError("the labeled rows hold a single class; label rows of at least two "
                        "classes before checking")
    roles = {**infer_roles(labeled), **(roles or {})}
    drifts = feature_drift(labeled, unlabeled, roles=roles)
    test = classifier_two_sample_test(labeled, unlabeled, roles=roles,
                                      random_state=random_state)
    encoder = TableEncoder(nan_policy="impute", roles=roles).fit(
        pd.concat([labeled, unlabeled], ignore_index=True))
    X_labeled, X_unlabeled = (_dense(encoder.transform(part)) for part in (labeled, unlabeled))
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(
        X_labeled, codes)
    proba = model.predict_proba(X_unlabeled)
    scores = row_scores(X_labeled, X_unlabeled, proba=proba, random_state=random_state)
    clusters = unseen_class_clusters(scores, y_labeled=codes, random_state=random_state)
    noise = find_label_noise(X_labeled, codes, random_state=random_state)
    prior = np.bincount(codes, minlength=n_classes) / len(codes)
    predicted = np.bincount(proba.argmax(axis=1), minlength=n_classes) / len(proba)

    drifted = shifted_features(drifts, CAUTION_LEVEL)
    reasons, advice, verdict = [], [], "trust"
    drivers = ", ".join(name for name, _ in test.drivers[:3])
    big = [c for c in clusters if c.size >= UNSEEN_SHARE * len(unlabeled)]
    if test.p_value <= 0.01 and test.auc >= LARGE_AUC:
        verdict = "do not trust"
        reasons.append(f"a classifier tells the unlabeled rows from the labeled ones (AUC "
                       f"{test.auc:.2f}, p = {test.p_value:.3g}), mostly by {drivers}")
        advice.append("label a random sample of the unlabeled rows, or drop the rows least "
                      "like the labeled ones before training (--filter-unlabeled)")
    elif test.p_value <= CAUTION_LEVEL:
        verdict = "caution"
        reasons.append(f"the unlabeled rows differ a little from the labeled ones (classifier "
                       f"AUC {test.auc:.2f}, p = {test.p_value:.3g}), mostly by {drivers}")
    if drifted:
        verdict = max(verdict, "caution", key=VERDICTS.index)
        names = ", ".join(d.feature for d in drifted[:5])
        reasons.append(f"{len(drifted)} feature(s) are distributed differently in the "
                       f"unlabeled rows: {names}")
    if big:
        verdict = "do not trust"
    if clusters:
        verdict = max(verdict, "caution", key=VERDICTS.index)
        sizes = ", ".join(str(c.size) for c in clusters)
        reasons.append(f"{sum(c.size for c in clusters)} unlabeled rows form "
                       f"{len(clusters)} group(s) ({sizes} rows) apart from every labeled "
                       "class: likely a class no one has labeled")
        advice.append("label a few rows of each group (they are listed in the report) or "
                      "leave them out of training")
    if noisy_labels(noise):
        verdict = max(verdict, "caution", key=VERDICTS.index)
        reasons.append(f"about {noise.floor_rate:.0%} of the labeled rows look labeled at random "
                       f"(noise-floor test p = {noise.floor_p_value:.3g}); Confident Learning "
                       f"counts {noise.estimated_noise_rate:.0%} of the labels as wrong and lists "
                       f"{len(noise.issues)} rows")
        advice.append(f"review the {len(noise.issues)} labeled rows listed under label noise "
                      "(most likely wrong first) and correct their labels before training")
    if verdict == "caution" and not advice:
        advice.append("train with the guard (the default) and check the held-out comparison; "
                      "label rows from the shifted features' ranges to close the gap")
    return TrustCheck(verdict, reasons, advice, drifts, test, clusters, scores,
                      float(np.mean(scores.knn_percentile > FAR_PERCENTILE)), prior, predicted,
                      len(labeled), len(unlabeled), [d.feature for d in drifted], noise)


def check_to_dict(result, *, classes=None, ids=None, labeled_ids=None, top=20):
    """A JSON-ready summary of a :class:`TrustCheck` (plain numbers, lists and strings).

    Parameters
    ----------
    result : TrustCheck
    classes : array-like, default=None
        Class names for ``prior`` and ``predicted_shares`` (default: 0 .. k-1),
        in the sorted order of the labels.
    ids : array-like of shape (n_unlabeled,), default=None
        Ids of the unlabeled rows, used to list the rows of each unseen group.
    labeled_ids : array-like of shape (n_labeled,), default=None
        Ids of the labeled rows, used to list the labels to review
        (default: positions among the labeled rows).
    top : int, default=20
        Features listed with their statistics (the most shifted first).

    Returns
    -------
    dict
        ``label_noise`` is None when no estimate was made; otherwise it holds
        the estimates, ``noisy`` (whether it caused a caution) and ``issues``:
        every labeled row to review, the most likely wrong first, each with its
        ``id``, ``given`` and ``suggested`` class and the model's probability of
        the given class (``self_confidence``).
    """
    classes = [str(c) for c in (range(len(result.prior)) if classes is None else classes)]
    ids = np.arange(result.n_unlabeled) if ids is None else np.asarray(ids)
    labeled_ids = (np.arange(result.n_labeled) if labeled_ids is None
                   else np.asarray(labeled_ids))
    test = result.classifier_test
    return {
        "verdict": result.verdict, "reasons": list(result.reasons),
        "advice": list(result.advice), "n_labeled": result.n_labeled,
        "n_unlabeled": result.n_unlabeled,
        "classifier_test": {"auc": test.auc, "p_value": test.p_value,
                            "n_permutations": test.n_permutations,
                            "drivers": [{"feature": f, "auc_drop": v}
                                        for f, v in test.drivers[:top]]},
        "drifted_features": list(result.drifted_features),
        "features": [{"feature": d.feature, "kind": d.kind, "test": d.test,
                      "statistic": d.statistic, "p_value": d.p_value, "effect": d.effect,
                      "psi": d.psi, "psi_band": d.psi_band, "drifted": d.drifted}
                     for d in result.feature_drift[:top]],
        "unseen_groups": [{"size": c.size, "median_knn_percentile": c.median_percentile,
                           "ids": [_plain(i) for i in ids[c.rows]]}
                          for c in result.unseen_clusters],
        "far_share": result.far_share,
        "class_shares": {"labeled": dict(zip(classes, result.prior.tolist(), strict=True)),
                         "predicted_unlabeled": dict(zip(
                             classes, result.predicted_shares.tolist(), strict=True))},
        "label_noise": _noise_to_dict(result.label_noise, classes, labeled_ids),
    }


def _noise_to_dict(noise, classes, labeled_ids):
    if noise is None:
        return None
    rows = []
    for position, suggested in zip(noise.issues.tolist(), noise.suggested.tolist(), strict=True):
        label = int(noise.labels[position])
        rows.append({"id": _plain(labeled_ids[position]), "position": position,
                     "given": classes[label], "suggested": classes[suggested],
                     "self_confidence": float(noise.proba[position, label])})
    return {"noisy": noisy_labels(noise), "estimated_noise_rate": noise.estimated_noise_rate,
            "class_noise_rates": dict(zip(classes, noise.class_noise_rates.tolist(), strict=True)),
            "floor_rate": noise.floor_rate, "floor_p_value": noise.floor_p_value,
            "model": noise.model, "n_folds": noise.n_folds,
            "confident_joint": noise.confident_joint.tolist(), "n_issues": len(rows),
            "issues": rows}


def _dense(X):
    return X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=float)


def _plain(value):
    return value.item() if hasattr(value, "item") else value
