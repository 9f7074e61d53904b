"""The front end: every supported Python construct becomes the IR it means (no kernels run)."""

import math

import pytest

import tessera
import tessera as ts
from tessera import program_id, thread_id
from tessera.frontend import ir
from tessera.frontend.parse import parse_kernel
from tessera.frontend.printer import format_kernel

SCALE = 3          # global constants are folded into the kernel
HALF = 0.5


def text(fn) -> list:
    """The kernel's IR as printed, without the line column, one statement per item."""
    return format_kernel(parse_kernel(fn), lines=False).splitlines()


def body_text(fn) -> list:
    return [line[4:] for line in text(fn)[1:]]


# --------------------------------------------------------------------------- parameters

def params_kernel(x: ts.Tensor["M", 4, ts.f32], n: ts.i32, s: ts.f64, T: ts.constexpr):
    pass


def test_parameters_tensor_scalar_constexpr():
    k = parse_kernel(params_kernel)
    x, n, s, T = k.params
    assert (x.kind, x.dtype, x.dims, x.rank) == ("tensor", ts.f32, ("M", 4), 2)
    assert (n.kind, n.dtype) == ("scalar", ts.i32)
    assert (s.kind, s.dtype) == ("scalar", ts.f64)
    assert (T.kind, T.dtype) == ("constexpr", None)
    assert k.symbols() == {"M": ("x", 0)}
    assert k.body == ()
    assert text(params_kernel)[0] == "kernel params_kernel(x: Tensor[M, 4, f32], n: i32, s: f64, T: constexpr):"


def string_annotations(x: "ts.Tensor['N', ts.f32]", n: "ts.i32"):
    x[0] = n


def test_string_annotations_are_evaluated():
    k = parse_kernel(string_annotations)
    assert k.params[0].dims == ("N",) and k.params[1].dtype == ts.i32


@pytest.mark.parametrize("dtype", [ts.f16, ts.bf16, ts.f32, ts.f64, ts.i8, ts.i16, ts.i32, ts.i64,
                                   ts.u8, ts.u32, ts.bool])
def test_every_dtype_annotates_tensors(dtype):
    def k(x: ts.Tensor["N", dtype]):
        pass
    assert parse_kernel(k).params[0].dtype is dtype


# --------------------------------------------------------------------------- statements

def assignments(x: ts.Tensor["N", ts.f32], n: ts.i32):
    """A docstring is dropped."""
    a = 1
    b = a + n
    b += 2
    x[0] = 1.5
    x[a] += x[b]
    acc: ts.f32 = 0
    "a string statement is a comment"
    pass


def test_assignment_augmented_annotated():
    assert body_text(assignments) == [
        "a = 1",
        "b = a + n",
        "b = b + 2",
        "x[0] = 1.5",
        "x[a] = x[a] + x[b]",
        "acc = f32(0)",
    ]
    k = parse_kernel(assignments)
    assert isinstance(k.body[2], ir.Assign) and isinstance(k.body[2].value, ir.BinOp)
    assert isinstance(k.body[4], ir.Store) and isinstance(k.body[4].value.left, ir.Load)
    assert isinstance(k.body[5].value, ir.Cast) and k.body[5].value.to is ts.f32


def operators(x: ts.Tensor["N", ts.i32], y: ts.Tensor["N", ts.f32]):
    a = x[0]
    y[0] = a + 1 - 2 * 3 / 4
    x[1] = a // 2 % 3
    y[1] = a ** 2
    x[2] = (a << 1) >> 2 & 7 | 8 ^ 9
    x[3] = -a
    x[4] = +a
    x[5] = ~a
    x[6] = (a - 1) * (a + 1)


def test_arithmetic_and_bitwise_operators():
    assert body_text(operators) == [
        "a = x[0]",
        "y[0] = a + 1 - 2 * 3 / 4",
        "x[1] = a // 2 % 3",
        "y[1] = a ** 2",
        "x[2] = a << 1 >> 2 & 7 | 8 ^ 9",
        "x[3] = -a",
        "x[4] = +a",
        "x[5] = ~a",
        "x[6] = (a - 1) * (a + 1)",
    ]
    ops = [n.op for n in ir.walk(parse_kernel(operators).body) if isinstance(n, ir.BinOp)]
    assert set(ops) == {"+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^"}


def comparisons(x: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.bool]):
    v = x[0]
    b[0] = v < 1.0
    b[1] = v <= 1.0 and v > 0.0
    b[2] = v >= 1.0 or v == 2.0 or v != 3.0
    b[3] = not v < 1.0
    b[4] = 0.0 < v < 1.0


def test_comparisons_and_boolean_ops():
    assert body_text(comparisons) == [
        "v = x[0]",
        "b[0] = v < 1.0",
        "b[1] = v <= 1.0 and v > 0.0",
        "b[2] = v >= 1.0 or v == 2.0 or v != 3.0",
        "b[3] = not v < 1.0",
        "b[4] = 0.0 < v and v < 1.0",   # a chained comparison is an `and` of comparisons
    ]
    k = parse_kernel(comparisons)
    chained = k.body[-1].value
    assert isinstance(chained, ir.BoolOp) and chained.op == "and"
    assert all(isinstance(c, ir.Compare) for c in chained.values)


def control_flow(x: ts.Tensor["N", ts.f32], n: ts.i32):
    if n < 0:
        x[0] = 1.0
    elif n == 0:
        x[0] = 2.0
    else:
        x[0] = 3.0
    y = 1.0 if n > 2 else 2.0
    i = 0
    while i < n:
        i += 1
        if i == 3:
            continue
        if i > 5:
            break
    return


def test_if_elif_else_ifexp_while_break_continue_return():
    assert body_text(control_flow) == [
        "if n < 0:",
        "    x[0] = 1.0",
        "else:",
        "    if n == 0:",
        "        x[0] = 2.0",
        "    else:",
        "        x[0] = 3.0",
        "y = 1.0 if n > 2 else 2.0",
        "i = 0",
        "while i < n:",
        "    i = i + 1",
        "    if i == 3:",
        "        continue",
        "    if i > 5:",
        "        break",
        "return",
    ]
    k = parse_kernel(control_flow)
    assert isinstance(k.body[0], ir.If) and isinstance(k.body[0].orelse[0], ir.If)
    assert isinstance(k.body[1].value, ir.Select)
    assert isinstance(k.body[3], ir.While)
    assert isinstance(k.body[4], ir.Return) and k.body[4].value is None


def loops(x: ts.Tensor["N", ts.f32], n: ts.i32):
    for i in range(n):
        x[i] = 0.0
    for i in range(1, n):
        x[i] = 1.0
    for i in range(n, 0, -1):
        x[i] = 2.0
    for k in ts.range(0, N, 4):
        x[k] = 3.0
    for k in tessera.range(8):
        x[k] = 4.0


def test_for_over_range_and_ts_range():
    assert body_text(loops) == [
        "for i in range(0, n, 1):",
        "    x[i] = 0.0",
        "for i in range(1, n, 1):",
        "    x[i] = 1.0",
        "for i in range(n, 0, -1):",
        "    x[i] = 2.0",
        "for k in unrolled range(0, N, 4):",
        "    x[k] = 3.0",
        "for k in unrolled range(0, 8, 1):",
        "    x[k] = 4.0",
    ]
    fors = [s for s in parse_kernel(loops).body if isinstance(s, ir.For)]
    assert [f.unroll for f in fors] == [False, False, False, True, True]


# --------------------------------------------------------------------------- expressions

def indexing(A: ts.Tensor["M", "K", ts.f32], out: ts.Tensor["M", ts.f32]):
    i = ts.program_id(0)
    out[i] = A[i, K - 1] + A.shape[0] + A.shape[-1] + M


def test_multidimensional_indexing_shapes_and_symbols():
    assert body_text(indexing) == [
        "i = program_id(0)",
        "out[i] = A[i, K - 1] + A.shape[0] + A.shape[1] + M",
    ]
    kinds = {type(n).__name__ for n in ir.walk(parse_kernel(indexing).body)}
    assert {"Load", "Shape", "Symbol", "Intrinsic"} <= kinds
    shapes = [n for n in ir.walk(parse_kernel(indexing).body) if isinstance(n, ir.Shape)]
    assert [(s.tensor, s.axis) for s in shapes] == [("A", 0), ("A", 1)]   # shape[-1] is normalised


def intrinsics(x: ts.Tensor["N", ts.f32], h: ts.Tensor["N", ts.i32], n: ts.i32):
    a = ts.program_id(0) + ts.num_programs(1) + ts.thread_id(2) + ts.block_size(0)
    b = program_id(1) + thread_id(0) + tessera.cdiv(n, 4)
    x[0] = ts.exp(x[1]) + ts.sqrt(x[2]) + ts.fma(x[0], x[1], x[2]) + ts.where(n > 0, 1.0, 2.0)
    x[1] = ts.min(x[0], x[1], x[2]) + max(x[0], 1.0) + abs(x[3])
    x[2] = math.exp(x[0]) + math.sqrt(x[1]) + math.fabs(x[2])
    old = ts.atomic_add(h[0], 1)
    ts.atomic_max(h, n, 7)


def test_intrinsics_math_and_atomics():
    assert body_text(intrinsics) == [
        "a = program_id(0) + num_programs(1) + thread_id(2) + block_size(0)",
        "b = program_id(1) + thread_id(0) + cdiv(n, 4)",
        "x[0] = exp(x[1]) + sqrt(x[2]) + fma(x[0], x[1], x[2]) + where(n > 0, 1.0, 2.0)",
        "x[1] = min(min(x[0], x[1]), x[2]) + max(x[0], 1.0) + abs(x[3])",   # min of three folds left
        "x[2] = exp(x[0]) + sqrt(x[1]) + abs(x[2])",                        # math.* are the intrinsics
        "old = atomic_add(h[0], 1)",
        "atomic_max(h[n], 7)",
    ]
    atomics = [n for n in ir.walk(parse_kernel(intrinsics).body)
               if isinstance(n, ir.Intrinsic) and n.name.startswith("atomic_")]
    assert [a.args[0].tensor for a in atomics] == ["h", "h"]
    assert atomics[1].args[1].name == "index"


def casts(x: ts.Tensor["N", ts.f32], h: ts.Tensor["N", ts.i32]):
    h[0] = ts.i32(x[0])
    x[0] = ts.f32(h[0]) + float(h[1])
    h[1] = int(x[1])
    x[1] = ts.f64(x[2])


def test_casts():
    assert body_text(casts) == [
        "h[0] = i32(x[0])",
        "x[0] = f32(h[0]) + f32(h[1])",
        "h[1] = i32(x[1])",
        "x[1] = f64(x[2])",
    ]


def constants(x: ts.Tensor["N", ts.f32], T: ts.constexpr):
    TM = ts.autotune.get_param("TILE_M")
    x[0] = SCALE * HALF + T + TM + math.pi


def test_global_constants_constexpr_and_autotune_params():
    assert body_text(constants) == [
        "TM = $TILE_M",
        f"x[0] = 3 * 0.5 + $T + TM + {math.pi!r}",
    ]
    k = parse_kernel(constants)
    assert k.const_params == ("TILE_M",)
    assert any(isinstance(n, ir.ConstParam) and n.name == "T" for n in ir.walk(k.body))


def make_closure_kernel():
    width = 7

    def closure_kernel(x: ts.Tensor["N", ts.i32]):
        x[0] = width
    return closure_kernel


def test_closure_constants_are_folded():
    assert body_text(make_closure_kernel()) == ["x[0] = 7"]


def shared_memory(A: ts.Tensor["M", "K", ts.f32], T: ts.constexpr):
    As = ts.shared.alloc[ts.f32](T, 8, swizzle="xor")
    Bs = tessera.shared.alloc[ts.f16](16)
    r = ts.program_id(0) * T
    ts.copy_async(A[r:r + T, 0:8], As)
    ts.wait_group(0)
    ts.barrier()
    Bs[ts.thread_id(0)] = ts.f16(As[0, As.shape[1] - 1])


def test_shared_alloc_copy_async_wait_group_barrier():
    assert body_text(shared_memory) == [
        "As = shared.alloc[f32]($T, 8, swizzle='xor')",
        "Bs = shared.alloc[f16](16)",
        "r = program_id(0) * $T",
        "copy_async(A[r:r + $T, 0:8], As)",
        "wait_group(0)",
        "barrier()",
        "Bs[thread_id(0)] = f16(As[0, As.shape[1] - 1])",
    ]
    k = parse_kernel(shared_memory)
    assert [name for name, _ in k.shared] == ["As", "Bs"]
    assert dict(k.shared)["As"].swizzle == "xor" and dict(k.shared)["Bs"].swizzle is None
    types = [type(s).__name__ for s in k.body]
    assert types == ["SharedAlloc", "SharedAlloc", "Assign", "CopyAsync", "WaitGroup", "Barrier", "Store"]


@ts.func
def square(v):
    return v * v


@ts.func
def sum_of_squares(a, b: ts.f32):
    return square(a) + square(b)


def calls_funcs(x: ts.Tensor["N", ts.f32]):
    x[0] = sum_of_squares(x[1], x[2])


def test_calls_of_device_functions():
    k = parse_kernel(calls_funcs)
    assert body_text(calls_funcs) == ["x[0] = sum_of_squares(x[1], x[2])"]
    assert [name for name, _ in k.funcs] == ["sum_of_squares"]
    f = sum_of_squares.ir
    assert f.is_func and [p.dtype for p in f.params] == [None, ts.f32]
    assert [name for name, _ in f.funcs] == ["square"]
    assert format_kernel(f, lines=False).splitlines() == [
        "func sum_of_squares(a, b: f32):",
        "    return square(a) + square(b)",
    ]


def test_device_function_runs_as_python_on_the_host():
    assert sum_of_squares(3.0, 4.0) == 25.0


def test_locations_point_at_the_users_lines():
    import inspect
    k = parse_kernel(control_flow)
    lines, first = inspect.getsourcelines(control_flow)
    assert k.loc.line == first and k.loc.file == __file__
    while_stmt = k.body[3]
    assert lines[while_stmt.loc.line - first].strip() == "while i < n:"
    assert while_stmt.loc.col == 4
