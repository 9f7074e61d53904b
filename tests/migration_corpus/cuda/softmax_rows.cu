// Row softmax, one block per row: extern "C", __launch_bounds__, a namespace, const locals,
// INFINITY, __expf, #pragma unroll, block-stride loops and two shared-memory tree reductions.
// expect: TM010
#include <cuda_runtime.h>
#include <math.h>

namespace ops {

extern "C" __global__ void __launch_bounds__(256) softmax_rows(const float* __restrict__ x, float* __restrict__ y,
                                                                int rows, int cols) {
    const int row = blockIdx.x;
    if (row >= rows) return;
    __shared__ float red[256];
    float m = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, x[row * cols + c]);
    red[threadIdx.x] = m;
    __syncthreads();
#pragma unroll
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) red[threadIdx.x] = fmaxf(red[threadIdx.x], red[threadIdx.x + s]);
        __syncthreads();
    }
    m = red[0];
    __syncthreads();
    float sum = 0.f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) sum += __expf(x[row * cols + c] - m);
    red[threadIdx.x] = sum;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) red[threadIdx.x] += red[threadIdx.x + s];
        __syncthreads();
    }
    sum = red[0];
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
        y[row * cols + c] = __expf(x[row * cols + c] - m) / sum;
}

}  // namespace ops

void launch(const float* x, float* y, int rows, int cols) {
    ops::softmax_rows<<<rows, 256>>>(x, y, rows, cols);
}
