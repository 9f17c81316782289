"""Callbacks: what progress bars, the command line, the service and the store hear.

An estimator given ``callbacks=[...]`` calls each callback's hooks as it works,
with the same typed records it keeps in ``history_`` (:mod:`semiloop.records`).
Every hook is a no-op by default; a callback overrides the ones it needs.

Examples
--------
>>> class Count(Callback):
...     def __init__(self):
...         self.records = 0
...     def on_record(self, estimator, record):
...         self.records += 1
>>> counter = Count()
>>> notify([counter], "on_record", None, "a record")
>>> counter.records
1
"""

__all__ = ["Callback", "notify"]


class Callback:
    """Base class of callbacks; every hook does nothing unless overridden."""

    def on_fit_begin(self, estimator, *, stage=""):
        """Called when ``fit`` starts, or a named stage inside it begins."""

    def on_record(self, estimator, record):
        """Called with each history record as soon as it is made."""

    def on_fit_end(self, estimator):
        """Called when ``fit`` has finished."""


def notify(callbacks, hook, *args, **kwargs):
    """Call ``hook`` on every callback in ``callbacks`` (None means none)."""
    for callback in callbacks or ():
        getattr(callback, hook)(*args, **kwargs)
