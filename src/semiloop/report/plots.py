"""The plots that semiloop's reports share, each drawn on a fresh matplotlib ``Figure``.

Every function takes plain numbers (numpy arrays, lists, dicts) and returns a
``Figure`` from :func:`semiloop.report.html.new_figure`; none uses pyplot.

Examples
--------
>>> import numpy as np
>>> figure = histograms([("distance", {"labeled": np.arange(5.0), "unlabeled": np.ones(3)})])
>>> len(figure.axes)
1
"""

import numpy as np

from semiloop.report.html import new_figure

__all__ = ["COLORS", "calibration", "feature_bars", "histograms", "lines", "palette",
           "projection", "stacked_shares"]

#: One colour per class or series, colour-blind safe (Okabe & Ito); grey and black are
#: kept for unlabeled rows and rows far from the labels. More classes take tab20's colours.
COLORS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442")
_ALARM = "#cf222e"
_MUTED = "#8c959f"


def palette(n):
    """``n`` distinct colours: :data:`COLORS` up to 7, matplotlib's tab20 up to 20, then repeated.

    >>> palette(2), len(set(palette(12)))
    (['#0072b2', '#e69f00'], 12)
    """
    if n <= len(COLORS):
        return list(COLORS[:n])
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    table = [to_hex(c) for c in colormaps["tab20"].colors]
    return [table[i % len(table)] for i in range(n)]


def _style(axes):
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(alpha=0.3, linewidth=0.6)
    axes.set_axisbelow(True)


def histograms(panels, *, marks=None):
    """One histogram panel per score; each panel overlays its groups as density.

    Parameters
    ----------
    panels : list of (str, dict)
        ``(x label, {group name: values})``; groups with no finite value are skipped.
    marks : dict, default=None
        ``{x label: (value, text)}``: a dashed vertical line in that panel.
    """
    figure = new_figure(width=min(3.5 * len(panels), 10.5), height=3.3)
    axes = np.atleast_1d(figure.subplots(1, len(panels)))
    names = list(dict.fromkeys(name for _, groups in panels for name in groups))
    colors = dict(zip(names, palette(len(names)), strict=True))
    for ax, (label, groups) in zip(axes, panels, strict=True):
        finite = {name: np.asarray(v, float)[np.isfinite(np.asarray(v, float))]
                  for name, v in groups.items()}
        finite = {name: v for name, v in finite.items() if len(v)}
        if finite:
            edges = np.histogram_bin_edges(np.concatenate(list(finite.values())), bins=30)
            for name, values in finite.items():
                ax.hist(values, bins=edges, density=True, alpha=0.55, histtype="stepfilled",
                        color=colors[name], label=name)
        if marks and label in marks:
            value, text = marks[label]
            ax.axvline(value, color=_ALARM, linestyle="--", linewidth=1.2, label=text)
        ax.set_xlabel(label)
        ax.set_ylabel("density")
        _style(ax)
    handles = {}
    for ax in axes:
        handles.update(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    figure.legend(handles.values(), handles.keys(), loc="outside lower center",
                  ncols=min(len(handles), 3), fontsize=8, frameon=False)
    return figure


def feature_bars(names, effect, psi, shifted, *, top=15):
    """Effect size and PSI of the most shifted features, side by side, largest on top.

    Parameters
    ----------
    names : list of str
    effect, psi : array-like of float
    shifted : array-like of bool
        Features counted as shifted (drawn in the alarm colour).
    top : int, default=15
    """
    names, effect, psi = list(names)[:top], np.asarray(effect, float)[:top], \
        np.asarray(psi, float)[:top]
    shifted = np.asarray(shifted, bool)[:top]
    height = 1.2 + 0.28 * len(names)
    figure = new_figure(width=9.0, height=height)
    left, right = figure.subplots(1, 2, sharey=True)
    rows = np.arange(len(names))[::-1]
    colors = [_ALARM if s else COLORS[0] for s in shifted]
    left.barh(rows, effect, color=colors)
    left.set_yticks(rows, [_short(n) for n in names])
    left.set_xlabel("effect size (0 = no shift)")
    left.set_xlim(0, max(0.3, float(np.nanmax(effect, initial=0)) * 1.1))
    right.barh(rows, psi, color=colors)
    top_psi = max(0.35, float(np.nanmax(psi, initial=0)) * 1.1)
    right.axvspan(0.1, 0.25, color="#bf8700", alpha=0.12, label="moderate shift (0.1 - 0.25)")
    right.axvspan(0.25, top_psi, color=_ALARM, alpha=0.07, label="significant shift (> 0.25)")
    for value in (0.1, 0.25):
        right.axvline(value, color=_MUTED, linestyle="--", linewidth=1)
    right.set_xlim(0, top_psi)
    right.legend(fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2,
                 frameon=False, borderaxespad=0.2)
    right.set_xlabel("population stability index (PSI)")
    for ax in (left, right):
        _style(ax)
        ax.set_ylim(-0.6, len(names) - 0.4 + 0.6)
    return figure


def projection(labeled, unlabeled, *, labeled_groups=None, highlight=None, far=None,
               axis_labels=None):
    """Labeled and unlabeled rows as points in 2-D; highlighted unlabeled groups on top.

    Parameters
    ----------
    labeled, unlabeled : ndarray of shape (n, 2)
    labeled_groups : dict, default=None
        ``{class name: boolean mask over labeled}``; None draws labeled rows in one colour.
    highlight : dict, default=None
        ``{name: boolean mask over unlabeled}`` drawn on top in red (e.g. unseen groups).
    far : (str, ndarray of bool), default=None
        A name and a mask over unlabeled: other rows to circle in black.
    axis_labels : (str, str), default=None
    """
    figure = new_figure(width=6.4, height=5.4)
    ax = figure.subplots()
    ax.scatter(unlabeled[:, 0], unlabeled[:, 1], s=7, color=_MUTED, alpha=0.45,
               linewidths=0, label=f"unlabeled ({len(unlabeled)})", rasterized=True)
    groups = ({f"labeled: {_short(name, 24)}": mask for name, mask in labeled_groups.items()}
              if labeled_groups else {"labeled": np.ones(len(labeled), bool)})
    for color, (name, mask) in zip(palette(len(groups)), groups.items(), strict=True):
        ax.scatter(labeled[mask, 0], labeled[mask, 1], s=22, color=color,
                   edgecolors="white", linewidths=0.4, label=f"{name} ({int(mask.sum())})",
                   rasterized=True)
    circled = [(name, mask, (_ALARM, "#8e44ad")[index % 2])
               for index, (name, mask) in enumerate((highlight or {}).items())]
    if far is not None and far[1].any():
        circled.append((*far, "#000000"))
    for name, mask, color in circled:
        ax.scatter(unlabeled[mask, 0], unlabeled[mask, 1], s=16, facecolors="none",
                   edgecolors=color, linewidths=0.9, label=f"{name} ({int(mask.sum())})",
                   rasterized=True)
    if axis_labels:
        ax.set_xlabel(axis_labels[0])
        ax.set_ylabel(axis_labels[1])
    _style(ax)
    figure.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False,
                  markerscale=1.5)
    return figure


def calibration(confidence, correct, *, n_bins=10):
    """Reliability diagram: accuracy against confidence, with the spread of confidences.

    Parameters
    ----------
    confidence : array-like of float
        The predicted class's probability, per row.
    correct : array-like of bool
        Whether the predicted class was right.
    n_bins : int, default=10
        Bins of equal counts (fewer where confidences repeat).

    Returns
    -------
    figure : matplotlib.figure.Figure
    error : float
        Expected calibration error over the same bins.
    """
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, bool)
    edges = np.unique(np.quantile(confidence, np.linspace(0, 1, n_bins + 1)))
    which = np.clip(np.searchsorted(edges[1:-1], confidence, side="right"), 0,
                    max(len(edges) - 2, 0))
    bins = np.unique(which)
    accuracy = np.array([correct[which == b].mean() for b in bins])
    mean_confidence = np.array([confidence[which == b].mean() for b in bins])
    weight = np.array([np.mean(which == b) for b in bins])
    error = float(np.sum(weight * np.abs(accuracy - mean_confidence)))
    figure = new_figure(width=6.4, height=4.2)
    curve, spread = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    low = min(float(confidence.min()), float(accuracy.min()), 0.5)
    curve.plot([low, 1], [low, 1], color=_MUTED, linestyle="--", linewidth=1,
               label="perfectly calibrated")
    curve.plot(mean_confidence, accuracy, marker="o", color=COLORS[0],
               label=f"this model (calibration error {error:.3f})")
    curve.set_ylabel("share predicted right")
    curve.legend(fontsize=8, frameon=False, loc="upper left")
    spread.hist(confidence, bins=20, color=COLORS[0], alpha=0.6, histtype="stepfilled")
    spread.set_xlabel("confidence (probability of the predicted class)")
    spread.set_ylabel("rows")
    for ax in (curve, spread):
        _style(ax)
    return figure, error


def lines(x, panels, *, x_label="", x_names=None):
    """Curves over time, one panel per quantity, with optional reference and alarm lines.

    Parameters
    ----------
    x : array-like
        Positions on the x axis (rounds, steps, window numbers).
    panels : list of dict
        Each ``{"title": str, "series": {name: values}, "hlines": [(y, text, kind)]}``,
        values None or NaN where missing (the line joins the values present);
        ``kind`` is ``"reference"`` or ``"alarm"``.
        ``"proportion": True`` keeps the y axis within [0, 1] and at least 0.1 high
        (so noise does not look like a trend); ``"integer": True`` gives whole-number ticks.
    x_label : str, default=""
    x_names : list of str, default=None
        Tick labels (window names) instead of numbers.
    """
    n = len(panels)
    columns = min(n, 2)
    rows = int(np.ceil(n / columns))
    figure = new_figure(width=4.6 * columns + 0.6, height=2.9 * rows + (0.6 if x_names else 0))
    width = max((len(p["series"]) for p in panels), default=1)
    colors = palette(width)
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    x = np.asarray(x, float)
    for ax, panel in zip(axes, panels, strict=False):
        drawn = []
        for index, (name, values) in enumerate(panel["series"].items()):
            y = np.array([np.nan if v is None else v for v in values], float)
            known = np.isfinite(y)
            drawn.append(y[known])
            ax.plot(x[known], y[known], marker="o" if known.sum() <= 40 else None,
                    markersize=4, color=colors[index], label=_short(name, 32))
        if panel.get("proportion"):
            _proportion_limits(ax, drawn)
        if panel.get("integer"):
            ax.yaxis.set_major_locator(_integer_locator())
        for y, text, kind in panel.get("hlines", []):
            ax.axhline(y, color=_ALARM if kind == "alarm" else _MUTED, linestyle="--",
                       linewidth=1, label=text)
        ax.set_title(panel["title"], fontsize=10)
        ax.set_xlabel(x_label)
        if x_names:
            _name_ticks(ax, x, x_names, most=10)
        elif len(x) and np.all(x == np.round(x)):
            ax.xaxis.set_major_locator(_integer_locator())
        _style(ax)
        if len(panel["series"]) + len(panel.get("hlines", [])) > 1:
            ax.legend(fontsize=7.5, frameon=False, loc="best")
    for ax in axes[n:]:
        ax.set_visible(False)
    return figure


def stacked_shares(names, shares, classes, *, y_label="share of rows"):
    """Class shares as stacked bars, one bar per window (or group), each summing to 1.

    Parameters
    ----------
    names : list of str
        One per bar.
    shares : array-like of shape (n_bars, n_classes)
    classes : list of str
    """
    shares = np.asarray(shares, float)
    figure = new_figure(width=min(max(4.8, 2.5 + 0.55 * len(names)), 10.5), height=3.6)
    ax = figure.subplots()
    x = np.arange(len(names))
    bottom = np.zeros(len(names))
    for index, (name, color) in enumerate(zip(classes, palette(len(classes)), strict=True)):
        ax.bar(x, shares[:, index], bottom=bottom, color=color, label=_short(name, 24),
               width=0.75)
        bottom += shares[:, index]
    _name_ticks(ax, x, names)
    ax.set_ylim(0, 1)
    ax.set_ylabel(y_label)
    _style(ax)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False,
              title="class", title_fontsize=8)
    return figure


def _name_ticks(ax, x, names, most=16):
    step = max(1, int(np.ceil(len(names) / most)))
    shown = [str(n) for n in names[::step]]
    if sum(len(n) for n in shown) <= 60:
        ax.set_xticks(x[::step], [_short(n, 30) for n in shown], fontsize=8)
    else:
        ax.set_xticks(x[::step], [_short(n, 18) for n in shown], rotation=30, ha="right",
                      fontsize=8)


def _integer_locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _proportion_limits(ax, drawn):
    values = np.concatenate(drawn) if drawn else np.array([])
    values = values[np.isfinite(values)]
    if not len(values):
        return
    low, high = float(values.min()), float(values.max())
    top = min(1.0, high + 0.02) if high <= 1 else high * 1.02
    bottom = max(0.0, min(low - 0.02, top - 0.1 - 0.02))
    ax.set_ylim(bottom, top + 0.01)


def _short(name, limit=28):
    """``name`` cut in the middle to ``limit`` characters, so that ends that differ stay.

    >>> _short("customer_feature_with_a_long_name_03", 20)
    'customer_…ng_name_03'
    """
    name = str(name)
    if len(name) <= limit:
        return name
    head = (limit - 1) // 2
    return name[:head] + "…" + name[len(name) - (limit - 1 - head):]
