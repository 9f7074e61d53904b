/**
 * The palette's Tessera commands: insert a `%%tessera` kernel, open the IR view of the
 * kernel in the current cell.
 */

import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { OutputArea, OutputAreaModel, SimplifiedOutputArea } from '@jupyterlab/outputarea';

import { fetchKernelReport } from './api';
import { irViewCode } from './kernelquery';
import { cellMagic } from './magic';
import { KERNEL_TEMPLATE, kernelAt } from './template';

export const CommandIDs = {
  insertKernel: 'tessera:insert-kernel',
  openIRView: 'tessera:open-ir-view',
  openPanel: 'tessera:open-panel'
};

export function addCommands(app: JupyterFrontEnd, tracker: INotebookTracker): void {
  const hasNotebook = () => tracker.currentWidget !== null && tracker.currentWidget === app.shell.currentWidget;

  app.commands.addCommand(CommandIDs.insertKernel, {
    label: 'Tessera: Insert a %%tessera Kernel Cell',
    caption: 'Insert a %%tessera cell with a vector_add kernel below the active cell',
    isEnabled: hasNotebook,
    execute: () => {
      const panel = tracker.currentWidget;
      if (!panel) {
        return;
      }
      const notebook = panel.content;
      const active = notebook.activeCell;
      // An empty code cell is taken as it is, rather than leaving it behind above the new one.
      if (!(active && active.model.type === 'code' && active.model.sharedModel.getSource().trim() === '')) {
        NotebookActions.insertBelow(notebook);
      }
      notebook.activeCell?.model.sharedModel.setSource(KERNEL_TEMPLATE);
      notebook.activeCell?.editor?.focus();
    }
  });

  app.commands.addCommand(CommandIDs.openIRView, {
    label: 'Tessera: Open the IR View of the Kernel in This Cell',
    caption: 'Show every stage of the kernel defined in the active %%tessera cell, down to SASS',
    isEnabled: hasNotebook,
    execute: async () => {
      const panel = tracker.currentWidget;
      const cell = panel?.content.activeCell;
      if (!panel || !cell) {
        return;
      }
      const source = cell.model.sharedModel.getSource();
      const line = cell.editor?.getCursorPosition().line ?? 0;
      const name = cellMagic(source) === 'cuda' ? null : kernelAt(source, line);
      if (!name) {
        Notification.warning('Tessera: the active cell defines no kernel (a `def` with ts.Tensor parameters)');
        return;
      }
      const kernel = panel.sessionContext.session?.kernel;
      if (!kernel) {
        Notification.warning('Tessera: this notebook has no kernel to ask for the IR');
        return;
      }
      const report = await fetchKernelReport(kernel);
      if (!('kernels' in report) || !report.kernels.some(k => k.name === name)) {
        Notification.warning(`Tessera: ${name} is not a kernel in the notebook's kernel yet: run its cell first`);
        return;
      }
      const area = new SimplifiedOutputArea({ model: new OutputAreaModel(), rendermime: panel.content.rendermime });
      const widget = new MainAreaWidget({ content: area });
      widget.id = `tessera-ir-${name}-${Date.now()}`;
      widget.title.label = `IR: ${name}`;
      widget.title.closable = true;
      widget.addClass('tessera-ir-tab');
      app.shell.add(widget, 'main', { mode: 'split-right', ref: panel.id });
      await OutputArea.execute(irViewCode(name), area, panel.sessionContext);
    }
  });
}
