/**
 * Tessera's kernel-language intrinsics, as they appear in a `%%tessera` cell.
 *
 * The list mirrors tessera/lang (intrinsics.py, shared.py, autotune): the names a
 * kernel body calls through `ts.` (or `tessera.`). Keep it in step with
 * `tessera.lang.intrinsics`; a unit test on the Python side is not needed because
 * an unknown name is only left unmarked.
 */

export const INTRINSICS: readonly string[] = [
  'program_id', 'num_programs', 'thread_id', 'block_size', 'barrier', 'cdiv',
  'copy_async', 'wait_group', 'range', 'shared.alloc', 'autotune.get_param',
  'atomic_add', 'atomic_max', 'atomic_min', 'atomic_cas', 'where', 'fma',
  'exp', 'exp2', 'log', 'log2', 'log10', 'sqrt', 'rsqrt', 'abs', 'tanh', 'sin', 'cos', 'tan',
  'floor', 'ceil', 'erf', 'sigmoid', 'trunc', 'round', 'isnan', 'isinf', 'asin', 'acos', 'atan',
  'sinh', 'cosh', 'log1p', 'expm1', 'min', 'max', 'pow', 'atan2', 'fmod'
];

function escape(name: string): string {
  return name.replace(/\./g, '\\.');
}

/**
 * A global regular expression matching `ts.<intrinsic>` or `tessera.<intrinsic>` as a whole name;
 * longer names first, so that `exp2` is not matched as `exp`.
 */
export function intrinsicPattern(): RegExp {
  const names = [...INTRINSICS].sort((a, b) => b.length - a.length).map(escape);
  return new RegExp(`\\b(?:ts|tessera)\\.(?:${names.join('|')})\\b`, 'g');
}

/** Where the intrinsics are in `text`: [from, to) offsets and the name after the module. */
export function findIntrinsics(text: string): { from: number; to: number; name: string }[] {
  const out: { from: number; to: number; name: string }[] = [];
  const re = intrinsicPattern();
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out.push({ from: m.index, to: m.index + m[0].length, name: m[0].slice(m[0].indexOf('.') + 1) });
  }
  return out;
}
