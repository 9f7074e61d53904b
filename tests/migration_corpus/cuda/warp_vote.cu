// Warp votes and warpSize.
// expect: TM010 TM102 TM103 TM190
__global__ void count_positive(const float* x, int* count, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    unsigned mask = __ballot_sync(0xffffffff, i < n && x[i] > 0.0f);
    int lane = threadIdx.x % warpSize;
    if (lane == 0) {
        atomicAdd(count, __popc(mask));
    }
}
