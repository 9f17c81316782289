"""semiloop's recommended methods, built around a supervised base classifier.

The registry (:mod:`semiloop.registry`) names these factories; build methods
through :func:`semiloop.registry.make_method` rather than calling them.

- ``self_training``: :class:`SafeSelfTrainingClassifier` around the base;
- ``graph`` / ``s3vm``: label spreading on a kNN graph, or the S3VM, on
  standardised features inside a :class:`GuardedClassifier` with the base as
  the supervised fallback (``graph_model`` / ``s3vm_model`` are the bare
  methods);
- ``auto``: :class:`AutoClassifier`, which scores the candidates on the same
  held-out labeled rows and keeps the best one that clearly wins;
- ``deep``: a :class:`~semiloop.methods.deep.estimator.DeepSSLClassifier` with
  the named algorithm inside a :class:`GuardedClassifier` that holds out one
  share of the labeled rows (a network is too costly to refit per fold).
"""

__all__ = ["auto", "deep", "flatten_rows", "graph", "graph_model", "s3vm", "s3vm_model",
           "self_training"]


def self_training(base, *, random_state=0, **options):
    from semiloop.methods.self_training import SafeSelfTrainingClassifier

    return SafeSelfTrainingClassifier(base, random_state=random_state, **options)


def graph_model(base=None, *, random_state=0):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from semiloop.methods.graph_sparse import SparseLabelSpreading

    return make_pipeline(StandardScaler(),
                         SparseLabelSpreading(n_neighbors=10, random_state=random_state))


def s3vm_model(base=None, *, random_state=0):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from semiloop.methods.s3vm import S3VM

    return make_pipeline(StandardScaler(), S3VM(kernel="rbf", random_state=random_state))


def _guarded(model, base, random_state, options):
    from semiloop.methods.guarded import GuardedClassifier

    return GuardedClassifier(model, supervised=base, random_state=random_state, **options)


def graph(base, *, random_state=0, **options):
    return _guarded(graph_model(random_state=random_state), base, random_state, options)


def s3vm(base, *, random_state=0, **options):
    return _guarded(s3vm_model(random_state=random_state), base, random_state, options)


def auto(base, *, random_state=0, **options):
    from semiloop.methods.auto import AutoClassifier

    return AutoClassifier(base, random_state=random_state, **options)


def flatten_rows(X):
    """Each row as one flat vector: ``(n, ...) -> (n, prod(...))`` (signals for a base model)."""
    import numpy as np

    X = np.asarray(X)
    return X.reshape(len(X), -1)


def deep(base, *, algorithm, random_state=0, steps=3000, device="auto", modality="auto",
         callbacks=None, **options):
    """The deep ``algorithm`` behind the guard, with ``base`` as the supervised reference.

    Signals and images reach ``base`` as flat rows. Raises a
    :class:`~semiloop.errors.SemiloopError` that names the extra to install
    when PyTorch is missing.
    """
    from semiloop.methods.deep.estimator import DeepSSLClassifier

    network = DeepSSLClassifier(algorithm, steps=steps, device=device, modality=modality,
                                callbacks=callbacks, random_state=random_state)
    if modality in ("signal", "image"):
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer

        base = make_pipeline(FunctionTransformer(flatten_rows), base)
    options.setdefault("split", "holdout")
    return _guarded(network, base, random_state, {"callbacks": callbacks, **options})
