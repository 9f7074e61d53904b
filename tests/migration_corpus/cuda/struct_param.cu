// Struct and vector-type values.
// expect: TM010 TM162 TM190
struct Params { float scale; float bias; };

__global__ void affine(Params p, const float4* x, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = p.scale * 2.0f + p.bias;
    }
}
