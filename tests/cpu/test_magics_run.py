"""%%tessera cells whose kernels run, on the cpu backend, in a real IPython shell: results, later cells,
--profile, --autotune, errors at the call, and the compile cache across runs that launch."""

import re

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from tessera.errors import ShapeError

CELL = '''import numpy as np
import tessera as ts

def saxpy(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32], a: ts.f32):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = a * x[i] + y[i]

x = np.arange(1000, dtype=np.float32)
y = np.ones(1000, np.float32)
saxpy(x, y, 2.0)
y[:3]
'''


@pytest.fixture(scope="module")
def shell():
    sh = InteractiveShell.instance()
    sh.run_line_magic("load_ext", "tessera")
    return sh


def magic(shell, line, cell):
    with capture_output() as out:
        value = shell.run_cell_magic("tessera", line, cell)
    return value, "\n".join(o.data["text/plain"] for o in out.outputs) + out.stdout


@pytest.fixture
def lower_calls(monkeypatch):
    import tessera.runtime.kernel as kernel_module
    calls = []
    real = kernel_module.lower

    def counting(ir, *args, **kwargs):
        calls.append(ir.name)
        return real(ir, *args, **kwargs)
    monkeypatch.setattr(kernel_module, "lower", counting)
    return calls


def test_cell_runs_its_kernel_and_returns_its_last_value(shell):
    value, text = magic(shell, "--backend cpu", CELL)
    np.testing.assert_array_equal(value, [1.0, 3.0, 5.0])
    np.testing.assert_array_equal(shell.user_ns["y"], 2 * np.arange(1000, dtype=np.float32) + 1)
    assert re.search(r"saxpy\(x: f32\[N\], y: f32\[N\], a: f32\) +cpu +\d+\.\d\d s", text)


def test_later_cells_call_the_kernel_on_the_cells_backend(shell):
    magic(shell, "--backend cpu", CELL)
    with capture_output():
        result = shell.run_cell("z = np.zeros(10, np.float32)\nsaxpy(np.ones(10, np.float32), z, 3.0)\n")
    assert result.error_in_exec is None
    np.testing.assert_array_equal(shell.user_ns["z"], np.full(10, 3.0, np.float32))
    assert shell.user_ns["saxpy"].specializations[0][0] == "cpu"


def test_rerun_launches_without_compiling_again(shell, lower_calls):
    cell = CELL.replace("saxpy", "saxpy_rerun")
    magic(shell, "--backend cpu", cell)
    assert lower_calls == ["saxpy_rerun"]
    value, text = magic(shell, "--backend cpu", cell)
    assert lower_calls == ["saxpy_rerun"]
    np.testing.assert_array_equal(value, [1.0, 3.0, 5.0])
    assert re.search(r"saxpy_rerun\(.*\) +cpu +cached", text)


def test_kernel_made_inside_a_function_is_summarized(shell):
    cell = '''import tessera as ts

def make_iota(step):
    @ts.kernel
    def iota(x: ts.Tensor["N", ts.i32]):
        i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
        if i < x.shape[0]:
            x[i] = i * step
    return iota
iota3 = make_iota(3)
'''
    value, text = magic(shell, "--backend cpu", cell)
    assert "%%tessera: 1 kernel " in text and "iota(x: i32[N])" in text
    out = np.zeros(5, np.int32)
    shell.user_ns["iota3"](out)
    np.testing.assert_array_equal(out, 3 * np.arange(5))


def test_profile_binds_the_profile_and_shows_the_table(shell):
    value, text = magic(shell, "--backend cpu --profile", CELL.replace("saxpy", "saxpy_prof"))
    prof = shell.user_ns["prof"]
    assert [e.name for e in prof.kernels] == ["saxpy_prof"]
    assert "<ts.ProfileView: 1 kernel launch, 1 compile>" in text
    magic(shell, "--backend cpu --profile run2", "saxpy_prof(x, y, 1.0)\nsaxpy_prof(x, y, 1.0)\n")
    assert len(shell.user_ns["run2"].kernels) == 2


def test_autotune_shows_the_sweep(shell):
    cell = '''import numpy as np
import tessera as ts

@ts.kernel.autotune(space={"B": [32, 64, 128]}, key=["N"], workers=0, progress=False,
                    bench=lambda fn, config, **kw: 1.0 / config["B"])
def double(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    B = ts.autotune.get_param("B")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        y[i] = 2.0 * x[i]

xs = np.arange(300, dtype=np.float32)
ys = np.zeros_like(xs)
double(xs, ys)
'''
    value, text = magic(shell, "--backend cpu --autotune", cell)
    np.testing.assert_array_equal(shell.user_ns["ys"], 2 * shell.user_ns["xs"])
    assert "<ts.AutotuneView double: 3 configs (3 ok), best B=128>" in text
    assert re.search(r"double\(x: f32\[N\], y: f32\[N\]\) +cpu +tunes on first call: 3 configs", text)


def test_call_error_in_the_cell_points_at_the_parameter(shell):
    cell = '''import numpy as np
import tessera as ts

def pair(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        b[i] = a[i]
pair(np.zeros(4, np.float32), np.zeros(5, np.float32))
'''
    with pytest.raises(ShapeError) as err:
        shell.run_cell_magic("tessera", "--backend cpu", cell)
    text = str(err.value)
    assert text.startswith("kernel 'pair', notebook cell:5: shape symbol N is 4 from a.shape[0] but 5 from b.shape[0]")
    line = 'def pair(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32]):'
    assert f"    5 | {line}" in text.splitlines()
    assert text.splitlines()[2].index("^") - len("    5 | ") == line.index("b:")


def test_line_magics_in_the_cell_keep_the_line_numbers(shell):
    cell = '''import numpy as np
import tessera as ts
%time warm = 1

def off(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        b[i] = a[i]
off(np.zeros(4, np.float32), np.zeros(6, np.float32))
'''
    with capture_output(), pytest.raises(ShapeError) as err:
        shell.run_cell_magic("tessera", "--backend cpu", cell)
    assert "notebook cell:6:" in str(err.value) and shell.user_ns["warm"] == 1
