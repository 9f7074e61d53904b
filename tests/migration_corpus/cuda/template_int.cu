// A template with an int parameter: a ts.constexpr parameter; the block then needs an explicit launch.
// expect: TM010 TM011 TM014
template <int BLOCK>
__global__ void scale(float* x, float s, int n) {
    int i = blockIdx.x * BLOCK + threadIdx.x;
    if (i < n) {
        x[i] *= s;
    }
}
