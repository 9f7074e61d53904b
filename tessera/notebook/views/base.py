"""What every view shares: a lazily built widget, and a static HTML form for saved notebooks.

The object a user holds (an `IRView`, an `AutotuneView`, ...) keeps the data;
its `.widget` is the ipywidgets tree that draws it, made on first use, whose
root carries the view's CSS class (`tessera-ir-view`, ...) for browser tests.
In a live notebook `_repr_mimebundle_` gives the widget and, next to it, the
static HTML and a one-line text: a saved notebook shows the HTML where no
widget state is kept (GitHub, nbconvert), and nbval compares the HTML and text.

Example::

    >>> import ipywidgets as w
    >>> class Hello(View):
    ...     css_class = "tessera-hello"
    ...     def _build(self):
    ...         return w.HTML("hello")
    ...     def _body_html(self):
    ...         return "<p>hello</p>"
    >>> h = Hello()
    >>> h.widget._dom_classes
    ('tessera-hello', 'tessera-view')
    >>> sorted(h._repr_mimebundle_())   # outside a notebook: no widget in the bundle
    ['text/html', 'text/plain']
"""

from __future__ import annotations

from . import html

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def in_notebook() -> bool:
    """True inside a Jupyter kernel, where a front end can draw widgets."""
    from ...tune.results import in_notebook as _in_notebook
    return _in_notebook()


class View:
    """Base of the views: subclasses give `css_class`, `_build()` (the widget) and `_body_html()`."""

    css_class = "tessera-view"

    _widget = None

    @property
    def widget(self):
        """The ipywidgets tree (built on first access; the same object afterwards)."""
        if self._widget is None:
            w = self._build()
            w.add_class(self.css_class)
            w.add_class("tessera-view")
            self._widget = w
        return self._widget

    def _build(self):
        raise NotImplementedError

    def _body_html(self) -> str:
        raise NotImplementedError

    def to_html(self) -> str:
        """The view as static HTML: deterministic for the same data (see `tessera.notebook.views.html`)."""
        return (f'<div class="{self.css_class} tessera-view">{html.style()}\n'
                f"{self._body_html()}\n</div>")

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {"text/plain": repr(self), "text/html": self.to_html()}
        if in_notebook():
            bundle[WIDGET_MIME] = self.widget._repr_mimebundle_()[WIDGET_MIME]
        return bundle
