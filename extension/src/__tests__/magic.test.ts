import { CUDA_MIME, TESSERA_MIME, cellMagic, isMagicMime, mimeForSource } from '../magic';

describe('cellMagic', () => {
  it('reads %%cuda and %%tessera on the first line, with or without options', () => {
    expect(cellMagic('%%cuda\n__global__ void k() {}')).toBe('cuda');
    expect(cellMagic('%%cuda --arch sm_90\n')).toBe('cuda');
    expect(cellMagic('%%tessera --backend cpu\ndef k(): pass')).toBe('tessera');
    expect(cellMagic('%%tessera')).toBe('tessera');
  });

  it('ignores other magics, later lines, and names that only start alike', () => {
    expect(cellMagic('%%time\nx = 1')).toBeNull();
    expect(cellMagic('x = 1\n%%cuda')).toBeNull();
    expect(cellMagic(' %%cuda\n')).toBeNull();
    expect(cellMagic('%%cudafoo\n')).toBeNull();
    expect(cellMagic('%cuda\n')).toBeNull();
    expect(cellMagic('')).toBeNull();
  });
});

describe('mimeForSource', () => {
  it('gives the magic language or the notebook fallback', () => {
    expect(mimeForSource('%%cuda\n', 'text/x-ipython')).toBe(CUDA_MIME);
    expect(mimeForSource('%%tessera\n', 'text/x-ipython')).toBe(TESSERA_MIME);
    expect(mimeForSource('import numpy', 'text/x-ipython')).toBe('text/x-ipython');
  });

  it('follows edits of the first line', () => {
    let source = '%%cuda\nint x;';
    expect(mimeForSource(source, 'py')).toBe(CUDA_MIME);
    source = source.replace('%%cuda', '%%tessera');
    expect(mimeForSource(source, 'py')).toBe(TESSERA_MIME);
    source = source.replace('%%tessera', '# plain');
    expect(mimeForSource(source, 'py')).toBe('py');
  });

  it('knows its own MIME types', () => {
    expect(isMagicMime(CUDA_MIME)).toBe(true);
    expect(isMagicMime(TESSERA_MIME)).toBe(true);
    expect(isMagicMime('text/x-ipython')).toBe(false);
  });
});
