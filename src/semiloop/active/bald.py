"""BALD: ask about the rows on which the model's plausible versions disagree.

Bayesian Active Learning by Disagreement (Houlsby et al., "Bayesian Active
Learning for Classification and Preference Learning", 2011) scores a row by
the mutual information between its label and the model's parameters. Gal,
Islam & Ghahramani ("Deep Bayesian Active Learning with Image Data", ICML
2017, Sec. 3) estimate it with ``T`` stochastic forward passes of a network
with dropout on (MC dropout), ``p_t`` the probabilities of pass ``t``::

    BALD(x) = H[ (1/T) sum_t p_t(. | x) ] - (1/T) sum_t H[ p_t(. | x) ]

Higher = ask first. A row that every pass finds uncertain *in the same
way* scores near 0 (that is noise in the data, which a label will not
resolve); a row on which confident passes disagree scores high.

Examples
--------
>>> import numpy as np
>>> agree = [[[0.5, 0.5]], [[0.5, 0.5]]]      # both passes unsure, alike
>>> disagree = [[[1.0, 0.0]], [[0.0, 1.0]]]   # both sure, of different classes
>>> mutual_information(agree).round(4).tolist(), mutual_information(disagree).round(4).tolist()
([0.0], [0.6931])
"""

import numpy as np

from semiloop.active.networks import evaluating, network, network_input
from semiloop.active.uncertainty import entropy
from semiloop.errors import SemiloopError

__all__ = ["mc_dropout_samples", "mutual_information"]


def mutual_information(samples):
    """BALD score of each row from stochastic predictions; higher = ask first.

    Parameters
    ----------
    samples : array-like of shape (n_passes, n_rows, n_classes)
        Class probabilities of each pass (MC-dropout passes of a network, or
        members of an ensemble).

    Returns
    -------
    scores : ndarray of shape (n_rows,)
        Entropy of the mean prediction minus the mean entropy of the passes,
        in nats (``0 log 0 = 0``), in ``[0, log n_classes]``; rounding
        errors below 0 are set to 0.

    Raises
    ------
    SemiloopError
        When ``samples`` is not 3-D or holds no pass, or holds values that
        are negative or not finite.

    Examples
    --------
    >>> samples = [[[0.9, 0.1], [0.6, 0.4]], [[0.1, 0.9], [0.6, 0.4]]]
    >>> mutual_information(samples).round(3).tolist()
    [0.368, 0.0]
    """
    samples = np.asarray(samples, dtype=float)
    if samples.ndim != 3 or samples.shape[0] == 0:
        raise SemiloopError(f"samples has shape {samples.shape}; pass probabilities of shape "
                            "(n_passes >= 1, n_rows, n_classes)")
    n_passes, n_rows, n_classes = samples.shape
    each = entropy(samples.reshape(-1, n_classes)).reshape(n_passes, n_rows)
    return np.maximum(entropy(samples.mean(axis=0)) - each.mean(axis=0), 0.0)


def mc_dropout_samples(model, X, passes=20, *, random_state=None):
    """``passes`` predictions of ``X`` by a network with its dropout on.

    Only the dropout layers sample; the others run in eval mode (batch norm
    with its running statistics). The modes are put back afterwards, and
    torch's global random state is left as it was (see
    :func:`semiloop.methods.deep.trust.mc_dropout_proba`).

    Parameters
    ----------
    model : torch.nn.Module or fitted DeepSSLClassifier
    X : array-like or Tensor of shape (n_rows, ...)
    passes : int, default=20
        ``T``, the stochastic forward passes.
    random_state : int, numpy Generator or None, default=None
        Seeds the dropout masks; the same seed gives the same passes.

    Returns
    -------
    samples : ndarray of shape (passes, n_rows, n_classes)
        The softmax of each pass (float64, rows renormalised).

    Raises
    ------
    SemiloopError
        When ``model`` is not a torch network, has no dropout layer with
        ``p > 0``, or ``passes`` is not an integer >= 2.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Dropout(0.5),
    ...                           torch.nn.Linear(8, 3))
    >>> samples = mc_dropout_samples(net, torch.randn(4, 2), 5, random_state=0)
    >>> samples.shape, bool((samples[0] != samples[1]).any())
    ((5, 4, 3), True)
    """
    if network(model) is None:
        raise SemiloopError(f"BALD needs a torch network with dropout, not "
                            f"{type(model).__name__}; pass a torch.nn.Module or a fitted "
                            "DeepSSLClassifier, or use 'entropy' or 'margin'")
    if isinstance(passes, bool) or not isinstance(passes, int | np.integer) or passes < 2:
        raise SemiloopError(f"passes={passes!r}; pass an integer >= 2 (20 is usual)")
    from semiloop.methods.deep.trust import dropout_layers, mc_dropout_proba

    net, x = network_input(model, X)
    if not dropout_layers(net):
        raise SemiloopError(f"{type(net).__name__} has no dropout layer with p > 0, so MC "
                            "dropout passes all agree and BALD is 0 everywhere; add "
                            "torch.nn.Dropout (DeepSSLClassifier: backbone_options="
                            "{'dropout': 0.3}) or use 'entropy' or 'margin'")
    seed = int(np.random.default_rng(random_state).integers(2 ** 31 - 1))
    with evaluating(net):
        samples = mc_dropout_proba(net, x, int(passes), seed=seed)
    samples = samples.double().cpu().numpy()
    return samples / samples.sum(axis=2, keepdims=True)
