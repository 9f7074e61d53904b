// __constant__ tables: pass them as tensors.
// expect: TM010 TM151 TM190
__constant__ float coeffs[4];

__global__ void poly(const float* x, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = x[i];
        y[i] = coeffs[0] + v * (coeffs[1] + v * (coeffs[2] + v * coeffs[3]));
    }
}
