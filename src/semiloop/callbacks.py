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

import threading

__all__ = ["Callback", "ProgressBar", "ProgressLine", "counted", "notify"]


class Callback:
    """Base class of callbacks; every hook does nothing unless overridden."""

    def on_fit_begin(self, estimator, *, stage=""):
        """Called when ``fit`` starts, or a named stage inside it begins."""

    def on_record(self, estimator, record):
        """Called with each history record as soon as it is made."""

    def on_progress(self, estimator, *, stage, done, total):
        """Called as a stage advances: ``done`` of ``total`` steps (folds, fits) finished."""

    def on_fit_end(self, estimator):
        """Called when ``fit`` has finished."""


def notify(callbacks, hook, *args, **kwargs):
    """Call ``hook`` on every callback in ``callbacks`` (None means none)."""
    for callback in callbacks or ():
        getattr(callback, hook)(*args, **kwargs)


def counted(jobs, callbacks, estimator, stage):
    """``jobs`` (callables) that each tell ``callbacks`` when they finish, from any thread.

    Each finished job calls ``on_progress(estimator, stage=stage, done=k,
    total=len(jobs))`` with ``k`` counting up from 1, whatever the order in
    which parallel jobs end.

    >>> lines = []
    >>> jobs = counted([lambda: 1, lambda: 2], [ProgressLine(lines.append)], None, "folds")
    >>> [job() for job in jobs], lines
    ([1, 2], ['folds: 1 of 2 done', 'folds: 2 of 2 done'])
    """
    if not callbacks:
        return list(jobs)
    lock, finished, total = threading.Lock(), [0], len(jobs)

    def tell(job):
        def run():
            result = job()
            with lock:
                finished[0] += 1
                notify(callbacks, "on_progress", estimator, stage=stage, done=finished[0],
                       total=total)
            return result
        return run

    return [tell(job) for job in jobs]


class ProgressLine(Callback):
    """Describes each stage and record in one short line, passed to ``show(text)``.

    The command line's live status line and the demo's progress use it.

    >>> from semiloop.records import CandidateRecord
    >>> lines = []
    >>> progress = ProgressLine(lines.append)
    >>> progress.on_fit_begin(None, stage="graph")
    >>> progress.on_progress(None, stage="graph on held-out folds", done=2, total=5)
    >>> progress.on_record(None, CandidateRecord("graph", 0.9, 0.3))
    >>> lines  # doctest: +NORMALIZE_WHITESPACE
    ['scoring graph on held-out labeled rows', 'graph on held-out folds: 2 of 5 done',
     'graph: held-out accuracy 0.900']

    Deep training shows its step count with the latest record's loss and mask rate:

    >>> from semiloop.records import TrainingRecord
    >>> progress.on_record(None, TrainingRecord(100, 0.03, 0.61, 0.2, 0.41, 1.0, 0.83))
    >>> progress.on_progress(None, stage="fixmatch training steps", done=120, total=3000)
    >>> lines[-1]
    'fixmatch training steps: 120 of 3000 done (loss 0.610, mask rate 0.83)'
    """

    def __init__(self, show):
        self.show = show
        self._figures = ""

    def on_fit_begin(self, estimator, *, stage=""):
        self._figures = ""
        if stage:
            self.show(f"scoring {stage} on held-out labeled rows")

    def on_progress(self, estimator, *, stage, done, total):
        text = stage if total == 1 else f"{stage}: {done} of {total} done"
        self.show(f"{text} ({self._figures})" if self._figures else text)

    def on_fit_end(self, estimator):
        self._figures = ""

    def on_record(self, estimator, record):
        if hasattr(record, "step"):
            figures = [f"loss {record.loss:.3f}"]
            if record.mask_rate is not None:
                figures.append(f"mask rate {record.mask_rate:.2f}")
            if record.validation_accuracy is not None:
                figures.append(f"validation accuracy {record.validation_accuracy:.3f}")
            self._figures = ", ".join(figures)
        elif hasattr(record, "candidate"):
            if record.validation_accuracy is not None:
                self.show(f"{record.candidate}: held-out accuracy "
                          f"{record.validation_accuracy:.3f}")
        elif hasattr(record, "round"):
            self.show("self-training: supervised model fitted" if record.round == 0 else
                      f"self-training round {record.round}: {record.n_pseudo_labels} "
                      "pseudo-labels")


class ProgressBar(Callback):
    """A progress bar (``rich``) for long fits, with the latest record's figures beside it.

    For deep training it shows the loss, the mask rate and, where true labels
    of unlabeled rows were given for monitoring, pseudo-label accuracy.
    ``DeepSSLClassifier(verbose=True)`` adds one.
    """

    def __init__(self, console=None):
        self.console = console
        self._progress = None

    def on_fit_begin(self, estimator, *, stage=""):
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        if self._progress is None:
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.completed}/{task.total}"),
                                      TimeRemainingColumn(), TextColumn("{task.fields[figures]}"),
                                      console=self.console, transient=False)
            self._progress.start()
            self._tasks = {}

    def on_progress(self, estimator, *, stage, done, total):
        if self._progress is None:
            self.on_fit_begin(estimator)
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total, figures="")
        self._progress.update(self._tasks[stage], completed=done, total=total)

    def on_record(self, estimator, record):
        if self._progress is None or not hasattr(record, "step"):
            return
        figures = [f"loss {record.loss:.3f}"]
        if record.mask_rate is not None:
            figures.append(f"mask {record.mask_rate:.2f}")
        if record.pseudo_label_accuracy is not None:
            figures.append(f"pseudo-label acc {record.pseudo_label_accuracy:.3f}")
        if record.validation_accuracy is not None:
            figures.append(f"val acc {record.validation_accuracy:.3f}")
        for task in self._tasks.values():
            self._progress.update(task, figures=" ".join(figures))

    def on_fit_end(self, estimator):
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
