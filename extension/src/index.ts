/**
 * Tessera's JupyterLab extension: highlights `%%cuda` and `%%tessera` cells, adds the
 * Tessera side panel and the palette commands. The data comes from the tessera server
 * extension (tessera/labext) and from the notebook's kernel (kernelquery.ts).
 */

import { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { INotebookTracker } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';

import { addCommands, CommandIDs } from './commands';
import { highlightMagics } from './highlight';
import { registerLanguages } from './languages';
import { TesseraPanel } from './panel';

const tesseraIcon = new LabIcon({
  name: 'tessera:logo',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">' +
    '<g class="jp-icon3" fill="#616161"><rect x="1" y="1" width="6" height="6" rx="1"/>' +
    '<rect x="9" y="1" width="6" height="6" rx="1"/><rect x="1" y="9" width="6" height="6" rx="1"/>' +
    '<rect x="9" y="9" width="6" height="6" rx="1" opacity="0.5"/></g></svg>'
});

const languages: JupyterFrontEndPlugin<void> = {
  id: 'tessera:languages',
  description: 'Highlights %%cuda cells as CUDA C++ and %%tessera cells as Python with Tessera intrinsics.',
  autoStart: true,
  requires: [IEditorLanguageRegistry, INotebookTracker],
  activate: (app: JupyterFrontEnd, registry: IEditorLanguageRegistry, tracker: INotebookTracker) => {
    registerLanguages(registry);
    tracker.widgetAdded.connect((_, panel) => highlightMagics(panel));
    tracker.forEach(panel => highlightMagics(panel));
  }
};

const panel: JupyterFrontEndPlugin<void> = {
  id: 'tessera:panel',
  description: 'The Tessera side panel (devices, compiled kernels, autotune cache) and the Tessera commands.',
  autoStart: true,
  requires: [INotebookTracker, ILabShell],
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, shell: ILabShell, palette: ICommandPalette | null) => {
    const widget = new TesseraPanel(tracker);
    widget.title.icon = tesseraIcon;
    shell.add(widget, 'left', { rank: 900 });

    addCommands(app, tracker);
    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Tessera: Show the Side Panel',
      execute: () => shell.activateById(widget.id)
    });
    for (const command of [CommandIDs.insertKernel, CommandIDs.openIRView, CommandIDs.openPanel]) {
      palette?.addItem({ command, category: 'Tessera' });
    }
  }
};

export default [languages, panel];
