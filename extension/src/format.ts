/**
 * Text for the side panel: what the server and the kernel report, as a person reads it.
 */

/** Bytes as GiB or MiB with one decimal ("79.6 GiB"); "-" where unknown. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !isFinite(n)) {
    return '-';
  }
  const gib = n / 2 ** 30;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/** Milliseconds with three significant digits ("0.0123 ms", "12.3 ms"); "-" where unknown. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !isFinite(ms)) {
    return '-';
  }
  if (ms >= 100) {
    return `${ms.toFixed(0)} ms`;
  }
  return `${Number(ms.toPrecision(3))} ms`;
}

/** A config or key as `A=1, B=2` (insertion order, as the server wrote it); "-" for none. */
export function formatConfig(config: { [k: string]: unknown } | null | undefined): string {
  if (!config || Object.keys(config).length === 0) {
    return '-';
  }
  return Object.entries(config)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** A compiled kernel's line in the panel: what it is and what it compiled. */
export function describeKernel(k: IKernelInfo): string {
  const name = k.name === k.kernel ? k.name : `${k.name} (${k.kernel})`;
  const where = k.backends.length ? ` on ${k.backends.join(', ')}` : '';
  const compiled =
    k.compiled === 0
      ? 'not compiled yet'
      : `${k.compiled} specialization${k.compiled === 1 ? '' : 's'}${where}, ${k.compile_s.toFixed(2)} s`;
  const tuned = k.kind === 'autotuned' ? `; ${k.configs} configs, best ${formatConfig(k.best_config)}` : '';
  return `${name} [${k.kind}]: ${compiled}${tuned}`;
}

/** A kernel as kernelside.report() in the Python package describes it. */
export interface IKernelInfo {
  name: string;
  kernel: string;
  kind: 'kernel' | 'autotuned' | 'cuda C';
  compiled: number;
  backends: string[];
  compile_s: number;
  configs?: number;
  best_config?: { [k: string]: unknown } | null;
}

/** A GPU as the server's GET tessera/devices lists it. */
export interface IDevice {
  index: number;
  name: string;
  compute_capability: string;
  memory_total_bytes: number;
  memory_used_bytes: number;
  driver: string;
}

export interface IDevices {
  devices: IDevice[];
  backend: string;
  message: string | null;
  nvml_error: string | null;
}

/** An autotune cache entry as the server's GET tessera/autotune lists it. */
export interface ICacheEntry {
  id: string;
  kernel: string;
  key: { [k: string]: unknown } | null;
  configs: number;
  best_config: { [k: string]: unknown } | null;
  best_ms: number | null;
  written: string;
  backend: string | null;
  device: string | null;
}

export interface ICacheListing {
  directory: string;
  entries: ICacheEntry[];
}
