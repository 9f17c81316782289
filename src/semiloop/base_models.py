"""The base classifiers the command line can wrap, by short name.

Examples
--------
>>> make_base_model("logreg", random_state=0)[-1].__class__.__name__
'LogisticRegression'
"""

from semiloop.errors import SemiloopError

__all__ = ["BASE_MODELS", "MULTI_THREADED", "make_base_model"]

# Models that already use every core: guard folds of these are fitted one after another.
MULTI_THREADED = frozenset({"rf", "hgb"})


def _random_forest(random_state):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=100, random_state=random_state, n_jobs=-1)


def _logistic_regression(random_state):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000,
                                                              random_state=random_state))


def _gradient_boosting(random_state):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=random_state)


def _nearest_neighbours(random_state):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from semiloop.methods.knn_classifier import CappedKNeighborsClassifier

    # five neighbours, or every row of a guard fold with fewer labeled rows than that
    return make_pipeline(StandardScaler(), CappedKNeighborsClassifier(n_neighbors=5))


def _support_vector_machine(random_state):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC(probability=True, random_state=random_state))


BASE_MODELS = {
    "logreg": _logistic_regression,
    "rf": _random_forest,
    "hgb": _gradient_boosting,
    "knn": _nearest_neighbours,
    "svm": _support_vector_machine,
}


def make_base_model(name, *, random_state=0):
    """Build the base classifier called ``name`` (one of :data:`BASE_MODELS`)."""
    try:
        factory = BASE_MODELS[name]
    except KeyError:
        raise SemiloopError(
            f"unknown model {name!r}; choose one of {', '.join(BASE_MODELS)}"
        ) from None
    return factory(random_state)
