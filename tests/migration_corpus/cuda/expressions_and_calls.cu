// Side effects inside expressions, calls of unknown functions, fences and a negative integer division.
// expect: TM010 TM013 TM181 TM182 TM184
__device__ float user_lib(float v);

__global__ void misc(const float* x, int* y, float* z, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        int k = i;
        y[i] = -i / 2;
        y[k++] = 0;
        z[i] = user_lib(x[i]);
        __threadfence();
        z[i] += 1.0f;
    }
}
