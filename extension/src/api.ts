/**
 * Requests to the Tessera server extension (tessera/labext/handlers.py) and to the notebook's kernel.
 */

import { URLExt } from '@jupyterlab/coreutils';
import { Kernel, ServerConnection } from '@jupyterlab/services';

import { ICacheListing, IDevices } from './format';
import { KernelReport, parseReport, reportRequest } from './kernelquery';

/** A request under `<base_url>/tessera/`, with Jupyter's token and XSRF header (ServerConnection adds them). */
async function requestAPI<T>(path: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'tessera', path);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const why = data?.message ?? (response.status === 404 ? 'is the tessera server extension enabled?' : text);
    throw new ServerConnection.ResponseError(response, `tessera/${path}: ${response.status} ${why}`);
  }
  return data as T;
}

export function fetchDevices(): Promise<IDevices> {
  return requestAPI<IDevices>('devices');
}

export function fetchCache(): Promise<ICacheListing> {
  return requestAPI<ICacheListing>('autotune');
}

export function deleteCacheEntry(id: string): Promise<{ deleted: string; files: number }> {
  return requestAPI(`autotune/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** The Tessera kernels compiled in `kernel` (a silent query; see kernelquery.ts). */
export async function fetchKernelReport(kernel: Kernel.IKernelConnection): Promise<KernelReport> {
  const reply = await kernel.requestExecute(reportRequest(), true).done;
  const content = reply.content as any;
  if (content.status !== 'ok') {
    return { note: `the kernel could not answer (${content.status})` };
  }
  return parseReport(content.user_expressions);
}
