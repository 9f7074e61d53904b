"""Tessera translation of host_only.cu (ts.migration.translate_cuda)."""

import tessera as ts
