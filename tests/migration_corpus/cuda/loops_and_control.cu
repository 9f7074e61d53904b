// while, do-while, a reduction loop with >>=, break/continue and ++/-- statements.
// expect: TM010
__global__ void block_sum(const float* x, float* out, int n) {
    __shared__ float buf[256];
    int tid = threadIdx.x;
    int i = blockIdx.x * 256 + threadIdx.x;
    buf[tid] = (i < n) ? x[i] : 0.0f;
    __syncthreads();
    for (int s = 128; s > 0; s >>= 1) {
        if (tid < s) {
            buf[tid] += buf[tid + s];
        }
        __syncthreads();
    }
    if (tid == 0) {
        out[blockIdx.x] = buf[0];
    }
}

__global__ void collatz(int* steps, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        int v = i + 1;
        int count = 0;
        while (v != 1) {
            if (v % 2 == 0) {
                v /= 2;
            } else {
                v = 3 * v + 1;
            }
            count++;
            if (count > 1000) break;
        }
        int k = 0;
        do {
            k++;
        } while (k < 3);
        steps[i] = count + k;
    }
}
