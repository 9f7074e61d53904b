// A per-thread local array: no Tessera form; its uses are kept as comments too.
// expect: TM010 TM160 TM190
__global__ void window(const float* x, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float w[4];
    for (int k = 0; k < 4; ++k) w[k] = 0.25f;
    if (i + 3 < n) {
        y[i] = w[0] * x[i] + w[1] * x[i + 1] + w[2] * x[i + 2] + w[3] * x[i + 3];
    }
}
