import { describeKernel, formatBytes, formatConfig, formatMs, IKernelInfo } from '../format';

describe('formatting', () => {
  it('shows memory in GiB or MiB', () => {
    expect(formatBytes(80 * 2 ** 30)).toBe('80.0 GiB');
    expect(formatBytes(512 * 2 ** 20)).toBe('512.0 MiB');
    expect(formatBytes(null)).toBe('-');
  });

  it('shows times with three significant digits', () => {
    expect(formatMs(0.012345)).toBe('0.0123 ms');
    expect(formatMs(12.345)).toBe('12.3 ms');
    expect(formatMs(1234.5)).toBe('1235 ms');
    expect(formatMs(undefined)).toBe('-');
    expect(formatMs(Infinity)).toBe('-');
  });

  it('shows configs and keys as name=value', () => {
    expect(formatConfig({ TILE_M: 64, num_warps: 4 })).toBe('TILE_M=64, num_warps=4');
    expect(formatConfig({ mode: 'fast' })).toBe('mode=fast');
    expect(formatConfig({})).toBe('-');
    expect(formatConfig(null)).toBe('-');
  });
});

describe('describeKernel', () => {
  const base: IKernelInfo = { name: 'add', kernel: 'add', kind: 'kernel', compiled: 0, backends: [], compile_s: 0 };

  it('says when nothing is compiled yet', () => {
    expect(describeKernel(base)).toBe('add [kernel]: not compiled yet');
  });

  it('lists specializations, backends and compile time', () => {
    expect(describeKernel({ ...base, compiled: 2, backends: ['cpu', 'sim'], compile_s: 1.234 })).toBe(
      'add [kernel]: 2 specializations on cpu, sim, 1.23 s'
    );
  });

  it('shows the binding when it differs from the kernel name, and the best config of a tuned kernel', () => {
    const tuned: IKernelInfo = {
      ...base, name: 'mm', kernel: 'matmul', kind: 'autotuned', compiled: 1, backends: ['cpu'], compile_s: 0.5,
      configs: 8, best_config: { TILE: 32 }
    };
    expect(describeKernel(tuned)).toBe('mm (matmul) [autotuned]: 1 specialization on cpu, 0.50 s; 8 configs, best TILE=32');
  });
});
