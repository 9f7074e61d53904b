// printf is dropped with a low-effort note.
// expect: TM010 TM015
__global__ void debug(float* x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        printf("x[%d] = %f\n", i, x[i]);
        x[i] = 0.0f;
    }
}
