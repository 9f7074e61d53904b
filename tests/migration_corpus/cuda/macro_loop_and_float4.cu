// A loop hidden in a function-like macro, and float4 vector loads: both kept, with the names they touch.
// expect: TM101 TM162 TM170 TM190
#define WARP 32
#define CUDA_KERNEL_LOOP(i, n) for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

__device__ __forceinline__ float warp_reduce_sum(float v) {
    for (int o = WARP / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffff, v, o);
    return v;
}

__global__ void relu(float* x, int n) {
    CUDA_KERNEL_LOOP(i, n) { x[i] = x[i] > 0 ? x[i] : 0; }
}

__global__ void vec4(const float4* __restrict__ a, float4* b, int n4) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n4) { float4 v = a[i]; v.x *= 2; b[i] = v; }
}
