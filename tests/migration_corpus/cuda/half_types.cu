// half and __nv_bfloat16 pointers map to ts.f16 / ts.bf16; conversion intrinsics to casts.
// expect: TM010
#include <cuda_fp16.h>
#include <cuda_bf16.h>

__global__ void to_half(const float* x, half* h, __nv_bfloat16* b, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        h[i] = __float2half(x[i]);
        b[i] = __float2bfloat16(x[i] * 2.0f);
    }
}
