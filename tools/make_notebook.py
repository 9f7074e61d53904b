"""Build a tutorial notebook from a plain-text outline, then execute it so it is saved with outputs.

    python tools/make_notebook.py notebooks/src/01-vector-add.py notebooks/01-vector-add.ipynb

The outline is Python with cells separated by `# %%` lines; `# %% [markdown]` cells hold
markdown as `#`-commented lines (the "percent" format editors understand).
"""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def parse_cells(text: str):
    cells, kind, buf = [], None, []

    def flush():
        if kind is None:
            return
        body = "\n".join(buf).strip("\n")
        if kind == "markdown":
            body = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in body.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif body:
            cells.append(nbformat.v4.new_code_cell(body))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind, buf = ("markdown" if "[markdown]" in line else "code"), []
        else:
            buf.append(line)
    flush()
    return cells


def main(src: str, dst: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = parse_cells(Path(src).read_text())
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # No widget state in the file: a view's live widgets are redrawn by running the notebook, and its
    # saved text/html output is what GitHub and nbval read (the state of a live sweep's redraws is
    # tens of megabytes).
    NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(Path(dst).parent)}}).execute()
    nbformat.write(nb, dst)


if __name__ == "__main__":
    main(*sys.argv[1:3])
