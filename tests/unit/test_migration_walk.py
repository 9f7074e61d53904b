"""The analyzer's tree walk over untrusted trees: every oddity is a note, never an exception or a hang."""

import os
import sys

import pytest

from tessera.migration import walk as walk_mod
from tessera.migration.walk import walk_sources

KERNEL = "__global__ void k(float* a) { a[threadIdx.x] = 1.0f; }\n"


def _walk(root, **kw):
    notes = []
    files = list(walk_sources(root, notes=notes, **kw))
    return files, {n.path: n.reason for n in notes}


def test_kinds_and_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.cu").write_text(KERNEL)
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "c.h").write_text("int f();")
    (tmp_path / "README.md").write_text("# not a source\n")
    files, notes = _walk(tmp_path)
    assert [(f.relpath, f.kind, f.lines) for f in files] == [("a.py", "python", 1), ("c.h", "cpp", 1),
                                                             ("b/z.cu", "cuda", 1)]
    assert notes == {}


def test_symlink_loop_ends_and_each_file_counts_once(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "k.cu").write_text(KERNEL)
    os.symlink(tmp_path, tmp_path / "src" / "loop")          # src/loop -> the root
    os.symlink(tmp_path / "src", tmp_path / "again")         # a second name for src
    os.symlink(tmp_path / "src" / "k.cu", tmp_path / "k_link.cu")
    files, _ = _walk(tmp_path)
    assert [f.relpath for f in files] == ["src/k.cu"]


def test_symlink_out_of_the_tree_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.cu").write_text(KERNEL)
    root = tmp_path / "proj"
    root.mkdir()
    os.symlink(outside, root / "ext")
    os.symlink(outside / "secret.cu", root / "s.cu")
    os.symlink(root / "missing.cu", root / "dangling.cu")
    files, notes = _walk(root)
    assert files == []
    assert notes["ext"] == "symlink leads outside the project; not followed"
    assert notes["s.cu"] == "symlink leads outside the project; not followed"
    assert "dangling.cu" in notes


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads a chmod 000 directory")
def test_unreadable_directory_chmod(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "k.cu").write_text(KERNEL)
    (tmp_path / "ok.cu").write_text(KERNEL)
    locked.chmod(0)
    try:
        files, notes = _walk(tmp_path)
    finally:
        locked.chmod(0o755)
    assert [f.relpath for f in files] == ["ok.cu"]
    assert notes["locked"].startswith("directory not readable")


def test_unreadable_directory(tmp_path, monkeypatch):
    # Runs as root too (where chmod 000 reads fine): scandir refuses as it would for another user.
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "k.cu").write_text(KERNEL)
    (tmp_path / "ok.cu").write_text(KERNEL)
    real = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)
    monkeypatch.setattr(walk_mod.os, "scandir", scandir)
    files, notes = _walk(tmp_path)
    assert [f.relpath for f in files] == ["ok.cu"]
    assert notes == {"locked": "directory not readable (Permission denied); skipped"}


def test_unreadable_file(tmp_path, monkeypatch):
    (tmp_path / "k.cu").write_text(KERNEL)
    real_open = open

    def fake_open(path, *a, **kw):
        if str(path).endswith("k.cu"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **kw)
    monkeypatch.setattr("builtins.open", fake_open)
    files, notes = _walk(tmp_path)
    assert files == [] and notes == {"k.cu": "not readable (Permission denied); skipped"}


def test_binary_latin1_and_bom(tmp_path):
    (tmp_path / "blob.cu").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00" + bytes(range(256)))
    (tmp_path / "latin.cu").write_bytes("// caf\xe9 = coffee\n".encode("latin-1") + KERNEL.encode())
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfx = 1\n")
    files, notes = _walk(tmp_path)
    by = {f.relpath: f for f in files}
    assert sorted(by) == ["bom.py", "latin.cu"]
    assert by["bom.py"].text == "x = 1\n"
    assert "\ufffd" in by["latin.cu"].text and by["latin.cu"].lines == 2
    assert notes["blob.cu"] == "binary file (NUL byte in the first 8 KB); skipped"
    assert notes["latin.cu"] == "not UTF-8 (first bad byte at offset 6); undecodable bytes replaced"


def test_big_file_skipped_without_reading_it(tmp_path):
    big = tmp_path / "generated.cu"
    with open(big, "wb") as fh:                       # sparse: 300 MB on paper, nothing on disk
        fh.truncate(300 * 2**20)
    (tmp_path / "small.cu").write_text(KERNEL)
    files, notes = _walk(tmp_path)
    assert [f.relpath for f in files] == ["small.cu"]
    assert notes["generated.cu"] == "300 MB, over the 20 MB cap; skipped"
    _, notes = _walk(tmp_path, max_file_bytes=10)
    assert notes["small.cu"] == "0 MB, over the 0 MB cap; skipped"


def test_deep_nesting_capped_not_recursed(tmp_path):
    d = tmp_path
    for i in range(80):
        d = d / f"d{i}"
    d.mkdir(parents=True)
    (d / "deep.cu").write_text(KERNEL)
    files, notes = _walk(tmp_path)
    assert files == []
    [(path, reason)] = notes.items()
    assert path.count("/") == 64 and reason == "nested deeper than 64 levels; skipped"
    files, notes = _walk(tmp_path, max_depth=100)
    assert [f.relpath.count("/") for f in files] == [80] and notes == {}


def test_fifo_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.cu")                    # opening it would block forever
    (tmp_path / "k.cu").write_text(KERNEL)
    files, notes = _walk(tmp_path)
    assert [f.relpath for f in files] == ["k.cu"] and notes == {}


def test_vcs_caches_and_virtualenvs_skipped(tmp_path):
    for d in (".git", "__pycache__", "node_modules", "venv/lib"):
        (tmp_path / d).mkdir(parents=True)
        (tmp_path / d / "x.py").write_text("x = 1\n")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "main.py").write_text("x = 1\n")
    files, notes = _walk(tmp_path)
    assert [f.relpath for f in files] == ["main.py"]
    assert notes == {"venv": "virtual environment (pyvenv.cfg); skipped"}


def test_single_file_root(tmp_path):
    (tmp_path / "k.cu").write_text(KERNEL)
    files, _ = _walk(tmp_path / "k.cu")
    assert [(f.relpath, f.kind) for f in files] == [("k.cu", "cuda")]
