// Object-like #defines with constant expressions become module constants; function-like macros do not.
// expect: TM010 TM170 TM190
#define BLOCK 128
#define HALF (BLOCK / 2)
#define EPS 1e-5f
#define SQR(x) ((x) * (x))

__global__ void normalize(float* x, int n) {
    int i = blockIdx.x * BLOCK + threadIdx.x;
    if (i < n) {
        x[i] = x[i] / (HALF + EPS);
        x[i] = SQR(x[i]);
    }
}
