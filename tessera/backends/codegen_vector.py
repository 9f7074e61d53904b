"""The vectorized form of an elementwise kernel (passes/vectorize.py says which), as numba-cuda source.

Thread t of program p owns `chunks` chunks of `lanes` consecutive elements; chunk j
starts at element p*B*E + j*B*lanes + t*lanes (B threads, E elements per thread),
so each warp-wide 128-bit access covers 512 contiguous bytes, as Triton lays out
its vector add. A thread whose chunks are all in range, on pointers that allow it,
runs the body statement by statement: each statement's 128-bit loads for every
chunk first (all in flight at once), then its lanes, then its 128-bit stores. Any
other thread (the last block's tail, or unaligned or strided arrays) runs the
user's statements element by element. Index arithmetic counts from the block's first
element (`_tstart`) so that nothing overflows near 2**31 elements.

Example::

    >>> import tessera as ts
    >>> from tessera.compiler import lower
    >>> @ts.kernel
    ... def add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    ...     if i < a.shape[0]:
    ...         c[i] = a[i] + b[i]
    >>> src = lower(add.ir, {"a": ts.f32, "b": ts.f32, "c": ts.f32}, {}, ts.i32).module.source
    >>> print("\\n".join(l for l in src.splitlines() if "_vec(" in l))  # doctest: +NORMALIZE_WHITESPACE
        _tv1_0, _tv1_1, _tv1_2, _tv1_3 = load_vec(a, _ti0)  # L5
        _tv1_4, _tv1_5, _tv1_6, _tv1_7 = load_vec(a, _ti1)  # L5
        _tv2_0, _tv2_1, _tv2_2, _tv2_3 = load_vec(b, _ti0)  # L5
        _tv2_4, _tv2_5, _tv2_6, _tv2_7 = load_vec(b, _ti1)  # L5
        store_vec(c, _ti0, ((_tv1_0 + _tv2_0), (_tv1_1 + _tv2_1), (_tv1_2 + _tv2_2), (_tv1_3 + _tv2_3)))  # L5
        store_vec(c, _ti1, ((_tv1_4 + _tv2_4), (_tv1_5 + _tv2_5), (_tv1_6 + _tv2_6), (_tv1_7 + _tv2_7)))  # L5
"""

from __future__ import annotations

from ..frontend import ir
from ..passes.vectorize import VectorPlan
from ..passes.vectorize import lanes as lanes_of
from .codegen import _Emitter

#: what the generated module imports for the vector path
INTRINSICS_IMPORT = "from tessera.backends.cuda_intrinsics import load_vec, store_vec, vec_ready"


class VectorEmitter(_Emitter):
    """The kernel body in vectorized form; device functions use the plain _Emitter."""

    def __init__(self, kernel, plan, index, func_names, vp: VectorPlan):
        super().__init__(kernel, plan, index, func_names)
        self.vp = vp
        self.lane = None          # while emitting lane n (chunk n // lanes, element n % lanes) of a statement
        self.lane_loads = {}      # tensor -> names of its loaded lanes, for the statement being emitted
        self.lane_locals = set()  # body locals assigned so far (their lane copies exist)

    # ------------------------------------------------------------ expressions, per lane

    def _e_Load(self, e):
        if self.lane is None:
            return super()._e_Load(e)
        return self.lane_loads[e.tensor][self.lane]

    def _e_Name(self, e):
        if self.lane is None:
            return super()._e_Name(e)
        if e.id == self.vp.index:
            it = self.T(self.index)
            j, k = divmod(self.lane, self.vp.lanes)
            return f"{it}(_ti{j} + {it}({k}))" if k else f"_ti{j}"
        if e.id in self.lane_locals:
            return f"_tl{self.lane}_{e.id}"
        return super()._e_Name(e)

    def lane_exprs(self, e) -> list:
        out = []
        for n in range(self.vp.elements_per_thread):
            self.lane = n
            out.append(self.expr(e))
        self.lane = None
        return out

    # ------------------------------------------------------------ the kernel

    def function(self, gen_name: str):
        vp, it = self.vp, self.T(self.index)
        params = ", ".join(self.name(p.name) for p in self.k.params if p.kind != "constexpr")
        self.line(0, f"def {gen_name}({params}):", self.k.loc)
        for sym, (tensor, axis) in self.symbols.items():
            self.line(1, f"{self.name(sym)} = {it}({self.name(tensor)}.shape[{axis}])", self.k.loc)
        if vp.prologue:
            self.block(vp.prologue, 1)
        per_block, step = vp.block * vp.elements_per_thread, vp.block * vp.lanes
        iloc, gloc = vp.index_stmt.loc, vp.guard.loc
        self.line(1, f"# {vp.elements_per_thread} elements per thread: {vp.chunks} x 128-bit accesses of "
                     f"{vp.lanes} elements where the arrays allow it", None)
        self.line(1, f"_tstart = {it}({it}(cuda.blockIdx.x) * {it}({per_block}))", iloc)
        self.line(1, f"_trem = {self.wrap_int(self.index, f'{self.expr(vp.bound)} - _tstart')}", gloc)
        self.line(1, f"_tlane = {it}({it}(cuda.threadIdx.x) * {it}({vp.lanes}))", iloc)
        ready = " & ".join(f"vec_ready({self.name(t)})" for t in vp.tensors)
        last = (vp.chunks - 1) * step + vp.lanes
        self.line(1, f"if ({ready}) and {it}(_tlane + {it}({last})) <= _trem:", gloc)
        for j in range(vp.chunks):
            off = f"_tlane + {it}({j * step})" if j else "_tlane"
            self.line(2, f"_ti{j} = {it}(_tstart + {off})", iloc)
        for s in vp.body:
            self.vector_stmt(s, 2)
        self.line(1, "else:", gloc)
        self.scalar_path(2)

    def vector_stmt(self, s, depth):
        self.lane_loads = {}
        for t in dict.fromkeys(n.tensor for n in ir.walk(s.value) if isinstance(n, ir.Load)):
            self.lane_loads[t] = self.vector_load(t, s.loc, depth)
        values = self.lane_exprs(s.value)
        if isinstance(s, ir.Assign):
            self.lane_locals.add(s.target)
            for n, v in enumerate(values):
                self.line(depth, f"_tl{n}_{s.target} = {v}", s.loc)
            return
        d = self.k.param(s.tensor).dtype
        if getattr(s.value, "dtype", None) != d:
            values = [f"{self.T(d)}({v})" for v in values]
        w = lanes_of(d)
        for j in range(self.vp.chunks):
            for m in range(0, self.vp.lanes, w):
                lane_vals = values[j * self.vp.lanes + m:j * self.vp.lanes + m + w]
                self.line(depth, f"store_vec({self.name(s.tensor)}, {self.offset(j, m)}, "
                                 f"({', '.join(lane_vals)}))", s.loc)

    def vector_load(self, tensor: str, loc, depth) -> list:
        w = lanes_of(self.k.param(tensor).dtype)
        base = self.fresh("v")
        names = [f"{base}_{n}" for n in range(self.vp.elements_per_thread)]
        for j in range(self.vp.chunks):
            for m in range(0, self.vp.lanes, w):
                first = j * self.vp.lanes + m
                self.line(depth, f"{', '.join(names[first:first + w])} = load_vec({self.name(tensor)}, "
                                 f"{self.offset(j, m)})", loc)
        return names

    def offset(self, chunk: int, m: int) -> str:
        it = self.T(self.index)
        return f"{it}(_ti{chunk} + {it}({m}))" if m else f"_ti{chunk}"

    def scalar_path(self, depth):
        """Element by element, the user's statements: the tail, and arrays that 128-bit accesses do not suit."""
        vp, it = self.vp, self.T(self.index)
        iloc, gloc = vp.index_stmt.loc, vp.guard.loc
        self.line(depth, f"for _tj in range({vp.chunks}):", gloc)
        self.line(depth + 1, f"for _tk in range({vp.lanes}):", gloc)
        self.line(depth + 2, f"_to = {it}(_tlane + {it}({it}(_tj) * {it}({vp.block * vp.lanes}) + {it}(_tk)))", iloc)
        self.line(depth + 2, "if _to < _trem:", gloc)
        self.line(depth + 3, f"{self.name(vp.index)} = {it}(_tstart + _to)", iloc)
        self.block(vp.body, depth + 3)
