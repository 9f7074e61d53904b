"""The guide's autotuned matmul, verbatim, decorator included (tests import it from here).

The code block is copied byte for byte from the migration guide (trailing spaces
included); tests/unit/test_tune_guide.py checks that it still matches.
"""

import tessera as ts

@ts.kernel.autotune(
    space={
        "TILE_M": [64, 128, 256],
        "TILE_N": [64, 128, 256], 
        "TILE_K": [32, 64, 128],
        "num_warps": [4, 8, 16],
        "num_stages": [2, 3, 4]
    },
    key=["M", "N", "K"]
)
def matmul_optimized(A: ts.Tensor["M", "K", ts.f32],
                    B: ts.Tensor["K", "N", ts.f32],
                    C: ts.Tensor["M", "N", ts.f32]):
    """Optimized matrix multiplication with autotuning."""
    
    # Get autotuned parameters
    TILE_M = ts.autotune.get_param("TILE_M")
    TILE_N = ts.autotune.get_param("TILE_N") 
    TILE_K = ts.autotune.get_param("TILE_K")
    
    # Allocate shared memory with optimal layout
    As = ts.shared.alloc[ts.f32](TILE_M, TILE_K, swizzle="xor")
    Bs = ts.shared.alloc[ts.f32](TILE_K, TILE_N, swizzle="xor")
    
    # Get thread coordinates
    row = ts.program_id(0) * TILE_M + ts.thread_id(0)
    col = ts.program_id(1) * TILE_N + ts.thread_id(1)
    
    acc = 0.0
    
    # Tiled computation with async copy optimization
    for k_tile in ts.range(0, K, TILE_K):
        # Async copy to shared memory (automatically optimized)
        ts.copy_async(A[ts.program_id(0)*TILE_M:(ts.program_id(0)+1)*TILE_M, 
                       k_tile:k_tile+TILE_K], As)
        ts.copy_async(B[k_tile:k_tile+TILE_K, 
                       ts.program_id(1)*TILE_N:(ts.program_id(1)+1)*TILE_N], Bs)
        
        # Wait for copies and synchronize
        ts.wait_group(0)
        ts.barrier()
        
        # Compute tile multiplication (automatically vectorized)
        for k in ts.range(TILE_K):
            acc += As[ts.thread_id(0), k] * Bs[k, ts.thread_id(1)]
        
        ts.barrier()
    
    # Store result
    if row < M and col < N:
        C[row, col] = acc
