// Math functions, casts, ternaries, integer division and modulo, compound assignments.
// expect: TM010
__global__ void mathy(const float* x, float* y, int* q, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v = x[i];
    float r = sqrtf(fabsf(v)) + expf(-v * v) + rsqrtf(1.0f + v * v);
    r += powf(2.0f, v > 0.0f ? 1.0f : -1.0f);
    r *= (float)(i % 7) / 7.0f;
    int half_i = i / 2;
    q[i] = half_i + (int)floorf(v) + max(i, 3) - min(i, 5);
    y[i] = r;
}
