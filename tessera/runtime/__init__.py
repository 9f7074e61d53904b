"""Launching kernels: argument checks, specialization cache, backends."""
