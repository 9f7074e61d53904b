"""Instructions numba-cuda has no Python form for, written as LLVM IR that NVVM compiles inline.

numba-cuda loads and stores one element at a time (`LDG.E`, `STG.E`). Memory-bound
kernels want 128-bit accesses (`LDG.E.128`, `STG.E.128`, `LDS.128`), which NVVM
emits for a `<N x T>` load or store that it knows is 16-byte aligned. These
functions are numba `@intrinsic`s: each call lowers to that LLVM IR right in the
calling kernel, so there is no call, no linking step and no extra toolchain, and
`ts.inspect` shows the same SASS the GPU runs (the code cross-compiles with no GPU).

Use them from generated numba-cuda source (or any numba-cuda kernel)::

    from tessera.backends.cuda_intrinsics import load_vec, store_vec, vec_ready

    x0, x1, x2, x3 = load_vec(a, i)      # a: float32 array, i: element offset, a multiple of 4
    store_vec(c, i, (x0, x1, x2, x3))    # one 128-bit store
    if vec_ready(a) & vec_ready(c): ...  # runtime check: data 16-byte aligned and unit stride

- `load_vec(arr, i)` returns `lanes(dtype)` = 16 // itemsize consecutive elements
  starting at flat element offset `i` from the array's first element, as a tuple.
- `store_vec(arr, i, values)` stores such a tuple.
- Both require `arr`'s data pointer + i * itemsize to be 16-byte aligned and the
  elements to be consecutive in memory (C-contiguous, or 1-D with unit stride):
  check `vec_ready(arr)` once and keep `i` a multiple of `lanes(dtype)`.
- In PTX they are `ld.global.v4.*` / `st.global.v4.*` (one `LDG.E.128` / `STG.E.128`); they work on global arrays and on `cuda.shared.array(..., alignment=16)` tiles
  (NVVM infers the shared address space: `LDS.128` / `STS.128`).

Example (compiles to PTX for an H100 on a machine without a GPU)::

    >>> from numba import cuda
    >>> from tessera.backends.cuda_intrinsics import load_vec, store_vec, vec_ready, lanes
    >>> def copy4(a, c):
    ...     i = cuda.grid(1) * 4
    ...     if vec_ready(a) & vec_ready(c) and i + 4 <= a.shape[0]:
    ...         store_vec(c, i, load_vec(a, i))
    >>> ptx, _ = cuda.compile_ptx(copy4, "void(float32[::1], float32[::1])", cc=(9, 0))
    >>> import tessera as ts
    >>> "ld.global.v4" in ptx, "st.global.v4" in ptx, lanes(ts.f16)
    (True, True, 8)
"""

from __future__ import annotations

from llvmlite import ir as llir
from numba.cuda import cgutils, types
from numba.cuda.extending import intrinsic

from ..passes.vectorize import VECTOR_BYTES, lanes  # noqa: F401  (lanes: elements per access, by dtype)


def _lanes_of(arr) -> int:
    return VECTOR_BYTES * 8 // arr.dtype.bitwidth


def _element_pointer(context, builder, arrty, arr, index, indexty):
    a = cgutils.create_struct_proxy(arrty)(context, builder, value=arr)
    i = context.cast(builder, index, indexty, types.intp)
    return builder.gep(a.data, [i])


# Every access is a <4 x i32> bit pattern: NVVM splits a <8 x half> load in two 64-bit loads,
# but always emits one ld.v4.u32 (LDG.E.128) for this.
_WORDS = llir.VectorType(llir.IntType(32), 4)


def _words_pointer(builder, ptr):
    return builder.bitcast(ptr, llir.PointerType(_WORDS))


def _const(k, bits=32):
    return llir.Constant(llir.IntType(bits), k)


def _unpack(builder, words, elt, n):
    """The n elements in four 32-bit words. Types narrower than 32 bits are cut out of each word with
    shifts: a bitcast to <8 x half> would be folded back into a load that NVVM splits in two."""
    if n <= 4:
        v = builder.bitcast(words, llir.VectorType(elt, n))
        return [builder.extract_element(v, _const(k)) for k in range(n)]
    bits, out = 128 // n, []
    for w in range(4):
        word = builder.extract_element(words, _const(w))
        for part in range(32 // bits):
            piece = builder.lshr(word, _const(part * bits)) if part else word
            out.append(builder.bitcast(builder.trunc(piece, llir.IntType(bits)), elt))
    return out


def _pack(builder, vals, elt):
    n = len(vals)
    if n <= 4:
        v = llir.Constant(llir.VectorType(elt, n), llir.Undefined)
        for k, x in enumerate(vals):
            v = builder.insert_element(v, x, _const(k))
        return builder.bitcast(v, _WORDS)
    bits, words = 128 // n, llir.Constant(_WORDS, llir.Undefined)
    per = 32 // bits
    for w in range(4):
        word = None
        for part in range(per):
            piece = builder.zext(builder.bitcast(vals[w * per + part], llir.IntType(bits)), llir.IntType(32))
            if part:
                piece = builder.shl(piece, _const(part * bits))
            word = piece if word is None else builder.or_(word, piece)
        words = builder.insert_element(words, word, _const(w))
    return words


def _check(arr, index):
    return (isinstance(arr, types.Array) and isinstance(arr.dtype, (types.Integer, types.Float))
            and arr.dtype.bitwidth in (8, 16, 32, 64) and isinstance(index, types.Integer))


@intrinsic
def load_vec(typingctx, arr, index):
    """`16 // itemsize` elements of `arr` from flat element offset `index`, as one aligned 128-bit load."""
    if not _check(arr, index):
        return None
    n = _lanes_of(arr)
    ret = types.UniTuple(arr.dtype, n)

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0], args[1], sig.args[1])
        words = builder.load(_words_pointer(builder, ptr), align=VECTOR_BYTES)
        elt = context.get_data_type(sig.args[0].dtype)
        return context.make_tuple(builder, ret, _unpack(builder, words, elt, n))
    return ret(arr, index), codegen


@intrinsic
def store_vec(typingctx, arr, index, values):
    """Store the tuple `values` (`16 // itemsize` of `arr`'s dtype) at flat element offset `index`."""
    if not _check(arr, index) or not isinstance(values, types.UniTuple) or values.count != _lanes_of(arr) \
            or values.dtype != arr.dtype:
        return None
    n = values.count

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0], args[1], sig.args[1])
        elt = context.get_data_type(sig.args[0].dtype)
        vals = [builder.extract_value(args[2], k) for k in range(n)]
        builder.store(_pack(builder, vals, elt), _words_pointer(builder, ptr), align=VECTOR_BYTES)
        return context.get_dummy_value()
    return types.none(arr, index, values), codegen


@intrinsic
def vec_ready(typingctx, arr):
    """Whether `load_vec`/`store_vec` may be used on `arr`: its data is 16-byte aligned and its
    elements are consecutive (C layout by type, or 1-D with a stride of one element at run time)."""
    if not isinstance(arr, types.Array):
        return None
    if arr.ndim > 1 and arr.layout != "C":
        # several strides to compare: such arrays take the scalar path
        def never(context, builder, sig, args):
            return llir.Constant(llir.IntType(1), 0)
        return types.boolean(arr), never

    def codegen(context, builder, sig, args):
        aty = sig.args[0]
        a = cgutils.create_struct_proxy(aty)(context, builder, value=args[0])
        i64 = llir.IntType(64)
        low = builder.and_(builder.ptrtoint(a.data, i64), llir.Constant(i64, VECTOR_BYTES - 1))
        ok = builder.icmp_unsigned("==", low, llir.Constant(i64, 0))
        if aty.layout != "C":
            stride = builder.extract_value(a.strides, 0)
            unit = builder.icmp_signed("==", stride, llir.Constant(stride.type, aty.dtype.bitwidth // 8))
            ok = builder.and_(ok, unit)
        return ok
    return types.boolean(arr), codegen
