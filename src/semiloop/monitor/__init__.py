"""After deployment: compare newly scored rows with the training data, window by window.

:func:`monitor_windows` is what ``semiloop monitor`` runs; it uses the
two-sample statistics and alarms of :mod:`semiloop.trust`.
"""

from semiloop.monitor.windows import ALARM_EXIT_STATUS, monitor_windows, read_windows

__all__ = ["ALARM_EXIT_STATUS", "monitor_windows", "read_windows"]
