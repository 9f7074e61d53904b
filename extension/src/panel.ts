/**
 * The Tessera side panel: devices, the kernels compiled in the active notebook's kernel,
 * and the autotune cache, each refreshed when something may have changed it.
 */

import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { deleteCacheEntry, fetchCache, fetchDevices, fetchKernelReport } from './api';
import { describeKernel, formatBytes, formatConfig, formatMs, ICacheEntry, IDevices } from './format';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) {
    e.className = cls;
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

function section(title: string, cls: string): { root: HTMLElement; body: HTMLElement } {
  const root = el('section', `tessera-section ${cls}`);
  root.appendChild(el('h3', 'tessera-section-title', title));
  const body = el('div', 'tessera-section-body');
  root.appendChild(body);
  return { root, body };
}

export class TesseraPanel extends Widget {
  private devices = section('Devices', 'tessera-devices');
  private kernels = section('Kernels in this notebook', 'tessera-kernels');
  private cache = section('Autotune cache', 'tessera-cache');
  private kernelsBusy = false;

  constructor(private tracker: INotebookTracker) {
    super();
    this.id = 'tessera-panel';
    this.addClass('tessera-panel');
    this.title.caption = 'Tessera';
    const refresh = el('button', 'jp-Button jp-mod-styled tessera-refresh', 'Refresh');
    refresh.onclick = () => this.refresh();
    this.node.append(refresh, this.devices.root, this.kernels.root, this.cache.root);

    tracker.currentChanged.connect(() => this.refreshKernels());
    // After each cell run: the cell may have compiled a kernel or tuned one (which writes the cache).
    NotebookActions.executed.connect((_, { notebook }) => {
      if (this.isVisible && notebook === tracker.currentWidget?.content) {
        void this.refreshKernels();
        void this.refreshCache();
      }
    });
  }

  protected onAfterShow(): void {
    void this.refresh();
  }

  async refresh(): Promise<void> {
    await Promise.all([this.refreshDevices(), this.refreshKernels(), this.refreshCache()]);
  }

  async refreshDevices(): Promise<void> {
    const body = this.devices.body;
    try {
      this.showDevices(await fetchDevices());
    } catch (error) {
      body.replaceChildren(el('div', 'tessera-error', String((error as Error).message ?? error)));
    }
  }

  private showDevices(info: IDevices): void {
    const body = this.devices.body;
    if (!info.devices.length) {
      const line = el('div', 'tessera-no-gpu', info.message ?? 'no GPU: CPU backend');
      if (info.nvml_error) {
        line.title = info.nvml_error;
      }
      body.replaceChildren(line);
      return;
    }
    const list = el('ul', 'tessera-list');
    for (const d of info.devices) {
      const item = el('li', 'tessera-device');
      item.append(
        el('div', 'tessera-device-name', `${d.index}: ${d.name}`),
        el('div', 'tessera-detail',
           `compute ${d.compute_capability}, ${formatBytes(d.memory_total_bytes)} ` +
           `(${formatBytes(d.memory_used_bytes)} used), driver ${d.driver}`)
      );
      list.appendChild(item);
    }
    body.replaceChildren(list);
  }

  async refreshKernels(): Promise<void> {
    const body = this.kernels.body;
    const panel: NotebookPanel | null = this.tracker.currentWidget;
    const kernel = panel?.sessionContext.session?.kernel;
    if (!panel || !kernel) {
      body.replaceChildren(el('div', 'tessera-note', panel ? 'no kernel' : 'no notebook open'));
      return;
    }
    if (this.kernelsBusy) {
      return;
    }
    this.kernelsBusy = true;
    try {
      const report = await fetchKernelReport(kernel);
      if ('note' in report) {
        body.replaceChildren(el('div', 'tessera-note', report.note));
      } else if (!report.kernels.length) {
        body.replaceChildren(el('div', 'tessera-note', 'no Tessera kernels defined yet'));
      } else {
        const list = el('ul', 'tessera-list');
        for (const k of report.kernels) {
          const item = el('li', 'tessera-kernel', describeKernel(k));
          item.dataset.kernel = k.name;
          list.appendChild(item);
        }
        body.replaceChildren(list);
      }
    } catch (error) {
      body.replaceChildren(el('div', 'tessera-error', `could not ask the kernel: ${(error as Error).message ?? error}`));
    } finally {
      this.kernelsBusy = false;
    }
  }

  async refreshCache(): Promise<void> {
    const body = this.cache.body;
    try {
      const listing = await fetchCache();
      if (!listing.entries.length) {
        body.replaceChildren(el('div', 'tessera-note', `empty (${listing.directory})`));
        return;
      }
      const table = el('table', 'tessera-table');
      const head = el('tr');
      for (const h of ['kernel', 'key', 'best config', 'time', '']) {
        head.appendChild(el('th', undefined, h));
      }
      table.appendChild(head);
      for (const e of listing.entries) {
        table.appendChild(this.cacheRow(e));
      }
      body.replaceChildren(table);
    } catch (error) {
      body.replaceChildren(el('div', 'tessera-error', String((error as Error).message ?? error)));
    }
  }

  private cacheRow(e: ICacheEntry): HTMLTableRowElement {
    const row = el('tr', 'tessera-cache-entry');
    row.title = `${e.configs} configs on ${e.device ?? '?'} (${e.backend ?? '?'}), written ${e.written}`;
    row.append(
      el('td', undefined, e.kernel),
      el('td', undefined, formatConfig(e.key)),
      el('td', undefined, formatConfig(e.best_config)),
      el('td', undefined, formatMs(e.best_ms))
    );
    const del = el('button', 'jp-Button tessera-cache-delete', '×');
    del.title = `delete this entry (${e.configs} records)`;
    del.onclick = () => this.confirmDelete(e);
    const cell = el('td');
    cell.appendChild(del);
    row.appendChild(cell);
    return row;
  }

  private async confirmDelete(e: ICacheEntry): Promise<void> {
    const answer = await showDialog({
      title: 'Delete autotune cache entry',
      body: `${e.kernel}, key ${formatConfig(e.key)}: ${e.configs} timed configs. The next call re-tunes.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      await deleteCacheEntry(e.id);
    } catch (error) {
      Notification.error(`Tessera: ${(error as Error).message ?? error}`);
    }
    await this.refreshCache();
  }
}
