"""Saving and loading fitted models with skops, which does not run code on load.

A pickle can run any code when it is loaded; a skops file holds only data and
the names of the types to rebuild. :func:`load_model` rebuilds only types from
scikit-learn, numpy, scipy and semiloop, plus a few plain data types by name,
and refuses a file that names anything else, listing the types, unless the
caller trusts them explicitly.

Examples
--------
>>> import tempfile, pathlib
>>> from sklearn.linear_model import LogisticRegression
>>> path = pathlib.Path(tempfile.mkdtemp()) / "model.skops"
>>> save_model(LogisticRegression().fit([[0], [1]], [0, 1]), path)
>>> load_model(path).predict([[1]]).tolist()
[1]
"""

from pathlib import Path

from semiloop._files import atomic_path
from semiloop.errors import ModelFileError

__all__ = ["load_model", "save_model"]

_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "semiloop.")
# Plain data types that fitted tables carry; named one by one, because a prefix such
# as "builtins." would also trust functions like builtins.eval inside a model file.
_TRUSTED_NAMES = frozenset({
    "collections.OrderedDict",
    "collections.defaultdict",
    "pandas.StringDtype",
    "pandas.api.typing.NAType",
})


def save_model(model, path):
    """Write ``model`` to ``path`` in skops format (atomically)."""
    import skops.io

    with atomic_path(path) as temporary:
        skops.io.dump(model, temporary)


def load_model(path, *, trusted=()):
    """Load a model saved by :func:`save_model`.

    Parameters
    ----------
    path : str or Path
    trusted : sequence of str, default=()
        Extra fully qualified type names to trust, beyond scikit-learn, numpy,
        scipy and semiloop. Only trust types from files you made yourself.
    """
    import skops.io

    path = Path(path)
    if path.is_dir() and (path / "model.skops").is_file():
        raise ModelFileError(
            f"{str(path)!r} is a folder; pass the model file inside it, "
            f"{str(path / 'model.skops')!r}"
        )
    if not path.is_file():
        raise ModelFileError(
            f"model file {str(path)!r} does not exist; pass the model.skops that "
            "`semiloop train` wrote into its --out folder"
        )
    try:
        found = skops.io.get_untrusted_types(file=path)
    except Exception as error:  # skops raises zipfile/JSON errors on a corrupt file
        raise ModelFileError(
            f"{str(path)!r} is not a semiloop model file ({type(error).__name__}: {error}); "
            "train one with `semiloop train`"
        ) from None
    unknown = [name for name in found
               if not name.startswith(_TRUSTED_PREFIXES)
               and name not in _TRUSTED_NAMES and name not in trusted]
    if unknown:
        raise ModelFileError(
            f"{str(path)!r} names types that semiloop does not trust: {unknown}; "
            "load it only if you made it, passing trusted=[...] with these names",
            options={"trusted": None},
        )
    return skops.io.load(path, trusted=found)
