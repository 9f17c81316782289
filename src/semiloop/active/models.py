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
  input ``h`` of the last :class:`torch.nn.Linear` layer that the logits
  come out of, the penultimate embedding;
- :func:`penultimate_embedding`: that ``h`` alone.

Torch is imported only for a model that is a network. Networks run in eval
mode (their mode is put back afterwards), without gradients; the
probabilities are the network's own softmax: the temperature that
``DeepSSLClassifier.predict_proba`` divides by is left out, as it is no
parameter of the network whose gradients are measured.

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

import sys
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from sklearn.utils.validation import check_array, check_is_fitted

from semiloop.errors import SemiloopError

__all__ = ["LastLayer", "last_layer", "penultimate_embedding", "pool_proba"]

#: Rows per forward pass of a network.
BATCH_SIZE = 1024


@dataclass(frozen=True)
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
    net = _network(model)
    if net is not None and net is model:
        net, x = _network_input(model, X)
        return _forward(net, x)[1]
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
    if _network(model) is not None:
        net, x = _network_input(model, X)
        hidden, proba, bias = _forward(net, x, hidden=True)
        return LastLayer(inputs=hidden, proba=proba, intercept=bias, single_output=False)
    regression, X = _logistic_regression(model, X)
    return LastLayer(
        inputs=check_array(X, accept_sparse="csr", dtype=np.float64),
        proba=np.asarray(regression.predict_proba(X), dtype=float),
        intercept=bool(regression.fit_intercept),
        single_output=regression.coef_.shape[0] == 1)


def penultimate_embedding(model, X):
    """The input of a network's last Linear layer: shape (n_rows, n_hidden), float64.

    Parameters
    ----------
    model : torch.nn.Module or fitted DeepSSLClassifier
    X : array-like or Tensor of shape (n_rows, ...)

    Raises
    ------
    SemiloopError
        When ``model`` is no network, or its logits do not come out of a
        Linear layer.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
    ...                           torch.nn.Linear(4, 2))
    >>> penultimate_embedding(net, torch.ones(5, 3)).shape
    (5, 4)
    """
    if _network(model) is None:
        raise SemiloopError(f"{type(model).__name__} is not a torch network; a penultimate "
                            "embedding needs a torch.nn.Module or a fitted DeepSSLClassifier")
    return last_layer(model, X).inputs


def _network(model):
    """The torch network inside ``model``, or None (without importing torch)."""
    torch = sys.modules.get("torch")
    if torch is None:  # no network can exist before torch is imported
        return None
    if isinstance(model, torch.nn.Module):
        return model
    from semiloop.methods.deep.estimator import DeepSSLClassifier

    if isinstance(model, DeepSSLClassifier):
        check_is_fitted(model, "model_")
        return model.model_
    return None


def _network_input(model, X):
    """The network and ``X`` as its input tensor, on the network's device."""
    import torch

    if isinstance(model, torch.nn.Module):
        net = model
        x = X if torch.is_tensor(X) else torch.as_tensor(np.asarray(X, dtype=np.float32))
    else:  # DeepSSLClassifier: its own checks and scaling of table features
        net = model.model_
        x = torch.from_numpy(model._array(X, reset=False))
    parameter = next(net.parameters(), None)
    return net, (x if parameter is None else x.to(parameter.device))


@contextmanager
def evaluating(net):
    """Run ``net`` in eval mode, then put its modes back."""
    modes = [(module, module.training) for module in net.modules()]
    net.eval()
    try:
        yield net
    finally:
        for module, mode in modes:
            module.train(mode)


def _forward(net, x, *, hidden=False):
    """(hidden, proba, bias): the last Linear layer's input (or None), softmax, bias or not."""
    import torch

    linears = [module for module in net.modules() if isinstance(module, torch.nn.Linear)]
    if hidden and not linears:
        raise SemiloopError(f"{type(net).__name__} has no torch.nn.Linear layer; the gradient "
                            "strategies and the penultimate embedding need logits that come "
                            "out of a Linear layer")
    calls = []
    handles = ([layer.register_forward_hook(lambda m, i, o: calls.append((m, i[0], o)))
                for layer in linears] if hidden else [])
    inputs, logits, bias = [], [], False
    try:
        with torch.no_grad(), evaluating(net):
            for start in range(0, max(len(x), 1), BATCH_SIZE):
                calls.clear()
                out = net(x[start:start + BATCH_SIZE])
                if hidden:
                    if not calls or calls[-1][2] is not out:
                        raise SemiloopError(
                            f"the output of {type(net).__name__} is not the output of its last "
                            "Linear layer; pass a network that ends in torch.nn.Linear "
                            "(logits, no softmax after it)")
                    layer, h, _ = calls[-1]
                    if h.ndim != 2:
                        raise SemiloopError(f"the last Linear layer of {type(net).__name__} "
                                            f"takes inputs of shape {tuple(h.shape)}; the "
                                            "gradient strategies need one vector per row")
                    inputs.append(h.double().cpu())
                    bias = layer.bias is not None
                logits.append(out.double().cpu())
    finally:
        for handle in handles:
            handle.remove()
    proba = torch.cat(logits).softmax(dim=-1).numpy()
    return (torch.cat(inputs).numpy(), proba, bias) if hidden else (None, proba, None)


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
