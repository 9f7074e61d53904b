// switch and goto are kept as comments; the rest of the kernel translates.
// expect: TM010 TM180
__global__ void classify(const int* x, int* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int v = x[i];
    int c = 0;
    switch (v) {
        case 0: c = 10; break;
        default: c = 20;
    }
    y[i] = c + v;
}
