"""Batched data augmentations for deep semi-supervised learning, for every modality.

Every augmentation is a small object called as ``augment(x, generator=None)``
on a whole batch: it returns a new tensor of the same shape, dtype and device,
draws everything per sample through ``generator`` (a ``torch.Generator``; the
same seed gives the same output) and never loops over samples in Python.

=========  ==============================================  =====================
modality   augmentations                                   views
=========  ==============================================  =====================
signal     RandomShift, RandomScaling, GaussianNoise,      :func:`signal_views`
           TimeMask, TimeWarp, TimeStretch, RandomTrend,
           SmoothNoise
table      FeatureNoise, MarginalCorruption                :func:`table_views`
text       EmbeddingNoise, EmbeddingDropout                :func:`text_views`
image      RandomHorizontalFlip, RandomCropWithPadding,    :func:`image_views`
           Cutout, RandAugment, CTAugment
=========  ==============================================  =====================

:func:`mixup`, :func:`cutmix` and :func:`mixmatch_mixup` mix samples with
their soft targets; :func:`default_views` picks the views of a modality.

Examples
--------
>>> import torch
>>> weak, strong = default_views("signal")
>>> x = torch.zeros(4, 40)
>>> bool(torch.equal(strong(x, torch.Generator().manual_seed(0)),
...                  strong(x, torch.Generator().manual_seed(0))))
True
"""

from semiloop.methods.deep.augment._base import Compose, Identity
from semiloop.methods.deep.augment.ctaugment import CTAugment
from semiloop.methods.deep.augment.images import (
    Cutout,
    RandAugment,
    RandomCropWithPadding,
    RandomHorizontalFlip,
    image_views,
)
from semiloop.methods.deep.augment.mixing import cutmix, mixmatch_mixup, mixup
from semiloop.methods.deep.augment.signals import (
    GaussianNoise,
    RandomScaling,
    RandomShift,
    RandomTrend,
    SmoothNoise,
    TimeMask,
    TimeStretch,
    TimeWarp,
    signal_views,
)
from semiloop.methods.deep.augment.tables import FeatureNoise, MarginalCorruption, table_views
from semiloop.methods.deep.augment.text import EmbeddingDropout, EmbeddingNoise, text_views
from semiloop.methods.deep.augment.views import MODALITIES, default_views, infer_modality

__all__ = [
    "MODALITIES",
    "CTAugment",
    "Compose",
    "Cutout",
    "EmbeddingDropout",
    "EmbeddingNoise",
    "FeatureNoise",
    "GaussianNoise",
    "Identity",
    "MarginalCorruption",
    "RandAugment",
    "RandomCropWithPadding",
    "RandomHorizontalFlip",
    "RandomScaling",
    "RandomShift",
    "RandomTrend",
    "SmoothNoise",
    "TimeMask",
    "TimeStretch",
    "TimeWarp",
    "cutmix",
    "default_views",
    "image_views",
    "infer_modality",
    "mixmatch_mixup",
    "mixup",
    "signal_views",
    "table_views",
    "text_views",
]
