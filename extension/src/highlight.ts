/**
 * Keeps each code cell's editor language in step with its cell magic.
 *
 * The notebook sets every code cell's MIME type to the kernel's (on insertion and
 * when the kernel's language changes); this sets a `%%cuda` or `%%tessera` cell's
 * to the MIME type of its language instead, again whenever the first line or the
 * notebook's MIME type changes. The editor follows its model's MIME type itself.
 */

import { ICellModel, ICodeCellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';

import { isMagicMime, mimeForSource } from './magic';

function sync(panel: NotebookPanel, model: ICodeCellModel): void {
  const fallback = panel.content.codeMimetype;
  const want = mimeForSource(model.sharedModel.getSource(), fallback);
  if (model.mimeType !== want && (want !== fallback || isMagicMime(model.mimeType))) {
    model.mimeType = want;
  }
}

function watchCell(panel: NotebookPanel, model: ICellModel): void {
  if (model.type !== 'code') {
    return;
  }
  const code = model as ICodeCellModel;
  const update = () => sync(panel, code);
  code.contentChanged.connect(update);
  // The notebook resets the MIME type (kernel change, re-insertion): set the magic's again.
  code.mimeTypeChanged.connect(update);
  update();
}

/** Follows the magics of `panel`'s cells, the ones there now and every one added later. */
export function highlightMagics(panel: NotebookPanel): void {
  const seen = new WeakSet<ICellModel>();
  const scan = () => {
    const cells = panel.content.model?.cells;
    if (!cells) {
      return;
    }
    for (let i = 0; i < cells.length; i++) {
      const model = cells.get(i);
      if (!seen.has(model)) {
        seen.add(model);
        watchCell(panel, model);
      }
    }
  };
  const follow = () => {
    panel.content.model?.cells.changed.connect(scan);
    scan();
  };
  panel.content.modelChanged.connect(follow);
  follow();
}
