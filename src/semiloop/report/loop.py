"""The HTML report of ``semiloop status``: a project's labels, rounds and learning curve.

:func:`status_report` draws the dict of :func:`semiloop.loop.status.project_status`:
the verdict (do more labels still pay?), the labels by source and class, the
learning curve (validation accuracy against human labels, the supervised
model's beside it, and the fitted curve carried forward), and the rounds.

Examples
--------
>>> status = {"verdict": "labels still pay", "notes": [], "labels": {"human": {"a": 5}},
...           "n_items": 9, "n_unlabeled": 4, "n_validation": 2, "conflicts": [],
...           "rounds": [], "curve": None, "curve_note": None}
>>> [s.title for s in status_report(status).sections]
['Summary', 'Labels']
"""

import numpy as np

from semiloop.report.html import Report, new_figure
from semiloop.report.plots import _style, palette

__all__ = ["status_report"]


def status_report(status, *, meta=None):
    """The HTML report of a project's status.

    Parameters
    ----------
    status : dict
        From :func:`semiloop.loop.status.project_status` (or its JSON).
    meta : list of str, default=None
        Lines under the title.

    Returns
    -------
    Report
    """
    page = Report("semiloop status: do more labels still pay?", meta=list(meta or []))
    summary = page.add_section("Summary", status["verdict"],
                               tone="warn" if status.get("stopped_paying") else None)
    if status["notes"]:
        summary.add_list(status["notes"], heading="Also worth knowing")
    _labels(page, status)
    done = [r for r in status["rounds"] if r.get("accuracy") is not None]
    if done:
        _curve(page, status, done)
    if status["rounds"]:
        _rounds(page, status["rounds"])
    return page


def _labels(page, status):
    section = page.add_section(
        "Labels",
        f"{status['n_items']} items: {status['n_unlabeled']} without a label; "
        f"{status['n_validation']} human labels set aside for validation (never trained on). "
        "Human labels always win over rule labels; rule labels count less in training.")
    classes = sorted({c for counts in status["labels"].values() for c in counts})
    rows = [[source, *[counts.get(c, 0) for c in classes], sum(counts.values())]
            for source, counts in status["labels"].items()]
    section.add_table(["source", *classes, "all"], rows)
    if status["conflicts"]:
        section.add_table(["item", "labels given", "by"],
                          [[c["sample_id"], ", ".join(c["values"]), ", ".join(c["annotators"])]
                           for c in status["conflicts"][:50]],
                          caption="Items whose human labels disagree (left out of training "
                                  "until a label resolves them)")


def _curve(page, status, done):
    section = page.add_section(
        "Learning curve",
        "Validation accuracy against the number of human labels trained on, for the round's "
        "model and for the supervised model on the same labels. Where the curve flattens, "
        "more labels buy little.")
    n = np.array([r["n_human"] for r in done], float)
    figure = new_figure(width=6.4, height=3.6)
    ax = figure.subplots()
    colors = palette(3)
    ax.plot(n, [r["accuracy"] for r in done], marker="o", color=colors[0], label="round's model")
    supervised = [r.get("supervised_accuracy") for r in done]
    if any(v is not None for v in supervised):
        ax.plot(n, [np.nan if v is None else v for v in supervised], marker="s",
                linestyle=":", color=colors[1], label="supervised only")
    curve = status.get("curve")
    if curve is not None:
        grid = np.linspace(n.min(), n.max() * 2, 200)
        fitted = curve["ceiling"] - curve["scale"] * grid ** -curve["exponent"]
        ax.plot(grid, fitted, color=colors[2], linewidth=1, label="fitted curve")
        ax.axhline(curve["ceiling"], color="#888888", linestyle="--", linewidth=1,
                   label=f"ceiling {curve['ceiling']:.1%}")
    ax.set_xlabel("human labels")
    ax.set_ylabel("validation accuracy")
    _style(ax)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    section.add_plot(figure, "Each point is a round; the fitted curve is carried forward to "
                             "twice the labels so far.")
    if status.get("curve_note"):
        section.add_text(status["curve_note"])


def _rounds(page, rounds):
    section = page.add_section("Rounds")
    section.add_table(
        ["round", "status", "human labels", "rule labels", "accuracy", "supervised", "macro-F1",
         "outcome"],
        [[r["round"], r["status"] + (f" ({r['message']})" if r.get("message") else ""),
          r.get("n_human"), r.get("n_rule"), _share(r.get("accuracy")),
          _share(r.get("supervised_accuracy")), _share(r.get("macro_f1")),
          r.get("outcome") or ""] for r in rounds])


def _share(value):
    return "" if value is None else f"{value:.1%}"
