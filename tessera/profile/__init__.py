"""Profiling: kernel launches, copies, allocations and compiles on a timeline, summarized and exported.

``with ts.profile() as prof:`` (or ``@ts.profile``) records; ``prof.table()``,
``prof.timeline()``, ``prof.roofline()`` and ``prof.export_chrome_trace(path)``
show. See `tessera.profile.recorder`. pandas and plotly are imported only when
a summary or figure is asked for; nothing here costs a launch anything while
no profile records (`tessera.profile.hooks`).

Example::

    >>> import tessera as ts
    >>> with ts.profile() as prof:
    ...     with prof.range("setup"):
    ...         x = ts.ones(16, device="cpu")
    >>> sorted({e.kind for e in prof.events})
    ['alloc', 'range']
"""

from .recorder import Event, Profile, profile

__all__ = ["profile", "Profile", "Event"]
