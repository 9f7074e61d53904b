"""Pruning on what ptxas really reports, for a target GPU, on a machine without one.

Two generated kernels hold many values live at once (a chain computed forwards and consumed
backwards): one needs about 90 registers per thread, which a 1024-thread block cannot have
(1024 x 90 > 65536 registers per SM: pruned for registers, or for spills where the PTX carries the
block as its launch bound and ptxas spills to fit), the other more than ptxas's 255, so it spills. Nothing is
faked: numba-cuda writes PTX for sm_80, the PyPI wheel's ptxas assembles it, and the sweep reads
its report (in worker processes for the second kernel)."""

import importlib.util
import re

import numpy as np
import pytest

import tessera as ts
from tessera.inspect import occupancy
from tessera.tune import workers
from tessera.tune.resources import resources_available

pytestmark = pytest.mark.skipif(not resources_available(), reason="needs numba-cuda's NVVM and ptxas")


def chain(name: str, n: int, dtype: str) -> str:
    lines = [f'def {name}(x: ts.Tensor["N", ts.{dtype}], y: ts.Tensor["N", ts.{dtype}]):',
             '    B = ts.autotune.get_param("BLOCK")',
             "    i = ts.program_id(0) * B + ts.thread_id(0)",
             "    if i < x.shape[0]:",
             "        v0 = x[i]"]
    lines += [f"        v{k} = v{k - 1} * 0.5 + x[(i + {k}) % x.shape[0]]" for k in range(1, n)]
    lines += [f"        acc = v{n - 1}"] + [f"        acc = acc * 0.5 + v{k}" for k in range(n - 2, -1, -1)]
    lines += ["        y[i] = acc"]
    return "\n".join(lines) + "\n\n\n"


def chain_reference(x, n):
    idx = np.arange(len(x))
    v = [x]
    for k in range(1, n):
        v.append(v[-1] * 0.5 + x[(idx + k) % len(x)])
    acc = v[-1]
    for k in range(n - 2, -1, -1):
        acc = acc * 0.5 + v[k]
    return acc


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    path = tmp_path_factory.mktemp("pressure") / "pressure_kernels.py"
    path.write_text("import tessera as ts\n\n\n" + chain("pressure80", 80, "f32") + chain("pressure_f64", 140, "f64"))
    spec = importlib.util.spec_from_file_location("pressure_kernels", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_CACHE_DIR", str(tmp_path))
    with ts.use_backend("sim"):
        yield


def test_a_block_whose_registers_overflow_the_register_file_is_pruned(kernels):
    k = ts.kernel.autotune(space={"BLOCK": [32, 1024]}, key=["N"], target="sm_80", resources=True, workers=0,
                           progress=False, bench=lambda fn, config, **kw: 1.0,
                           reference=lambda x, y: chain_reference(x, 80))(kernels.pressure80)
    x = (np.arange(64, dtype=np.float32) % 7) / 7
    y = np.zeros_like(x)
    k(x, y)
    np.testing.assert_allclose(y, chain_reference(x, 80), rtol=1e-5)
    df = k.autotune_results.set_index("BLOCK")
    regs = int(df.loc[32, "registers"])
    assert 64 < regs <= 255 and df.loc[32, "spill_bytes"] == 0
    big = df.loc[1024]
    assert big.status == "pruned", big.reason
    if big.reason.startswith("registers:"):
        # PTX without launch bounds: ptxas allocates what the code needs, the block cannot launch
        m = re.fullmatch(r"registers: (\d+) registers x 1024 threads = (\d+) > 65536 in the register file",
                         big.reason)
        assert m and int(m.group(1)) == regs and int(m.group(2)) == regs * 1024, big.reason
    else:
        # PTX with the block as its launch bound (.maxntid 1024): ptxas fits the register file by spilling
        assert big.reason == f"spills: {big.spill_bytes} B spilled to local memory", big.reason
        assert big.spill_bytes > 0 and big.registers * 1024 <= 65536
    # the runnable config's occupancy is the calculator's for the registers ptxas reported
    assert df.loc[32, "status"] == "ok" and df.loc[32, "threads"] == 32
    assert df.loc[32, "occupancy"] == occupancy("sm_80", threads=32, registers=regs).fraction


def test_configs_that_spill_are_pruned_with_ptxas_run_in_worker_processes(kernels, monkeypatch):
    jobs = []
    real_map = workers.WorkerPool.map

    def spy(self, batch):
        jobs.extend(batch)
        return real_map(self, batch)
    monkeypatch.setattr(workers.WorkerPool, "map", spy)
    k = ts.kernel.autotune(space={"BLOCK": [32, 64]}, key=["N"], target="sm_80", resources=True, workers=2,
                           progress=False, bench=lambda fn, config, **kw: 1.0)(kernels.pressure_f64)
    x = np.zeros(64, np.float64)
    with pytest.raises(ts.TesseraError, match=r"no config of pressure_f64 can run for N=64: 2 pruned \(spills\)"):
        k(x, np.zeros_like(x))
    assert [j["target"] for j in jobs] == ["sm_80", "sm_80"]   # both compiled in the pool
    for r in k.results:
        assert r.status == "pruned" and r.registers == 255 and r.spill_bytes > 0
        assert r.reason == f"spills: {r.spill_bytes} B spilled to local memory"
