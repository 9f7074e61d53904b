# %% [markdown]
# # 06 — Migrating CUDA C to Tessera
#
# `ts.migration` has three tools, the ones the migration guide opens with:
#
# - **`translate_cuda(source)`** reads CUDA C/C++ with a real grammar (tree-sitter) and rewrites each
#   `__global__` kernel as a Tessera kernel: `threadIdx`/`blockIdx` become `ts.thread_id`/`ts.program_id`,
#   pointers plus sizes become `ts.Tensor[...]` with shape symbols (two-dimensional where the indexing is
#   row-major), `__shared__` arrays become `ts.shared.alloc`, `__syncthreads()` becomes `ts.barrier()`.
#   What has no Tessera form yet (warp shuffles, inline PTX, textures, ...) stays in the output as a
#   commented block with a diagnostic: an ID, the CUDA line, a message and an effort level.
# - **`CodebaseAnalyzer().analyze_project(path)`** walks a project (CUDA with tree-sitter, Python with
#   `ast`; nothing is imported or run) and says how much translates automatically and what is left.
# - **`MigrationReadinessAssessment(path).run_full_assessment()`** adds the GPU, the software environment,
#   tests and benchmarks, and a plan.
#
# This notebook runs everywhere: without a GPU the translated kernels run on the CPU backend.

# %%
import os, pathlib, tempfile
import numpy as np
import tessera as ts

print("kernels run on:", ts.current_backend().name)

# %% [markdown]
# ## The guide's vector addition
#
# The CUDA C kernel from the guide's "Before" section, host code included. The translator keeps the
# kernel's shape and turns the size argument `n` into the tensors' shape symbol `N`, so the Tessera
# kernel is called with the three arrays only; a low-effort diagnostic records that change of calling
# convention. The host launch becomes a comment that says how Tessera launches it.

# %%
vector_add_cu = r"""
// CUDA kernel for vector addition
__global__ void vector_add(float* a, float* b, float* c, int n) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n) {
        c[idx] = a[idx] + b[idx];
    }
}

// Host code
void launch_vector_add(float* a, float* b, float* c, int n) {
    dim3 blockSize(256);
    dim3 gridSize((n + blockSize.x - 1) / blockSize.x);

    vector_add<<<gridSize, blockSize>>>(a, b, c, n);
    cudaDeviceSynchronize();
}
"""
t = ts.migration.translate_cuda(vector_add_cu, "vector_add.cu")
print(t.tessera_source)

# %%
# NBVAL_CHECK_OUTPUT
for d in t.diagnostics:
    print(f"{d.id} line {d.line} ({d.effort}): {d.message}")
print(t.stats.kernels_automatic, "of", t.stats.kernels_total, "kernels translated automatically")

# %% [markdown]
# `ts.migration.load` runs the translated module and hands back its kernels. They are ordinary Tessera
# kernels: the launch is inferred, and they run on whatever backend is current.

# %%
# NBVAL_CHECK_OUTPUT
mod = ts.migration.load(t)
n = 10_000
rng = np.random.default_rng(0)
a, b = rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)
c = np.zeros_like(a)
mod.vector_add(a, b, c)
print("matches NumPy:", np.allclose(c, a + b))

# %% [markdown]
# ## Side by side
#
# `ts.migration.compare` puts the CUDA C and the translation next to each other, a row per CUDA line and
# the Tessera line the translator made of it, with diagnostics under the lines they are about. Given
# arguments it runs both kernels and compares every array they share; the CUDA C side needs a GPU
# (NVRTC compiles it), so on this machine it says why it did not run.

# %%
view = ts.migration.compare(t, args=(a, b, c), cuda_args=(a, b, c, n),
                            cuda_launch=dict(grid=(n + 255) // 256, block=256), rep_ms=5, warmup_ms=1)
view

# %% [markdown]
# ## Shared-memory tiles: the guide's `matmul_shared`
#
# `#define TILE_SIZE 32` becomes a module constant, `A[row * K + t * TILE_SIZE + threadIdx.x]` shows that
# `A` is an `M x K` row-major matrix, so the parameter becomes `ts.Tensor["M", "K", ts.f32]` indexed
# `A[row, t * TILE_SIZE + ts.thread_id(0)]`, and `M`, `N`, `K` leave the signature.

# %%
matmul_cu = r"""
#define TILE_SIZE 32

__global__ void matmul_shared(float* A, float* B, float* C,
                             int M, int N, int K) {
    __shared__ float As[TILE_SIZE][TILE_SIZE];
    __shared__ float Bs[TILE_SIZE][TILE_SIZE];

    int row = blockIdx.y * TILE_SIZE + threadIdx.y;
    int col = blockIdx.x * TILE_SIZE + threadIdx.x;

    float sum = 0.0f;

    for (int t = 0; t < (K + TILE_SIZE - 1) / TILE_SIZE; ++t) {
        if (row < M && t * TILE_SIZE + threadIdx.x < K) {
            As[threadIdx.y][threadIdx.x] = A[row * K + t * TILE_SIZE + threadIdx.x];
        } else {
            As[threadIdx.y][threadIdx.x] = 0.0f;
        }
        if (col < N && t * TILE_SIZE + threadIdx.y < K) {
            Bs[threadIdx.y][threadIdx.x] = B[(t * TILE_SIZE + threadIdx.y) * N + col];
        } else {
            Bs[threadIdx.y][threadIdx.x] = 0.0f;
        }
        __syncthreads();
        for (int k = 0; k < TILE_SIZE; ++k) {
            sum += As[threadIdx.y][k] * Bs[k][threadIdx.x];
        }
        __syncthreads();
    }
    if (row < M && col < N) {
        C[row * N + col] = sum;
    }
}
"""
tm = ts.migration.translate_cuda(matmul_cu, "matmul.cu")
print(tm.kernels[0].tessera_code)

# %%
# NBVAL_CHECK_OUTPUT
M, K, N = 70, 50, 90          # not multiples of the tile: the guards matter
A = rng.standard_normal((M, K)).astype(np.float32)
B = rng.standard_normal((K, N)).astype(np.float32)
C = np.zeros((M, N), np.float32)
ts.migration.load(tm).matmul_shared(A, B, C)
print("matches NumPy:", np.allclose(C, A @ B, atol=1e-4))

# %%
ts.migration.compare(tm)

# %% [markdown]
# ## What does not translate
#
# A block reduction written with warp shuffles: Tessera has no warp-level intrinsic yet, so the shuffle
# loop is kept as a commented block, and the diagnostic says what it was and how much work the rewrite
# is. Nothing is dropped silently.

# %%
reduce_cu = r"""
__global__ void block_sum(const float* __restrict__ x, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = i < n ? x[i] : 0.0f;
    for (int offset = 16; offset > 0; offset /= 2) {
        v += __shfl_down_sync(0xffffffff, v, offset);
    }
    if (threadIdx.x % 32 == 0) {
        atomicAdd(out, v);
    }
}
"""
tr = ts.migration.translate_cuda(reduce_cu, "block_sum.cu")
print(tr.tessera_source)

# %%
# NBVAL_CHECK_OUTPUT
import pandas as pd
pd.DataFrame([dict(id=d.id, line=d.line, effort=d.effort, message=d.message) for d in tr.diagnostics])

# %% [markdown]
# ## Analyzing a project
#
# The analyzer reads a whole tree. Here a small one is written to a temporary folder: the two guide
# kernels, the shuffle reduction, and a PyTorch model with a custom autograd function and mixed
# precision. The report has the guide's fields, plus the share that translates automatically, counted
# the way SYCLomatic counts it (kernels and lines, and manual work by effort level).

# %%
project = pathlib.Path(tempfile.mkdtemp(prefix="tessera-migrate-"))
(project / "kernels").mkdir()
(project / "kernels" / "vector_add.cu").write_text(vector_add_cu)
(project / "kernels" / "matmul.cu").write_text(matmul_cu)
(project / "kernels" / "reduce.cu").write_text(reduce_cu)
(project / "model.py").write_text('''
import torch
from torch import nn

class ScaledReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0) * 2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x > 0) * 2

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(64, 256), nn.Linear(256, 10)

    def forward(self, x):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            return self.fc2(ScaledReLU.apply(self.fc1(x)))
''')

analyzer = ts.migration.CodebaseAnalyzer()
analysis_report = analyzer.analyze_project(project)

print("Migration Analysis Report:")
print(f"Total CUDA kernels found: {analysis_report.cuda_kernels}")
print(f"PyTorch modules found: {analysis_report.pytorch_modules}")
print(f"Estimated migration effort: {analysis_report.effort_estimate}")
print(f"Migration complexity: {analysis_report.complexity_level}")
print(f"Potential performance gains: {analysis_report.performance_potential}")

for recommendation in analysis_report.recommendations:
    print(f"- {recommendation.component}: {recommendation.suggestion}")

# %%
# NBVAL_CHECK_OUTPUT
print("kernels translated automatically:", analysis_report.kernels_automatic, "of", analysis_report.cuda_kernels)
print("custom autograd functions:", analysis_report.custom_autograd_functions)
print("mixed precision:", analysis_report.mixed_precision)

# %% [markdown]
# `ReportView` draws the report in the notebook: the summary, plots of kernels by effort, the automatic
# share and the most frequent diagnostics, then the recommendations and every kernel and diagnostic.

# %%
ts.migration.ReportView(analysis_report)

# %% [markdown]
# ## Readiness
#
# The assessment's sections are the guide's. GPU compatibility comes from NVML (compute capability 7.0
# or newer); on a machine without a GPU or driver that is a reported state, not an exception. The
# complexity score is the guide's `calculate_complexity_score`, exactly.

# %%
assessment = ts.migration.MigrationReadinessAssessment(project)
results = assessment.run_full_assessment()
print(sorted(results))
print("GPU:", results["technical"]["gpu_compatibility"])
print("complexity score:", results["complexity"]["complexity_score"])

# %% [markdown]
# ## From the command line
#
# The same tools without a notebook: a text report, JSON for scripts, or one standalone HTML file with
# the plots inline, which opens offline; and the translation of one file.
#
# ```sh
# python -m tessera migrate analyze path/to/project --html report.html --readiness
# python -m tessera migrate translate kernels/matmul.cu -o matmul.py
# ```

# %%
import subprocess, sys
html_path = project / "report.html"
subprocess.run([sys.executable, "-m", "tessera", "migrate", "analyze", str(project), "--html", str(html_path)],
               check=True)
print("report written:", html_path.name, f"({html_path.stat().st_size // 1024} KiB, plotly.js inline)")
