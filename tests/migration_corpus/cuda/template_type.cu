// A template over the element type: translated for float, with a medium diagnostic.
// expect: TM010 TM012
template <typename T>
__global__ void copy(const T* src, T* dst, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) dst[i] = src[i];
}
