"""The HTML report of ``semiloop check``: can the unlabeled rows be trusted, and why.

:func:`check_report` turns a :class:`semiloop.trust.TrustCheck` into a
:class:`~semiloop.report.html.Report`: the verdict in words and what to do,
the most shifted features, labeled and unlabeled rows on a 2-D map (principal
components of the standardised features the check measured distances on),
the per-row scores, the groups of unlabeled rows apart from every labeled
class, the class shares, and how well calibrated the check's model is on the
labeled rows.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from semiloop.trust import check_unlabeled
>>> rng = np.random.default_rng(0)
>>> labeled = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
>>> unlabeled = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(2.0, 1, 300)})
>>> y = (labeled["a"] > 0).astype(int).to_numpy()
>>> report = check_report(check_unlabeled(labeled, unlabeled, y), y_labeled=y)
>>> [s.title for s in report.sections][:2]
['Verdict: do not trust', 'The most shifted features']
"""

import numpy as np

from semiloop.report import plots
from semiloop.report.html import Report
from semiloop.trust.scores import FAR_PERCENTILE

__all__ = ["check_report"]

_TONE = {"trust": "good", "caution": "warn", "do not trust": "bad"}
_MEANING = {
    "trust": "Nothing was found that speaks against training with the unlabeled rows.",
    "caution": "The unlabeled rows differ somewhat from the labeled ones. Semi-supervised "
               "learning may still help, but check the held-out comparison after training.",
    "do not trust": "The unlabeled rows differ clearly from the labeled ones. A model that "
                    "learns from them may learn the wrong thing; act on the advice below "
                    "before training.",
}


def check_report(result, *, classes=None, ids=None, y_labeled=None, meta=None,
                 max_points=5000, random_state=0):
    """The HTML report of a trust check.

    Parameters
    ----------
    result : TrustCheck
        From :func:`semiloop.trust.check_unlabeled`.
    classes : array-like, default=None
        Class names, in the order of ``result.prior`` (default: 0 .. k-1).
    ids : array-like of shape (n_unlabeled,), default=None
        Ids of the unlabeled rows, to list the rows of each unseen group.
    y_labeled : array-like of shape (n_labeled,), default=None
        The labels given to ``check_unlabeled``; with them the map colours
        labeled rows by class and the calibration section is drawn.
    meta : list of str, default=None
        Lines under the title (input file, options).
    max_points : int, default=5000
        The most unlabeled rows drawn on the map (a seeded sample; rows of
        unseen groups are always drawn).
    random_state : int, default=0

    Returns
    -------
    Report
    """
    classes = [str(c) for c in (range(len(result.prior)) if classes is None else classes)]
    ids = np.arange(result.n_unlabeled) if ids is None else np.asarray(ids)
    codes = None
    if y_labeled is not None:
        from sklearn.preprocessing import LabelEncoder

        codes = LabelEncoder().fit_transform(np.asarray(y_labeled))
    report = Report("semiloop check: can the unlabeled rows be trusted?", meta=list(meta or []))
    _verdict(report, result)
    _features(report, result)
    _projection(report, result, codes, classes, max_points, random_state)
    _scores(report, result)
    _groups(report, result, ids)
    _shares(report, result, classes)
    _calibration(report, result, codes, random_state)
    return report


def _verdict(report, result):
    section = report.add_section(
        f"Verdict: {result.verdict}",
        f"semiloop compared the {result.n_labeled} labeled rows with the {result.n_unlabeled} "
        f"unlabeled rows of the table. {_MEANING[result.verdict]}", tone=_TONE[result.verdict])
    section.add_list(result.reasons, heading="What was found")
    section.add_list(result.advice, heading="What to do")
    test = result.classifier_test
    drivers = ", ".join(name for name, _ in test.drivers[:3])
    section.add_table(["evidence", "value", "how to read it"], [
        ["classifier test AUC", f"{test.auc:.3f}",
         "how well a classifier tells unlabeled rows from labeled ones: 0.5 means they look "
         f"alike, 1.0 fully apart (it relies most on {drivers or 'no feature'})"],
        ["classifier test p-value", f"{test.p_value:.3g}",
         f"below 0.025 the difference is unlikely to be chance ({test.n_permutations} "
         "permutations)"],
        ["shifted features", f"{len(result.drifted_features)} of {len(result.feature_drift)}",
         "features whose distribution differs (tests corrected for testing many features)"],
        ["rows far from every label", f"{result.far_share:.1%}",
         "unlabeled rows farther from the labeled rows than 99% of labeled rows lie from "
         "each other (about 1% is expected)"],
        ["groups apart from the labels", str(len(result.unseen_clusters)),
         "dense groups of unlabeled rows near no labeled row: likely a class no one labeled"],
    ])
    section.add_text("The sections below show the evidence, one question each. Each plot "
                     "has a caption that says what to look for.")


def _features(report, result):
    drifts = result.feature_drift
    section = report.add_section(
        "The most shifted features",
        "Each feature of the unlabeled rows is compared with the same feature of the labeled "
        "rows. The effect size says how different the two distributions are (0: the same); "
        "the population stability index (PSI) is the measure used in industry: below 0.1 "
        "stable, 0.1 to 0.25 a moderate shift, above 0.25 a significant one. Red bars are "
        "features the statistical tests count as shifted.")
    if not drifts:
        section.add_text("No feature could be compared.")
        return
    shifted = set(result.drifted_features)
    section.add_plot(
        plots.feature_bars([d.feature for d in drifts], [d.effect for d in drifts],
                           [d.psi for d in drifts], [d.feature in shifted for d in drifts]),
        "Most shifted first. Long red bars are the features that make the unlabeled rows "
        "different; look at how those features were collected for the two groups.")
    if result.n_labeled < 500:
        section.add_text(f"With {result.n_labeled} labeled rows the PSI is noisy; the tests "
                         "(the 'shifted' column) decide what counts as shifted.")
    relies = dict(result.classifier_test.drivers)
    section.add_table(
        ["feature", "compared as", "test", "effect", "p-value", "PSI", "PSI band", "shifted",
         "classifier relies on it (AUC drop)"],
        [[d.feature, d.kind, d.test, d.effect, None if d.p_value is None else f"{d.p_value:.3g}",
          d.psi, d.psi_band, "yes" if d.feature in shifted else "",
          relies.get(d.feature)] for d in drifts[:20]],
        caption=f"The {min(len(drifts), 20)} most shifted of {len(drifts)} features")


def _projection(report, result, codes, classes, max_points, random_state):
    from sklearn.decomposition import PCA

    scores = result.scores
    labeled, unlabeled = scores.labeled_features, scores.features
    rng = np.random.default_rng(random_state)
    in_groups = np.zeros(len(unlabeled), bool)
    for cluster in result.unseen_clusters:
        in_groups[cluster.rows] = True
    others = np.flatnonzero(~in_groups)
    if len(others) > max_points:
        others = rng.choice(others, max_points, replace=False)
    shown = np.sort(np.r_[others, np.flatnonzero(in_groups)])
    if labeled.shape[1] >= 2:
        pca = PCA(n_components=2, random_state=random_state).fit(
            np.vstack([labeled, unlabeled[shown]]))
        share = pca.explained_variance_ratio_
        points = pca.transform(labeled), pca.transform(unlabeled[shown])
        axis_labels = tuple(f"principal component {i + 1} ({share[i]:.0%} of the spread)"
                            for i in range(2))
    else:
        points = tuple(np.c_[part[:, 0], rng.normal(0, 0.05, len(part))]
                       for part in (labeled, unlabeled[shown]))
        axis_labels = ("the one feature (standardised)", "random spread, for visibility")
    groups = None
    if codes is not None and len(codes) == len(labeled):
        groups = {classes[c] if c < len(classes) else str(c): codes == c
                  for c in np.unique(codes)}
    highlight = {f"unlabeled group {i + 1} apart from the labels": np.isin(shown, c.rows)
                 for i, c in enumerate(result.unseen_clusters)}
    far = (scores.knn_percentile[shown] > FAR_PERCENTILE) & ~in_groups[shown]
    far_name = ("other " if highlight else "") + "unlabeled rows far from every label"
    section = report.add_section(
        "Labeled and unlabeled rows on one map",
        "Every row is a point; rows with similar features lie close together. The map is a "
        "flat shadow of all the features (the two directions in which the rows spread "
        "most), so distances are only roughly right.")
    section.add_plot(
        plots.projection(*points, labeled_groups=groups, highlight=highlight,
                         far=(far_name, far), axis_labels=axis_labels),
        "Grey: unlabeled rows; coloured: labeled rows; circled: unlabeled rows far from every "
        "labeled row. Grey areas with no coloured point are where the labels give the model "
        "nothing to go on.")
    if len(shown) < len(unlabeled):
        section.add_text(f"{len(shown)} of the {len(unlabeled)} unlabeled rows are drawn "
                         "(a random sample, with every row of the groups apart from the labels).")


def _scores(report, result):
    scores = result.scores
    far = float(np.quantile(scores.labeled_distances, FAR_PERCENTILE))
    panels = [("distance to the nearest labeled rows",
               {"labeled rows (to the other labels)": scores.labeled_distances,
                "unlabeled rows": scores.knn_distance}),
              ("outlier score (isolation forest)", {"unlabeled rows": scores.outlier_score})]
    if scores.entropy is not None:
        panels.append(("uncertainty of the prediction (entropy)",
                       {"unlabeled rows": scores.entropy}))
    section = report.add_section(
        "How unusual each unlabeled row is",
        "Every unlabeled row gets scores where larger means 'trust less': its distance to the "
        "nearest labeled rows, how isolated it is among all rows, and, from a simple model "
        "fitted on the labeled rows, how unsure that model is about it (0: sure, 1: no idea).")
    others = "Middle and right" if len(panels) == 3 else "Right"
    section.add_plot(
        plots.histograms(panels, marks={panels[0][0]: (far, "99% of labels are closer")}),
        "Left: when the orange hump lies to the right of the blue one, the unlabeled rows are "
        f"farther from the labels than the labels are from each other; {result.far_share:.1%} "
        f"lie past the red line. {others}: a long tail to the right holds the rows to look "
        "at first.")


def _groups(report, result, ids):
    section = report.add_section(
        "Groups of unlabeled rows apart from every labeled class",
        "A dense group of unlabeled rows that lies away from every labeled row is likely a "
        "class that no one has labeled yet. Training would force those rows into one of the "
        "known classes.")
    if not result.unseen_clusters:
        section.add_text("No such group was found.")
        return
    section.add_table(
        ["group", "rows", "median distance percentile", "first ids"],
        [[i + 1, c.size, c.median_percentile,
          ", ".join(str(v) for v in ids[c.rows][:10]) + (" …" if c.size > 10 else "")]
         for i, c in enumerate(result.unseen_clusters)],
        caption="Label a few rows of each group, or leave the group out of training. The "
                "JSON output (--json) lists every id.")


def _shares(report, result, classes):
    section = report.add_section(
        "Class shares",
        "The share of each class among the labeled rows, beside the share a simple model "
        "(fitted on the labeled rows) predicts among the unlabeled rows. Large differences "
        "mean the unlabeled rows hold the classes in other proportions, or that the model "
        "is biased.")
    section.add_plot(
        plots.stacked_shares(["labeled rows", "unlabeled rows (predicted)"],
                             np.vstack([result.prior, result.predicted_shares]), classes),
        "Each bar adds up to 1; compare the heights of the same colour.")


def _calibration(report, result, codes, random_state):
    section = report.add_section(
        "Can the model's confidence be taken at face value?",
        "The uncertainty scores above come from a simple model (logistic regression) fitted "
        "on the labeled rows. Here each labeled row is predicted by a model that did not see "
        "it (cross-validation), and the confidence of each prediction is compared with how "
        "often such predictions are right.")
    labeled = result.scores.labeled_features
    counts = None if codes is None else np.bincount(codes)
    if codes is None or len(codes) != len(labeled) or len(counts) < 2 or counts.min() < 2:
        section.add_text("Not drawn: it needs the labels of the labeled rows and at least two "
                         "labeled rows of each class.")
        return
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    folds = StratifiedKFold(min(5, int(counts.min())), shuffle=True, random_state=random_state)
    proba = cross_val_predict(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
                              labeled, codes, cv=folds, method="predict_proba")
    n_bins = min(10, max(3, len(codes) // 15))
    figure, error = plots.calibration(proba.max(axis=1), proba.argmax(axis=1) == codes,
                                      n_bins=n_bins)
    section.add_plot(
        figure, f"Points on the dashed line: a confidence of 80% is right 80% of the time. "
                f"Below it the model is overconfident, above it underconfident. "
                f"{len(codes)} labeled rows in "
                f"{n_bins} bins of equal counts; calibration error {error:.3f} (0 is perfect).")
