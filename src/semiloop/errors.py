"""One family of exceptions and warnings for everything semiloop raises.

Every message names what is wrong (with the offending value) and how to fix it.
The command line turns a :class:`SemiloopError` into ``semiloop: error: ...``
and exit status 2, without a traceback.

Examples
--------
>>> from semiloop.errors import DataError
>>> try:
...     raise DataError("no labeled rows in column 'y'; label at least two classes")
... except ValueError as error:
...     print(error)
no labeled rows in column 'y'; label at least two classes
"""

__all__ = [
    "DataError",
    "FeatureMismatchError",
    "ModelFileError",
    "SemiloopError",
    "SemiloopWarning",
]


class SemiloopError(ValueError):
    """Base class of the errors semiloop raises for bad input or usage.

    It subclasses :class:`ValueError` so that code written for scikit-learn,
    which expects ``ValueError`` on bad input, keeps working.

    Parameters
    ----------
    message : str
        What is wrong, then ``"; "`` and how to fix it.
    options : dict, default=None
        The Python options that the fix names, ``{name: value}``; the message
        spells each as ``name=value`` (``nan_policy='impute'``). Front ends
        such as the command line read it to name their own spelling instead.

    Attributes
    ----------
    options : dict
        A copy of ``options`` (empty when none were given).

    Examples
    --------
    >>> error = SemiloopError("1 row has a missing value; pass nan_policy='impute'",
    ...                       options={"nan_policy": "impute"})
    >>> error.options
    {'nan_policy': 'impute'}
    """

    def __init__(self, *args, options=None):
        super().__init__(*args)
        self.options = dict(options or {})


class DataError(SemiloopError):
    """The data cannot be used as given: a missing file, column, label or value."""


class FeatureMismatchError(DataError):
    """The columns given at prediction time differ from those seen in training."""


class ModelFileError(SemiloopError):
    """A saved model cannot be read: missing, corrupt, or of an untrusted type."""


class SemiloopWarning(UserWarning):
    """Legal but doubtful input or an outcome the user should know about.

    Like :class:`SemiloopError`, it may carry the Python ``options`` that its
    message names, so that front ends can name their own spelling.
    """

    def __init__(self, *args, options=None):
        super().__init__(*args)
        self.options = dict(options or {})
