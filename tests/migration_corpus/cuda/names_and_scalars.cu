// C names that are Python keywords are renamed; a __shared__ scalar is a one-element tile.
// expect: TM010
__global__ void names(float* out, int n) {
    __shared__ float total;
    int lambda = blockIdx.x * blockDim.x + threadIdx.x;
    if (threadIdx.x == 0) total = 1.5f;
    __syncthreads();
    if (lambda < n) {
        bool is_even = (lambda & 1) == 0;
        out[lambda] = is_even ? total : -total;
    }
}
