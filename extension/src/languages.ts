/**
 * The editor languages of `%%cuda` and `%%tessera` cells, registered with JupyterLab's
 * language registry so that any editor given their MIME types highlights them.
 *
 * Both build on the languages JupyterLab already ships: CUDA is its C++ (CodeMirror's
 * lang-cpp), Tessera its Python plus a decoration that marks the kernel intrinsics.
 */

import { LanguageSupport } from '@codemirror/language';
import { Decoration, EditorView, MatchDecorator, ViewPlugin, ViewUpdate } from '@codemirror/view';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';

import { intrinsicPattern } from './intrinsics';
import { CUDA_MIME, TESSERA_MIME } from './magic';

/** The CSS class on each `ts.<intrinsic>` in a `%%tessera` cell (style/base.css colours it). */
export const INTRINSIC_CLASS = 'tessera-intrinsic';

const intrinsicMarks = ViewPlugin.fromClass(
  class {
    decorations;
    private matcher = new MatchDecorator({
      regexp: intrinsicPattern(),
      decoration: m => Decoration.mark({ class: INTRINSIC_CLASS, attributes: { 'data-tessera-intrinsic': m[0] } })
    });

    constructor(view: EditorView) {
      this.decorations = this.matcher.createDeco(view);
    }

    update(update: ViewUpdate): void {
      this.decorations = this.matcher.updateDeco(update, this.decorations);
    }
  },
  { decorations: v => v.decorations }
);

async function support(languages: IEditorLanguageRegistry, mime: string): Promise<LanguageSupport> {
  const lang = await languages.getLanguage(mime);
  if (!lang?.support) {
    throw new Error(`Tessera: JupyterLab has no editor language for ${mime}`);
  }
  return lang.support;
}

/** Adds the CUDA and Tessera languages to `languages`. */
export function registerLanguages(languages: IEditorLanguageRegistry): void {
  languages.addLanguage({
    name: 'CUDA',
    displayName: 'CUDA C++',
    mime: CUDA_MIME,
    extensions: ['cu', 'cuh'],
    load: () => support(languages, 'text/x-c++src')
  });
  languages.addLanguage({
    name: 'Tessera',
    displayName: 'Tessera (Python)',
    mime: TESSERA_MIME,
    load: async () => {
      const python = await support(languages, 'text/x-python');
      return new LanguageSupport(python.language, [python.support, intrinsicMarks]);
    }
  });
}
