import { irViewCode, parseReport, REPORT_EXPRESSION, reportRequest } from '../kernelquery';

describe('the kernel query', () => {
  it('is silent, stays out of the history and runs no code', () => {
    const r = reportRequest();
    expect(r.code).toBe('');
    expect(r.silent).toBe(true);
    expect(r.store_history).toBe(false);
    expect(r.user_expressions).toEqual({ tessera: REPORT_EXPRESSION });
  });

  it('imports tessera only where the kernel already has', () => {
    expect(REPORT_EXPRESSION).toMatch(/if "tessera" in __import__\("sys"\)\.modules else None$/);
  });

  it('reads the kernels from the JSON the kernel displays', () => {
    const kernels = [{ name: 'add', kernel: 'add', kind: 'kernel', compiled: 1, backends: ['cpu'], compile_s: 0.1 }];
    const reply = { tessera: { status: 'ok', data: { 'application/json': { kernels }, 'text/plain': '<...>' } } };
    expect(parseReport(reply)).toEqual({ kernels });
  });

  it('explains a kernel without Tessera, an error, and no answer', () => {
    expect(parseReport({ tessera: { status: 'ok', data: { 'text/plain': 'None' } } })).toEqual({
      note: 'Tessera is not imported in this kernel'
    });
    expect(parseReport({ tessera: { status: 'error', ename: 'NameError', evalue: 'x' } })).toEqual({
      note: "the kernel's answer was an error: NameError: x"
    });
    expect(parseReport(undefined)).toEqual({ note: 'the kernel did not answer the query' });
  });

  it('opens the IR view of a kernel by its name', () => {
    expect(irViewCode('vector_add')).toBe(
      '__import__("tessera.labext.kernelside", fromlist=["ir_view_for"]).ir_view_for(vector_add)'
    );
  });
});
