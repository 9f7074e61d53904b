// One kernel with a syntax error; the next kernel still translates.
// expect: TM002 TM010
__global__ void broken(float* x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = (x[i] + ;
}

__global__ void fine(float* x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = x[i] + 1.0f;
}
