/**
 * Cell sources the commands insert or read.
 */

/** A `%%tessera` cell with one kernel and its launch: what "Insert a Tessera kernel" inserts. */
export const KERNEL_TEMPLATE = `%%tessera
import numpy as np
import tessera as ts

@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]
`;

const DEF = /^def\s+([A-Za-z_]\w*)\s*\(/;
const ASSIGN = /^([A-Za-z_]\w*)\s*=\s*(?:ts|tessera)\.kernel\b/;

/**
 * The kernel of a `%%tessera` cell that the cursor is in: the last top-level `def` (or
 * `name = ts.kernel(...)`) at or above `line` (0-based), else the first one in the cell; null if none.
 */
export function kernelAt(source: string, line: number): string | null {
  const names: { line: number; name: string }[] = [];
  source.split('\n').forEach((text, i) => {
    const m = DEF.exec(text) ?? ASSIGN.exec(text);
    if (m) {
      names.push({ line: i, name: m[1] });
    }
  });
  if (names.length === 0) {
    return null;
  }
  const above = names.filter(n => n.line <= line);
  return (above.length ? above[above.length - 1] : names[0]).name;
}
