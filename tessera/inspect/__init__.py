"""Inspection: a kernel at every stage down to SASS, its resources and occupancy, for any sm_XX, no GPU needed.

    insp = kernel.inspect(*args, target="sm_90", config={"TILE": 32})
    insp["ptx"], insp["sass"], insp.resources, insp.lines_for("sass", 12)
    ts.inspect.diff(insp16, insp32, stage="sass")

From a shell: ``python -m tessera inspect file.py:kernel --stage sass --args "f32[1024],f32[1024]"``.

Example::

    >>> import tessera as ts
    >>> @ts.kernel
    ... def copy(src: ts.Tensor["N", ts.f32], dst: ts.Tensor["N", ts.f32]):
    ...     i = ts.program_id(0) * 128 + ts.thread_id(0)
    ...     if i < src.shape[0]:
    ...         dst[i] = src[i]
    >>> insp = copy.inspect("f32[1024]", "f32[1024]", target="sm_90")
    >>> insp.resources.occupancy.percent, "LDG" in insp["sass"], "STG" in insp["sass"]
    (100.0, True, True)
"""

from .argspec import ArgType, parse_arg, parse_arg_list
from .diff import InspectionDiff, diff
from .inspection import STAGES, Inspection, Resources, default_target, inspect_kernel
from .occupancy import ARCHS, Occupancy, max_threads_per_block, occupancy, parse_target
from .toolchain import ToolchainError

__all__ = ["Inspection", "InspectionDiff", "Resources", "Occupancy", "STAGES", "ARCHS", "ArgType", "diff",
           "inspect_kernel", "occupancy", "max_threads_per_block", "parse_target", "parse_arg",
           "parse_arg_list", "default_target", "ToolchainError"]
