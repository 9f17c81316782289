"""Torch networks for the query strategies: find one in a model, run it to its last layer.

A network is a :class:`torch.nn.Module` whose logits come out of a
:class:`torch.nn.Linear` layer, or the one inside a fitted
:class:`~semiloop.methods.deep.estimator.DeepSSLClassifier` (``model_``; its
rows are scaled as ``predict_proba`` scales them). It runs in eval mode
(every module's mode is put back afterwards), without gradients, in
batches; a forward hook on its Linear layers catches the input ``h`` of
the one the logits come out of, the penultimate embedding. Torch is
imported only here, and only for a model that is a network.

Examples
--------
>>> import torch
>>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
...                           torch.nn.Dropout(0.5), torch.nn.Linear(4, 2)).train()
>>> embedding = penultimate_embedding(net, torch.ones(5, 3))
>>> embedding.shape, net.training  # no dropout while embedding; the mode is put back
((5, 4), True)
"""

import sys
from contextlib import contextmanager

import numpy as np
from sklearn.utils.validation import check_is_fitted

from semiloop.errors import SemiloopError

__all__ = ["penultimate_embedding"]

#: Rows per forward pass of a network.
BATCH_SIZE = 1024


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
    if network(model) is None:
        raise SemiloopError(f"{type(model).__name__} is not a torch network; a penultimate "
                            "embedding needs a torch.nn.Module or a fitted DeepSSLClassifier")
    net, x = network_input(model, X)
    return forward(net, x, hidden=True)[0]


def network(model):
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


def network_input(model, X):
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


def forward(net, x, *, hidden=False):
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
