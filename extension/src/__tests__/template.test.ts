import { cellMagic } from '../magic';
import { KERNEL_TEMPLATE, kernelAt } from '../template';

describe('the kernel template', () => {
  it('is a %%tessera cell defining vector_add', () => {
    expect(cellMagic(KERNEL_TEMPLATE)).toBe('tessera');
    expect(kernelAt(KERNEL_TEMPLATE, 0)).toBe('vector_add');
  });
});

describe('kernelAt', () => {
  const cell = ['%%tessera', 'import tessera as ts', 'def first(x: ts.Tensor["N", ts.f32]):', '    pass', '',
                '@ts.kernel', 'def second(x: ts.Tensor["N", ts.f32]):', '    def helper(): pass',
                'third = ts.kernel(some_fn)'].join('\n');

  it('picks the last kernel at or above the cursor', () => {
    expect(kernelAt(cell, 3)).toBe('first');
    expect(kernelAt(cell, 6)).toBe('second');
    expect(kernelAt(cell, 7)).toBe('second');   // nested defs are not kernels
    expect(kernelAt(cell, 8)).toBe('third');
  });

  it('picks the first kernel when the cursor is above all of them', () => {
    expect(kernelAt(cell, 0)).toBe('first');
  });

  it('finds none in a cell without one', () => {
    expect(kernelAt('%%tessera\nimport numpy as np\n', 1)).toBeNull();
  });
});
