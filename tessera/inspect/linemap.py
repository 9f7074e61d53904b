"""Which lines of each stage came from which line of the generated source (and so of the user's).

Every stage after code generation points at lines of the generated numba
file, which `GeneratedModule.line_map` maps to the user's lines:

- numba's typed IR: `# --- LINE n ---` headers;
- LLVM IR: `!dbg !k` on instructions, `!k = !DILocation(line: n, ...)` at the end of each module;
- PTX: `.loc f n c` directives (file `f` declared by `.file f "path"`), `inlined_at f n c` too;
- SASS: `//## File "path", line n [inlined at "path", line m]` from `nvdisasm -gi` (the SASS
  stage shows these headers with the user's lines: `label_sass`).

Each parser returns {1-based line of the stage text: (generated lines...)}; a
line inlined from a device function maps to the function's line and to the
call site.

Example::

    >>> from tessera.inspect.linemap import ptx_lines, marker_lines
    >>> ptx = '.loc 1 12 1\\nld.global.f32 %f1, [%rd1];\\n.file 1 "/gen/k.py"'
    >>> ptx_lines(ptx, "/gen/k.py")
    {1: (12,), 2: (12,)}
    >>> marker_lines("x = 1  # L7\\nelse:\\ny = 2  # L9")
    {1: (7,), 3: (9,)}
"""

from __future__ import annotations

import os
import re

_MARKER = re.compile(r"#\s*L(\d+)\s*$")
_NUMBA_LINE = re.compile(r"^\s*# --- LINE (\d+) ---")
_DBG = re.compile(r"!dbg !(\d+)")
_DILOC = re.compile(r"^!(\d+) = (?:distinct )?!DILocation\(([^)]*)\)")
_PTX_FILE = re.compile(r'^\s*\.file\s+(\d+)\s+"([^"]+)"')
_PTX_LOC = re.compile(r"^\s*\.loc\s+(\d+)\s+(\d+)\s+\d+(?:.*inlined_at\s+(\d+)\s+(\d+)\s+\d+)?")
_SASS_LOC = re.compile(r'^\s*//## File "([^"]+)", line (\d+)(?: inlined at "([^"]+)", line (\d+))?')


def marker_lines(text: str) -> dict:
    """Lines ending in the printer's `# L<n>` marker (these are user lines already)."""
    out = {}
    for i, line in enumerate(text.splitlines(), start=1):
        m = _MARKER.search(line)
        if m:
            out[i] = (int(m.group(1)),)
    return out


def numba_ir_lines(text: str) -> dict:
    """numba's type annotation: every line under `# --- LINE n ---` belongs to generated line n."""
    out, cur = {}, None
    for i, line in enumerate(text.splitlines(), start=1):
        m = _NUMBA_LINE.match(line)
        if m:
            cur = int(m.group(1))
        if cur is not None and line.strip():
            out[i] = (cur,)
    return out


def _same_file(a: str, b: str) -> bool:
    return a == b or os.path.basename(a) == os.path.basename(b)


def llvm_lines(text: str, filename: str | None = None) -> dict:
    """LLVM IR: instructions with `!dbg` metadata, resolved per module (numbering restarts in each)."""
    lines = text.splitlines()
    out = {}
    bounds = [i for i, l in enumerate(lines) if l.startswith("; ModuleID")] + [len(lines)]
    if bounds[0] != 0:
        bounds.insert(0, 0)
    for lo, hi in zip(bounds, bounds[1:]):
        locs = {}
        for l in lines[lo:hi]:
            m = _DILOC.match(l)
            if m:
                fields = dict(p.split(": ", 1) for p in m.group(2).split(", ") if ": " in p)
                if "line" in fields and fields["line"].isdigit() and int(fields["line"]) > 0:
                    locs[m.group(1)] = int(fields["line"])
        for i in range(lo, hi):
            if lines[i].startswith("!"):
                continue
            m = _DBG.search(lines[i])
            if m and m.group(1) in locs:
                out[i + 1] = (locs[m.group(1)],)
    return out


def ptx_lines(text: str, filename: str) -> dict:
    """PTX: each line after a `.loc` of the generated file, until the next `.loc`."""
    lines = text.splitlines()
    files = {}
    for l in lines:
        m = _PTX_FILE.match(l)
        if m and _same_file(m.group(2), filename):
            files[m.group(1)] = True
    out, cur = {}, None
    for i, l in enumerate(lines, start=1):
        m = _PTX_LOC.match(l)
        if m:
            here = []
            if m.group(1) in files and int(m.group(2)) > 0:
                here.append(int(m.group(2)))
            if m.group(3) in files and m.group(4) and int(m.group(4)) > 0:
                here.append(int(m.group(4)))
            cur = tuple(here) or None
        if cur and l.strip() and not l.lstrip().startswith(("//", ".file")):
            out[i] = cur
        if l.strip() == "}":
            cur = None
    return out


def sass_lines(text: str, filename: str) -> dict:
    """SASS from `nvdisasm -gi`: instructions under a `//## File` header of the generated file."""
    out, cur, label = {}, None, None
    for i, l in enumerate(text.splitlines(), start=1):
        m = _SASS_LOC.match(l)
        if m:
            here = []
            if _same_file(m.group(1), filename):
                here.append(int(m.group(2)))
            if m.group(3) and _same_file(m.group(3), filename):
                here.append(int(m.group(4)))
            cur = tuple(here) or None
            out[i] = cur if cur else ()
            continue
        s = l.strip()
        if s.startswith(("//---", ".section", ".text")) or not s:
            cur = None
        elif s.endswith(":") and not s.startswith("/*"):
            label = s[:-1]
        elif cur and s.startswith("/*"):
            # The padding after the last instruction, and the branch-to-self that ends a
            # kernel, come from no line.
            if not (s.endswith("NOP ;") or s.endswith("NOP;") or label and f"`({label})" in s):
                out[i] = cur
    return {k: v for k, v in out.items() if v}


def label_sass(text: str, filename: str, module) -> str:
    """SASS with each `//## File "<generated file>", line n` header saying the user's line instead:
    `//## L12 (generated line n)`, `//## L7 inlined at L12 (...)`. Line numbers of the text do not change."""
    def user(n: str) -> str:
        loc = module.user_loc(int(n))
        return f"L{loc.line}" if loc is not None else f"generated line {n}"

    out = []
    for l in text.splitlines(True):
        m = _SASS_LOC.match(l)
        if m and _same_file(m.group(1), filename):
            indent = l[:len(l) - len(l.lstrip())]
            where = user(m.group(2))
            gen = f"generated line {m.group(2)}"
            if m.group(3) and _same_file(m.group(3), filename):
                where += f" inlined at {user(m.group(4))}"
                gen += f", {m.group(4)}"
            l = f"{indent}//## {where}  ({os.path.basename(filename)}: {gen})\n"
        out.append(l)
    return "".join(out)


def to_user(gen_map: dict, module) -> dict:
    """{stage line: generated lines} -> {stage line: user lines} through the module's line_map."""
    out = {}
    for k, gens in gen_map.items():
        users = []
        for g in gens:
            loc = module.user_loc(g)
            if loc is not None and loc.line not in users:
                users.append(loc.line)
        if users:
            out[k] = tuple(users)
    return out
