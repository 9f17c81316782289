"""The loop: a project store that never loses a human label, rounds, and review queues.

:mod:`semiloop.loop.store` is the only writer of a project's labels; the
command line (``semiloop init``, ``round``, ``review export`` / ``import``,
``status``) runs the loop on top of it.
"""

from semiloop.loop.store import ImportResult, ProjectStore

__all__ = ["ImportResult", "ProjectStore"]
