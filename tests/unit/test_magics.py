"""The %%tessera and %%cuda magics in a real IPython shell, without running a kernel: binding, compiling,
the summary, help, the compile cache, and errors pinned to the cell's lines. CUDA C cells compile to
PTX and SASS with no GPU."""

import re

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import tessera as ts
from tessera.errors import BackendError, TesseraError, UnsupportedSyntaxError
from tessera.notebook.cuda_cell import CudaCompileError, CudaKernel, compile_cuda, parse_signatures
from tessera.runtime.memory import gpu_available

VADD = '''import tessera as ts

def vadd(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < a.shape[0]:
        c[i] = a[i] + b[i]
'''

CUDA_ADD = '''extern "C" __global__ void add(const float* a, const float* b, float* c, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}
'''


@pytest.fixture(scope="module")
def shell():
    sh = InteractiveShell.instance()
    sh.run_line_magic("load_ext", "tessera")
    return sh


def magic(shell, name, line, cell):
    """Run a cell magic; (its value, the text of everything it displayed)."""
    with capture_output() as out:
        value = shell.run_cell_magic(name, line, cell)
    return value, "\n".join(o.data["text/plain"] for o in out.outputs) + out.stdout


def run_cell(shell, text):
    """Run a whole cell as a notebook would; (result, what it printed)."""
    with capture_output() as out:
        result = shell.run_cell(text, store_history=True)
    return result, out.stdout + out.stderr


def magics_of(shell):
    return shell.magics_manager.registry["TesseraMagics"]


def assert_points_at(text, line_no, line_text, at=None):
    """The message names the cell and line, shows the line with a caret (under `at`), and says what to write."""
    assert f"notebook cell:{line_no}:" in text, text
    shown = text.splitlines()
    src = f"    {line_no} | {line_text}"
    idx = [i for i, l in enumerate(shown) if l == src]
    assert idx, f"line {line_no} is not shown:\n{text}"
    caret = shown[idx[0] + 1]
    assert re.fullmatch(r" +\| *\^", caret), text
    if at is not None:
        assert caret.index("^") - len(f"    {line_no} | ") == line_text.index(at), text
    assert "Write instead: " in text, text


# --------------------------------------------------------------------------- registering, help


def test_load_ext_registers_both_cell_magics(shell):
    assert shell.find_cell_magic("tessera") is not None
    assert shell.find_cell_magic("cuda") is not None


def test_help_lists_every_flag(shell):
    result, text = run_cell(shell, "%%tessera?")
    for flag in ("--backend", "--ir", "--autotune", "--profile", "--target", "cpu,sim,cuda"):
        assert flag in text, flag
    assert "%%tessera [--backend" in text
    result, text = run_cell(shell, "%%cuda?")
    assert "%%cuda [--name NAME] [--arch sm_XX]" in text and "NVRTC" in text


def test_unknown_flag_values_are_usage_errors(shell):
    with pytest.raises(UsageError, match="invalid choice: 'gpu'"):
        shell.run_cell_magic("tessera", "--backend gpu", VADD)
    with pytest.raises(UsageError, match="invalid choice: 'asm'"):
        shell.run_cell_magic("tessera", "--ir asm", VADD)


# --------------------------------------------------------------------------- %%tessera


def test_plain_def_becomes_a_kernel_compiled_and_summarized(shell):
    value, text = magic(shell, "tessera", "--backend sim --target sm_90", VADD)
    k = shell.user_ns["vadd"]
    assert isinstance(k, ts.Kernel) and k.backend == "sim"
    assert value is None
    assert [s[0] for s in k.specializations] == ["sim"]  # compiled when the cell ran, not at first call
    assert "%%tessera: 1 kernel (registers on sm_90)" in text
    row = next(l for l in text.splitlines() if l.startswith("vadd "))
    assert "vadd(a: f32[N], b: f32[N], c: f32[N])" in row and " sim " in row
    assert re.search(r" \d+\.\d\d s +\d+$", row), row   # compile time, then registers


def test_explicit_decorators_and_helpers_are_kept(shell):
    cell = '''import tessera as ts
SCALE = 2.0

def helper(n):
    return n + 1

@ts.func
def twice(x):
    return x * SCALE

@ts.kernel(backend="cpu")
def scale(x: ts.Tensor["N", ts.f32], s: ts.f32):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = twice(x[i]) * s
'''
    value, text = magic(shell, "tessera", "--backend sim --target sm_90", cell)
    ns = shell.user_ns
    assert ns["helper"](1) == 2 and type(ns["helper"]).__name__ == "function"
    assert type(ns["twice"]).__name__ == "DeviceFunction"
    assert ns["scale"].backend == "cpu"   # the decorator's backend beats the cell's
    assert "scale(x: f32[N], s: f32)" in text and "1 kernel" in text


def test_unspecializable_kernels_compile_on_first_call(shell):
    cell = '''import tessera as ts

def fill(x: ts.Tensor["N", ts.f32], T: ts.constexpr):
    i = ts.program_id(0) * T + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = 1.0

@ts.kernel.autotune(space={"B": [32, 64]}, key=["N"])
def tuned(x: ts.Tensor["N", ts.f32]):
    B = ts.autotune.get_param("B")
    i = ts.program_id(0) * B + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = 0.0
'''
    value, text = magic(shell, "tessera", "--backend sim --target sm_90", cell)
    assert re.search(r"fill\(x: f32\[N\], T: constexpr\) +sim +compiled on first call \(constexpr T\) +-", text)
    assert re.search(r"tuned\(x: f32\[N\]\) +sim +tunes on first call: 2 configs +-", text)
    assert shell.user_ns["fill"].specializations == []


def displayed(shell, monkeypatch, name, line, cell) -> list:
    """Run a cell magic; the objects it displayed."""
    import tessera.notebook.magics as magics
    shown = []
    monkeypatch.setattr(magics, "display", shown.append)
    shell.run_cell_magic(name, line, cell)
    return shown


def test_ir_flag_shows_the_ir_view_on_that_stage(shell, monkeypatch):
    view = displayed(shell, monkeypatch, "tessera", "--backend sim --ir ptx --target sm_80", VADD)[-1]
    assert repr(view) == "<ts.IRView vadd sm_80: 1 config, stage ptx>"
    assert ".target sm_80" in view.inspection["ptx"] and ".entry" in view.inspection["ptx"]
    assert "tessera-ir-view" in view.to_html()
    view = displayed(shell, monkeypatch, "tessera", "--backend sim --ir typed", VADD)[-1]
    assert view.stage == "typed" and "i: i32 =" in view.inspection["typed"]


def test_cell_value_is_its_last_expression(shell):
    value, text = magic(shell, "tessera", "--backend sim", VADD + "vadd.name\n")
    assert value == "vadd"


def test_cuda_backend_without_a_gpu_is_a_clean_error(shell):
    if gpu_available():
        pytest.skip("a GPU is present")
    with pytest.raises(BackendError, match="the 'cuda' backend is not available here"):
        shell.run_cell_magic("tessera", "--backend cuda", VADD)


# --------------------------------------------------------------------------- errors at the cell's lines


def test_kernel_error_points_at_the_cell_line(shell):
    cell = '''import tessera as ts

def bad(x: ts.Tensor["N", ts.f32]):
    i = ts.thread_id(0)
    x[i] = [1.0, 2.0]
'''
    with pytest.raises(UnsupportedSyntaxError) as err:
        shell.run_cell_magic("tessera", "--backend sim", cell)
    # Line 1 of the cell is the %%tessera line: the list is on line 6.
    assert_points_at(str(err.value), 6, "    x[i] = [1.0, 2.0]", at="[1.0")
    assert "kernel 'bad'" in str(err.value)


def test_notebook_shows_the_message_without_a_traceback(shell):
    result, text = run_cell(shell, "%%tessera --backend sim\nimport tessera as ts\n\n"
                                   "def bad(x: ts.Tensor['N', ts.f32]):\n    x[0] = [1.0]\n")
    assert isinstance(result.error_in_exec, UnsupportedSyntaxError)
    assert text.startswith("UnsupportedSyntaxError: kernel 'bad', notebook cell:5:"), text
    assert "Traceback" not in text and "magics.py" not in text
    assert_points_at(text, 5, "    x[0] = [1.0]")


def test_syntax_error_names_the_cell_line(shell):
    with pytest.raises(SyntaxError) as err:
        shell.run_cell_magic("tessera", "", "import tessera as ts\ndef f(x):\n    return x +\n")
    assert err.value.lineno == 4 and err.value.text.strip() == "return x +"


def test_python_error_traceback_starts_in_the_cell(shell):
    result, text = run_cell(shell, "%%tessera\nx = 1\ny = x / 0\n")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    assert "----> 3 y = x / 0" in re.sub(r"\x1b\[[0-9;]*m", "", text)


# --------------------------------------------------------------------------- the compile cache


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


def test_unchanged_cell_reuses_the_compiled_kernel(shell, lower_calls):
    cell = VADD.replace("vadd", "cached_add")
    info = magics_of(shell).cache_info
    magic(shell, "tessera", "--backend sim", cell)
    first, hits = shell.user_ns["cached_add"], info["hits"]
    assert lower_calls == ["cached_add"]
    value, text = magic(shell, "tessera", "--backend sim", cell)
    assert lower_calls == ["cached_add"]             # not lowered, not compiled again
    assert shell.user_ns["cached_add"] is first
    assert info["hits"] == hits + 1
    assert re.search(r"cached_add\(.*\) +sim +cached", text)
    magic(shell, "tessera", "--backend sim --ir typed", cell)   # only what is shown changed
    assert lower_calls == ["cached_add"] and shell.user_ns["cached_add"] is first


def test_edited_cell_recompiles(shell, lower_calls):
    cell = VADD.replace("vadd", "edited_add")
    magic(shell, "tessera", "--backend sim", cell)
    first = shell.user_ns["edited_add"]
    magic(shell, "tessera", "--backend sim", cell.replace("a[i] + b[i]", "a[i] - b[i]"))
    assert lower_calls == ["edited_add", "edited_add"]
    assert shell.user_ns["edited_add"] is not first
    magic(shell, "tessera", "--backend cpu", cell)   # other flags: another compilation
    assert shell.user_ns["edited_add"].backend == "cpu"


def test_changed_global_recompiles_an_unchanged_cell(shell, lower_calls):
    cell = '''import tessera as ts

def scaled(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    if i < x.shape[0]:
        x[i] = x[i] * FACTOR
'''
    shell.user_ns["FACTOR"] = 2.0
    magic(shell, "tessera", "--backend sim", cell)
    magic(shell, "tessera", "--backend sim", cell)
    assert lower_calls == ["scaled"]
    shell.user_ns["FACTOR"] = 3.0   # another cell changed the constant the kernel reads
    magic(shell, "tessera", "--backend sim", cell)
    assert lower_calls == ["scaled", "scaled"]


# --------------------------------------------------------------------------- %%cuda


def test_cuda_cell_compiles_without_a_gpu(shell):
    value, text = magic(shell, "cuda", "--arch sm_90", CUDA_ADD)
    k = shell.user_ns["add"]
    assert isinstance(k, CudaKernel)
    assert k.name == "add" and k.arch == "sm_90" and k.source == CUDA_ADD
    assert ".entry add(" in k.ptx and ".target sm_90" in k.ptx
    assert k.resources["registers"] > 0 and k.resources["spill_bytes"] == 0
    assert set(k.resources) >= {"registers", "shared_bytes", "local_bytes", "spill_bytes"}
    assert k.sass is None or ("FADD" in k.sass and "EXIT" in k.sass)
    assert k.signature == "add(const float* a, const float* b, float* c, int n)"
    assert k.first_line == 2 and k.line == 2
    import linecache
    assert linecache.getline(k.filename, 3).strip() == "int i = blockIdx.x * blockDim.x + threadIdx.x;"
    assert re.search(r"add +add\(const float\* a, .*\) +sm_90 +\d+ +0 +0 +0", text)


def test_cuda_cell_without_a_gpu_cannot_launch(shell):
    if gpu_available():
        pytest.skip("a GPU is present")
    import numpy as np
    magic(shell, "cuda", "", CUDA_ADD)
    k = shell.user_ns["add"]
    assert k.arch == "sm_90" and not k.can_launch   # the inspection default without a GPU
    x = np.zeros(4, np.float32)
    with pytest.raises(BackendError) as err:
        k(x, x, x, 4, grid=1, block=4)
    text = str(err.value)
    assert "compiled for inspection only (sm_90): there is no GPU here" in text
    assert "Write instead: run this notebook on a machine with an NVIDIA GPU" in text


def test_cuda_compile_error_points_at_the_cell_line(shell):
    cell = '__global__ void broken(int* x) {\n    int i = threadIdx.x;\n    x[i] = y;\n}\n'
    with pytest.raises(CudaCompileError) as err:
        shell.run_cell_magic("cuda", "", cell)
    assert_points_at(str(err.value), 4, "    x[i] = y;", at="y")
    assert str(err.value).startswith("kernel 'broken', notebook cell:4: identifier \"y\" is undefined")
    assert "declare y before this line" in str(err.value)
    assert "1 error detected" in err.value.log
    assert isinstance(err.value, TesseraError)


def test_cuda_missing_semicolon_in_a_notebook(shell):
    result, text = run_cell(shell, "%%cuda\n__global__ void k(int* x) {\n    x[0] = 1\n}\n")
    assert isinstance(result.error_in_exec, CudaCompileError)
    assert text.startswith("CudaCompileError: kernel 'k', notebook cell:4: expected a \";\"")
    assert "Traceback" not in text


def test_cuda_name_picks_or_renames(shell):
    two = CUDA_ADD + '__global__ void neg(float* x) { x[threadIdx.x] = -x[threadIdx.x]; }\n'
    shell.user_ns.pop("neg", None)
    magic(shell, "cuda", "--name neg", two)
    assert shell.user_ns["neg"].name == "neg"
    magic(shell, "cuda", "--name my_add", CUDA_ADD)
    assert shell.user_ns["my_add"].name == "add"
    with pytest.raises(TesseraError, match=r"--name zz: the cell defines 2 kernels \(add, neg\)") as err:
        shell.run_cell_magic("cuda", "--name zz", two)
    assert "    1 | %%cuda --name zz" in str(err.value)


def test_cuda_cell_with_two_kernels_binds_both(shell):
    two = CUDA_ADD + '__global__ void __launch_bounds__(128) neg(float* x) { x[threadIdx.x] *= -1.0f; }\n'
    value, text = magic(shell, "cuda", "--arch sm_80", two)
    assert shell.user_ns["add"].arch == shell.user_ns["neg"].arch == "sm_80"
    assert shell.user_ns["neg"].entry.startswith("_Z")   # C++ linkage: mangled in the PTX
    assert "%%cuda: 2 kernels for sm_80" in text


# --------------------------------------------------------------------------- compile_cuda and C signatures


def test_compile_cuda_outside_ipython():
    both = compile_cuda(CUDA_ADD + "__global__ void z(double* y) { y[0] = 0.0; }\n", arch="sm_80")
    assert [k.name for k in both] == ["add", "z"]
    assert both[0].ptx is both[1].ptx   # one compilation for the source
    assert compile_cuda(CUDA_ADD, name="add", arch=(8, 0)).arch == "sm_80"
    with pytest.raises(TesseraError, match="defines no kernel named 'sub'"):
        compile_cuda(CUDA_ADD, name="sub")
    with pytest.raises(TesseraError, match="unknown GPU architecture 'volta'"):
        compile_cuda(CUDA_ADD, arch="volta")
    with pytest.raises(TesseraError, match="defines no __global__ function"):
        compile_cuda("__device__ float f(float x) { return x; }\n")


def test_cuda_headers_and_namespaces():
    k = compile_cuda('#include <cuda_fp16.h>\nnamespace ops {\n'
                     '__global__ void half_copy(const __half* a, __half* b) { b[threadIdx.x] = a[threadIdx.x]; }\n}\n',
                     arch="sm_90")
    assert k.entry.startswith("_ZN3ops9half_copy")
    assert [str(p.dtype) for p in k.params] == ["float16", "float16"]
    assert k.resources["registers"] > 0


def test_parse_signatures():
    src = '''// __global__ void commented_out(int x) {}
template <int N> __global__ void templated(float* x) { x[0] = N; }
__global__ void decl_only(int* x);
extern "C" __global__ void __launch_bounds__(256, 2)
k(const float* __restrict__ a, float* const b, unsigned long long n, double s, float v[], void* raw, int** pp) {
}
'''
    sigs = parse_signatures(src)
    assert [(s.name, s.template) for s in sigs] == [("templated", True), ("k", False)]
    p = {q.name: q for q in sigs[1].params}
    assert p["a"].pointer and p["a"].const and p["a"].ctype == "const float* __restrict__"
    assert p["b"].pointer and not p["b"].const        # a const pointer to writable floats
    assert not p["n"].pointer and str(p["n"].dtype) == "uint64"
    assert str(p["s"].dtype) == "float64" and p["v"].pointer and p["raw"].dtype is None
    assert str(p["pp"].dtype) == "uint64"
    assert (sigs[1].line, p["a"].line, p["a"].col) == (5, 5, 28)   # where the names are
