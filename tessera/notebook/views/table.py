"""A DataFrame that the reader sorts: a column and a direction, as widgets or as a call.

Sorting happens in Python, so the widget's state is the table's state and a
test can set it. Missing values sort last either way; ties keep the frame's
order, so the result is the same on every run.

Example::

    >>> import pandas as pd
    >>> t = SortableTable(pd.DataFrame({"T": [16, 32, 64], "ms": [2.0, None, 1.0]}), timing_columns=["ms"])
    >>> t.sort("ms").sorted_frame()["T"].tolist()
    [64, 16, 32]
    >>> t.sort("ms", descending=True).sorted_frame()["T"].tolist()
    [16, 64, 32]
    >>> t.sort(None).sorted_frame()["T"].tolist()   # the frame's own order
    [16, 32, 64]
"""

from __future__ import annotations

from ...errors import TesseraError
from . import html

ORIGINAL = "(as listed)"


class SortableTable:
    """`frame` shown as a table, sorted by one column; `row_class(row) -> str | None` styles rows."""

    def __init__(self, frame, *, timing_columns=(), columns=None, row_class=None, sort_by=None,
                 descending: bool = False):
        self.frame = frame.reset_index(drop=True)
        self.columns = list(columns) if columns is not None else list(self.frame.columns)
        self.timing_columns = [c for c in timing_columns if c in self.columns]
        self.row_class = row_class
        self.sort_by = None
        self.descending = False
        self._controls = None
        self._out = None
        self._syncing = False
        self.sort(sort_by, descending=descending)

    def sort(self, by, *, descending: bool = False) -> "SortableTable":
        """Sort by column `by` (None: the frame's order); returns the table."""
        if by is not None and by not in self.columns:
            raise TesseraError(f"no column {by!r} to sort by", hint=f"one of: {', '.join(map(str, self.columns))}")
        self.sort_by, self.descending = by, bool(descending)
        if self._controls is not None:
            sel, desc = self._controls
            self._syncing = True  # the controls follow the call; their observers must not call back
            try:
                sel.value, desc.value = by if by is not None else ORIGINAL, self.descending
            finally:
                self._syncing = False
        self._refresh()
        return self

    def sorted_frame(self):
        if self.sort_by is None:
            return self.frame
        return self.frame.sort_values(self.sort_by, ascending=not self.descending, kind="stable",
                                      na_position="last")

    def html(self, styled: bool = True) -> str:
        """The table as HTML; `styled=False` leaves out the row classes (which may follow timings)."""
        f = self.sorted_frame()
        classes = [self.row_class(row) for _, row in f.iterrows()] if self.row_class and styled else None
        return html.table(f, timing_columns=self.timing_columns, row_classes=classes, columns=self.columns)

    # ------------------------------------------------------------ widget

    @property
    def widget(self):
        """A sort-column dropdown, a descending toggle, and the table."""
        if self._out is None:
            import ipywidgets as w
            sel = w.Dropdown(options=[ORIGINAL] + self.columns,
                             value=self.sort_by if self.sort_by is not None else ORIGINAL,
                             description="sort by", layout=w.Layout(width="260px"))
            desc = w.ToggleButton(value=self.descending, description="descending", icon="sort-amount-desc")
            sel.add_class("tessera-sort-column")
            desc.add_class("tessera-sort-descending")
            self._out = w.HTML(self.html())
            self._out.add_class("tessera-table-html")

            def changed(_):
                if self._syncing:
                    return
                by = None if sel.value == ORIGINAL else sel.value
                if (by, desc.value) != (self.sort_by, self.descending):
                    self.sort(by, descending=desc.value)
            sel.observe(changed, "value")
            desc.observe(changed, "value")
            self._controls = (sel, desc)
            self._box = w.VBox([w.HBox([sel, desc]), self._out])
        return self._box

    def _refresh(self):
        if self._out is not None:
            self._out.value = self.html()
