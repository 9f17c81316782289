"""Gradient strategies: how much would the model change if it learned this row's label?

Expected gradient length (Settles, Craven & Ray, "Multiple-Instance Active
Learning", NIPS 2008; Settles 2009, Sec. 3.4) scores a row ``x`` by the
length of the gradient of the log loss that training on it would add, in
expectation over its unknown label under the model's own probabilities::

    EGL(x) = sum_y p(y | x) * || grad_theta [-log p(y | x)] ||

Higher = ask first. At a fitted model the gradient of the training
objective is zero, so this is the length of the gradient the new row alone
brings; the regulariser and scikit-learn's factor ``C`` scale every row
alike and are left out.

``theta`` is the last linear layer, whose gradient has a closed form. With
``z = W a + b`` and ``p = softmax(z)``, the gradient of ``-log p(y)`` with
respect to ``(W, b)`` is ``(p - e_y)`` outer ``[a, 1]``, of length
``||p - e_y|| * ||[a, 1]||``, where ``a`` is

- ``x`` for a logistic regression (after a pipeline's earlier steps):
  there the layer is the whole model and EGL is exact. A binary
  scikit-learn regression has a single weight vector, for the second
  class, ``p1 = sigmoid(w . x + b)``: its gradient is ``(p1 - [y = 1]) [x,
  1]``, so ``EGL = 2 p0 p1 ||[x, 1]||``;
- the penultimate embedding ``h`` for a network (a
  :class:`torch.nn.Module` or a ``DeepSSLClassifier``): the gradient
  with respect to the last Linear layer's weights and bias only.

The same gradient at the predicted label ``yhat`` is the gradient
embedding of BADGE (:func:`gradient_embedding`, Ash et al., ICLR 2020).

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
>>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
>>> scores = expected_gradient_length(model, np.array([[0.0], [3.0]]))
>>> bool(scores[0] > scores[1])  # the boundary row would move the model most
True
"""

import numpy as np
from scipy import sparse
from sklearn.utils.extmath import row_norms

from semiloop.active.models import last_layer

__all__ = ["expected_gradient_length", "gradient_embedding"]


def expected_gradient_length(model, X):
    """EGL of each row: the expected length of its log-loss gradient; higher = ask first.

    Parameters
    ----------
    model : fitted model
        A logistic regression (alone, last in a Pipeline, or inside a fitted
        semiloop wrapper), a torch network ending in ``torch.nn.Linear``, or
        a fitted ``DeepSSLClassifier`` (see
        :func:`semiloop.active.models.last_layer`).
    X : array-like, sparse matrix or Tensor of shape (n_rows, ...)

    Returns
    -------
    scores : ndarray of shape (n_rows,)
        ``sum_y p(y|x) ||p - e_y|| ||[a, 1]||`` (``2 p0 p1 ||[x, 1]||`` for a
        binary logistic regression); without the 1 when the layer has no
        intercept.

    Raises
    ------
    SemiloopError
        For a model whose last layer is not reachable (a random forest,
        say): EGL is not defined for it here.

    Notes
    -----
    Cost: one prediction of ``X`` and ``O(n_rows * n_classes^2)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> model = LogisticRegression().fit(X, [0, 1, 2, 2])
    >>> expected_gradient_length(model, X).shape
    (4,)
    """
    layer = last_layer(model, X)
    proba = layer.proba
    length = np.sqrt(row_norms(layer.inputs, squared=True) + layer.intercept)
    if layer.single_output:
        return 2.0 * proba[:, 0] * proba[:, 1] * length
    # ||p - e_y||^2 = sum_k p_k^2 - 2 p_y + 1
    squared = (proba ** 2).sum(axis=1, keepdims=True) - 2.0 * proba + 1.0
    return (proba * np.sqrt(np.maximum(squared, 0.0))).sum(axis=1) * length


def gradient_embedding(model, X):
    """BADGE's gradient embedding: the log-loss gradient of each row at its predicted label.

    ``g(x) = (p - e_yhat)`` outer ``[a, 1]`` flattened, ``yhat`` the most
    probable class (the first of tied ones) and ``a`` the last layer's
    input (``x`` for a logistic regression, the penultimate embedding for a
    network). Its length is large where the model is unsure, its direction
    says where the row lies: BADGE (Ash et al., "Deep Batch Active Learning
    by Diverse, Uncertain Gradient Lower Bounds", ICLR 2020, Sec. 3) seeds
    k-means++ on these vectors. The paper takes the weights alone; here the
    intercept (bias) is one more input, as in :func:`expected_gradient_length`.

    Rows on the two sides of the decision boundary get opposite residuals
    (``yhat`` changes), so two near-copies that straddle it are far apart
    here, and BADGE may ask both; copies on one side are close.

    Parameters
    ----------
    model : fitted model
        As in :func:`expected_gradient_length`.
    X : array-like, sparse matrix or Tensor of shape (n_rows, ...)

    Returns
    -------
    embedding : ndarray or sparse matrix of shape (n_rows, n_outputs * (n_inputs + 1))
        ``n_outputs`` is the number of classes, or 1 for a binary logistic
        regression (one weight vector); no ``+ 1`` without an intercept.
        Sparse (CSR) when the layer's inputs are. Row length: higher =
        more uncertain.

    Raises
    ------
    SemiloopError
        As :func:`expected_gradient_length`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> gradient_embedding(model, X).shape  # one weight and the intercept
    (4, 2)
    """
    layer = last_layer(model, X)
    proba, inputs = layer.proba, layer.inputs
    predicted = proba.argmax(axis=1)
    if layer.single_output:
        residual = (proba[:, 1] - (predicted == 1))[:, None]
    else:
        residual = proba.copy()
        residual[np.arange(len(proba)), predicted] -= 1.0
    if layer.intercept:
        ones = np.ones((inputs.shape[0], 1))
        inputs = (sparse.hstack([inputs, ones], format="csr") if sparse.issparse(inputs)
                  else np.hstack([inputs, ones]))
    if sparse.issparse(inputs):
        return sparse.hstack([inputs.multiply(residual[:, [k]]) for k in range(residual.shape[1])],
                             format="csr")
    return (residual[:, :, None] * inputs[:, None, :]).reshape(len(inputs), -1)
