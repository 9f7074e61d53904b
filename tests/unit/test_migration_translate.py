"""CUDA C -> Tessera translation: the corpus in tests/migration_corpus/cuda, one file per construct.

Each `.cu` file names the diagnostic ids it must produce on its `// expect:` line, and its
translation is compared with the golden `.py` next to it. Regenerate the goldens with
TESSERA_UPDATE_GOLDEN=1 after a deliberate change, and review the diff.
"""

import os
import re
from pathlib import Path

import pytest

from tessera.frontend.parse import parse_kernel
from tessera.migration import CATALOGUE, EFFORTS, load, translate_cuda

CORPUS = Path(__file__).parent.parent / "migration_corpus" / "cuda"
FILES = sorted(CORPUS.glob("*.cu"))


def translate(path):
    return translate_cuda(path.read_text(), path.name)


def test_corpus_is_there():
    assert len(FILES) >= 25


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_expected_diagnostics(path):
    expected = set(re.search(r"// expect: (.*)", path.read_text()).group(1).split())
    t = translate(path)
    assert {d.id for d in t.diagnostics} == expected
    for d in t.diagnostics:
        assert d.id in CATALOGUE and d.effort in EFFORTS and d.line >= 1 and d.message and d.suggestion


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_golden_translation(path):
    golden = path.with_suffix(".py")
    got = translate(path).tessera_source
    if os.environ.get("TESSERA_UPDATE_GOLDEN"):
        golden.write_text(got)
    assert got == golden.read_text()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_translation_imports_and_automatic_kernels_parse(path):
    """Every module imports; every kernel without medium/high diagnostics is valid Tessera."""
    t = translate(path)
    mod = load(t)
    for k in t.kernels:
        obj = getattr(mod, k.name)
        if k.automatic:
            parse_kernel(obj.fn, is_func=k.kind == "func")


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_untranslated_construct_stays_as_a_comment(path):
    """Nothing is silently dropped: each medium/high diagnostic's CUDA lines appear commented."""
    t = translate(path)
    src_lines = path.read_text().split("\n")
    out = t.tessera_source
    for d in t.diagnostics:
        if d.effort == "low" or d.kernel is None:  # module-level: #defines, __constant__, top-level errors
            continue
        assert f"# {d.id} ({d.effort})" in out
        first = d.snippet.split("\n")[0].strip()
        assert first and first in src_lines[d.line - 1]
        assert any(first in line for line in out.split("\n") if line.lstrip().startswith("#")), (d, first)


def test_line_map_points_at_the_translated_lines():
    t = translate(CORPUS / "guide_matmul_shared.cu")
    cuda = t.source.split("\n")
    py = t.tessera_source.split("\n")

    def at(snippet):
        line = next(i for i, s in enumerate(cuda, 1) if snippet in s)
        return py[t.line_map[line] - 1].strip()

    assert at("#define TILE_SIZE 32") == "TILE_SIZE = 32"
    assert at("__shared__ float As") == "As = ts.shared.alloc[ts.f32](TILE_SIZE, TILE_SIZE)"
    assert at("int row =") == "row = ts.program_id(1) * TILE_SIZE + ts.thread_id(1)"
    assert at("for (int t = 0") == "for t in ts.range(0, (K + TILE_SIZE - 1) // TILE_SIZE):"
    assert at("__syncthreads") == "ts.barrier()"
    assert at("C[row * N + col] = sum") == "C[row, col] = sum"
    assert at("__global__ void matmul_shared").startswith("def matmul_shared(")
    assert at("int M, int N, int K) {").startswith("def matmul_shared(")  # a header's second line
    k = t.kernels[0]
    kpy = k.tessera_code.split("\n")
    first = k.cuda_lines[0]
    assert kpy[k.line_map[first] - 1].startswith("def matmul_shared(") and kpy[0] == "@ts.kernel"
    assert all(k.cuda_lines[0] <= c <= k.cuda_lines[1] for c in k.line_map)


def test_commented_block_lines_map_line_by_line():
    t = translate(CORPUS / "unsupported_statements.cu")
    cuda = t.source.split("\n")
    py = t.tessera_source.split("\n")
    for line in range(8, 12):
        assert cuda[line - 1].strip() in py[t.line_map[line] - 1]


def test_guide_vector_add_matches_the_guide():
    t = translate(CORPUS / "guide_vector_add.cu")
    code = t.kernels[0].tessera_code
    assert 'def vector_add(a: ts.Tensor["N", ts.f32], b: ts.Tensor["N", ts.f32], c: ts.Tensor["N", ts.f32]):' in code
    assert "idx = ts.program_id(0) * ts.block_size(0) + ts.thread_id(0)" in code
    assert "c[idx] = a[idx] + b[idx]" in code
    assert "# Tessera launch: vector_add(a, b, c)" in t.tessera_source
    (d,) = t.diagnostics
    assert d.id == "TM010" and d.effort == "low" and "n (now N)" in d.message


def test_stats():
    t = translate(CORPUS / "warp_shuffle.cu")
    s = t.stats
    assert (s.kernels_total, s.kernels_automatic) == (1, 0)
    assert s.cuda_lines == 10 and s.lines_automatic == 9
    assert s.diagnostics_by_effort == {"low": 1, "medium": 1, "high": 0}
    assert s.diagnostics_by_id == {"TM010": 1, "TM101": 1}
    both = s + translate(CORPUS / "guide_vector_add.cu").stats
    assert (both.kernels_total, both.kernels_automatic, both.cuda_lines) == (2, 1, 16)
    fs = translate(CORPUS / "device_function.cu").stats
    assert (fs.kernels_total, fs.funcs_total, fs.kernels_automatic) == (1, 2, 1)


def test_broken_code_keeps_the_rest():
    t = translate(CORPUS / "broken_syntax.cu")
    assert [k.name for k in t.kernels] == ["broken", "fine"]
    assert t.kernels[1].automatic and not t.kernels[0].automatic
    (d,) = [d for d in t.diagnostics if d.id == "TM002"]
    assert d.line == 5 and d.kernel == "broken"


def test_translation_of_text_with_no_kernel_is_a_diagnostic():
    t = translate_cuda("int main() { return 0; }")
    assert [d.id for d in t.diagnostics] == ["TM001"] and t.kernels == []
    assert translate_cuda("").diagnostics[0].id == "TM001"


def test_non_text_input_is_a_type_error():
    with pytest.raises(TypeError, match=r"translate_cuda takes the CUDA source as a str, not bytes; decode it first"):
        translate_cuda(b"__global__ void k() {}")
    with pytest.raises(TypeError, match=r"not PosixPath; read the file first"):
        translate_cuda(CORPUS / "guide_vector_add.cu")


@pytest.mark.parametrize("c, py", [
    ("a[i] = (x & 1) == 0;", "a[i] = x & 1 == 0"),
    ("a[i] = x & (y == 0);", "a[i] = x & (y == 0)"),
    ("a[i] = !(x < y) || x > 2;", "a[i] = not x < y or x > 2"),
    ("a[i] = x - (y - 1);", "a[i] = x - (y - 1)"),
    ("a[i] = (x + y) * 2;", "a[i] = (x + y) * 2"),
    ("a[i] = x / y;", "a[i] = x // y"),
    ("a[i] = f / 2;", "a[i] = f / 2"),
    ("a[i] = -x / 2;", "a[i] = -x // 2"),
    ("a[i] = 1.5e-3f + .5f + 2.f + 0x10 + 010 + 7u;", "a[i] = 1.5e-3 + 0.5 + 2.0 + 16 + 8 + 7"),
    ("a[i] = x < y ? x : y;", "a[i] = x if x < y else y"),
    ("a[i] = (float)x / y;", "a[i] = ts.f32(x) / y"),
    ("a[i] = __fdividef(f, 3.0f) + __saturatef(f);", "a[i] = f / 3.0 + ts.min(ts.max(f, 0.0), 1.0)"),
    ("a[i] = static_cast<int>(f) % 3;", "a[i] = ts.i32(f) % 3"),
    ("a[i] = fmodf(f, 2.0f) + f;", "a[i] = ts.fmod(f, 2.0) + f"),
])
def test_expressions(c, py):
    src = "__global__ void k(float* a, int i, int x, int y, float f) {\n    " + c + "\n}\n"
    code = translate_cuda(src).kernels[0].tessera_code
    assert code.split("\n")[2].strip() == py


def test_integer_division_of_negative_operands_is_noted():
    t = translate_cuda("__global__ void k(int* a, int x) { a[0] = -x / 2; }")
    assert [d.id for d in t.diagnostics] == ["TM013"]


def test_declarations_keep_c_conversions():
    code = translate_cuda("__global__ void k(float* a, int i) {\n"
                          "  float f = i;\n  double d = 0.5;\n  int j = a[0];\n  unsigned u;\n  a[0] = f + d + j + u;\n}\n"
                          ).kernels[0].tessera_code
    assert "f: ts.f32 = i" in code and "d: ts.f64 = 0.5" in code and "j: ts.i32 = a[0]" in code
    assert "u: ts.u32 = 0" in code


def test_atomics():
    code = translate_cuda("__global__ void k(float* a, int* c, int N) {\n"
                          "  int i = threadIdx.y, j = threadIdx.x;\n  atomicAdd(&a[i * N + j], 1.0f);\n  atomicSub(&c[i], 2);\n"
                          "  atomicMax(c + j, 3);\n  atomicCAS(&c[0], 1, 2);\n  atomicExch(&c[0], 1);\n}\n"
                          ).kernels[0].tessera_code
    assert "ts.atomic_add(a, (i, j), 1.0)" in code
    assert "ts.atomic_add(c, i, -2)" in code
    assert "ts.atomic_max(c, j, 3)" in code
    assert "ts.atomic_cas(c, 0, 1, 2)" in code
    assert "# TM183 (medium)" in code


def test_catalogue_entries_are_complete():
    assert len(CATALOGUE) >= 30
    for id, e in CATALOGUE.items():
        assert re.fullmatch(r"TM\d{3}", id) and e.effort in EFFORTS and e.title and e.suggestion


def test_named_constants_become_module_constants():
    t = translate_cuda("__global__ void k(float* a, int n) {\n  int i = threadIdx.x;\n"
                       "  if (i < n) a[i] = fmaxf(a[i], -INFINITY) + M_PI;\n}\n")
    assert 'INFINITY = float("inf")' in t.tessera_source and "M_PI = 3.141592653589793" in t.tessera_source
    assert "a[i] = ts.max(a[i], -INFINITY) + M_PI" in t.tessera_source


def test_define_expressions_fold_and_non_constants_are_reported_only_when_used():
    t = translate_cuda("#define A 4\n#define B (A * 2 + 1)\n#define F 0.5f\n#define HOSTONLY cudaMalloc\n"
                       "#define DEV threadIdx.x\n"
                       "__global__ void k(float* a) { a[DEV] = B * F; }\n")
    assert "A = 4\nB = 9  # (A * 2 + 1)\nF = 0.5  # 0.5f\n" in t.tessera_source
    assert [(d.id, d.line) for d in t.diagnostics] == [("TM171", 5), ("TM190", 6)]


def test_host_launch_is_shown_with_the_tessera_call():
    src = (CORPUS / "template_int.cu").read_text() + \
        "void go(float* x, int n) { scale<128><<<(n + 127) / 128, 128>>>(x, 2.0f, n); }\n"
    t = translate_cuda(src)
    assert "# CUDA launch (line 10): scale<128><<<(n + 127) / 128, 128>>>(x, 2.0f, n)" in t.tessera_source
    assert "# Tessera launch: scale[(n + 127) // 128, 128](x, s, BLOCK)" in t.tessera_source


def test_truncated_and_damaged_sources_never_raise():
    """Errors stay local: any prefix, suffix or damaged copy of a corpus file still translates."""
    for path in FILES:
        src = path.read_text()
        for cut in range(0, len(src), max(1, len(src) // 12)):
            for variant in (src[:cut], src[cut:], src[:cut] + src[cut + 7:], src.replace(";", "", 1)):
                t = translate_cuda(variant)
                assert isinstance(t.tessera_source, str)
                compile(t.tessera_source, "<translation>", "exec")  # always valid Python


def test_keyword_names_are_renamed_everywhere():
    t = translate_cuda("__global__ void in(float* lambda) { lambda[threadIdx.x] = 1.0f; }")
    assert "def in_(lambda_: ts.Tensor" in t.tessera_source
    assert "# Tessera launch: in_[grid, block](lambda_)" in t.tessera_source
    assert [d.id for d in t.diagnostics] == ["TM014"]
