import { findIntrinsics, INTRINSICS, intrinsicPattern } from '../intrinsics';

describe('findIntrinsics', () => {
  it('marks ts.<intrinsic> and tessera.<intrinsic> with their offsets', () => {
    const text = 'i = ts.program_id(0) * ts.block_size(0) + tessera.thread_id(0)\nts.barrier()';
    const found = findIntrinsics(text);
    expect(found.map(f => f.name)).toEqual(['program_id', 'block_size', 'thread_id', 'barrier']);
    for (const f of found) {
      expect(text.slice(f.from, f.to)).toMatch(/^(ts|tessera)\./);
    }
  });

  it('marks dotted intrinsics whole and prefers the longer name', () => {
    const text = 'a = ts.shared.alloc[ts.f32](16); T = ts.autotune.get_param("T"); y = ts.exp2(x)';
    expect(findIntrinsics(text).map(f => f.name)).toEqual(['shared.alloc', 'autotune.get_param', 'exp2']);
  });

  it('leaves other attributes and look-alikes alone', () => {
    expect(findIntrinsics('ts.f32 ts.Tensor np.exp(x) ts.program_ids ts2.barrier() my_ts.barrier')).toEqual([]);
  });

  it('builds a global pattern covering every intrinsic', () => {
    const re = intrinsicPattern();
    expect(re.global).toBe(true);
    for (const name of INTRINSICS) {
      expect(`ts.${name}`.match(re)).toEqual([`ts.${name}`]);
    }
  });
});
