// The guide's "Before: CUDA Vector Addition", verbatim.
// expect: TM010
// CUDA kernel for vector addition
__global__ void vector_add(float* a, float* b, float* c, int n) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < n) {
        c[idx] = a[idx] + b[idx];
    }
}

// Host code
void launch_vector_add(float* a, float* b, float* c, int n) {
    dim3 blockSize(256);
    dim3 gridSize((n + blockSize.x - 1) / blockSize.x);
    
    vector_add<<<gridSize, blockSize>>>(a, b, c, n);
    cudaDeviceSynchronize();
}
