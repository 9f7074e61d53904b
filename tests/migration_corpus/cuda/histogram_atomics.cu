// Shared-memory histogram: __shared__ array, __syncthreads, atomicAdd on shared and global memory.
// expect: TM010
#define BINS 64

__global__ void histogram(const int* data, int* hist, int n) {
    __shared__ int local[BINS];
    int tid = threadIdx.x;
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (tid < BINS) {
        local[tid] = 0;
    }
    __syncthreads();
    if (i < n) {
        atomicAdd(&local[data[i] % BINS], 1);
    }
    __syncthreads();
    if (tid < BINS) {
        atomicAdd(&hist[tid], local[tid]);
    }
}
