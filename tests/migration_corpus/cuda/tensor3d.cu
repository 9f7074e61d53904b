// A 3-D row-major index splits into three axes; 2-D grids and blocks map to axes 0 and 1.
// expect: TM010
__global__ void add_bias(float* x, const float* bias, int B, int H, int W) {
    int w = blockIdx.x * blockDim.x + threadIdx.x;
    int h = blockIdx.y * blockDim.y + threadIdx.y;
    if (w < W && h < H) {
        for (int b = 0; b < B; ++b) {
            x[(b * H + h) * W + w] += bias[h * W + w];
        }
    }
}
