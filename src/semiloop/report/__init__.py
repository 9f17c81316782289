"""Reports: one self-contained HTML page per run, with plots embedded.

:mod:`semiloop.report.html` is the one page format every HTML report of
semiloop uses (sections of plain-language text, tables and inline SVG plots;
no network request, opens from disk). On it: :func:`check_report` for
``semiloop check``, :func:`monitor_report` for ``semiloop monitor``,
:func:`training_report` for a history of training records and
:func:`status_report` for ``semiloop status``. The plots are
drawn with matplotlib, an optional dependency (``pip install
'semiloop[report]'``), imported only when a figure is drawn; names are
imported on first use, so ``import semiloop.report`` stays light.
"""

from importlib import import_module

_EXPORTS = {
    "Report": "semiloop.report.html",
    "Section": "semiloop.report.html",
    "Table": "semiloop.report.html",
    "require_matplotlib": "semiloop.report.html",
    "write_report": "semiloop.report.html",
    "check_report": "semiloop.report.check",
    "monitor_report": "semiloop.report.monitor",
    "training_report": "semiloop.report.training",
    "status_report": "semiloop.report.loop",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'semiloop.report' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS])
