"""Triton versions of the suite's cases, written as Triton's tutorials write them.

Imported only where Triton is installed (the cases check ``find_spec("triton")`` first).
Each wrapper takes torch CUDA tensors and launches on torch's current stream, which is
the legacy default stream in the benchmark runner, where the CUDA events are recorded.
"""

from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def _add_kernel(x_ptr, y_ptr, out_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask)
    y = tl.load(y_ptr + offs, mask=mask)
    tl.store(out_ptr + offs, x + y, mask=mask)


def vector_add(a, b, c, BLOCK=1024):
    n = a.numel()
    _add_kernel[(triton.cdiv(n, BLOCK),)](a, b, c, n, BLOCK=BLOCK)


@triton.jit
def _bias_gelu_kernel(x_ptr, w_ptr, b_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    v = tl.load(x_ptr + offs, mask=mask) * tl.load(w_ptr + offs, mask=mask) + tl.load(b_ptr + offs, mask=mask)
    z = 0.7978845608028654 * (v + 0.044715 * v * v * v)
    tanh = 2.0 * tl.sigmoid(2.0 * z) - 1.0  # tl has no portable tanh across versions
    tl.store(y_ptr + offs, 0.5 * v * (1.0 + tanh), mask=mask)


def bias_gelu(x, w, b, y, BLOCK=1024):
    n = x.numel()
    _bias_gelu_kernel[(triton.cdiv(n, BLOCK),)](x, w, b, y, n, BLOCK=BLOCK)


@triton.jit
def _softmax_kernel(out_ptr, in_ptr, in_stride, out_stride, n_cols, BLOCK: tl.constexpr):
    # Triton tutorial 02 (fused softmax): one program per row, the whole row in registers.
    row = tl.program_id(0)
    offs = tl.arange(0, BLOCK)
    mask = offs < n_cols
    x = tl.load(in_ptr + row * in_stride + offs, mask=mask, other=-float("inf"))
    x = x - tl.max(x, axis=0)
    num = tl.exp(x)
    tl.store(out_ptr + row * out_stride + offs, num / tl.sum(num, axis=0), mask=mask)


def softmax(x, y):
    m, n = x.shape
    BLOCK = triton.next_power_of_2(n)
    _softmax_kernel[(m,)](y, x, x.stride(0), y.stride(0), n, BLOCK=BLOCK, num_warps=8)  # the tutorial's 8 warps


@triton.jit
def _layernorm_kernel(x_ptr, y_ptr, w_ptr, b_ptr, stride, n, eps, BLOCK: tl.constexpr):
    # Triton tutorial 05 (layer norm), forward pass: blocks of the row, two passes for the statistics.
    row = tl.program_id(0)
    x_ptr += row * stride
    y_ptr += row * stride
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for off in range(0, n, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        acc += tl.load(x_ptr + cols, mask=cols < n, other=0.0).to(tl.float32)
    mean = tl.sum(acc, axis=0) / n
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for off in range(0, n, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        x = tl.load(x_ptr + cols, mask=cols < n, other=0.0).to(tl.float32)
        x = tl.where(cols < n, x - mean, 0.0)
        acc += x * x
    rstd = 1 / tl.sqrt(tl.sum(acc, axis=0) / n + eps)
    for off in range(0, n, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        mask = cols < n
        w = tl.load(w_ptr + cols, mask=mask)
        b = tl.load(b_ptr + cols, mask=mask)
        x = tl.load(x_ptr + cols, mask=mask, other=0.0).to(tl.float32)
        tl.store(y_ptr + cols, (x - mean) * rstd * w + b, mask=mask)


def layernorm(x, w, b, y, eps):
    m, n = x.shape
    BLOCK = min(65536 // x.element_size(), triton.next_power_of_2(n))
    num_warps = min(max(BLOCK // 256, 1), 8)
    _layernorm_kernel[(m,)](x, y, w, b, x.stride(0), n, eps, BLOCK=BLOCK, num_warps=num_warps)


@triton.jit
def _rmsnorm_kernel(x_ptr, y_ptr, w_ptr, stride, n, eps, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    x_ptr += row * stride
    y_ptr += row * stride
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for off in range(0, n, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        x = tl.load(x_ptr + cols, mask=cols < n, other=0.0).to(tl.float32)
        acc += x * x
    rstd = 1 / tl.sqrt(tl.sum(acc, axis=0) / n + eps)
    for off in range(0, n, BLOCK):
        cols = off + tl.arange(0, BLOCK)
        mask = cols < n
        x = tl.load(x_ptr + cols, mask=mask, other=0.0).to(tl.float32)
        tl.store(y_ptr + cols, x * rstd * tl.load(w_ptr + cols, mask=mask), mask=mask)


def rmsnorm(x, w, y, eps):
    m, n = x.shape
    BLOCK = min(65536 // x.element_size(), triton.next_power_of_2(n))
    num_warps = min(max(BLOCK // 256, 1), 8)
    _rmsnorm_kernel[(m,)](x, y, w, x.stride(0), n, eps, BLOCK=BLOCK, num_warps=num_warps)


@triton.jit
def _partial_sums_kernel(x_ptr, partial_ptr, n, BLOCK: tl.constexpr):
    # Each program folds a grid-strided set of BLOCK-wide chunks into one value.
    pid = tl.program_id(0)
    step = tl.num_programs(0) * BLOCK
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for start in range(pid * BLOCK, n, step):
        offs = start + tl.arange(0, BLOCK)
        acc += tl.load(x_ptr + offs, mask=offs < n, other=0.0)
    tl.store(partial_ptr + pid, tl.sum(acc, axis=0))


def reduce_sum(x, partial, out, BLOCK=1024):
    p = partial.numel()
    _partial_sums_kernel[(p,)](x, partial, x.numel(), BLOCK=BLOCK)
    _partial_sums_kernel[(1,)](partial, out, p, BLOCK=BLOCK)


@triton.jit
def _transpose_kernel(x_ptr, y_ptr, m, n, BM: tl.constexpr, BN: tl.constexpr):
    rm = tl.program_id(0) * BM + tl.arange(0, BM)
    rn = tl.program_id(1) * BN + tl.arange(0, BN)
    mask = (rm[:, None] < m) & (rn[None, :] < n)
    tile = tl.load(x_ptr + rm[:, None] * n + rn[None, :], mask=mask)
    tl.store(y_ptr + rn[:, None] * m + rm[None, :], tl.trans(tile), mask=(rn[:, None] < n) & (rm[None, :] < m))


def transpose(x, y, BM=64, BN=64):
    m, n = x.shape
    _transpose_kernel[(triton.cdiv(m, BM), triton.cdiv(n, BN))](x, y, m, n, BM=BM, BN=BN)


@triton.autotune(
    configs=[
        triton.Config({"BLOCK_M": 128, "BLOCK_N": 128, "BLOCK_K": 32, "GROUP_M": 8}, num_stages=3, num_warps=8),
        triton.Config({"BLOCK_M": 128, "BLOCK_N": 64, "BLOCK_K": 32, "GROUP_M": 8}, num_stages=4, num_warps=4),
        triton.Config({"BLOCK_M": 64, "BLOCK_N": 128, "BLOCK_K": 32, "GROUP_M": 8}, num_stages=4, num_warps=4),
        triton.Config({"BLOCK_M": 128, "BLOCK_N": 256, "BLOCK_K": 32, "GROUP_M": 8}, num_stages=3, num_warps=8),
    ],
    key=["M", "N", "K"],
)
@triton.jit
def _matmul_kernel(a_ptr, b_ptr, c_ptr, M, N, K, stride_am, stride_ak, stride_bk, stride_bn, stride_cm, stride_cn,
                   BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_M: tl.constexpr):
    # Triton tutorial 03 (matrix multiplication), in fp32 with IEEE products (no TF32), as cuBLAS here.
    pid = tl.program_id(0)
    num_pid_m = tl.cdiv(M, BLOCK_M)
    num_pid_n = tl.cdiv(N, BLOCK_N)
    num_pid_in_group = GROUP_M * num_pid_n
    group_id = pid // num_pid_in_group
    first_pid_m = group_id * GROUP_M
    group_size_m = min(num_pid_m - first_pid_m, GROUP_M)
    pid_m = first_pid_m + ((pid % num_pid_in_group) % group_size_m)
    pid_n = (pid % num_pid_in_group) // group_size_m
    offs_am = (pid_m * BLOCK_M + tl.arange(0, BLOCK_M)) % M
    offs_bn = (pid_n * BLOCK_N + tl.arange(0, BLOCK_N)) % N
    offs_k = tl.arange(0, BLOCK_K)
    a_ptrs = a_ptr + (offs_am[:, None] * stride_am + offs_k[None, :] * stride_ak)
    b_ptrs = b_ptr + (offs_k[:, None] * stride_bk + offs_bn[None, :] * stride_bn)
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k in range(0, tl.cdiv(K, BLOCK_K)):
        a = tl.load(a_ptrs, mask=offs_k[None, :] < K - k * BLOCK_K, other=0.0)
        b = tl.load(b_ptrs, mask=offs_k[:, None] < K - k * BLOCK_K, other=0.0)
        acc = tl.dot(a, b, acc, input_precision="ieee")
        a_ptrs += BLOCK_K * stride_ak
        b_ptrs += BLOCK_K * stride_bk
    offs_cm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_cn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    c_ptrs = c_ptr + stride_cm * offs_cm[:, None] + stride_cn * offs_cn[None, :]
    tl.store(c_ptrs, acc, mask=(offs_cm[:, None] < M) & (offs_cn[None, :] < N))


def matmul(a, b, c):
    M, K = a.shape
    _, N = b.shape
    grid = lambda meta: (triton.cdiv(M, meta["BLOCK_M"]) * triton.cdiv(N, meta["BLOCK_N"]),)  # noqa: E731
    _matmul_kernel[grid](a, b, c, M, N, K, a.stride(0), a.stride(1), b.stride(0), b.stride(1),
                         c.stride(0), c.stride(1))
