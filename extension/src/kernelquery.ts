/**
 * Asking the notebook's kernel what Tessera compiled there (see tessera/labext/kernelside.py).
 *
 * The panel sends a silent execute request with no code and one user expression;
 * the kernel evaluates it after the (empty) code and returns its display data.
 * The expression imports nothing in a kernel that has not imported Tessera.
 */

import { IKernelInfo } from './format';

export const REPORT_EXPRESSION =
  '__import__("tessera.labext.kernelside", fromlist=["report"]).report(globals()) ' +
  'if "tessera" in __import__("sys").modules else None';

/** The execute request's content: silent, not in the history, nothing but the expression. */
export function reportRequest(): {
  code: string;
  silent: boolean;
  store_history: boolean;
  user_expressions: { [k: string]: string };
  allow_stdin: boolean;
} {
  return { code: '', silent: true, store_history: false, user_expressions: { tessera: REPORT_EXPRESSION }, allow_stdin: false };
}

/** What the panel shows for a kernel: its Tessera kernels, or why there are none to show. */
export type KernelReport = { kernels: IKernelInfo[] } | { note: string };

/** Reads the reply's `user_expressions` (the content of an execute_reply). */
export function parseReport(userExpressions: { [k: string]: any } | undefined): KernelReport {
  const r = userExpressions?.tessera;
  if (!r) {
    return { note: 'the kernel did not answer the query' };
  }
  if (r.status !== 'ok') {
    return { note: `the kernel's answer was an error: ${r.ename ?? ''}: ${r.evalue ?? ''}` };
  }
  const json = r.data?.['application/json'];
  if (json && Array.isArray(json.kernels)) {
    return { kernels: json.kernels as IKernelInfo[] };
  }
  if (r.data?.['text/plain'] === 'None') {
    return { note: 'Tessera is not imported in this kernel' };
  }
  return { note: 'the kernel answered something else than a Tessera report' };
}

/** The code that opens the IR view of `name` (a kernel bound in the notebook) in a tab. */
export function irViewCode(name: string): string {
  return `__import__("tessera.labext.kernelside", fromlist=["ir_view_for"]).ir_view_for(${name})`;
}
