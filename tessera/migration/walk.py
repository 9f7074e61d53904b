"""A safe walk over a project tree that nobody vouched for: the source files in it, and notes on what was left out.

The analyzer reads trees it must not trust: symlink loops, links out of the project,
unreadable directories, binary files with source-like names, Latin-1 comments,
generated files of hundreds of MB, FIFOs, nesting thousands of levels deep. None
of these stops the walk or raises; each becomes a `WalkNote` (path relative to the
root, and why), and the walk goes on. Nothing found is imported or executed: files
are only read, as bytes, up to a size cap.

Rules, in the order they apply:

- Directories are walked with an explicit stack (no recursion limit), in sorted
  order, at most `max_depth` levels below the root.
- Version-control metadata and caches (`.git`, `__pycache__`, `node_modules`, ...)
  are skipped silently; a virtual environment (a directory holding `pyvenv.cfg`)
  is skipped with a note, since its site-packages would swamp the project's own code.
- Symlinks are followed only to places inside the root, after the real tree, and
  every directory and file is visited once, by (device, inode): loops end, and a file
  reached by two names counts once, under its real name.
- Only regular files are opened (a FIFO would block the walk forever), only those
  whose suffix is in `KINDS`, and only up to `max_file_bytes`.
- A NUL byte in the first 8 KB marks a binary file (skipped); bytes that are not
  UTF-8 are replaced (U+FFFD) and noted, so the rest of the file is still analyzed.

Example::

    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "k.cu").write_text("__global__ void k(float* a) { a[0] = 1; }\\n")
    >>> _ = (root / "blob.py").write_bytes(b"\\x00\\x01binary")
    >>> notes = []
    >>> [(f.relpath, f.kind, f.lines) for f in walk_sources(root, notes=notes)]
    [('k.cu', 'cuda', 1)]
    >>> [(n.path, n.reason) for n in notes]
    [('blob.py', 'binary file (NUL byte in the first 8 KB); skipped')]
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

# Suffix -> kind. C/C++ sources and headers are "cpp": the analyzer decides, by their text,
# whether one holds CUDA device code (a `__global__` in a .h is common in real projects).
KINDS = {
    ".py": "python",
    ".cu": "cuda", ".cuh": "cuda",
    ".c": "cpp", ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".c++": "cpp",
    ".h": "cpp", ".hh": "cpp", ".hpp": "cpp", ".hxx": "cpp", ".inl": "cpp", ".ipp": "cpp", ".tpp": "cpp",
}

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".tox", ".nox",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs", ".ipynb_checkpoints"})

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 64
_SNIFF = 8192


@dataclass(frozen=True)
class SourceFile:
    """One source file as read: where it is, its kind ("python", "cuda" or "cpp"), its text and line count."""
    path: str
    relpath: str
    kind: str
    text: str
    lines: int


@dataclass(frozen=True)
class WalkNote:
    """Something the walk left out or changed, and why (path relative to the root)."""
    path: str
    reason: str


def count_lines(text: str) -> int:
    """Lines as an editor numbers them: a last line without a newline still counts.

        >>> count_lines("a\\nb"), count_lines("a\\n"), count_lines("")
        (2, 1, 0)
    """
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def decode_source(data: bytes) -> tuple[str, str | None]:
    """Bytes -> (text, note): UTF-8 (a BOM dropped), else UTF-8 with replacement and a note saying where it broke.

        >>> decode_source("é".encode("latin-1") + b" = 1\\n")
        ('\\ufffd = 1\\n', 'not UTF-8 (first bad byte at offset 0); undecodable bytes replaced')
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as e:
        return (data.decode("utf-8", errors="replace"),
                f"not UTF-8 (first bad byte at offset {e.start}); undecodable bytes replaced")


def walk_sources(root, *, notes: list, max_file_bytes: int = MAX_FILE_BYTES,
                 max_depth: int = MAX_DEPTH) -> Iterator[SourceFile]:
    """Yield every readable source file under `root` (see the module doc); append a WalkNote to `notes` for each skip.

    `root` may also be a single file. Files come in a stable order (sorted, depth first, symlinks last).
    """
    root = Path(root)
    real_root = os.path.realpath(root)
    seen: set[tuple[int, int]] = set()
    if os.path.isfile(real_root):
        st = os.stat(real_root)
        f = _read(real_root, root.name, st, notes, max_file_bytes)
        if f is not None:
            yield f
        return
    seen.add(_key(os.stat(real_root)))
    stack = [(real_root, "", 0)]
    links = []   # symlinks wait until the real tree is walked, so a file is known by its real name first
    while stack or links:
        if not stack:
            entry, erel, depth = links.pop(0)
            yield from _visit(entry, erel, depth, real_root, seen, stack, notes, max_file_bytes, max_depth)
            continue
        dirpath, rel, depth = stack.pop()
        try:
            with os.scandir(dirpath) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            notes.append(WalkNote(rel or ".", f"directory not readable ({_why(e)}); skipped"))
            continue
        subdirs = []
        for entry in entries:
            erel = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_symlink():
                links.append((entry, erel, depth))
            else:
                yield from _visit(entry, erel, depth, real_root, seen, subdirs, notes, max_file_bytes, max_depth)
        stack.extend(reversed(subdirs))  # popped in sorted order


def _visit(entry, erel: str, depth: int, real_root: str, seen: set, subdirs: list, notes: list,
           max_file_bytes: int, max_depth: int) -> Iterator[SourceFile]:
    """One entry of a directory `depth` levels down: a directory is appended to `subdirs`, a source file yielded."""
    path, st = _resolve(entry, real_root, erel, notes)
    if st is None:
        return
    if stat.S_ISDIR(st.st_mode):
        if entry.name in SKIP_DIRS or _key(st) in seen:
            return
        seen.add(_key(st))
        if os.path.exists(os.path.join(path, "pyvenv.cfg")):
            notes.append(WalkNote(erel, "virtual environment (pyvenv.cfg); skipped"))
        elif depth + 1 > max_depth:
            notes.append(WalkNote(erel, f"nested deeper than {max_depth} levels; skipped"))
        else:
            subdirs.append((path, erel, depth + 1))
    elif stat.S_ISREG(st.st_mode) and _kind(entry.name) is not None and _key(st) not in seen:
        seen.add(_key(st))
        f = _read(path, erel, st, notes, max_file_bytes)
        if f is not None:
            yield f


def _kind(name: str) -> str | None:
    return KINDS.get(os.path.splitext(name)[1].lower())


def _key(st) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


def _why(e: OSError) -> str:
    return e.strerror or type(e).__name__


def _resolve(entry, real_root: str, rel: str, notes: list):
    """(path to walk or read, its stat) for a directory entry; (None, None) when it is left out."""
    try:
        if not entry.is_symlink():
            # d_type answers these without a syscall: no stat for the many files that are not sources
            if entry.is_dir(follow_symlinks=False) or (entry.is_file(follow_symlinks=False)
                                                       and _kind(entry.name) is not None):
                return entry.path, entry.stat(follow_symlinks=False)
            return None, None
        target = os.path.realpath(entry.path)
        if os.path.commonpath([real_root, target]) != real_root:
            if _kind(entry.name) is not None or os.path.isdir(target):
                notes.append(WalkNote(rel, "symlink leads outside the project; not followed"))
            return None, None
        return target, os.stat(target)
    except (OSError, ValueError) as e:
        if _kind(entry.name) is not None:
            notes.append(WalkNote(rel, f"cannot stat ({_why(e) if isinstance(e, OSError) else e}); skipped"))
        return None, None


def _read(path: str, rel: str, st, notes: list, max_file_bytes: int) -> SourceFile | None:
    kind = _kind(path) or _kind(rel)
    if kind is None:
        return None
    if st.st_size > max_file_bytes:
        notes.append(WalkNote(rel, f"{st.st_size / 2**20:.0f} MB, over the {max_file_bytes / 2**20:.0f} MB "
                                   f"cap; skipped"))
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_file_bytes + 1)
    except OSError as e:
        notes.append(WalkNote(rel, f"not readable ({_why(e)}); skipped"))
        return None
    if len(data) > max_file_bytes:  # grew since the stat
        notes.append(WalkNote(rel, f"over the {max_file_bytes / 2**20:.0f} MB cap; skipped"))
        return None
    if b"\0" in data[:_SNIFF]:
        notes.append(WalkNote(rel, "binary file (NUL byte in the first 8 KB); skipped"))
        return None
    text, note = decode_source(data)
    if note:
        notes.append(WalkNote(rel, note))
    return SourceFile(path=path, relpath=rel, kind=kind, text=text, lines=count_lines(text))
