"""Static HTML shared by the views: highlighted code, tables, figures, and the markers that keep it stable.

What a saved notebook stores must read the same on every run, so nbval can
compare it. Two things cannot: measured times, and plotly figures (which carry
them). Each is put in an element a sanitizer can find with a regex:

- a time (or anything chosen by timing, such as the best config) is the only
  text of ``<span class="tessera-timing">...</span>`` or ``<td class="tessera-timing">...</td>``;
- a figure sits between ``<!-- tessera-figure -->`` and ``<!-- /tessera-figure -->``.

An nbval sanitizer file for notebooks that show views::

    [tessera-timing]
    regex: (<(span|td) class="tessera-timing">)[^<]*(</(span|td)>)
    replace: \\1TIME\\3

    [tessera-figure]
    regex: <!-- tessera-figure -->[\\s\\S]*?<!-- /tessera-figure -->
    replace: FIGURE

Code is highlighted with pygments where it is installed (IPython depends on it),
else shown escaped.

Example::

    >>> print(timing("1.25 ms"))
    <span class="tessera-timing">1.25 ms</span>
    >>> "<pre" in code("x = 1", "python")
    True
    >>> stable_text('.file 1 "/home/me/.cache/tessera/gen/scale_0123456789abcdef0123.py"')
    '.file 1 "<cache>/gen/scale_0123456789abcdef0123.py"'
"""

from __future__ import annotations

import hashlib
import html as _html
import math
import re

TIMING_CLASS = "tessera-timing"
FIGURE_START, FIGURE_END = "<!-- tessera-figure -->", "<!-- /tessera-figure -->"
HIGHLIGHT_MAX = 60_000

# Lexer per stage or language; SASS has no pygments lexer, and plain text reads better than a wrong one.
LEXERS = {"source": "python", "ir": "python", "typed": "python", "numba": "python", "python": "python",
          "numba_ir": "python", "llvm": "llvm", "ptx": "ptx", "sass": "text", "cuda": "cuda", "diff": "diff",
          "text": "text"}

_CSS = """
.tessera-view {font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px;
  --jp-widgets-horizontal-tab-width: auto;}  /* tabs as wide as their titles (ipywidgets: 144px, cut) */
.tessera-view pre {margin: 0; font-family: var(--jp-code-font-family, monospace); font-size: 12px;
  line-height: 1.35; white-space: pre; overflow-x: auto;}
.tessera-view .tessera-code {max-height: 32em; overflow: auto; border: 1px solid #ddd; padding: 4px;}
.tessera-view table.tessera-table {border-collapse: collapse; margin: 4px 0;}
.tessera-view table.tessera-table th, .tessera-view table.tessera-table td {padding: 2px 8px;
  border-bottom: 1px solid #e4e4e4; text-align: right;}
.tessera-view table.tessera-table td.tessera-text, .tessera-view table.tessera-table th.tessera-text
  {text-align: left;}
.tessera-view tr.tessera-best {background: #e6f4ea;}
.tessera-view tr.tessera-bad {color: #8a1c1c;}
.tessera-view .tessera-note {color: #555;}
.tessera-view .hll {background-color: #fff3b0;}
.tessera-view table.tessera-align td {vertical-align: top; padding: 0 6px; border: none;}
.tessera-view table.tessera-align td.tessera-ln {color: #999; text-align: right; user-select: none;
  font-family: var(--jp-code-font-family, monospace); font-size: 12px;}
.tessera-view .tessera-scroll {overflow-x: auto;}
.tessera-view table.tessera-align tr.tessera-matched td.tessera-src {background: #f3f8ff;}
"""


def escape(text) -> str:
    return _html.escape(str(text), quote=True)


def timing(text) -> str:
    """`text` (a time, or something chosen by timing) in the element a sanitizer drops."""
    return f'<span class="{TIMING_CLASS}">{escape(text)}</span>'


def style() -> str:
    """The views' stylesheet (scoped to `.tessera-view`), with pygments' colours when available."""
    css = _CSS
    try:
        from pygments.formatters import HtmlFormatter
        css += HtmlFormatter(style="default").get_style_defs(".tessera-view .tessera-hl")
    except ImportError:
        pass
    return f"<style>{css}</style>"


def stable_text(text: str) -> str:
    """`text` without what changes from machine to machine: the compile cache's path, a notebook
    cell's temporary file name."""
    text = re.sub(r"[^\s\"'<>()]*/gen/(\w+\.py)", r"<cache>/gen/\1", text)
    return re.sub(r"[^\s\"'<>()]*ipykernel_\d+/\d+\.py", "<notebook cell>", text)


def code(text: str, language: str = "text", *, highlight_lines=(), linenos: bool = True,
         first_line: int = 1) -> str:
    """`text` as a highlighted `<pre>` block; `highlight_lines` are 1-based lines of `text` to mark.

    Text past HIGHLIGHT_MAX characters is shown plain: colouring a whole LLVM module makes
    megabytes of HTML."""
    lexer_name = LEXERS.get(language, language) if len(text) <= HIGHLIGHT_MAX else "text"
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import get_lexer_by_name
        lexer = get_lexer_by_name(lexer_name, stripnl=False, ensurenl=False)
        fmt = HtmlFormatter(cssclass="tessera-hl", linenos="inline" if linenos else False,
                            linenostart=first_line, hl_lines=list(highlight_lines), wrapcode=True)
        return f'<div class="tessera-code">{highlight(text, lexer, fmt)}</div>'
    except ImportError:
        pass
    marked = set(highlight_lines)
    width = len(str(first_line + text.count("\n")))
    lines = []
    for i, line in enumerate(text.splitlines(), start=1):
        num = f"{first_line + i - 1:>{width}} " if linenos else ""
        body = escape(num + line)
        lines.append(f'<span class="hll">{body}</span>' if i in marked else body)
    return f'<div class="tessera-code"><pre>{chr(10).join(lines)}</pre></div>'


def code_line(text: str, language: str) -> str:
    """One line of code, highlighted inline (no block, no line number)."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import get_lexer_by_name
        out = highlight(text, get_lexer_by_name(LEXERS.get(language, language), stripnl=False),
                        HtmlFormatter(nowrap=True))
        return out.rstrip("\n")
    except ImportError:
        return escape(text)


def _cell(value) -> tuple:
    """(text, is_text) of one table cell: numbers to 4 significant digits, missing values blank."""
    if value is None:
        return "", False
    try:
        import pandas as pd
        if value is pd.NA or value is pd.NaT:
            return "", False
    except ImportError:
        pass
    if isinstance(value, bool):
        return str(value), True
    if isinstance(value, int) or type(value).__name__.startswith(("int", "uint")):
        return str(int(value)), False
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        v = float(value)
        if math.isnan(v):
            return "", False
        # Byte counts arrive as floats (averages): 49152 reads better than 4.915e+04.
        return (str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.4g}"), False
    return str(value), True


def table(frame, *, timing_columns=(), row_classes=None, columns=None) -> str:
    """A DataFrame as an HTML table; cells of `timing_columns` are timing elements.

    `row_classes`: a CSS class per row (or None), in the frame's order.

    >>> import pandas as pd
    >>> out = table(pd.DataFrame({"k": ["a"], "ms": [1.23456]}), timing_columns=["ms"])
    >>> print(out)  # doctest: +NORMALIZE_WHITESPACE
    <table class="tessera-table"><thead><tr><th class="tessera-text">k</th><th>ms</th></tr></thead>
    <tbody><tr><td class="tessera-text">a</td><td class="tessera-timing">1.235</td></tr></tbody></table>
    """
    cols = list(columns) if columns is not None else list(frame.columns)
    timed = set(timing_columns)
    from pandas.api.types import is_bool_dtype, is_numeric_dtype
    text_cols = {c for c in cols if is_bool_dtype(frame[c].dtype) or not is_numeric_dtype(frame[c].dtype)}
    head = "".join(f'<th class="tessera-text">{escape(c)}</th>' if c in text_cols else f"<th>{escape(c)}</th>"
                   for c in cols)
    body = []
    classes = list(row_classes) if row_classes is not None else [None] * len(frame)
    for cls, (_, row) in zip(classes, frame[cols].iterrows()):
        cells = []
        for c in cols:
            txt, is_text = _cell(row[c])
            kind = TIMING_CLASS if c in timed else "tessera-text" if is_text or c in text_cols else None
            cells.append(f'<td class="{kind}">{escape(txt)}</td>' if kind else f"<td>{escape(txt)}</td>")
        attr = f' class="{cls}"' if cls else ""
        body.append(f"<tr{attr}>{''.join(cells)}</tr>")
    return (f'<table class="tessera-table"><thead><tr>{head}</tr></thead>\n'
            f"<tbody>{''.join(body)}</tbody></table>")


def figure(fig) -> str:
    """A plotly figure as static HTML (plotly.js from its CDN) between the figure markers.

    The div's id is a hash of the figure, so the same figure gives the same HTML and two
    figures on one page never share an id."""
    div_id = "tessera-fig-" + hashlib.sha1(fig.to_json().encode()).hexdigest()[:12]
    body = fig.to_html(include_plotlyjs="cdn", full_html=False, div_id=div_id)
    return f"{FIGURE_START}\n{body}\n{FIGURE_END}"


def section(title: str, body: str) -> str:
    return f"<h4>{escape(title)}</h4>\n{body}"


def details(summary: str, body: str, *, open: bool = False) -> str:
    """A collapsible block (GitHub renders these too)."""
    return f"<details{' open' if open else ''}><summary>{summary}</summary>\n{body}\n</details>"


def note(text: str) -> str:
    return f'<p class="tessera-note">{escape(text)}</p>'


def truncate(text: str, max_lines: int) -> tuple:
    """(the first `max_lines` lines of `text`, how many lines were left out)."""
    lines = text.splitlines(True)
    if len(lines) <= max_lines:
        return text, 0
    return "".join(lines[:max_lines]), len(lines) - max_lines
