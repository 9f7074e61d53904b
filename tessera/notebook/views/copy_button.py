"""A button that copies a text to the clipboard (an anywidget: only the browser can reach the clipboard).

A click copies `text`; so does `copy()` from Python, which asks the front end
(browsers may refuse a clipboard write that no click started: the button then
says so, and the text is still shown next to it to select by hand). Each
successful copy increments `copies`, which syncs back to Python.

Example::

    >>> b = CopyButton(text="@ts.kernel.autotune(...)", label="copy pinned decorator")
    >>> b.text, b.label, b.copies, "clipboard" in b._esm
    ('@ts.kernel.autotune(...)', 'copy pinned decorator', 0, True)
"""

from __future__ import annotations

import anywidget
import traitlets

_ESM = """
function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "tessera-copy-button jupyter-button widget-button";
  const reset = () => { button.textContent = model.get("label"); };
  reset();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(model.get("text"));
      button.textContent = "copied";
      model.set("copies", model.get("copies") + 1);
      model.save_changes();
    } catch (err) {
      button.textContent = "the browser refused: select the text and copy it";
    }
    setTimeout(reset, 1500);
  };
  button.addEventListener("click", copy);
  model.on("msg:custom", (msg) => { if (msg && msg.copy) { copy(); } });
  model.on("change:label", reset);
  el.appendChild(button);
}
export default { render };
"""


class CopyButton(anywidget.AnyWidget):
    """A button copying `text` to the clipboard."""

    _esm = _ESM
    text = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("copy").tag(sync=True)
    copies = traitlets.Int(0).tag(sync=True)

    def copy(self) -> None:
        """Ask the front end to copy `text` (as a click would)."""
        self.send({"copy": True})
