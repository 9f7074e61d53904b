// Cooperative groups: high effort; block sync through a group.
// expect: TM010 TM130 TM190
#include <cooperative_groups.h>
namespace cg = cooperative_groups;

__global__ void scale_sync(float* x, int n) {
    cg::thread_block block = cg::this_thread_block();
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= 2.0f;
    block.sync();
}
