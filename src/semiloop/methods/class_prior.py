"""The class shares that a method assumes for its unlabeled rows.

Several methods hold their unlabeled predictions to a class prior: the S3VM's
balance constraint, the graph's class mass normalisation, self-training's
class-balanced selection. Their papers take it from the labeled rows, which is
right only when the labels are a random sample. Labels chosen by active
learning are not: a margin query picks the rows near the boundary, and their
class shares can be far from the pool's (on splice, 229 margin-chosen labels
are 0.27-0.32 in L1 from the pool's shares). Such a selection depends on the
features only, so ``p(y | x)`` is the same for labeled and unlabeled rows, and
the mean predicted probability of a calibrated classifier over the unlabeled
rows estimates their class shares ("probabilistic classify and count", Bella et
al. 2010; the first step of Saerens et al. 2002's EM).

Values of ``class_prior`` (a parameter of each such method):

- ``"labeled"``: the labeled rows' class shares (the papers' choice);
- ``"predicted"``: the mean predicted probabilities over the unlabeled rows of
  a logistic regression fitted to the labeled rows;
- an array of shape ``(n_classes,)``: the shares, in the order of ``classes_``
  (SVMlight's ``-p`` for a transductive SVM).

References
----------
Saerens, Latinne, Decaestecker, "Adjusting the outputs of a classifier to new a
priori probabilities: a simple procedure", Neural Computation 14(1), 2002.
Bella, Ferri, Hernández-Orallo, Ramírez-Quintana, "Quantification via
probability estimators", ICDM 2010.

Examples
--------
>>> import numpy as np
>>> codes = np.array([0, 0, 0, 1, -1, -1, -1, -1])
>>> resolve_class_prior("labeled", None, codes, 2)
array([0.75, 0.25])
>>> resolve_class_prior([0.4, 0.6], None, codes, 2)
array([0.4, 0.6])
"""

import numpy as np

from semiloop.errors import SemiloopError

__all__ = ["CLASS_PRIORS", "check_class_prior", "mean_prediction", "resolve_class_prior"]

#: The named ways to set the class prior.
CLASS_PRIORS = ("labeled", "predicted")


def check_class_prior(class_prior):
    """Raise a :class:`~semiloop.errors.SemiloopError` unless ``class_prior`` is a name or
    a vector of positive shares that sum to 1 (checked against ``n_classes`` at fit)."""
    if isinstance(class_prior, str):
        if class_prior not in CLASS_PRIORS:
            raise SemiloopError(f"class_prior={class_prior!r} is not known; use one of "
                                f"{', '.join(map(repr, CLASS_PRIORS))} or an array of "
                                f"class shares")
        return class_prior
    shares = np.asarray(class_prior, dtype=np.float64)
    if (shares.ndim != 1 or not np.all(np.isfinite(shares)) or np.any(shares <= 0)
            or not np.isclose(shares.sum(), 1.0, atol=1e-6)):
        raise SemiloopError(f"class_prior must be a 1-d array of positive class shares that "
                            f"sum to 1, got {class_prior!r}; give one share per class, in "
                            f"the order of classes_, or 'labeled' or 'predicted'")
    return shares


def resolve_class_prior(class_prior, X, codes, n_classes):
    """The prior as an array of shape ``(n_classes,)``.

    Parameters
    ----------
    class_prior : {"labeled", "predicted"} or array-like of shape (n_classes,)
    X : array-like or sparse matrix of shape (n_samples, n_features)
        The features the method sees; only read for ``"predicted"``.
    codes : ndarray of shape (n_samples,)
        Class indices into ``classes_``; ``-1`` marks an unlabeled row.
    n_classes : int

    Returns
    -------
    ndarray of shape (n_classes,), positive, summing to 1. ``"labeled"``
    keeps a class without labels at 0 (as the methods always did).

    Raises
    ------
    SemiloopError
        For an unknown name, or shares that are not one positive value per class
        summing to 1.
    """
    class_prior = check_class_prior(class_prior)
    labeled = codes >= 0
    if isinstance(class_prior, str):
        if class_prior == "labeled" or labeled.all():
            return np.bincount(codes[labeled], minlength=n_classes) / labeled.sum()
        return _predicted(X, codes, n_classes)
    if len(class_prior) != n_classes:
        raise SemiloopError(f"class_prior has {len(class_prior)} shares for {n_classes} "
                            f"classes; give one share per class, in the order of classes_")
    return class_prior / class_prior.sum()


def _predicted(X, codes, n_classes):
    from sklearn.linear_model import LogisticRegression

    labeled = codes >= 0
    present = np.unique(codes[labeled])
    if len(present) < 2:
        return np.bincount(codes[labeled], minlength=n_classes) / labeled.sum()
    model = LogisticRegression(max_iter=1000)  # lbfgs: no randomness
    model.fit(X[labeled], codes[labeled])
    proba = np.zeros(((~labeled).sum(), n_classes))
    proba[:, model.classes_] = model.predict_proba(X[~labeled])
    return mean_prediction(proba, np.isin(np.arange(n_classes), present))


def mean_prediction(proba, labeled_classes):
    """The class shares that ``proba`` predicts on average, as a prior.

    Parameters
    ----------
    proba : ndarray of shape (n_unlabeled, n_classes)
        Predicted probabilities of the unlabeled rows.
    labeled_classes : ndarray of bool, shape (n_classes,)
        The classes with a labeled row; the others get 0.

    Returns
    -------
    ndarray of shape (n_classes,): the column means, each labeled class at least
    ``1 / (10 n_unlabeled)`` (so that every method can hold a positive share for
    it), renormalised.
    """
    prior = np.maximum(proba.mean(axis=0), 1.0 / (10.0 * len(proba)))
    prior[~np.asarray(labeled_classes, dtype=bool)] = 0.0
    return prior / prior.sum()
