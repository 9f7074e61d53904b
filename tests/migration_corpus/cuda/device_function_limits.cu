// Device functions that cannot be @ts.func as written: a pointer parameter, thread indices inside.
// Their calls are kept as CUDA too.
// expect: TM163 TM164 TM190
__device__ float pair_sum(const float* p, int i) { return p[i] + p[i + 1]; }

__device__ int global_index() { return blockIdx.x * blockDim.x + threadIdx.x; }

__global__ void pairs(const float* a, float* b, int n) {
    int i = global_index();
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j + 1 < n) b[j] = pair_sum(a, j);
}
