// A kernel launching a kernel: high effort.
// expect: TM010 TM140
__global__ void child(float* x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] += 1.0f;
}

__global__ void parent(float* x, int n) {
    if (threadIdx.x == 0 && blockIdx.x == 0) {
        child<<<(n + 255) / 256, 256>>>(x, n);
    }
}
