"""Tessera's benchmarks: ``python -m benchmarks.run`` times each case against its alternatives."""
