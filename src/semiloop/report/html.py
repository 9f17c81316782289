"""One self-contained HTML page: titled sections of text, tables and plots.

Every HTML report of semiloop is a :class:`Report` rendered here. A report
holds :class:`Section` objects; each says in a sentence or two what it shows
and how to read it, then holds lists, tables and plots in order. Plots are
matplotlib figures (:func:`new_figure`, drawn on the Agg canvas, never through
pyplot's global state) embedded as inline SVG, so the page needs nothing but
itself: no script, no external style sheet, font or image, and a
Content-Security-Policy that forbids the browser to fetch anything. It opens
from disk and can be mailed as one file.

matplotlib is optional (``pip install 'semiloop[report]'``) and imported only
when a figure is drawn.

Examples
--------
>>> report = Report("Example", meta=["made in a doctest"])
>>> section = report.add_section("Numbers", "Two numbers and their squares.")
>>> section.add_table(["n", "square"], [[2, 4], [3, 9]])
>>> html = report.to_html()
>>> html.startswith("<!DOCTYPE html>"), '<td class="num">9</td>' in html, html.count("<section")
(True, True, 1)
"""

import html
import io
import re
from dataclasses import dataclass, field

from semiloop.errors import SemiloopError

__all__ = ["Plot", "Report", "Section", "Table", "new_figure", "require_matplotlib",
           "write_report"]

_INSTALL = "pip install 'semiloop[report]'"
_TONES = ("good", "warn", "bad")


def require_matplotlib():
    """Import matplotlib, or raise an error that says how to install it.

    Returns
    -------
    module
        The ``matplotlib`` module.

    Raises
    ------
    SemiloopError
        When matplotlib is not installed.
    """
    try:
        import matplotlib
    except ImportError:
        raise SemiloopError(f"HTML reports need matplotlib, which is not installed; install "
                            f"it with {_INSTALL}") from None
    return matplotlib


def new_figure(width=7.0, height=3.4):
    """A matplotlib ``Figure`` on the Agg canvas, not registered with pyplot.

    Parameters
    ----------
    width, height : float, default=7.0, 3.4
        Size in inches (the page scales it down on narrow screens).

    Returns
    -------
    matplotlib.figure.Figure
        With constrained layout; add axes with ``subplots``.
    """
    require_matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


@dataclass
class Table:
    """Rows of cells under column names; every cell is escaped when rendered.

    Cells may be text, numbers (floats shown with 3 decimals) or None (empty).
    """

    columns: list
    rows: list
    caption: str = ""

    def to_html(self):
        head = "".join(f"<th>{_escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(_td(value) for value in row) + "</tr>"
                       for row in self.rows)
        caption = f"<caption>{_escape(self.caption)}</caption>" if self.caption else ""
        return (f'<div class="table"><table>{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table></div>")


@dataclass
class Plot:
    """A figure as SVG markup, with a caption that says what to look for."""

    svg: str
    caption: str = ""

    @classmethod
    def from_figure(cls, figure, caption=""):
        """Render a matplotlib ``Figure`` to SVG (text drawn as paths: no font is needed)."""
        matplotlib = require_matplotlib()
        buffer = io.StringIO()
        with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "semiloop"}):
            figure.savefig(buffer, format="svg", dpi=150,
                           metadata={"Date": None, "Creator": None, "Format": None,
                                     "Type": None})
        markup = buffer.getvalue()
        return cls(markup[markup.index("<svg"):], caption)

    def to_html(self, prefix):
        """The figure, its ids prefixed so that several SVGs can share one page."""
        svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', self.svg)
        svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
        svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{_escape(self.caption)}" ', 1)
        caption = f"<figcaption>{_escape(self.caption)}</figcaption>" if self.caption else ""
        return f'<figure class="plot">{svg}{caption}</figure>'


@dataclass
class Section:
    """A titled part of a report: explanation first, then lists, tables and plots.

    Parameters
    ----------
    title : str
    text : list of str
        Paragraphs in plain language: what the section shows, how to read it.
    tone : {"good", "warn", "bad"} or None, default=None
        Colours the section (a verdict, an alarm).
    """

    title: str
    text: list = field(default_factory=list)
    tone: str | None = None
    items: list = field(default_factory=list)

    def add_text(self, *paragraphs):
        """Add paragraphs after what the section already holds."""
        self.items += [_Paragraph(p) for p in paragraphs]

    def add_list(self, entries, *, heading=""):
        """Add a bulleted list (nothing when ``entries`` is empty)."""
        if entries:
            self.items.append(_List(list(entries), heading))

    def add_table(self, columns, rows, *, caption=""):
        """Add a table; ``columns`` may be a pandas DataFrame (then ``rows`` is ignored)."""
        if hasattr(columns, "itertuples"):
            columns, rows = list(columns.columns), [list(r) for r in columns.itertuples(False)]
        self.items.append(Table(list(columns), [list(r) for r in rows], caption))

    def add_plot(self, figure, caption=""):
        """Add a matplotlib ``Figure`` (from :func:`new_figure`) as inline SVG."""
        self.items.append(Plot.from_figure(figure, caption))


@dataclass
class _Paragraph:
    text: str

    def to_html(self):
        return f"<p>{_escape(self.text)}</p>"


@dataclass
class _List:
    entries: list
    heading: str = ""

    def to_html(self):
        heading = f'<p class="list-heading">{_escape(self.heading)}</p>' if self.heading else ""
        return heading + "<ul>" + "".join(f"<li>{_escape(e)}</li>" for e in self.entries) + "</ul>"


@dataclass
class Report:
    """A self-contained HTML report: a title, a few lines about the run, sections.

    Parameters
    ----------
    title : str
    meta : list of str, default=[]
        Short lines under the title (input file, options, version).
    sections : list of Section, default=[]
    """

    title: str
    meta: list = field(default_factory=list)
    sections: list = field(default_factory=list)

    def add_section(self, title, *text, tone=None):
        """Append a :class:`Section` and return it."""
        if tone not in (None, *_TONES):
            raise ValueError(f"tone must be one of {_TONES} or None, got {tone!r}")
        section = Section(title, list(text), tone)
        self.sections.append(section)
        return section

    def to_html(self):
        """The whole page as one string."""
        from semiloop import __version__

        parts, n_plots, contents = [], 0, []
        for number, section in enumerate(self.sections, start=1):
            anchor = f"s{number}"
            contents.append(f'<li><a href="#{anchor}">{_escape(section.title)}</a></li>')
            tone = f" {section.tone}" if section.tone else ""
            body = [f"<h2>{_escape(section.title)}</h2>"]
            body += [f'<p class="lead">{_escape(p)}</p>' for p in section.text]
            for item in section.items:
                if isinstance(item, Plot):
                    n_plots += 1
                    body.append(item.to_html(f"f{n_plots}"))
                else:
                    body.append(item.to_html())
            parts.append(f'<section id="{anchor}" class="section{tone}">'
                         + "\n".join(body) + "</section>")
        meta = [*self.meta, f"made by semiloop {__version__}"]
        return _PAGE.format(
            title=_escape(self.title), css=_CSS,
            meta="".join(f"<li>{_escape(line)}</li>" for line in meta),
            contents="".join(contents), sections="\n".join(parts))

    def write(self, path):
        """Render and write to ``path`` atomically; see :func:`write_report`."""
        return write_report(self, path)


def write_report(report, path):
    """Write ``report`` to ``path`` as HTML, whole or not at all.

    The page is rendered in memory first, then written to a temporary file
    beside ``path`` and renamed onto it: an error or an interruption leaves
    ``path`` as it was.

    Parameters
    ----------
    report : Report
    path : str or path-like

    Returns
    -------
    pathlib.Path
    """
    from pathlib import Path

    from semiloop._files import write_text_atomic

    page = report.to_html()
    write_text_atomic(path, page)
    return Path(path)


def _escape(value):
    return html.escape(str(value), quote=True)


_NUMBER = re.compile(r"[-+]?(\d[\d,]*\.?\d*|\.\d+)(e[-+]?\d+)?%?|n/a")


def _td(value):
    """A cell; numbers (and numbers written as text) stay on one line."""
    text = _cell(value)
    return f'<td class="num">{text}</td>' if _NUMBER.fullmatch(text) else f"<td>{text}</td>"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return "n/a" if value != value else f"{value:.3f}"
    return _escape(value)


_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: #1f2328; background: #f6f7f9; margin: 0; line-height: 1.5; }
main { max-width: 1080px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 0 0 .5rem; }
ul.meta { list-style: none; padding: 0; margin: 0 0 1rem; color: #57606a; font-size: .9rem; }
ul.meta li { display: inline; }
ul.meta li + li::before { content: " · "; }
nav { font-size: .9rem; margin-bottom: 1rem; }
nav ol { margin: .25rem 0; padding-left: 1.25rem; columns: 2; }
.section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px;
           padding: 1rem 1.25rem; margin: 0 0 1rem; }
.section.good { border-left: 8px solid #1a7f37; background: #f0fff4; }
.section.warn { border-left: 8px solid #bf8700; background: #fff8e5; }
.section.bad { border-left: 8px solid #cf222e; background: #fff0f0; }
p.lead { margin: .25rem 0 .5rem; }
p.list-heading { margin: .5rem 0 0; font-weight: 600; }
figure.plot { margin: .75rem 0; }
figure.plot svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: .88rem; color: #57606a; margin-top: .25rem; }
div.table { overflow-x: auto; margin: .5rem 0; }
table { border-collapse: collapse; font-size: .9rem; }
caption { text-align: left; font-size: .88rem; color: #57606a; padding-bottom: .25rem; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #f0f2f4; }
td:first-child, td.num { white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<main>
<h1>{title}</h1>
<ul class="meta">{meta}</ul>
<nav><strong>Contents</strong><ol>{contents}</ol></nav>
{sections}
</main>
</body>
</html>
"""
