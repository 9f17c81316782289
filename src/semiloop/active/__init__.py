"""Active learning: which unlabeled rows should people label next?

:func:`query` runs any strategy of :data:`STRATEGIES` with one signature
and returns a :class:`Query`: the chosen ids in the order to ask and a
score for every pool row, **higher = ask first**.

- :mod:`~semiloop.active.uncertainty`: least confidence, margin, entropy
  (Settles 2009), on ``predict_proba`` of any fitted classifier;
- :mod:`~semiloop.active.gradient`: expected gradient length (Settles,
  Craven & Ray 2008) and BADGE's gradient embeddings, in closed form for a
  logistic regression and a network's last layer;
- :mod:`~semiloop.active.bald`: BALD through MC dropout (Houlsby et al.
  2011; Gal, Islam & Ghahramani 2017);
- :mod:`~semiloop.active.diversity`: batches that cover the pool:
  k-center greedy (Sener & Savarese 2018) and k-means++ seeding for BADGE
  (Ash et al. 2020);
- :mod:`~semiloop.active.queue`: one review batch from a query and the
  rows the trust checks flagged, with the reason for each;
- :mod:`~semiloop.active.models`: what the strategies read from a model
  (probabilities, the last layer's input); :mod:`~semiloop.active.networks`:
  the same for torch networks (the penultimate embedding).

Torch is imported only for a model that is a network.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from semiloop.active import query, review_batch
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(40, 2))
>>> model = LogisticRegression().fit(X[:10], (X[:10, 0] > 0).astype(int))
>>> chosen = query("entropy", model, X[10:], 3, ids=np.arange(10, 40))
>>> batch = review_batch(chosen, [12], ["prediction flipped"], 4)
>>> len(batch.ids), batch.reasons[0]
(4, 'flagged: prediction flipped')
"""

from semiloop.active.bald import mc_dropout_samples, mutual_information
from semiloop.active.diversity import k_center_greedy, kmeans_plusplus_seeding
from semiloop.active.gradient import expected_gradient_length, gradient_embedding
from semiloop.active.models import LastLayer, last_layer, pool_proba
from semiloop.active.networks import penultimate_embedding
from semiloop.active.query import STRATEGIES, Query, query
from semiloop.active.queue import FLAGGED, ReviewBatch, review_batch
from semiloop.active.uncertainty import entropy, least_confidence, margin

__all__ = [
    "FLAGGED",
    "STRATEGIES",
    "LastLayer",
    "Query",
    "ReviewBatch",
    "entropy",
    "expected_gradient_length",
    "gradient_embedding",
    "k_center_greedy",
    "kmeans_plusplus_seeding",
    "last_layer",
    "least_confidence",
    "margin",
    "mc_dropout_samples",
    "mutual_information",
    "penultimate_embedding",
    "pool_proba",
    "query",
    "review_batch",
]
