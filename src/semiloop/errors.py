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
    """


class DataError(SemiloopError):
    """The data cannot be used as given: a missing file, column, label or value."""


class FeatureMismatchError(DataError):
    """The columns given at prediction time differ from those seen in training."""


class ModelFileError(SemiloopError):
    """A saved model cannot be read: missing, corrupt, or of an untrusted type."""


class SemiloopWarning(UserWarning):
    """Legal but doubtful input or an outcome the user should know about."""
