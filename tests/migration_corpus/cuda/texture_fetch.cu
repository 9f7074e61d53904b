// Texture objects: high effort.
// expect: TM010 TM120
__global__ void sample(cudaTextureObject_t tex, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = tex1Dfetch<float>(tex, i);
    }
}
