"""The guide's memory-management examples, verbatim (tests import them from here)."""

import numpy as np
import tessera as ts

@ts.kernel
def vector_add(a: ts.Tensor["N", ts.f32], 
               b: ts.Tensor["N", ts.f32], 
               c: ts.Tensor["N", ts.f32]):
    """Vector addition in Tessera."""
    idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)
    
    if idx < a.shape[0]:
        c[idx] = a[idx] + b[idx]

def compute_vector_add(a_host, b_host):
    # Automatic device memory allocation and transfers
    a_device = ts.from_numpy(a_host)  # Automatic host->device transfer
    b_device = ts.from_numpy(b_host)
    c_device = ts.zeros_like(a_device)
    
    # Launch kernel (automatic optimization)
    vector_add(a_device, b_device, c_device)
    
    # Automatic device->host transfer when needed
    c_host = c_device.numpy()  # Only transferred when accessed
    
    return c_host  # Memory automatically freed when out of scope

# Manual control when needed
@ts.memory.manual_management
def compute_with_manual_control(a_host, b_host):
    with ts.device(0):  # Explicit device selection
        # Explicit memory allocation
        a_device = ts.empty(a_host.shape, dtype=ts.f32, device="cuda:0")
        b_device = ts.empty(b_host.shape, dtype=ts.f32, device="cuda:0")
        c_device = ts.empty(a_host.shape, dtype=ts.f32, device="cuda:0")
        
        # Explicit transfers
        a_device.copy_from(a_host)
        b_device.copy_from(b_host)
        
        # Kernel launch
        vector_add(a_device, b_device, c_device)
        
        # Explicit transfer back
        c_host = ts.empty(a_host.shape, dtype=ts.f32, device="cpu")
        c_host.copy_from(c_device)
        
        return c_host

