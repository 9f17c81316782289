"""What the query strategies read from a fitted model.

- :func:`pool_proba`: class probabilities of the pool rows, from
  ``predict_proba`` of any fitted classifier (every semiloop and
  scikit-learn classifier that has it) or the softmax of a torch network;
- :func:`last_layer`: the input and the probabilities of the model's last
  linear layer, the part of the model whose log-loss gradient the gradient
  strategies use in closed form. For a
  :class:`~sklearn.linear_model.LogisticRegression` (alone, last in a
  :class:`~sklearn.pipeline.Pipeline`, or the fitted ``estimator_`` of a
  semiloop wrapper such as self-training or the guard) the input is ``x``
  as the regression sees it, and the probabilities are the regression's
  own (a wrapper's temperature scaling left out); for a torch network (a
  :class:`torch.nn.Module` or a fitted
  :class:`~semiloop.methods.deep.estimator.DeepSSLClassifier`) it is the
  penultimate embedding ``h`` (:mod:`semiloop.active.networks`) and the
  network's own softmax (the temperature that
  ``DeepSSLClassifier.predict_proba`` divides by is no parameter of the
  network whose gradients are measured, and is left out).

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
>>> model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, [0, 0, 1, 1])
>>> layer = last_layer(model, X)
>>> layer.inputs.shape, layer.intercept, layer.single_output  # x after the scaler
((4, 1), True, True)
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils.validation import check_array, check_is_fitted

from semiloop.active.networks import forward, network, network_input
from semiloop.errors import SemiloopError

__all__ = ["LastLayer", "last_layer", "pool_proba"]


@dataclass(frozen=True, eq=False)
class LastLayer:
    """The last linear layer of a model, seen on some rows.

    Attributes
    ----------
    inputs : ndarray or sparse matrix of shape (n_rows, n_inputs)
        What the layer multiplies by its weights: ``x`` for a logistic
        regression (after a pipeline's earlier steps), the penultimate
        embedding ``h`` for a network; without the constant 1 of the
        intercept.
    proba : ndarray of shape (n_rows, n_classes)
        The probabilities the layer's output gives.
    intercept : bool
        Whether the layer has an intercept (bias), a weight on a constant 1.
    single_output : bool
        True for a binary logistic regression, which scikit-learn fits as
        one weight vector for the second class (``coef_`` of shape
        (1, n_inputs)); False when there is one weight vector per class.
    """

    inputs: object
    proba: np.ndarray
    intercept: bool
    single_output: bool


def pool_proba(model, X):
    """Class probabilities of the rows ``X``: shape (n_rows, n_classes), float64.

    Parameters
    ----------
    model : fitted classifier or torch.nn.Module
        A classifier with ``predict_proba``, or a network whose output is logits.
    X : array-like, sparse matrix or Tensor of shape (n_rows, ...)

    Raises
    ------
    SemiloopError
        When ``model`` has no ``predict_proba`` and is no network.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> model = DummyClassifier().fit([[0], [1], [2], [3]], [0, 0, 0, 1])
    >>> pool_proba(model, [[5]]).tolist()
    [[0.75, 0.25]]
    """
    net = network(model)
    if net is not None and net is model:
        net, x = network_input(model, X)
        return forward(net, x)[1]
    if not hasattr(model, "predict_proba"):
        raise SemiloopError(f"{type(model).__name__} has no predict_proba; pass a fitted "
                            "classifier with class probabilities (wrap one without them in "
                            "sklearn.calibration.CalibratedClassifierCV)")
    return np.asarray(model.predict_proba(X), dtype=float)


def last_layer(model, X):
    """The input and the probabilities of ``model``'s last linear layer on the rows ``X``.

    Parameters
    ----------
    model : fitted model
        A :class:`~sklearn.linear_model.LogisticRegression`; a
        :class:`~sklearn.pipeline.Pipeline` that ends in one (``X`` goes
        through the earlier steps); a fitted wrapper whose ``estimator_``
        is one of these (semiloop's self-training and guarded classifiers,
        scikit-learn's self-training; not an ensemble's ``estimator_``,
        which is an unfitted template), followed down as far as it goes; a
        torch network whose logits come out of a
        :class:`torch.nn.Linear` layer; or a fitted ``DeepSSLClassifier``.
    X : array-like, sparse matrix or Tensor of shape (n_rows, ...)

    Returns
    -------
    LastLayer

    Raises
    ------
    SemiloopError
        For any other model, or a network whose output is not the output of
        a Linear layer (a softmax after it, for example).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    >>> layer = last_layer(LogisticRegression().fit(X, [0, 1, 2]), X)
    >>> layer.inputs.shape, layer.proba.shape, layer.single_output
    ((3, 2), (3, 3), False)
    """
    if network(model) is not None:
        net, x = network_input(model, X)
        hidden, proba, bias = forward(net, x, hidden=True)
        return LastLayer(inputs=hidden, proba=proba, intercept=bias, single_output=False)
    regression, X = _logistic_regression(model, X)
    return LastLayer(
        inputs=check_array(X, accept_sparse="csr", dtype=np.float64),
        proba=np.asarray(regression.predict_proba(X), dtype=float),
        intercept=bool(regression.fit_intercept),
        single_output=regression.coef_.shape[0] == 1)


def _logistic_regression(model, X):
    """The fitted LogisticRegression inside ``model`` and ``X`` as it sees it."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    outer = type(model).__name__
    while not isinstance(model, LogisticRegression):
        if isinstance(model, Pipeline):
            if len(model) > 1:
                X = model[:-1].transform(X)
            model = model[-1]
        elif _wrapper(model) and getattr(model, "estimator_", None) is not None:
            model = model.estimator_  # the fitted model that predicts
        else:
            held = "" if type(model).__name__ == outer else f" holding {type(model).__name__}"
            raise SemiloopError(
                "the gradient strategies are defined here for a LogisticRegression or a "
                f"torch network, not for {outer}{held}; pass a fitted LogisticRegression "
                "(alone, last in a Pipeline, or inside a fitted semiloop wrapper), a torch "
                "network or a DeepSSLClassifier, or use 'margin', 'entropy' or "
                "'k_center_greedy'")
    check_is_fitted(model)
    return model, X


def _wrapper(model):
    """Whether ``estimator_`` is the fitted model that predicts (not an ensemble's template)."""
    from sklearn.semi_supervised import SelfTrainingClassifier

    return (type(model).__module__.startswith("semiloop.")
            or isinstance(model, SelfTrainingClassifier))
