"""Every user-facing error of the front end, pinned: message, file:line, caret, and what to write instead.

Each kernel below holds one mistake on the line marked by the table's snippet.
"""

import math

import numpy as np
import pytest

import tessera as ts
from tessera.frontend.parse import parse_kernel

Unsupported, TypeErr, Plain = ts.UnsupportedSyntaxError, ts.KernelTypeError, ts.TesseraError
LIMIT = 4


# --------------------------------------------------------------------------- statements

def k_with(x: ts.Tensor["N", ts.f32]):
    with open("log.txt") as f:
        x[0] = 1.0


def k_try(x: ts.Tensor["N", ts.f32]):
    try:
        x[0] = 1.0
    except Exception:
        x[0] = 2.0


def k_nested_def(x: ts.Tensor["N", ts.f32]):
    def helper(v):
        return v


def k_class(x: ts.Tensor["N", ts.f32]):
    class Box:
        pass


def k_import(x: ts.Tensor["N", ts.f32]):
    import os


def k_import_from(x: ts.Tensor["N", ts.f32]):
    from os import path


def k_global(x: ts.Tensor["N", ts.f32]):
    global LIMIT


def k_raise(x: ts.Tensor["N", ts.f32]):
    raise ValueError("no")


def k_assert(x: ts.Tensor["N", ts.f32]):
    assert x[0] > 0


def k_del(x: ts.Tensor["N", ts.f32]):
    v = 1
    del v


def k_match(x: ts.Tensor["N", ts.f32], n: ts.i32):
    match n:
        case 1:
            x[0] = 1.0


def k_chained(x: ts.Tensor["N", ts.f32]):
    a = b = 1.0


def k_ann_no_value(x: ts.Tensor["N", ts.f32]):
    acc: ts.f32


def k_ann_not_dtype(x: ts.Tensor["N", ts.f32]):
    acc: float = 0.0


def k_ann_target(x: ts.Tensor["N", ts.f32]):
    x[0]: ts.f32 = 1.0


def k_reassign_tensor(x: ts.Tensor["N", ts.f32]):
    x = 1.0


def k_reassign_shared(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](4)
    s = 1.0


def k_unpack(x: ts.Tensor["N", ts.f32]):
    a, b = 1.0, 2.0


def k_assign_attr(x: ts.Tensor["N", ts.f32]):
    x.data = 1.0


def k_matmul_aug(x: ts.Tensor["N", ts.f32]):
    v = 1.0
    v @= 2.0


def k_aug_attr(x: ts.Tensor["N", ts.f32]):
    x.data += 1.0


def k_for_else(x: ts.Tensor["N", ts.f32]):
    for i in range(4):
        x[i] = 1.0
    else:
        x[0] = 0.0


def k_for_tuple(x: ts.Tensor["N", ts.f32]):
    for i, j in range(4):
        x[i] = 1.0


def k_for_list(x: ts.Tensor["N", ts.f32]):
    for i in [1, 2, 3]:
        x[i] = 1.0


def k_range_kwargs(x: ts.Tensor["N", ts.f32]):
    for i in range(0, 4, step=2):
        x[i] = 1.0


def k_range_arity(x: ts.Tensor["N", ts.f32]):
    for i in ts.range(0, 4, 1, 2):
        x[i] = 1.0


def k_loop_hides_param(x: ts.Tensor["N", ts.f32], n: ts.i32):
    for n in range(4):
        x[n] = 1.0


def k_while_else(x: ts.Tensor["N", ts.f32]):
    i = 0
    while i < 4:
        i += 1
    else:
        x[0] = 1.0


def k_return_value(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id(0)
    return x[i]


def k_no_effect(x: ts.Tensor["N", ts.f32]):
    x[0] + 1.0


def k_barrier_args(x: ts.Tensor["N", ts.f32]):
    ts.barrier(0)


def k_wait_group_args(x: ts.Tensor["N", ts.f32]):
    ts.wait_group()


# --------------------------------------------------------------------------- parameters

def k_star_args(x: ts.Tensor["N", ts.f32], *rest):
    x[0] = 1.0


def k_default(x: ts.Tensor["N", ts.f32], n: ts.i32 = 4):
    x[0] = 1.0


def k_no_annotation(x: ts.Tensor["N", ts.f32], n):
    x[0] = 1.0


def k_bad_annotation(x: ts.Tensor["N", ts.f32], n: int):
    x[0] = 1.0


# --------------------------------------------------------------------------- shared memory and copies

def k_alloc_no_dtype(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc(4, 4)


def k_alloc_kwarg(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](4, 4, align=16)


def k_bad_swizzle(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](4, 4, swizzle="diagonal")


def k_alloc_no_shape(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32]()


def k_alloc_twice(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](4)
    s = ts.shared.alloc[ts.f32](8)


def k_alloc_unassigned(x: ts.Tensor["N", ts.f32]):
    ts.shared.alloc[ts.f32](4)


def k_copy_arity(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](4)
    ts.copy_async(x[0:4])


def k_copy_dst(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](4)
    ts.copy_async(x[0:4], y)


def k_copy_src(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](4)
    t = ts.shared.alloc[ts.f32](4)
    ts.copy_async(t[0:4], s)


def k_copy_rank(A: ts.Tensor["M", "K", ts.f32]):
    s = ts.shared.alloc[ts.f32](4, 4)
    ts.copy_async(A[0:4], s)


def k_copy_open_slice(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](4)
    ts.copy_async(x[0:], s)


def k_copy_step(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](4)
    ts.copy_async(x[0:8:2], s)


def k_copy_as_value(x: ts.Tensor["N", ts.f32]):
    s = ts.shared.alloc[ts.f32](4)
    v = ts.copy_async(x[0:4], s)


def k_slice_outside_copy(x: ts.Tensor["N", ts.f32]):
    x[0:4] = 1.0


def k_slice_read(x: ts.Tensor["N", ts.f32], y: ts.Tensor["N", ts.f32]):
    y[0] = x[1:3]


# --------------------------------------------------------------------------- expressions

def k_lambda(x: ts.Tensor["N", ts.f32]):
    f = lambda v: v + 1


def k_listcomp(x: ts.Tensor["N", ts.f32]):
    vals = [x[i] for i in range(4)]


def k_list(x: ts.Tensor["N", ts.f32]):
    vals = [1.0, 2.0]


def k_dict(x: ts.Tensor["N", ts.f32]):
    d = {"a": 1.0}


def k_set(x: ts.Tensor["N", ts.f32]):
    s = {1.0}


def k_tuple(x: ts.Tensor["N", ts.f32]):
    t = (1.0, 2.0)


def k_fstring(x: ts.Tensor["N", ts.f32]):
    s = f"{x}"


def k_genexp(x: ts.Tensor["N", ts.f32]):
    s = ts.exp(v for v in range(4))


def k_walrus(x: ts.Tensor["N", ts.f32]):
    x[0] = (v := 1.0)


def k_dictcomp(x: ts.Tensor["N", ts.f32]):
    d = {i: i for i in range(3)}


def k_string_const(x: ts.Tensor["N", ts.f32]):
    s = "hello"


def k_none_const(x: ts.Tensor["N", ts.f32]):
    v = None


def k_undefined(x: ts.Tensor["N", ts.f32]):
    x[0] = not_defined_anywhere


def k_module_as_value(x: ts.Tensor["N", ts.f32]):
    m = np


def k_matmul_op(x: ts.Tensor["N", ts.f32]):
    v = x[0] @ x[1]


def k_in(x: ts.Tensor["N", ts.f32], n: ts.i32):
    if n in x:
        x[0] = 1.0


def k_is(x: ts.Tensor["N", ts.f32], n: ts.i32):
    if n is None:
        x[0] = 1.0


def k_index_scalar(x: ts.Tensor["N", ts.f32], n: ts.i32):
    x[0] = n[0]


def k_wrong_rank(A: ts.Tensor["M", "K", ts.f32]):
    A[0] = 1.0


def k_wrong_rank_read(A: ts.Tensor["M", "K", ts.f32], y: ts.Tensor["N", ts.f32]):
    y[0] = A[0, 1, 2]


def k_shape_of_scalar(x: ts.Tensor["N", ts.f32], n: ts.i32):
    x[0] = n.shape[0]


def k_shape_axis_range(x: ts.Tensor["N", ts.f32]):
    x[0] = x.shape[1]


def k_shape_axis_var(x: ts.Tensor["N", ts.f32], n: ts.i32):
    x[0] = x.shape[n]


def k_attribute(x: ts.Tensor["N", ts.f32]):
    v = x.dtype


def k_kwargs(x: ts.Tensor["N", ts.f32]):
    x[0] = ts.max(x[0], b=1.0)


def k_cast_arity(x: ts.Tensor["N", ts.f32]):
    x[0] = ts.f32(1, 2)


def k_print(x: ts.Tensor["N", ts.f32]):
    print(x[0])


def k_numpy_call(x: ts.Tensor["N", ts.f32]):
    x[0] = np.exp(x[1])


def k_get_param_unassigned(x: ts.Tensor["N", ts.f32]):
    x[0] = ts.autotune.get_param("T")


def k_get_param_literal(x: ts.Tensor["N", ts.f32]):
    name = 3
    T = ts.autotune.get_param(name)


def k_barrier_value(x: ts.Tensor["N", ts.f32]):
    v = ts.barrier()


@ts.kernel
def other_kernel(x: ts.Tensor["N", ts.f32]):
    x[0] = 1.0


def k_calls_kernel(x: ts.Tensor["N", ts.f32]):
    other_kernel(x)


def k_intrinsic_arity(x: ts.Tensor["N", ts.f32]):
    i = ts.program_id()


def k_axis_literal(x: ts.Tensor["N", ts.f32], n: ts.i32):
    i = ts.thread_id(n)


def k_axis_range(x: ts.Tensor["N", ts.f32]):
    i = ts.block_size(3)


def k_range_value(x: ts.Tensor["N", ts.f32]):
    r = ts.range(4)


def k_math_arity(x: ts.Tensor["N", ts.f32]):
    x[0] = ts.exp(x[0], x[1])


def k_atomic_form(h: ts.Tensor["N", ts.i32]):
    ts.atomic_add(h, 1)


def k_atomic_not_tensor(h: ts.Tensor["N", ts.i32]):
    v = 0
    ts.atomic_add(v, 0, 1)


CASES = [
    # statements
    (k_with, Unsupported, r"`with` blocks are not supported in kernels", "with open", "with"),
    (k_try, Unsupported, r"try/except blocks are not supported in kernels", "try:", "try"),
    (k_nested_def, Unsupported, r"nested functions are not supported in kernels", "def helper", "def"),
    (k_class, Unsupported, r"classes are not supported in kernels", "class Box", "class"),
    (k_import, Unsupported, r"imports are not supported in kernels", "import os", "import"),
    (k_import_from, Unsupported, r"imports are not supported in kernels", "from os", "from"),
    (k_global, Unsupported, r"`global` statements are not supported in kernels", "global LIMIT", "global"),
    (k_raise, Unsupported, r"`raise` statements are not supported in kernels", "raise ValueError", "raise"),
    (k_assert, Unsupported, r"`assert` statements are not supported in kernels", "assert x[0]", "assert"),
    (k_del, Unsupported, r"`del` statements are not supported in kernels", "del v", "del"),
    (k_match, Unsupported, r"`match` statements are not supported in kernels", "match n:", "match"),
    (k_chained, Unsupported, r"chained assignment \(a = b = ...\) is not supported in kernels", "a = b", "a ="),
    (k_ann_no_value, Unsupported, r"a declaration needs a value in kernels", "acc: ts.f32", "acc"),
    (k_ann_not_dtype, TypeErr, r"a local annotation must be a dtype", "acc: float", "float"),
    (k_ann_target, Unsupported, r"annotated assignment needs a plain name", "x[0]: ts.f32", "x[0]"),
    (k_reassign_tensor, Unsupported, r"'x' is a tensor parameter and cannot be re-assigned", "x = 1.0", "x ="),
    (k_reassign_shared, Unsupported, r"'s' names a shared tile and cannot be re-assigned", "s = 1.0", "s ="),
    (k_unpack, Unsupported, r"tuple unpacking is not supported in kernels", "a, b =", "a, b"),
    (k_assign_attr, Unsupported, r"cannot assign to Attribute in a kernel", "x.data =", "x.data"),
    (k_matmul_aug, Unsupported, r"operator MatMult is not supported", "v @=", "v @="),
    (k_aug_attr, Unsupported, r"augmented assignment needs a name or a tensor element", "x.data +=", "x.data"),
    (k_for_else, Unsupported, r"for/else is not supported in kernels", "for i in range(4)", "for"),
    (k_for_tuple, Unsupported, r"a loop variable must be a plain name", "for i, j", "i, j"),
    (k_for_list, Unsupported, r"kernels loop over range\(...\) or ts.range\(...\) only", "for i in [", "[1"),
    (k_range_kwargs, Unsupported, r"range takes 1 to 3 positional arguments", "step=2", "range("),
    (k_range_arity, Unsupported, r"range takes 1 to 3 positional arguments", "ts.range(0, 4, 1, 2)", "ts.range"),
    (k_loop_hides_param, Unsupported, r"the loop variable 'n' hides a parameter", "for n in", "n in"),
    (k_while_else, Unsupported, r"while/else is not supported in kernels", "while i < 4", "while"),
    (k_return_value, Unsupported, r"a kernel cannot return a value", "return x[i]", "return"),
    (k_no_effect, Unsupported, r"this expression has no effect", "x[0] + 1.0", "x[0]"),
    (k_barrier_args, Unsupported, r"ts.barrier\(\) takes no arguments", "ts.barrier(0)", "ts.barrier"),
    (k_wait_group_args, Unsupported, r"ts.wait_group takes one argument", "ts.wait_group()", "ts.wait_group"),
    # parameters
    (k_star_args, Unsupported, r"kernels take plain positional parameters only \(no \*args, \*\*kwargs, defaults\)",
     "def k_star_args", "def"),
    (k_default, Unsupported, r"kernels take plain positional parameters only", "def k_default", "def"),
    (k_no_annotation, TypeErr, r"parameter 'n' needs an annotation: a tensor, a scalar dtype or ts.constexpr",
     "def k_no_annotation", "n)"),
    (k_bad_annotation, TypeErr, r"parameter 'n' needs an annotation", "def k_bad_annotation", "n: int"),
    # shared memory and copies
    (k_alloc_no_dtype, TypeErr, r"ts.shared.alloc needs a dtype", "ts.shared.alloc(4, 4)", "ts.shared"),
    (k_alloc_kwarg, Unsupported, r"ts.shared.alloc has no argument 'align'", "align=16", "align"),
    (k_bad_swizzle, Unsupported, r'swizzle must be None or "xor"', "swizzle=", '"diagonal"'),
    (k_alloc_no_shape, Unsupported, r"ts.shared.alloc needs a shape", "alloc[ts.f32]()", "ts.shared"),
    (k_alloc_twice, Unsupported, r"'s' is already defined; shared tiles are allocated once", "(8)", "ts.shared"),
    (k_alloc_unassigned, Unsupported, r"ts.shared.alloc must be assigned to a name", "(4)", "ts.shared"),
    (k_copy_arity, Unsupported, r"ts.copy_async takes a global tile slice and a shared tile", "copy_async(x",
     "ts.copy_async"),
    (k_copy_dst, Unsupported, r"the destination of ts.copy_async must be a shared tile", "copy_async(x", "y)"),
    (k_copy_src, Unsupported, r"the source of ts.copy_async must be a slice of a tensor parameter",
     "copy_async(t", "t[0:4]"),
    (k_copy_rank, Unsupported, r"'A' has 2 dimensions but the slice has 1", "copy_async(A", "A[0:4]"),
    (k_copy_open_slice, Unsupported, r"ts.copy_async needs start:stop slices with both ends", "copy_async(x",
     "0:]"),
    (k_copy_step, Unsupported, r"ts.copy_async needs start:stop slices with both ends", "copy_async(x", "0:8:2"),
    (k_copy_as_value, Unsupported, r"ts.copy_async\(\) is a statement and has no value", "v = ts.copy",
     "ts.copy_async"),
    (k_slice_outside_copy, Unsupported, r"slices are only allowed as the source of ts.copy_async", "x[0:4]",
     "0:4"),
    (k_slice_read, Unsupported, r"slices are only allowed as the source of ts.copy_async", "x[1:3]", "1:3"),
    # expressions
    (k_lambda, Unsupported, r"lambdas are not supported in kernels", "lambda", "lambda"),
    (k_listcomp, Unsupported, r"list comprehensions are not supported in kernels", "vals = [", "["),
    (k_list, Unsupported, r"lists are not supported in kernels", "vals = [", "["),
    (k_dict, Unsupported, r"dicts are not supported in kernels", "d = {", "{"),
    (k_set, Unsupported, r"sets are not supported in kernels", "s = {", "{"),
    (k_tuple, Unsupported, r"tuples are not supported in kernels", "t = (", "(1.0"),
    (k_fstring, Unsupported, r"f-strings are not supported in kernels", 's = f"', 'f"'),
    (k_genexp, Unsupported, r"generators are not supported in kernels", "ts.exp(v", "(v for"),
    (k_walrus, Unsupported, r"assignment expressions \(:=\) are not supported in kernels", "v :=", "v :="),
    (k_dictcomp, Unsupported, r"`DictComp` expressions are not supported in kernels", "d = {", "{"),
    (k_string_const, TypeErr, r"constant 'hello' of type str is not supported in kernels", 's = "', '"hello"'),
    (k_none_const, TypeErr, r"constant None of type NoneType is not supported in kernels", "v = None", "None"),
    (k_undefined, Plain, r"name 'not_defined_anywhere' is not defined in kernel 'k_undefined'",
     "not_defined_anywhere", "not_defined"),
    (k_module_as_value, TypeErr, r"'np' \(module\) cannot be used as a value in a kernel", "m = np", "np"),
    (k_matmul_op, Unsupported, r"operator MatMult is not supported in kernels", "x[0] @ x[1]", "x[0] @"),
    (k_in, Unsupported, r"comparison In is not supported in kernels", "n in x", "n in"),
    (k_is, Unsupported, r"comparison Is is not supported in kernels", "n is None", "n is"),
    (k_index_scalar, Unsupported, r"only tensor parameters and shared tiles can be indexed", "n[0]", "n[0]"),
    (k_wrong_rank, TypeErr, r"'A' has 2 dimensions but is indexed with 1", "A[0] = 1.0", "A[0]"),
    (k_wrong_rank_read, TypeErr, r"'A' has 2 dimensions but is indexed with 3", "A[0, 1, 2]", "A[0, 1, 2]"),
    (k_shape_of_scalar, Unsupported, r"'n' has no shape: only tensors do", "n.shape", "n.shape"),
    (k_shape_axis_range, TypeErr, r"'x' has 1 dimension; shape\[1\] does not exist", "x.shape[1]", "1]"),
    (k_shape_axis_var, Unsupported, r"a shape index must be a literal integer", "x.shape[n]", "n]"),
    (k_attribute, Unsupported, r"attribute 'dtype' cannot be used as a value here", "x.dtype", "x.dtype"),
    (k_kwargs, Unsupported, r"keyword arguments are not supported in kernel calls", "b=1.0", "ts.max"),
    (k_cast_arity, Unsupported, r"a cast takes one value", "ts.f32(1, 2)", "ts.f32"),
    (k_print, Unsupported, r"'print' cannot be called inside a kernel", "print(", "print"),
    (k_numpy_call, Unsupported, r"'np.exp' cannot be called inside a kernel", "np.exp", "np.exp"),
    (k_get_param_unassigned, Unsupported, r"ts.autotune.get_param must be assigned to a name", "get_param",
     "ts.autotune"),
    (k_get_param_literal, Unsupported, r"ts.autotune.get_param takes one string literal", "get_param(name)",
     "ts.autotune"),
    (k_barrier_value, Unsupported, r"ts.barrier\(\) is a statement and has no value", "v = ts.barrier",
     "ts.barrier"),
    (k_calls_kernel, Unsupported, r"'other_kernel' is a kernel; kernels cannot call kernels", "other_kernel(x)",
     "other_kernel"),
    (k_intrinsic_arity, Unsupported, r"ts.program_id takes one axis", "ts.program_id()", "ts.program_id"),
    (k_axis_literal, Unsupported, r"ts.thread_id axis must be a literal integer", "ts.thread_id(n)", "n)"),
    (k_axis_range, Unsupported, r"ts.block_size axis must be 0, 1 or 2", "ts.block_size(3)", "3)"),
    (k_range_value, Unsupported, r"ts.range is only used as a for-loop iterable", "r = ts.range", "ts.range"),
    (k_math_arity, Unsupported, r"ts.exp takes 1 argument, got 2", "ts.exp(", "ts.exp"),
    (k_atomic_form, Unsupported, r"ts.atomic_add takes a tensor element and a value", "ts.atomic_add(h, 1)",
     "ts.atomic_add"),
    (k_atomic_not_tensor, Unsupported, r"the first argument of ts.atomic_add must be a tensor",
     "ts.atomic_add(v", "v, 0"),
]


@pytest.mark.parametrize("fn, cls, match, snippet, at", CASES, ids=[c[0].__name__ for c in CASES])
def test_front_end_error(fn, cls, match, snippet, at, user_error):
    with pytest.raises(cls, match=match) as e:
        parse_kernel(fn)
    assert type(e.value) is cls          # the documented class, not a broader one
    assert e.value.kernel == fn.__name__
    user_error(e.value, fn, snippet, at=at)


def test_errors_surface_when_the_kernel_is_called(user_error):
    k = ts.kernel(k_lambda)
    with pytest.raises(ts.UnsupportedSyntaxError, match=r"lambdas are not supported in kernels") as e:
        k(np.zeros(4, np.float32), backend="sim")
    user_error(e.value, k_lambda, "lambda", at="lambda")


def test_a_function_without_source_is_an_error():
    ns = {"ts": ts}
    exec("def made_by_exec(x: ts.Tensor['N', ts.f32]):\n    x[0] = 1.0\n", ns)
    with pytest.raises(ts.TesseraError, match=r"cannot read the source of 'made_by_exec'") as e:
        parse_kernel(ns["made_by_exec"])
    assert "Write instead: define kernels in a .py file or a notebook cell" in str(e.value)


lambda_kernel = lambda x: x  # noqa: E731


def test_a_kernel_must_be_a_def(user_error):
    with pytest.raises(ts.UnsupportedSyntaxError, match=r"a kernel must be a plain `def` function") as e:
        parse_kernel(lambda_kernel)
    assert "Write instead: def my_kernel(...):" in str(e.value)


# --------------------------------------------------------------------------- outside a kernel

def host_program_id():
    return ts.program_id(0) + 1


def host_math():
    return 2.0 * ts.exp(1.0)


def host_alloc():
    return ts.shared.alloc[ts.f32](32, 32)


def host_get_param():
    return ts.autotune.get_param("TILE_M")


def host_barrier():
    ts.barrier()


@pytest.mark.parametrize("fn, match, snippet, at", [
    (host_program_id, r"ts.program_id can only be called inside a @ts.kernel or @ts.func body", "program_id",
     "ts.program_id"),
    (host_math, r"ts.exp can only be called inside a @ts.kernel or @ts.func body", "ts.exp", "ts.exp"),
    (host_alloc, r"ts.shared.alloc can only be called inside a @ts.kernel body", "alloc", "ts.shared"),
    (host_get_param, r"ts.autotune.get_param can only be called inside a @ts.kernel body", "get_param",
     "ts.autotune"),
    (host_barrier, r"ts.barrier can only be called inside a @ts.kernel or @ts.func body", "ts.barrier",
     "ts.barrier"),
])
def test_intrinsic_outside_a_kernel(fn, match, snippet, at, user_error):
    with pytest.raises(ts.OutsideKernelError, match=match) as e:
        fn()
    user_error(e.value, fn, snippet, at=at)


def test_every_intrinsic_is_a_stub_outside_kernels():
    from tessera.lang import intrinsics
    for name in intrinsics.INTRINSICS:
        with pytest.raises(ts.OutsideKernelError, match=rf"ts.{name} can only be called inside"):
            getattr(ts, name)(0)


# --------------------------------------------------------------------------- device functions

@ts.func
def f_with_barrier(v):
    ts.barrier()
    return v


@ts.func
def f_no_return(v):
    w = v + 1


@ts.func
def f_recursive(v):
    return f_recursive(v - 1)


@ts.func
def f_two(a, b):
    return a + b


@ts.kernel
def calls_barrier_func(x: ts.Tensor["N", ts.f32]):
    x[0] = f_with_barrier(x[0])


@ts.kernel
def calls_no_return(x: ts.Tensor["N", ts.f32]):
    x[0] = f_no_return(x[0])


@ts.kernel
def calls_recursive(x: ts.Tensor["N", ts.f32]):
    x[0] = f_recursive(x[0])


@ts.kernel
def calls_wrong_arity(x: ts.Tensor["N", ts.f32]):
    x[0] = f_two(x[0])


def test_collectives_are_not_allowed_in_device_functions(user_error):
    with pytest.raises(ts.UnsupportedSyntaxError,
                       match=r"block-level collectives are only allowed in kernels, not in @ts.func") as e:
        calls_barrier_func.lower(np.zeros(2, np.float32))
    user_error(e.value, f_with_barrier, "ts.barrier()", at="ts.barrier")


def test_a_device_function_must_return_a_value(user_error):
    with pytest.raises(ts.TesseraError, match=r"device function 'f_no_return' returns no value") as e:
        calls_no_return.lower(np.zeros(2, np.float32))
    user_error(e.value, f_no_return, "def f_no_return")


def test_recursion_is_an_error(user_error):
    with pytest.raises(ts.UnsupportedSyntaxError, match=r"'f_recursive' calls itself; recursion is not supported"):
        calls_recursive.lower(np.zeros(2, np.float32))


def test_device_function_arity(user_error):
    with pytest.raises(ts.TesseraError, match=r"f_two takes 2 arguments, got 1") as e:
        calls_wrong_arity.lower(np.zeros(2, np.float32))
    assert "Write instead: f_two(a, b)" in user_error(e.value, calls_wrong_arity, "f_two(x[0])", at="f_two")


# --------------------------------------------------------------------------- specialization

@ts.kernel
def shared_runtime_size(x: ts.Tensor["N", ts.f32], n: ts.i32):
    s = ts.shared.alloc[ts.f32](n)
    x[0] = s[0]


@ts.kernel
def needs_tile(x: ts.Tensor["N", ts.f32]):
    T = ts.autotune.get_param("TILE")
    x[0] = ts.f32(T)


def test_shared_sizes_must_be_compile_time(user_error):
    with pytest.raises(ts.KernelTypeError, match=r"shared tile sizes must be positive compile-time integers") as e:
        shared_runtime_size.lower(np.zeros(2, np.float32), 3)
    user_error(e.value, shared_runtime_size, "ts.shared.alloc", at="s =")


def test_missing_compile_time_parameter(user_error):
    with pytest.raises(ts.TesseraError, match=r"no value for compile-time parameter 'TILE'") as e:
        needs_tile.lower(np.zeros(2, np.float32))
    user_error(e.value, needs_tile, "get_param", at="ts.autotune")
    assert needs_tile.lower(np.zeros(2, np.float32), consts={"TILE": 8}).module.source
