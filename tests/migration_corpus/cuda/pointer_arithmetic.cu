// A row pointer computed by pointer arithmetic: medium effort; *(p + i) on a parameter is indexing.
// expect: TM161 TM190
__global__ void row_scale(float* A, const float* s, int rows, int cols) {
    int r = blockIdx.x;
    float* row = A + r * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        row[c] *= *(s + r);
    }
}
