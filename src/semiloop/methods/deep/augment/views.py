"""The default weak and strong views of each modality, and the modality of a batch.

Examples
--------
>>> import torch
>>> X = torch.rand(10, 1, 40, generator=torch.Generator().manual_seed(0))
>>> infer_modality(X)
'signal'
>>> weak, strong = default_views("signal", X)
"""

import numpy as np
import torch

from semiloop.errors import SemiloopError
from semiloop.methods.deep.augment.images import image_views
from semiloop.methods.deep.augment.signals import signal_views
from semiloop.methods.deep.augment.tables import table_views
from semiloop.methods.deep.augment.text import text_views

__all__ = ["MODALITIES", "default_views", "infer_modality"]

MODALITIES = ("image", "signal", "table", "text")

_VIEWS = {"image": image_views, "signal": signal_views, "table": table_views,
          "text": text_views}
_BY_NDIM = {2: "table", 3: "signal", 4: "image"}


def _is_float(X):
    if isinstance(X, torch.Tensor):
        return X.is_floating_point()
    return np.issubdtype(np.asarray(X).dtype, np.floating)


def infer_modality(X):
    """Tell the modality of a data set from its shape.

    ======================  =========
    shape                   modality
    ======================  =========
    (n, n_features)         'table'
    (n, channels, length)   'signal'
    (n, C, H, W)            'image'
    ======================  =========

    Sentence embeddings, ``(n, d)``, look like a table, and signals of shape
    ``(n, length)`` too: ask for ``'text'`` or ``'signal'`` by name for those.

    Parameters
    ----------
    X : array-like or Tensor
        Floating-point data, one row per sample.

    Returns
    -------
    str
        One of ``MODALITIES``.

    Raises
    ------
    SemiloopError
        If ``X`` is not floating point or has another number of axes.

    Examples
    --------
    >>> infer_modality(np.zeros((5, 3)))
    'table'
    >>> infer_modality(torch.zeros(5, 3, 8, 8))
    'image'
    """
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        X = np.asarray(X)
        ndim = X.ndim
    if ndim not in _BY_NDIM:
        raise SemiloopError(
            f"cannot tell the modality of data of shape {tuple(np.shape(X))}; pass (n, "
            "n_features) tables or embeddings, (n, channels, length) signals or (n, C, H, W) "
            "images, or name the modality")
    if not _is_float(X):
        raise SemiloopError(f"data of dtype {X.dtype} is not floating point; encode it as "
                            "floats (images scaled to [0, 1]) before deep training")
    return _BY_NDIM[ndim]


def default_views(modality, X=None):
    """The ``(weak, strong)`` augmentation pipelines of a modality.

    ========  =====================  ==============================================
    modality  views                  weak / strong
    ========  =====================  ==============================================
    'signal'  :func:`signal_views`   shift + noise / then scaling, time mask, noise
                                     (Suite 2; noise in units of ``X.std()``)
    'table'   :func:`table_views`    noise / marginal corruption (VIME) + noise;
                                     needs ``X``
    'text'    :func:`text_views`     relative noise / dropout + relative noise
    'image'   :func:`image_views`    flip + crop / then RandAugment + Cutout
                                     (FixMatch)
    ========  =====================  ==============================================

    Parameters
    ----------
    modality : {'image', 'signal', 'table', 'text'} or None
        None infers it from ``X`` with :func:`infer_modality`.
    X : array-like or Tensor, default=None
        The training data (labeled and unlabeled rows); required for tables.

    Returns
    -------
    weak, strong : Compose
        Each is called as ``view(batch, generator)``.

    Raises
    ------
    SemiloopError
        If ``modality`` is unknown, or tables are asked for without ``X``.

    Examples
    --------
    >>> weak, strong = default_views("image")
    >>> [type(t).__name__ for t in strong.transforms]
    ['RandomHorizontalFlip', 'RandomCropWithPadding', 'RandAugment']
    """
    if modality is None:
        if X is None:
            raise SemiloopError("default_views needs a modality or data to infer it from; "
                                f"pass modality= one of {list(MODALITIES)}")
        modality = infer_modality(X)
    if modality not in _VIEWS:
        raise SemiloopError(f"modality={modality!r} is not known; pass one of "
                            f"{list(MODALITIES)}", options={"modality": "table"})
    if modality == "table" and X is None:
        raise SemiloopError("table views draw replacement values from the training rows; "
                            "pass X, the encoded training pool")
    return _VIEWS[modality](X)
