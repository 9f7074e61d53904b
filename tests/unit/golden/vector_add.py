# The guide's "After: Tessera Vector Addition", verbatim (tests/unit/test_printer.py
# prints its IR and compares with vector_add.ir / vector_add.typed.ir: keep its lines where they are).
import tessera as ts

@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], 
               b: ts.Tensor["N", ts.f32], 
               c: ts.Tensor["N", ts.f32]):
    """Vector addition in Tessera."""
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]

# Automatic launch configuration - Tessera handles block/grid sizing
def launch_vector_add(a, b, c):
    vector_add(a, b, c)
