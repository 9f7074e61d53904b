// extern __shared__: the size comes from the launch; medium effort, uses are kept too.
// expect: TM010 TM150 TM190
__global__ void reverse(float* x, int n) {
    extern __shared__ float tile[];
    int t = threadIdx.x;
    tile[t] = x[t];
    __syncthreads();
    if (t < n) x[t] = tile[n - 1 - t];
}
