/**
 * Which language a notebook cell is written in, read from its cell magic.
 *
 * JupyterLab gives every code cell the kernel's language (Python). A cell whose
 * first line is `%%cuda` holds CUDA C++, and one starting `%%tessera` holds
 * Python with Tessera's kernel language; the highlighter gives those cells these
 * MIME types instead, which the languages registered in languages.ts serve.
 */

/** The MIME type of a `%%cuda` cell (CUDA C++, highlighted by CodeMirror's C++ language). */
export const CUDA_MIME = 'text/x-cuda';

/** The MIME type of a `%%tessera` cell (Python, with Tessera's intrinsics marked). */
export const TESSERA_MIME = 'text/x-tessera';

export type CellMagic = 'cuda' | 'tessera';

const MAGIC = /^%%(cuda|tessera)(?=\s|$)/;

/** The cell magic on the first line of `source`, if it is one that changes the language. */
export function cellMagic(source: string): CellMagic | null {
  const m = MAGIC.exec(source);
  return m ? (m[1] as CellMagic) : null;
}

/** The MIME type a cell with this source should have; `fallback` (the notebook's) for any other cell. */
export function mimeForSource(source: string, fallback: string): string {
  switch (cellMagic(source)) {
    case 'cuda':
      return CUDA_MIME;
    case 'tessera':
      return TESSERA_MIME;
    default:
      return fallback;
  }
}

/** Whether `mime` is one this extension sets (and so may replace with the notebook's when the magic goes). */
export function isMagicMime(mime: string): boolean {
  return mime === CUDA_MIME || mime === TESSERA_MIME;
}
